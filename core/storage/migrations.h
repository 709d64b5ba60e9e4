#pragma once

#include <QString>
#include <QStringList>

#include <functional>
#include <vector>

namespace CostGov::Storage {

class Ledger;

/// One numbered schema step. Applied in one transaction together with its version row.
struct Migration {
    int version;
    QString description;
    QStringList statements;
    /// Data work after the statements, inside the same transaction (seeding, backfills).
    std::function<bool(Ledger &, QString &error)> afterStatements;
};

/// Every migration, oldest first. Never edit a released one: add a new step.
const std::vector<Migration> &migrations();

} // namespace CostGov::Storage

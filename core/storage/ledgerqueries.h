#pragma once

#include "requestsink.h"

#include "common/result.h"

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QVector>

namespace CostGov::Storage {

class Ledger;

struct QuarantinedLine {
    qint64 id = 0;
    qint64 importId = 0;
    QString path;
    qint64 line = 0;
    QString reason;
    QByteArray raw;
    qint64 createdMs = 0;
};

/// Quarantined lines, newest first; limit 0 = all.
Result<QVector<QuarantinedLine>> listQuarantine(Ledger &ledger, int limit);

struct ImportRun {
    qint64 id = 0;
    qint64 startedMs = 0;
    qint64 finishedMs = 0; ///< 0 while running or when interrupted
    QString status;        ///< running, completed, cancelled, failed, interrupted
    QString source;
    QStringList paths;
    QString message;
    ImportCounters counters;
};

/// Import history, newest first; limit 0 = all.
Result<QVector<ImportRun>> listImports(Ledger &ledger, int limit);

struct UnpricedModel {
    QString model;
    QString provider;
    qint64 requests = 0;
};

/// Models with requests that have no price, most requests first.
Result<QVector<UnpricedModel>> unpricedModels(Ledger &ledger);

} // namespace CostGov::Storage

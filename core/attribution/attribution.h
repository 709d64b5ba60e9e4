#pragma once

#include "common/money.h"
#include "common/result.h"

#include <QString>
#include <QVector>

class QSqlDatabase;

namespace CostGov::Storage {
class Ledger;
}

namespace CostGov::Attribution {

/// What billed costs and usage are attributed to when no rule matches.
QString unallocated();

/// An ordered rule: billed rows of a provider ("" any) whose project (OpenAI project id, Anthropic
/// workspace id) or API key id equals the pattern ("*" at the end matches a prefix) belong to a
/// team and feature. The first matching rule wins.
struct Rule {
    qint64 id = 0;
    int position = 0;
    QString provider;
    QString field; ///< "project" or "api_key"
    QString pattern;
    QString team;
    QString feature;

    bool matches(const QString &provider, const QString &project, const QString &apiKey) const;
};

/// The rules, in the order they are tried.
Result<QVector<Rule>> listRules(Storage::Ledger &ledger);
/// Adds a rule at position (1 = first; 0 = last) and returns its id. The field must be project or
/// api_key, the pattern and team not empty.
Result<qint64> addRule(Storage::Ledger &ledger, const Rule &rule);
/// Removes a rule; false when there was none with that id.
Result<bool> removeRule(Storage::Ledger &ledger, qint64 id);

/// What applying the rules changed.
struct Moved {
    qint64 rows = 0; ///< billed cost and usage rows whose team or feature changed
    Nano amount = 0; ///< billed cost of the cost rows among them
};

/// Applies the rules to every billed cost and usage row on db, inside the caller's transaction
/// (costgovctl sync applies them to what it stores).
Result<Moved> applyRules(QSqlDatabase &db);
/// The same in a transaction of its own, after the rules changed.
Result<Moved> applyRules(Storage::Ledger &ledger);

} // namespace CostGov::Attribution

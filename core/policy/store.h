#pragma once

#include "common/result.h"
#include "policy.h"

#include <QString>
#include <QVector>

#include <functional>
#include <optional>

namespace CostGov::Storage {
class Ledger;
}

// Policy versions and the agents they are pushed to, kept in the ledger; the client that talks
// to an agent's management API.
namespace CostGov::Policy {

struct VersionInfo {
    qint64 version = 0;
    qint64 createdMs = 0;
    QString note;
    QString hash;
};

/// Saves a policy as the next version (its version field is set) and returns that number.
/// A document equal to the latest version is not saved again: its number is returned.
Result<qint64> saveVersion(Storage::Ledger &ledger, Policy policy, const QString &note, qint64 nowMs);
/// Newest first.
Result<QVector<VersionInfo>> versions(Storage::Ledger &ledger);
/// A saved version, or the latest with nullopt; an error when there is none.
Result<Policy> load(Storage::Ledger &ledger, std::optional<qint64> version = std::nullopt);
/// Saves an earlier version's content as the next version ("rollback to vN").
Result<qint64> rollback(Storage::Ledger &ledger, qint64 toVersion, qint64 nowMs);

/// A line diff of two documents: lines prefixed "  ", "- " or "+ ".
QStringList diffLines(const QByteArray &before, const QByteArray &after);

/// Adds the ledger's hard budget alert rules (day, week, month, quarter; single scope values) to a
/// policy as agent budgets, each with the window's spend so far. Returns how many were added.
Result<int> addHardBudgets(Storage::Ledger &ledger, Policy &policy, qint64 nowMs);

struct AgentInfo {
    QString name;
    QString url;    ///< management API base, e.g. http://127.0.0.1:8788 or https://edge.example:8788
    QString caFile; ///< the CA certificate an https agent's certificate is checked against; "": the system's
    std::optional<qint64> pushedVersion;
    qint64 pushedMs = 0;
    QString lastResult;
};
Result<QVector<AgentInfo>> agents(Storage::Ledger &ledger);
/// Adds or updates an agent. The URL must be https, or http to this computer.
Status addAgent(Storage::Ledger &ledger, const QString &name, const QString &url, const QString &caFile = {});
Result<bool> removeAgent(Storage::Ledger &ledger, const QString &name);
Status recordPush(Storage::Ledger &ledger, const QString &name, std::optional<qint64> version, const QString &result,
                  qint64 nowMs);

/// Agent tokens: the keychain entry of an agent's token; for headless use the variable
/// COSTGOV_AGENT_TOKEN_<NAME> (upper case, other characters as _) holds one agent's token, and the
/// shared COSTGOV_AGENT_TOKEN serves only when a single agent is registered, so that one agent's
/// token never reaches another.
QString agentTokenEntry(const QString &agent);
QString agentTokenVariable(const QString &agent);
inline const QString kAgentTokenVariable = QStringLiteral("COSTGOV_AGENT_TOKEN");
/// The token the environment holds for an agent (see above), or empty.
QString agentTokenFromEnvironment(const QString &agent, qsizetype registeredAgents);

/// What an agent reports on GET /v1/status.
struct AgentStatus {
    bool reachable = false;
    QString error; ///< why not, when not reachable
    qint64 version = 0;
    QString hash;
    qint64 uptimeSeconds = 0;
    QByteArray json; ///< the whole answer
};
AgentStatus agentStatus(const QString &url, const QString &token, int timeoutMs = 5000, const QString &caFile = {});

struct PushResult {
    bool ok = false;
    int httpStatus = 0;
    QString message; ///< "applied version 4" or why not (the agent's reasons included)
};
/// Reads the agent's ETag, then PUTs the document with If-Match.
PushResult pushPolicy(const QString &url, const QString &token, const QByteArray &document, int timeoutMs = 10000,
                      const QString &caFile = {});

struct AgentPush {
    QString agent;
    PushResult result;
};
struct PushReport {
    qint64 version = 0;
    int hardBudgets = 0; ///< budgets added from the ledger's hard budget alert rules
    QVector<AgentPush> agents;
};
/// Pushes a saved version (the latest with nullopt) to the agents, with the hard budgets of the
/// alert rules unless withHardBudgets is false, and records each agent's result in the ledger.
/// tokenFor gives an agent's token, or the error to report for it.
Result<PushReport> pushVersion(Storage::Ledger &ledger, std::optional<qint64> version, bool withHardBudgets,
                               const QVector<AgentInfo> &agents,
                               const std::function<Result<QString>(const QString &agent)> &tokenFor, qint64 nowMs);

} // namespace CostGov::Policy

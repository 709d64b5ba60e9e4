#include "store.h"

#include "alerts/alerts.h"
#include "storage/ledger.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlError>
#include <QSqlQuery>
#include <QUrl>

#include <httplib.h>

namespace CostGov::Policy {

namespace {

using Storage::dbError;

QString checkAgentUrl(const QUrl &url)
{
    if (!url.isValid() || url.host().isEmpty())
        return QStringLiteral("\"%1\" is not an agent address such as http://127.0.0.1:8788").arg(url.toString());
    const QString host = url.host();
    const bool local =
        host == QLatin1String("localhost") || host == QLatin1String("127.0.0.1") || host == QLatin1String("::1");
    if (url.scheme() == QLatin1String("https") || (url.scheme() == QLatin1String("http") && local))
        return {};
    return QStringLiteral("the agent token may only go over https, or over http to this computer; \"%1\" is neither")
        .arg(url.toString());
}

/// A client for an agent's management API; nullptr and a message when the address is refused.
std::unique_ptr<httplib::Client> clientFor(const QString &address, const QString &token, int timeoutMs,
                                           const QString &caFile, QString &error)
{
    const QUrl url(address);
    error = checkAgentUrl(url);
    if (!error.isEmpty())
        return nullptr;
    const std::string base = QString(url.scheme() + QStringLiteral("://") + url.authority()).toStdString();
    auto client = std::make_unique<httplib::Client>(base);
    client->set_connection_timeout(std::chrono::milliseconds(timeoutMs));
    client->set_read_timeout(std::chrono::milliseconds(timeoutMs));
    client->set_write_timeout(std::chrono::milliseconds(timeoutMs));
    client->set_bearer_token_auth(token.toStdString());
    if (!caFile.isEmpty())
        client->set_ca_cert_path(caFile.toStdString());
    return client;
}

QString httpError(const httplib::Result &result)
{
    const QString text = QString::fromStdString(httplib::to_string(result.error()));
    return result.error() == httplib::Error::SSLServerVerification ? text
            + QStringLiteral(" (the agent's certificate is not signed by a CA this computer trusts: "
                             "give its CA certificate)")
                                                                   : text;
}

/// The agent's error message in its JSON body, with its list of problems.
QString agentMessage(const std::string &body)
{
    const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(body)).object();
    const QJsonObject error = o.value(QStringLiteral("error")).toObject();
    QString message = error.value(QStringLiteral("message")).toString();
    for (const QJsonValue &p : error.value(QStringLiteral("problems")).toArray())
        message += QStringLiteral("\n  ") + p.toString();
    return message.isEmpty() ? QString::fromStdString(body).left(200) : message;
}

} // namespace

Result<qint64> saveVersion(Storage::Ledger &ledger, Policy policy, const QString &note, qint64 nowMs)
{
    auto list = versions(ledger);
    if (!list.ok())
        return list.error();
    const qint64 next = list->isEmpty() ? 1 : list->first().version + 1;
    if (!list->isEmpty()) {
        policy.version = list->first().version;
        if (contentHash(policy) == list->first().hash)
            return policy.version;
    }
    policy.version = next;
    QSqlQuery q(ledger.db());
    q.prepare(QStringLiteral("INSERT INTO policy_versions (version, created_ms, note, document, hash) "
                             "VALUES (?, ?, ?, ?, ?)"));
    q.addBindValue(next);
    q.addBindValue(nowMs);
    q.addBindValue(note.isNull() ? QStringLiteral("") : note); // a null QString binds as NULL
    q.addBindValue(QString::fromUtf8(toDocument(policy)));
    q.addBindValue(contentHash(policy));
    if (!q.exec())
        return dbError(q, "save the policy version");
    return next;
}

Result<QVector<VersionInfo>> versions(Storage::Ledger &ledger)
{
    QSqlQuery q(ledger.db());
    if (!q.exec(QStringLiteral("SELECT version, created_ms, note, hash FROM policy_versions ORDER BY version DESC")))
        return dbError(q, "read the policy versions");
    QVector<VersionInfo> out;
    while (q.next())
        out.append({q.value(0).toLongLong(), q.value(1).toLongLong(), q.value(2).toString(), q.value(3).toString()});
    return out;
}

Result<Policy> load(Storage::Ledger &ledger, std::optional<qint64> version)
{
    QSqlQuery q(ledger.db());
    if (version) {
        q.prepare(QStringLiteral("SELECT document FROM policy_versions WHERE version = ?"));
        q.addBindValue(*version);
    } else {
        q.prepare(QStringLiteral("SELECT document FROM policy_versions ORDER BY version DESC LIMIT 1"));
    }
    if (!q.exec())
        return dbError(q, "read the policy");
    if (!q.next())
        return makeError(ErrorCode::Usage,
                         version ? QStringLiteral("there is no policy version %1").arg(*version)
                                 : QStringLiteral("no policy has been saved yet"));
    Parsed parsed = parse(q.value(0).toString().toUtf8());
    if (!parsed.ok())
        return makeError(ErrorCode::Data,
                         QStringLiteral("the stored policy is invalid:\n") + problemsText(parsed.problems));
    return parsed.policy;
}

Result<qint64> rollback(Storage::Ledger &ledger, qint64 toVersion, qint64 nowMs)
{
    auto policy = load(ledger, toVersion);
    if (!policy.ok())
        return policy.error();
    return saveVersion(ledger, *policy, QStringLiteral("rollback to version %1").arg(toVersion), nowMs);
}

QStringList diffLines(const QByteArray &before, const QByteArray &after)
{
    const QList<QByteArray> a = before.split('\n'), b = after.split('\n');
    // Longest common subsequence over lines; documents are small.
    const qsizetype n = a.size(), m = b.size();
    std::vector<std::vector<int>> lcs(size_t(n + 1), std::vector<int>(size_t(m + 1), 0));
    for (qsizetype i = n - 1; i >= 0; --i)
        for (qsizetype j = m - 1; j >= 0; --j)
            lcs[size_t(i)][size_t(j)] = a[i] == b[j]
                ? lcs[size_t(i + 1)][size_t(j + 1)] + 1
                : std::max(lcs[size_t(i + 1)][size_t(j)], lcs[size_t(i)][size_t(j + 1)]);
    QStringList out;
    qsizetype i = 0, j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && a[i] == b[j]) {
            out.append(QStringLiteral("  ") + QString::fromUtf8(a[i]));
            ++i;
            ++j;
        } else if (i < n && (j == m || lcs[size_t(i + 1)][size_t(j)] >= lcs[size_t(i)][size_t(j + 1)])) {
            out.append(QStringLiteral("- ") + QString::fromUtf8(a[i++]));
        } else {
            out.append(QStringLiteral("+ ") + QString::fromUtf8(b[j++]));
        }
    }
    return out;
}

Result<int> addHardBudgets(Storage::Ledger &ledger, Policy &policy, qint64 nowMs)
{
    auto rules = Alerts::listRules(ledger);
    if (!rules.ok())
        return rules.error();
    // The ledger's spend runs to its latest request: the agent counts what it served after that
    // (from its own log), so nothing served but not yet imported is lost or counted twice.
    qint64 asOf = nowMs;
    {
        QSqlQuery q(ledger.db());
        if (!q.exec(QStringLiteral("SELECT MAX(r.ts) FROM request_segments s CROSS JOIN requests r "
                                   "WHERE s.day = (SELECT MAX(day) FROM request_segments) "
                                   "AND r.id BETWEEN s.first_id AND s.last_id")))
            return dbError(q, "read the latest request");
        if (q.next() && !q.value(0).isNull())
            asOf = std::min(asOf, q.value(0).toLongLong() + 1);
    }
    int added = 0;
    for (const Alerts::Rule &rule : *rules) {
        if (rule.kind != Alerts::Kind::Budget || !rule.hard)
            continue;
        Budget b;
        b.name = rule.name;
        b.window = Alerts::windowName(rule.window);
        b.timeZone = rule.timeZone;
        b.limit = rule.amount;
        b.spentAsOfMs = asOf;
        bool expressible =
            !rule.groupBy || *rule.groupBy == Storage::Dimension::Team || *rule.groupBy == Storage::Dimension::Feature;
        if (rule.groupBy)
            b.each = Storage::dimensionName(*rule.groupBy);
        for (const Storage::SpendFilter &f : rule.filters) {
            QString *field = f.dimension == Storage::Dimension::Team ? &b.team
                : f.dimension == Storage::Dimension::Feature         ? &b.feature
                : f.dimension == Storage::Dimension::User            ? &b.user
                : f.dimension == Storage::Dimension::Environment     ? &b.environment
                : f.dimension == Storage::Dimension::Model           ? &b.model
                                                                     : nullptr;
            if (!field || f.values.size() != 1)
                expressible = false;
            else
                *field = f.values.first();
        }
        if (!expressible)
            return makeError(ErrorCode::Usage,
                             QStringLiteral("hard budget \"%1\" has a scope the agent cannot enforce: use single "
                                            "values of team, feature, user, environment or model, grouped by team "
                                            "or feature")
                                 .arg(rule.name));
        auto findings = Alerts::assess(ledger, rule, asOf);
        if (!findings.ok())
            return findings.error();
        for (const Alerts::Finding &f : *findings) {
            if (b.each.isEmpty())
                b.spentAtPush = f.spent;
            else
                b.spentByGroup.insert(f.group, f.spent);
        }
        if (std::any_of(policy.budgets.begin(), policy.budgets.end(),
                        [&b](const Budget &o) { return o.name == b.name; }))
            return makeError(ErrorCode::Usage,
                             QStringLiteral("the policy has a budget named \"%1\" too; rename one").arg(b.name));
        policy.budgets.append(b);
        ++added;
    }
    return added;
}

Result<QVector<AgentInfo>> agents(Storage::Ledger &ledger)
{
    QSqlQuery q(ledger.db());
    if (!q.exec(QStringLiteral("SELECT name, url, pushed_version, pushed_ms, last_result, ca_file FROM policy_agents "
                               "ORDER BY name")))
        return dbError(q, "read the agents");
    QVector<AgentInfo> out;
    while (q.next()) {
        AgentInfo a{q.value(0).toString(), q.value(1).toString(),   q.value(5).toString(),
                    std::nullopt,          q.value(3).toLongLong(), q.value(4).toString()};
        if (!q.value(2).isNull())
            a.pushedVersion = q.value(2).toLongLong();
        out.append(a);
    }
    return out;
}

Status addAgent(Storage::Ledger &ledger, const QString &name, const QString &url, const QString &caFile)
{
    if (name.trimmed().isEmpty())
        return makeError(ErrorCode::Usage, QStringLiteral("an agent needs a name"));
    if (const QString problem = checkAgentUrl(QUrl(url)); !problem.isEmpty())
        return makeError(ErrorCode::Usage, problem);
    QSqlQuery q(ledger.db());
    if (!caFile.isEmpty() && !QFileInfo(caFile).isReadable())
        return makeError(ErrorCode::Usage, QStringLiteral("cannot read the CA certificate %1").arg(caFile));
    q.prepare(QStringLiteral("INSERT INTO policy_agents (name, url, ca_file) VALUES (?, ?, ?) "
                             "ON CONFLICT (name) DO UPDATE SET url = excluded.url, ca_file = excluded.ca_file"));
    q.addBindValue(name.trimmed());
    q.addBindValue(url);
    q.addBindValue(caFile.isEmpty() ? QStringLiteral("") : QFileInfo(caFile).absoluteFilePath());
    if (!q.exec())
        return dbError(q, "store the agent");
    return {};
}

Result<bool> removeAgent(Storage::Ledger &ledger, const QString &name)
{
    QSqlQuery q(ledger.db());
    q.prepare(QStringLiteral("DELETE FROM policy_agents WHERE name = ?"));
    q.addBindValue(name);
    if (!q.exec())
        return dbError(q, "remove the agent");
    return q.numRowsAffected() > 0;
}

Status recordPush(Storage::Ledger &ledger, const QString &name, std::optional<qint64> version, const QString &result,
                  qint64 nowMs)
{
    QSqlQuery q(ledger.db());
    q.prepare(version ? QStringLiteral("UPDATE policy_agents SET pushed_version = ?, pushed_ms = ?, last_result = ? "
                                       "WHERE name = ?")
                      : QStringLiteral("UPDATE policy_agents SET last_result = ? WHERE name = ?"));
    if (version) {
        q.addBindValue(*version);
        q.addBindValue(nowMs);
    }
    q.addBindValue(result);
    q.addBindValue(name);
    if (!q.exec())
        return dbError(q, "record the push");
    return {};
}

QString agentTokenEntry(const QString &agent)
{
    return QStringLiteral("agent-%1-token").arg(agent);
}

QString agentTokenVariable(const QString &agent)
{
    QString name = agent.toUpper();
    for (QChar &c : name)
        if (!((c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9')))
            c = u'_';
    return kAgentTokenVariable + u'_' + name;
}

QString agentTokenFromEnvironment(const QString &agent, qsizetype registeredAgents)
{
    if (const QString own = qEnvironmentVariable(agentTokenVariable(agent).toLatin1().constData()); !own.isEmpty())
        return own;
    return registeredAgents == 1 ? qEnvironmentVariable(kAgentTokenVariable.toLatin1().constData()) : QString();
}

Result<PushReport> pushVersion(Storage::Ledger &ledger, std::optional<qint64> version, bool withHardBudgets,
                               const QVector<AgentInfo> &agents,
                               const std::function<Result<QString>(const QString &agent)> &tokenFor, qint64 nowMs)
{
    auto policy = load(ledger, version);
    if (!policy.ok())
        return policy.error();
    PushReport report;
    report.version = policy->version;
    if (withHardBudgets) {
        const auto added = addHardBudgets(ledger, *policy, nowMs);
        if (!added.ok())
            return added.error();
        report.hardBudgets = *added;
    }
    const QByteArray document = toDocument(*policy);
    for (const AgentInfo &a : agents) {
        const auto token = tokenFor(a.name);
        PushResult r;
        if (!token.ok())
            r.message = token.error().message;
        else
            r = pushPolicy(a.url, *token, document, 10000, a.caFile);
        (void)recordPush(ledger, a.name, r.ok ? std::optional<qint64>(report.version) : std::nullopt, r.message, nowMs);
        report.agents.append({a.name, r});
    }
    return report;
}

AgentStatus agentStatus(const QString &url, const QString &token, int timeoutMs, const QString &caFile)
{
    AgentStatus status;
    auto client = clientFor(url, token, timeoutMs, caFile, status.error);
    if (!client)
        return status;
    const auto result = client->Get("/v1/status");
    if (!result) {
        status.error = QStringLiteral("cannot reach %1: %2").arg(url, httpError(result));
        return status;
    }
    if (result->status != 200) {
        status.error = result->status == 401
            ? QStringLiteral("the agent refused the token (HTTP 401)")
            : QStringLiteral("HTTP %1: %2").arg(result->status).arg(agentMessage(result->body));
        return status;
    }
    status.json = QByteArray::fromStdString(result->body);
    const QJsonObject o = QJsonDocument::fromJson(status.json).object();
    status.reachable = true;
    status.version = o.value(QStringLiteral("policy_version")).toInteger();
    status.hash = o.value(QStringLiteral("policy_hash")).toString();
    status.uptimeSeconds = o.value(QStringLiteral("uptime_seconds")).toInteger();
    return status;
}

PushResult pushPolicy(const QString &url, const QString &token, const QByteArray &document, int timeoutMs,
                      const QString &caFile)
{
    PushResult out;
    auto client = clientFor(url, token, timeoutMs, caFile, out.message);
    if (!client)
        return out;
    const auto current = client->Get("/v1/policy");
    if (!current) {
        out.message = QStringLiteral("cannot reach %1: %2").arg(url, httpError(current));
        return out;
    }
    out.httpStatus = current->status;
    if (current->status != 200) {
        out.message = current->status == 401
            ? QStringLiteral("the agent refused the token (HTTP 401)")
            : QStringLiteral("HTTP %1: %2").arg(current->status).arg(agentMessage(current->body));
        return out;
    }
    httplib::Headers headers{{"If-Match", current->get_header_value("ETag")}};
    const auto put = client->Put("/v1/policy", headers, document.toStdString(), "application/json");
    if (!put) {
        out.message = QStringLiteral("cannot reach %1: %2").arg(url, httpError(put));
        return out;
    }
    out.httpStatus = put->status;
    const QJsonObject answer = QJsonDocument::fromJson(QByteArray::fromStdString(put->body)).object();
    if (put->status == 200) {
        out.ok = true;
        out.message = QStringLiteral("applied version %1").arg(answer.value(QStringLiteral("version")).toInteger());
    } else if (put->status == 401) {
        out.message = QStringLiteral("the agent refused the token (HTTP 401)");
    } else if (put->status == 412) {
        out.message = QStringLiteral("the agent's policy changed while pushing (HTTP 412); push again");
    } else {
        out.message = QStringLiteral("refused (HTTP %1): %2").arg(put->status).arg(agentMessage(put->body));
    }
    return out;
}

} // namespace CostGov::Policy

#include "management.h"

#include "accounting.h"
#include "common/clock.h"
#include "metrics.h"
#include "openai.h"
#include "policy/budgetmeter.h"
#include "policy/cache.h"
#include "policyinforce.h"
#include "upstreams.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>

#include <httplib.h>

namespace CostGov::Gateway {

namespace {

bool constantTimeEqual(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

/// Past this many addresses with failures, forgotten failures are dropped; a flood of addresses
/// cannot grow the table without bound.
constexpr size_t kMaxTrackedAddresses = 4096;

} // namespace

QByteArray Management::tokenDigest(const QByteArray &authorization)
{
    // Digests have one length, so the comparison takes as long for any token sent.
    return QCryptographicHash::hash(authorization, QCryptographicHash::Sha256);
}

bool Management::authorize(const httplib::Request &req, httplib::Response &res)
{
    const qint64 now = m_clock.nowMs();
    const std::string &address = req.remote_addr;
    {
        std::lock_guard lock(m_failuresMutex);
        const auto it = m_failures.find(address);
        if (it != m_failures.end() && it->second.lockedUntilMs > now) {
            const qint64 seconds = (it->second.lockedUntilMs - now + 999) / 1000;
            res.set_header("Retry-After", std::to_string(seconds));
            jsonError(
                res, 429, QStringLiteral("too_many_attempts"),
                QStringLiteral("too many wrong management tokens from this address; try again in %1 s").arg(seconds));
            return false;
        }
    }
    const bool matches =
        constantTimeEqual(tokenDigest(QByteArray::fromStdString(req.get_header_value("Authorization"))), m_expected);
    std::lock_guard lock(m_failuresMutex);
    if (matches) {
        m_failures.erase(address);
        return true;
    }
    if (m_failures.size() >= kMaxTrackedAddresses)
        std::erase_if(m_failures, [&](const auto &entry) {
            return entry.second.lockedUntilMs <= now && now - entry.second.sinceMs > m_lockoutMs;
        });
    if (m_failures.size() < kMaxTrackedAddresses || m_failures.count(address)) {
        Failures &f = m_failures[address];
        if (now - f.sinceMs > m_lockoutMs)
            f = {0, now, 0};
        if (++f.count >= m_maxFailures)
            f = {0, now, now + m_lockoutMs};
    }
    res.set_header("WWW-Authenticate", "Bearer");
    jsonError(res, 401, QStringLiteral("unauthorized"),
              QStringLiteral("a bearer token is required (Authorization: Bearer <token>)"));
    return false;
}

QByteArray Management::statusJson() const
{
    const auto a = m_policy.current();
    const Policy::CacheStats cache = m_cache.stats();
    const QJsonObject o{
        {QStringLiteral("policy_version"), a->policy.version},
        {QStringLiteral("policy_hash"), Policy::contentHash(a->policy)},
        {QStringLiteral("policy_name"), a->policy.name},
        {QStringLiteral("uptime_seconds"), (m_clock.nowMs() - m_startedMs) / 1000},
        {QStringLiteral("requests"),
         QJsonObject{{QStringLiteral("total"), m_counters.requests.load()},
                     {QStringLiteral("upstream_calls"), m_counters.upstreamCalls.load()},
                     {QStringLiteral("exact_cache_hits"), m_counters.exactHits.load()},
                     {QStringLiteral("semantic_cache_hits"), m_counters.semanticHits.load()},
                     {QStringLiteral("budget_rejections"), m_counters.budgetRejections.load()},
                     {QStringLiteral("fallbacks"), m_counters.fallbacks.load()},
                     {QStringLiteral("escalations"), m_counters.escalations.load()},
                     {QStringLiteral("upstream_errors"), m_counters.upstreamErrors.load()},
                     {QStringLiteral("bad_requests"), m_counters.badRequests.load()}}},
        {QStringLiteral("cache"),
         QJsonObject{{QStringLiteral("exact_entries"), cache.exactEntries},
                     {QStringLiteral("exact_bytes"), cache.exactBytes},
                     {QStringLiteral("exact_hits"), cache.exactHits},
                     {QStringLiteral("exact_misses"), cache.exactMisses},
                     {QStringLiteral("semantic_entries"), cache.semanticEntries},
                     {QStringLiteral("semantic_hits"), cache.semanticHits},
                     {QStringLiteral("semantic_misses"), cache.semanticMisses},
                     {QStringLiteral("evictions"), cache.evictions}}},
        {QStringLiteral("budgets"), m_budgets.status(a->policy)},
        {QStringLiteral("policy_updates"), m_counters.policyUpdates.load()},
        {QStringLiteral("policy_refusals"), m_counters.policyRefusals.load()},
    };
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

void Management::handle(const httplib::Request &req, httplib::Response &res)
{
    if (!authorize(req, res))
        return;
    auto a = m_policy.current();
    res.status = 200;
    if (req.path == "/v1/policy" && req.method == "GET") {
        res.set_header("ETag", a->etag.toStdString());
        res.set_content(QJsonDocument(QJsonObject{{QStringLiteral("version"), a->policy.version},
                                                  {QStringLiteral("hash"), Policy::contentHash(a->policy)},
                                                  {QStringLiteral("policy"), Policy::toJson(a->policy)}})
                            .toJson(QJsonDocument::Indented)
                            .toStdString(),
                        "application/json");
        return;
    }
    if (req.path == "/v1/policy" && req.method == "PUT") {
        // Compare, keep and swap as one: two pushes with the same ETag cannot both win.
        std::lock_guard putLock(m_policy.updateMutex());
        a = m_policy.current(); // as of now, under the lock
        const std::string ifMatch = req.get_header_value("If-Match");
        if (ifMatch.empty())
            return jsonError(res, 428, QStringLiteral("precondition_required"),
                             QStringLiteral("PUT /v1/policy needs If-Match with the ETag of GET /v1/policy"));
        if (ifMatch != "*" && QString::fromStdString(ifMatch) != a->etag) {
            res.set_header("ETag", a->etag.toStdString());
            return jsonError(res, 412, QStringLiteral("precondition_failed"),
                             QStringLiteral("the policy changed since it was read (ETag %1)").arg(a->etag));
        }
        const QByteArray document = QByteArray::fromStdString(req.body);
        Policy::Parsed parsed = Policy::parse(document);
        if (parsed.ok())
            parsed.problems = unknownProviders(parsed.policy, m_upstreams);
        if (!parsed.ok()) {
            ++m_counters.policyRefusals;
            QJsonArray problems;
            for (const auto &p : parsed.problems)
                problems.append(p.path.isEmpty() ? p.message : p.path + QStringLiteral(": ") + p.message);
            res.set_header("ETag", a->etag.toStdString());
            return jsonError(res, 422, QStringLiteral("invalid_policy"),
                             QStringLiteral("policy refused; version %1 stays in force").arg(a->policy.version),
                             {{QStringLiteral("problems"), problems}});
        }
        const Result<bool> budgetsChanged = m_policy.install(parsed.policy, document, true);
        if (!budgetsChanged.ok())
            return jsonError(res, 500, QStringLiteral("server_error"), budgetsChanged.error().message);
        if (*budgetsChanged)
            m_accounting.replayBudgets();
        ++m_counters.policyUpdates;
        const auto now = m_policy.current();
        res.set_header("ETag", now->etag.toStdString());
        res.set_content(QJsonDocument(QJsonObject{{QStringLiteral("version"), now->policy.version},
                                                  {QStringLiteral("hash"), Policy::contentHash(now->policy)}})
                            .toJson(QJsonDocument::Compact)
                            .toStdString(),
                        "application/json");
        return;
    }
    if (req.path == "/v1/status" && req.method == "GET") {
        res.set_content(statusJson().toStdString(), "application/json");
        return;
    }
    if (req.path == "/metrics" && req.method == "GET") {
        const QByteArray text =
            metricsText(m_counters, m_cache.stats(), a->policy.version, (m_clock.nowMs() - m_startedMs) / 1000);
        res.set_content(text.toStdString(), "text/plain; version=0.0.4");
        return;
    }
    jsonError(res, 404, QStringLiteral("not_found"),
              QStringLiteral("no such endpoint: %1 %2")
                  .arg(QString::fromStdString(req.method), QString::fromStdString(req.path)));
}

} // namespace CostGov::Gateway

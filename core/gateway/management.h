#pragma once

#include <QByteArray>
#include <QtGlobal>

#include <mutex>
#include <string>
#include <unordered_map>

namespace httplib {
struct Request;
struct Response;
} // namespace httplib

namespace CostGov {
class Clock;
namespace Policy {
class BudgetMeter;
class ResponseCache;
} // namespace Policy
} // namespace CostGov

// The management API, behind the management token: GET and PUT /v1/policy (ETag and If-Match),
// GET /v1/status and GET /metrics. Wrong tokens from one address lock it out for a while.
namespace CostGov::Gateway {

class Accounting;
class PolicyInForce;
class Upstreams;
struct Counters;

class Management final {
public:
    struct Parts {
        QByteArray token;
        const Clock &clock;
        qint64 startedMs;
        PolicyInForce &policy;
        Accounting &accounting;
        const Upstreams &upstreams;
        const Policy::ResponseCache &cache;
        Policy::BudgetMeter &budgets;
        Counters &counters;
        int maxAuthFailures = 10;
        int lockoutSeconds = 60;
    };
    explicit Management(const Parts &parts)
        : m_expected(tokenDigest(QByteArray("Bearer ").append(parts.token))),
          m_maxFailures(parts.maxAuthFailures),
          m_lockoutMs(qint64(parts.lockoutSeconds) * 1000),
          m_clock(parts.clock),
          m_startedMs(parts.startedMs),
          m_policy(parts.policy),
          m_accounting(parts.accounting),
          m_upstreams(parts.upstreams),
          m_cache(parts.cache),
          m_budgets(parts.budgets),
          m_counters(parts.counters)
    {}
    Q_DISABLE_COPY_MOVE(Management)

    void handle(const httplib::Request &request, httplib::Response &response);
    /// Whether the request carries the token; else answers 401, or 429 while its address is locked
    /// out. Reads nothing but the headers, so it runs before a body is read.
    bool authorize(const httplib::Request &request, httplib::Response &response);

private:
    struct Failures {
        int count = 0;
        qint64 sinceMs = 0;
        qint64 lockedUntilMs = 0;
    };
    static QByteArray tokenDigest(const QByteArray &authorization);
    QByteArray statusJson() const;

    QByteArray m_expected; ///< SHA-256 of "Bearer <token>": compared in constant time, whatever the length sent
    int m_maxFailures;
    qint64 m_lockoutMs;
    std::mutex m_failuresMutex;
    std::unordered_map<std::string, Failures> m_failures; ///< by client address
    const Clock &m_clock;
    qint64 m_startedMs;
    PolicyInForce &m_policy;
    Accounting &m_accounting;
    const Upstreams &m_upstreams;
    const Policy::ResponseCache &m_cache;
    Policy::BudgetMeter &m_budgets;
    Counters &m_counters;
};

} // namespace CostGov::Gateway

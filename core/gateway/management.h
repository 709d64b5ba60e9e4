#pragma once

#include <QByteArray>
#include <QtGlobal>

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
// GET /v1/status and GET /metrics.
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
    };
    explicit Management(const Parts &parts)
        : m_token(parts.token),
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

private:
    QByteArray statusJson() const;

    QByteArray m_token;
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

#pragma once

#include "accounting.h"
#include "policy/cache.h"

#include <optional>

namespace httplib {
struct Request;
struct Response;
} // namespace httplib

namespace CostGov {
class Clock;
}

// POST /v1/chat/completions and /v1/embeddings: attribution, hard budgets, routing, caches,
// cascades and fallbacks, as the policy in force says.
namespace CostGov::Gateway {

struct Config;
struct Counters;
class PolicyInForce;
class StreamRelay;
class Upstreams;

class ChatRoute final {
public:
    struct Parts {
        const Config &config;
        const Clock &clock;
        Upstreams &upstreams;
        Policy::ResponseCache &cache;
        Policy::BudgetMeter &budgets;
        Accounting &accounting;
        StreamRelay &relay;
        const PolicyInForce &policy;
        Counters &counters;
    };
    explicit ChatRoute(const Parts &parts)
        : m_config(parts.config),
          m_clock(parts.clock),
          m_upstreams(parts.upstreams),
          m_cache(parts.cache),
          m_budgets(parts.budgets),
          m_accounting(parts.accounting),
          m_relay(parts.relay),
          m_policy(parts.policy),
          m_counters(parts.counters)
    {}
    Q_DISABLE_COPY_MOVE(ChatRoute)

    void handleChat(const httplib::Request &request, httplib::Response &response);
    void handleEmbeddings(const httplib::Request &request, httplib::Response &response);

private:
    void respondFromCache(const Record &base, const QByteArray &cached, const QString &kind, float similarity,
                          httplib::Response &response);
    std::optional<Policy::Embedding> embed(const Policy::Policy &policy, const QString &text);
    QString providerFor(const QString &model) const;
    /// Fills the request's team, feature, user and environment from a mapped client key (true) or
    /// the x-costgov-* headers (false).
    bool attribute(const httplib::Request &req, Policy::RequestView &view) const;

    const Config &m_config;
    const Clock &m_clock;
    Upstreams &m_upstreams;
    Policy::ResponseCache &m_cache;
    Policy::BudgetMeter &m_budgets;
    Accounting &m_accounting;
    StreamRelay &m_relay;
    const PolicyInForce &m_policy;
    Counters &m_counters;
};

} // namespace CostGov::Gateway

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
    /// Also tells the budget meter which teams and features the client keys vouch for.
    explicit ChatRoute(const Parts &parts);
    Q_DISABLE_COPY_MOVE(ChatRoute)

    void handleChat(const httplib::Request &request, httplib::Response &response);
    void handleEmbeddings(const httplib::Request &request, httplib::Response &response);

private:
    void respondFromCache(const Record &base, const QByteArray &cached, const QString &kind, float similarity,
                          httplib::Response &response);
    std::optional<Policy::Embedding> embed(const Policy::Policy &policy, const QString &text);
    QString providerFor(const QString &model) const;
    /// Whether a browser could have sent the request for a page of another origin: a body other
    /// than JSON (no CORS preflight) or a Host this agent does not answer as (DNS rebinding).
    /// Answers the refusal and returns false then.
    bool admit(const httplib::Request &req, httplib::Response &res) const;
    bool hostAllowed(const httplib::Request &req) const;
    /// Fills the request's client identity and its team, feature, user and environment from a
    /// listed client key, or else (unless a key is required) the x-costgov-* headers. False: a
    /// required key is missing, answered with 401.
    bool attribute(const httplib::Request &req, Policy::RequestView &view, httplib::Response &res) const;
    /// Holds what the targets may cost on the budgets covering the request. False: refused (an
    /// unpriced model under a hard budget, or a spent budget), answered and logged.
    bool holdBudget(Record &record, const QVector<Policy::Target> &targets, const QVector<Policy::Target> &fallbacks,
                    const TokenCounts &tokens, httplib::Response &res);

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

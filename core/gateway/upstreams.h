#pragma once

#include "config.h"
#include "policy/policy.h"

#include <QJsonObject>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace httplib {
class Client;
}

namespace CostGov {
class Clock;
}

// The upstream providers: a pool of keep-alive HTTP clients per provider.
namespace CostGov::Gateway {

/// 429, 5xx or no answer (0): worth trying the next target.
inline bool retryable(int status)
{
    return status == 0 || status == 429 || status >= 500;
}

class Upstreams final {
public:
    struct Reply {
        int status = 0; ///< 0: no answer
        std::string body;
        QString error;
        Policy::Target target;
    };

    /// clock: the creation time of chat completions translated from another shape.
    Upstreams(const QVector<Upstream> &upstreams, int timeoutSeconds, const Clock &clock);
    ~Upstreams();
    Q_DISABLE_COPY_MOVE(Upstreams)

    bool has(const QString &provider) const { return m_pools.count(provider) > 0; }
    bool isAnthropic(const QString &provider) const;

    /// An idle client of the provider, or a new one; prefix: the base URL's path before /v1.
    std::unique_ptr<httplib::Client> client(const QString &provider, std::string &prefix);
    /// Returns a client whose connection is still good to the pool.
    void release(const QString &provider, std::unique_ptr<httplib::Client> client);

    /// A chat completion from either kind of upstream, in OpenAI's shape.
    Reply chat(const Policy::Target &target, const QJsonObject &body);
    Reply post(const Policy::Target &target, const char *path, const std::string &body);

private:
    struct Pool;
    std::map<QString, std::unique_ptr<Pool>> m_pools;
    int m_timeout;
    const Clock &m_clock;
};

/// Targets of a policy naming a provider this agent has no upstream for.
QVector<Policy::Problem> unknownProviders(const Policy::Policy &policy, const Upstreams &upstreams);

} // namespace CostGov::Gateway

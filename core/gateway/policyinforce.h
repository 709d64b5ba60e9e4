#pragma once

#include "common/result.h"
#include "policy/policy.h"

#include <QByteArray>
#include <QString>

#include <memory>
#include <mutex>

namespace CostGov::Policy {
class ResponseCache;
}

// The policy the agent enforces, swapped whole: a request keeps the policy it started with.
namespace CostGov::Gateway {

struct ActivePolicy {
    Policy::Policy policy;
    QByteArray document; ///< as received (what is kept in the state directory)
    QString etag;        ///< the content hash, quoted
};

class PolicyInForce final {
public:
    /// stateDir: where a pushed policy is kept; cache: configured by each policy put in force.
    PolicyInForce(QString stateDir, Policy::ResponseCache &cache) : m_stateDir(std::move(stateDir)), m_cache(cache) {}
    Q_DISABLE_COPY_MOVE(PolicyInForce)

    std::shared_ptr<const ActivePolicy> current() const;
    /// Keeps the document in the state directory (persist), configures the caches and puts the
    /// policy in force. True when its budgets differ from the previous policy's.
    Result<bool> install(const Policy::Policy &policy, const QByteArray &document, bool persist);
    /// Held across compare, keep and swap: one policy update at a time.
    std::mutex &updateMutex() { return m_updateMutex; }

private:
    QString m_stateDir;
    Policy::ResponseCache &m_cache;
    mutable std::mutex m_mutex;
    std::mutex m_updateMutex;
    std::shared_ptr<const ActivePolicy> m_active;
};

} // namespace CostGov::Gateway

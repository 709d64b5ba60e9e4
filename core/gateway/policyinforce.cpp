#include "policyinforce.h"

#include "policy/cache.h"

#include <QDir>
#include <QSaveFile>

namespace CostGov::Gateway {

std::shared_ptr<const ActivePolicy> PolicyInForce::current() const
{
    std::lock_guard lock(m_mutex);
    return m_active;
}

Result<bool> PolicyInForce::install(const Policy::Policy &policy, const QByteArray &document, bool persist)
{
    auto next = std::make_shared<ActivePolicy>();
    next->policy = policy;
    next->document = document;
    next->etag = QLatin1Char('"') + Policy::contentHash(policy) + QLatin1Char('"');
    if (persist) {
        QSaveFile file(QDir(m_stateDir).filePath(QStringLiteral("policy.json")));
        if (!file.open(QIODevice::WriteOnly) || file.write(document) != document.size() || !file.commit())
            return makeError(ErrorCode::Io,
                             QStringLiteral("cannot keep the policy in %1: %2").arg(m_stateDir, file.errorString()));
    }
    m_cache.configure(policy.exact, policy.semantic);
    std::lock_guard lock(m_mutex);
    const bool budgetsChanged = !m_active
        || Policy::toJson(m_active->policy).value(QStringLiteral("budgets"))
            != Policy::toJson(policy).value(QStringLiteral("budgets"));
    m_active = std::move(next);
    return budgetsChanged;
}

} // namespace CostGov::Gateway

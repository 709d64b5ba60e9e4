#pragma once

#include "common/money.h"
#include "common/usagerecord.h"
#include "policy/policy.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <memory>
#include <optional>

namespace CostGov {
class Clock;
namespace Pricing {
class PriceCatalog;
}
namespace Policy {
class BudgetMeter;
}
} // namespace CostGov

// What a served request leaves behind: its line in the request log and its cost on the budgets.
namespace CostGov::Gateway {

class RequestLog;
class PolicyInForce;
struct ActivePolicy;

/// One request while it is served; finished into a log record.
struct Record {
    qint64 startedMs = 0;
    QString provider, model, requestedModel, route, status = QStringLiteral("success");
    Policy::RequestView view;
    TokenCounts tokens;
    bool cacheHit = false;
    QJsonObject tags;
    std::shared_ptr<const ActivePolicy> active; ///< the policy the request started with
    quint64 budgetHold = 0;                     ///< what the budgets hold for it until finish()
};

class Accounting final {
public:
    Accounting(const Pricing::PriceCatalog &prices, RequestLog &log, Policy::BudgetMeter &budgets,
               const PolicyInForce &policy, const Clock &clock)
        : m_prices(prices), m_log(log), m_budgets(budgets), m_policy(policy), m_clock(clock)
    {}
    Q_DISABLE_COPY_MOVE(Accounting)

    /// Logs a request (its tokens from responseBody's usage, when given), releases its budget hold
    /// and counts the cost of the tokens an upstream reported on the budgets of the policy in force.
    void finish(Record &record, const QByteArray &responseBody);
    /// The catalog price of tokens at a model, now; nothing when the model has no price.
    std::optional<Nano> priceNow(const QString &provider, const QString &model, const TokenCounts &tokens) const;
    /// Recounts the budgets of the policy in force from the log.
    void replayBudgets();

private:
    std::optional<Nano> costOf(const std::string &provider, const std::string &model, const TokenCounts &tokens,
                               qint64 tsMs) const;

    const Pricing::PriceCatalog &m_prices;
    RequestLog &m_log;
    Policy::BudgetMeter &m_budgets;
    const PolicyInForce &m_policy;
    const Clock &m_clock;
};

} // namespace CostGov::Gateway

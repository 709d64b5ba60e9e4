#pragma once

#include "policy.h"

#include <QJsonArray>
#include <QString>

#include <functional>
#include <map>
#include <mutex>
#include <optional>

namespace CostGov {
class Clock;
}

// Hard budgets as the agent enforces them: the policy's baseline (the ledger's spend at push) plus
// what the agent served since, per budget, window (in the budget's time zone) and group. Thread-safe.
namespace CostGov::Policy {

class BudgetMeter final {
public:
    explicit BudgetMeter(const Clock &clock) : m_clock(clock) {}
    Q_DISABLE_COPY_MOVE(BudgetMeter)

    /// Why the request must be refused now, or nothing.
    std::optional<QString> refusal(const Policy &policy, const RequestView &request);
    /// Counts a request served now.
    void add(const Policy &policy, const RequestView &request, Nano cost);

    /// Counts a request served at tsMs (while the meter is rebuilt from a log).
    using Add = std::function<void(const RequestView &request, Nano cost, qint64 tsMs)>;
    /// Starts again from a log: feed(fromMs, add) calls add for each request logged since fromMs,
    /// the earliest time any budget's window and push still count. Requests finishing meanwhile
    /// wait, so none is counted twice or lost.
    void rebuild(const Policy &policy, const std::function<void(qint64 fromMs, const Add &add)> &feed);

    /// Each budget (and each group of a budget with each): spent, limit, window start, exhausted.
    QJsonArray status(const Policy &policy);

private:
    void addLocked(const Policy &policy, const RequestView &request, Nano cost, qint64 tsMs, qint64 now);
    std::pair<Nano, std::pair<qint64, qint64>> spentLocked(const Budget &b, const QString &group, qint64 now);

    const Clock &m_clock;
    std::mutex m_mutex;
    std::map<QString, Nano> m_spent;
};

} // namespace CostGov::Policy

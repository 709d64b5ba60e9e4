#pragma once

#include "policy.h"

#include <QJsonArray>
#include <QSet>
#include <QString>

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

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

    /// Values of each dimensions the config vouches for (client key mappings); any other value
    /// the policy does not name counts against kUnattributed.
    void setListedGroups(QSet<QString> teams, QSet<QString> features);

    /// Whether any budget's scope covers the request (then its cost must be known beforehand).
    bool covers(const Policy &policy, const RequestView &request) const;
    /// Why the request must be refused now, or nothing.
    std::optional<QString> refusal(const Policy &policy, const RequestView &request);
    /// Refuses the request as refusal() does, or holds estimate on every budget covering it until
    /// settle(): concurrent requests see each other's holds, so together they overshoot a limit by
    /// at most one request's estimate. The id is 0 when nothing was held.
    std::optional<QString> reserve(const Policy &policy, const RequestView &request, Nano estimate, quint64 &id);
    /// Releases a hold (once; later calls with the same id release nothing) and counts the actual
    /// cost, when known, on the budgets of policy (the one in force now).
    void settle(quint64 id, const Policy &policy, const RequestView &request, std::optional<Nano> cost);
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
    std::optional<QString> refusalLocked(const Policy &policy, const RequestView &request, qint64 now);
    QString groupLocked(const Policy &policy, const Budget &b, const RequestView &request) const;

    const Clock &m_clock;
    mutable std::mutex m_mutex;
    std::map<QString, Nano> m_spent; ///< served and held, per budget key
    std::map<quint64, std::vector<std::pair<QString, Nano>>> m_holds;
    quint64 m_nextHold = 0;
    QSet<QString> m_listedTeams, m_listedFeatures;
};

} // namespace CostGov::Policy

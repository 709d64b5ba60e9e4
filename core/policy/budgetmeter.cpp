#include "budgetmeter.h"

#include "alerts/alerts.h"
#include "common/clock.h"
#include "common/timeutil.h"

#include <QJsonObject>

namespace CostGov::Policy {

namespace {

std::pair<qint64, qint64> windowOf(const Budget &b, qint64 now)
{
    return Alerts::windowAround(now, Alerts::windowFromName(b.window).value_or(Alerts::Window::Month), b.timeZone);
}

/// One total per budget, push (its baseline's time), window and group: a new push or window
/// starts from zero, and budgets of the same name in other pushes never mix.
QString key(const Budget &b, const QString &group, qint64 windowStart)
{
    const QChar sep(0x1f);
    return b.name + sep + QString::number(b.spentAsOfMs) + sep + QString::number(windowStart) + sep + group;
}

} // namespace

void BudgetMeter::setListedGroups(QSet<QString> teams, QSet<QString> features)
{
    std::lock_guard lock(m_mutex);
    m_listedTeams = std::move(teams);
    m_listedFeatures = std::move(features);
}

QString BudgetMeter::groupLocked(const Policy &policy, const Budget &b, const RequestView &request) const
{
    return countedGroup(policy, b, groupOf(b, request),
                        b.each == QLatin1String("team") ? m_listedTeams : m_listedFeatures);
}

bool BudgetMeter::covers(const Policy &policy, const RequestView &request) const
{
    return std::any_of(policy.budgets.begin(), policy.budgets.end(),
                       [&](const Budget &b) { return inScope(b, request); });
}

std::optional<QString> BudgetMeter::refusal(const Policy &policy, const RequestView &request)
{
    const qint64 now = m_clock.nowMs();
    std::lock_guard lock(m_mutex);
    return refusalLocked(policy, request, now);
}

std::optional<QString> BudgetMeter::refusalLocked(const Policy &policy, const RequestView &request, qint64 now)
{
    for (const Budget &b : policy.budgets) {
        if (!inScope(b, request))
            continue;
        const QString group = groupLocked(policy, b, request);
        const auto [spent, window] = spentLocked(b, group, now);
        if (spent >= b.limit)
            return QStringLiteral("budget \"%1\"%2 is spent: $%3 of $%4 this %5; it resets at %6")
                .arg(b.name, group.isEmpty() ? QString() : QStringLiteral(" for %1 %2").arg(b.each, group),
                     usdText(spent), usdText(b.limit), b.window, isoTimestamp(window.second));
    }
    return std::nullopt;
}

std::optional<QString> BudgetMeter::reserve(const Policy &policy, const RequestView &request, Nano estimate,
                                            quint64 &id)
{
    id = 0;
    const qint64 now = m_clock.nowMs();
    std::lock_guard lock(m_mutex);
    if (auto refused = refusalLocked(policy, request, now))
        return refused;
    std::vector<std::pair<QString, Nano>> held;
    for (const Budget &b : policy.budgets) {
        if (!inScope(b, request))
            continue;
        const QString k = key(b, groupLocked(policy, b, request), windowOf(b, now).first);
        m_spent[k] += estimate;
        held.emplace_back(k, estimate);
    }
    if (!held.empty()) {
        id = ++m_nextHold;
        m_holds.emplace(id, std::move(held));
    }
    return std::nullopt;
}

void BudgetMeter::settle(quint64 id, const Policy &policy, const RequestView &request, std::optional<Nano> cost)
{
    const qint64 now = m_clock.nowMs();
    std::lock_guard lock(m_mutex);
    if (const auto it = m_holds.find(id); it != m_holds.end()) {
        for (const auto &[k, amount] : it->second)
            m_spent[k] -= amount;
        m_holds.erase(it);
    }
    if (cost)
        addLocked(policy, request, *cost, now, now);
}

void BudgetMeter::add(const Policy &policy, const RequestView &request, Nano cost)
{
    const qint64 now = m_clock.nowMs();
    std::lock_guard lock(m_mutex);
    addLocked(policy, request, cost, now, now);
}

void BudgetMeter::rebuild(const Policy &policy, const std::function<void(qint64 fromMs, const Add &add)> &feed)
{
    const qint64 now = m_clock.nowMs();
    qint64 from = now;
    for (const Budget &b : policy.budgets)
        from = std::min(from, std::max(windowOf(b, now).first, b.spentAsOfMs));
    std::lock_guard lock(m_mutex);
    // Holds of requests still running are dropped with the totals they were in: those requests
    // are counted when they settle, against the budgets then in force.
    m_spent.clear();
    m_holds.clear();
    feed(from,
         [&](const RequestView &request, Nano cost, qint64 tsMs) { addLocked(policy, request, cost, tsMs, now); });
}

QJsonArray BudgetMeter::status(const Policy &policy)
{
    const qint64 now = m_clock.nowMs();
    std::lock_guard lock(m_mutex);
    QJsonArray out;
    for (const Budget &b : policy.budgets) {
        QStringList groups = b.spentByGroup.keys();
        const QString prefix = key(b, QString(), windowOf(b, now).first);
        for (const auto &[k, spent] : m_spent)
            if (!b.each.isEmpty() && k.startsWith(prefix))
                groups.append(k.mid(prefix.size()));
        if (b.each.isEmpty())
            groups = {QString()};
        groups.removeDuplicates();
        for (const QString &group : groups) {
            const auto [spent, window] = spentLocked(b, group, now);
            QJsonObject o{{QStringLiteral("name"), b.name},
                          {QStringLiteral("spent_usd"), usdText(spent)},
                          {QStringLiteral("limit_usd"), usdText(b.limit)},
                          {QStringLiteral("window_start"), isoTimestamp(window.first)},
                          {QStringLiteral("exhausted"), spent >= b.limit}};
            if (!b.each.isEmpty())
                o.insert(b.each, group);
            out.append(o);
        }
    }
    return out;
}

void BudgetMeter::addLocked(const Policy &policy, const RequestView &request, Nano cost, qint64 tsMs, qint64 now)
{
    for (const Budget &b : policy.budgets) {
        if (!inScope(b, request))
            continue;
        const QString group = groupLocked(policy, b, request);
        const auto window = spentLocked(b, group, now).second;
        if (tsMs >= window.first && tsMs >= b.spentAsOfMs)
            m_spent[key(b, group, window.first)] += cost;
    }
}

std::pair<Nano, std::pair<qint64, qint64>> BudgetMeter::spentLocked(const Budget &b, const QString &group, qint64 now)
{
    const auto window = windowOf(b, now);
    const bool baselineInWindow = b.spentAsOfMs >= window.first && b.spentAsOfMs < window.second;
    const Nano base = !baselineInWindow ? 0 : b.each.isEmpty() ? b.spentAtPush : b.spentByGroup.value(group);
    const auto it = m_spent.find(key(b, group, window.first));
    return {base + (it == m_spent.end() ? 0 : it->second), window};
}

} // namespace CostGov::Policy

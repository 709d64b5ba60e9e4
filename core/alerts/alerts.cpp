#include "alerts.h"

#include "common/money.h"
#include "common/timeutil.h"
#include "storage/ledger.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QTimeZone>

#include <algorithm>
#include <cmath>

namespace CostGov::Alerts {

using Storage::Dimension;
using Storage::SpendMetrics;

namespace {

constexpr qint64 kHourMs = 3'600'000;

struct KindInfo {
    Kind kind;
    const char *name;
};
constexpr KindInfo kKinds[] = {
    {Kind::Budget, "budget"},
    {Kind::Spike, "spike"},
    {Kind::CostPerRequest, "cost-per-request"},
    {Kind::CacheHitRate, "cache-hit-rate"},
    {Kind::Concentration, "concentration"},
    {Kind::NoData, "no-data"},
    {Kind::Unpriced, "unpriced"},
};
constexpr const char *kWindows[] = {"day", "week", "month", "quarter"};
constexpr const char *kStates[] = {"OK", "NO_DATA", "PAUSED", "WARNING", "ALERT"};

int severity(State s)
{
    return s == State::Alert ? 2 : s == State::Warning ? 1 : 0;
}

using Storage::dbError;

// Text for SQL: a null QString would be NULL.
QVariant text(const QString &s)
{
    return s.isNull() ? QVariant(QStringLiteral("")) : QVariant(s);
}

QString compact(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

// 40, 37.5, 0.3: one decimal at most, none when whole.
QString percentText(double value)
{
    const double rounded = std::round(value * 10) / 10;
    return QString::number(rounded, 'f', rounded == std::round(rounded) ? 0 : 1);
}

// $17,912.23 from a dollar up; smaller amounts to six decimals ($0.000008). Figures stay exact.
QString money(Nano nano)
{
    if (std::llabs(nano) < 1'000'000'000)
        return QStringLiteral("$") + usdText(divideRounded(nano, 1000) * 1000);
    QString text = usdFixed(nano, 2);
    for (qsizetype i = text.indexOf(u'.') - 3; i > (nano < 0 ? 1 : 0); i -= 3)
        text.insert(i, u',');
    return QStringLiteral("$") + text;
}

// Spend between two instants by the group dimension (or all together under ""): whole UTC days
// from the rollups, the parts of days at the edges from their requests.
Result<QHash<QString, SpendMetrics>> spendBetween(Storage::Ledger &ledger, qint64 fromMs, qint64 toMs,
                                                  const QVector<Storage::SpendFilter> &filters,
                                                  std::optional<Dimension> groupBy)
{
    QHash<QString, SpendMetrics> result;
    if (toMs <= fromMs)
        return result;
    auto run = [&](qint64 firstDay, qint64 lastDay, std::optional<qint64> from, std::optional<qint64> to) -> Status {
        Storage::SpendQuery q;
        q.fromDay = firstDay;
        q.toDay = lastDay;
        q.fromMs = from;
        q.toMs = to;
        q.filters = filters;
        if (groupBy)
            q.groupBy = {*groupBy};
        const auto report = Storage::runSpendQuery(ledger, q);
        if (!report.ok())
            return report.error();
        if (!groupBy) {
            if (report->totals.requests > 0)
                result[QString()].add(report->totals);
        } else {
            for (const Storage::SpendRow &row : report->rows)
                result[row.keys.first()].add(row.metrics);
        }
        return {};
    };
    const qint64 firstDay = utcDay(fromMs), lastDay = utcDay(toMs - 1);
    const qint64 wholeFrom = fromMs == firstDay * kMsPerDay ? firstDay : firstDay + 1;
    const qint64 wholeTo = toMs == (lastDay + 1) * kMsPerDay ? lastDay : lastDay - 1;
    if (wholeFrom <= wholeTo)
        if (Status s = run(wholeFrom, wholeTo, std::nullopt, std::nullopt); !s.ok())
            return s.error();
    if (firstDay == lastDay && wholeFrom > wholeTo) { // one partial day
        if (Status s = run(firstDay, firstDay, fromMs, toMs); !s.ok())
            return s.error();
        return result;
    }
    if (wholeFrom > firstDay)
        if (Status s = run(firstDay, firstDay, fromMs, std::nullopt); !s.ok())
            return s.error();
    if (wholeTo < lastDay)
        if (Status s = run(lastDay, lastDay, std::nullopt, toMs); !s.ok())
            return s.error();
    return result;
}

// Start of the local day containing nowMs, plus a number of days, in a time zone.
qint64 localDayStart(qint64 nowMs, const QTimeZone &zone, int plusDays)
{
    const QDate date = QDateTime::fromMSecsSinceEpoch(nowMs, zone).date().addDays(plusDays);
    return QDateTime(date, QTime(0, 0), zone).toMSecsSinceEpoch();
}

QString localText(qint64 ms, const QTimeZone &zone)
{
    return QDateTime::fromMSecsSinceEpoch(ms, zone).toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}

QString scopeText(const Rule &rule)
{
    QStringList parts;
    for (const Storage::SpendFilter &f : rule.filters)
        parts.append(Storage::dimensionName(f.dimension) + QStringLiteral(" = ") + f.values.join(QStringLiteral(", ")));
    if (rule.groupBy)
        parts.append(QStringLiteral("each ") + Storage::dimensionName(*rule.groupBy));
    return parts.isEmpty() ? QStringLiteral("everything") : parts.join(QStringLiteral("; "));
}

QString groupLabel(const Rule &rule, const QString &group)
{
    if (!rule.groupBy)
        return rule.name;
    return QStringLiteral("%1 (%2 %3)")
        .arg(rule.name, Storage::dimensionName(*rule.groupBy), group.isEmpty() ? QStringLiteral("(none)") : group);
}

Result<QVector<Finding>> assessBudget(Storage::Ledger &ledger, const Rule &rule, qint64 nowMs)
{
    const QTimeZone zone(rule.timeZone.toUtf8());
    const auto [start, end] = windowAround(nowMs, rule.window, rule.timeZone);
    const auto spend = spendBetween(ledger, start, nowMs + 1, rule.filters, rule.groupBy);
    if (!spend.ok())
        return spend.error();
    QHash<QString, SpendMetrics> groups = *spend;
    if (!rule.groupBy && groups.isEmpty())
        groups.insert(QString(), {});
    QVector<Finding> findings;
    const double elapsed = double(nowMs - start), total = double(end - start);
    // A run rate needs some of the window behind it: a day of a longer window, 6 hours of a day.
    const bool canForecast = elapsed >= (rule.window == Window::Day ? 6 * kHourMs : 24 * kHourMs);
    for (auto it = groups.cbegin(); it != groups.cend(); ++it) {
        const SpendMetrics &m = it.value();
        Finding f;
        f.ruleId = rule.id;
        f.group = it.key();
        f.spent = m.costNano;
        f.windowStartMs = start;
        f.windowEndMs = end;
        f.windowKey = QDateTime::fromMSecsSinceEpoch(start, zone).toString(Qt::ISODate);
        const double percent = double(m.costNano) * 100.0 / double(rule.amount);
        for (int t : rule.thresholds)
            if (percent >= t)
                f.threshold = t;
        if (canForecast && m.costNano > 0 && m.costNano < rule.amount && m.requests >= rule.minRequests) {
            const double rate = double(m.costNano) / elapsed; // nano-USD per ms
            const double projected = double(m.costNano) + rate * double(end - nowMs);
            if (projected >= double(rule.amount))
                f.runsOutMs = nowMs + qint64(double(rule.amount - m.costNano) / rate);
        }
        f.state = percent >= 100 ? State::Alert : (f.threshold > 0 || f.runsOutMs) ? State::Warning : State::Ok;
        const double pace = percent / (elapsed / total * 100.0) * 100.0 - 100.0; // % over the even pace
        QString paceText = std::abs(pace) < 5 || m.costNano == 0
            ? QStringLiteral("on pace")
            : QStringLiteral("%1 % %2 pace")
                  .arg(percentText(std::abs(pace)), pace > 0 ? QStringLiteral("over") : QStringLiteral("under"));
        if (f.runsOutMs)
            paceText += QStringLiteral(", runs out on %1").arg(localText(*f.runsOutMs, zone).left(10));
        f.message = QStringLiteral("%1: %2 of %3 (%4 %) this %5%6; %7; resets %8 %9")
                        .arg(groupLabel(rule, f.group), money(m.costNano), money(rule.amount), percentText(percent),
                             windowName(rule.window), rule.hard ? QStringLiteral(" (hard budget)") : QString(),
                             paceText, localText(end, zone), rule.timeZone);
        QJsonObject figures{{QStringLiteral("spent_usd"), usdText(m.costNano)},
                            {QStringLiteral("amount_usd"), usdText(rule.amount)},
                            {QStringLiteral("percent"), std::round(percent * 10) / 10},
                            {QStringLiteral("requests"), m.requests},
                            {QStringLiteral("window_start"), localText(start, zone)},
                            {QStringLiteral("window_end"), localText(end, zone)},
                            {QStringLiteral("pace_percent"), std::round(pace * 10) / 10}};
        if (f.runsOutMs)
            figures.insert(QStringLiteral("runs_out"), localText(*f.runsOutMs, zone));
        f.figuresJson = compact(figures);
        findings.append(f);
    }
    return findings;
}

// The kinds judged on whole local days: the last complete day (and the days before it).
Result<QVector<Finding>> assessDaily(Storage::Ledger &ledger, const Rule &rule, qint64 nowMs)
{
    const QTimeZone zone(rule.timeZone.toUtf8());
    const qint64 dayStart = localDayStart(nowMs, zone, -1), dayEnd = localDayStart(nowMs, zone, 0);
    const QString dayText = localText(dayStart, zone).left(10);
    const std::optional<Dimension> groupBy = rule.groupBy; // a concentration rule always has one
    const auto day = spendBetween(ledger, dayStart, dayEnd, rule.filters, groupBy);
    if (!day.ok())
        return day.error();
    QVector<Finding> findings;
    auto finding = [&](const QString &group, State state, const QString &message, const QJsonObject &figures) {
        Finding f;
        f.ruleId = rule.id;
        f.group = group;
        f.state = state;
        f.message = message;
        f.figuresJson = compact(figures);
        findings.append(f);
    };

    if (rule.kind == Kind::Concentration) {
        Nano total = 0;
        qint64 requests = 0;
        for (const SpendMetrics &m : *day) {
            total += m.costNano;
            requests += m.requests;
        }
        const Nano denominator = rule.amount > 0 ? rule.amount : total;
        if (requests < rule.minRequests || denominator <= 0)
            return findings;
        for (auto it = day->cbegin(); it != day->cend(); ++it) {
            const double share = double(it.value().costNano) * 100.0 / double(denominator);
            if (share <= rule.percent)
                continue; // only the groups over the limit are findings
            finding(it.key(), State::Alert,
                    QStringLiteral("%1: %2 %3 spent %4 on %5, %6 % of the day's %7 (limit %8 %)")
                        .arg(rule.name, Storage::dimensionName(*groupBy), it.key(), money(it.value().costNano), dayText,
                             percentText(share), rule.amount > 0 ? QStringLiteral("budget") : QStringLiteral("spend"),
                             percentText(rule.percent)),
                    {{QStringLiteral("day"), dayText},
                     {QStringLiteral("spent_usd"), usdText(it.value().costNano)},
                     {QStringLiteral("of_usd"), usdText(denominator)},
                     {QStringLiteral("share_percent"), std::round(share * 10) / 10}});
        }
        return findings;
    }

    // Spike, cost per request and cache hit rate compare with the days before.
    const int baselineDays = rule.kind == Kind::Spike ? 7 : rule.kind == Kind::CostPerRequest ? 7 : 28;
    const qint64 recentStart = rule.kind == Kind::CostPerRequest ? localDayStart(nowMs, zone, -7) : dayStart;
    const auto recent =
        rule.kind == Kind::CostPerRequest ? spendBetween(ledger, recentStart, dayEnd, rule.filters, groupBy) : day;
    if (!recent.ok())
        return recent.error();
    const qint64 baseStart = localDayStart(recentStart, zone, -baselineDays);
    const auto base = spendBetween(ledger, baseStart, recentStart, rule.filters, groupBy);
    if (!base.ok())
        return base.error();
    // A baseline needs history from its first day on: the ledger's first days are not a baseline.
    Storage::SpendQuery older;
    older.toDay = utcDay(baseStart);
    older.filters = rule.filters;
    const auto history = Storage::runSpendQuery(ledger, older);
    if (!history.ok())
        return history.error();
    if (history->totals.requests == 0) {
        finding(QString(), State::NoData,
                QStringLiteral("%1: no history before %2 to compare with (needs %3 days)")
                    .arg(rule.name, localText(baseStart, zone).left(10))
                    .arg(baselineDays),
                {});
        return findings;
    }
    QHash<QString, SpendMetrics> groups = *recent;
    for (auto it = base->cbegin(); it != base->cend(); ++it)
        if (!groups.contains(it.key()))
            groups.insert(it.key(), {});
    if (!groupBy && groups.isEmpty())
        groups.insert(QString(), {});
    for (auto it = groups.cbegin(); it != groups.cend(); ++it) {
        const SpendMetrics &now = it.value();
        const SpendMetrics before = base->value(it.key());
        const QString who = groupLabel(rule, it.key());
        if (now.requests < rule.minRequests || before.requests < rule.minRequests) {
            finding(
                it.key(), State::NoData,
                QStringLiteral("%1: too few requests to judge (%2 on %3, %4 in the %5 days before; at least %6 "
                               "needed)")
                    .arg(who)
                    .arg(now.requests)
                    .arg(rule.kind == Kind::CostPerRequest ? QStringLiteral("the last 7 days") : dayText)
                    .arg(before.requests)
                    .arg(baselineDays)
                    .arg(rule.minRequests),
                {{QStringLiteral("requests"), now.requests}, {QStringLiteral("baseline_requests"), before.requests}});
            continue;
        }
        if (rule.kind == Kind::Spike) {
            const double average = double(before.costNano) / baselineDays;
            if (average <= 0) {
                finding(it.key(), State::NoData,
                        QStringLiteral("%1: no spend in the 7 days before %2").arg(who, dayText),
                        {{QStringLiteral("day"), dayText}});
                continue;
            }
            const double ratio = double(now.costNano) * 100.0 / average;
            finding(it.key(), ratio >= rule.percent ? State::Alert : State::Ok,
                    QStringLiteral("%1: %2 spent on %3, %4 % of the 7-day average %5 (limit %6 %)")
                        .arg(who, money(now.costNano), dayText, percentText(ratio), money(Nano(std::llround(average))),
                             percentText(rule.percent)),
                    {{QStringLiteral("day"), dayText},
                     {QStringLiteral("spent_usd"), usdText(now.costNano)},
                     {QStringLiteral("average_usd"), usdText(Nano(std::llround(average)))},
                     {QStringLiteral("percent_of_average"), std::round(ratio * 10) / 10}});
        } else if (rule.kind == Kind::CostPerRequest) {
            const auto a = now.costPerRequest(), b = before.costPerRequest();
            if (!a || !b || *b <= 0) {
                finding(it.key(), State::NoData, QStringLiteral("%1: nothing priced to compare").arg(who), {});
                continue;
            }
            const double change = (double(*a) / double(*b) - 1.0) * 100.0;
            finding(it.key(), change > rule.percent ? State::Alert : State::Ok,
                    QStringLiteral("%1: cost per request %2 in the last 7 days, %3 the 7 before (%4%5 %, limit +%6 %)")
                        .arg(who, money(*a), money(*b), change >= 0 ? QStringLiteral("+") : QString(),
                             percentText(change), percentText(rule.percent)),
                    {{QStringLiteral("cost_per_request_usd"), usdText(*a)},
                     {QStringLiteral("previous_usd"), usdText(*b)},
                     {QStringLiteral("change_percent"), std::round(change * 10) / 10}});
        } else { // cache hit rate
            const double rate = now.cacheHitRate() * 100.0, baseline = before.cacheHitRate() * 100.0;
            const double drop = baseline - rate;
            finding(it.key(), drop > rule.percent ? State::Alert : State::Ok,
                    QStringLiteral("%1: cache hit rate %2 % on %3, baseline %4 % over 28 days (%5 points %6, limit "
                                   "%7 down)")
                        .arg(who, percentText(rate), dayText, percentText(baseline), percentText(std::abs(drop)),
                             drop >= 0 ? QStringLiteral("down") : QStringLiteral("up"), percentText(rule.percent)),
                    {{QStringLiteral("day"), dayText},
                     {QStringLiteral("hit_rate_percent"), std::round(rate * 10) / 10},
                     {QStringLiteral("baseline_percent"), std::round(baseline * 10) / 10}});
        }
    }
    return findings;
}

Result<QVector<Finding>> assessNoData(Storage::Ledger &ledger, const Rule &rule, qint64 nowMs)
{
    QVector<Finding> findings;
    const qint64 limitMs = qint64(rule.hours) * kHourMs;
    auto finding = [&](const QString &group, qint64 lastMs, const QString &what) {
        Finding f;
        f.ruleId = rule.id;
        f.group = group;
        const QString last = QDateTime::fromMSecsSinceEpoch(lastMs, QTimeZone::utc()).toString(Qt::ISODate);
        const qint64 silentHours = (nowMs - lastMs) / kHourMs;
        f.state = nowMs - lastMs >= limitMs ? State::Alert : State::Ok;
        f.message = f.state == State::Alert
            ? QStringLiteral("%1: %2 %3 for %4 h (last at %5; limit %6 h)")
                  .arg(rule.name, group, what)
                  .arg(silentHours)
                  .arg(last)
                  .arg(rule.hours)
            : QStringLiteral("%1: %2 delivered at %3 (limit %4 h)").arg(rule.name, group, last).arg(rule.hours);
        f.figuresJson = compact({{QStringLiteral("last"), last},
                                 {QStringLiteral("silent_hours"), silentHours},
                                 {QStringLiteral("limit_hours"), rule.hours}});
        findings.append(f);
    };
    auto wanted = [&rule](Dimension d, const QString &value) {
        for (const Storage::SpendFilter &f : rule.filters)
            if (f.dimension == d && !f.values.contains(value))
                return false;
        return true;
    };
    // Sources: the last day each delivered on (rollups), then the last request of that day.
    Storage::SpendQuery bySource; // (up to nowMs: a backtest looks at the past)
    bySource.toDay = utcDay(nowMs);
    bySource.groupBy = {Dimension::Source, Dimension::Day};
    const auto days = Storage::runSpendQuery(ledger, bySource);
    if (!days.ok())
        return days.error();
    QHash<QString, qint64> lastDay;
    for (const Storage::SpendRow &row : days->rows)
        lastDay[row.keys[0]] = std::max(lastDay.value(row.keys[0], 0), *parseDate(row.keys[1].toStdString()));
    for (auto it = lastDay.cbegin(); it != lastDay.cend(); ++it) {
        if (!wanted(Dimension::Source, it.key()))
            continue;
        QSqlQuery q(ledger.db());
        q.prepare(QStringLiteral("SELECT MAX(x.ts) FROM request_segments s CROSS JOIN requests x JOIN dimsets d ON "
                                 "d.id = x.dimset JOIN labels l ON l.id = d.source WHERE s.day = ? AND x.id BETWEEN "
                                 "s.first_id AND s.last_id AND +x.day = s.day AND l.value = ? AND x.ts <= ?"));
        q.addBindValue(it.value());
        q.addBindValue(it.key());
        q.addBindValue(nowMs);
        if (!q.exec() || !q.next())
            return dbError(q, "read when a source last delivered");
        if (!q.value(0).isNull())
            finding(QStringLiteral("source ") + it.key(), q.value(0).toLongLong(), QStringLiteral("sent no requests"));
    }
    // Provider billing syncs.
    QSqlQuery syncs(ledger.db());
    syncs.prepare(
        QStringLiteral("SELECT provider, MAX(synced_ms) FROM sync_checkpoints WHERE synced_ms <= ? GROUP BY provider"));
    syncs.addBindValue(nowMs);
    if (!syncs.exec())
        return dbError(syncs, "read the billing syncs");
    while (syncs.next()) {
        const QString provider = syncs.value(0).toString();
        if (wanted(Dimension::Provider, provider))
            finding(provider + QStringLiteral(" billing sync"), syncs.value(1).toLongLong(),
                    QStringLiteral("has not synced"));
    }
    return findings;
}

Result<QVector<Finding>> assessUnpriced(Storage::Ledger &ledger, const Rule &rule, qint64 nowMs)
{
    const auto models = spendBetween(ledger, nowMs - 24 * kHourMs, nowMs + 1, rule.filters, Dimension::Model);
    if (!models.ok())
        return models.error();
    QVector<Finding> findings;
    for (auto it = models->cbegin(); it != models->cend(); ++it) {
        if (it.value().unpricedRequests < std::max<qint64>(1, rule.minRequests))
            continue;
        Finding f;
        f.ruleId = rule.id;
        f.group = it.key();
        f.state = State::Alert;
        f.message = QStringLiteral("%1: %2 requests for %3 in the last 24 h have no price (add one on the Prices page)")
                        .arg(rule.name)
                        .arg(it.value().unpricedRequests)
                        .arg(it.key());
        f.figuresJson = compact(
            {{QStringLiteral("model"), it.key()}, {QStringLiteral("unpriced_requests"), it.value().unpricedRequests}});
        findings.append(f);
    }
    return findings;
}

// ---- Rules as stored: a JSON definition per rule.

QJsonObject definitionOf(const Rule &r)
{
    QJsonObject filters;
    for (const Storage::SpendFilter &f : r.filters)
        filters.insert(Storage::dimensionName(f.dimension), QJsonArray::fromStringList(f.values));
    QJsonArray thresholds;
    for (int t : r.thresholds)
        thresholds.append(t);
    QJsonObject o{{QStringLiteral("filters"), filters},
                  {QStringLiteral("amount_nano"), QString::number(r.amount)},
                  {QStringLiteral("window"), windowName(r.window)},
                  {QStringLiteral("time_zone"), r.timeZone},
                  {QStringLiteral("thresholds"), thresholds},
                  {QStringLiteral("hard"), r.hard},
                  {QStringLiteral("percent"), r.percent},
                  {QStringLiteral("hours"), r.hours},
                  {QStringLiteral("min_requests"), r.minRequests},
                  {QStringLiteral("renotify_minutes"), r.renotifyMinutes}};
    if (r.groupBy)
        o.insert(QStringLiteral("group_by"), Storage::dimensionName(*r.groupBy));
    if (r.pausedUntilMs)
        o.insert(QStringLiteral("paused_until_ms"), QString::number(*r.pausedUntilMs));
    return o;
}

Rule ruleFrom(qint64 id, const QString &name, const QString &kind, const QString &definition)
{
    Rule r = Rule::withDefaults(kindFromName(kind).value_or(Kind::Budget));
    r.id = id;
    r.name = name;
    const QJsonObject o = QJsonDocument::fromJson(definition.toUtf8()).object();
    const QJsonObject filters = o.value(QStringLiteral("filters")).toObject();
    for (auto it = filters.begin(); it != filters.end(); ++it)
        if (const auto d = Storage::dimensionFromName(it.key()))
            r.filters.append({*d, it.value().toVariant().toStringList()});
    if (o.contains(QStringLiteral("group_by")))
        r.groupBy = Storage::dimensionFromName(o.value(QStringLiteral("group_by")).toString());
    r.amount = o.value(QStringLiteral("amount_nano")).toString().toLongLong();
    r.window = windowFromName(o.value(QStringLiteral("window")).toString()).value_or(Window::Month);
    r.timeZone = o.value(QStringLiteral("time_zone")).toString(QStringLiteral("UTC"));
    r.thresholds.clear();
    for (const QJsonValue &t : o.value(QStringLiteral("thresholds")).toArray())
        r.thresholds.append(t.toInt());
    r.hard = o.value(QStringLiteral("hard")).toBool();
    r.percent = o.value(QStringLiteral("percent")).toDouble();
    r.hours = o.value(QStringLiteral("hours")).toInt(24);
    r.minRequests = o.value(QStringLiteral("min_requests")).toInteger(10);
    r.renotifyMinutes = o.value(QStringLiteral("renotify_minutes")).toInt();
    if (o.contains(QStringLiteral("paused_until_ms")))
        r.pausedUntilMs = o.value(QStringLiteral("paused_until_ms")).toString().toLongLong();
    return r;
}

State stateFrom(const QString &name)
{
    for (int i = 0; i < 5; ++i)
        if (name == QLatin1String(kStates[i]))
            return State(i);
    return State::Ok;
}

/// One step of the state machine: the new stored state, whether to notify and whether the
/// history gets a line.
struct Step {
    StoredState next;
    bool notify = false;
    bool repeat = false;
    bool record = false;
};

// quiet: nobody may be told now (the alert is snoozed or notifications are paused). What would
// have been told stays untold, and is told once no longer quiet.
Step step(const Rule &rule, const StoredState &previous, const Finding &f, qint64 nowMs, bool quiet)
{
    Step s;
    s.next = previous;
    s.next.ruleId = rule.id;
    s.next.group = f.group;
    if (f.windowKey != previous.windowKey) // a new budget window: its thresholds notify again
        s.next.thresholdNotified = 0;
    const bool changed = f.state != previous.state;
    const bool newThreshold =
        rule.kind == Kind::Budget && severity(f.state) > 0 && f.threshold > s.next.thresholdNotified;
    // Back from a rule's pause, a budget tells only thresholds it has not told yet.
    const bool fromPause = previous.state == State::Paused && rule.kind == Kind::Budget;
    bool tell = false;
    if (newThreshold || (severity(f.state) > severity(previous.state) && !fromPause)) {
        tell = true;
    } else if (severity(f.state) > 0 && !changed && previous.lastNotifiedMs < previous.sinceMs) {
        tell = true; // began while quiet, never told
    } else if (f.state == State::Alert && !changed && rule.renotifyMinutes > 0 && !previous.acknowledged
               && nowMs - previous.lastNotifiedMs >= qint64(rule.renotifyMinutes) * 60'000) {
        tell = s.repeat = true;
    }
    s.record = changed || newThreshold;
    s.next.state = f.state;
    s.next.windowKey = f.windowKey;
    s.next.message = f.message;
    s.next.figuresJson = f.figuresJson;
    if (changed) {
        s.next.sinceMs = nowMs;
        s.next.acknowledged = false;
        if (fromPause && severity(f.state) > 0 && !newThreshold)
            s.next.lastNotifiedMs = nowMs; // told before the pause
    }
    s.notify = tell && !quiet;
    if (s.notify) {
        s.next.lastNotifiedMs = nowMs;
        if (newThreshold)
            s.next.thresholdNotified = f.threshold;
    }
    return s;
}

// What a rule says at an instant, pauses included; groups that were not OK and no longer appear
// are back to OK.
Result<QVector<Finding>> verdicts(Storage::Ledger &ledger, const Rule &rule, qint64 nowMs,
                                  const QHash<QString, StoredState> &previous)
{
    QVector<Finding> findings;
    if (rule.pausedUntilMs && *rule.pausedUntilMs > nowMs) {
        // Every group the rule has is paused (one finding when it has none yet).
        QStringList groups = previous.keys();
        if (groups.isEmpty())
            groups.append(QString());
        for (const QString &group : groups) {
            Finding paused;
            paused.ruleId = rule.id;
            paused.group = group;
            paused.state = State::Paused;
            paused.windowKey = previous.value(group).windowKey;
            paused.message =
                QStringLiteral("%1: paused until %2")
                    .arg(groupLabel(rule, group),
                         QDateTime::fromMSecsSinceEpoch(*rule.pausedUntilMs, QTimeZone::utc()).toString(Qt::ISODate));
            findings.append(paused);
        }
    } else {
        auto assessed = assess(ledger, rule, nowMs);
        if (!assessed.ok())
            return assessed.error();
        findings = *assessed;
    }
    QSet<QString> seen;
    for (const Finding &f : findings)
        seen.insert(f.group);
    for (auto it = previous.cbegin(); it != previous.cend(); ++it) {
        if (!seen.contains(it.key()) && it->state != State::Ok) {
            Finding back;
            back.ruleId = rule.id;
            back.group = it.key();
            back.state = State::Ok;
            back.windowKey = it->windowKey;
            back.message = QStringLiteral("%1: back to normal").arg(groupLabel(rule, it.key()));
            findings.append(back);
        }
    }
    return findings;
}

} // namespace

QString kindName(Kind kind)
{
    for (const KindInfo &k : kKinds)
        if (k.kind == kind)
            return QLatin1String(k.name);
    return {};
}

std::optional<Kind> kindFromName(const QString &name)
{
    for (const KindInfo &k : kKinds)
        if (name == QLatin1String(k.name))
            return k.kind;
    return std::nullopt;
}

QString windowName(Window window)
{
    return QLatin1String(kWindows[int(window)]);
}

std::optional<Window> windowFromName(const QString &name)
{
    for (int i = 0; i < 4; ++i)
        if (name == QLatin1String(kWindows[i]))
            return Window(i);
    return std::nullopt;
}

QString stateName(State state)
{
    return QLatin1String(kStates[int(state)]);
}

Rule Rule::withDefaults(Kind kind)
{
    Rule r;
    r.kind = kind;
    switch (kind) {
    case Kind::Budget:
        break;
    case Kind::Spike:
        r.percent = 150;
        break;
    case Kind::CostPerRequest:
        r.percent = 50;
        break;
    case Kind::CacheHitRate:
        r.percent = 10;
        break;
    case Kind::Concentration:
        r.percent = 20;
        r.groupBy = Dimension::User;
        break;
    case Kind::NoData:
        r.minRequests = 1;
        break;
    case Kind::Unpriced:
        r.minRequests = 1;
        break;
    }
    return r;
}

QString Rule::problem() const
{
    if (name.trimmed().isEmpty())
        return QStringLiteral("a rule needs a name");
    if (!QTimeZone(timeZone.toUtf8()).isValid())
        return QStringLiteral("unknown time zone \"%1\" (use an IANA name such as Europe/Berlin)").arg(timeZone);
    if (groupBy && Storage::isTimeDimension(*groupBy))
        return QStringLiteral("a rule cannot be per %1").arg(Storage::dimensionName(*groupBy));
    for (const Storage::SpendFilter &f : filters)
        if (Storage::isTimeDimension(f.dimension) || f.values.isEmpty())
            return QStringLiteral("the scope %1 is not a dimension with values")
                .arg(Storage::dimensionName(f.dimension));
    if (minRequests < 0 || renotifyMinutes < 0)
        return QStringLiteral("minimum requests and re-notify minutes cannot be negative");
    switch (kind) {
    case Kind::Budget:
        if (amount <= 0)
            return QStringLiteral("a budget needs an amount above $0");
        if (thresholds.isEmpty() || !std::is_sorted(thresholds.begin(), thresholds.end()) || thresholds.first() <= 0)
            return QStringLiteral("thresholds are ascending percentages above 0, such as 50,80,100");
        return {};
    case Kind::NoData:
        return hours > 0 ? QString() : QStringLiteral("no-data needs a number of hours above 0");
    case Kind::Unpriced:
        return {};
    case Kind::Concentration:
        if (groupBy != Dimension::User && groupBy != Dimension::Feature)
            return QStringLiteral("concentration is per user or per feature");
        [[fallthrough]];
    default:
        return percent > 0 ? QString() : QStringLiteral("the rule needs a percentage above 0");
    }
}

QString Rule::describe() const
{
    switch (kind) {
    case Kind::Budget: {
        QStringList t;
        for (int v : thresholds)
            t.append(QString::number(v));
        return QStringLiteral("%1budget %2 a %3 (%4), %5; warns at %6 %")
            .arg(hard ? QStringLiteral("hard ") : QString(), money(amount), windowName(window), timeZone,
                 scopeText(*this), t.join(u'/'));
    }
    case Kind::Spike:
        return QStringLiteral("daily spend above %1 % of the 7-day average, %2")
            .arg(percentText(percent), scopeText(*this));
    case Kind::CostPerRequest:
        return QStringLiteral("cost per request up more than %1 % week over week, %2")
            .arg(percentText(percent), scopeText(*this));
    case Kind::CacheHitRate:
        return QStringLiteral("cache hit rate more than %1 points below its 28-day baseline, %2")
            .arg(percentText(percent), scopeText(*this));
    case Kind::Concentration:
        return QStringLiteral("one %1 above %2 % of the day's %3, %4")
            .arg(Storage::dimensionName(groupBy.value_or(Dimension::User)), percentText(percent),
                 amount > 0 ? QStringLiteral("budget of ") + money(amount) : QStringLiteral("spend"), scopeText(*this));
    case Kind::NoData:
        return QStringLiteral("a source or billing sync silent for %1 h, %2").arg(hours).arg(scopeText(*this));
    case Kind::Unpriced:
        return QStringLiteral("requests for models without a price, %1").arg(scopeText(*this));
    }
    return {};
}

std::pair<qint64, qint64> windowAround(qint64 nowMs, Window window, const QString &timeZone)
{
    const QTimeZone zone(timeZone.toUtf8());
    const QDate date = QDateTime::fromMSecsSinceEpoch(nowMs, zone).date();
    QDate start = date, end;
    switch (window) {
    case Window::Day:
        end = start.addDays(1);
        break;
    case Window::Week:
        start = date.addDays(1 - date.dayOfWeek());
        end = start.addDays(7);
        break;
    case Window::Month:
        start = QDate(date.year(), date.month(), 1);
        end = start.addMonths(1);
        break;
    case Window::Quarter:
        start = QDate(date.year(), (date.month() - 1) / 3 * 3 + 1, 1);
        end = start.addMonths(3);
        break;
    }
    return {QDateTime(start, QTime(0, 0), zone).toMSecsSinceEpoch(),
            QDateTime(end, QTime(0, 0), zone).toMSecsSinceEpoch()};
}

Result<QVector<Finding>> assess(Storage::Ledger &ledger, const Rule &rule, qint64 nowMs)
{
    if (const QString problem = rule.problem(); !problem.isEmpty())
        return makeError(ErrorCode::Usage, problem);
    switch (rule.kind) {
    case Kind::Budget:
        return assessBudget(ledger, rule, nowMs);
    case Kind::NoData:
        return assessNoData(ledger, rule, nowMs);
    case Kind::Unpriced:
        return assessUnpriced(ledger, rule, nowMs);
    default:
        return assessDaily(ledger, rule, nowMs);
    }
}

Result<QVector<Rule>> listRules(Storage::Ledger &ledger)
{
    QSqlQuery q(ledger.db());
    if (!q.exec(QStringLiteral("SELECT id, name, kind, definition FROM alert_rules ORDER BY id")))
        return dbError(q, "read the alert rules");
    QVector<Rule> rules;
    while (q.next())
        rules.append(
            ruleFrom(q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toString(), q.value(3).toString()));
    return rules;
}

Result<Rule> rule(Storage::Ledger &ledger, qint64 id)
{
    const auto rules = listRules(ledger);
    if (!rules.ok())
        return rules.error();
    for (const Rule &r : *rules)
        if (r.id == id)
            return r;
    return makeError(ErrorCode::Data, QStringLiteral("there is no alert rule %1").arg(id));
}

Result<qint64> addRule(Storage::Ledger &ledger, Rule r)
{
    if (const QString problem = r.problem(); !problem.isEmpty())
        return makeError(ErrorCode::Usage, problem);
    QSqlQuery q(ledger.db());
    q.prepare(QStringLiteral("INSERT INTO alert_rules (name, kind, definition) VALUES (?, ?, ?)"));
    q.addBindValue(r.name.trimmed());
    q.addBindValue(kindName(r.kind));
    q.addBindValue(compact(definitionOf(r)));
    if (!q.exec())
        return dbError(q, "store the alert rule");
    return q.lastInsertId().toLongLong();
}

Result<bool> removeRule(Storage::Ledger &ledger, qint64 id)
{
    QSqlDatabase db = ledger.db();
    if (!db.transaction())
        return makeError(ErrorCode::Database, db.lastError().text());
    bool removed = false;
    for (const char *sql : {"DELETE FROM alert_states WHERE rule_id = ?", "DELETE FROM alert_rules WHERE id = ?"}) {
        QSqlQuery q(db);
        q.prepare(QLatin1String(sql));
        q.addBindValue(id);
        if (!q.exec()) {
            db.rollback();
            return dbError(q, "remove the alert rule");
        }
        removed = q.numRowsAffected() > 0;
    }
    if (!db.commit())
        return makeError(ErrorCode::Database, db.lastError().text());
    return removed;
}

Status pauseRule(Storage::Ledger &ledger, qint64 id, std::optional<qint64> untilMs)
{
    auto r = rule(ledger, id);
    if (!r.ok())
        return r.error();
    r->pausedUntilMs = untilMs;
    QSqlQuery q(ledger.db());
    q.prepare(QStringLiteral("UPDATE alert_rules SET definition = ? WHERE id = ?"));
    q.addBindValue(compact(definitionOf(*r)));
    q.addBindValue(id);
    if (!q.exec())
        return dbError(q, "pause the rule");
    return {};
}

Result<QVector<StoredState>> states(Storage::Ledger &ledger)
{
    QSqlQuery q(ledger.db());
    if (!q.exec(QStringLiteral("SELECT rule_id, group_key, state, since_ms, threshold_notified, window_key, "
                               "last_notified_ms, acknowledged, snoozed_until_ms, message, figures FROM alert_states "
                               "ORDER BY rule_id, group_key")))
        return dbError(q, "read the alert states");
    QVector<StoredState> result;
    while (q.next()) {
        StoredState s;
        s.ruleId = q.value(0).toLongLong();
        s.group = q.value(1).toString();
        s.state = stateFrom(q.value(2).toString());
        s.sinceMs = q.value(3).toLongLong();
        s.thresholdNotified = q.value(4).toInt();
        s.windowKey = q.value(5).toString();
        s.lastNotifiedMs = q.value(6).toLongLong();
        s.acknowledged = q.value(7).toBool();
        s.snoozedUntilMs = q.value(8).toLongLong();
        s.message = q.value(9).toString();
        s.figuresJson = q.value(10).toString();
        result.append(s);
    }
    return result;
}

Result<Evaluation> evaluate(Storage::Ledger &ledger, qint64 nowMs, bool quiet)
{
    const auto rules = listRules(ledger);
    if (!rules.ok())
        return rules.error();
    const auto stored = states(ledger);
    if (!stored.ok())
        return stored.error();
    QHash<qint64, QHash<QString, StoredState>> byRule;
    for (const StoredState &s : *stored)
        byRule[s.ruleId].insert(s.group, s);

    // Assess first (reads only), then write every step in one transaction.
    Evaluation evaluation;
    QVector<std::pair<const Rule *, Step>> steps;
    for (const Rule &r : *rules) {
        const QHash<QString, StoredState> previous = byRule.value(r.id);
        const auto findings = verdicts(ledger, r, nowMs, previous);
        if (!findings.ok())
            return makeError(findings.error().code,
                             QStringLiteral("rule %1 (%2): %3").arg(r.id).arg(r.name, findings.error().message));
        for (const Finding &f : *findings) {
            evaluation.findings.append(f);
            const StoredState before = previous.value(f.group);
            const Step s = step(r, before, f, nowMs, quiet || before.snoozedUntilMs > nowMs);
            if (s.notify)
                evaluation.notifications.append({r, f, previous.value(f.group).state, s.repeat});
            steps.append({&r, s});
        }
    }
    QSqlDatabase db = ledger.db();
    if (!db.transaction())
        return makeError(ErrorCode::Database, db.lastError().text());
    auto write = [&]() -> Status {
        for (const auto &[r, s] : steps) {
            QSqlQuery upsert(db);
            upsert.prepare(QStringLiteral(
                "INSERT INTO alert_states (rule_id, group_key, state, since_ms, threshold_notified, window_key, "
                "last_notified_ms, acknowledged, snoozed_until_ms, message, figures) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
                "?, ?, ?) ON CONFLICT (rule_id, group_key) DO UPDATE SET state = excluded.state, since_ms = "
                "excluded.since_ms, threshold_notified = excluded.threshold_notified, window_key = "
                "excluded.window_key, last_notified_ms = excluded.last_notified_ms, message = excluded.message, "
                "figures = excluded.figures, "
                // An acknowledge or snooze made while this evaluation ran is kept.
                "acknowledged = CASE WHEN alert_states.state = excluded.state THEN alert_states.acknowledged "
                "ELSE excluded.acknowledged END"));
            const StoredState &n = s.next;
            for (const QVariant &v :
                 {QVariant(n.ruleId), text(n.group), QVariant(stateName(n.state)), QVariant(n.sinceMs),
                  QVariant(n.thresholdNotified), text(n.windowKey), QVariant(n.lastNotifiedMs),
                  QVariant(n.acknowledged ? 1 : 0), QVariant(n.snoozedUntilMs), text(n.message), text(n.figuresJson)})
                upsert.addBindValue(v);
            if (!upsert.exec())
                return dbError(upsert, "store an alert state");
            if (!s.record)
                continue;
            const State from = byRule.value(r->id).value(n.group).state;
            QSqlQuery event(db);
            event.prepare(QStringLiteral("INSERT INTO alert_events (rule_id, group_key, at_ms, from_state, to_state, "
                                         "notified, message, figures) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
            for (const QVariant &v :
                 {QVariant(n.ruleId), text(n.group), QVariant(nowMs), QVariant(stateName(from)),
                  QVariant(stateName(n.state)), QVariant(s.notify ? 1 : 0), text(n.message), text(n.figuresJson)})
                event.addBindValue(v);
            if (!event.exec())
                return dbError(event, "record an alert transition");
        }
        return {};
    };
    if (const Status s = write(); !s.ok() || !db.commit()) {
        db.rollback();
        return s.ok() ? makeError(ErrorCode::Database, db.lastError().text()) : s.error();
    }
    return evaluation;
}

namespace {

Status updateState(Storage::Ledger &ledger, const char *set, qint64 ruleId, const QString &group, const QVariant &value)
{
    QSqlQuery q(ledger.db());
    q.prepare(
        QStringLiteral("UPDATE alert_states SET %1 = ? WHERE rule_id = ? AND group_key = ?").arg(QLatin1String(set)));
    q.addBindValue(value);
    q.addBindValue(ruleId);
    q.addBindValue(text(group));
    if (!q.exec())
        return dbError(q, "change the alert");
    if (q.numRowsAffected() == 0)
        return makeError(ErrorCode::Data,
                         QStringLiteral("rule %1 has no alert%2 (see alerts evaluate)")
                             .arg(ruleId)
                             .arg(group.isEmpty() ? QString() : QStringLiteral(" for ") + group));
    return {};
}

} // namespace

Status acknowledge(Storage::Ledger &ledger, qint64 ruleId, const QString &group)
{
    return updateState(ledger, "acknowledged", ruleId, group, 1);
}

Status snooze(Storage::Ledger &ledger, qint64 ruleId, const QString &group, qint64 untilMs)
{
    return updateState(ledger, "snoozed_until_ms", ruleId, group, untilMs);
}

Result<QVector<HistoryEntry>> history(Storage::Ledger &ledger, int limit)
{
    QSqlQuery q(ledger.db());
    q.prepare(QStringLiteral("SELECT e.id, e.rule_id, COALESCE(r.name, ''), e.group_key, e.at_ms, e.from_state, "
                             "e.to_state, e.notified, e.message, e.figures FROM alert_events e LEFT JOIN alert_rules r "
                             "ON r.id = e.rule_id ORDER BY e.at_ms DESC, e.id DESC LIMIT ?"));
    q.addBindValue(limit);
    if (!q.exec())
        return dbError(q, "read the alert history");
    QVector<HistoryEntry> entries;
    while (q.next()) {
        HistoryEntry e;
        e.id = q.value(0).toLongLong();
        e.ruleId = q.value(1).toLongLong();
        e.ruleName = q.value(2).toString();
        e.group = q.value(3).toString();
        e.atMs = q.value(4).toLongLong();
        e.from = stateFrom(q.value(5).toString());
        e.to = stateFrom(q.value(6).toString());
        e.notified = q.value(7).toBool();
        e.message = q.value(8).toString();
        e.figuresJson = q.value(9).toString();
        entries.append(e);
    }
    return entries;
}

Result<Backtest> backtest(Storage::Ledger &ledger, const Rule &r, qint64 nowMs, int days)
{
    if (const QString problem = r.problem(); !problem.isEmpty())
        return makeError(ErrorCode::Usage, problem);
    Backtest result;
    result.days = days;
    QHash<QString, StoredState> states;
    Rule unpaused = r;
    unpaused.pausedUntilMs.reset();
    // The end of each local day of the rule's time zone (now for today), as if the app had
    // evaluated then.
    const QTimeZone zone(r.timeZone.toUtf8());
    for (qint64 dayStart = localDayStart(nowMs, zone, 1 - days), i = 0; i < days; ++i) {
        const qint64 next = localDayStart(dayStart, zone, 1);
        const qint64 at = std::min(nowMs, next - 1);
        const QDate date = QDateTime::fromMSecsSinceEpoch(dayStart, zone).date();
        const qint64 day = daysFromCivil(date.year(), unsigned(date.month()), unsigned(date.day()));
        const auto findings = verdicts(ledger, unpaused, at, states);
        if (!findings.ok())
            return findings.error();
        for (const Finding &f : *findings) {
            const Step s = step(unpaused, states.value(f.group), f, at, false);
            if (s.notify)
                result.firings.append({day, f.message});
            states.insert(f.group, s.next);
        }
        dayStart = next;
    }
    return result;
}

} // namespace CostGov::Alerts

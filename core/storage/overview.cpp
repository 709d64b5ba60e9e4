#include "overview.h"

#include "common/timeutil.h"

#include <QHash>

namespace CostGov::Storage {

namespace {

Result<SpendMetrics> totals(Ledger &ledger, const DayRange &range, const QVector<SpendFilter> &filters)
{
    SpendQuery query;
    query.fromDay = range.from;
    query.toDay = range.to;
    query.filters = filters;
    const auto report = runSpendQuery(ledger, query);
    if (!report.ok())
        return report.error();
    return report->totals;
}

} // namespace

Result<OverviewFigures> overviewFigures(Ledger &ledger, const DayRange &range, const DayRange &previous, qint64 today,
                                        const QVector<SpendFilter> &filters)
{
    OverviewFigures figures;
    figures.range = range;
    figures.previous = previous;
    const DayRange month = presetRange(RangePreset::MonthToDate, today);
    SpendMetrics monthMetrics, lastMonthMetrics;
    const std::pair<DayRange, SpendMetrics *> wanted[] = {
        {range, &figures.current},
        {previous, &figures.before},
        {month, &monthMetrics},
        {presetRange(RangePreset::LastMonth, today), &lastMonthMetrics}};
    for (const auto &[days, into] : wanted) {
        const auto metrics = totals(ledger, days, filters);
        if (!metrics.ok())
            return metrics.error();
        *into = *metrics;
    }
    figures.monthToDate = monthMetrics.costNano;
    figures.lastMonth = lastMonthMetrics.costNano;
    // Today counts as a whole day: early in a day this leans low, never wildly high.
    figures.monthEndProjection = Nano(Int128(figures.monthToDate) * daysInMonth(today) / month.days());
    return figures;
}

Result<SpendSeries> dailySpendSeries(Ledger &ledger, const DayRange &range, Dimension dimension, int top,
                                     const QVector<SpendFilter> &filters)
{
    SpendQuery query;
    query.fromDay = range.from;
    query.toDay = range.to;
    query.filters = filters;
    query.groupBy = {dimension};
    const auto totals = runSpendQuery(ledger, query); // most expensive first
    if (!totals.ok())
        return totals.error();
    query.groupBy = {Dimension::Day, dimension};
    const auto daily = runSpendQuery(ledger, query);
    if (!daily.ok())
        return daily.error();

    SpendSeries series;
    series.range = range;
    QHash<QString, int> index;
    for (const SpendRow &row : totals->rows) {
        if (int(series.names.size()) == top) {
            series.names.append(QStringLiteral("Other"));
            series.hasOther = true;
            break;
        }
        index.insert(row.keys[0], int(series.names.size()));
        series.names.append(row.keys[0].isEmpty() ? QStringLiteral("(none)") : row.keys[0]);
    }
    series.values.assign(size_t(series.names.size()), std::vector<Nano>(size_t(range.days()), 0));
    for (const SpendRow &row : daily->rows) {
        const auto day = parseDate(row.keys[0].toStdString());
        if (!day || *day < range.from || *day > range.to)
            continue;
        const int s = index.value(row.keys[1], series.hasOther ? int(series.names.size()) - 1 : -1);
        if (s >= 0)
            series.values[size_t(s)][size_t(*day - range.from)] += row.metrics.costNano;
    }
    return series;
}

Result<TopGroups> topGroups(Ledger &ledger, Dimension dimension, const DayRange &range,
                            const std::optional<DayRange> &previous, const QVector<SpendFilter> &filters, int limit)
{
    SpendQuery query;
    query.fromDay = range.from;
    query.toDay = range.to;
    query.groupBy = {dimension};
    query.filters = filters;
    query.limit = limit;
    TopGroups top;
    auto now = runSpendQuery(ledger, query);
    if (!now.ok())
        return now.error();
    top.now = *now;
    if (!previous)
        return top;
    // The same groups then, whether or not they were among the biggest.
    query.fromDay = previous->from;
    query.toDay = previous->to;
    query.limit = 0;
    SpendFilter shown{dimension, {}};
    for (const SpendRow &row : top.now.rows)
        shown.values.append(row.keys.first());
    query.filters.append(shown);
    auto before =
        shown.values.isEmpty() ? Result<SpendReport>(SpendReport{query.groupBy, {}, {}}) : runSpendQuery(ledger, query);
    if (!before.ok())
        return before.error();
    top.before = *before;
    return top;
}

std::optional<double> relativeChange(double before, double now)
{
    if (before == 0)
        return std::nullopt;
    return (now - before) / before;
}

} // namespace CostGov::Storage

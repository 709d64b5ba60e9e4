#include "overview.h"

#include "common/timeutil.h"

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
    const DayRange lastMonth = presetRange(RangePreset::LastMonth, today);
    const std::pair<DayRange, SpendMetrics *> wanted[] = {{range, &figures.current}, {previous, &figures.before}};
    for (const auto &[days, into] : wanted) {
        const auto metrics = totals(ledger, days, filters);
        if (!metrics.ok())
            return metrics.error();
        *into = *metrics;
    }
    const auto monthMetrics = totals(ledger, month, filters);
    const auto lastMonthMetrics = monthMetrics.ok() ? totals(ledger, lastMonth, filters) : monthMetrics;
    if (!lastMonthMetrics.ok())
        return lastMonthMetrics.error();
    figures.monthToDate = monthMetrics->costNano;
    figures.lastMonth = lastMonthMetrics->costNano;
    // Today counts as a whole day: early in a day this leans low, never wildly high.
    figures.monthEndProjection = figures.monthToDate * daysInMonth(today) / month.days();
    return figures;
}

std::optional<double> relativeChange(double before, double now)
{
    if (before == 0)
        return std::nullopt;
    return (now - before) / before;
}

} // namespace CostGov::Storage

#pragma once

#include "spendquery.h"

#include "common/daterange.h"

namespace CostGov::Storage {

/// The Overview page's figures: a range against the period before it, and where this month is
/// heading.
struct OverviewFigures {
    DayRange range;
    DayRange previous;
    SpendMetrics current;
    SpendMetrics before;
    Nano monthToDate = 0;        ///< spend of the month containing today, through today
    Nano monthEndProjection = 0; ///< monthToDate at its daily run rate, to the month's end
    Nano lastMonth = 0;          ///< the whole previous month, to compare the projection with
};

Result<OverviewFigures> overviewFigures(Ledger &ledger, const DayRange &range, const DayRange &previous, qint64 today,
                                        const QVector<SpendFilter> &filters = {});

/// Daily spend of the biggest groups of a dimension, the rest summed as "Other".
struct SpendSeries {
    DayRange range;
    QStringList names; ///< biggest first; "Other" last when there is a rest
    bool hasOther = false;
    std::vector<std::vector<Nano>> values; ///< [series][day - range.from]
};

/// top: how many groups get their own series (by spend over the range).
Result<SpendSeries> dailySpendSeries(Ledger &ledger, const DayRange &range, Dimension dimension, int top = 8,
                                     const QVector<SpendFilter> &filters = {});

/// The biggest groups of a dimension in a range, and the same groups in the period before.
struct TopGroups {
    SpendReport now;                   ///< at most limit rows; totals of all groups
    std::optional<SpendReport> before; ///< when a previous period was given: these groups then
};

Result<TopGroups> topGroups(Ledger &ledger, Dimension dimension, const DayRange &range,
                            const std::optional<DayRange> &previous, const QVector<SpendFilter> &filters, int limit);

/// Relative change from before to now, or nullopt when before is zero (no basis to compare).
std::optional<double> relativeChange(double before, double now);

} // namespace CostGov::Storage

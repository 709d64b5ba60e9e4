#pragma once

#include <QString>
#include <QStringList>
#include <QtGlobal>

#include <optional>

namespace CostGov {

/// An inclusive range of UTC day numbers.
struct DayRange {
    qint64 from = 0;
    qint64 to = 0;
    qint64 days() const { return to - from + 1; }
    bool operator==(const DayRange &) const = default;
};

/// The date ranges a user picks from; Custom keeps whatever range was set.
enum class RangePreset { Today, Last7Days, Last30Days, MonthToDate, LastMonth, QuarterToDate, Custom };

/// The range a preset means on a given day (today included where the preset runs "to date").
DayRange presetRange(RangePreset preset, qint64 today);
/// What a range is compared with: the previous calendar month for month presets (month to date:
/// the same days of the previous month), the previous quarter's same days for the quarter,
/// otherwise the same number of days just before.
DayRange previousPeriod(RangePreset preset, const DayRange &range);

/// Stable names for settings and the command line: "today", "last-7-days", ...
QString presetName(RangePreset preset);
std::optional<RangePreset> presetFromName(const QString &name);

} // namespace CostGov

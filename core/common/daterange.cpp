#include "daterange.h"

#include "timeutil.h"

#include <algorithm>

namespace CostGov {

namespace {

qint64 firstOfMonth(qint64 day)
{
    const CivilDate d = civilFromDays(day);
    return daysFromCivil(d.year, d.month, 1);
}

// The first day of the month `months` months before the month containing day.
qint64 monthStartBefore(qint64 day, int months)
{
    const CivilDate d = civilFromDays(day);
    int index = d.year * 12 + int(d.month) - 1 - months;
    return daysFromCivil(index / 12, unsigned(index % 12 + 1), 1);
}

qint64 quarterStart(qint64 day)
{
    const CivilDate d = civilFromDays(day);
    return daysFromCivil(d.year, (d.month - 1) / 3 * 3 + 1, 1);
}

} // namespace

DayRange presetRange(RangePreset preset, qint64 today)
{
    switch (preset) {
    case RangePreset::Today:
    case RangePreset::Custom:
        return {today, today};
    case RangePreset::Last7Days:
        return {today - 6, today};
    case RangePreset::Last30Days:
        return {today - 29, today};
    case RangePreset::MonthToDate:
        return {firstOfMonth(today), today};
    case RangePreset::LastMonth: {
        const qint64 first = monthStartBefore(today, 1);
        return {first, firstOfMonth(today) - 1};
    }
    case RangePreset::QuarterToDate:
        return {quarterStart(today), today};
    }
    return {today, today};
}

DayRange previousPeriod(RangePreset preset, const DayRange &range)
{
    switch (preset) {
    case RangePreset::LastMonth:
        return {monthStartBefore(range.from, 1), range.from - 1};
    case RangePreset::MonthToDate:
    case RangePreset::QuarterToDate: {
        // The same days of the previous month or quarter, not past its end.
        const qint64 first = monthStartBefore(range.from, preset == RangePreset::MonthToDate ? 1 : 3);
        return {first, std::min(first + range.days() - 1, range.from - 1)};
    }
    case RangePreset::Today:
    case RangePreset::Last7Days:
    case RangePreset::Last30Days:
    case RangePreset::Custom:
        break;
    }
    return {range.from - range.days(), range.from - 1};
}

QString presetName(RangePreset preset)
{
    switch (preset) {
    case RangePreset::Today:
        return QStringLiteral("today");
    case RangePreset::Last7Days:
        return QStringLiteral("last-7-days");
    case RangePreset::Last30Days:
        return QStringLiteral("last-30-days");
    case RangePreset::MonthToDate:
        return QStringLiteral("month-to-date");
    case RangePreset::LastMonth:
        return QStringLiteral("last-month");
    case RangePreset::QuarterToDate:
        return QStringLiteral("quarter-to-date");
    case RangePreset::Custom:
        return QStringLiteral("custom");
    }
    return {};
}

std::optional<RangePreset> presetFromName(const QString &name)
{
    for (int i = 0; i <= int(RangePreset::Custom); ++i) {
        if (presetName(RangePreset(i)) == name)
            return RangePreset(i);
    }
    return std::nullopt;
}

} // namespace CostGov

#pragma once

#include <QString>
#include <QtGlobal>

#include <optional>
#include <string_view>

namespace CostGov {

inline constexpr qint64 kMsPerDay = 86'400'000;

/// Days since 1970-01-01 of a proleptic Gregorian date.
qint64 daysFromCivil(int year, unsigned month, unsigned day);

struct CivilDate {
    int year;
    unsigned month;
    unsigned day;
};
/// The calendar date of a day number (days since 1970-01-01).
CivilDate civilFromDays(qint64 days);

/// UTC day number of an epoch-ms timestamp (floor division, so pre-1970 works too).
inline qint64 utcDay(qint64 tsMs)
{
    return tsMs >= 0 ? tsMs / kMsPerDay : -((-tsMs + kMsPerDay - 1) / kMsPerDay);
}

/// Day number of the Monday that starts the ISO week containing a day.
inline qint64 weekStart(qint64 day)
{
    // 1970-01-01 was a Thursday: (day + 3) mod 7 is 0 on Mondays.
    const qint64 offset = ((day + 3) % 7 + 7) % 7;
    return day - offset;
}

/// Days in the month containing a day number.
int daysInMonth(qint64 day);

/// yyyymm of a day number.
inline int monthKey(qint64 day)
{
    const CivilDate d = civilFromDays(day);
    return d.year * 100 + int(d.month);
}

/// Parses RFC 3339 / ISO 8601 timestamps into UTC epoch milliseconds:
/// "2026-07-08T14:53:35.624000Z", "...+02:00", "2026-07-08 14:53:35.624" (no zone = UTC),
/// "2026-07-08" (midnight UTC). Fractions beyond milliseconds are truncated.
std::optional<qint64> parseTimestampMs(std::string_view text);

/// Parses "YYYY-MM-DD" into a day number.
std::optional<qint64> parseDate(std::string_view text);

/// "YYYY-MM-DD" of a day number.
QString isoDate(qint64 day);
/// "YYYY-MM" of a yyyymm key.
QString isoMonth(int yyyymm);
/// RFC 3339 UTC text with milliseconds of an epoch-ms timestamp.
QString isoTimestamp(qint64 tsMs);

} // namespace CostGov

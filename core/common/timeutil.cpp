#include "timeutil.h"

namespace CostGov {

// Howard Hinnant's civil-calendar algorithms (public domain description of the Gregorian cycle).
qint64 daysFromCivil(int year, unsigned month, unsigned day)
{
    year -= month <= 2 ? 1 : 0;
    const qint64 era = (year >= 0 ? year : year - 399) / 400;
    const unsigned yoe = unsigned(year - era * 400);
    const unsigned doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + qint64(doe) - 719468;
}

CivilDate civilFromDays(qint64 days)
{
    days += 719468;
    const qint64 era = (days >= 0 ? days : days - 146096) / 146097;
    const unsigned doe = unsigned(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const qint64 y = qint64(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return CivilDate{int(y + (m <= 2 ? 1 : 0)), m, d};
}

namespace {

bool digits(std::string_view s, size_t pos, size_t count, int &out)
{
    if (pos + count > s.size())
        return false;
    int v = 0;
    for (size_t i = pos; i < pos + count; ++i) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    out = v;
    return true;
}

unsigned monthLength(int year, unsigned month)
{
    static constexpr unsigned lengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
        return 29;
    return lengths[month - 1];
}

std::optional<qint64> parseDatePart(std::string_view s)
{
    int y, m, d;
    if (s.size() < 10 || !digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, m) || s[7] != '-'
        || !digits(s, 8, 2, d))
        return std::nullopt;
    if (m < 1 || m > 12 || d < 1 || unsigned(d) > monthLength(y, unsigned(m)))
        return std::nullopt;
    return daysFromCivil(y, unsigned(m), unsigned(d));
}

} // namespace

std::optional<qint64> parseDate(std::string_view text)
{
    if (text.size() != 10)
        return std::nullopt;
    return parseDatePart(text);
}

std::optional<qint64> parseTimestampMs(std::string_view s)
{
    const auto day = parseDatePart(s);
    if (!day)
        return std::nullopt;
    qint64 ms = *day * kMsPerDay;
    if (s.size() == 10)
        return ms;
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
        return std::nullopt;
    int hh, mm, ss;
    if (!digits(s, 11, 2, hh) || s.size() < 16 || s[13] != ':' || !digits(s, 14, 2, mm))
        return std::nullopt;
    size_t pos = 16;
    ss = 0;
    if (pos < s.size() && s[pos] == ':') {
        if (!digits(s, pos + 1, 2, ss))
            return std::nullopt;
        pos += 3;
    }
    if (hh > 23 || mm > 59 || ss > 60)
        return std::nullopt;
    ms += (hh * 3600LL + mm * 60LL + ss) * 1000LL;
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        int fractionDigits = 0;
        qint64 fraction = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (fractionDigits < 3) {
                fraction = fraction * 10 + (s[pos] - '0');
                ++fractionDigits;
            }
            ++pos;
        }
        if (fractionDigits == 0)
            return std::nullopt;
        while (fractionDigits < 3) {
            fraction *= 10;
            ++fractionDigits;
        }
        ms += fraction;
    }
    if (pos == s.size())
        return ms; // no zone: UTC by our convention
    if (s[pos] == 'Z' || s[pos] == 'z')
        return pos + 1 == s.size() ? std::optional<qint64>(ms) : std::nullopt;
    if (s[pos] == '+' || s[pos] == '-') {
        const int sign = s[pos] == '+' ? 1 : -1;
        int oh, om = 0;
        if (!digits(s, pos + 1, 2, oh))
            return std::nullopt;
        size_t end = pos + 3;
        if (end < s.size() && s[end] == ':') {
            if (!digits(s, end + 1, 2, om))
                return std::nullopt;
            end += 3;
        } else if (end + 2 <= s.size() && digits(s, end, 2, om)) {
            end += 2;
        }
        if (end != s.size() || oh > 23 || om > 59)
            return std::nullopt;
        return ms - sign * (oh * 3600LL + om * 60LL) * 1000LL;
    }
    return std::nullopt;
}

QString isoDate(qint64 day)
{
    const CivilDate d = civilFromDays(day);
    return QStringLiteral("%1-%2-%3")
        .arg(d.year, 4, 10, QLatin1Char('0'))
        .arg(d.month, 2, 10, QLatin1Char('0'))
        .arg(d.day, 2, 10, QLatin1Char('0'));
}

QString isoMonth(int yyyymm)
{
    return QStringLiteral("%1-%2")
        .arg(yyyymm / 100, 4, 10, QLatin1Char('0'))
        .arg(yyyymm % 100, 2, 10, QLatin1Char('0'));
}

QString isoTimestamp(qint64 tsMs)
{
    const qint64 day = utcDay(tsMs);
    const qint64 msOfDay = tsMs - day * kMsPerDay;
    return QStringLiteral("%1T%2:%3:%4.%5Z")
        .arg(isoDate(day))
        .arg(msOfDay / 3600000, 2, 10, QLatin1Char('0'))
        .arg(msOfDay / 60000 % 60, 2, 10, QLatin1Char('0'))
        .arg(msOfDay / 1000 % 60, 2, 10, QLatin1Char('0'))
        .arg(msOfDay % 1000, 3, 10, QLatin1Char('0'));
}

int daysInMonth(qint64 day)
{
    const CivilDate d = civilFromDays(day);
    return int(monthLength(d.year, d.month));
}

} // namespace CostGov

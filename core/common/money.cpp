#include "money.h"

#include <limits>

namespace CostGov {

namespace {

using Wide = Int128;

Wide pow10Wide(int exponent)
{
    Wide p = 1;
    for (int i = 0; i < exponent; ++i)
        p *= 10;
    return p;
}

} // namespace

std::optional<qint64> parseScaledDecimal(std::string_view text, int scale)
{
    size_t i = 0;
    const size_t n = text.size();
    while (i < n && (text[i] == ' ' || text[i] == '\t'))
        ++i;
    bool negative = false;
    if (i < n && (text[i] == '-' || text[i] == '+')) {
        negative = text[i] == '-';
        ++i;
    }
    // Keep up to 36 significant digits; more cannot matter at any scale we use.
    Wide mantissa = 0;
    int kept = 0;
    int exponent10 = 0; // value = mantissa * 10^exponent10
    bool sawDigit = false;
    bool inFraction = false;
    for (; i < n; ++i) {
        const char c = text[i];
        if (c >= '0' && c <= '9') {
            sawDigit = true;
            if (kept < 36) {
                if (mantissa != 0 || c != '0')
                    ++kept;
                mantissa = mantissa * 10 + (c - '0');
                if (inFraction)
                    --exponent10;
            } else if (!inFraction) {
                ++exponent10;
            }
        } else if (c == '.' && !inFraction) {
            inFraction = true;
        } else {
            break;
        }
    }
    if (!sawDigit)
        return std::nullopt;
    if (i < n && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        bool expNegative = false;
        if (i < n && (text[i] == '-' || text[i] == '+')) {
            expNegative = text[i] == '-';
            ++i;
        }
        int e = 0;
        bool sawExpDigit = false;
        for (; i < n && text[i] >= '0' && text[i] <= '9'; ++i) {
            sawExpDigit = true;
            if (e < 10000)
                e = e * 10 + (text[i] - '0');
        }
        if (!sawExpDigit)
            return std::nullopt;
        exponent10 += expNegative ? -e : e;
    }
    while (i < n && (text[i] == ' ' || text[i] == '\t'))
        ++i;
    if (i != n)
        return std::nullopt;

    const int shift = exponent10 + scale;
    Wide result;
    if (shift >= 0) {
        if (mantissa != 0 && shift > 19 + 18)
            return std::nullopt;
        result = mantissa;
        for (int k = 0; k < shift; ++k) {
            result *= 10;
            if (result > Wide(std::numeric_limits<qint64>::max()))
                return std::nullopt;
        }
    } else if (-shift > 38) {
        result = 0; // far below the smallest unit: rounds to zero
    } else {
        const Wide divisor = pow10Wide(-shift);
        result = mantissa / divisor;
        // Digits dropped beyond the 36 kept ones are worth less than one kept unit and cannot
        // move a power-of-ten remainder across the halfway mark, so they never change rounding.
        if ((mantissa % divisor) * 2 >= divisor)
            result += 1;
    }
    if (result > Wide(std::numeric_limits<qint64>::max()))
        return std::nullopt;
    const qint64 value = qint64(result);
    return negative ? -value : value;
}

QString scaledDecimalText(qint64 value, int scale)
{
    const bool negative = value < 0;
    // Work in unsigned so INT64_MIN does not overflow on negation.
    quint64 magnitude = negative ? quint64(0) - quint64(value) : quint64(value);
    quint64 unit = 1;
    for (int k = 0; k < scale; ++k)
        unit *= 10;
    const quint64 whole = magnitude / unit;
    quint64 fraction = magnitude % unit;
    QString text = QString::number(whole);
    if (fraction != 0) {
        QString digits = QString::number(fraction).rightJustified(scale, QLatin1Char('0'));
        while (digits.endsWith(QLatin1Char('0')))
            digits.chop(1);
        text += QLatin1Char('.') + digits;
    }
    return negative ? QLatin1Char('-') + text : text;
}

qint64 divideRounded(qint64 numerator, qint64 denominator)
{
    if (denominator == 0)
        return 0;
    const Wide num = numerator;
    const Wide den = denominator;
    Wide q = num / den;
    const Wide r = num % den;
    const Wide absR2 = (r < 0 ? -r : r) * 2;
    const Wide absDen = den < 0 ? -den : den;
    if (absR2 >= absDen)
        q += ((num < 0) != (den < 0)) ? -1 : 1;
    return qint64(q);
}

QString usdFixed(Nano nano, int decimals)
{
    qint64 unit = 1;
    for (int k = decimals; k < 9; ++k)
        unit *= 10;
    const qint64 rounded = divideRounded(nano, unit);
    const bool negative = rounded < 0;
    const quint64 magnitude = negative ? quint64(0) - quint64(rounded) : quint64(rounded);
    quint64 scaleUnit = 1;
    for (int k = 0; k < decimals; ++k)
        scaleUnit *= 10;
    QString text = QString::number(magnitude / scaleUnit);
    if (decimals > 0)
        text += QLatin1Char('.') + QString::number(magnitude % scaleUnit).rightJustified(decimals, QLatin1Char('0'));
    return negative ? QLatin1Char('-') + text : text;
}

} // namespace CostGov

#pragma once

#include <QString>
#include <QtGlobal>

#include <optional>
#include <string_view>

namespace CostGov {

/// 128-bit intermediate for exact money arithmetic (GCC and Clang).
__extension__ typedef __int128 Int128;

/// Money is integer nano-USD (1e-9 USD) everywhere: in memory and in the ledger.
using Nano = qint64;
inline constexpr Nano kNanoPerUsd = 1'000'000'000;

/// Parses a decimal number ("0.0249075", "-3", "2.5e-06", "12.5E+2") into an integer scaled by
/// 10^scale, rounding half away from zero. Never goes through a double. nullopt when the text is
/// not a number or the result does not fit in 64 bits.
std::optional<qint64> parseScaledDecimal(std::string_view text, int scale);

/// A USD amount in any decimal notation, as nano-USD.
inline std::optional<Nano> parseUsd(std::string_view text)
{
    return parseScaledDecimal(text, 9);
}

/// Exact decimal text of an integer scaled by 10^scale, trailing zeros trimmed ("0.49495074", "3").
QString scaledDecimalText(qint64 value, int scale);

/// Exact decimal USD text of a nano amount ("0.49495074").
inline QString usdText(Nano nano)
{
    return scaledDecimalText(nano, 9);
}

/// USD with a fixed number of decimals (rounded half away from zero), e.g. "1234.57".
QString usdFixed(Nano nano, int decimals);

/// Rounds a quotient half away from zero (for money divisions).
qint64 divideRounded(qint64 numerator, qint64 denominator);

} // namespace CostGov

#include "tokenprices.h"

#include <algorithm>
#include <limits>

namespace CostGov::Pricing {

std::optional<Nano> computeCost(const TokenPrices &prices, const TokenCounts &tokens, bool batch)
{
    if (tokens.isZero())
        return Nano(0);
    // The "cliff" rule: the highest tier whose start the whole prompt exceeds prices every token.
    const PriceTier *tier = nullptr;
    for (const PriceTier &t : prices.tiers)
        if (tokens.totalInput() > t.start)
            tier = &t;
    auto pick = [tier](const std::optional<PicoPerToken> &standard, std::optional<PicoPerToken> PriceTier::*tiered) {
        return tier && tier->*tiered ? tier->*tiered : standard;
    };
    std::optional<PicoPerToken> input = pick(prices.input, &PriceTier::input);
    std::optional<PicoPerToken> output = pick(prices.output, &PriceTier::output);
    if (batch) {
        if (prices.batchInput)
            input = prices.batchInput;
        if (prices.batchOutput)
            output = prices.batchOutput;
    }
    // Without a published cache price, cache reads and 5-minute writes cost what input costs and
    // 1-hour writes twice that (Anthropic's rule, the only provider that sells them).
    std::optional<PicoPerToken> cacheRead = pick(prices.cacheRead, &PriceTier::cacheRead);
    if (!cacheRead)
        cacheRead = input;
    std::optional<PicoPerToken> cacheWrite5m = pick(prices.cacheWrite5m, &PriceTier::cacheWrite5m);
    if (!cacheWrite5m)
        cacheWrite5m = input;
    std::optional<PicoPerToken> cacheWrite1h = pick(prices.cacheWrite1h, &PriceTier::cacheWrite1h);
    if (!cacheWrite1h && input)
        cacheWrite1h = *input * 2;

    Int128 pico = 0;
    auto add = [&pico](qint64 count, const std::optional<PicoPerToken> &price) {
        if (count == 0)
            return true;
        if (!price)
            return false;
        pico += Int128(count) * *price;
        return true;
    };
    if (!add(tokens.input, input) || !add(tokens.output, output) || !add(tokens.cacheRead, cacheRead)
        || !add(tokens.cacheWrite5m, cacheWrite5m) || !add(tokens.cacheWrite1h, cacheWrite1h))
        return std::nullopt;
    // pico -> nano, half away from zero
    Int128 nano = pico / 1000;
    const Int128 rest = pico % 1000;
    if (rest >= 500)
        nano += 1;
    else if (rest <= -500)
        nano -= 1;
    // Never wraps: a cost beyond int64 is clamped (and then out of any plausible bound).
    return Nano(std::clamp<Int128>(nano, std::numeric_limits<Nano>::min(), std::numeric_limits<Nano>::max()));
}

} // namespace CostGov::Pricing

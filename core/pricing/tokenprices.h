#pragma once

#include "common/money.h"
#include "common/usagerecord.h"

#include <QString>

#include <optional>
#include <vector>

namespace CostGov::Pricing {

/// A price per token in pico-USD (1e-12 USD): USD per million tokens times one million.
/// Every catalog price (down to $0.000001 per million tokens) is an exact integer in this unit.
using PicoPerToken = qint64;

/// Long-context prices: once a request's whole prompt (fresh input, cache reads and cache
/// writes) exceeds start tokens, every token of a kind this tier prices takes the tier's price.
struct PriceTier {
    qint64 start = 0;
    std::optional<PicoPerToken> input;
    std::optional<PicoPerToken> output;
    std::optional<PicoPerToken> cacheRead;
    std::optional<PicoPerToken> cacheWrite5m;
    std::optional<PicoPerToken> cacheWrite1h;

    bool operator==(const PriceTier &) const = default;
};

/// Per-token prices of one model. A missing price is nullopt, never zero.
struct TokenPrices {
    std::optional<PicoPerToken> input;
    std::optional<PicoPerToken> output;
    std::optional<PicoPerToken> cacheRead;
    std::optional<PicoPerToken> cacheWrite5m;
    std::optional<PicoPerToken> cacheWrite1h;
    std::optional<PicoPerToken> batchInput;
    std::optional<PicoPerToken> batchOutput;
    std::vector<PriceTier> tiers; ///< by ascending start

    bool operator==(const TokenPrices &) const = default;
};

/// One dated price of one model: applies from effectiveFromMs until a later entry of the same model.
struct PriceEntry {
    QString model;    ///< catalog key, e.g. "gpt-4o", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    QString provider; ///< provider name as the source gives it
    qint64 effectiveFromMs = 0;
    TokenPrices prices;
    QString source; ///< "manual", an imported file's name, or the feed ("genai-prices ...")
};

/// Cost of a request in nano-USD, rounded half away from zero from exact pico-USD arithmetic.
/// nullopt when a token kind the request used has no price. A request with no tokens costs 0.
std::optional<Nano> computeCost(const TokenPrices &prices, const TokenCounts &tokens, bool batch);

} // namespace CostGov::Pricing

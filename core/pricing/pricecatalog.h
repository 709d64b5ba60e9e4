#pragma once

#include "common/result.h"
#include "common/usagerecord.h"

#include <QByteArray>
#include <QHash>
#include <QString>
#include <QStringList>
#include <QVector>

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace CostGov::Pricing {

/// A price per token in pico-USD (1e-12 USD): USD per million tokens times one million.
/// Every catalog price (down to $0.005 per million tokens) is an exact integer in this unit.
using PicoPerToken = qint64;

/// Per-token prices of one model. A missing price is nullopt, never zero.
struct TokenPrices {
    std::optional<PicoPerToken> input;
    std::optional<PicoPerToken> output;
    std::optional<PicoPerToken> cacheRead;
    std::optional<PicoPerToken> cacheWrite5m;
    std::optional<PicoPerToken> cacheWrite1h;
    std::optional<PicoPerToken> batchInput;
    std::optional<PicoPerToken> batchOutput;
    /// Long-context tier: when a request reads more than this many tokens, the tier prices apply.
    qint64 tierThreshold = 0;
    std::optional<PicoPerToken> tierInput;
    std::optional<PicoPerToken> tierOutput;
    std::optional<PicoPerToken> tierCacheRead;
    std::optional<PicoPerToken> tierCacheWrite5m;

    bool operator==(const TokenPrices &) const = default;
};

/// One dated price of one model: applies from effectiveFromMs until a later entry of the same model.
struct PriceEntry {
    QString model;    ///< catalog key, e.g. "gpt-4o", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    QString provider; ///< LiteLLM provider name, informational
    qint64 effectiveFromMs = 0;
    TokenPrices prices;
    QString source; ///< "bundled", a file name, or "manual"
};

/// The dated price catalog with model-name matching across provider prefixes and dated aliases.
class PriceCatalog {
public:
    void add(const PriceEntry &entry);
    const QVector<PriceEntry> &entries() const { return m_entries; }
    bool isEmpty() const { return m_entries.isEmpty(); }

    /// The catalog key a model name resolves to, or an empty string. Tries the name as given, then
    /// lower case, without provider prefixes ("openai/", "bedrock/us-east-1/"), without Bedrock
    /// region and vendor prefixes ("us.", "anthropic."), version suffixes ("-v1:0", "@001") and
    /// date suffixes ("-2024-08-06", "-20250514").
    QString resolve(std::string_view model) const;

    /// The price in force for a model at a time, or nullptr.
    const PriceEntry *find(std::string_view model, qint64 tsMs) const;

private:
    QVector<PriceEntry> m_entries;
    QHash<QString, QVector<int>> m_byKey; // catalog key -> entry indices, oldest first
    struct TransparentHash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
    };
    /// The dated entries a model name resolves to, or nullptr.
    const QVector<int> *entriesFor(std::string_view model) const;
    // model name -> its entries in m_byKey (nullptr = none); looked up by string_view, so a hit
    // allocates nothing. Cleared whenever m_byKey changes.
    mutable std::unordered_map<std::string, const QVector<int> *, TransparentHash, std::equal_to<>> m_resolved;
};

/// Cost of a request in nano-USD, rounded half away from zero from exact pico-USD arithmetic.
/// nullopt when a token kind the request used has no price. A request with no tokens costs 0.
std::optional<Nano> computeCost(const TokenPrices &prices, const TokenCounts &tokens, bool batch);

/// What a catalog file yielded.
struct ParsedCatalog {
    QVector<PriceEntry> entries;
    QStringList skipped; ///< keys without per-token prices (images, audio, search...)
};

/// Parses a LiteLLM model_prices_and_context_window.json style document. Entries may carry an
/// "effective_from": "YYYY-MM-DD" of ours; otherwise effectiveFromMs applies.
Result<ParsedCatalog> parseLiteLlmCatalog(const QByteArray &json, qint64 effectiveFromMs, const QString &source);

/// The catalog shipped with the application (a LiteLLM-format JSON resource).
QByteArray bundledCatalogJson();

} // namespace CostGov::Pricing

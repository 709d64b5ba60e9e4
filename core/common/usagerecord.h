#pragma once

#include "money.h"

#include <QtGlobal>

#include <optional>
#include <string>

namespace CostGov {

/// Token counts, normalized: input excludes cache reads and cache writes; output includes
/// reasoning tokens. Cache writes are split by lifetime because they are priced differently.
struct TokenCounts {
    qint64 input = 0;
    qint64 output = 0;
    qint64 cacheRead = 0;
    qint64 cacheWrite5m = 0;
    qint64 cacheWrite1h = 0;

    qint64 cacheWrite() const { return cacheWrite5m + cacheWrite1h; }
    /// Everything the model read: fresh input plus cache reads and writes.
    qint64 totalInput() const { return input + cacheRead + cacheWrite(); }
    bool isZero() const { return input == 0 && output == 0 && cacheRead == 0 && cacheWrite() == 0; }
};

/// What one request can plausibly hold: tokens of one kind, and its cost ($100,000). A record
/// outside these bounds is quarantined, so that no sum in the ledger can wrap.
inline constexpr qint64 kMaxTokensPerKind = 1'000'000'000'000;
inline constexpr Nano kMaxRequestCost = 100'000 * kNanoPerUsd;

/// Where a record's cost came from.
enum class CostSource : quint8 {
    None = 0,     ///< unpriced: no reported cost and no catalog price
    Reported = 1, ///< the source reported it (LiteLLM spend, Claude Code costUSD, canonical cost_usd)
    Catalog = 2,  ///< computed at import from the price catalog
};

/// One LLM request as every reader produces it and the ledger stores it.
struct UsageRecord {
    qint64 tsMs = 0;      ///< request start, UTC epoch ms
    std::string identity; ///< stable identity within the reader's namespace (request id or content hash)
    std::string provider; ///< normalized provider name (openai, anthropic, aws.bedrock, gcp.vertex_ai, ...)
    std::string model;    ///< model that served the request
    std::string requestedModel;
    std::string team;
    std::string feature;
    std::string user;
    std::string environment;
    std::string project;
    std::string route;    ///< policy rule that chose the model (costgov-agent)
    std::string status;   ///< "success" or an error kind
    std::string tagsJson; ///< compact JSON object of everything else worth keeping; empty when none
    TokenCounts tokens;
    std::optional<Nano> reportedCost;
    std::optional<qint64> latencyMs;
    bool cacheHit = false; ///< answered from a gateway response cache (no provider call)
    bool batch = false;    ///< sent through a provider batch API (batch prices apply)
    bool error = false;

    // Filled by the import job.
    std::string source; ///< import source label (--source, or the format name)
    /// The team and feature the source gave, when an attribution rule replaced them.
    bool attributed = false;
    std::string sourceTeam;
    std::string sourceFeature;
    quint64 identityKey = 0; ///< stable hash of reader namespace and identity; never 0
    /// Dense numbers the import job gives each distinct combination of the dimensions above
    /// (user excluded) and each distinct user, so the writer resolves each once; 0 = not numbered.
    quint32 dimensionNumber = 0;
    quint32 userNumber = 0;
    std::optional<Nano> cost;
    CostSource costSource = CostSource::None;
};

} // namespace CostGov

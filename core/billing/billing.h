#pragma once

#include "common/money.h"
#include "common/result.h"

#include <QByteArray>
#include <QString>
#include <QVector>

#include <atomic>
#include <functional>
#include <optional>

namespace CostGov {
class Clock;
}

namespace CostGov::Storage {
class Ledger;
}

namespace CostGov::Billing {

enum class Provider { OpenAi, Anthropic };

QString providerName(Provider provider);  ///< "openai", "anthropic"
QString providerTitle(Provider provider); ///< "OpenAI", "Anthropic"
/// The environment variable headless use reads the admin key from.
QString keyVariable(Provider provider);

/// One row of a provider's cost report: what was billed in a time bucket.
struct BilledCost {
    qint64 bucketStartMs = 0;
    qint64 bucketEndMs = 0; ///< exclusive
    QString project;        ///< OpenAI project id, Anthropic workspace id; "" for none (default workspace)
    QString apiKey;         ///< "" when not grouped by key
    QString lineItem;       ///< OpenAI line_item, Anthropic description
    QString model;          ///< from the line item (OpenAI) or the model field (Anthropic); "" for non-model costs
    QString costType;       ///< Anthropic cost_type, or the line item's kind for OpenAI ("input", "output", ...)
    Nano amount = 0;
};

/// One page of a cost report.
struct CostPage {
    QVector<BilledCost> rows;
    int buckets = 0;
    std::optional<QString> nextPage; ///< nullopt: the last page
};

/// Pure parsers of the documented response shapes (see README "Provider billing"). A body that is
/// not the documented shape (a truncated one included) is an error naming what is wrong.
Result<CostPage> parseOpenAiCosts(const QByteArray &body);
Result<CostPage> parseAnthropicCostReport(const QByteArray &body);

/// One row of a provider's usage report: tokens by kind in a time bucket.
struct BilledUsage {
    qint64 bucketStartMs = 0;
    qint64 bucketEndMs = 0; ///< exclusive
    QString kind;           ///< completions, embeddings (OpenAI), messages (Anthropic)
    QString project;        ///< OpenAI project id, Anthropic workspace id
    QString apiKey;
    QString model;
    qint64 inputUncached = 0; ///< input without cache reads and writes
    qint64 cacheRead = 0;
    qint64 cacheWrite5m = 0; ///< OpenAI's cache writes count here
    qint64 cacheWrite1h = 0;
    qint64 output = 0;
    std::optional<qint64> requests; ///< OpenAI counts them; Anthropic's report does not
    qint64 webSearches = 0;
};

struct UsagePage {
    QVector<BilledUsage> rows;
    int buckets = 0;
    std::optional<QString> nextPage;
};

/// OpenAI's completions and embeddings usage (input_tokens include cached and cache-write tokens;
/// older responses without input_uncached_tokens are read as input - cached - cache write), and
/// Anthropic's messages usage (uncached_input_tokens exclude the cache; no request count).
Result<UsagePage> parseOpenAiUsage(const QByteArray &body, const QString &kind);
Result<UsagePage> parseAnthropicUsage(const QByteArray &body);

struct SyncOptions {
    Provider provider = Provider::OpenAi;
    QString baseUrl;               ///< scheme and host; empty: the provider's own
    QString key;                   ///< the admin key (never stored, logged or shown)
    std::optional<qint64> fromDay; ///< UTC day; default: the checkpoint less kRevisionDays, else 30 days back
    std::optional<qint64> toDay;   ///< inclusive; default today
    int maxAttempts = 5;           ///< per request, for 429, 5xx, timeouts, resets and truncated bodies
    int backoffMs = 500;           ///< first retry delay; doubles, with jitter
    int timeoutMs = 30'000;
    const std::atomic_bool *cancel = nullptr;
    std::function<void(const QString &)> progress;
};

struct SyncSummary {
    qint64 fromDay = 0, toDay = 0;
    int pages = 0;
    int buckets = 0;
    qint64 inserted = 0;
    qint64 replaced = 0; ///< rows of the same buckets stored before, replaced by this sync
    int retries = 0;
    Nano total = 0; ///< of the synced range
};

/// Days before the last synced day that every sync fetches again: providers revise recent buckets.
inline constexpr int kRevisionDays = 3;

/// Fetches the provider's cost report for the range (every page) and stores it in place of what
/// was stored for those buckets, in one transaction: a failed or cancelled sync changes nothing.
Result<SyncSummary> syncCosts(Storage::Ledger &ledger, const SyncOptions &options, const Clock &clock);

/// When the last sync of any provider finished (epoch ms), if one ever did.
std::optional<qint64> lastSyncMs(Storage::Ledger &ledger);

/// The same for the usage reports: OpenAI GET /v1/organization/usage/completions and
/// /usage/embeddings (grouped by model, project and API key), Anthropic GET
/// /v1/organizations/usage_report/messages (grouped by workspace, API key and model).
Result<SyncSummary> syncUsage(Storage::Ledger &ledger, const SyncOptions &options, const Clock &clock);

/// Reads the first page of the provider's cost report for yesterday and today, storing nothing:
/// whether the key and address work. Returns the buckets read.
Result<int> testConnection(const SyncOptions &options, const Clock &clock);

} // namespace CostGov::Billing

// Demo data: an organisation's LLM traffic, generated locally and stored like an import, so every
// page has something true to show before the user has logs of their own.
#include "demodata.h"

#include "common/timeutil.h"
#include "pricing/pricecatalog.h"
#include "storage/pricestore.h"

#include <cmath>
#include <functional>
#include <random>
#include <string>

namespace CostGov::Ingest {

namespace {

/// One kind of traffic: who sends it, to which model, how much and how large.
struct Workload {
    const char *team;
    const char *feature;
    const char *provider;
    const char *model;
    const char *environment;
    const char *project;
    double perDay;        ///< requests on a weekday
    double weekendFactor; ///< share of the weekday volume on Saturdays and Sundays
    double promptMean;    ///< prompt tokens (fresh input plus cache reads), mean
    double outputMean;
    double cachedShare; ///< of the prompt read from the provider's cache, when the request hits it
    const char *userPrefix;
    int users;
};

// The seed scenario first: a support chatbot on a frontier model ($15 / $75 per million tokens),
// ~16,900 requests a weekday at ~1,440 tokens: ~500,000 requests and ~$18,000 a month.
constexpr Workload kWorkloads[] = {
    {"customer-support", "support-chatbot", "anthropic", "claude-opus-4-20250514", "prod", "helpdesk", 16'900, 0.8,
     1'200, 240, 0, "customer-", 20'000},
    {"customer-support", "ticket-summary", "openai", "gpt-4o-mini", "prod", "helpdesk", 1'500, 0.3, 2'000, 150, 0,
     "agent-", 120},
    {"search", "semantic-search", "openai", "text-embedding-3-small", "prod", "site-search", 4'000, 0.7, 400, 0, 0,
     "visitor-", 50'000},
    {"search", "answer-synthesis", "anthropic", "claude-sonnet-4-6", "prod", "site-search", 2'500, 0.7, 3'000, 400, 0.5,
     "visitor-", 50'000},
    {"growth", "email-drafts", "openai", "gpt-4.1", "prod", "crm", 800, 0.1, 1'500, 600, 0, "marketer-", 25},
    {"data-science", "notebook-assistant", "openai", "gpt-5", "dev", "analytics", 300, 0.1, 4'000, 1'200, 0.3,
     "analyst-", 18},
    {"platform-eng", "code-review", "anthropic", "claude-sonnet-4-6", "staging", "ci", 600, 0.2, 8'000, 900, 0.7,
     "dev-", 60},
    {"platform-eng", "incident-triage", "gcp.gemini", "gemini-2.5-flash", "prod", "ops", 400, 0.6, 6'000, 500, 0,
     "oncall-", 12},
    {"legal-ops", "contract-review", "gcp.gemini", "gemini-2.5-pro", "prod", "contracts", 150, 0.0, 12'000, 1'500, 0,
     "counsel-", 8},
    // A model the catalog does not know: unpriced until someone adds its price.
    {"platform-eng", "eval-harness", "acme", "acme-large-2", "dev", "evals", 2, 1.0, 2'000, 400, 0, "dev-", 60},
};
// Every 45 days (on fixed calendar days, so loading again later regenerates the same history) a
// runaway email-drafts campaign job sends this many extra requests (~$1,200).
constexpr int kSpikeWorkload = 4;
constexpr qint64 kSpikeEveryDays = 45;
constexpr double kSpikeRequests = 150'000;

// Weekday of a day number: 0 Monday ... 6 Sunday (1970-01-01 was a Thursday).
int weekday(qint64 day)
{
    return int(((day % 7) + 7 + 3) % 7);
}

quint64 splitMix(quint64 x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

} // namespace

bool isSpikeDay(qint64 day, quint64 seed)
{
    return (day % kSpikeEveryDays + kSpikeEveryDays) % kSpikeEveryDays == qint64(seed % quint64(kSpikeEveryDays));
}

namespace {

class Generator {
public:
    Generator(const DemoOptions &options, const Pricing::PriceCatalog &catalog) : m_options(options), m_catalog(catalog)
    {}

    /// Appends the requests of one day that happened before nowMs, calling flush whenever out
    /// holds a batch. Each workload and day has its own random stream and every request its place
    /// in the day's plan, so a day's requests are the same whenever they are generated: loading
    /// again later adds just the new ones.
    Status day(qint64 day, qint64 nowMs, std::vector<UsageRecord> &out, const std::function<Status()> &flush)
    {
        const qint64 start = day * kMsPerDay;
        const bool weekend = weekday(day) >= 5;
        for (int w = 0; w < int(std::size(kWorkloads)); ++w) {
            const Workload &load = kWorkloads[w];
            m_rng.seed(splitMix(m_options.seed ^ splitMix(quint64(day) * 64 + quint64(w))));
            m_normal.reset(); // it may hold a value drawn from the previous stream
            double expected = load.perDay * (weekend ? load.weekendFactor : 1.0);
            if (w == kSpikeWorkload && isSpikeDay(day, m_options.seed))
                expected += kSpikeRequests;
            const auto count = qint64(std::llround(expected * std::normal_distribution<double>(1.0, 0.05)(m_rng)));
            for (qint64 i = 0; i < count; ++i) {
                const qint64 ts = start + qint64((double(i) + m_unit(m_rng)) * double(kMsPerDay) / double(count));
                if (ts >= nowMs)
                    break;
                out.push_back(request(load, w, day, i, ts));
                if (out.size() >= size_t(m_options.batchSize)) {
                    if (Status s = flush(); !s.ok())
                        return s;
                }
            }
        }
        return {};
    }

private:
    UsageRecord request(const Workload &load, int workload, qint64 day, qint64 index, qint64 tsMs)
    {
        UsageRecord r;
        r.tsMs = tsMs;
        r.identity = "demo-" + std::to_string(m_options.seed) + '-' + std::to_string(day) + '-'
            + std::to_string(workload) + '-' + std::to_string(index);
        r.provider = load.provider;
        r.model = load.model;
        r.team = load.team;
        r.feature = load.feature;
        r.environment = load.environment;
        r.project = load.project;
        r.status = "success";
        // Users are skewed: a few send much of the traffic.
        r.user = load.userPrefix + std::to_string(int(load.users * std::pow(m_unit(m_rng), 2.5)));
        const qint64 prompt = sample(load.promptMean, 0.5);
        // Cached workloads hit the provider's prompt cache 60 % of the time; Anthropic's misses write it.
        if (load.cachedShare > 0) {
            const auto cached = qint64(double(prompt) * load.cachedShare);
            if (m_unit(m_rng) < 0.6)
                r.tokens.cacheRead = cached;
            else if (r.provider == "anthropic")
                r.tokens.cacheWrite5m = cached;
        }
        r.tokens.input = prompt - r.tokens.cacheRead - r.tokens.cacheWrite5m;
        r.tokens.output = load.outputMean > 0 ? sample(load.outputMean, 0.6) : 0;
        r.latencyMs = 250 + r.tokens.output * 18;
        r.source = "demo";
        r.identityKey = identityKey(m_buffer, r.source, r.identity);
        priceRecord(m_catalog, r);
        return r;
    }

    // Log-normal with the given mean, never below one token.
    qint64 sample(double mean, double sigma)
    {
        const double mu = std::log(mean) - sigma * sigma / 2;
        return std::max<qint64>(1, qint64(std::exp(mu + sigma * m_normal(m_rng))));
    }

    const DemoOptions &m_options;
    const Pricing::PriceCatalog &m_catalog;
    std::mt19937_64 m_rng;
    std::uniform_real_distribution<double> m_unit{0.0, 1.0};
    std::normal_distribution<double> m_normal{0.0, 1.0};
    std::string m_buffer;
};

} // namespace

Result<ImportSummary> loadDemoData(Storage::Ledger &ledger, const DemoOptions &options, const Clock &clock)
{
    auto catalog = Storage::loadPriceCatalog(ledger);
    if (!catalog.ok())
        return catalog.error();
    const auto importId =
        beginImportRun(ledger, QStringLiteral("demo"),
                       {QStringLiteral("demo data (%1 days, seed %2)").arg(options.days).arg(options.seed)}, clock);
    if (!importId.ok())
        return importId.error();

    ImportSummary summary;
    summary.importId = *importId;
    const std::unique_ptr<Storage::RequestSink> sink = Storage::createSqliteRequestSink(ledger, clock);
    Generator generator(options, *catalog);
    const qint64 nowMs = clock.nowMs();
    const qint64 today = utcDay(nowMs);
    ImportProgress progress;
    progress.bytesTotal = options.days;
    Storage::ImportBatch batch;
    batch.importId = *importId;
    Status status;

    const std::function<Status()> flush = [&] {
        summary.totals.lines += qint64(batch.records.size());
        batch.progress = summary.totals;
        const auto outcome = sink->write(batch);
        if (!outcome.ok())
            return Status(outcome.error());
        summary.totals.imported += outcome->inserted;
        summary.totals.duplicates += outcome->duplicates;
        summary.totals.unpriced += outcome->unpriced;
        batch.records.clear();
        return Status();
    };
    for (int daysAgo = options.days - 1; daysAgo >= 0 && status.ok(); --daysAgo) {
        if (options.cancel && options.cancel->load()) {
            summary.cancelled = true;
            break;
        }
        status = generator.day(today - daysAgo, nowMs, batch.records, flush);
        progress.bytesDone = options.days - daysAgo;
        progress.lines = summary.totals.lines + qint64(batch.records.size());
        if (options.progress)
            options.progress(progress);
    }
    if (status.ok() && !batch.records.empty())
        status = flush();
    endImportRun(ledger, status, summary, clock);
    if (!status.ok())
        return status.error();
    return summary;
}

} // namespace CostGov::Ingest

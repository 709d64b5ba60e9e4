// The dated price catalog: per-token prices in pico-USD, matching across provider prefixes and
// dated aliases, effective dates, cache, tier and batch prices, unpriced as unknown (never $0);
// the genai-prices feed's match rules, tiers, dated and time-of-day prices; precedence of layers.
#include "support/testsupport.h"

#include "common/timeutil.h"
#include "pricing/pricecatalog.h"

#include <QTest>

using namespace CostGov;
using namespace CostGov::Pricing;
using CostGov::Test::readData;
using CostGov::Test::usd;

namespace {

PriceCatalog sampleCatalog()
{
    PriceCatalog catalog;
    const auto parsed = parseLiteLlmCatalog(readData(QStringLiteral("samples/prices.json")), 0, QStringLiteral("test"));
    if (!parsed.ok())
        qFatal("%s", qPrintable(parsed.error().message));
    for (const PriceEntry &e : parsed->entries)
        catalog.add(e);
    return catalog;
}

qint64 at(const char *date)
{
    return *parseTimestampMs(date);
}

std::shared_ptr<const PriceFeed> testFeed()
{
    // One model per rule kind, in the genai-prices v2 shape.
    auto feed =
        PriceFeed::parse(readData(QStringLiteral("prices/rules_feed.json")), QStringLiteral("genai-prices (test)"));
    if (!feed.ok())
        qFatal("%s", qPrintable(feed.error().message));
    return *feed;
}

PicoPerToken inputAt(const PriceCatalog &catalog, const char *provider, const char *model, qint64 ts)
{
    const PriceEntry *e = catalog.find(provider, model, ts);
    return e && e->prices.input ? *e->prices.input : -1;
}

} // namespace

class TestPricing : public QObject {
    Q_OBJECT

private slots:
    void parsesLiteLlmCatalog()
    {
        const auto parsed =
            parseLiteLlmCatalog(readData(QStringLiteral("samples/prices.json")), 0, QStringLiteral("test"));
        QVERIFY(parsed.ok());
        QCOMPARE(parsed->entries.size(), 37);
        const PriceEntry &gpt55 = parsed->entries[0];
        QCOMPARE(gpt55.model, QStringLiteral("gpt-5.5"));
        QCOMPARE(gpt55.provider, QStringLiteral("openai"));
        QCOMPARE(gpt55.prices.input, std::optional<PicoPerToken>(5'000'000)); // $5 per million
        QCOMPARE(gpt55.prices.output, std::optional<PicoPerToken>(30'000'000));
        QCOMPARE(gpt55.prices.cacheRead, std::optional<PicoPerToken>(500'000));
        QCOMPARE(gpt55.prices.batchInput, std::optional<PicoPerToken>(2'500'000));
        QCOMPARE(gpt55.prices.tiers.size(), size_t(1));
        QCOMPARE(gpt55.prices.tiers[0].start, qint64(272'000));
        QCOMPARE(gpt55.prices.tiers[0].input, std::optional<PicoPerToken>(10'000'000));
        const PriceCatalog catalog = sampleCatalog();
        const PriceEntry *nano = catalog.find("gpt-5-nano", 0);
        QCOMPARE(nano->prices.cacheRead, std::optional<PicoPerToken>(5'000)); // $0.005 per million, exact
        const PriceEntry *sonnet = catalog.find("claude-sonnet-4-6", 0);
        QCOMPARE(sonnet->prices.cacheWrite5m, std::optional<PicoPerToken>(3'750'000));
        QCOMPARE(sonnet->prices.cacheWrite1h, std::optional<PicoPerToken>(6'000'000));

        const QByteArray withImage =
            R"({"sample_spec":{"input_cost_per_token":1},"dall-e-3":{"output_cost_per_image":0.04},)"
            R"("m":{"input_cost_per_token":"1e-06","output_cost_per_token":2e-6,"effective_from":"2026-08-01"}})";
        const auto mixed = parseLiteLlmCatalog(withImage, 0, QStringLiteral("t"));
        QCOMPARE(mixed->entries.size(), 1);
        QCOMPARE(mixed->skipped, QStringList{QStringLiteral("dall-e-3")});
        QCOMPARE(mixed->entries[0].effectiveFromMs, at("2026-08-01"));
        QVERIFY(!parseLiteLlmCatalog("{\"m\":{\"input_cost_per_token\":\"cheap\"}}", 0, QString()).ok());
        QVERIFY(!parseLiteLlmCatalog("[1,2", 0, QString()).ok());
    }

    void matchesNames_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("key");
        QTest::newRow("exact") << "gpt-4o"
                               << "gpt-4o";
        QTest::newRow("dated alias in catalog") << "gpt-4o-2024-08-06"
                                                << "gpt-4o-2024-08-06";
        QTest::newRow("other date") << "gpt-4o-2024-11-20"
                                    << "gpt-4o";
        QTest::newRow("compact date") << "claude-haiku-4-5-20991231"
                                      << "claude-haiku-4-5";
        QTest::newRow("provider prefix") << "openai/gpt-4o-mini"
                                         << "gpt-4o-mini";
        QTest::newRow("two prefixes") << "bedrock/us-east-1/amazon.nova-pro-v1:0"
                                      << "amazon.nova-pro-v1:0";
        QTest::newRow("upper case") << "GPT-4o"
                                    << "gpt-4o";
        QTest::newRow("bedrock profile in catalog") << "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
                                                    << "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
        QTest::newRow("bedrock other region") << "eu.anthropic.claude-sonnet-4-5-20250929-v1:0"
                                              << "claude-sonnet-4-5";
        QTest::newRow("bedrock vendor id") << "anthropic.claude-haiku-4-5-20251001-v1:0"
                                           << "claude-haiku-4-5-20251001";
        QTest::newRow("vertex version") << "claude-opus-4-7@20260101"
                                        << "claude-opus-4-7";
        QTest::newRow("litellm provider key") << "mistral-large-2512"
                                              << "mistral/mistral-large-2512";
        QTest::newRow("gemini version suffix") << "gemini-2.5-flash-001"
                                               << "gemini-2.5-flash";
        QTest::newRow("unknown") << "acme-large-2"
                                 << "";
        QTest::newRow("unknown claude") << "claude-3-5-sonnet-20241022"
                                        << "";
    }
    void matchesNames()
    {
        QFETCH(QString, model);
        QFETCH(QString, key);
        QCOMPARE(sampleCatalog().resolve(model.toStdString()), key);
    }

    void computesCosts()
    {
        const PriceCatalog catalog = sampleCatalog();
        const TokenPrices &gpt4o = catalog.find("gpt-4o", 0)->prices;
        // The LiteLLM documentation row: (11243 - 5504) fresh, 5504 cached, 368 output.
        TokenCounts t;
        t.input = 11243 - 5504;
        t.cacheRead = 5504;
        t.output = 368;
        QCOMPARE(computeCost(gpt4o, t, false), std::optional<Nano>(usd("0.0249075")));
        // Batch prices where the catalog has them.
        QCOMPARE(computeCost(gpt4o, TokenCounts{1'000'000, 0, 0, 0, 0}, true), std::optional<Nano>(usd("1.25")));
        // The OpenTelemetry documentation span on claude-opus-4-7.
        const TokenPrices &opus = catalog.find("claude-opus-4-7", 0)->prices;
        QCOMPARE(computeCost(opus, TokenCounts{5478, 1193, 28372, 3032, 0}, false),
                 std::optional<Nano>(usd("0.090351")));
        // One-hour cache writes at their own price.
        const TokenPrices &sonnet = catalog.find("claude-sonnet-4-6", 0)->prices;
        QCOMPARE(computeCost(sonnet, TokenCounts{0, 0, 0, 0, 1'000'000}, false), std::optional<Nano>(usd("6")));
        // Long-context tier above 272k prompt tokens.
        const TokenPrices &gpt55 = catalog.find("gpt-5.5", 0)->prices;
        QCOMPARE(computeCost(gpt55, TokenCounts{272'000, 0, 0, 0, 0}, false), std::optional<Nano>(usd("1.36")));
        QCOMPARE(computeCost(gpt55, TokenCounts{272'001, 0, 0, 0, 0}, false), std::optional<Nano>(usd("2.72001")));
        // $0.005 per million is exactly 5 nano-USD a token.
        QCOMPARE(computeCost(catalog.find("gpt-5-nano", 0)->prices, TokenCounts{0, 0, 1, 0, 0}, false),
                 std::optional<Nano>(5));
        // Sub-nano amounts are summed exactly and rounded once, half away from zero: 2.5 nano a token.
        TokenPrices fractional;
        fractional.input = 2'500;
        fractional.output = 2'500;
        QCOMPARE(computeCost(fractional, TokenCounts{1, 0, 0, 0, 0}, false), std::optional<Nano>(3));
        QCOMPARE(computeCost(fractional, TokenCounts{1, 1, 0, 0, 0}, false), std::optional<Nano>(5));
        QCOMPARE(computeCost(fractional, TokenCounts{3, 0, 0, 0, 0}, false), std::optional<Nano>(8));
        // No price for a token kind used: unknown, not zero. No tokens: free.
        TokenPrices inputOnly;
        inputOnly.input = 1'000'000;
        QCOMPARE(computeCost(inputOnly, TokenCounts{10, 5, 0, 0, 0}, false), std::nullopt);
        QCOMPARE(computeCost(inputOnly, TokenCounts{}, false), std::optional<Nano>(0));
        // Without cache prices, cache reads cost what input costs.
        QCOMPARE(computeCost(inputOnly, TokenCounts{0, 0, 10, 0, 0}, false), std::optional<Nano>(10'000));
    }

    void datedPrices()
    {
        PriceCatalog catalog = sampleCatalog();
        PriceEntry cheaper = *catalog.find("gpt-4o", 0);
        cheaper.effectiveFromMs = at("2026-08-01");
        cheaper.prices.input = 1'000'000;
        catalog.add(cheaper);
        QCOMPARE(catalog.find("gpt-4o", at("2026-07-31T23:59:59.999Z"))->prices.input,
                 std::optional<PicoPerToken>(2'500'000));
        QCOMPARE(catalog.find("gpt-4o", at("2026-08-01"))->prices.input, std::optional<PicoPerToken>(1'000'000));
        // An alias follows its base model's dates.
        QCOMPARE(catalog.find("openai/gpt-4o", at("2026-09-01"))->prices.input, std::optional<PicoPerToken>(1'000'000));

        // A model priced only from a date has no price before it.
        PriceEntry fresh;
        fresh.model = QStringLiteral("newcomer");
        fresh.effectiveFromMs = at("2026-08-01");
        fresh.prices.input = 1;
        fresh.prices.output = 1;
        catalog.add(fresh);
        QVERIFY(!catalog.find("newcomer", at("2026-07-01")));
        QVERIFY(catalog.find("newcomer", at("2026-08-02")));
    }

    void feedMatchRules_data()
    {
        QTest::addColumn<QString>("provider");
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("id");
        QTest::newRow("equals") << "acme"
                                << "acme-eq"
                                << "eq";
        QTest::newRow("equals is whole") << "acme"
                                         << "acme-eq2"
                                         << "";
        QTest::newRow("starts_with") << "acme"
                                     << "acme-sw-2026"
                                     << "sw";
        QTest::newRow("ends_with") << "acme"
                                   << "acme-9-turbo"
                                   << "ew";
        QTest::newRow("contains") << "acme"
                                  << "acme-in-the-middle-1"
                                  << "ct";
        QTest::newRow("regex") << "acme"
                               << "acme-r42"
                               << "rx";
        QTest::newRow("regex anchored") << "acme"
                                        << "acme-r42b"
                                        << "";
        QTest::newRow("or, first clause") << "acme"
                                          << "alpha"
                                          << "or";
        QTest::newRow("or, second clause") << "acme"
                                           << "beta-7"
                                           << "or";
        QTest::newRow("and, both") << "acme"
                                   << "acme-x-large"
                                   << "and";
        QTest::newRow("and, one") << "acme"
                                  << "acme-x-small"
                                  << "";
        QTest::newRow("first rule in file order wins") << "acme"
                                                       << "acme-shadow"
                                                       << "first";
        QTest::newRow("names are matched in lower case") << "acme"
                                                         << "ACME-EQ"
                                                         << "eq";
        QTest::newRow("the provider picks among equal names") << "acme"
                                                              << "shared"
                                                              << "shared";
        QTest::newRow("the other provider") << "other"
                                            << "shared"
                                            << "shared-other";
        QTest::newRow("provider by its own rule") << "acme-cloud"
                                                  << "shared"
                                                  << "shared";
        QTest::newRow("fallback provider") << "other"
                                           << "acme-eq"
                                           << "eq";
        QTest::newRow("no provider: the model rule") << ""
                                                     << "acme-sw1"
                                                     << "sw";
        QTest::newRow("provider prefix") << ""
                                         << "acme/acme-eq"
                                         << "eq";
        QTest::newRow("unknown") << "acme"
                                 << "zeta"
                                 << "";
    }
    void feedMatchRules()
    {
        QFETCH(QString, provider);
        QFETCH(QString, model);
        QFETCH(QString, id);
        const auto feed = testFeed();
        const FeedModel *found = feed->find(provider.toStdString(), model.toStdString());
        QCOMPARE(found ? found->id : QString(), id);
    }

    void feedTiersDatesAndHours()
    {
        PriceCatalog catalog;
        catalog.setFeed(testFeed());
        const TokenPrices &tiered = catalog.find("acme", "acme-tier", 0)->prices;
        // At the tier's start, the base price; one token past it, every token at the tier's price.
        QCOMPARE(computeCost(tiered, TokenCounts{1000, 100, 0, 0, 0}, false), std::optional<Nano>(2'000'000));
        QCOMPARE(computeCost(tiered, TokenCounts{1001, 100, 0, 0, 0}, false), std::optional<Nano>(4'002'000));
        // Cache reads count toward the threshold (the whole prompt), and keep their own price.
        QCOMPARE(computeCost(tiered, TokenCounts{900, 0, 200, 0, 0}, false), std::optional<Nano>(1'820'000));

        // A dated change: history at the price of its day.
        QCOMPARE(inputAt(catalog, "acme", "acme-dated", at("2026-08-31T23:59:59.999Z")), 1'000'000);
        QCOMPARE(inputAt(catalog, "acme", "acme-dated", at("2026-09-01T00:00:00Z")), 2'000'000);
        // Off-peak: the standard price from 00:30 to 16:30 UTC, the first price outside it.
        QCOMPARE(inputAt(catalog, "acme", "acme-offpeak", at("2026-08-01T10:00:00Z")), 1'000'000);
        QCOMPARE(inputAt(catalog, "acme", "acme-offpeak", at("2026-08-01T00:30:00Z")), 1'000'000);
        QCOMPARE(inputAt(catalog, "acme", "acme-offpeak", at("2026-08-01T16:30:00Z")), 500'000);
        QCOMPARE(inputAt(catalog, "acme", "acme-offpeak", at("2026-08-01T12:00:00+02:00")), 1'000'000);
        QCOMPARE(inputAt(catalog, "acme", "acme-offpeak", at("2026-08-01T23:00:00Z")), 500'000);
    }

    void bundledCatalogNames_data()
    {
        QTest::addColumn<QString>("provider");
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("id");
        QTest::addColumn<QString>("inputPerMillion");
        QTest::newRow("claude code haiku") << "anthropic"
                                           << "claude-3-5-haiku-20241022"
                                           << "claude-3-5-haiku-latest"
                                           << "0.8";
        QTest::newRow("claude code opus 4.1") << "anthropic"
                                              << "claude-opus-4-1-20250805"
                                              << "claude-opus-4-1"
                                              << "15";
        QTest::newRow("anthropic prefix") << ""
                                          << "anthropic/claude-sonnet-4-5-20250929"
                                          << "claude-sonnet-4-5"
                                          << "3";
        QTest::newRow("bedrock US profile") << "aws.bedrock"
                                            << "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
                                            << "regional.anthropic.claude-sonnet-4-5-20250929-v1:0"
                                            << "3.3";
        QTest::newRow("bedrock global profile") << "aws.bedrock"
                                                << "global.anthropic.claude-sonnet-4-5-20250929-v1:0"
                                                << "global.anthropic.claude-sonnet-4-5-20250929-v1:0"
                                                << "3";
        QTest::newRow("bedrock prefix, no provider") << ""
                                                     << "bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0"
                                                     << "regional.anthropic.claude-sonnet-4-5-20250929-v1:0"
                                                     << "3.3";
        QTest::newRow("bedrock profile ARN")
            << "aws.bedrock"
            << "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0"
            << "regional.anthropic.claude-sonnet-4-5-20250929-v1:0"
            << "3.3";
        QTest::newRow("bedrock nova") << "aws.bedrock"
                                      << "amazon.nova-pro-v1:0"
                                      << "amazon.nova-pro-v1:0"
                                      << "0.8";
        QTest::newRow("claude on vertex: google's own entry") << "gcp.vertex_ai"
                                                              << "claude-sonnet-4-5@20250929"
                                                              << "claude-4-sonnet"
                                                              << "3";
        QTest::newRow("vertex prefix") << ""
                                       << "vertex_ai/gemini-2.5-pro"
                                       << "gemini-2.5-pro"
                                       << "1.25";
        QTest::newRow("openai dated alias") << "openai"
                                            << "gpt-4o-2024-08-06"
                                            << "gpt-4o"
                                            << "2.5";
        QTest::newRow("openai prefix") << ""
                                       << "openai/gpt-4o-mini"
                                       << "gpt-4o-mini"
                                       << "0.15";
        QTest::newRow("gemini") << "gcp.gemini"
                                << "gemini-2.5-flash"
                                << "gemini-2.5-flash"
                                << "0.3";
        QTest::newRow("unknown") << ""
                                 << "acme-large-2"
                                 << ""
                                 << "";
    }
    void bundledCatalogNames()
    {
        QFETCH(QString, provider);
        QFETCH(QString, model);
        QFETCH(QString, id);
        QFETCH(QString, inputPerMillion);
        const auto feed = bundledFeed();
        QVERIFY(feed);
        QCOMPARE(feed->modelCount(), 1466);
        const FeedModel *found = feed->find(provider.toStdString(), model.toStdString());
        QCOMPARE(found ? found->id : QString(), id);
        if (found)
            QCOMPARE(scaledDecimalText(*found->priceAt(at("2026-08-01")).prices.input, 6), inputPerMillion);
    }

    void handSetBeatsImportedBeatsCatalog()
    {
        PriceCatalog catalog;
        catalog.setFeed(bundledFeed());
        const qint64 t = at("2026-08-01");
        QCOMPARE(inputAt(catalog, "anthropic", "claude-sonnet-4-5-20250929", t), 3'000'000);
        QCOMPARE(PriceCatalog::layerOf(*catalog.find("anthropic", "claude-sonnet-4-5-20250929", t)),
                 PriceLayer::Catalog);
        PriceEntry imported;
        imported.model = QStringLiteral("claude-sonnet-4-5");
        imported.source = QStringLiteral("litellm.json");
        imported.prices.input = 2'000'000;
        imported.prices.output = 10'000'000;
        catalog.add(imported);
        QCOMPARE(inputAt(catalog, "anthropic", "claude-sonnet-4-5-20250929", t), 2'000'000);
        PriceEntry manual = imported;
        manual.source = QStringLiteral("manual");
        manual.prices.input = 1'000'000;
        manual.effectiveFromMs = at("2026-07-01");
        catalog.add(manual);
        QCOMPARE(inputAt(catalog, "anthropic", "claude-sonnet-4-5-20250929", t), 1'000'000);
        // Before the hand-set price's date, the next layer's price applies.
        QCOMPARE(inputAt(catalog, "anthropic", "claude-sonnet-4-5-20250929", at("2026-06-30")), 2'000'000);
        // The listing says which price is in use and what overrides the others.
        int overridden = 0;
        for (const CatalogRow &row : catalogRows(catalog, t, false)) {
            if (row.entry.model != QLatin1String("claude-sonnet-4-5"))
                continue;
            if (row.layer == PriceLayer::Manual) {
                QVERIFY(row.overriddenBy.isEmpty());
            } else {
                QCOMPARE(row.overriddenBy, QStringLiteral("manual"));
                ++overridden;
            }
        }
        QCOMPARE(overridden, 2); // the imported entry and the catalog's model
    }

    void malformedFeedsAreRefused_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("reason");
        QTest::newRow("not JSON") << QByteArray("[{\"id\":") << "not valid JSON";
        QTest::newRow("not a list") << QByteArray("{}") << "must be a list of providers";
        QTest::newRow("no models") << QByteArray(R"([{"id":"p"}])") << "providers[0] (p): a provider needs";
        QTest::newRow("no match") << QByteArray(R"([{"id":"p","models":[{"id":"m","prices":{"input_mtok":1}}]}])")
                                  << "providers[0] (p).models[0] (m): a model needs a \"match\"";
        QTest::newRow("bad regex") << QByteArray(
            R"([{"id":"p","models":[{"id":"m","match":{"regex":"*a"},"prices":{"input_mtok":1}}]}])")
                                   << "models[0] (m).match.regex: not a regular expression";
        QTest::newRow("unknown clause") << QByteArray(
            R"([{"id":"p","models":[{"id":"m","match":{"like":"x"},"prices":{"input_mtok":1}}]}])")
                                        << "unknown match clause \"like\"";
        QTest::newRow("price as text") << QByteArray(
            R"([{"id":"p","models":[{"id":"m","match":{"equals":"m"},"prices":{"input_mtok":"1"}}]}])")
                                       << "models[0] (m).prices.input_mtok: not a number";
        QTest::newRow("negative price") << QByteArray(
            R"([{"id":"p","models":[{"id":"m","match":{"equals":"m"},"prices":{"input_mtok":-1}}]}])")
                                        << "prices.input_mtok: not a price";
        QTest::newRow("bad date") << QByteArray(
            R"([{"id":"p","models":[{"id":"m","match":{"equals":"m"},"prices":[{"prices":{"input_mtok":1}},{"constraint":{"start_date":"2026-13-01"},"prices":{"input_mtok":2}}]}]}])")
                                  << "prices[1].constraint.start_date: not a YYYY-MM-DD date";
        QTest::newRow("bad tier") << QByteArray(
            R"([{"id":"p","models":[{"id":"m","match":{"equals":"m"},"prices":{"input_mtok":{"base":1}}}]}])")
                                  << "input_mtok: tiered prices need";
        QTest::newRow("nothing priced per token")
            << QByteArray(R"([{"id":"p","models":[{"id":"m","match":{"equals":"m"},"prices":{"requests_kcount":1}}]}])")
            << "prices no model per token";
    }
    void malformedFeedsAreRefused()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, reason);
        const auto feed = PriceFeed::parse(json, QStringLiteral("bad.json"));
        QVERIFY(!feed.ok());
        QVERIFY2(feed.error().message.contains(reason), qPrintable(feed.error().message));
    }
};

QTEST_GUILESS_MAIN(TestPricing)
#include "tst_pricing.moc"

// The dated price catalog: per-token prices in pico-USD, matching across provider prefixes and
// dated aliases, effective dates, cache, tier and batch prices, unpriced as unknown (never $0).
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
        QCOMPARE(gpt55.prices.tierThreshold, qint64(272'000));
        QCOMPARE(gpt55.prices.tierInput, std::optional<PicoPerToken>(10'000'000));
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
};

QTEST_GUILESS_MAIN(TestPricing)
#include "tst_pricing.moc"

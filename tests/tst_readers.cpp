// Every reader against every sample, with the totals of tests/data/samples/EXPECTED.md, plus the
// rejections bad lines get. Readers are pure: bytes in, records or reasons out.
#include "support/testsupport.h"

#include "common/timeutil.h"
#include "ingest/canonicalwriter.h"
#include "ingest/logreader.h"
#include "pricing/pricecatalog.h"

#include <QRandomGenerator>
#include <QTest>

#include <map>

using namespace CostGov;
using namespace CostGov::Ingest;
using CostGov::Test::readData;
using CostGov::Test::usd;

namespace {

struct Totals {
    qint64 records = 0, input = 0, output = 0, cacheRead = 0, cacheWrite = 0;
    Nano reported = 0;
    Nano computed = 0;
    qint64 unpriced = 0;
};

Pricing::PriceCatalog samplePrices()
{
    Pricing::PriceCatalog catalog;
    const auto parsed =
        Pricing::parseLiteLlmCatalog(readData(QStringLiteral("samples/prices.json")), 0, QStringLiteral("test"));
    for (const Pricing::PriceEntry &e : parsed->entries)
        catalog.add(e);
    return catalog;
}

/// Sums records; cost = reported cost, or computed from the sample prices like the importer does.
Totals sum(const std::vector<UsageRecord> &records, const Pricing::PriceCatalog &catalog)
{
    Totals t;
    for (const UsageRecord &r : records) {
        ++t.records;
        t.input += r.tokens.input;
        t.output += r.tokens.output;
        t.cacheRead += r.tokens.cacheRead;
        t.cacheWrite += r.tokens.cacheWrite();
        if (r.reportedCost) {
            t.reported += *r.reportedCost;
            continue;
        }
        const Pricing::PriceEntry *price = catalog.find(r.model, r.tsMs);
        const auto cost = price ? Pricing::computeCost(price->prices, r.tokens, r.batch) : std::nullopt;
        if (cost)
            t.computed += *cost;
        else if (!r.tokens.isZero())
            ++t.unpriced;
    }
    return t;
}

std::map<std::string, Nano> costBy(const std::vector<UsageRecord> &records, const Pricing::PriceCatalog &catalog,
                                   std::string UsageRecord::*field)
{
    std::map<std::string, Nano> out;
    for (const UsageRecord &r : records) {
        Nano cost = 0;
        if (r.reportedCost)
            cost = *r.reportedCost;
        else if (const Pricing::PriceEntry *price = catalog.find(r.model, r.tsMs))
            cost = Pricing::computeCost(price->prices, r.tokens, r.batch).value_or(0);
        out[r.*field] += cost;
    }
    return out;
}

} // namespace

class TestReaders : public QObject {
    Q_OBJECT

private slots:
    void liteLlmAllFramings_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("framing");
        QTest::newRow("/spend/logs array") << "samples/litellm_spend_logs.json" << int(Framing::JsonArray);
        QTest::newRow("JSONL export") << "litellm_spend_logs.jsonl" << int(Framing::Lines);
        QTest::newRow("CSV export") << "litellm_spend_logs.csv" << int(Framing::Csv);
    }
    void liteLlmAllFramings()
    {
        QFETCH(QString, file);
        QFETCH(int, framing);
        const ParsedFile parsed = parseBytes(Format::LiteLlm, Framing(framing), readData(file));
        QVERIFY2(parsed.error.isEmpty(), qPrintable(parsed.error));
        QCOMPARE(parsed.rejections.size(), size_t(0));
        const Totals t = sum(parsed.records, samplePrices());
        QCOMPARE(t.records, qint64(50));
        QCOMPARE(t.reported, usd("0.49495074"));
        QCOMPARE(t.computed, Nano(0)); // every row has its spend, including the $0 failures and cache hits
        // Tokens sent to providers: cache hits carry none.
        QCOMPARE(t.input + t.cacheRead + t.cacheWrite, qint64(323350));
        QCOMPARE(t.output, qint64(30348));

        int cacheHits = 0, failures = 0;
        for (const UsageRecord &r : parsed.records) {
            cacheHits += r.cacheHit;
            failures += r.error;
            if (r.cacheHit) {
                QVERIFY(r.tokens.isZero());
                QVERIFY(r.tagsJson.find("cached_prompt_tokens") != std::string::npos);
            }
        }
        QCOMPARE(cacheHits, 5);
        QCOMPARE(failures, 2);

        const auto byTeam = costBy(parsed.records, samplePrices(), &UsageRecord::team);
        QCOMPARE(byTeam.at("customer-support"), usd("0.2400628"));
        QCOMPARE(byTeam.at("data-science"), usd("0.08128604"));
        QCOMPARE(byTeam.at("platform-eng"), usd("0.1736019"));
        const auto byUser = costBy(parsed.records, samplePrices(), &UsageRecord::user);
        QCOMPARE(byUser.at("u-alice"), usd("0.1510993"));
        QCOMPARE(byUser.at("u-dave"), usd("0.1736019"));
        const auto byModel = costBy(parsed.records, samplePrices(), &UsageRecord::requestedModel);
        QCOMPARE(byModel.at("claude-sonnet-4-6"), usd("0.29746305"));
        QCOMPARE(byModel.at("text-embedding-3-small"), usd("0.00067232"));
        const auto byFeature = costBy(parsed.records, samplePrices(), &UsageRecord::feature);
        QCOMPARE(byFeature.at("chat"), usd("0.13158475"));
        QCOMPARE(byFeature.at("ci-review"), usd("0.1736019"));
        const auto byEnvironment = costBy(parsed.records, samplePrices(), &UsageRecord::environment);
        QCOMPARE(byEnvironment.at("prod"), usd("0.23238534"));
        QCOMPARE(byEnvironment.at("dev"), usd("0.0889635"));
        const auto byProvider = costBy(parsed.records, samplePrices(), &UsageRecord::provider);
        QVERIFY(byProvider.count("gcp.vertex_ai")); // custom_llm_provider vertex_ai, normalized

        // The spend of one documented row, and its token normalization (prompt includes cached).
        const auto row = std::find_if(parsed.records.begin(), parsed.records.end(), [](const UsageRecord &r) {
            return r.identity == "chatcmpl-ca291c8389ace1f05efdd4a8";
        });
        if (row != parsed.records.end()) {
            QCOMPARE(row->tokens.input, qint64(11243 - 5504));
            QCOMPARE(row->tokens.cacheRead, qint64(5504));
            QCOMPARE(*row->reportedCost, usd("0.0249075"));
        }
    }

    void liteLlmZeroSpendIsUnpricedNotFree()
    {
        // LiteLLM writes spend 0 when it has no price for a model: that must not become $0.
        const QByteArray line =
            R"({"request_id":"r1","startTime":"2026-07-08T10:00:00Z","spend":0.0,"prompt_tokens":100,)"
            R"("completion_tokens":20,"model":"brand-new-model","status":"success","cache_hit":"False"})";
        const ParsedFile parsed = parseBytes(Format::LiteLlm, Framing::Lines, line);
        QCOMPARE(parsed.records.size(), size_t(1));
        QVERIFY(!parsed.records[0].reportedCost);
    }

    void otelSpans()
    {
        const ParsedFile parsed =
            parseBytes(Format::Otel, Framing::Lines, readData(QStringLiteral("samples/otel_genai_spans.jsonl")));
        QCOMPARE(parsed.rejections.size(), size_t(0));
        QCOMPARE(parsed.skipped, 2);                 // the execute_tool span and the HTTP server span
        QCOMPARE(parsed.records.size(), size_t(28)); // 27 with usage + the error span
        const Totals t = sum(parsed.records, samplePrices());
        QCOMPARE(t.input + t.cacheRead + t.cacheWrite, qint64(384853));
        QCOMPARE(t.cacheRead, qint64(275591));
        QCOMPARE(t.cacheWrite, qint64(19650));
        QCOMPARE(t.input, qint64(89612));
        QCOMPARE(t.output, qint64(25549));
        QCOMPARE(t.computed, usd("0.54537847"));
        QCOMPARE(t.unpriced, qint64(0));

        const auto byFeature = costBy(parsed.records, samplePrices(), &UsageRecord::feature); // service.name
        QCOMPARE(byFeature.at("support-bot"), usd("0.14977616"));
        QCOMPARE(byFeature.at("analytics-worker"), usd("0.04168859"));
        QCOMPARE(byFeature.at("code-review-agent"), usd("0.35391372"));
        const auto byTeam = costBy(parsed.records, samplePrices(), &UsageRecord::team); // service.namespace
        QCOMPARE(byTeam.at("customer-support"), usd("0.14977616"));
        const auto byProvider = costBy(parsed.records, samplePrices(), &UsageRecord::provider);
        QCOMPARE(byProvider.at("anthropic"), usd("0.3997119"));
        QCOMPARE(byProvider.at("openai"), usd("0.03378291"));
        QCOMPARE(byProvider.at("aws.bedrock"), usd("0.09365697"));
        QCOMPARE(byProvider.at("gcp.vertex_ai"), usd("0.01822669")); // legacy gen_ai.system "vertex_ai" mapped
        const auto errors =
            std::count_if(parsed.records.begin(), parsed.records.end(), [](const UsageRecord &r) { return r.error; });
        QCOMPARE(errors, 1);
    }

    void otelBase64IdsAndNumbers()
    {
        // Protobuf's generic JSON mapping: base64 ids and int64 as numbers.
        const QByteArray line =
            R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"JjB4paVYY4ab1Fq7aN7xWg==","spanId":"gFUcEnlI+mE=",)"
            R"("startTimeUnixNano":1783501254169393000,"endTimeUnixNano":1783501255169393000,"attributes":[)"
            R"({"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},)"
            R"({"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},)"
            R"({"key":"gen_ai.usage.input_tokens","value":{"intValue":100}}]}]}],)"
            R"("resource":{"attributes":[{"key":"service.name","value":{"stringValue":"late-resource"}}]}}]})";
        const ParsedFile parsed = parseBytes(Format::Otel, Framing::Lines, line);
        QCOMPARE(parsed.records.size(), size_t(1));
        const UsageRecord &r = parsed.records[0];
        QCOMPARE(QString::fromStdString(r.identity),
                 QStringLiteral("263078a5a55863869bd45abb68def15a:80551c127948fa61"));
        QCOMPARE(r.latencyMs.value_or(-1), qint64(1000));
        QCOMPARE(r.tokens.input, qint64(100));
        QCOMPARE(QString::fromStdString(r.feature), QStringLiteral("late-resource")); // resource after spans
        QCOMPARE(QString::fromStdString(r.provider), QStringLiteral("openai"));
    }

    void claudeCodeSession()
    {
        const ParsedFile parsed = parseBytes(Format::ClaudeCode, Framing::Lines,
                                             readData(QStringLiteral("samples/claude_code_session.jsonl")));
        QCOMPARE(parsed.rejections.size(), size_t(0));
        QCOMPARE(parsed.skipped, 17); // 16 lines without usage + the <synthetic> placeholder
        // 15 assistant records with usage; 3 repeat an earlier message id + request id.
        QCOMPARE(parsed.records.size(), size_t(15));
        std::map<std::string, const UsageRecord *> unique;
        for (const UsageRecord &r : parsed.records)
            unique.emplace(r.identity, &r);
        QCOMPARE(unique.size(), size_t(12));
        Totals t;
        for (const auto &[id, r] : unique) {
            t.input += r->tokens.input;
            t.output += r->tokens.output;
            t.cacheRead += r->tokens.cacheRead;
            t.cacheWrite += r->tokens.cacheWrite();
            t.reported += r->reportedCost.value_or(0);
            // costUSD equals tokens x catalog prices in this sample
            const Pricing::PriceCatalog catalog = samplePrices();
            QCOMPARE(*Pricing::computeCost(catalog.find(r->model, r->tsMs)->prices, r->tokens, false),
                     *r->reportedCost);
            QCOMPARE(QString::fromStdString(r->user), QStringLiteral("alice"));
            QCOMPARE(QString::fromStdString(r->project), QStringLiteral("billing-importer"));
        }
        QCOMPARE(t.input, qint64(5607));
        QCOMPARE(t.output, qint64(17682));
        QCOMPARE(t.cacheWrite, qint64(31285));
        QCOMPARE(t.cacheRead, qint64(701397));
        QCOMPARE(t.reported, usd("0.96415485"));
    }

    void bedrockLogs()
    {
        const ParsedFile parsed = parseBytes(Format::Bedrock, Framing::Lines,
                                             readData(QStringLiteral("samples/bedrock_invocation_logs.jsonl")));
        QCOMPARE(parsed.rejections.size(), size_t(0));
        const Totals t = sum(parsed.records, samplePrices());
        QCOMPARE(t.records, qint64(20));
        QCOMPARE(t.input, qint64(78315));
        QCOMPARE(t.cacheRead, qint64(102571));
        QCOMPARE(t.cacheWrite, qint64(5756));
        QCOMPARE(t.output, qint64(21609));
        QCOMPARE(t.computed, usd("0.37678721"));
        const auto byTeam = costBy(parsed.records, samplePrices(), &UsageRecord::team);
        QCOMPARE(byTeam.at("support"), usd("0.124642275"));
        QCOMPARE(byTeam.at("analytics"), usd("0.14676578"));
        QCOMPARE(byTeam.at(""), usd("0.105379155")); // untagged records are kept
        const auto byModel = costBy(parsed.records, samplePrices(), &UsageRecord::model);
        QCOMPARE(byModel.at("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), usd("0.33501963"));
        QVERIFY(parsed.records[0].tagsJson.find("\"role\":\"support-bot-role\"") != std::string::npos);
    }

    void canonicalSample()
    {
        const ParsedFile parsed =
            parseBytes(Format::Canonical, Framing::Lines, readData(QStringLiteral("canonical_sample.jsonl")));
        QCOMPARE(parsed.records.size(), size_t(8));
        QCOMPARE(parsed.rejections.size(), size_t(4));
        QCOMPARE(parsed.rejections[0].first, qint64(10));
        QVERIFY(parsed.rejections[0].second.startsWith(QLatin1String("invalid JSON")));
        QCOMPARE(parsed.rejections[1].first, qint64(11));
        QCOMPARE(parsed.rejections[1].second, QStringLiteral("field 'input_tokens': must not be negative"));
        QCOMPARE(parsed.rejections[2].second, QStringLiteral("missing field 'model'"));
        QCOMPARE(parsed.rejections[3].second, QStringLiteral("field 'ts': not an RFC 3339 timestamp"));

        const UsageRecord &offset = parsed.records[2];
        QCOMPARE(offset.tsMs, *parseTimestampMs("2026-07-10T09:10:00Z")); // +02:00 stored as UTC
        QCOMPARE(offset.tokens.cacheWrite5m, qint64(1000));
        QCOMPARE(offset.tokens.cacheWrite1h, qint64(200));
        QCOMPARE(QString::fromStdString(offset.provider), QStringLiteral("anthropic")); // from the model name
        QVERIFY(QString::fromStdString(offset.identity).startsWith(QLatin1String("content:")));
        QCOMPARE(QString::fromStdString(offset.route), QStringLiteral("long-context"));

        const UsageRecord &tagged = parsed.records[3];
        QCOMPARE(QString::fromStdString(tagged.tagsJson),
                 QStringLiteral(R"({"ticket":"T-17","priority":2,"experiment":"b","score":0.75})"));
        QVERIFY(parsed.records[4].cacheHit);
        QVERIFY(parsed.records[6].error);
        QVERIFY(!parsed.records[0].error);
        QCOMPARE(*parsed.records[0].reportedCost, usd("0.0045"));
    }

    void canonicalWriterAndReaderAgree()
    {
        UsageRecord written;
        written.tsMs = *parseTimestampMs("2026-07-10T09:00:00.123Z");
        written.identity = "cg-1";
        written.provider = "anthropic";
        written.model = "claude-sonnet-4-5";
        written.requestedModel = "claude-haiku-4-5";
        written.team = "support";
        written.feature = "chat \"bot\"";
        written.route = "long-context";
        written.status = "429";
        written.tokens = {900, 500, 100, 40, 10};
        written.latencyMs = 812;
        written.reportedCost = usd("0.0123");
        written.cacheHit = true;
        written.tagsJson = R"({"prompt_hash":"ab12","tools":false})";
        const QByteArray line = Ingest::canonicalLine(written);
        QVERIFY(line.endsWith('\n') && line.count('\n') == 1);

        const ParsedFile parsed = parseBytes(Format::Canonical, Framing::Lines, line);
        QCOMPARE(parsed.records.size(), size_t(1));
        const UsageRecord &read = parsed.records[0];
        QCOMPARE(read.tsMs, written.tsMs);
        QCOMPARE(read.identity, written.identity);
        QCOMPARE(read.provider, written.provider);
        QCOMPARE(read.model, written.model);
        QCOMPARE(read.requestedModel, written.requestedModel);
        QCOMPARE(read.team, written.team);
        QCOMPARE(read.feature, written.feature);
        QCOMPARE(read.route, written.route);
        QCOMPARE(read.status, written.status);
        QVERIFY(read.error);
        QCOMPARE(read.tokens.input, written.tokens.input);
        QCOMPARE(read.tokens.output, written.tokens.output);
        QCOMPARE(read.tokens.cacheRead, written.tokens.cacheRead);
        QCOMPARE(read.tokens.cacheWrite5m, written.tokens.cacheWrite5m);
        QCOMPARE(read.tokens.cacheWrite1h, written.tokens.cacheWrite1h);
        QCOMPARE(read.latencyMs, written.latencyMs);
        QCOMPARE(read.reportedCost, written.reportedCost);
        QVERIFY(read.cacheHit);
        QCOMPARE(read.tagsJson, written.tagsJson);
    }

    void canonicalCsv()
    {
        const QByteArray csv = "ts,request_id,model,input_tokens,output_tokens,team,cache_hit,tags,extra\n"
                               "2026-07-10T09:00:00Z,r1,gpt-4o,100,10,\"support, tier 1\",True,\"{\"\"k\"\":1}\",x\n"
                               "2026-07-10T09:01:00Z,r2,gpt-4o,abc,10,support,,,\n"
                               "2026-07-10T09:02:00Z,r3,gpt-4o,1,1\n";
        const ParsedFile parsed = parseBytes(Format::Canonical, Framing::Csv, csv);
        QCOMPARE(parsed.records.size(), size_t(1));
        QCOMPARE(QString::fromStdString(parsed.records[0].team), QStringLiteral("support, tier 1"));
        QVERIFY(parsed.records[0].cacheHit);
        QCOMPARE(QString::fromStdString(parsed.records[0].tagsJson), QStringLiteral(R"({"k":1,"extra":"x"})"));
        QCOMPARE(parsed.rejections.size(), size_t(2));
        QCOMPARE(parsed.rejections[0].second, QStringLiteral("field 'input_tokens': expected an integer"));
        QCOMPARE(parsed.rejections[1].second, QStringLiteral("expected 9 CSV cells, found 5"));
        QVERIFY(!parseBytes(Format::Canonical, Framing::Csv, "a,b\n1,2\n").error.isEmpty()); // no ts/model columns
    }

    void rejectsWithReasons_data()
    {
        QTest::addColumn<int>("format");
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<QString>("reason");
        QTest::newRow("not json") << int(Format::Canonical) << QByteArray("hello") << "invalid JSON";
        QTest::newRow("array line") << int(Format::Canonical) << QByteArray("[1,2]") << "expected a JSON object";
        QTest::newRow("trailing text") << int(Format::Canonical) << QByteArray(R"({"ts":"2026-07-10","model":"m"} x)")
                                       << "invalid JSON";
        QTest::newRow("float tokens") << int(Format::Canonical)
                                      << QByteArray(R"({"ts":"2026-07-10","model":"m","output_tokens":1.5})")
                                      << "field 'output_tokens': expected an integer";
        QTest::newRow("bad cost") << int(Format::Canonical)
                                  << QByteArray(R"({"ts":"2026-07-10","model":"m","cost_usd":"lots"})")
                                  << "field 'cost_usd': expected a decimal USD amount";
        QTest::newRow("tags not object") << int(Format::Canonical)
                                         << QByteArray(R"({"ts":"2026-07-10","model":"m","tags":[1]})")
                                         << "field 'tags': expected a JSON object";
        QTest::newRow("future version") << int(Format::Canonical)
                                        << QByteArray(R"({"v":2,"ts":"2026-07-10","model":"m"})")
                                        << "field 'v': unsupported record version (this program reads version 1)";
        QTest::newRow("litellm no start")
            << int(Format::LiteLlm) << QByteArray(R"({"request_id":"x","spend":0.1})") << "missing field 'startTime'";
        QTest::newRow("litellm cached > prompt")
            << int(Format::LiteLlm)
            << QByteArray(R"({"request_id":"x","startTime":"2026-07-08T10:00:00Z","spend":0.1,"prompt_tokens":5,)"
                          R"("metadata":{"additional_usage_values":{"cache_read_input_tokens":9}}})")
            << "prompt_tokens (5) is smaller than its cached tokens (9)";
        QTest::newRow("otel not export") << int(Format::Otel) << QByteArray(R"({"spans":[]})")
                                         << "missing field 'resourceSpans' (not an OTLP trace export)";
        QTest::newRow("bedrock no model")
            << int(Format::Bedrock) << QByteArray(R"({"timestamp":"2026-07-09T06:00:27Z","requestId":"a"})")
            << "missing field 'modelId'";
        QTest::newRow("claude bad tokens")
            << int(Format::ClaudeCode)
            << QByteArray(
                   R"({"type":"assistant","timestamp":"2025-07-15T13:05:10Z","message":{"id":"m","model":"claude-sonnet-4-20250514",)"
                   R"("usage":{"input_tokens":"many"}}})")
            << "field 'message.usage.input_tokens': expected an integer";
    }
    void rejectsWithReasons()
    {
        QFETCH(int, format);
        QFETCH(QByteArray, line);
        QFETCH(QString, reason);
        const ParsedFile parsed = parseBytes(Format(format), Framing::Lines, line + '\n');
        QCOMPARE(parsed.records.size(), size_t(0));
        QCOMPARE(parsed.rejections.size(), size_t(1));
        QVERIFY2(parsed.rejections[0].second.startsWith(reason), qPrintable(parsed.rejections[0].second));
    }

    void truncatedArrayIsRejectedNotLost()
    {
        QByteArray json = readData(QStringLiteral("samples/litellm_spend_logs.json"));
        json.truncate(json.lastIndexOf("\"request_id\"") + 20); // cut inside the last element
        const ParsedFile parsed = parseBytes(Format::LiteLlm, Framing::JsonArray, json);
        QCOMPARE(parsed.records.size(), size_t(49));
        QCOMPARE(parsed.rejections.size(), size_t(1));
    }

    void garbageNeverCrashes()
    {
        // Mutated sample lines of every format: each element ends as records, a skip or a reason.
        const QList<std::pair<Format, QString>> samples{
            {Format::Canonical, QStringLiteral("canonical_sample.jsonl")},
            {Format::LiteLlm, QStringLiteral("litellm_spend_logs.jsonl")},
            {Format::Otel, QStringLiteral("samples/otel_genai_spans.jsonl")},
            {Format::ClaudeCode, QStringLiteral("samples/claude_code_session.jsonl")},
            {Format::Bedrock, QStringLiteral("samples/bedrock_invocation_logs.jsonl")}};
        QRandomGenerator random(20261126);
        for (const auto &[format, file] : samples) {
            const QList<QByteArray> lines = readData(file).split('\n');
            for (int round = 0; round < 300; ++round) {
                QByteArray line = lines[random.bounded(int(lines.size()))];
                if (line.isEmpty())
                    continue;
                const int edits = 1 + random.bounded(4);
                for (int e = 0; e < edits; ++e) {
                    const int pos = random.bounded(int(line.size()));
                    switch (random.bounded(3)) {
                    case 0:
                        line[pos] = char(random.bounded(256));
                        break;
                    case 1:
                        line.truncate(pos);
                        break;
                    default:
                        line.insert(pos, "\"{[,:");
                    }
                    if (line.isEmpty())
                        break;
                }
                line.replace('\n', ' ');
                const ParsedFile parsed = parseBytes(format, Framing::Lines, line + '\n');
                QVERIFY(parsed.records.size() + parsed.rejections.size() + size_t(parsed.skipped)
                        >= (line.trimmed().isEmpty() ? 0u : 1u));
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestReaders)
#include "tst_readers.moc"

// The genai-prices catalog as a user meets it through costgovctl: logs priced on first import,
// `prices update` from a local HTTP server (the diff printed, history re-rated, a bad file refused
// with the old catalog kept), a genai-prices file imported above the catalog.
#include "support/fakeprovider.h"
#include "support/testsupport.h"

#include "common/money.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

using namespace CostGov;
using CostGov::Test::CtlRun;
using CostGov::Test::FakeProvider;
using CostGov::Test::HttpReply;
using CostGov::Test::HttpRequest;
using CostGov::Test::runCtl;
using CostGov::Test::runCtlServing;
using CostGov::Test::TempDir;
using CostGov::Test::usd;

namespace {

Nano totalCost(const QString &db)
{
    const CtlRun run = runCtl(
        {QStringLiteral("--db"), db, QStringLiteral("report"), QStringLiteral("--format"), QStringLiteral("json")});
    return QJsonDocument::fromJson(run.out)
        .object()[QStringLiteral("totals")]
        .toObject()[QStringLiteral("cost_nano")]
        .toInteger();
}

} // namespace

class TestPriceUpdate : public QObject {
    Q_OBJECT

private slots:
    void samplesArePricedOnFirstImport()
    {
        // Claude Code, LiteLLM, OpenTelemetry and Bedrock logs with current model names: nothing
        // unpriced with the bundled catalog alone.
        TempDir dir;
        const QString db = dir.ledgerPath();
        for (const char *sample : {"claude_code_session.jsonl", "litellm_spend_logs.json", "otel_genai_spans.jsonl",
                                   "bedrock_invocation_logs.jsonl"}) {
            const CtlRun run = runCtl({QStringLiteral("--db"), db, QStringLiteral("import"),
                                       Test::dataPath(QStringLiteral("samples/") + QLatin1String(sample))});
            QCOMPARE(run.exitCode, 0);
        }
        const CtlRun unpriced =
            runCtl({QStringLiteral("--db"), db, QStringLiteral("prices"), QStringLiteral("--unpriced")});
        QVERIFY2(unpriced.out.contains("Every request has a price."), unpriced.out.constData());
        // The Bedrock US profile costs 10 % more than Anthropic's own price: the record's provider decides.
        const CtlRun bedrock =
            runCtl({QStringLiteral("--db"), db, QStringLiteral("report"), QStringLiteral("--by"),
                    QStringLiteral("model"), QStringLiteral("--where"), QStringLiteral("source=bedrock"),
                    QStringLiteral("--format"), QStringLiteral("json")});
        bool found = false;
        for (const QJsonValue &row : QJsonDocument::fromJson(bedrock.out).object()[QStringLiteral("rows")].toArray()) {
            if (row[QStringLiteral("model")].toString()
                == QLatin1String("us.anthropic.claude-sonnet-4-5-20250929-v1:0")) {
                QCOMPARE(row[QStringLiteral("cost_nano")].toInteger(), usd("0.33501963")); // EXPECTED.md, at 3.3 / 16.5
                found = true;
            }
        }
        QVERIFY(found);
    }

    void updateFromALocalServer()
    {
        TempDir dir;
        const QString db = dir.ledgerPath();
        const QString log = dir.write(
            QStringLiteral("agent.jsonl"),
            R"({"ts":"2026-07-10T09:00:00Z","request_id":"u1","provider":"anthropic","model":"claude-sonnet-4-5-20250929","input_tokens":100000,"output_tokens":0})"
            "\n");
        QCOMPARE(runCtl({QStringLiteral("--db"), db, QStringLiteral("import"), log}).exitCode, 0);
        QCOMPARE(totalCost(db), usd("0.3")); // 100,000 tokens: under the 200,000-token tier

        FakeProvider server;
        const QByteArray feed = Test::changedBundledCatalog();
        server.handler = [&feed](const HttpRequest &request) {
            if (request.path == QLatin1String("/data.json"))
                return HttpReply(200, feed, {{"Content-Type", "application/json"}});
            if (request.path == QLatin1String("/cut.json"))
                return HttpReply(200, feed.left(feed.size() / 2));
            return HttpReply(404, "not here");
        };

        // A file cut in half: refused with the reason, the catalog in use unchanged.
        CtlRun run = runCtlServing({QStringLiteral("--db"), db, QStringLiteral("prices"), QStringLiteral("update"),
                                    QStringLiteral("--from"), server.baseUrl() + QStringLiteral("/cut.json")});
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains("not valid JSON") && run.err.contains("the catalog in use is unchanged"),
                 run.err.constData());
        run = runCtlServing({QStringLiteral("--db"), db, QStringLiteral("prices"), QStringLiteral("update"),
                             QStringLiteral("--from"), server.baseUrl() + QStringLiteral("/gone.json")});
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains("answered HTTP 404"), run.err.constData());
        QCOMPARE(totalCost(db), usd("0.3"));

        // --dry-run shows the differences and changes nothing.
        const QString url = server.baseUrl() + QStringLiteral("/data.json");
        run = runCtlServing({QStringLiteral("--db"), db, QStringLiteral("prices"), QStringLiteral("update"),
                             QStringLiteral("--from"), url, QStringLiteral("--dry-run")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.contains("1 models added, 1 prices changed, 0 models removed"), run.out.constData());
        QVERIFY(run.out.contains("Nothing applied"));
        QCOMPARE(totalCost(db), usd("0.3"));

        // The update: the diff with old and new prices, history re-rated.
        run = runCtlServing({QStringLiteral("--db"), db, QStringLiteral("prices"), QStringLiteral("update"),
                             QStringLiteral("--from"), url});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.contains("  + anthropic/claude-opus-9: input 4 output 20"), run.out.constData());
        QVERIFY2(run.out.contains("  ~ anthropic/claude-sonnet-4-5: input 3 output 15"), run.out.constData());
        QVERIFY2(run.out.contains("      now input 2.5 output 15"), run.out.constData());
        QVERIFY2(run.out.contains("Re-rated 1 requests: 1 changed"), run.out.constData());
        QCOMPARE(totalCost(db), usd("0.25"));
        // Where the price comes from, and since when.
        run = runCtl({QStringLiteral("--db"), db, QStringLiteral("prices"), QStringLiteral("--model"),
                      QStringLiteral("claude-sonnet-4-5"), QStringLiteral("--format"), QStringLiteral("json")});
        const QJsonArray rows = QJsonDocument::fromJson(run.out).object()[QStringLiteral("prices")].toArray();
        QVERIFY(!rows.isEmpty());
        const QJsonObject sonnet = rows.first().toObject();
        QCOMPARE(sonnet[QStringLiteral("model")].toString(), QStringLiteral("claude-sonnet-4-5"));
        QVERIFY2(sonnet[QStringLiteral("source")].toString().startsWith(QStringLiteral("genai-prices (updated ")),
                 qPrintable(sonnet[QStringLiteral("source")].toString()));
        QCOMPARE(sonnet[QStringLiteral("layer")].toString(), QStringLiteral("catalog"));
        QCOMPARE(sonnet[QStringLiteral("input_usd_per_mtok")].toDouble(), 2.5);
        // The same file again changes nothing.
        run = runCtlServing({QStringLiteral("--db"), db, QStringLiteral("prices"), QStringLiteral("update"),
                             QStringLiteral("--from"), url});
        QVERIFY2(run.out.contains("The catalog is up to date."), run.out.constData());

        // A hand-set price wins over the catalog; an imported genai-prices file sits between them.
        run = runCtl({QStringLiteral("--db"), db, QStringLiteral("prices"), QStringLiteral("--set"),
                      QStringLiteral("claude-sonnet-4-5"), QStringLiteral("--input"), QStringLiteral("1"),
                      QStringLiteral("--output"), QStringLiteral("5"), QStringLiteral("--effective"),
                      QStringLiteral("2026-01-01")});
        QCOMPARE(run.exitCode, 0);
        run = runCtl({QStringLiteral("--db"), db, QStringLiteral("reprice")});
        QCOMPARE(totalCost(db), usd("0.1"));
        run = runCtl({QStringLiteral("--db"), db, QStringLiteral("prices"), QStringLiteral("--model"),
                      QStringLiteral("claude-sonnet-4-5"), QStringLiteral("--format"), QStringLiteral("json")});
        const QJsonArray layered = QJsonDocument::fromJson(run.out).object()[QStringLiteral("prices")].toArray();
        QCOMPARE(layered.first()[QStringLiteral("layer")].toString(), QStringLiteral("manual"));
        bool catalogOverridden = false;
        for (const QJsonValue &row : layered)
            catalogOverridden |= row[QStringLiteral("layer")].toString() == QLatin1String("catalog")
                && row[QStringLiteral("overridden_by")].toString() == QLatin1String("manual");
        QVERIFY(catalogOverridden);
    }

    void genaiFileImportedAboveTheCatalog()
    {
        TempDir dir;
        const QString db = dir.ledgerPath();
        const QString log = dir.write(
            QStringLiteral("agent.jsonl"),
            R"({"ts":"2026-07-10T09:00:00Z","request_id":"g1","provider":"openai","model":"gpt-4o-2024-08-06","input_tokens":1000000,"output_tokens":0})"
            "\n");
        QCOMPARE(runCtl({QStringLiteral("--db"), db, QStringLiteral("import"), log}).exitCode, 0);
        QCOMPARE(totalCost(db), usd("2.5"));
        const QString file = dir.write(
            QStringLiteral("contract.json"),
            R"([{"id":"openai","name":"OpenAI","api_pattern":"x","models":[{"id":"gpt-4o","match":{"starts_with":"gpt-4o"},"prices":{"input_mtok":2,"output_mtok":8}}]}])");
        CtlRun run = runCtl({QStringLiteral("--db"), db, QStringLiteral("prices"), QStringLiteral("--import"), file});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.contains("contract.json kept above the catalog"), run.out.constData());
        runCtl({QStringLiteral("--db"), db, QStringLiteral("reprice")});
        QCOMPARE(totalCost(db), usd("2"));
        // A broken file is refused with the place of the fault, nothing kept.
        const QString broken = dir.write(
            QStringLiteral("broken.json"),
            R"([{"id":"openai","models":[{"id":"gpt-4o","match":{"equals":"gpt-4o"},"prices":{"input_mtok":"two"}}]}])");
        run = runCtl({QStringLiteral("--db"), db, QStringLiteral("prices"), QStringLiteral("--import"), broken});
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains("providers[0] (openai).models[0] (gpt-4o).prices.input_mtok: not a number"),
                 run.err.constData());
        runCtl({QStringLiteral("--db"), db, QStringLiteral("reprice")});
        QCOMPARE(totalCost(db), usd("2"));
    }
};

QTEST_GUILESS_MAIN(TestPriceUpdate)
#include "tst_priceupdate.moc"

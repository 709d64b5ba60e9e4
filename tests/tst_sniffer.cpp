// Files are recognized from their first bytes, so import needs no --format; what is not a request
// log is named, with what to do instead.
#include "support/testsupport.h"

#include "ingest/sniffer.h"

#include <QTest>

using namespace CostGov;
using namespace CostGov::Ingest;
using CostGov::Test::readData;

class TestSniffer : public QObject {
    Q_OBJECT

private slots:
    void recognizesLogs_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("layout");
        QTest::newRow("litellm array") << "samples/litellm_spend_logs.json"
                                       << "litellm-array";
        QTest::newRow("litellm jsonl") << "litellm_spend_logs.jsonl"
                                       << "litellm";
        QTest::newRow("litellm csv") << "litellm_spend_logs.csv"
                                     << "litellm-csv";
        QTest::newRow("otel") << "samples/otel_genai_spans.jsonl"
                              << "otel";
        QTest::newRow("claude code (summary first)") << "samples/claude_code_session.jsonl"
                                                     << "claude-code";
        QTest::newRow("bedrock") << "samples/bedrock_invocation_logs.jsonl"
                                 << "bedrock";
        QTest::newRow("canonical") << "canonical_sample.jsonl"
                                   << "canonical";
    }
    void recognizesLogs()
    {
        QFETCH(QString, file);
        QFETCH(QString, layout);
        const SniffResult result = sniffFormat(readData(file).left(64 * 1024), file);
        QVERIFY2(result.format.has_value(), qPrintable(result.description));
        QCOMPARE(layoutName(*result.format, result.framing), layout);
    }

    void namesWhatItDoesNotImport_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("description");
        QTest::newRow("openai costs") << "samples/openai_costs_page1.json"
                                      << "an OpenAI costs API response";
        QTest::newRow("openai usage") << "samples/openai_usage_completions.json"
                                      << "an OpenAI usage API response";
        QTest::newRow("anthropic costs") << "samples/anthropic_cost_report.json"
                                         << "an Anthropic cost report";
        QTest::newRow("anthropic usage") << "samples/anthropic_usage_messages.json"
                                         << "an Anthropic usage report";
        QTest::newRow("prices") << "samples/prices.json"
                                << "a price catalog (load it with: costgovctl prices --import FILE)";
        QTest::newRow("markdown") << "samples/EXPECTED.md"
                                  << "not a request log this program reads";
    }
    void namesWhatItDoesNotImport()
    {
        QFETCH(QString, file);
        QFETCH(QString, description);
        const SniffResult result = sniffFormat(readData(file).left(64 * 1024), file);
        QVERIFY(!result.format);
        QVERIFY2(result.description.startsWith(description), qPrintable(result.description));
    }

    void edgeCases()
    {
        QCOMPARE(sniffFormat("", QStringLiteral("x.jsonl")).description, QStringLiteral("an empty file"));
        QCOMPARE(sniffFormat("\x1f\x8b\x08\x00", QStringLiteral("x.jsonl.gz")).description,
                 QStringLiteral("a compressed file (decompress it first, e.g. gunzip)"));
        QCOMPARE(sniffFormat(QByteArray("ab\0cd", 5), QStringLiteral("x.bin")).description,
                 QStringLiteral("a binary file"));
        // A byte order mark and blank lines before the first record.
        const SniffResult bom = sniffFormat("\xEF\xBB\xBF\n\n{\"ts\":\"2026-07-10T09:00:00Z\",\"model\":\"gpt-4o\"}\n",
                                            QStringLiteral("a.jsonl"));
        QCOMPARE(bom.format, std::optional<Format>(Format::Canonical));
        // A single record without a trailing newline.
        QCOMPARE(sniffFormat(R"({"ts":"2026-07-10T09:00:00Z","model":"gpt-4o"})", QStringLiteral("b.jsonl")).format,
                 std::optional<Format>(Format::Canonical));
        // Canonical CSV.
        const SniffResult csv =
            sniffFormat("ts,model,input_tokens\n2026-07-10T09:00:00Z,gpt-4o,1\n", QStringLiteral("c.csv"));
        QCOMPARE(csv.format, std::optional<Format>(Format::Canonical));
        QCOMPARE(csv.framing, Framing::Csv);
    }
};

QTEST_GUILESS_MAIN(TestSniffer)
#include "tst_sniffer.moc"

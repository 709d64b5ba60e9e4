// costgovctl as scripts use it: the built binary in a child process, its output and exit codes.
#include "support/testsupport.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace CostGov;
using CostGov::Test::CtlRun;
using CostGov::Test::runCtl;
using CostGov::Test::TempDir;
using CostGov::Test::usd;

namespace {

QJsonObject json(const CtlRun &run)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(run.out, &error);
    if (error.error != QJsonParseError::NoError)
        qFatal("not JSON (%s): %s", qPrintable(error.errorString()), run.out.constData());
    return doc.object();
}

QString samples()
{
    return Test::dataPath(QStringLiteral("samples"));
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT

private slots:
    void everyCommandHasHelp_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("global") << QStringList{QStringLiteral("--help")};
        for (const char *command : {"import", "report", "quarantine", "prices", "reprice", "imports", "demo"})
            QTest::newRow(command) << QStringList{QLatin1String(command), QStringLiteral("--help")};
    }
    void everyCommandHasHelp()
    {
        QFETCH(QStringList, args);
        const CtlRun run = runCtl(args);
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.startsWith("Usage: costgovctl"));
        QVERIFY(run.err.isEmpty());
    }

    void usageErrorsExitOne_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("no command") << QStringList{} << "no command given";
        QTest::newRow("unknown command") << QStringList{QStringLiteral("frobnicate")} << "unknown command 'frobnicate'";
        QTest::newRow("unknown option") << QStringList{QStringLiteral("report"), QStringLiteral("--colour")}
                                        << "Unknown option 'colour'";
        QTest::newRow("bad dimension") << QStringList{QStringLiteral("report"), QStringLiteral("--by"),
                                                      QStringLiteral("colour")}
                                       << "unknown dimension 'colour'";
        QTest::newRow("bad date") << QStringList{QStringLiteral("report"), QStringLiteral("--from"),
                                                 QStringLiteral("2026-13-01")}
                                  << "--from must be a date like 2026-07-31";
        QTest::newRow("from after to") << QStringList{QStringLiteral("report"), QStringLiteral("--from"),
                                                      QStringLiteral("2026-08-01"), QStringLiteral("--to"),
                                                      QStringLiteral("2026-07-01")}
                                       << "--from is after --to";
        QTest::newRow("bad where") << QStringList{QStringLiteral("report"), QStringLiteral("--where"),
                                                  QStringLiteral("team")}
                                   << "--where needs DIM=VALUE";
        QTest::newRow("where on time") << QStringList{QStringLiteral("report"), QStringLiteral("--where"),
                                                      QStringLiteral("day=2026-07-01")}
                                       << "filter by day with --from and --to instead";
        QTest::newRow("demo days") << QStringList{QStringLiteral("demo"), QStringLiteral("--days"), QStringLiteral("0")}
                                   << "--days must be a number from 1 to 366";
        QTest::newRow("bad format") << QStringList{QStringLiteral("report"), QStringLiteral("--format"),
                                                   QStringLiteral("xml")}
                                    << "--format must be one of: table, csv, json";
        QTest::newRow("import nothing") << QStringList{QStringLiteral("import")}
                                        << "import needs at least one file or folder";
        QTest::newRow("import bad format") << QStringList{QStringLiteral("import"), QStringLiteral("--format"),
                                                          QStringLiteral("xls"), QStringLiteral("x")}
                                           << "unknown format 'xls'";
        QTest::newRow("price without output")
            << QStringList{QStringLiteral("prices"), QStringLiteral("--set"), QStringLiteral("m"),
                           QStringLiteral("--input"), QStringLiteral("1")}
            << "--set needs --input and --output";
        QTest::newRow("negative price") << QStringList{QStringLiteral("prices"), QStringLiteral("--set"),
                                                       QStringLiteral("m"),      QStringLiteral("--input"),
                                                       QStringLiteral("-1"),     QStringLiteral("--output"),
                                                       QStringLiteral("1")}
                                        << "--input must be a non-negative USD amount per million tokens";
        QTest::newRow("db without path") << QStringList{QStringLiteral("--db")} << "--db needs a path";
    }
    void usageErrorsExitOne()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        TempDir dir;
        const CtlRun run = runCtl(QStringList{QStringLiteral("--db"), dir.ledgerPath()} + args);
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(QString::fromUtf8(run.err).contains(message), run.err.constData());
        QVERIFY(run.out.isEmpty());
    }

    void dataErrorsExitTwo()
    {
        TempDir dir;
        const QString db = dir.ledgerPath();
        CtlRun run =
            runCtl({QStringLiteral("--db"), db, QStringLiteral("import"), dir.file(QStringLiteral("missing.jsonl"))});
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.out.contains("no such file or folder"));
        run = runCtl({QStringLiteral("--db"), db, QStringLiteral("import"),
                      Test::dataPath(QStringLiteral("samples/prices.json"))});
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.out.contains("a price catalog (load it with: costgovctl prices --import FILE)"));
        const QString garbage = dir.write(QStringLiteral("garbage.sqlite"), QByteArray(9000, '\x7f'));
        run = runCtl({QStringLiteral("--db"), garbage, QStringLiteral("report")});
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.err.contains("not a Cost Governor ledger"));
        run = runCtl({QStringLiteral("--db"), db, QStringLiteral("prices"), QStringLiteral("--import"), garbage});
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.err.contains("price catalog is not valid JSON"));
        run = runCtl({QStringLiteral("--db"), dir.path(), QStringLiteral("report")});
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.err.contains("is not a file"));
    }

    void samplesReportExpectedTotals()
    {
        TempDir dir;
        const QString db = dir.ledgerPath();
        CtlRun run =
            runCtl({QStringLiteral("--db"), db, QStringLiteral("import"), QStringLiteral("--json"), samples()});
        QCOMPARE(run.exitCode, 0); // unrecognized files inside a folder are reported, not errors
        const QJsonObject summary = json(run);
        QCOMPARE(summary[QStringLiteral("imported")].toInt(), 110);
        QCOMPARE(summary[QStringLiteral("duplicates")].toInt(), 3);
        QCOMPARE(summary[QStringLiteral("skipped")].toInt(), 19);
        QCOMPARE(summary[QStringLiteral("quarantined")].toInt(), 0);
        QCOMPARE(summary[QStringLiteral("unpriced")].toInt(), 0);
        QCOMPARE(summary[QStringLiteral("files")].toInt(), 4);
        QCOMPARE(summary[QStringLiteral("file_results")].toArray().size(), 13);

        run = runCtl({QStringLiteral("--db"), db, QStringLiteral("report"), QStringLiteral("--by"),
                      QStringLiteral("source"), QStringLiteral("--format"), QStringLiteral("json")});
        QCOMPARE(run.exitCode, 0);
        const QJsonObject report = json(run);
        const QJsonObject totals = report[QStringLiteral("totals")].toObject();
        QCOMPARE(totals[QStringLiteral("requests")].toInt(), 110);
        QCOMPARE(totals[QStringLiteral("cost_nano")].toInteger(), usd("2.38127127"));
        QVERIFY(run.out.contains("\"cost_usd\":2.38127127")); // exact decimal, not a rounded double
        for (const char *key : {"input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
                                "unpriced_requests", "cache_hit_rate", "cost_per_request_usd"})
            QVERIFY2(totals.contains(QLatin1String(key)), key);
        QMap<QString, qint64> bySource;
        for (const QJsonValue &row : report[QStringLiteral("rows")].toArray())
            bySource[row[QStringLiteral("source")].toString()] = row[QStringLiteral("cost_nano")].toInteger();
        QCOMPARE(bySource.value(QStringLiteral("litellm")), usd("0.49495074"));
        QCOMPARE(bySource.value(QStringLiteral("otel")), usd("0.54537847"));
        QCOMPARE(bySource.value(QStringLiteral("claude-code")), usd("0.96415485"));
        QCOMPARE(bySource.value(QStringLiteral("bedrock")), usd("0.37678721"));

        // Filters and several dimensions; CSV with a total row.
        run = runCtl({QStringLiteral("--db"), db, QStringLiteral("report"), QStringLiteral("--by"),
                      QStringLiteral("team,user"), QStringLiteral("--where"), QStringLiteral("source=litellm"),
                      QStringLiteral("--where"), QStringLiteral("team=data-science"), QStringLiteral("--format"),
                      QStringLiteral("csv")});
        QCOMPARE(run.exitCode, 0);
        const QList<QByteArray> lines = run.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 3);
        QVERIFY(lines[0].startsWith("team,user,requests,input_tokens"));
        QVERIFY(lines[1].startsWith("data-science,u-carol,10,"));
        QVERIFY(lines[1].contains(",81286040,0.08128604,"));
        QVERIFY(lines[2].startsWith("TOTAL,,10,"));

        run = runCtl({QStringLiteral("--db"), db, QStringLiteral("report"), QStringLiteral("--by"),
                      QStringLiteral("day"), QStringLiteral("--from"), QStringLiteral("2026-07-08"),
                      QStringLiteral("--to"), QStringLiteral("2026-07-08")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.contains("2026-07-08"));
        QVERIFY(!run.out.contains("2026-07-09"));
    }

    void pricesAndRepriceFlow()
    {
        TempDir dir;
        const QString db = dir.ledgerPath();
        const QString log = dir.write(
            QStringLiteral("agent.jsonl"),
            R"({"ts":"2026-07-10T09:00:00Z","request_id":"x1","model":"acme-large-2","input_tokens":2000000,"output_tokens":0})"
            "\n");
        CtlRun run = runCtl({QStringLiteral("--db"), db, QStringLiteral("import"), log});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.contains("costgovctl prices --unpriced"));
        run = runCtl({QStringLiteral("--db"), db, QStringLiteral("prices"), QStringLiteral("--unpriced"),
                      QStringLiteral("--format"), QStringLiteral("json")});
        QCOMPARE(json(run)[QStringLiteral("unpriced")].toArray().first()[QStringLiteral("model")].toString(),
                 QStringLiteral("acme-large-2"));

        run = runCtl({QStringLiteral("--db"), db, QStringLiteral("prices"), QStringLiteral("--set"),
                      QStringLiteral("acme-large-2"), QStringLiteral("--input"), QStringLiteral("1.25"),
                      QStringLiteral("--output"), QStringLiteral("5")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.contains("1 new models (priced for all of history)"), run.out.constData());
        // The same re-rating in words, on a copy: what had no price was "unpriced", not $0.
        const QString copy = dir.path() + QStringLiteral("/copy.sqlite");
        QVERIFY(QFile::copy(db, copy));
        run = runCtl({QStringLiteral("--db"), copy, QStringLiteral("reprice")});
        QVERIFY2(run.out.contains("acme-large-2                             1 changed: unpriced -> $2.5"),
                 run.out.constData());
        run = runCtl({QStringLiteral("--db"), db, QStringLiteral("reprice"), QStringLiteral("--format"),
                      QStringLiteral("json")});
        QCOMPARE(run.exitCode, 0);
        const QJsonObject repriced = json(run);
        QCOMPARE(repriced[QStringLiteral("newly_priced")].toInt(), 1);
        QCOMPARE(repriced[QStringLiteral("delta_nano")].toInteger(), usd("2.5"));
        run = runCtl(
            {QStringLiteral("--db"), db, QStringLiteral("report"), QStringLiteral("--format"), QStringLiteral("json")});
        QCOMPARE(json(run)[QStringLiteral("totals")].toObject()[QStringLiteral("cost_nano")].toInteger(), usd("2.5"));

        // A LiteLLM price file with a later effective date keeps history at the old price.
        const QString prices = dir.write(
            QStringLiteral("prices.json"),
            R"({"acme-large-2":{"litellm_provider":"acme","input_cost_per_token":5e-07,"output_cost_per_token":2e-06}})");
        run = runCtl({QStringLiteral("--db"), db, QStringLiteral("prices"), QStringLiteral("--import"), prices,
                      QStringLiteral("--effective"), QStringLiteral("2026-08-01")});
        QCOMPARE(run.exitCode, 0);
        run = runCtl({QStringLiteral("--db"), db, QStringLiteral("reprice")});
        QVERIFY2(run.out.startsWith("Re-rated 1 requests: 0 changed"), run.out.constData());
        run = runCtl({QStringLiteral("--db"), db, QStringLiteral("prices"), QStringLiteral("--all"),
                      QStringLiteral("--format"), QStringLiteral("json")});
        int acmeEntries = 0;
        for (const QJsonValue &p : json(run)[QStringLiteral("prices")].toArray())
            acmeEntries += p[QStringLiteral("model")].toString() == QLatin1String("acme-large-2");
        QCOMPARE(acmeEntries, 2);
    }

    void demoLoadsOnceAndReports()
    {
        TempDir dir;
        const QString db = dir.ledgerPath();
        CtlRun run = runCtl({QStringLiteral("--db"), db, QStringLiteral("demo"), QStringLiteral("--days"),
                             QStringLiteral("2"), QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 0);
        const qint64 imported = json(run)[QStringLiteral("imported")].toInteger();
        QVERIFY(imported > 10'000);
        run = runCtl({QStringLiteral("--db"), db, QStringLiteral("report"), QStringLiteral("--by"),
                      QStringLiteral("source"), QStringLiteral("--format"), QStringLiteral("json")});
        const QJsonObject row = json(run)[QStringLiteral("rows")].toArray().first().toObject();
        QCOMPARE(row[QStringLiteral("source")].toString(), QStringLiteral("demo"));
        QCOMPARE(row[QStringLiteral("requests")].toInteger(), imported);
        // The same seed again: everything already there is a duplicate (today's traffic up to the
        // new now may add a few requests).
        run = runCtl({QStringLiteral("--db"), db, QStringLiteral("demo"), QStringLiteral("--days"), QStringLiteral("2"),
                      QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(json(run)[QStringLiteral("duplicates")].toInteger(), imported);
        QVERIFY(json(run)[QStringLiteral("imported")].toInteger() < 100);
    }

    void quarantineAndHistory()
    {
        TempDir dir;
        const QString db = dir.ledgerPath();
        const QString log =
            dir.write(QStringLiteral("agent.jsonl"), Test::readData(QStringLiteral("canonical_sample.jsonl")));
        CtlRun run = runCtl({QStringLiteral("--db"), db, QStringLiteral("import"), log});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.contains("quarantined 4"));
        run = runCtl({QStringLiteral("--db"), db, QStringLiteral("quarantine"), QStringLiteral("--format"),
                      QStringLiteral("json")});
        const QJsonArray lines = json(run)[QStringLiteral("lines")].toArray();
        QCOMPARE(lines.size(), 4);
        QCOMPARE(lines.last()[QStringLiteral("line")].toInt(), 10);
        QVERIFY(lines.last()[QStringLiteral("file")].toString().endsWith(QLatin1String("agent.jsonl")));
        run = runCtl({QStringLiteral("--db"), db, QStringLiteral("quarantine")});
        QVERIFY(run.out.contains("agent.jsonl:11: field 'input_tokens': must not be negative"));
        run = runCtl({QStringLiteral("--db"), db, QStringLiteral("imports"), QStringLiteral("--format"),
                      QStringLiteral("json")});
        const QJsonObject last = json(run)[QStringLiteral("imports")].toArray().first().toObject();
        QCOMPARE(last[QStringLiteral("status")].toString(), QStringLiteral("completed"));
        QCOMPARE(last[QStringLiteral("imported")].toInt(), 7);
        QCOMPARE(last[QStringLiteral("quarantined")].toInt(), 4);
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"

// Chargeback: largest-remainder cents on awkward splits, allocation of a bill by metered share
// with each shared-cost rule, the CSV read back through an RFC 4180 parser, FOCUS columns and the
// CLI.

#include "support/fakeprovider.h"
#include "support/testsupport.h"

#include "billing/billing.h"
#include "chargeback/chargeback.h"
#include "common/clock.h"
#include "common/timeutil.h"
#include "ingest/importjob.h"
#include "storage/ledger.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTest>

using namespace CostGov;
using CostGov::Test::TempDir;

namespace {

// RFC 4180: quoted cells may hold commas, quotes (doubled) and line breaks.
QVector<QStringList> parseCsv(const QByteArray &bytes)
{
    const QString text = QString::fromUtf8(bytes.startsWith("\xEF\xBB\xBF") ? bytes.mid(3) : bytes);
    QVector<QStringList> rows;
    QStringList row;
    QString cell;
    bool quoted = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (quoted) {
            if (c == u'"' && i + 1 < text.size() && text[i + 1] == u'"') {
                cell += u'"';
                ++i;
            } else if (c == u'"') {
                quoted = false;
            } else {
                cell += c;
            }
        } else if (c == u'"') {
            quoted = true;
        } else if (c == u',') {
            row.append(std::exchange(cell, QString()));
        } else if (c == u'\n' || c == u'\r') {
            if (c == u'\r' && i + 1 < text.size() && text[i + 1] == u'\n')
                ++i;
            row.append(std::exchange(cell, QString()));
            rows.append(std::exchange(row, QStringList()));
        } else {
            cell += c;
        }
    }
    return rows;
}

Test::HttpReply openAiBill(const Test::HttpRequest &request)
{
    if (!request.path.endsWith(u"/costs"))
        return {200, R"({"object":"page","data":[],"has_more":false,"next_page":null})"};
    return {200,
            Test::readData(request.query.hasQueryItem(QStringLiteral("page"))
                               ? QStringLiteral("samples/openai_costs_page2.json")
                               : QStringLiteral("samples/openai_costs_page1.json"))};
}

qint64 cents(const char *usd)
{
    return Test::usd(usd) / 10'000'000;
}

} // namespace

class TestChargeback : public QObject {
    Q_OBJECT

private slots:
    void centsAddUpOnAwkwardSplits_data()
    {
        QTest::addColumn<qint64>("amount");
        QTest::addColumn<QVector<qint64>>("weights");
        QTest::addColumn<QVector<qint64>>("expected");
        QTest::newRow("thirds") << Test::usd("1") << QVector<qint64>{1, 1, 1} << QVector<qint64>{34, 33, 33};
        QTest::newRow("two thirds") << Test::usd("0.02") << QVector<qint64>{1, 1, 1} << QVector<qint64>{1, 1, 0};
        QTest::newRow("tiny") << qint64(4'000'000) << QVector<qint64>{1, 1} << QVector<qint64>{0, 0};
        QTest::newRow("half a cent rounds up") << qint64(5'000'000) << QVector<qint64>{3, 1} << QVector<qint64>{1, 0};
        QTest::newRow("uneven") << Test::usd("100") << QVector<qint64>{1, 2, 3, 4, 5, 6, 7}
                                << QVector<qint64>{357, 714, 1071, 1429, 1786, 2143, 2500};
        QTest::newRow("zero weight") << Test::usd("10") << QVector<qint64>{0, 5, 5} << QVector<qint64>{0, 500, 500};
    }

    void centsAddUpOnAwkwardSplits()
    {
        QFETCH(qint64, amount);
        QFETCH(QVector<qint64>, weights);
        QFETCH(QVector<qint64>, expected);
        QCOMPARE(Chargeback::splitCents(amount, weights), expected);
    }

    void manyTeamsAddUpToTheCent()
    {
        QRandomGenerator random(7);
        for (int round = 0; round < 200; ++round) {
            QVector<qint64> weights;
            const int teams = 1 + int(random.bounded(400));
            for (int i = 0; i < teams; ++i)
                weights.append(qint64(random.bounded(1'000'000'000)));
            const qint64 amount = qint64(random.bounded(2'000'000'000)) * 1000 + qint64(random.bounded(1000));
            const QVector<qint64> parts = Chargeback::splitCents(amount, weights);
            const qint64 total = std::accumulate(weights.begin(), weights.end(), qint64(0));
            QCOMPARE(std::accumulate(parts.begin(), parts.end(), qint64(0)), (amount + 5'000'000) / 10'000'000);
            const qint64 units = (amount + 5'000'000) / 10'000'000;
            for (int i = 0; i < teams; ++i) {
                const double exact = double(units) * double(weights[i]) / double(total);
                QVERIFY(std::abs(double(parts[i]) - exact) < 1.0);
            }
        }
    }

    void billIsSplitByMeteredShare()
    {
        TempDir dir;
        auto opened = Storage::Ledger::open(dir.ledgerPath());
        QVERIFY(opened.ok());
        Storage::Ledger &ledger = **opened;
        // The bill: OpenAI July 1-10, $23.9041206 (projects proj_3kX... $13.3828371, ...).
        Test::FakeProvider server;
        server.handler = openAiBill;
        Billing::SyncOptions sync;
        sync.baseUrl = server.baseUrl();
        sync.key = QStringLiteral("sk-admin-test");
        sync.fromDay = *parseDate("2026-07-01");
        sync.toDay = *parseDate("2026-07-10");
        QVERIFY(Billing::syncCosts(ledger, sync, ManualClock(*parseTimestampMs("2026-07-11T00:00:00Z"))).ok());
        // The logs: proj_3kX used by search three times as much as by "Support, \"EU\"" (a name
        // that needs quoting); Anthropic has no bill here: its metered cost counts; one request
        // without a team; one team name a spreadsheet would run as a formula.
        QByteArray lines;
        auto request = [&lines](const char *id, const char *provider, const char *model, const char *project,
                                const QString &team, const char *cost) {
            QJsonObject o{{QStringLiteral("ts"), QStringLiteral("2026-07-05T10:00:00Z")},
                          {QStringLiteral("request_id"), QLatin1String(id)},
                          {QStringLiteral("provider"), QLatin1String(provider)},
                          {QStringLiteral("model"), QLatin1String(model)},
                          {QStringLiteral("input_tokens"), 1000},
                          {QStringLiteral("output_tokens"), 100},
                          {QStringLiteral("project"), QLatin1String(project)},
                          {QStringLiteral("cost_usd"), QString::fromLatin1(cost).toDouble()}};
            if (!team.isEmpty())
                o.insert(QStringLiteral("team"), team);
            lines += QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
        };
        const QString support = QStringLiteral("Support, \"EU\"\nteam");
        request("a", "openai", "gpt-4o-2024-08-06", "proj_3kXq9RzT1mVb7Lp2NcY8wHd4", QStringLiteral("search"), "3");
        request("b", "openai", "gpt-4o-2024-08-06", "proj_3kXq9RzT1mVb7Lp2NcY8wHd4", support, "1");
        request("c", "anthropic", "claude-sonnet-4-6", "", QStringLiteral("=HYPERLINK(\"x\")"), "2.50");
        request("d", "anthropic", "claude-sonnet-4-6", "", QString(), "0.50");
        // proj_7Hf2 ($9.134788): half its metered cost has no team, so half its bill is shared.
        request("e", "openai", "gpt-4o-2024-08-06", "proj_7Hf2Gm5Jk8Qs1Wd3Ry6Tz9Ua", QStringLiteral("ds"), "1");
        request("f", "openai", "gpt-4o-2024-08-06", "proj_7Hf2Gm5Jk8Qs1Wd3Ry6Tz9Ua", QString(), "1");
        Ingest::ImportOptions import;
        import.paths = {dir.write(QStringLiteral("logs.jsonl"), lines)};
        QVERIFY(Ingest::runImport(ledger, import, Clock::system()).ok());

        Chargeback::Options options;
        options.month = {*parseDate("2026-07-01"), *parseDate("2026-07-31")};
        options.shared = Chargeback::SharedRule::None;
        auto s = Chargeback::allocate(ledger, options);
        QVERIFY(s.ok());
        QCOMPARE(s->billedNano, Test::usd("23.9041206"));
        QCOMPARE(s->meteredNano, Test::usd("3"));
        QCOMPARE(s->totalCents, cents("26.90")); // $26.9041206
        qint64 sum = 0;
        QHash<QString, qint64> byCentre;
        for (const Chargeback::Line &l : s->lines) {
            sum += l.cents;
            byCentre[l.costCentre] += l.cents;
        }
        QCOMPARE(sum, s->totalCents);
        // proj_3kX's model lines ($13.3828371 less $3.15 of web search calls), 3:1 by metered share.
        QCOMPARE(byCentre.value(QStringLiteral("search")), cents("7.67"));
        QCOMPARE(byCentre.value(support), cents("2.56"));
        QCOMPARE(byCentre.value(QStringLiteral("=HYPERLINK(\"x\")")), cents("2.50"));
        QCOMPARE(byCentre.value(QStringLiteral("ds")), cents("4.57"));
        // Kept apart: the project no request names ($1.1864955), the untagged half of proj_7Hf2
        // ($4.567394), tools and storage ($3.15 + $0.20), the untagged Anthropic request ($0.50).
        QCOMPARE(byCentre.value(Chargeback::unallocated()), cents("9.60"));

        // Proportional: the shared $9.60 follows the direct spend; the total stays the same.
        options.shared = Chargeback::SharedRule::Proportional;
        s = Chargeback::allocate(ledger, options);
        byCentre.clear();
        for (const Chargeback::Line &l : s->lines)
            byCentre[l.costCentre] += l.cents;
        QCOMPARE(s->totalCents, cents("26.90"));
        QVERIFY(!byCentre.contains(Chargeback::unallocated()));
        QCOMPARE(byCentre.value(QStringLiteral("search")) + byCentre.value(support)
                     + byCentre.value(QStringLiteral("=HYPERLINK(\"x\")")) + byCentre.value(QStringLiteral("ds")),
                 s->totalCents);
        QVERIFY(byCentre.value(QStringLiteral("search")) > cents("11.9"));
        // Even and fixed.
        options.shared = Chargeback::SharedRule::Fixed;
        options.fixedPercent = {{QStringLiteral("search"), 50}, {support, 50}};
        s = Chargeback::allocate(ledger, options);
        byCentre.clear();
        for (const Chargeback::Line &l : s->lines)
            byCentre[l.costCentre] += l.cents;
        QCOMPARE(byCentre.value(QStringLiteral("=HYPERLINK(\"x\")")), cents("2.50"));
        QCOMPARE(byCentre.value(QStringLiteral("search")) + byCentre.value(support),
                 s->totalCents - cents("2.50") - cents("4.57"));

        // The CSV reads back: quotes, commas, line breaks, and the formula guarded.
        const QVector<QStringList> rows = parseCsv(Chargeback::statementCsv(*s, true));
        QCOMPARE(rows.first().first(), QStringLiteral("cost_centre"));
        const qsizetype total =
            std::find_if(rows.begin(), rows.end(),
                         [](const QStringList &row) { return row.first() == QLatin1String("TOTAL"); })
            - rows.begin();
        QVERIFY(total < rows.size());
        QCOMPARE(rows[total][8], QStringLiteral("26.90"));
        QStringList centres;
        qint64 csvSum = 0;
        for (const QStringList &row : rows.mid(1, total - 1)) {
            QCOMPARE(row.size(), 10);
            centres.append(row[0]);
            csvSum += qint64(std::llround(row[8].toDouble() * 100));
        }
        QCOMPARE(csvSum, s->totalCents);
        QVERIFY(centres.contains(support));
        QVERIFY(centres.contains(QStringLiteral("'=HYPERLINK(\"x\")")));

        // FOCUS: every mandatory column, ISO dates, decimals, allowed values, the same total.
        const QVector<QStringList> focus = parseCsv(Chargeback::focusCsv(*s, QStringLiteral("acme")));
        const QStringList header = focus.first();
        for (const QString &column : Chargeback::focusMandatoryColumns())
            QVERIFY2(header.contains(column), qPrintable(column));
        const QRegularExpression date(QStringLiteral("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$"));
        const QRegularExpression decimal(QStringLiteral("^-?\\d+(\\.\\d+)?$"));
        qint64 focusSum = 0;
        for (const QStringList &row : focus.mid(1)) {
            auto at = [&](const char *column) { return row[header.indexOf(QLatin1String(column))]; };
            for (const char *column :
                 {"BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd"})
                QVERIFY(date.match(at(column)).hasMatch());
            for (const char *column : {"BilledCost", "ListCost", "EffectiveCost", "ContractedCost"})
                QVERIFY2(decimal.match(at(column)).hasMatch(), qPrintable(at(column)));
            for (const char *column : {"BillingAccountId", "BillingCurrency", "ChargeCategory", "InvoiceIssuerName",
                                       "ProviderName", "PublisherName", "ServiceCategory", "ServiceName"})
                QVERIFY2(!at(column).isEmpty(), column);
            QCOMPARE(at("ChargePeriodEnd"), QStringLiteral("2026-08-01T00:00:00Z")); // exclusive
            QVERIFY(
                QStringList({QStringLiteral("Usage"), QStringLiteral("Adjustment")}).contains(at("ChargeCategory")));
            QCOMPARE(at("ServiceCategory"), QStringLiteral("AI and Machine Learning"));
            QVERIFY(QJsonDocument::fromJson(at("Tags").toUtf8()).isObject());
            focusSum += qint64(std::llround(at("BilledCost").toDouble() * 100));
        }
        QCOMPARE(focusSum, s->totalCents);
    }

    void closedMonthsStayAsIssued()
    {
        TempDir dir;
        auto opened = Storage::Ledger::open(dir.ledgerPath());
        QVERIFY(opened.ok());
        Storage::Ledger &ledger = **opened;
        int file = 0;
        auto add = [&](const char *day, const char *team, const char *cost) {
            const QByteArray line =
                QStringLiteral("{\"ts\":\"%1T12:00:00Z\",\"request_id\":\"r%2\",\"provider\":\"openai\","
                               "\"model\":\"gpt-4o\",\"input_tokens\":10,\"output_tokens\":1,"
                               "\"cost_usd\":%3,\"team\":\"%4\"}\n")
                    .arg(QLatin1String(day))
                    .arg(file)
                    .arg(QLatin1String(cost), QLatin1String(team))
                    .toUtf8();
            Ingest::ImportOptions import;
            import.paths = {dir.write(QStringLiteral("r%1.jsonl").arg(file++), line)};
            QVERIFY(Ingest::runImport(ledger, import, Clock::system()).ok());
        };
        auto month = [](const char *first) {
            Chargeback::Options o;
            const qint64 day = *parseDate(first);
            o.month = {day, day + daysInMonth(day) - 1};
            return o;
        };
        auto byCentre = [&](const char *first, const char *basis) {
            QMap<QString, qint64> cents;
            const auto s = Chargeback::allocate(ledger, month(first));
            for (const Chargeback::Line &l : s->lines)
                if (l.basis == QLatin1String(basis))
                    cents[l.costCentre] += l.cents;
            return cents;
        };
        add("2026-07-10", "a", "10");
        add("2026-07-11", "b", "5");
        QVERIFY(Chargeback::closePeriod(ledger, month("2026-07-01"), 1000).ok());
        QVERIFY(!Chargeback::closePeriod(ledger, month("2026-07-01"), 1001).ok()); // already closed

        // Late July data and August data.
        add("2026-07-20", "a", "2");
        add("2026-07-21", "c", "1");
        add("2026-08-05", "a", "3");
        const auto july = Chargeback::allocate(ledger, month("2026-07-01"));
        QVERIFY(july->issued);
        QCOMPARE(july->totalCents, 1500); // as issued
        QCOMPARE(byCentre("2026-08-01", "metered"), (QMap<QString, qint64>{{QStringLiteral("a"), 300}}));
        QCOMPARE(byCentre("2026-08-01", "adjustment"),
                 (QMap<QString, qint64>{{QStringLiteral("a"), 200}, {QStringLiteral("c"), 100}}));
        QCOMPARE(Chargeback::allocate(ledger, month("2026-08-01"))->totalCents, 600);
        // Viewed by feature, August still measures July's late data by team, as July was closed.
        Chargeback::Options byFeature = month("2026-08-01");
        byFeature.by = Storage::Dimension::Feature;
        QMap<QString, qint64> adjustments;
        const auto viewed = Chargeback::allocate(ledger, byFeature); // kept: the loop reads it
        for (const Chargeback::Line &l : viewed->lines)
            if (l.basis == QLatin1String("adjustment"))
                adjustments[l.costCentre] += l.cents;
        QCOMPARE(adjustments, (QMap<QString, qint64>{{QStringLiteral("a"), 200}, {QStringLiteral("c"), 100}}));

        // Closing August books July's late data: September does not count it again.
        QVERIFY(Chargeback::closePeriod(ledger, month("2026-08-01"), 2000).ok());
        QVERIFY(byCentre("2026-09-01", "adjustment").isEmpty());
        add("2026-07-25", "b", "0.5"); // later still
        QCOMPARE(byCentre("2026-09-01", "adjustment"), (QMap<QString, qint64>{{QStringLiteral("b"), 50}}));

        // Re-opening: the latest closed month first, and with a reason.
        QVERIFY(Chargeback::reopenPeriod(ledger, *parseDate("2026-07-01"), QStringLiteral("fix"), 3000)
                    .error()
                    .message.contains(QLatin1String("re-open 2026-08 first")));
        QVERIFY(!Chargeback::reopenPeriod(ledger, *parseDate("2026-08-01"), QString(), 3000).ok());
        QVERIFY(Chargeback::reopenPeriod(ledger, *parseDate("2026-08-01"), QStringLiteral("late invoice"), 3000).ok());
        QVERIFY(!Chargeback::allocate(ledger, month("2026-08-01"))->issued);
        // Open again, August carries all of July's late data: none of it is lost.
        QCOMPARE(
            byCentre("2026-08-01", "adjustment"),
            (QMap<QString, qint64>{{QStringLiteral("a"), 200}, {QStringLiteral("b"), 50}, {QStringLiteral("c"), 100}}));
        const auto history = Chargeback::periodHistory(ledger);
        QCOMPARE(history->size(), 3);
        QCOMPARE(history->first().action, QStringLiteral("reopen"));
        QCOMPARE(history->first().note, QStringLiteral("late invoice"));
        QCOMPARE(*Chargeback::closedMonths(ledger), QVector<qint64>{*parseDate("2026-07-01")});
    }

    void cli()
    {
        TempDir dir;
        {
            auto ledger = Storage::Ledger::open(dir.ledgerPath());
            QVERIFY(ledger.ok());
            Ingest::ImportOptions import;
            // A model name with a placeholder in it must come out as written, in every format.
            import.paths = {Test::dataPath(QStringLiteral("canonical_sample.jsonl")),
                            dir.write(QStringLiteral("odd.jsonl"),
                                      R"({"ts":"2026-07-12T09:00:00Z","request_id":"odd-1","model":"evil-%1-model",)"
                                      R"("team":"support","input_tokens":10,"output_tokens":1,"cost_usd":"0.01"})"
                                      "\n")};
            QVERIFY(Ingest::runImport(**ledger, import, Clock::system()).ok());
        }
        const auto ctl = [&](QStringList args) {
            return Test::runCtl(QStringList{QStringLiteral("--db"), dir.ledgerPath(), QStringLiteral("chargeback"),
                                            QStringLiteral("--month"), QStringLiteral("2026-07")}
                                + args);
        };
        const Test::CtlRun json = ctl({QStringLiteral("--format"), QStringLiteral("json")});
        QVERIFY2(json.exitCode == 0, json.err.constData());
        const QJsonObject o = QJsonDocument::fromJson(json.out).object();
        qint64 sum = 0;
        for (const QJsonValue &line : o[QStringLiteral("lines")].toArray())
            sum += qint64(std::llround(line.toObject()[QStringLiteral("amount_usd")].toDouble() * 100));
        QCOMPARE(sum, qint64(std::llround(o[QStringLiteral("total_usd")].toDouble() * 100)));
        QCOMPARE(o[QStringLiteral("unpriced_requests")].toInt(), 1);

        const Test::CtlRun files = ctl({QStringLiteral("--format"), QStringLiteral("csv"), QStringLiteral("--out"),
                                        dir.file(QStringLiteral("statements")), QStringLiteral("--per-centre")});
        QVERIFY2(files.exitCode == 0, files.err.constData());
        QVERIFY(QFile::exists(dir.file(QStringLiteral("statements/chargeback-2026-07-support.csv"))));

        // Teams mapped to cost centres with owners; cache savings listed after the total.
        const QString centres = dir.write(QStringLiteral("centres.csv"),
                                          "# team,cost centre,owner\nsupport,Customer Care,care@acme.test\n");
        const Test::CtlRun mapped =
            ctl({QStringLiteral("--format"), QStringLiteral("csv"), QStringLiteral("--centres"), centres});
        QVERIFY2(mapped.exitCode == 0, mapped.err.constData());
        const QVector<QStringList> rows = parseCsv(mapped.out);
        bool care = false, saving = false;
        for (const QStringList &row : rows) {
            care = care || (row[0] == QLatin1String("Customer Care") && row[1] == QLatin1String("care@acme.test"));
            saving = saving || (row[4] == QLatin1String("information") && row[5].contains(QLatin1String("caching")));
            QVERIFY(row[0] != QLatin1String("support"));
        }
        QVERIFY(care);
        QVERIFY(saving);
        // PDF statements, one per cost centre: pages and text a reader can extract (poppler-utils).
        const Test::CtlRun pdfs = ctl({QStringLiteral("--format"), QStringLiteral("pdf"), QStringLiteral("--out"),
                                       dir.file(QStringLiteral("pdf"))});
        QVERIFY2(pdfs.exitCode == 0, pdfs.err.constData());
        const QString pdf = dir.file(QStringLiteral("pdf/chargeback-2026-07-support.pdf"));
        QVERIFY(Test::readFile(pdf).startsWith("%PDF-"));
        const QString pdftotext = QStandardPaths::findExecutable(QStringLiteral("pdftotext"));
        QVERIFY2(!pdftotext.isEmpty(), "pdftotext is missing (packaging/dev.sh test installs poppler-utils)");
        QProcess extract;
        extract.start(pdftotext, {pdf, QStringLiteral("-")});
        QVERIFY(extract.waitForFinished(30'000));
        const QByteArray text = extract.readAllStandardOutput();
        QVERIFY2(text.contains("Chargeback statement: support") && text.contains("Period: 2026-07-01 to 2026-07-31"),
                 text.constData());
        QVERIFY2(text.contains("evil-%1-model"), text.constData());
        QProcess info;
        info.start(QStandardPaths::findExecutable(QStringLiteral("pdfinfo")), {pdf});
        QVERIFY(info.waitForFinished(30'000));
        QVERIFY(info.readAllStandardOutput().contains("Pages:           1"));

        const QString bad = dir.write(QStringLiteral("fixed.csv"), "support,60\nsearch,30\n");
        const Test::CtlRun refused = ctl({QStringLiteral("--shared"), QStringLiteral("fixed:") + bad});
        QCOMPARE(refused.exitCode, 1);
        QVERIFY(refused.err.contains("add up to 90, not 100"));
        QCOMPARE(ctl({QStringLiteral("--shared"), QStringLiteral("lottery")}).exitCode, 1);
    }
};

QTEST_GUILESS_MAIN(TestChargeback)
#include "tst_chargeback.moc"

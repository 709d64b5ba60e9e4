// Demo data: the seed scenario is inside it (a support chatbot at ~500,000 requests and ~$18,000 a
// month), with several teams and models, a cost spike and unpriced requests; it is repeatable.
#include "support/testsupport.h"

#include "common/clock.h"
#include "common/timeutil.h"
#include "ingest/demodata.h"
#include "storage/ledger.h"
#include "storage/ledgerqueries.h"
#include "storage/spendquery.h"

#include <QTest>

#include <algorithm>

using namespace CostGov;
using namespace CostGov::Storage;
using CostGov::Test::report;
using CostGov::Test::TempDir;
using CostGov::Test::usd;

namespace {

// July 2026 in full: 31 days ending a moment before midnight.
const ManualClock kClock(*parseTimestampMs("2026-07-31T23:59:59.999Z"));

} // namespace

class TestDemo : public QObject {
    Q_OBJECT

private slots:
    void containsTheSeedScenarioAndIsRepeatable()
    {
        TempDir dir;
        auto opened = Ledger::open(dir.ledgerPath());
        QVERIFY(opened.ok());
        Ledger &ledger = **opened;
        Ingest::DemoOptions options;
        options.days = 31;
        int progressCalls = 0;
        options.progress = [&](const Ingest::ImportProgress &p) {
            ++progressCalls;
            QVERIFY(p.bytesDone <= p.bytesTotal);
        };
        const auto first = Ingest::loadDemoData(ledger, options, kClock);
        QVERIFY2(first.ok(), first.ok() ? "" : qPrintable(first.error().message));
        QCOMPARE(progressCalls, 31);
        QCOMPARE(first->totals.imported, first->totals.lines);

        // The chatbot: ~500,000 requests and ~$18,000 in the month, on a frontier model.
        const SpendReport chatbot = report(ledger, {Dimension::Month, Dimension::Model},
                                           {{Dimension::Feature, {QStringLiteral("support-chatbot")}}});
        QCOMPARE(chatbot.rows.size(), 1);
        QCOMPARE(chatbot.rows[0].keys,
                 QStringList({QStringLiteral("2026-07"), QStringLiteral("claude-opus-4-20250514")}));
        QVERIFY2(chatbot.totals.requests > 470'000 && chatbot.totals.requests < 530'000,
                 qPrintable(QString::number(chatbot.totals.requests)));
        QVERIFY2(chatbot.totals.costNano > usd("16500") && chatbot.totals.costNano < usd("19500"),
                 qPrintable(QString::number(chatbot.totals.costNano)));

        // Several teams and models, skewed: the chatbot's team spends most.
        const SpendReport teams = report(ledger, {Dimension::Team});
        QCOMPARE(teams.rows.size(), 6);
        QCOMPARE(teams.rows[0].keys[0], QStringLiteral("customer-support"));
        QVERIFY(report(ledger, {Dimension::Model}).rows.size() >= 9);
        QVERIFY(report(ledger, {Dimension::User}).rows.size() > 1000);

        // A few unpriced requests, all of the one model without a price.
        const auto unpriced = unpricedModels(ledger);
        QVERIFY(unpriced.ok());
        QCOMPARE(unpriced->size(), 1);
        QCOMPARE(unpriced->first().model, QStringLiteral("acme-large-2"));
        QCOMPARE(unpriced->first().requests, teams.totals.unpricedRequests);
        QVERIFY(teams.totals.unpricedRequests > 30 && teams.totals.unpricedRequests < 100);

        // The spike: on its calendar day, the day's spend is far above the usual day.
        const SpendReport days = report(ledger, {Dimension::Day});
        QCOMPARE(days.rows.size(), 31);
        std::vector<Nano> daily;
        Nano spike = 0;
        int spikes = 0;
        for (const SpendRow &row : days.rows) {
            daily.push_back(row.metrics.costNano);
            if (Ingest::isSpikeDay(*parseDate(row.keys[0].toStdString()), options.seed)) {
                spike = row.metrics.costNano;
                ++spikes;
            }
        }
        QCOMPARE(spikes, 1);
        std::sort(daily.begin(), daily.end());
        QVERIFY2(spike > 2 * daily[daily.size() / 2],
                 qPrintable(QStringLiteral("%1 vs median %2").arg(spike).arg(daily[15])));
        QCOMPARE(daily.back(), spike);

        // The same seed again adds nothing; the run is in the import history as source "demo".
        const auto again = Ingest::loadDemoData(ledger, options, kClock);
        QVERIFY(again.ok());
        QCOMPARE(again->totals.imported, 0);
        QCOMPARE(again->totals.duplicates, first->totals.lines);
        QCOMPARE(report(ledger, {}).totals.costNano, teams.totals.costNano);
        const auto runs = listImports(ledger, 5);
        QVERIFY(runs.ok());
        QCOMPARE(runs->size(), 2);
        QCOMPARE(runs->first().source, QStringLiteral("demo"));
        QCOMPARE(runs->first().status, QStringLiteral("completed"));
    }

    void loadingALaterDayAddsOnlyThatDay()
    {
        TempDir dir;
        auto opened = Ledger::open(dir.ledgerPath());
        QVERIFY(opened.ok());
        Ledger &ledger = **opened;
        Ingest::DemoOptions options;
        options.days = 6;
        ManualClock clock(*parseTimestampMs("2026-07-20T15:00:00Z"));
        QVERIFY(Ingest::loadDemoData(ledger, options, clock).ok());
        const SpendReport before = report(ledger, {Dimension::Day});

        // A day and a half later: the rest of the 20th, the 21st and half of the 22nd are new.
        clock.advanceMs(36 * 3'600'000);
        const auto later = Ingest::loadDemoData(ledger, options, clock);
        QVERIFY(later.ok());
        QVERIFY(later->totals.imported > 20'000 && later->totals.imported < 60'000);
        const SpendReport after = report(ledger, {Dimension::Day});
        for (const SpendRow &row : before.rows) {
            if (row.keys[0] == QLatin1String("2026-07-20"))
                continue; // the partial day grew
            const auto same = std::find_if(after.rows.begin(), after.rows.end(),
                                           [&](const SpendRow &r) { return r.keys == row.keys; });
            QVERIFY(same != after.rows.end());
            QCOMPARE(same->metrics.requests, row.metrics.requests);
            QCOMPARE(same->metrics.costNano, row.metrics.costNano);
        }
    }

    void cancelKeepsWholeDays()
    {
        TempDir dir;
        auto opened = Ledger::open(dir.ledgerPath());
        QVERIFY(opened.ok());
        std::atomic_bool cancel = false;
        Ingest::DemoOptions options;
        options.days = 5;
        options.batchSize = 10'000;
        options.cancel = &cancel;
        options.progress = [&](const Ingest::ImportProgress &p) {
            if (p.bytesDone == 2)
                cancel = true;
        };
        const auto result = Ingest::loadDemoData(**opened, options, kClock);
        QVERIFY(result.ok());
        QVERIFY(result->cancelled);
        QCOMPARE(report(**opened, {Dimension::Day}).rows.size(), 2);
        QCOMPARE(report(**opened, {}).totals.requests, result->totals.imported);
    }
};

QTEST_GUILESS_MAIN(TestDemo)
#include "tst_demo.moc"

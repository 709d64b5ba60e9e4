// Date-range presets and the Overview page's figures: each range against the period before it,
// checked against sums read straight from the raw requests, and the month-end projection.
#include "support/testsupport.h"

#include "common/clock.h"
#include "common/daterange.h"
#include "common/timeutil.h"
#include "ingest/demodata.h"
#include "storage/ledger.h"
#include "storage/overview.h"
#include "storage/requestlist.h"
#include "storage/spendquery.h"

#include <QHash>
#include <QSet>
#include <QSqlQuery>
#include <QTest>

using namespace CostGov;
using namespace CostGov::Storage;
using CostGov::Test::TempDir;

namespace {

qint64 day(const char *iso)
{
    return *parseDate(iso);
}

DayRange range(const char *from, const char *to)
{
    return {day(from), day(to)};
}

/// A ledger in dir with the demo's days up to the end of 2026-07-10; null when loading failed.
std::unique_ptr<Ledger> demoLedger(const TempDir &dir, int days)
{
    auto opened = Ledger::open(dir.ledgerPath());
    if (!opened.ok())
        return nullptr;
    Ingest::DemoOptions demo;
    demo.days = days;
    const ManualClock clock(*parseTimestampMs("2026-07-10T23:59:59.999Z"));
    if (!Ingest::loadDemoData(**opened, demo, clock).ok())
        return nullptr;
    return std::move(*opened);
}

} // namespace

class TestOverview : public QObject {
    Q_OBJECT

private slots:
    void presets_data()
    {
        QTest::addColumn<QString>("today");
        QTest::addColumn<QString>("preset");
        QTest::addColumn<QString>("from");
        QTest::addColumn<QString>("to");
        QTest::addColumn<QString>("previousFrom");
        QTest::addColumn<QString>("previousTo");
        const auto row = [](const char *name, const char *today, const char *preset, const char *from, const char *to,
                            const char *pf, const char *pt) {
            QTest::newRow(name) << QString::fromLatin1(today) << QString::fromLatin1(preset)
                                << QString::fromLatin1(from) << QString::fromLatin1(to) << QString::fromLatin1(pf)
                                << QString::fromLatin1(pt);
        };
        row("today", "2026-11-27", "today", "2026-11-27", "2026-11-27", "2026-11-26", "2026-11-26");
        row("7 days", "2026-11-27", "last-7-days", "2026-11-21", "2026-11-27", "2026-11-14", "2026-11-20");
        row("30 days", "2026-03-01", "last-30-days", "2026-01-31", "2026-03-01", "2026-01-01", "2026-01-30");
        row("month to date", "2026-11-27", "month-to-date", "2026-11-01", "2026-11-27", "2026-10-01", "2026-10-27");
        row("month to date, shorter month before", "2026-03-31", "month-to-date", "2026-03-01", "2026-03-31",
            "2026-02-01", "2026-02-28");
        row("last month", "2026-03-15", "last-month", "2026-02-01", "2026-02-28", "2026-01-01", "2026-01-31");
        row("last month over new year", "2026-01-10", "last-month", "2025-12-01", "2025-12-31", "2025-11-01",
            "2025-11-30");
        row("quarter to date", "2026-11-27", "quarter-to-date", "2026-10-01", "2026-11-27", "2026-07-01", "2026-08-27");
        row("first quarter", "2026-02-10", "quarter-to-date", "2026-01-01", "2026-02-10", "2025-10-01", "2025-11-10");
    }
    void presets()
    {
        QFETCH(QString, today);
        QFETCH(QString, preset);
        QFETCH(QString, from);
        QFETCH(QString, to);
        QFETCH(QString, previousFrom);
        QFETCH(QString, previousTo);
        const auto p = presetFromName(preset);
        QVERIFY(p);
        QCOMPARE(presetName(*p), preset);
        const DayRange r = presetRange(*p, *parseDate(today.toStdString()));
        QCOMPARE(isoDate(r.from), from);
        QCOMPARE(isoDate(r.to), to);
        const DayRange before = previousPeriod(*p, r);
        QCOMPARE(isoDate(before.from), previousFrom);
        QCOMPARE(isoDate(before.to), previousTo);
        QVERIFY(!presetFromName(QStringLiteral("fortnight")));
    }

    void daysInMonths()
    {
        QCOMPARE(daysInMonth(day("2026-02-10")), 28);
        QCOMPARE(daysInMonth(day("2028-02-29")), 29);
        QCOMPARE(daysInMonth(day("2026-12-31")), 31);
        QCOMPARE(daysInMonth(day("2026-11-01")), 30);
    }

    void figuresMatchTheRawRequests()
    {
        TempDir dir;
        const auto opened = demoLedger(dir, 25); // 2026-06-16 .. 2026-07-10
        QVERIFY(opened);
        Ledger &ledger = *opened;

        const qint64 today = day("2026-07-10");
        const DayRange week = presetRange(RangePreset::Last7Days, today);
        const auto figures = overviewFigures(ledger, week, previousPeriod(RangePreset::Last7Days, week), today);
        QVERIFY(figures.ok());

        const auto raw = [&](const DayRange &r) {
            QSqlQuery q(ledger.db());
            q.prepare(QStringLiteral("SELECT COUNT(*), SUM(cost_nano), SUM(output_tokens), COUNT(*) - COUNT(cost_nano) "
                                     "FROM requests WHERE day BETWEEN ? AND ?"));
            q.addBindValue(r.from);
            q.addBindValue(r.to);
            if (!q.exec() || !q.next())
                qFatal("raw query failed");
            return std::array<qint64, 4>{q.value(0).toLongLong(), q.value(1).toLongLong(), q.value(2).toLongLong(),
                                         q.value(3).toLongLong()};
        };
        const auto now = raw(week);
        QCOMPARE(figures->current.requests, now[0]);
        QCOMPARE(figures->current.costNano, now[1]);
        QCOMPARE(figures->current.outputTokens, now[2]);
        QCOMPARE(figures->current.unpricedRequests, now[3]);
        QVERIFY(figures->current.unpricedRequests > 0); // the demo's unpriced model runs in the last 10 days
        const auto before = raw(range("2026-06-27", "2026-07-03"));
        QCOMPARE(figures->before.requests, before[0]);
        QCOMPARE(figures->before.costNano, before[1]);

        // July so far (10 days) at its run rate, over 31 days; June's 15 loaded days are "last month".
        const auto july = raw(range("2026-07-01", "2026-07-10"));
        QCOMPARE(figures->monthToDate, july[1]);
        QCOMPARE(figures->monthEndProjection, july[1] * 31 / 10);
        QCOMPARE(figures->lastMonth, raw(range("2026-06-01", "2026-06-30"))[1]);

        // Filters narrow every figure alike.
        const auto support = overviewFigures(ledger, week, figures->previous, today,
                                             {{Dimension::Team, {QStringLiteral("customer-support")}}});
        QVERIFY(support.ok());
        QVERIFY(support->current.costNano < figures->current.costNano);
        QVERIFY(support->current.costNano > figures->current.costNano / 2);
        QCOMPARE(support->current.unpricedRequests, 0);
    }

    void dailySeriesAddUp()
    {
        TempDir dir;
        const auto opened = demoLedger(dir, 5);
        QVERIFY(opened);
        Ledger &ledger = *opened;
        const DayRange days = range("2026-07-04", "2026-07-12"); // two days past the data

        const auto byTeam = dailySpendSeries(ledger, days, Dimension::Team, 3);
        QVERIFY(byTeam.ok());
        QCOMPARE(byTeam->names.size(), 4);
        QCOMPARE(byTeam->names.first(), QStringLiteral("customer-support"));
        QCOMPARE(byTeam->names.last(), QStringLiteral("Other"));
        QVERIFY(byTeam->hasOther);
        SpendQuery query;
        query.fromDay = days.from;
        query.toDay = days.to;
        query.groupBy = {Dimension::Day};
        const auto perDay = runSpendQuery(ledger, query);
        QVERIFY(perDay.ok());
        for (const SpendRow &row : perDay->rows) {
            const qint64 index = *parseDate(row.keys[0].toStdString()) - days.from;
            Nano sum = 0;
            for (const auto &values : byTeam->values)
                sum += values[size_t(index)];
            QCOMPARE(sum, row.metrics.costNano);
        }
        QCOMPARE(byTeam->values[0][8], 0); // 2026-07-12: no data, still a day of the series

        const auto byModel = dailySpendSeries(ledger, days, Dimension::Model, 20);
        QVERIFY(byModel.ok());
        QVERIFY(!byModel->hasOther);
        QCOMPARE(byModel->names.size(), 9);
    }

    void topGroupsKeepTheTotals()
    {
        TempDir dir;
        const auto opened = demoLedger(dir, 2);
        QVERIFY(opened);
        SpendQuery all;
        all.groupBy = {Dimension::User};
        const auto full = runSpendQuery(*opened, all);
        QVERIFY(full.ok());
        QVERIFY(full->rows.size() > 10);
        SpendQuery top = all;
        top.limit = 10;
        const auto biggest = runSpendQuery(*opened, top);
        QVERIFY(biggest.ok());
        QCOMPARE(biggest->rows.size(), 10);
        for (int i = 0; i < 10; ++i) {
            QCOMPARE(biggest->rows[i].keys, full->rows[i].keys);
            QCOMPARE(biggest->rows[i].metrics.costNano, full->rows[i].metrics.costNano);
        }
        QCOMPARE(biggest->totals.costNano, full->totals.costNano);
        QCOMPARE(biggest->totals.requests, full->totals.requests);

        // Top groups against the day before: the same groups then, not the biggest then.
        const DayRange second = range("2026-07-10", "2026-07-10"), first = range("2026-07-09", "2026-07-09");
        const auto compared = topGroups(*opened, Dimension::User, second, first, {}, 10);
        QVERIFY(compared.ok() && compared->before);
        QCOMPARE(compared->now.rows.size(), 10);
        SpendQuery thenAll;
        thenAll.fromDay = first.from;
        thenAll.toDay = first.to;
        thenAll.groupBy = {Dimension::User};
        const auto then = runSpendQuery(*opened, thenAll);
        QVERIFY(then.ok());
        QHash<QStringList, Nano> thenCost;
        QHash<QStringList, qsizetype> thenRank;
        for (qsizetype i = 0; i < then->rows.size(); ++i) {
            thenCost.insert(then->rows[i].keys, then->rows[i].metrics.costNano);
            thenRank.insert(then->rows[i].keys, i);
        }
        QCOMPARE(compared->before->rows.size(), 10); // every one of them spent the day before too
        for (const SpendRow &row : compared->before->rows)
            QCOMPARE(row.metrics.costNano, thenCost.value(row.keys));
        int notBiggestThen = 0;
        for (const SpendRow &row : compared->now.rows)
            notBiggestThen += thenRank.value(row.keys) >= 10 ? 1 : 0;
        QVERIFY(notBiggestThen > 0); // the case a limited query of the day before would get wrong
    }

    void requestPagesCoverTheRangeOnce()
    {
        TempDir dir;
        const auto opened = demoLedger(dir, 3);
        QVERIFY(opened);
        Ledger &ledger = *opened;
        const DayRange days = range("2026-07-08", "2026-07-10");
        const QVector<SpendFilter> filters{{Dimension::Team, {QStringLiteral("growth"), QStringLiteral("search")}},
                                           {Dimension::Model, {QStringLiteral("gpt-4.1"), QStringLiteral("nowhere")}}};
        SpendQuery query;
        query.fromDay = days.from;
        query.toDay = days.to;
        query.filters = filters;
        const auto report = runSpendQuery(ledger, query);
        QVERIFY(report.ok());
        QVERIFY(report->totals.requests > 1000);

        // Page by page, newest day first and last imported first within a day: each request once.
        std::optional<RequestCursor> cursor;
        QSet<qint64> seen;
        SpendMetrics listed;
        qint64 lastDay = days.to, lastId = std::numeric_limits<qint64>::max();
        int pages = 0;
        do {
            const auto page = listRequests(ledger, days, filters, cursor, 500);
            QVERIFY2(page.ok(), qPrintable(page.ok() ? QString() : page.error().message));
            QVERIFY(page->rows.size() == 500 || !page->next);
            for (const RequestRow &r : page->rows) {
                QVERIFY(!seen.contains(r.id));
                seen.insert(r.id);
                const qint64 rowDay = utcDay(r.tsMs);
                QVERIFY(rowDay <= lastDay && rowDay >= days.from);
                QVERIFY(rowDay < lastDay || r.id < lastId);
                lastDay = rowDay;
                lastId = r.id;
                QVERIFY(r.team == QLatin1String("growth") || r.team == QLatin1String("search"));
                QCOMPARE(r.model, QStringLiteral("gpt-4.1"));
                QVERIFY(!r.requestId.isEmpty() && !r.feature.isEmpty() && !r.user.isEmpty());
                ++listed.requests;
                listed.costNano += r.cost.value_or(0);
                listed.inputTokens += r.inputTokens;
            }
            cursor = page->next;
            ++pages;
        } while (cursor);
        QCOMPARE(listed.requests, report->totals.requests);
        QCOMPARE(listed.costNano, report->totals.costNano);
        QCOMPARE(listed.inputTokens, report->totals.inputTokens);
        QVERIFY(pages > 2);

        // A value the ledger has never seen matches nothing; a time dimension is not a filter.
        const auto none = listRequests(ledger, days, {{Dimension::User, {QStringLiteral("nobody")}}}, {}, 10);
        QVERIFY(none.ok() && none->rows.isEmpty() && !none->next);
        QVERIFY(!listRequests(ledger, days, {{Dimension::Day, {QStringLiteral("2026-07-08")}}}, {}, 10).ok());
    }

    void changes()
    {
        QCOMPARE(relativeChange(100, 150), std::optional<double>(0.5));
        QCOMPARE(relativeChange(100, 50), std::optional<double>(-0.5));
        QVERIFY(!relativeChange(0, 10));
    }
};

QTEST_GUILESS_MAIN(TestOverview)
#include "tst_overview.moc"

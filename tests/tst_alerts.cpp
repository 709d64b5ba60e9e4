// Budgets and alert rules on constructed ledgers, at chosen instants: calendar windows in time
// zones (month ends, DST), each rule kind, the state machine's de-duplication and re-notify,
// backtests and the CLI.

#include "support/testsupport.h"

#include "alerts/alerts.h"
#include "common/clock.h"
#include "common/timeutil.h"
#include "ingest/importjob.h"
#include "storage/ledger.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace CostGov;
using namespace CostGov::Alerts;
using CostGov::Test::TempDir;

namespace {

qint64 at(const char *iso)
{
    return *parseTimestampMs(iso);
}

struct Request {
    qint64 tsMs;
    double costUsd; ///< < 0: unpriced (no cost, a model without a price)
    QString team = QStringLiteral("search");
    QString user = QStringLiteral("u-1");
    qint64 input = 1000;
    qint64 cacheRead = 0;
    QString model = QStringLiteral("gpt-4o");
};

// Writes the requests as canonical JSONL and imports them.
void add(Storage::Ledger &ledger, const TempDir &dir, const QVector<Request> &requests,
         const QString &source = QStringLiteral("agent"))
{
    static int file = 0;
    QByteArray lines;
    for (const Request &r : requests) {
        QJsonObject o{{QStringLiteral("ts"), isoTimestamp(r.tsMs)},
                      {QStringLiteral("request_id"), QStringLiteral("r%1-%2").arg(file).arg(lines.count('\n'))},
                      {QStringLiteral("provider"), QStringLiteral("openai")},
                      {QStringLiteral("model"), r.costUsd < 0 ? QStringLiteral("mystery-model") : r.model},
                      {QStringLiteral("input_tokens"), qint64(r.input)},
                      {QStringLiteral("output_tokens"), 100},
                      {QStringLiteral("cache_read_tokens"), qint64(r.cacheRead)},
                      {QStringLiteral("team"), r.team},
                      {QStringLiteral("user"), r.user},
                      {QStringLiteral("feature"), QStringLiteral("chat")}};
        if (r.costUsd >= 0)
            o.insert(QStringLiteral("cost_usd"), r.costUsd);
        lines += QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
    }
    Ingest::ImportOptions options;
    options.paths = {dir.write(QStringLiteral("requests-%1.jsonl").arg(file++), lines)};
    options.source = source;
    const auto imported = Ingest::runImport(ledger, options, Clock::system());
    QVERIFY(imported.ok());
    QCOMPARE(imported->totals.imported, requests.size());
}

// n requests of a day (UTC), spread over its hours, costing total together.
QVector<Request> day(const char *date, int n, double total, qint64 cacheRead = 0)
{
    QVector<Request> out;
    const qint64 start = *parseDate(date) * kMsPerDay;
    for (int i = 0; i < n; ++i)
        out.append({start + qint64(i) * (kMsPerDay / n) + 60'000, total / n, QStringLiteral("search"),
                    QStringLiteral("u-%1").arg(i % 5), 1000, cacheRead});
    return out;
}

} // namespace

class TestAlerts : public QObject {
    Q_OBJECT

private slots:
    void windowsFollowTheCalendarInTheirZone()
    {
        // 2026-04-01 01:30 in Berlin (summer time since March 29): April, from 22:00 UTC.
        auto [start, end] = windowAround(at("2026-03-31T23:30:00Z"), Window::Month, QStringLiteral("Europe/Berlin"));
        QCOMPARE(start, at("2026-03-31T22:00:00Z"));
        QCOMPARE(end, at("2026-04-30T22:00:00Z"));
        // The day the clocks go forward has 23 hours.
        std::tie(start, end) = windowAround(at("2026-03-29T12:00:00Z"), Window::Day, QStringLiteral("Europe/Berlin"));
        QCOMPARE(end - start, 23 * 3'600'000LL);
        // Weeks start on Monday; 2026-11-26 is a Thursday.
        std::tie(start, end) = windowAround(at("2026-11-26T12:00:00Z"), Window::Week, QStringLiteral("UTC"));
        QCOMPARE(start, at("2026-11-23T00:00:00Z"));
        QCOMPARE(end, at("2026-11-30T00:00:00Z"));
        // Quarters; November in Los Angeles ends in standard time (the clocks went back on the 1st).
        std::tie(start, end) =
            windowAround(at("2026-11-10T12:00:00Z"), Window::Quarter, QStringLiteral("America/Los_Angeles"));
        QCOMPARE(start, at("2026-10-01T07:00:00Z"));
        QCOMPARE(end, at("2027-01-01T08:00:00Z"));
        std::tie(start, end) =
            windowAround(at("2026-11-10T12:00:00Z"), Window::Month, QStringLiteral("America/Los_Angeles"));
        QCOMPARE(start, at("2026-11-01T07:00:00Z"));
        QCOMPARE(end, at("2026-12-01T08:00:00Z"));
    }

    void budgetCrossesThresholdsOnceAndRenotifies()
    {
        TempDir dir;
        auto opened = Storage::Ledger::open(dir.ledgerPath());
        QVERIFY(opened.ok());
        Storage::Ledger &ledger = **opened;
        Rule budget = Rule::withDefaults(Kind::Budget);
        budget.name = QStringLiteral("Search monthly");
        budget.amount = Test::usd("100");
        budget.timeZone = QStringLiteral("America/Los_Angeles");
        budget.filters = {{Storage::Dimension::Team, {QStringLiteral("search")}}};
        budget.renotifyMinutes = 60;
        budget.minRequests = 1;
        const auto id = addRule(ledger, budget);
        QVERIFY(id.ok());

        // October 31, 23:30 in Los Angeles is November 1 in UTC: not this month's.
        add(ledger, dir,
            {{at("2026-11-01T06:30:00Z"), 70.0},
             {at("2026-11-01T07:30:00Z"), 30.0},
             {at("2026-11-02T10:00:00Z"), 25.0, QStringLiteral("other-team")}});
        auto e = evaluate(ledger, at("2026-11-20T12:00:00Z"));
        QVERIFY(e.ok());
        QCOMPARE(e->findings.size(), 1);
        QCOMPARE(e->findings[0].spent, Test::usd("30"));
        QCOMPARE(e->findings[0].state, State::Ok); // 30 %, under pace
        QVERIFY2(e->findings[0].message.contains(QLatin1String("$30.00 of $100.00 (30 %) this month")),
                 qPrintable(e->findings[0].message));
        QVERIFY2(e->findings[0].message.contains(QLatin1String("resets 2026-12-01 00:00 America/Los_Angeles")),
                 qPrintable(e->findings[0].message));
        QVERIFY(e->notifications.isEmpty());

        // 55 %: WARNING, told once.
        add(ledger, dir, {{at("2026-11-20T13:00:00Z"), 25.0}});
        e = evaluate(ledger, at("2026-11-20T14:00:00Z"));
        QCOMPARE(e->notifications.size(), 1);
        QCOMPARE(e->notifications[0].finding.state, State::Warning);
        QCOMPARE(e->notifications[0].finding.threshold, 50);
        QCOMPARE(evaluate(ledger, at("2026-11-20T15:00:00Z"))->notifications.size(), 0);
        // 85 %: still WARNING, but a new threshold.
        add(ledger, dir, {{at("2026-11-20T16:00:00Z"), 30.0}});
        e = evaluate(ledger, at("2026-11-20T16:30:00Z"));
        QCOMPARE(e->notifications.size(), 1);
        QCOMPARE(e->notifications[0].finding.threshold, 80);
        // 105 %: ALERT; not again within the hour, again after it, not once acknowledged.
        add(ledger, dir, {{at("2026-11-20T17:00:00Z"), 20.0}});
        e = evaluate(ledger, at("2026-11-20T17:05:00Z"));
        QCOMPARE(e->notifications.size(), 1);
        QCOMPARE(e->notifications[0].finding.state, State::Alert);
        QCOMPARE(e->notifications[0].previous, State::Warning);
        QCOMPARE(evaluate(ledger, at("2026-11-20T17:30:00Z"))->notifications.size(), 0);
        e = evaluate(ledger, at("2026-11-20T18:06:00Z"));
        QCOMPARE(e->notifications.size(), 1);
        QVERIFY(e->notifications[0].repeat);
        QVERIFY(acknowledge(ledger, *id, QString()).ok());
        QCOMPARE(evaluate(ledger, at("2026-11-20T20:00:00Z"))->notifications.size(), 0);

        // December in Los Angeles starts at 08:00 UTC: back to OK, thresholds count again.
        e = evaluate(ledger, at("2026-12-01T07:59:00Z"));
        QCOMPARE(e->findings[0].state, State::Alert);
        e = evaluate(ledger, at("2026-12-01T08:01:00Z"));
        QCOMPARE(e->findings[0].state, State::Ok);
        QCOMPARE(e->findings[0].spent, 0);
        add(ledger, dir, {{at("2026-12-01T09:00:00Z"), 60.0}});
        e = evaluate(ledger, at("2026-12-01T10:00:00Z"));
        QCOMPARE(e->notifications.size(), 1);
        QCOMPARE(e->notifications[0].finding.threshold, 50);

        // The history has every transition with its figures, the newest first.
        const auto h = history(ledger);
        QVERIFY(h.ok());
        QStringList moves;
        for (const HistoryEntry &entry : *h)
            moves.prepend(stateName(entry.from) + QStringLiteral(">") + stateName(entry.to)
                          + (entry.notified ? QStringLiteral("!") : QString()));
        QCOMPARE(
            moves,
            (QStringList{QStringLiteral("OK>WARNING!"), QStringLiteral("WARNING>WARNING!"),
                         QStringLiteral("WARNING>ALERT!"), QStringLiteral("ALERT>OK"), QStringLiteral("OK>WARNING!")}));
        QVERIFY(h->first().figuresJson.contains(QLatin1String("\"spent_usd\":\"60\"")));
    }

    void quietPausedAndLocalDays()
    {
        TempDir dir;
        auto opened = Storage::Ledger::open(dir.ledgerPath());
        QVERIFY(opened.ok());
        Storage::Ledger &ledger = **opened;
        Rule budget = Rule::withDefaults(Kind::Budget);
        budget.name = QStringLiteral("Teams");
        budget.amount = Test::usd("100");
        budget.groupBy = Storage::Dimension::Team;
        budget.minRequests = 1;
        const qint64 id = *addRule(ledger, budget);
        add(ledger, dir, {{at("2026-11-10T10:00:00Z"), 60.0}});

        // Notifications paused: nothing told, and told once they are not.
        auto e = evaluate(ledger, at("2026-11-10T12:00:00Z"), true);
        QCOMPARE(e->findings.first().state, State::Warning);
        QVERIFY(e->notifications.isEmpty());
        e = evaluate(ledger, at("2026-11-10T13:00:00Z"));
        QCOMPARE(e->notifications.size(), 1);
        QCOMPARE(e->notifications.first().finding.threshold, 50);

        // A paused rule pauses each of its groups; resumed, it tells only what is new.
        QVERIFY(pauseRule(ledger, id, at("2026-11-11T00:00:00Z")).ok());
        e = evaluate(ledger, at("2026-11-10T14:00:00Z"));
        QCOMPARE(e->findings.size(), 1);
        QCOMPARE(e->findings.first().group, QStringLiteral("search"));
        QCOMPARE(e->findings.first().state, State::Paused);
        add(ledger, dir, {{at("2026-11-10T15:00:00Z"), 50.0}});
        e = evaluate(ledger, at("2026-11-11T01:00:00Z"));
        QCOMPARE(e->findings.size(), 1);
        QCOMPARE(e->findings.first().state, State::Alert);
        QCOMPARE(e->notifications.size(), 1);
        QCOMPARE(e->notifications.first().finding.threshold, 100);
        QCOMPARE(evaluate(ledger, at("2026-11-11T02:00:00Z"))->notifications.size(), 0);

        // An acknowledge survives the next evaluation.
        QVERIFY(acknowledge(ledger, id, QStringLiteral("search")).ok());
        QVERIFY(evaluate(ledger, at("2026-11-11T03:00:00Z")).ok());
        QVERIFY(states(ledger)->first().acknowledged);

        // Backtests follow the rule's days: a $10 daily budget in Berlin, $12 each day.
        QVector<Request> daily;
        for (int d = 1; d <= 8; ++d)
            daily.append({at(qPrintable(QStringLiteral("2026-09-%1T12:00:00Z").arg(d, 2, 10, QLatin1Char('0')))), 12.0,
                          QStringLiteral("ops")});
        add(ledger, dir, daily);
        Rule berlin = Rule::withDefaults(Kind::Budget);
        berlin.name = QStringLiteral("Ops daily");
        berlin.amount = Test::usd("10");
        berlin.window = Window::Day;
        berlin.timeZone = QStringLiteral("Europe/Berlin");
        berlin.filters = {{Storage::Dimension::Team, {QStringLiteral("ops")}}};
        berlin.minRequests = 1;
        const auto test = backtest(ledger, berlin, at("2026-09-08T20:00:00Z"), 8);
        QVERIFY(test.ok());
        QCOMPARE(test->firings.size(), 8);
        QCOMPARE(isoDate(test->firings.first().first), QStringLiteral("2026-09-01"));
    }

    void budgetForecastsTheRunRate()
    {
        TempDir dir;
        auto ledger = Storage::Ledger::open(dir.ledgerPath());
        QVERIFY(ledger.ok());
        // $40 by the 10th of a 30-day month: $120 at this pace, out on the 25th.
        QVector<Request> spend;
        for (int d = 1; d <= 10; ++d)
            spend += day(qPrintable(QStringLiteral("2026-11-%1").arg(d, 2, 10, QLatin1Char('0'))), 20, 4.0);
        add(**ledger, dir, spend);
        Rule budget = Rule::withDefaults(Kind::Budget);
        budget.name = QStringLiteral("Org");
        budget.amount = Test::usd("100");
        const auto findings = assess(**ledger, budget, at("2026-11-11T00:00:00Z"));
        QVERIFY(findings.ok());
        QCOMPARE(findings->size(), 1);
        const Finding &f = findings->first();
        QCOMPARE(f.state, State::Warning);
        QCOMPARE(f.threshold, 0);
        QVERIFY(f.runsOutMs);
        QCOMPARE(isoDate(utcDay(*f.runsOutMs)), QStringLiteral("2026-11-26"));
        QVERIFY2(f.message.contains(QLatin1String("20 % over pace, runs out on 2026-11-26")), qPrintable(f.message));
        // Per team: one finding each.
        budget.groupBy = Storage::Dimension::Team;
        QCOMPARE(assess(**ledger, budget, at("2026-11-11T00:00:00Z"))->first().group, QStringLiteral("search"));
    }

    void dailyRulesJudgeTheLastDay()
    {
        TempDir dir;
        auto opened = Storage::Ledger::open(dir.ledgerPath());
        QVERIFY(opened.ok());
        Storage::Ledger &ledger = **opened;
        // 28 quiet days at $10, 600 of 1,600 prompt tokens from the cache; then a day at $20 with
        // few cache reads and a user taking 40 % of it.
        QVector<Request> requests;
        for (int d = 0; d < 28; ++d)
            requests += day(qPrintable(isoDate(*parseDate("2026-10-01") + d)), 20, 10.0, 600);
        QVector<Request> spike = day("2026-10-29", 20, 12.0, 50);
        spike.append({at("2026-10-29T23:00:00Z"), 8.0, QStringLiteral("search"), QStringLiteral("u-big")});
        requests += spike;
        add(ledger, dir, requests);
        const qint64 now = at("2026-10-30T08:00:00Z");

        auto check = [&](Kind kind, State expected, const char *text, std::optional<double> percent = {}) {
            Rule r = Rule::withDefaults(kind);
            r.name = kindName(kind);
            if (percent)
                r.percent = *percent;
            const auto findings = assess(ledger, r, now);
            QVERIFY(findings.ok());
            QCOMPARE(findings->size(), 1);
            QCOMPARE(findings->first().state, expected);
            QVERIFY2(findings->first().message.contains(QLatin1String(text)), qPrintable(findings->first().message));
        };
        check(Kind::Spike, State::Alert, "$20.00 spent on 2026-10-29, 200 % of the 7-day average $10.00 (limit 150 %)");
        check(Kind::Spike, State::Ok, "200 %", 250);
        check(Kind::CacheHitRate, State::Alert, "baseline 37.5 % over 28 days");
        check(Kind::Concentration, State::Alert, "user u-big spent $8.00 on 2026-10-29, 40 % of the day's spend");
        // Cost per request: the last 7 days against the 7 before.
        check(Kind::CostPerRequest, State::Ok, "(+");

        // The minimum-volume guard: a rule scoped to a user with 1 request a day says NO_DATA.
        Rule guarded = Rule::withDefaults(Kind::Spike);
        guarded.name = QStringLiteral("big user");
        guarded.filters = {{Storage::Dimension::User, {QStringLiteral("u-big")}}};
        QCOMPARE(assess(ledger, guarded, now)->first().state, State::NoData);

        // Backtest: over the last 90 days the spike rule would have notified once, for the 29th.
        Rule spikeRule = Rule::withDefaults(Kind::Spike);
        spikeRule.name = QStringLiteral("spike");
        const auto test = backtest(ledger, spikeRule, now, 90);
        QVERIFY(test.ok());
        QCOMPARE(test->firings.size(), 1);
        QCOMPARE(isoDate(test->firings.first().first), QStringLiteral("2026-10-30"));
        QVERIFY(test->firings.first().second.contains(QLatin1String("2026-10-29")));
    }

    void unpricedAndSilentSources()
    {
        TempDir dir;
        auto opened = Storage::Ledger::open(dir.ledgerPath());
        QVERIFY(opened.ok());
        Storage::Ledger &ledger = **opened;
        add(ledger, dir, {{at("2026-11-20T10:00:00Z"), 1.0}, {at("2026-11-20T11:00:00Z"), -1}});
        add(ledger, dir, {{at("2026-11-19T10:00:00Z"), 1.0}}, QStringLiteral("gateway"));
        Rule unpriced = Rule::withDefaults(Kind::Unpriced);
        unpriced.name = QStringLiteral("unpriced");
        auto findings = assess(ledger, unpriced, at("2026-11-20T12:00:00Z"));
        QCOMPARE(findings->size(), 1);
        QCOMPARE(findings->first().group, QStringLiteral("mystery-model"));
        QVERIFY(findings->first().message.contains(QLatin1String("1 requests for mystery-model")));
        QCOMPARE(assess(ledger, unpriced, at("2026-11-22T12:00:00Z"))->size(), 0); // 24 h later: gone

        Rule silent = Rule::withDefaults(Kind::NoData);
        silent.name = QStringLiteral("quiet");
        silent.hours = 24;
        findings = assess(ledger, silent, at("2026-11-20T20:00:00Z"));
        QStringList verdicts;
        for (const Finding &f : *findings)
            verdicts.append(f.group + QLatin1Char('=') + stateName(f.state));
        verdicts.sort();
        QCOMPARE(verdicts, (QStringList{QStringLiteral("source agent=OK"), QStringLiteral("source gateway=ALERT")}));
        for (const Finding &f : *findings)
            if (f.state == State::Alert)
                QVERIFY2(f.message.contains(QLatin1String("quiet: source gateway sent no requests for 34 h")),
                         qPrintable(f.message));
    }

    void badRulesAreRefused()
    {
        TempDir dir;
        auto ledger = Storage::Ledger::open(dir.ledgerPath());
        Rule r = Rule::withDefaults(Kind::Budget);
        r.name = QStringLiteral("x");
        QVERIFY(addRule(**ledger, r).error().message.contains(QLatin1String("amount")));
        r.amount = 1;
        r.timeZone = QStringLiteral("Mars/Olympus");
        QVERIFY(addRule(**ledger, r).error().message.contains(QLatin1String("Mars/Olympus")));
        r.timeZone = QStringLiteral("UTC");
        r.thresholds = {80, 50};
        QVERIFY(addRule(**ledger, r).error().message.contains(QLatin1String("ascending")));
        Rule c = Rule::withDefaults(Kind::Concentration);
        c.name = QStringLiteral("c");
        c.groupBy = Storage::Dimension::Model;
        QVERIFY(addRule(**ledger, c).error().message.contains(QLatin1String("per user or per feature")));
        QVERIFY(listRules(**ledger)->isEmpty());
    }

    void cliBudgetsAndAlerts()
    {
        TempDir dir;
        {
            auto ledger = Storage::Ledger::open(dir.ledgerPath());
            QVERIFY(ledger.ok());
            add(**ledger, dir, day("2026-11-02", 10, 60.0) + day("2026-11-03", 10, 10.0));
        }
        const auto ctl = [&](QStringList args) {
            return Test::runCtl(QStringList{QStringLiteral("--db"), dir.ledgerPath()} + args);
        };
        const Test::CtlRun added =
            ctl({QStringLiteral("budgets"), QStringLiteral("add"), QStringLiteral("--name"), QStringLiteral("Search"),
                 QStringLiteral("--amount"), QStringLiteral("100"), QStringLiteral("--window"), QStringLiteral("month"),
                 QStringLiteral("--scope"), QStringLiteral("team=search"), QStringLiteral("--tz"),
                 QStringLiteral("Europe/Berlin")});
        QVERIFY2(added.exitCode == 0, added.err.constData());
        const Test::CtlRun status =
            ctl({QStringLiteral("budgets"), QStringLiteral("status"), QStringLiteral("--now"),
                 QStringLiteral("2026-11-04T12:00:00Z"), QStringLiteral("--format"), QStringLiteral("json")});
        QVERIFY2(status.exitCode == 0, status.err.constData());
        const QJsonObject budget =
            QJsonDocument::fromJson(status.out).object()[QStringLiteral("budgets")].toArray()[0].toObject();
        QCOMPARE(budget[QStringLiteral("state")].toString(), QStringLiteral("WARNING"));
        QCOMPARE(budget[QStringLiteral("figures")].toObject()[QStringLiteral("spent_usd")].toString(),
                 QStringLiteral("70"));

        QCOMPARE(ctl({QStringLiteral("alerts"), QStringLiteral("add"), QStringLiteral("--kind"),
                      QStringLiteral("spike"), QStringLiteral("--name"), QStringLiteral("Spikes")})
                     .exitCode,
                 0);
        const Test::CtlRun evaluated =
            ctl({QStringLiteral("alerts"), QStringLiteral("evaluate"), QStringLiteral("--now"),
                 QStringLiteral("2026-11-04T12:00:00Z"), QStringLiteral("--format"), QStringLiteral("json")});
        QVERIFY2(evaluated.exitCode == 0, evaluated.err.constData());
        const QJsonArray rules = QJsonDocument::fromJson(evaluated.out).object()[QStringLiteral("rules")].toArray();
        QCOMPARE(rules.size(), 2);
        QCOMPARE(
            rules[0].toObject()[QStringLiteral("groups")].toArray()[0].toObject()[QStringLiteral("state")].toString(),
            QStringLiteral("WARNING"));
        QCOMPARE(
            rules[1].toObject()[QStringLiteral("groups")].toArray()[0].toObject()[QStringLiteral("state")].toString(),
            QStringLiteral("NO_DATA")); // two days of history: no 7-day baseline yet
        const Test::CtlRun h = ctl({QStringLiteral("alerts"), QStringLiteral("history")});
        QVERIFY2(h.out.contains("OK -> WARNING") && h.out.contains("Search"), h.out.constData());
        const Test::CtlRun backtested = ctl({QStringLiteral("alerts"), QStringLiteral("backtest"), QStringLiteral("1"),
                                             QStringLiteral("--now"), QStringLiteral("2026-11-04T12:00:00Z")});
        QVERIFY2(backtested.exitCode == 0 && backtested.out.contains("would have notified 1 time"),
                 backtested.out.constData());
        QCOMPARE(ctl({QStringLiteral("budgets"), QStringLiteral("add"), QStringLiteral("--amount"),
                      QStringLiteral("-5"), QStringLiteral("--name"), QStringLiteral("x")})
                     .exitCode,
                 1);
        QCOMPARE(ctl({QStringLiteral("alerts"), QStringLiteral("remove"), QStringLiteral("2")}).exitCode, 0);
        QCOMPARE(ctl({QStringLiteral("alerts"), QStringLiteral("remove"), QStringLiteral("2")}).exitCode, 2);
    }
};

QTEST_GUILESS_MAIN(TestAlerts)
#include "tst_alerts.moc"

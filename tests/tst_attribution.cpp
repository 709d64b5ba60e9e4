// Attribution rules on metered requests: applied at import, re-applied to history from what the
// sources said, rollups kept consistent with the requests.

#include "support/testsupport.h"

#include "attribution/attribution.h"
#include "common/clock.h"
#include "ingest/importjob.h"
#include "storage/ledger.h"
#include "storage/spendquery.h"

#include <QSqlQuery>
#include <QTest>

using namespace CostGov;
using CostGov::Test::TempDir;

namespace {

struct TeamFigures {
    qint64 requests = 0;
    Nano cost = 0;
    bool operator==(const TeamFigures &o) const { return requests == o.requests && cost == o.cost; }
};

using Teams = QMap<QString, TeamFigures>;

// By team from the rollups (what every report reads).
Teams teamsFromRollups(Storage::Ledger &ledger, QVector<Storage::Dimension> groupBy = {Storage::Dimension::Team})
{
    Teams teams;
    const int teamColumn = int(groupBy.indexOf(Storage::Dimension::Team));
    for (const Storage::SpendRow &row : Test::report(ledger, groupBy).rows) {
        TeamFigures &t = teams[row.keys[teamColumn]];
        t.requests += row.metrics.requests;
        t.cost += row.metrics.costNano;
    }
    return teams;
}

// By team from the request rows themselves.
Teams teamsFromRequests(Storage::Ledger &ledger)
{
    QSqlQuery q(ledger.db());
    if (!q.exec(QStringLiteral("SELECT t.value, COUNT(*), COALESCE(SUM(r.cost_nano), 0) FROM requests r "
                               "JOIN dimsets d ON d.id = r.dimset JOIN labels t ON t.id = d.team GROUP BY t.value")))
        qFatal("query failed");
    Teams teams;
    while (q.next())
        teams.insert(q.value(0).toString(), {q.value(1).toLongLong(), q.value(2).toLongLong()});
    return teams;
}

Attribution::Rule rule(const char *field, const char *pattern, const char *team, const char *feature = "")
{
    Attribution::Rule r;
    r.field = QLatin1String(field);
    r.pattern = QLatin1String(pattern);
    r.team = QLatin1String(team);
    r.feature = QLatin1String(feature);
    return r;
}

} // namespace

class TestAttribution : public QObject {
    Q_OBJECT

private slots:
    void tagValues()
    {
        const std::string tags = "{\"api_key_alias\":\"search-prod\",\"n\":3,\"request_tags\":[\"a\",\"b,}\"],"
                                 "\"quoted\":\"say \\\"hi\\\"\", \"team_id\" : \"t-42\"}";
        QCOMPARE(Attribution::tagValue(tags, "api_key_alias").value_or("?"), std::string("search-prod"));
        QCOMPARE(Attribution::tagValue(tags, "quoted").value_or("?"), std::string("say \"hi\""));
        QCOMPARE(Attribution::tagValue(tags, "team_id").value_or("?"), std::string("t-42"));
        QVERIFY(!Attribution::tagValue(tags, "n")); // not text
        QVERIFY(!Attribution::tagValue(tags, "missing"));
        QVERIFY(!Attribution::tagValue("{\"a\":", "a"));
        QVERIFY(!Attribution::tagValue("", "a"));
    }

    void importAttributesAndHistoryFollowsRuleChanges()
    {
        TempDir dir;
        auto opened = Storage::Ledger::open(dir.ledgerPath());
        QVERIFY(opened.ok());
        Storage::Ledger &ledger = **opened;

        // Rules before the first import: the import stores requests attributed.
        const auto eval = Attribution::addRule(ledger, rule("tag", "api_key_alias=support-bot-dev", "support-eval"));
        QVERIFY(eval.ok());
        // data-science's LiteLLM team id; its logs name the team by alias, the id is matched too.
        QVERIFY(Attribution::addRule(ledger, rule("team", "8f3b2a1c-*", "research", "notebooks")).ok());
        QVERIFY(Attribution::addRule(ledger, rule("service", "analytics-*", "analytics")).ok());

        Ingest::ImportOptions import;
        import.paths = {Test::dataPath(QStringLiteral("litellm_spend_logs.jsonl")),
                        Test::dataPath(QStringLiteral("samples/otel_genai_spans.jsonl"))};
        QVERIFY(Ingest::runImport(ledger, import, Clock::system()).ok());

        Teams teams = teamsFromRollups(ledger);
        QCOMPARE(teams, teamsFromRequests(ledger));
        QCOMPARE(teamsFromRollups(ledger, {Storage::Dimension::User, Storage::Dimension::Team}), teams);
        QCOMPARE(teams.value(QStringLiteral("support-eval")), (TeamFigures{11, Test::usd("0.0889635")}));
        QCOMPARE(teams.value(QStringLiteral("research")), (TeamFigures{10, Test::usd("0.08128604")}));
        QCOMPARE(teams.value(QStringLiteral("analytics")).requests, 8); // OTel analytics-worker spans
        QVERIFY(!teams.contains(QStringLiteral("data-science")));
        QCOMPARE(teams.value(QStringLiteral("customer-support")).requests, 19 + 14);
        QCOMPARE(teams.value(QStringLiteral("platform-eng")).requests, 10 + 6);
        // A rule with a feature sets it; one without keeps the request's own.
        const auto features = Test::report(ledger, {Storage::Dimension::Team, Storage::Dimension::Feature});
        for (const Storage::SpendRow &row : features.rows) {
            if (row.keys[0] == QLatin1String("research"))
                QCOMPARE(row.keys[1], QStringLiteral("notebooks"));
            if (row.keys[0] == QLatin1String("support-eval"))
                QCOMPARE(row.keys[1], QStringLiteral("eval"));
        }

        // Removing a rule gives its requests back the team their logs name.
        QVERIFY(*Attribution::removeRule(ledger, *eval));
        auto moved = Attribution::applyRules(ledger);
        QVERIFY(moved.ok());
        QCOMPARE(moved->requests, 11);
        QCOMPARE(moved->requestCost, Test::usd("0.0889635"));
        teams = teamsFromRollups(ledger);
        QCOMPARE(teams, teamsFromRequests(ledger));
        QVERIFY(!teams.contains(QStringLiteral("support-eval")));
        QCOMPARE(teams.value(QStringLiteral("customer-support")).requests, 30 + 14);
        QCOMPARE(Attribution::applyRules(ledger)->requests, 0); // nothing left to move

        // A new first rule on the project wins over the later ones, on history.
        auto everything = rule("team", "*", "shared", "pool");
        everything.position = 1;
        everything.provider = QStringLiteral("openai");
        QVERIFY(Attribution::addRule(ledger, everything).ok());
        moved = Attribution::applyRules(ledger);
        QVERIFY(moved.ok());
        teams = teamsFromRollups(ledger);
        QCOMPARE(teams, teamsFromRequests(ledger));
        QCOMPARE(teamsFromRollups(ledger, {Storage::Dimension::User, Storage::Dimension::Team}), teams);
        QCOMPARE(teamsFromRollups(ledger, {Storage::Dimension::Model, Storage::Dimension::Team}), teams);
        const Storage::SpendReport providers = Test::report(ledger, {Storage::Dimension::Provider},
                                                            {{Storage::Dimension::Team, {QStringLiteral("shared")}}});
        QCOMPARE(providers.rows.size(), 1);
        QCOMPARE(providers.rows[0].keys[0], QStringLiteral("openai"));
        QCOMPARE(teams.value(QStringLiteral("shared")).requests, moved->requests);

        // A second import of the same files adds nothing and moves nothing.
        QVERIFY(Ingest::runImport(ledger, import, Clock::system()).ok());
        QCOMPARE(teamsFromRollups(ledger), teams);

        // Without rules every request is back where its log put it.
        const auto rules = Attribution::listRules(ledger); // kept: the loop reads it
        for (const Attribution::Rule &r : *rules)
            QVERIFY(*Attribution::removeRule(ledger, r.id));
        QVERIFY(Attribution::applyRules(ledger).ok());
        teams = teamsFromRollups(ledger);
        QCOMPARE(teams, teamsFromRequests(ledger));
        QCOMPARE(teams.value(QStringLiteral("data-science")).requests, 10 + 8);
        QCOMPARE(teams.value(QStringLiteral("customer-support")).requests, 30 + 14);
        QCOMPARE(teams.value(QStringLiteral("platform-eng")).requests, 10 + 6);
        QCOMPARE(teams.size(), 3);
    }

    void badRulesAreRefused()
    {
        TempDir dir;
        auto ledger = Storage::Ledger::open(dir.ledgerPath());
        QVERIFY(ledger.ok());
        const auto noValue = Attribution::addRule(**ledger, rule("tag", "api_key_alias", "x"));
        QVERIFY(!noValue.ok());
        QVERIFY2(noValue.error().message.contains(QLatin1String("key=value")), qPrintable(noValue.error().message));
        const auto unknown = Attribution::addRule(**ledger, rule("model", "gpt-4o", "x"));
        QVERIFY(!unknown.ok());
        QVERIFY(unknown.error().message.contains(QLatin1String("\"model\"")));

        // The CLI: one matcher, and what moved is said for requests too.
        const auto ctl = [&](const QStringList &args) {
            return Test::runCtl(QStringList{QStringLiteral("--db"), dir.ledgerPath()} + args);
        };
        QCOMPARE(ctl({QStringLiteral("import"), Test::dataPath(QStringLiteral("litellm_spend_logs.jsonl"))}).exitCode,
                 0);
        const Test::CtlRun added =
            ctl({QStringLiteral("attribution"), QStringLiteral("add"), QStringLiteral("--tag"),
                 QStringLiteral("api_key_alias=platform-ci"), QStringLiteral("--team"), QStringLiteral("ci")});
        QCOMPARE(added.exitCode, 0);
        QVERIFY2(added.out.contains("10 requests moved ($0.1736019 of cost)"), added.out.constData());
        QCOMPARE(
            ctl({QStringLiteral("attribution"), QStringLiteral("add"), QStringLiteral("--tag"), QStringLiteral("x=y"),
                 QStringLiteral("--service"), QStringLiteral("s"), QStringLiteral("--team"), QStringLiteral("t")})
                .exitCode,
            1);
        const Test::CtlRun report = ctl({QStringLiteral("report"), QStringLiteral("--by"), QStringLiteral("team"),
                                         QStringLiteral("--format"), QStringLiteral("csv")});
        QVERIFY2(report.out.contains("\nci,10,"), report.out.constData());
    }
};

QTEST_GUILESS_MAIN(TestAttribution)
#include "tst_attribution.moc"

// Provider billing sync against a real HTTP server on 127.0.0.1 serving the documented response
// shapes from the samples: exact totals, pagination, retries (429 with Retry-After, 500, a body
// cut short), a refused key, idempotent re-sync and revised buckets.
#include "support/fakeprovider.h"
#include "support/testsupport.h"

#include "attribution/attribution.h"
#include "billing/billedreport.h"
#include "billing/billing.h"
#include "billing/reconcile.h"
#include "common/clock.h"
#include "common/timeutil.h"
#include "ingest/importjob.h"
#include "storage/ledger.h"
#include "storage/spendquery.h"

#include <QProcess>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QUrlQuery>

#include <functional>

using namespace CostGov;
using namespace CostGov::Billing;
using CostGov::Test::FakeProvider;
using CostGov::Test::HttpReply;
using CostGov::Test::HttpRequest;
using CostGov::Test::TempDir;

namespace {

QByteArray sample(const char *name)
{
    return Test::readData(QStringLiteral("samples/") + QLatin1String(name));
}

/// Sums of the stored billed costs: total, rows, and by project.
struct Stored {
    Nano total = 0;
    qint64 rows = 0;
    QMap<QString, Nano> byProject;
};

Stored stored(Storage::Ledger &ledger, const QString &provider)
{
    Stored s;
    QSqlQuery q(ledger.db());
    q.prepare(QStringLiteral("SELECT project, SUM(amount_nano), COUNT(*) FROM billed_costs WHERE provider = ? "
                             "GROUP BY project"));
    q.addBindValue(provider);
    q.exec();
    while (q.next()) {
        s.byProject.insert(q.value(0).toString(), q.value(1).toLongLong());
        s.total += q.value(1).toLongLong();
        s.rows += q.value(2).toLongLong();
    }
    return s;
}

Nano usd(const char *text)
{
    return *parseUsd(text);
}

/// Every documented report of both providers, from the samples (OpenAI embeddings: none).
HttpReply sampleReports(const HttpRequest &request)
{
    const bool second = request.query.hasQueryItem(QStringLiteral("page"));
    const QString &path = request.path;
    if (path == QLatin1String("/v1/organization/costs"))
        return {200, sample(second ? "openai_costs_page2.json" : "openai_costs_page1.json")};
    if (path == QLatin1String("/v1/organization/usage/completions"))
        return {200, sample("openai_usage_completions.json")};
    if (path == QLatin1String("/v1/organization/usage/embeddings"))
        return {200, R"({"object":"page","data":[],"has_more":false,"next_page":null})"};
    if (path == QLatin1String("/v1/organizations/cost_report"))
        return {200, sample(second ? "anthropic_cost_report_page2.json" : "anthropic_cost_report.json")};
    if (path == QLatin1String("/v1/organizations/usage_report/messages"))
        return {200, sample("anthropic_usage_messages.json")};
    return {404, R"({"error":{"message":"no such path","type":"not_found","param":null,"code":null}})"};
}

SyncOptions optionsFor(Provider provider, const FakeProvider &server, const char *from, const char *to)
{
    SyncOptions options;
    options.provider = provider;
    options.baseUrl = server.baseUrl();
    options.key =
        provider == Provider::OpenAi ? QStringLiteral("sk-admin-test-key") : QStringLiteral("sk-ant-admin-test");
    options.fromDay = *parseDate(from);
    options.toDay = *parseDate(to);
    options.backoffMs = 50;
    return options;
}

} // namespace

class TestBilling : public QObject {
    Q_OBJECT

private slots:
    void parsersReadTheSamplesExactly()
    {
        const auto first = parseOpenAiCosts(sample("openai_costs_page1.json"));
        QVERIFY(first.ok());
        QCOMPARE(first->buckets, 7);
        QCOMPARE(first->nextPage, std::optional<QString>(QStringLiteral("page_AAAAAGhtYYAAAAAAaHCqgA==")));
        Nano total = 0;
        for (const BilledCost &row : first->rows)
            total += row.amount;
        QCOMPARE(total, usd("16.4200957"));
        // "gpt-4o-2024-08-06, cached input": the model and the kind; "Vector storage": no model.
        const auto cached = std::find_if(first->rows.begin(), first->rows.end(),
                                         [](const BilledCost &r) { return r.lineItem.endsWith(u"cached input"); });
        QVERIFY(cached != first->rows.end());
        QVERIFY(cached->model.startsWith(u"gpt-4o"));
        QCOMPARE(cached->costType, QStringLiteral("cached input"));

        // Anthropic amounts are decimal strings in cents.
        const auto anthropic = parseAnthropicCostReport(sample("anthropic_cost_report.json"));
        QVERIFY(anthropic.ok());
        Nano cents = 0;
        for (const BilledCost &row : anthropic->rows)
            cents += row.amount;
        QCOMPARE(cents, usd("74.2623155")); // 7,426.23155 cents

        // A body cut short or not a cost report: an error saying so, never a partial page.
        const QByteArray page = sample("openai_costs_page2.json");
        const auto cut = parseOpenAiCosts(page.left(page.size() / 2));
        QVERIFY(!cut.ok());
        QVERIFY2(cut.error().message.contains(QLatin1String("not JSON")), qPrintable(cut.error().message));
        QVERIFY(!parseOpenAiCosts(R"({"object":"page","data":[{"start_time":1}],"has_more":false})").ok());
        QVERIFY(!parseAnthropicCostReport(R"({"data":[],"has_more":true,"next_page":null})").ok());
    }

    void openAiSyncPagesRetriesAndReplaces()
    {
        TempDir dir;
        auto ledger = Storage::Ledger::open(dir.ledgerPath());
        QVERIFY(ledger.ok());
        FakeProvider server;
        int served = 0;
        QByteArray secondPage = sample("openai_costs_page2.json");
        server.handler = [&](const HttpRequest &request) {
            ++served;
            if (request.path != QLatin1String("/v1/organization/costs"))
                return HttpReply{
                    404, R"({"error":{"message":"no such path","type":"x","param":null,"code":null}})", {}};
            // The first page fails three ways before it arrives; the second page at once.
            if (served == 1)
                return HttpReply{429,
                                 R"({"error":{"message":"Rate limit","type":"rate_limit","param":null,"code":null}})",
                                 {{"Retry-After", "1"}}};
            if (served == 2)
                return HttpReply{500, R"({"error":{"message":"oops","type":"server","param":null,"code":null}})", {}};
            if (served == 3)
                return HttpReply{200, sample("openai_costs_page1.json"), {}, true};
            return HttpReply{200,
                             request.query.hasQueryItem(QStringLiteral("page")) ? secondPage
                                                                                : sample("openai_costs_page1.json")};
        };
        SyncOptions options = optionsFor(Provider::OpenAi, server, "2026-07-01", "2026-07-10");
        const ManualClock clock(*parseTimestampMs("2026-07-11T06:00:00Z"));
        QElapsedTimer timer;
        timer.start();
        const auto synced = syncCosts(**ledger, options, clock);
        QVERIFY2(synced.ok(), qPrintable(synced.ok() ? QString() : synced.error().message));
        QVERIFY(timer.elapsed() >= 1000); // Retry-After: 1 was honoured
        QCOMPARE(synced->pages, 2);
        QCOMPARE(synced->buckets, 10);
        QCOMPARE(synced->inserted, 123);
        QCOMPARE(synced->replaced, 0);
        QCOMPARE(synced->retries, 3);
        QCOMPARE(synced->total, usd("23.9041206"));

        // The documented request: bearer key, grouping, seconds, end exclusive, then the cursor.
        const HttpRequest &firstCall = server.requests.first();
        QCOMPARE(firstCall.headers.value("authorization"), QByteArray("Bearer sk-admin-test-key"));
        QCOMPARE(firstCall.query.queryItemValue(QStringLiteral("start_time")), QStringLiteral("1782864000"));
        QCOMPARE(firstCall.query.queryItemValue(QStringLiteral("end_time")), QStringLiteral("1783728000"));
        QCOMPARE(firstCall.query.allQueryItemValues(QStringLiteral("group_by")),
                 QStringList({QStringLiteral("project_id"), QStringLiteral("line_item")}));
        QCOMPARE(server.requests.last().query.queryItemValue(QStringLiteral("page")),
                 QStringLiteral("page_AAAAAGhtYYAAAAAAaHCqgA=="));

        Stored s = stored(**ledger, QStringLiteral("openai"));
        QCOMPARE(s.total, usd("23.9041206"));
        QCOMPARE(s.byProject.value(QStringLiteral("proj_3kXq9RzT1mVb7Lp2NcY8wHd4")), usd("13.3828371"));
        QCOMPARE(s.byProject.value(QStringLiteral("proj_7Hf2Gm5Jk8Qs1Wd3Ry6Tz9Ua")), usd("9.134788"));
        QCOMPARE(s.byProject.value(QStringLiteral("proj_9Nc4Vb1Xz7Mq2Lk5Jh8Gf3Ds")), usd("1.1864955"));
        QCOMPARE(s.byProject.value(QString()), usd("0.2")); // the org-level vector storage row

        // The same days again: replaced, not added.
        const auto again = syncCosts(**ledger, options, clock);
        QVERIFY(again.ok());
        QCOMPARE(again->replaced, 123);
        QCOMPARE(stored(**ledger, QStringLiteral("openai")).rows, 123);
        QCOMPARE(stored(**ledger, QStringLiteral("openai")).total, usd("23.9041206"));

        // The provider revised a bucket: the new figure replaces the old one.
        secondPage.replace("\"value\": 0.33475", "\"value\": 0.43475");
        QVERIFY(secondPage != sample("openai_costs_page2.json"));
        QVERIFY(syncCosts(**ledger, options, clock).ok());
        QCOMPARE(stored(**ledger, QStringLiteral("openai")).total, usd("24.0041206"));

        // A refused key stops at once with what is needed, never the key; nothing stored changes.
        server.handler = [](const HttpRequest &) {
            return HttpReply{
                401,
                R"({"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}})"};
        };
        const int before = int(server.requests.size());
        const auto refused = syncCosts(**ledger, options, clock);
        QVERIFY(!refused.ok());
        QCOMPARE(server.requests.size(), before + 1);
        QVERIFY2(refused.error().message.contains(QLatin1String("OpenAI refused the admin key (HTTP 401"))
                     && refused.error().message.contains(QLatin1String("COSTGOV_OPENAI_ADMIN_KEY"))
                     && !refused.error().message.contains(QLatin1String("sk-admin-test-key")),
                 qPrintable(refused.error().message));
        QCOMPARE(stored(**ledger, QStringLiteral("openai")).total, usd("24.0041206"));

        // A server that keeps failing: reported after the attempts, nothing stored changes.
        server.handler = [](const HttpRequest &) { return HttpReply{503, "{}"}; };
        options.maxAttempts = 3;
        const auto down = syncCosts(**ledger, options, clock);
        QVERIFY(!down.ok());
        QVERIFY2(down.error().message.contains(QLatin1String("failed after 3 attempts: server error (HTTP 503)")),
                 qPrintable(down.error().message));
        QCOMPARE(stored(**ledger, QStringLiteral("openai")).rows, 123);
    }

    void anthropicSyncReadsCents()
    {
        TempDir dir;
        auto ledger = Storage::Ledger::open(dir.ledgerPath());
        QVERIFY(ledger.ok());
        FakeProvider server;
        server.handler = [](const HttpRequest &request) {
            if (request.path != QLatin1String("/v1/organizations/cost_report"))
                return HttpReply{404, "{}"};
            return HttpReply{200,
                             request.query.hasQueryItem(QStringLiteral("page"))
                                 ? sample("anthropic_cost_report_page2.json")
                                 : sample("anthropic_cost_report.json")};
        };
        const SyncOptions options = optionsFor(Provider::Anthropic, server, "2026-07-01", "2026-07-07");
        const ManualClock clock(*parseTimestampMs("2026-07-08T06:00:00Z"));
        const auto synced = syncCosts(**ledger, options, clock);
        QVERIFY2(synced.ok(), qPrintable(synced.ok() ? QString() : synced.error().message));
        QCOMPARE(synced->pages, 2);
        QCOMPARE(synced->buckets, 7);
        QCOMPARE(synced->inserted, 153);
        QCOMPARE(synced->total, usd("122.3283845"));
        const HttpRequest &first = server.requests.first();
        QCOMPARE(first.headers.value("x-api-key"), QByteArray("sk-ant-admin-test"));
        QCOMPARE(first.headers.value("anthropic-version"), QByteArray("2023-06-01"));
        QCOMPARE(first.query.queryItemValue(QStringLiteral("starting_at")), QStringLiteral("2026-07-01T00:00:00Z"));
        QCOMPARE(first.query.queryItemValue(QStringLiteral("ending_at")), QStringLiteral("2026-07-08T00:00:00Z"));
        QCOMPARE(first.query.allQueryItemValues(QStringLiteral("group_by[]")),
                 QStringList({QStringLiteral("workspace_id"), QStringLiteral("description")}));
        const Stored s = stored(**ledger, QStringLiteral("anthropic"));
        QCOMPARE(s.byProject.value(QStringLiteral("wrkspc_01PqR7sT2uVw3XyZ4aBc5DeF")), usd("54.6193785"));
        QCOMPARE(s.byProject.value(QString()), usd("14.439795")); // the default workspace
    }

    void usageSyncTokensByKind()
    {
        TempDir dir;
        auto ledger = Storage::Ledger::open(dir.ledgerPath());
        QVERIFY(ledger.ok());
        FakeProvider server;
        server.handler = sampleReports;
        const ManualClock clock(*parseTimestampMs("2026-07-11T06:00:00Z"));
        const auto openai =
            syncUsage(**ledger, optionsFor(Provider::OpenAi, server, "2026-07-01", "2026-07-10"), clock);
        QVERIFY2(openai.ok(), qPrintable(openai.ok() ? QString() : openai.error().message));
        QCOMPARE(openai->pages, 2); // completions and embeddings
        QCOMPARE(openai->inserted, 39);
        const auto anthropic =
            syncUsage(**ledger, optionsFor(Provider::Anthropic, server, "2026-07-01", "2026-07-07"), clock);
        QVERIFY(anthropic.ok());
        const HttpRequest &completions = server.requests.first();
        QCOMPARE(completions.path, QStringLiteral("/v1/organization/usage/completions"));
        QCOMPARE(completions.query.allQueryItemValues(QStringLiteral("group_by")),
                 QStringList({QStringLiteral("model"), QStringLiteral("project_id"), QStringLiteral("api_key_id")}));
        QCOMPARE(server.requests.last().query.allQueryItemValues(QStringLiteral("group_by[]")),
                 QStringList({QStringLiteral("workspace_id"), QStringLiteral("api_key_id"), QStringLiteral("model")}));

        auto sums = [&](const char *provider) {
            QSqlQuery q((*ledger)->db());
            q.prepare(QStringLiteral("SELECT SUM(input_uncached_tokens), SUM(cache_read_tokens), "
                                     "SUM(cache_write_5m_tokens), SUM(cache_write_1h_tokens), SUM(output_tokens), "
                                     "SUM(requests), COUNT(requests), SUM(web_searches) FROM billed_usage "
                                     "WHERE provider = ?"));
            q.addBindValue(QLatin1String(provider));
            q.exec();
            q.next();
            QVector<qint64> v;
            for (int i = 0; i < 8; ++i)
                v.append(q.value(i).toLongLong());
            return v;
        };
        // EXPECTED.md: uncached 28,460,917 + cached 10,809,728 = input 39,270,645; 22,556 requests.
        QCOMPARE(sums("openai"), (QVector<qint64>{28'460'917, 10'809'728, 0, 0, 6'749'050, 22'556, 39, 0}));
        // Anthropic: no request counts (NULL, not 0), web searches kept.
        QCOMPARE(sums("anthropic"),
                 (QVector<qint64>{21'567'150, 91'094'480, 3'966'970, 457'760, 5'389'390, 0, 0, 285}));
        // report --ledger billed gives the tokens and requests with the metered report's dimensions.
        Storage::SpendQuery byProvider;
        byProvider.groupBy = {Storage::Dimension::Provider};
        const auto billed = runBilledQuery(**ledger, byProvider);
        QVERIFY(billed.ok());
        QHash<QString, Storage::SpendMetrics> metrics;
        for (const Storage::SpendRow &row : billed->rows)
            metrics.insert(row.keys.first(), row.metrics);
        const Storage::SpendMetrics openAi = metrics.value(QStringLiteral("openai"));
        QCOMPARE((QVector<qint64>{openAi.inputTokens, openAi.cacheReadTokens, openAi.cacheWriteTokens,
                                  openAi.outputTokens, openAi.requests}),
                 (QVector<qint64>{28'460'917, 10'809'728, 0, 6'749'050, 22'556}));
        const Storage::SpendMetrics claude = metrics.value(QStringLiteral("anthropic"));
        QCOMPARE((QVector<qint64>{claude.inputTokens, claude.cacheReadTokens, claude.cacheWriteTokens,
                                  claude.outputTokens, claude.requests}),
                 (QVector<qint64>{21'567'150, 91'094'480, 3'966'970 + 457'760, 5'389'390, 0}));

        // Again: replaced, not added.
        const auto again = syncUsage(**ledger, optionsFor(Provider::OpenAi, server, "2026-07-01", "2026-07-10"), clock);
        QVERIFY(again.ok());
        QCOMPARE(again->replaced, 39);
        QCOMPARE(sums("openai")[0], 28'460'917);
    }

    void attributionMovesBilledCosts()
    {
        TempDir dir;
        auto opened = Storage::Ledger::open(dir.ledgerPath());
        QVERIFY(opened.ok());
        Storage::Ledger &ledger = **opened;
        FakeProvider server;
        server.handler = sampleReports;
        const ManualClock clock(*parseTimestampMs("2026-07-11T06:00:00Z"));
        const SyncOptions options = optionsFor(Provider::OpenAi, server, "2026-07-01", "2026-07-10");
        QVERIFY(syncCosts(ledger, options, clock).ok());
        auto byTeam = [&] {
            Storage::SpendQuery q;
            q.groupBy = {Storage::Dimension::Team};
            QMap<QString, Nano> teams;
            const auto report = runBilledQuery(ledger, q); // kept: rows must outlive the loop
            for (const Storage::SpendRow &row : report->rows)
                teams.insert(row.keys.first(), row.metrics.costNano);
            return teams;
        };
        QCOMPARE(byTeam(), (QMap<QString, Nano>{{Attribution::unallocated(), usd("23.9041206")}}));

        Attribution::Rule support;
        support.provider = QStringLiteral("openai");
        support.field = QStringLiteral("project");
        support.pattern = QStringLiteral("proj_3kXq9RzT1mVb7Lp2NcY8wHd4");
        support.team = QStringLiteral("customer-support");
        support.feature = QStringLiteral("support-bot");
        const auto supportId = Attribution::addRule(ledger, support);
        QVERIFY(supportId.ok());
        const auto moved = Attribution::applyRules(ledger);
        QVERIFY(moved.ok());
        QCOMPARE(moved->amount, usd("13.3828371"));
        QVERIFY(moved->rows > 0);
        QCOMPARE(byTeam(),
                 (QMap<QString, Nano>{{QStringLiteral("customer-support"), usd("13.3828371")},
                                      {Attribution::unallocated(), usd("10.5212835")}}));

        // A prefix rule put first; a rule for another provider matches nothing here.
        Attribution::Rule analytics{0,
                                    1,
                                    {},
                                    QStringLiteral("project"),
                                    QStringLiteral("proj_7*"),
                                    QStringLiteral("data-science"),
                                    QStringLiteral("dashboards")};
        QVERIFY(Attribution::addRule(ledger, analytics).ok());
        Attribution::Rule elsewhere{0,
                                    0,
                                    QStringLiteral("anthropic"),
                                    QStringLiteral("project"),
                                    QStringLiteral("proj_9Nc4Vb1Xz7Mq2Lk5Jh8Gf3Ds"),
                                    QStringLiteral("x"),
                                    {}};
        QVERIFY(Attribution::addRule(ledger, elsewhere).ok());
        QCOMPARE(Attribution::applyRules(ledger)->amount, usd("9.134788"));
        QCOMPARE(Attribution::listRules(ledger)->first().pattern, QStringLiteral("proj_7*"));
        QCOMPARE(Attribution::applyRules(ledger)->rows, 0); // nothing left to move

        // A sync stores its rows already attributed.
        QVERIFY(syncCosts(ledger, options, clock).ok());
        QCOMPARE(byTeam().value(QStringLiteral("customer-support")), usd("13.3828371"));
        QCOMPARE(byTeam().value(QStringLiteral("data-science")), usd("9.134788"));

        // Removing a rule moves its rows back.
        QVERIFY(*Attribution::removeRule(ledger, *supportId));
        QCOMPARE(Attribution::applyRules(ledger)->amount, usd("13.3828371"));
        QVERIFY(!*Attribution::removeRule(ledger, *supportId));
        Attribution::Rule bad;
        bad.field = QStringLiteral("model");
        bad.pattern = QStringLiteral("x");
        bad.team = QStringLiteral("y");
        QVERIFY(!Attribution::addRule(ledger, bad).ok());

        // The CLI says what moved; bad input is a usage error, an unknown rule a data error.
        const auto ctl = [&](const QStringList &args) {
            return Test::runCtl(QStringList{QStringLiteral("--db"), dir.ledgerPath(), QStringLiteral("attribution")}
                                + args);
        };
        const Test::CtlRun added =
            ctl({QStringLiteral("add"), QStringLiteral("--project"), QStringLiteral("proj_9Nc4Vb1Xz7Mq2Lk5Jh8Gf3Ds"),
                 QStringLiteral("--team"), QStringLiteral("research")});
        QCOMPARE(added.exitCode, 0);
        QVERIFY2(added.out.contains("($1.1864955 of cost)"), added.out.constData());
        QVERIFY(ctl({QStringLiteral("list"), QStringLiteral("--format"), QStringLiteral("json")})
                    .out.contains(R"("pattern":"proj_9Nc4Vb1Xz7Mq2Lk5Jh8Gf3Ds","team":"research")"));
        QCOMPARE(ctl({QStringLiteral("add"), QStringLiteral("--team"), QStringLiteral("x")}).exitCode, 1);
        QCOMPARE(ctl({QStringLiteral("remove"), QStringLiteral("999")}).exitCode, 2);
    }

    void reconcileBilledAgainstMetered()
    {
        TempDir dir;
        auto ledger = Storage::Ledger::open(dir.ledgerPath());
        QVERIFY(ledger.ok());
        Ingest::ImportOptions import;
        import.paths = {Test::dataPath(QStringLiteral("samples"))};
        QVERIFY(Ingest::runImport(**ledger, import, Clock::system()).ok());
        FakeProvider server;
        server.handler = sampleReports;
        const ManualClock clock(*parseTimestampMs("2026-07-11T06:00:00Z"));
        for (const auto provider : {Provider::OpenAi, Provider::Anthropic}) {
            QVERIFY(syncCosts(**ledger,
                              optionsFor(provider, server, "2026-07-01",
                                         provider == Provider::OpenAi ? "2026-07-10" : "2026-07-07"),
                              clock)
                        .ok());
        }
        const auto result = reconcileMonth(**ledger, *parseDate("2026-07-15"));
        QVERIFY(result.ok());
        QCOMPARE(isoDate(result->month.from), QStringLiteral("2026-07-01"));
        QCOMPARE(isoDate(result->month.to), QStringLiteral("2026-07-31"));

        // Metered: what costgovctl report says per provider for July; billed: the synced totals.
        Storage::SpendQuery july;
        july.fromDay = result->month.from;
        july.toDay = result->month.to;
        july.groupBy = {Storage::Dimension::Provider};
        const auto metered = Storage::runSpendQuery(**ledger, july);
        QVERIFY(metered.ok());
        QHash<QString, Nano> meteredCost;
        for (const Storage::SpendRow &row : metered->rows)
            meteredCost.insert(row.keys.first(), row.metrics.costNano);
        QHash<QString, const ProviderReconciliation *> byName;
        for (const ProviderReconciliation &p : result->providers)
            byName.insert(p.provider, &p);
        QVERIFY(byName.contains(QStringLiteral("openai")) && byName.contains(QStringLiteral("anthropic")));
        const ProviderReconciliation &openai = *byName[QStringLiteral("openai")];
        QCOMPARE(openai.month.billed, usd("23.9041206"));
        QCOMPARE(openai.month.metered, meteredCost.value(QStringLiteral("openai")));
        QVERIFY(openai.month.metered > 0);
        QCOMPARE(openai.month.delta(), openai.month.billed - openai.month.metered);
        QCOMPARE(*openai.month.coverage(), double(openai.month.metered) / double(openai.month.billed));
        QCOMPARE(openai.days.size(), 31);
        QCOMPARE(openai.days[4].second.billed, 0); // 07-05: an empty bucket
        QCOMPARE(openai.days[0].second.billed, usd("1.82043255"));
        Nano daySum = 0;
        for (const auto &[day, c] : openai.days)
            daySum += c.metered;
        QCOMPARE(daySum, openai.month.metered);
        QCOMPARE(byName[QStringLiteral("anthropic")]->month.billed, usd("122.3283845"));
        QCOMPARE(byName[QStringLiteral("anthropic")]->month.metered, meteredCost.value(QStringLiteral("anthropic")));
        // No metered request names the billed project ids yet: all unmatched, biggest first.
        QCOMPARE(openai.unmatched.size(), 4);
        QCOMPARE(openai.unmatched.first(),
                 std::pair(QStringLiteral("proj_3kXq9RzT1mVb7Lp2NcY8wHd4"), usd("13.3828371")));

        // The bill as a report with the metered report's dimensions: by model from the line items.
        Storage::SpendQuery byModel;
        byModel.groupBy = {Storage::Dimension::Model};
        byModel.filters = {{Storage::Dimension::Provider, {QStringLiteral("openai")}},
                           {Storage::Dimension::Team, {Attribution::unallocated()}}};
        const auto billedModels = runBilledQuery(**ledger, byModel);
        QVERIFY(billedModels.ok());
        QCOMPARE(billedModels->rows.size(), 3);
        QCOMPARE(billedModels->rows[0].keys.first(), QStringLiteral("gpt-4o-2024-08-06"));
        QCOMPARE(billedModels->rows[0].metrics.costNano, usd("12.1540675"));
        QCOMPARE(billedModels->rows[1].metrics.costNano, usd("8.4000531"));
        QCOMPARE(billedModels->rows[2].keys.first(), QString()); // tools and storage
        QCOMPARE(billedModels->rows[2].metrics.costNano, usd("3.35"));
        QCOMPARE(billedModels->totals.costNano, usd("23.9041206"));
        byModel.filters = {{Storage::Dimension::Team, {QStringLiteral("customer-support")}}};
        QCOMPARE(runBilledQuery(**ledger, byModel)->totals.costNano, 0); // no attribution yet

        // The CLI prints the same figures.
        const Test::CtlRun json = Test::runCtl({QStringLiteral("--db"), dir.ledgerPath(), QStringLiteral("reconcile"),
                                                QStringLiteral("--month"), QStringLiteral("2026-07"),
                                                QStringLiteral("--format"), QStringLiteral("json")});
        QCOMPARE(json.exitCode, 0);
        QVERIFY2(json.out.contains(R"("provider":"openai","billed_nano":23904120600,)"), json.out.constData());
        QCOMPARE(Test::runCtl({QStringLiteral("--db"), dir.ledgerPath(), QStringLiteral("reconcile")}).exitCode, 1);
        const Test::CtlRun billed = Test::runCtl(
            {QStringLiteral("--db"), dir.ledgerPath(), QStringLiteral("report"), QStringLiteral("--ledger"),
             QStringLiteral("billed"), QStringLiteral("--by"), QStringLiteral("day"), QStringLiteral("--where"),
             QStringLiteral("provider=openai"), QStringLiteral("--format"), QStringLiteral("csv")});
        QCOMPARE(billed.exitCode, 0);
        QVERIFY2(billed.out.contains("2026-07-02,0,0,0,0,0,2703477500,2.7034775,"), billed.out.constData());

        // A rule accounts for a project: it leaves the unmatched list.
        QVERIFY(Attribution::addRule(**ledger,
                                     {0,
                                      0,
                                      {},
                                      QStringLiteral("project"),
                                      QStringLiteral("proj_3kXq9RzT1mVb7Lp2NcY8wHd4"),
                                      QStringLiteral("customer-support"),
                                      {}})
                    .ok());
        QVERIFY(Attribution::applyRules(**ledger).ok());
        const auto afterRule = reconcileMonth(**ledger, *parseDate("2026-07-15"));
        QVERIFY(afterRule.ok());
        for (const ProviderReconciliation &p : afterRule->providers) {
            if (p.provider == QLatin1String("openai"))
                QCOMPARE(p.unmatched.size(), 3);
        }
    }

    void cliSyncs()
    {
        TempDir dir;
        FakeProvider server;
        server.handler = sampleReports;
        auto run = [&](const QStringList &args, const QString &key) {
            QProcess ctl;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.remove(QStringLiteral("COSTGOV_OPENAI_ADMIN_KEY"));
            if (!key.isEmpty())
                env.insert(QStringLiteral("COSTGOV_OPENAI_ADMIN_KEY"), key);
            ctl.setProcessEnvironment(env);
            ctl.start(QStringLiteral(COSTGOV_CTL), QStringList{QStringLiteral("--db"), dir.ledgerPath()} + args);
            // The server answers on this thread: keep the event loop running while the child works.
            if (!QTest::qWaitFor([&] { return ctl.state() == QProcess::NotRunning; }, 30'000))
                ctl.kill();
            return std::tuple{ctl.exitCode(), ctl.readAllStandardOutput(), ctl.readAllStandardError()};
        };
        const QStringList args{QStringLiteral("sync"),       QStringLiteral("openai"), QStringLiteral("--from"),
                               QStringLiteral("2026-07-01"), QStringLiteral("--to"),   QStringLiteral("2026-07-10"),
                               QStringLiteral("--base-url"), server.baseUrl(),         QStringLiteral("--json")};
        const auto [code, out, err] = run(args, QStringLiteral("sk-admin-cli"));
        QVERIFY2(code == 0, err.constData());
        QVERIFY2(
            out.contains(R"("costs":{"from":"2026-07-01","to":"2026-07-10","pages":2,"buckets":10,"inserted":123,)")
                && out.contains(R"("total_usd":23.9041206)") && out.contains(R"("usage":{)"),
            out.constData());
        const auto [noKey, noKeyOut, noKeyErr] = run(args, {});
        QCOMPARE(noKey, 1);
        QVERIFY2(noKeyErr.contains("COSTGOV_OPENAI_ADMIN_KEY"), noKeyErr.constData());
        QCOMPARE(std::get<0>(run({QStringLiteral("sync"), QStringLiteral("azure")}, {})), 1);
        // The key never goes over plain http to another computer (refused before any request).
        const auto [plain, plainOut, plainErr] =
            run({QStringLiteral("sync"), QStringLiteral("openai"), QStringLiteral("--base-url"),
                 QStringLiteral("http://192.0.2.1:8080"), QStringLiteral("--quiet")},
                QStringLiteral("sk-admin-cli"));
        QCOMPARE(plain, 1);
        QVERIFY2(plainErr.contains("only over https") && !plainErr.contains("sk-admin-cli"), plainErr.constData());
    }
};

QTEST_GUILESS_MAIN(TestBilling)
#include "tst_billing.moc"

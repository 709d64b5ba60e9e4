// costgov-agent end to end on loopback: a fake upstream (tests/support/fakeupstream.h), the real
// agent executable, pushes from the core client and costgovctl, and its logs imported back.

#include "support/fakeupstream.h"
#include "support/testsupport.h"

#include "common/clock.h"
#include "common/timeutil.h"
#include "ingest/importjob.h"
#include "policy/store.h"
#include "pricing/pricecatalog.h"
#include "storage/ledger.h"
#include "storage/pricestore.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTest>

using namespace CostGov;

namespace {

const QByteArray kToken = "management-token-0123456789";

QJsonObject chat(const QString &model, const QString &prompt)
{
    return {{QStringLiteral("model"), model},
            {QStringLiteral("messages"),
             QJsonArray{
                 QJsonObject{{QStringLiteral("role"), QStringLiteral("user")}, {QStringLiteral("content"), prompt}}}}};
}

QString longPrompt()
{
    return QStringLiteral("Please review the following paragraph carefully and tell me what you think of it. ")
        .repeated(4);
}

} // namespace

class TestAgent : public QObject {
    Q_OBJECT

private:
    Test::FakeUpstream m_upstream;
    Test::TempDir m_dir;
    QProcess m_agent;
    int m_port = 0;
    int m_managementPort = 0;

    /// Starts costgov-agent with a config and reads the ports it prints.
    static void launch(QProcess &agent, const QString &config, int &port, int &managementPort)
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("FAKE_OPENAI_KEY"), QStringLiteral("sk-upstream-secret"));
        env.insert(QStringLiteral("FAKE_ANTHROPIC_KEY"), QStringLiteral("sk-ant-secret"));
        agent.setProcessEnvironment(env);
        agent.start(QStringLiteral(COSTGOV_AGENT), {QStringLiteral("--config"), config});
        QVERIFY(agent.waitForStarted());
        QByteArray line;
        QTRY_VERIFY_WITH_TIMEOUT(
            (line += agent.readAllStandardOutput()).contains('\n') || agent.state() == QProcess::NotRunning, 10000);
        const auto m = QRegularExpression(QStringLiteral("proxy on port (\\d+), management on port (\\d+)"))
                           .match(QString::fromUtf8(line));
        QVERIFY2(m.hasMatch(), QByteArray(line + agent.readAllStandardError()).constData());
        port = m.captured(1).toInt();
        managementPort = m.captured(2).toInt();
    }

    void startAgent() { launch(m_agent, m_dir.file(QStringLiteral("agent.json")), m_port, m_managementPort); }

    void stopAgent()
    {
        m_agent.terminate();
        QVERIFY(m_agent.waitForFinished(10000));
        QCOMPARE(m_agent.exitCode(), 0);
    }

    QString managementUrl() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_managementPort); }

    httplib::Result post(const QJsonObject &body, const httplib::Headers &headers = {})
    {
        httplib::Client client("127.0.0.1", m_port);
        client.set_read_timeout(10, 0);
        return client.Post("/v1/chat/completions", headers,
                           QJsonDocument(body).toJson(QJsonDocument::Compact).toStdString(), "application/json");
    }

    static QString modelOf(const httplib::Result &r)
    {
        return QJsonDocument::fromJson(QByteArray::fromStdString(r->body))
            .object()
            .value(QStringLiteral("model"))
            .toString();
    }

    httplib::Result management(const char *method, const char *path, const std::string &token,
                               const httplib::Headers &extra = {}, const std::string &body = {})
    {
        httplib::Client client("127.0.0.1", m_managementPort);
        httplib::Headers headers = extra;
        if (!token.empty())
            headers.emplace("Authorization", "Bearer " + token);
        if (std::string(method) == "PUT")
            return client.Put(path, headers, body, "application/json");
        return client.Get(path, headers);
    }

    QVector<QJsonObject> logRecords()
    {
        QVector<QJsonObject> out;
        const QDir logs(m_dir.file(QStringLiteral("logs")));
        for (const QString &name : logs.entryList({QStringLiteral("*.jsonl")}, QDir::Files, QDir::Name)) {
            for (const QByteArray &line : Test::readFile(logs.filePath(name)).split('\n'))
                if (!line.isEmpty())
                    out.append(QJsonDocument::fromJson(line).object());
        }
        return out;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_upstream.port > 0);
        const QString token = m_dir.write(QStringLiteral("token"), kToken);
        QVERIFY(QFile::setPermissions(token, QFileDevice::ReadOwner | QFileDevice::WriteOwner));
        // These tests read which cache answered from x-costgov-cache, which a policy must ask for.
        QJsonObject initial = QJsonDocument::fromJson(Test::readData(QStringLiteral("policy/example.json"))).object();
        QJsonObject cache = initial.value(QStringLiteral("cache")).toObject();
        cache.insert(QStringLiteral("hit_header"), true);
        initial.insert(QStringLiteral("cache"), cache);
        m_dir.write(QStringLiteral("initial-policy.json"), QJsonDocument(initial).toJson());
        QJsonObject config{
            {QStringLiteral("listen"), QStringLiteral("127.0.0.1:0")},
            {QStringLiteral("management_listen"), QStringLiteral("127.0.0.1:0")},
            {QStringLiteral("management_token_file"), QStringLiteral("token")},
            {QStringLiteral("state_dir"), QStringLiteral("state")},
            {QStringLiteral("log_dir"), QStringLiteral("logs")},
            {QStringLiteral("log_max_bytes"), 4096},
            {QStringLiteral("policy_file"), QStringLiteral("initial-policy.json")},
            {QStringLiteral("upstreams"),
             QJsonArray{QJsonObject{{QStringLiteral("provider"), QStringLiteral("openai")},
                                    {QStringLiteral("base_url"), QString::fromStdString(m_upstream.url() + "/v1")},
                                    {QStringLiteral("key_env"), QStringLiteral("FAKE_OPENAI_KEY")}},
                        QJsonObject{{QStringLiteral("provider"), QStringLiteral("anthropic")},
                                    {QStringLiteral("kind"), QStringLiteral("anthropic")},
                                    {QStringLiteral("base_url"), QString::fromStdString(m_upstream.url())},
                                    {QStringLiteral("key_env"), QStringLiteral("FAKE_ANTHROPIC_KEY")},
                                    {QStringLiteral("models"), QJsonArray{QStringLiteral("claude-*")}}}}},
        };
        const auto clientKey = [](const QByteArray &key, const QString &team, const QString &environment) {
            return QJsonObject{{QStringLiteral("key_sha256"),
                                QString::fromLatin1(QCryptographicHash::hash(key, QCryptographicHash::Sha256).toHex())},
                               {QStringLiteral("team"), team},
                               {QStringLiteral("environment"), environment}};
        };
        config.insert(QStringLiteral("client_keys"),
                      QJsonArray{clientKey("ck-capped-client", QStringLiteral("capped"), QString()),
                                 clientKey("ck-alpha", QStringLiteral("alpha"), QStringLiteral("metered")),
                                 clientKey("ck-beta", QStringLiteral("beta"), QStringLiteral("metered"))});
        m_dir.write(QStringLiteral("agent.json"), QJsonDocument(config).toJson());
        startAgent();
    }

    void cleanupTestCase()
    {
        if (m_agent.state() != QProcess::NotRunning)
            stopAgent();
    }

    void refusesAConfigWithAReadableTokenFile()
    {
        const QString token = m_dir.write(QStringLiteral("open-token"), kToken);
        QVERIFY(
            QFile::setPermissions(token, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadOther));
        QJsonObject config = QJsonDocument::fromJson(Test::readFile(m_dir.file(QStringLiteral("agent.json")))).object();
        config.insert(QStringLiteral("management_token_file"), QStringLiteral("open-token"));
        const QString path = m_dir.write(QStringLiteral("open.json"), QJsonDocument(config).toJson());
        QProcess p;
        p.start(QStringLiteral(COSTGOV_AGENT), {QStringLiteral("--config"), path, QStringLiteral("--check")});
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitCode(), 2);
        QVERIFY2(p.readAllStandardError().contains("chmod 600"), "the error says how to fix it");
    }

    void routesByRule()
    {
        m_upstream.clear();
        // short-to-mini: gpt-4o with a short prompt goes to gpt-4o-mini.
        auto r =
            post(chat(QStringLiteral("gpt-4o"), QStringLiteral("Say hi")), {{"Authorization", "Bearer sk-client-own"}});
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(modelOf(r), QStringLiteral("gpt-4o-mini"));
        // A long prompt matches no rule: it goes as asked.
        r = post(chat(QStringLiteral("gpt-4o"), longPrompt()));
        QCOMPARE(modelOf(r), QStringLiteral("gpt-4o"));
        // search-team: routed to a model that answers 429, then its fallback.
        r = post(chat(QStringLiteral("gpt-4o"), longPrompt()), {{"x-costgov-team", "search"}});
        QCOMPARE(r->status, 200);
        QCOMPARE(modelOf(r), QStringLiteral("gpt-4o-mini"));
        const std::vector<QString> seen = m_upstream.modelsSeen();
        QCOMPARE(seen,
                 (std::vector<QString>{QStringLiteral("gpt-4o-mini"), QStringLiteral("gpt-4o"),
                                       QStringLiteral("overloaded"), QStringLiteral("gpt-4o-mini")}));
        // The upstream got the agent's key, not the client's (the first request sent its own).
        for (const std::string &auth : m_upstream.authorizations)
            QCOMPARE(QString::fromStdString(auth), QStringLiteral("Bearer sk-upstream-secret"));
    }

    void fallsBackOn5xxAndReportsWhenNothingAnswers()
    {
        // No rule routes "broken" (503): the policy's default fallbacks take it.
        m_upstream.clear();
        auto r = post(chat(QStringLiteral("broken"), longPrompt()));
        QCOMPARE(r->status, 200);
        QCOMPARE(modelOf(r), QStringLiteral("gpt-4o-mini"));
        const QJsonObject last = logRecords().last();
        QCOMPARE(last.value(QStringLiteral("model")).toString(), QStringLiteral("gpt-4o-mini"));
        QCOMPARE(last.value(QStringLiteral("requested_model")).toString(), QStringLiteral("broken"));
        QCOMPARE(last.value(QStringLiteral("tags")).toObject().value(QStringLiteral("fallback_reason")).toString(),
                 QStringLiteral("HTTP 503"));
    }

    void cascadeEscalatesWhenTheCheapAnswerFails()
    {
        m_upstream.clear();
        QJsonObject body = chat(QStringLiteral("gpt-4o"),
                                QStringLiteral("Extract the invoice number and total as JSON: ") + longPrompt());
        body.insert(QStringLiteral("response_format"),
                    QJsonObject{{QStringLiteral("type"), QStringLiteral("json_object")}});
        auto r = post(body);
        QCOMPARE(r->status, 200);
        QCOMPARE(modelOf(r), QStringLiteral("gpt-4o"));
        QCOMPARE(m_upstream.modelsSeen(),
                 (std::vector<QString>{QStringLiteral("weak-json"), QStringLiteral("gpt-4o")}));
        // Both calls were billed: both are logged, the escalation with its reason.
        const QVector<QJsonObject> records = logRecords();
        const QJsonObject step = records.at(records.size() - 2), final = records.last();
        QCOMPARE(step.value(QStringLiteral("model")).toString(), QStringLiteral("weak-json"));
        QCOMPARE(step.value(QStringLiteral("tags")).toObject().value(QStringLiteral("escalated")).toString(),
                 QStringLiteral("not valid JSON"));
        QCOMPARE(final.value(QStringLiteral("route")).toString(), QStringLiteral("extract-cascade"));
        QCOMPARE(final.value(QStringLiteral("tags")).toObject().value(QStringLiteral("escalated_from")).toString(),
                 QStringLiteral("weak-json"));
    }

    void exactCacheHitsOnlyDeterministicRequestsInScope()
    {
        m_upstream.clear();
        QJsonObject body = chat(QStringLiteral("gpt-4o"), longPrompt() + QStringLiteral("  exact  "));
        body.insert(QStringLiteral("temperature"), 0);
        auto first = post(body, {{"x-costgov-team", "payments"}});
        QCOMPARE(first->status, 200);
        QVERIFY(!first->has_header("x-costgov-cache"));
        // Whitespace differences do not matter; the answer comes from the cache.
        QJsonObject spaced = chat(QStringLiteral("gpt-4o"), longPrompt() + QStringLiteral(" exact"));
        spaced.insert(QStringLiteral("temperature"), 0);
        auto second = post(spaced, {{"x-costgov-team", "payments"}});
        QCOMPARE(QString::fromStdString(second->get_header_value("x-costgov-cache")), QStringLiteral("exact"));
        QCOMPARE(second->body, first->body);
        QCOMPARE(m_upstream.calls.load(), 1);
        // Another team does not share the entry.
        auto other = post(body, {{"x-costgov-team", "billing"}});
        QVERIFY(!other->has_header("x-costgov-cache"));
        QCOMPARE(m_upstream.calls.load(), 2);
        // Without temperature 0 the request is not cached.
        const QJsonObject creative = chat(QStringLiteral("gpt-4o"), longPrompt() + QStringLiteral(" creative"));
        post(creative);
        auto again = post(creative);
        QVERIFY(!again->has_header("x-costgov-cache"));
        QCOMPARE(m_upstream.calls.load(), 4);
        const QJsonObject hit = logRecords().at(logRecords().size() - 4);
        QVERIFY(hit.value(QStringLiteral("cache_hit")).toBool());
        QCOMPARE(hit.value(QStringLiteral("input_tokens")).toInt(), 0);
        QCOMPARE(hit.value(QStringLiteral("tags")).toObject().value(QStringLiteral("saved_output_tokens")).toInt(),
                 500);
    }

    void semanticCacheHitsSimilarPromptsAboveTheThreshold()
    {
        m_upstream.clear();
        const QString base = QStringLiteral("Summarise the quarterly revenue report for the sales team and list the "
                                            "three largest accounts by growth with their regions and owners");
        QJsonObject a = chat(QStringLiteral("gpt-4o"), base);
        a.insert(QStringLiteral("temperature"), 0);
        QCOMPARE(post(a, {{"x-costgov-team", "sales"}})->status, 200);
        // Same words, other case and punctuation: not an exact repeat, a semantic one.
        QJsonObject b = chat(QStringLiteral("gpt-4o"), base.toUpper() + QStringLiteral("!"));
        b.insert(QStringLiteral("temperature"), 0);
        auto hit = post(b, {{"x-costgov-team", "sales"}});
        QCOMPARE(QString::fromStdString(hit->get_header_value("x-costgov-cache")), QStringLiteral("semantic"));
        QCOMPARE(m_upstream.calls.load(), 1);
        QCOMPARE(
            logRecords().last().value(QStringLiteral("tags")).toObject().value(QStringLiteral("similarity")).toDouble(),
            1.0);
        // Metadata must match: another team misses.
        QVERIFY(!post(b, {{"x-costgov-team", "support"}})->has_header("x-costgov-cache"));
        // Array content: the text parts count, so different questions do not share an answer.
        const auto parts = [](const QString &text) {
            QJsonObject o{
                {QStringLiteral("model"), QStringLiteral("gpt-4o")},
                {QStringLiteral("temperature"), 0},
                {QStringLiteral("messages"),
                 QJsonArray{QJsonObject{{QStringLiteral("role"), QStringLiteral("user")},
                                        {QStringLiteral("content"),
                                         QJsonArray{QJsonObject{{QStringLiteral("type"), QStringLiteral("text")},
                                                                {QStringLiteral("text"), text}}}}}}}};
            return o;
        };
        QVERIFY(!post(parts(QStringLiteral("List three rivers in France with their lengths in kilometres")),
                      {{"x-costgov-team", "sales"}})
                     ->has_header("x-costgov-cache"));
        QVERIFY(!post(parts(QStringLiteral("Explain how a heat pump moves warmth from outside air into a house")),
                      {{"x-costgov-team", "sales"}})
                     ->has_header("x-costgov-cache"));
        // A JSON request does not get a text answer.
        QJsonObject asJson = b;
        asJson.insert(QStringLiteral("response_format"),
                      QJsonObject{{QStringLiteral("type"), QStringLiteral("json_object")}});
        QVERIFY(!post(asJson, {{"x-costgov-team", "sales"}})->has_header("x-costgov-cache"));
        QCOMPARE(m_upstream.calls.load(), 5);
        // An unrelated prompt misses.
        QJsonObject c = chat(QStringLiteral("gpt-4o"),
                             QStringLiteral("Write a haiku about autumn leaves falling on a "
                                            "quiet pond near the old temple gate at dusk"));
        c.insert(QStringLiteral("temperature"), 0);
        QVERIFY(!post(c, {{"x-costgov-team", "sales"}})->has_header("x-costgov-cache"));
        QCOMPARE(m_upstream.calls.load(), 6);
    }

    void hardBudgetRejectsOnceSpent()
    {
        m_upstream.clear();
        const QJsonObject body = chat(QStringLiteral("gpt-4o-mini"), longPrompt());
        auto first = post(body, {{"x-costgov-team", "capped"}});
        QCOMPARE(first->status, 200); // $0.00 of $0.0001 spent before it
        auto second = post(body, {{"x-costgov-team", "capped"}});
        QCOMPARE(second->status, 429);
        const QJsonObject error = QJsonDocument::fromJson(QByteArray::fromStdString(second->body))
                                      .object()
                                      .value(QStringLiteral("error"))
                                      .toObject();
        QCOMPARE(error.value(QStringLiteral("type")).toString(), QStringLiteral("budget_exceeded"));
        QVERIFY2(error.value(QStringLiteral("message"))
                     .toString()
                     .contains(QStringLiteral("budget \"capped team\" is spent")),
                 qPrintable(error.value(QStringLiteral("message")).toString()));
        QCOMPARE(m_upstream.calls.load(), 1);
        // A client key mapped to the capped team cannot leave it with a header.
        QCOMPARE(post(body, {{"Authorization", "Bearer ck-capped-client"}, {"x-costgov-team", "payments"}})->status,
                 429);
        // Other teams are not affected.
        QCOMPARE(post(body, {{"x-costgov-team", "payments"}})->status, 200);
        // A budget for each team: each listed team's own spend counts, a new team starts at zero
        // (teams the client keys map; a team a header invents shares one "unattributed" total).
        const httplib::Headers a{{"Authorization", "Bearer ck-alpha"}};
        const httplib::Headers b{{"Authorization", "Bearer ck-beta"}};
        QCOMPARE(post(body, a)->status, 200);
        auto refused = post(body, a);
        QCOMPARE(refused->status, 429);
        QVERIFY2(refused->body.find("budget \\\"metered per team\\\" for team alpha is spent") != std::string::npos,
                 refused->body.c_str());
        QCOMPARE(post(body, b)->status, 200);
        QCOMPARE(post(body, b)->status, 429);
    }

    void streamsPassThroughIntact()
    {
        m_upstream.clear();
        QJsonObject body = chat(QStringLiteral("gpt-4o"), longPrompt());
        body.insert(QStringLiteral("stream"), true);
        std::string expected;
        for (const std::string &e : Test::FakeUpstream::streamEvents(QStringLiteral("gpt-4o")))
            expected += e;
        const int logged = logRecords().size();
        auto plain = post(body);
        QCOMPARE(plain->status, 200);
        QCOMPARE(logRecords().size(), logged + 1); // logged before the stream ends
        QCOMPARE(QString::fromStdString(plain->get_header_value("Content-Type")), QStringLiteral("text/event-stream"));
        // The usage chunk the agent asked for is not passed to a client that did not ask.
        QCOMPARE(QString::fromStdString(plain->body), QString::fromStdString(expected + "data: [DONE]\n\n"));
        // The upstream was asked for usage, and the log has it.
        const QJsonObject record = logRecords().last();
        QCOMPARE(record.value(QStringLiteral("input_tokens")).toInt(), 40);
        QCOMPARE(record.value(QStringLiteral("output_tokens")).toInt(), 4);
        body.insert(QStringLiteral("stream_options"), QJsonObject{{QStringLiteral("include_usage"), true}});
        auto withUsage = post(body);
        QCOMPARE(QString::fromStdString(withUsage->body),
                 QString::fromStdString(expected + Test::FakeUpstream::usageEvent(QStringLiteral("gpt-4o"))
                                        + "data: [DONE]\n\n"));
        // Events separated by CRLF CRLF: the usage is still read.
        body.insert(QStringLiteral("model"), QStringLiteral("crlf-events"));
        QCOMPARE(post(body)->status, 200);
        QCOMPARE(logRecords().last().value(QStringLiteral("output_tokens")).toInt(), 4);
        // An upstream that sends no usage: the tokens are estimated, not logged as free.
        body.insert(QStringLiteral("model"), QStringLiteral("no-usage"));
        QCOMPARE(post(body)->status, 200);
        const QJsonObject estimated = logRecords().last();
        QVERIFY(estimated.value(QStringLiteral("tags")).toObject().value(QStringLiteral("usage_estimated")).toBool());
        QVERIFY(estimated.value(QStringLiteral("input_tokens")).toInt() > 50);
        // "Streaming answer from no-usage": 30 characters, about 8 tokens.
        QCOMPARE(estimated.value(QStringLiteral("output_tokens")).toInt(), 8);
    }

    void refusesMalformedRequestsWithJsonErrors()
    {
        httplib::Client client("127.0.0.1", m_port);
        auto r = client.Post("/v1/chat/completions", "{\"model\": ", "application/json");
        QCOMPARE(r->status, 400);
        QVERIFY(QJsonDocument::fromJson(QByteArray::fromStdString(r->body)).object().contains(QStringLiteral("error")));
        r = client.Post("/v1/chat/completions", "{\"model\": 5, \"messages\": {}}", "application/json");
        QCOMPARE(r->status, 400);
        r = client.Post("/v1/nothing", "{}", "application/json");
        QCOMPARE(r->status, 404);
        r = client.Post("/v1/chat/completions", std::string(9 << 20, 'x'), "application/json");
        QVERIFY(!r || r->status == 413);
        // Still serving.
        QCOMPARE(post(chat(QStringLiteral("gpt-4o"), QStringLiteral("still there?")))->status, 200);
    }

    void embeddingsPassThrough()
    {
        httplib::Client client("127.0.0.1", m_port);
        auto r = client.Post("/v1/embeddings", {{"x-costgov-team", "search"}},
                             "{\"model\":\"text-embedding-3-small\",\"input\":\"abc\"}", "application/json");
        QCOMPARE(r->status, 200);
        const QJsonObject logged = logRecords().last();
        QCOMPARE(logged.value(QStringLiteral("model")).toString(), QStringLiteral("text-embedding-3-small"));
        QCOMPARE(logged.value(QStringLiteral("input_tokens")).toInt(), 12);
        QCOMPARE(logged.value(QStringLiteral("team")).toString(), QStringLiteral("search"));
    }

    void anthropicUpstreamBehindTheOpenAiShape()
    {
        m_upstream.clear();
        QJsonObject body{{QStringLiteral("model"), QStringLiteral("claude-sonnet-4-5")},
                         {QStringLiteral("max_tokens"), 300},
                         {QStringLiteral("temperature"), 0.2},
                         {QStringLiteral("messages"),
                          QJsonArray{QJsonObject{{QStringLiteral("role"), QStringLiteral("system")},
                                                 {QStringLiteral("content"), QStringLiteral("Be brief.")}},
                                     QJsonObject{{QStringLiteral("role"), QStringLiteral("user")},
                                                 {QStringLiteral("content"), longPrompt()}}}}};
        auto r = post(body, {{"x-costgov-team", "legal"}});
        QCOMPARE(r->status, 200);
        const QJsonObject answer = QJsonDocument::fromJson(QByteArray::fromStdString(r->body)).object();
        QCOMPARE(answer.value(QStringLiteral("choices"))
                     .toArray()
                     .at(0)
                     .toObject()
                     .value(QStringLiteral("message"))
                     .toObject()
                     .value(QStringLiteral("content"))
                     .toString(),
                 QStringLiteral("{\"answer\":\"from claude-sonnet-4-5\"}"));
        QCOMPARE(answer.value(QStringLiteral("usage")).toObject().value(QStringLiteral("prompt_tokens")).toInt(), 1050);
        // Anthropic got its key, its version header, the system prompt apart and max_tokens.
        QCOMPARE(QString::fromStdString(m_upstream.authorizations.at(0)), QStringLiteral("sk-ant-secret"));
        const QJsonObject sent = m_upstream.anthropicRequests.at(0);
        QCOMPARE(sent.value(QStringLiteral("system")).toString(), QStringLiteral("Be brief."));
        QCOMPARE(sent.value(QStringLiteral("max_tokens")).toInt(), 300);
        QCOMPARE(sent.value(QStringLiteral("messages")).toArray().size(), 1);
        const QJsonObject logged = logRecords().last();
        QCOMPARE(logged.value(QStringLiteral("provider")).toString(), QStringLiteral("anthropic"));
        QCOMPARE(logged.value(QStringLiteral("input_tokens")).toInt(), 900);
        QCOMPARE(logged.value(QStringLiteral("cache_read_tokens")).toInt(), 100);
        QCOMPARE(logged.value(QStringLiteral("cache_write_tokens")).toInt(), 50);
        QCOMPARE(logged.value(QStringLiteral("output_tokens")).toInt(), 500);
        // A stream is answered whole, as server-sent events ending in [DONE].
        body.insert(QStringLiteral("stream"), true);
        auto streamed = post(body);
        QCOMPARE(QString::fromStdString(streamed->get_header_value("Content-Type")),
                 QStringLiteral("text/event-stream"));
        QVERIFY(streamed->body.find("from claude-sonnet-4-5") != std::string::npos);
        QVERIFY(streamed->body.find("\"finish_reason\":\"stop\"") != std::string::npos);
        QVERIFY(streamed->body.size() > 14 && streamed->body.substr(streamed->body.size() - 14) == "data: [DONE]\n\n");
        // Tools cannot be translated yet: refused with the reason.
        body.remove(QStringLiteral("stream"));
        body.insert(QStringLiteral("tools"),
                    QJsonArray{QJsonObject{{QStringLiteral("type"), QStringLiteral("function")}}});
        auto tools = post(body);
        QCOMPARE(tools->status, 400);
        QVERIFY(tools->body.find("tools cannot go to an Anthropic upstream") != std::string::npos);
    }

    void managementNeedsTheToken()
    {
        QCOMPARE(management("GET", "/v1/policy", "")->status, 401);
        QCOMPARE(management("GET", "/v1/status", "wrong-token-wrong-token")->status, 401);
        QCOMPARE(management("GET", "/metrics", "")->status, 401);
        const auto push = Policy::pushPolicy(managementUrl(), QStringLiteral("wrong-token-wrong-token"),
                                             Test::readData(QStringLiteral("policy/example.json")));
        QVERIFY(!push.ok);
        QVERIFY2(push.message.contains(QStringLiteral("401")), qPrintable(push.message));
        const auto metrics = management("GET", "/metrics", kToken.toStdString());
        QCOMPARE(metrics->status, 200);
        QVERIFY(metrics->body.find("costgov_agent_cache_hits_exact_total 1") != std::string::npos);
    }

    void refusesABadPolicyAndKeepsTheOld()
    {
        const auto before = management("GET", "/v1/policy", kToken.toStdString());
        QCOMPARE(before->status, 200);
        const std::string etag = before->get_header_value("ETag");
        QVERIFY(!etag.empty());
        // Without If-Match, and with a stale one.
        QCOMPARE(management("PUT", "/v1/policy", kToken.toStdString(), {}, "{}")->status, 428);
        QCOMPARE(management("PUT", "/v1/policy", kToken.toStdString(), {{"If-Match", "\"stale\""}}, "{}")->status, 412);
        const auto push = Policy::pushPolicy(managementUrl(), QString::fromLatin1(kToken),
                                             Test::readData(QStringLiteral("policy/bad.json")));
        QVERIFY(!push.ok);
        QCOMPARE(push.httpStatus, 422);
        QVERIFY2(
            push.message.contains(QStringLiteral("routing.rules[0].match.regex: is not a valid regular expression")),
            qPrintable(push.message));
        QCOMPARE(management("GET", "/v1/policy", kToken.toStdString())->get_header_value("ETag"), etag);
        // A policy naming a provider this agent has no upstream for is refused with the field.
        QByteArray unknown = Test::readData(QStringLiteral("policy/example.json"));
        unknown.replace("{ \"provider\": \"openai\", \"model\": \"gpt-4o-mini\" }\n      },",
                        "{ \"provider\": \"azure\", \"model\": \"gpt-4o-mini\" }\n      },");
        const auto refused = Policy::pushPolicy(managementUrl(), QString::fromLatin1(kToken), unknown);
        QCOMPARE(refused.httpStatus, 422);
        QVERIFY2(refused.message.contains(
                     QStringLiteral("routing.rules[0].route.provider: this agent has no upstream \"azure\"")),
                 qPrintable(refused.message));
        // The old policy still routes.
        QCOMPARE(modelOf(post(chat(QStringLiteral("gpt-4o"), QStringLiteral("hi")))), QStringLiteral("gpt-4o-mini"));
    }

    void pushFromTheLedgerSurvivesARestart()
    {
        const QString db = m_dir.ledgerPath();
        auto run = Test::runCtl({QStringLiteral("--db"), db, QStringLiteral("policy"), QStringLiteral("save"),
                                 Test::dataPath(QStringLiteral("policy/example.json"))});
        QCOMPARE(run.exitCode, 0);
        // Version 2 drops the short-prompt rule.
        QJsonObject doc = QJsonDocument::fromJson(Test::readData(QStringLiteral("policy/example.json"))).object();
        QJsonObject routing = doc.value(QStringLiteral("routing")).toObject();
        QJsonArray rules = routing.value(QStringLiteral("rules")).toArray();
        rules.removeFirst();
        routing.insert(QStringLiteral("rules"), rules);
        doc.insert(QStringLiteral("routing"), routing);
        const QString v2 = m_dir.write(QStringLiteral("v2.json"), QJsonDocument(doc).toJson());
        run = Test::runCtl({QStringLiteral("--db"), db, QStringLiteral("policy"), QStringLiteral("save"), v2,
                            QStringLiteral("--note"), QStringLiteral("no short rule")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.contains("Saved as version 2"));
        run = Test::runCtl({QStringLiteral("--db"), db, QStringLiteral("policy"), QStringLiteral("agents"),
                            QStringLiteral("add"), QStringLiteral("edge"), managementUrl()});
        QCOMPARE(run.exitCode, 0);
        qputenv("COSTGOV_AGENT_TOKEN", kToken);
        run = Test::runCtl({QStringLiteral("--db"), db, QStringLiteral("policy"), QStringLiteral("push")});
        QVERIFY2(run.exitCode == 0, QByteArray(run.out + run.err).constData());
        QVERIFY2(run.out.contains("edge: ok, applied version 2"), run.out);
        run = Test::runCtl({QStringLiteral("--db"), db, QStringLiteral("policy"), QStringLiteral("status")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.contains("version 2  in step"), run.out);
        QCOMPARE(modelOf(post(chat(QStringLiteral("gpt-4o"), QStringLiteral("hi")))), QStringLiteral("gpt-4o"));

        stopAgent();
        startAgent();
        const auto after = management("GET", "/v1/policy", kToken.toStdString());
        QCOMPARE(QJsonDocument::fromJson(QByteArray::fromStdString(after->body))
                     .object()
                     .value(QStringLiteral("version"))
                     .toInt(),
                 2);
        QCOMPARE(modelOf(post(chat(QStringLiteral("gpt-4o"), QStringLiteral("hi")))), QStringLiteral("gpt-4o"));
        // What the capped team spent before the restart is read back from the agent's log.
        QCOMPARE(post(chat(QStringLiteral("gpt-4o-mini"), longPrompt()), {{"x-costgov-team", "capped"}})->status, 429);
        // The desktop's agent address changed with the restart: the registry follows, and a rollback
        // to version 1 is pushed as version 3.
        run = Test::runCtl({QStringLiteral("--db"), db, QStringLiteral("policy"), QStringLiteral("agents"),
                            QStringLiteral("add"), QStringLiteral("edge"), managementUrl()});
        QCOMPARE(run.exitCode, 0);
        run = Test::runCtl({QStringLiteral("--db"), db, QStringLiteral("policy"), QStringLiteral("rollback"),
                            QStringLiteral("1"), QStringLiteral("--push")});
        QVERIFY2(run.exitCode == 0, QByteArray(run.out + run.err).constData());
        QVERIFY2(run.out.contains("edge: ok, applied version 3"), run.out);
        QCOMPARE(modelOf(post(chat(QStringLiteral("gpt-4o"), QStringLiteral("hi")))), QStringLiteral("gpt-4o-mini"));
        // With a second agent registered, the shared variable serves neither: one agent's token
        // must not reach another. Each agent's own variable does.
        run = Test::runCtl({QStringLiteral("--db"), db, QStringLiteral("policy"), QStringLiteral("agents"),
                            QStringLiteral("add"), QStringLiteral("branch-office"),
                            QStringLiteral("http://127.0.0.1:9")});
        QCOMPARE(run.exitCode, 0);
        run = Test::runCtl({QStringLiteral("--db"), db, QStringLiteral("policy"), QStringLiteral("push"),
                            QStringLiteral("--agent"), QStringLiteral("edge")});
        QVERIFY2(!run.out.contains("edge: ok") && run.out.contains("COSTGOV_AGENT_TOKEN_EDGE"),
                 QByteArray(run.out + run.err).constData());
        qputenv("COSTGOV_AGENT_TOKEN_EDGE", kToken);
        run = Test::runCtl({QStringLiteral("--db"), db, QStringLiteral("policy"), QStringLiteral("push"),
                            QStringLiteral("--agent"), QStringLiteral("edge")});
        QVERIFY2(run.out.contains("edge: ok, applied version 3"), QByteArray(run.out + run.err).constData());
        qunsetenv("COSTGOV_AGENT_TOKEN_EDGE");
        qunsetenv("COSTGOV_AGENT_TOKEN");
        // Without the token the status names what is missing and exits 2.
        run = Test::runCtl({QStringLiteral("--db"), db, QStringLiteral("policy"), QStringLiteral("status")});
        QCOMPARE(run.exitCode, 2);
    }

    void servesHttpsWithItsCertificate()
    {
        const QString openssl = QStandardPaths::findExecutable(QStringLiteral("openssl"));
        if (openssl.isEmpty())
            QSKIP("needs the openssl command (packaging/dev.sh test installs it)");
        QProcess gen;
        gen.start(openssl,
                  {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                   QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-days"), QStringLiteral("2"),
                   QStringLiteral("-subj"), QStringLiteral("/CN=localhost"), QStringLiteral("-addext"),
                   QStringLiteral("subjectAltName=IP:127.0.0.1,DNS:localhost"), QStringLiteral("-keyout"),
                   m_dir.file(QStringLiteral("tls-key.pem")), QStringLiteral("-out"),
                   m_dir.file(QStringLiteral("tls-cert.pem"))});
        QVERIFY(gen.waitForFinished(30000));
        QCOMPARE(gen.exitCode(), 0);
        QJsonObject config = QJsonDocument::fromJson(Test::readFile(m_dir.file(QStringLiteral("agent.json")))).object();
        config.insert(QStringLiteral("state_dir"), QStringLiteral("tls-state"));
        config.insert(QStringLiteral("log_dir"), QStringLiteral("tls-logs"));
        config.insert(QStringLiteral("tls_cert_file"), QStringLiteral("tls-cert.pem"));
        config.insert(QStringLiteral("tls_key_file"), QStringLiteral("tls-key.pem"));
        QProcess tls;
        int proxyPort = 0, managementPort = 0;
        launch(tls, m_dir.write(QStringLiteral("tls.json"), QJsonDocument(config).toJson()), proxyPort, managementPort);
        if (QTest::currentTestFailed())
            return;
        const QString url = QStringLiteral("https://127.0.0.1:%1").arg(managementPort);
        const QString ca = m_dir.file(QStringLiteral("tls-cert.pem"));
        // With the CA the agent's certificate is trusted; without it the error says what is missing.
        const auto status = Policy::agentStatus(url, QString::fromLatin1(kToken), 5000, ca);
        QVERIFY2(status.reachable, qPrintable(status.error));
        const auto untrusted = Policy::agentStatus(url, QString::fromLatin1(kToken), 5000);
        QVERIFY(!untrusted.reachable);
        QVERIFY2(untrusted.error.contains(QStringLiteral("give its CA certificate")), qPrintable(untrusted.error));
        const auto pushed = Policy::pushPolicy(url, QString::fromLatin1(kToken),
                                               Test::readData(QStringLiteral("policy/example.json")), 10000, ca);
        QVERIFY2(pushed.ok, qPrintable(pushed.message));
        // The proxy speaks https too.
        httplib::Client client("https://127.0.0.1:" + std::to_string(proxyPort));
        client.set_ca_cert_path(ca.toStdString());
        const auto answer =
            client.Post("/v1/chat/completions",
                        QJsonDocument(chat(QStringLiteral("gpt-4o"), QStringLiteral("hi"))).toJson().toStdString(),
                        "application/json");
        QVERIFY(answer);
        QCOMPARE(answer->status, 200);
        QCOMPARE(modelOf(answer), QStringLiteral("gpt-4o-mini"));
        tls.terminate();
        QVERIFY(tls.waitForFinished(10000));
    }

    void logsImportBackWithExactCosts()
    {
        const QVector<QJsonObject> records = logRecords();
        QVERIFY(records.size() > 20);
        // log_max_bytes 4096: the day's log is in parts.
        QVERIFY(QDir(m_dir.file(QStringLiteral("logs"))).entryList({QStringLiteral("*.jsonl")}).size() > 2);
        auto ledger = Storage::Ledger::open(m_dir.file(QStringLiteral("import.sqlite")));
        QVERIFY(ledger.ok());
        Ingest::ImportOptions options;
        options.paths = {m_dir.file(QStringLiteral("logs"))};
        const auto imported = Ingest::runImport(**ledger, options, Clock::system());
        QVERIFY(imported.ok());
        QCOMPARE(imported->totals.imported, qint64(records.size()));
        QCOMPARE(imported->totals.quarantined, 0);
        // Every record at the catalog's price of its tokens; cache hits and refusals at $0.
        auto catalog = Storage::loadPriceCatalog(**ledger);
        QVERIFY(catalog.ok());
        Nano expected = 0;
        for (const QJsonObject &r : records) {
            TokenCounts t;
            t.input = r.value(QStringLiteral("input_tokens")).toInteger();
            t.output = r.value(QStringLiteral("output_tokens")).toInteger();
            t.cacheRead = r.value(QStringLiteral("cache_read_tokens")).toInteger();
            t.cacheWrite5m = r.value(QStringLiteral("cache_write_tokens")).toInteger();
            const qint64 ts = *parseTimestampMs(r.value(QStringLiteral("ts")).toString().toStdString());
            const auto *price = catalog->find(r.value(QStringLiteral("model")).toString().toStdString(), ts);
            if (price)
                expected += Pricing::computeCost(price->prices, t, false).value_or(0);
        }
        QVERIFY(expected > 0);
        const auto total = Test::report(**ledger, {});
        QCOMPARE(total.totals.costNano, expected);
        QCOMPARE(total.totals.requests, qint64(records.size()));
        // Routes and requested models arrive as dimensions.
        QSqlQuery q((*ledger)->db());
        QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM labels WHERE value = 'extract-cascade'")));
        QVERIFY(q.next());
        QCOMPARE(q.value(0).toInt(), 1);
    }
};

QTEST_GUILESS_MAIN(TestAgent)
#include "tst_agent.moc"

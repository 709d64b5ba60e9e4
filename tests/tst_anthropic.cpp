// Anthropic's messages API behind the OpenAI shape (core/gateway/anthropic): requests one way,
// answers, usage and errors the other, and a whole answer as the events of a stream.

#include "support/testsupport.h"

#include "gateway/anthropic.h"
#include "gateway/openai.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace CostGov;
using namespace CostGov::Gateway;

class TestAnthropic : public QObject {
    Q_OBJECT

private slots:
    void requestTranslation_data()
    {
        QTest::addColumn<QByteArray>("chat");
        QTest::addColumn<QByteArray>("expected"); ///< the messages request; empty when refused
        QTest::addColumn<QString>("refusal");

        QTest::newRow("system apart, default max_tokens")
            << QByteArray(R"({"model":"claude-sonnet-4-5","messages":[{"role":"system","content":"Be brief."},
                             {"role":"user","content":"Hi"}]})")
            << QByteArray(R"({"model":"claude-sonnet-4-5","system":"Be brief.","max_tokens":4096,
                             "messages":[{"role":"user","content":"Hi"}]})")
            << QString();
        QTest::newRow("system and developer joined")
            << QByteArray(R"({"model":"m","messages":[{"role":"system","content":"A"},
                             {"role":"developer","content":"B"},{"role":"user","content":"Hi"}]})")
            << QByteArray(
                   R"({"model":"m","system":"A\nB","max_tokens":4096,"messages":[{"role":"user","content":"Hi"}]})")
            << QString();
        QTest::newRow("no system") << QByteArray(R"({"model":"m","messages":[{"role":"user","content":"Hi"},
                             {"role":"assistant","content":"Hello"},{"role":"user","content":"Bye"}]})")
                                   << QByteArray(
                                          R"({"model":"m","max_tokens":4096,"messages":[{"role":"user","content":"Hi"},
                             {"role":"assistant","content":"Hello"},{"role":"user","content":"Bye"}]})")
                                   << QString();
        QTest::newRow("text parts joined")
            << QByteArray(R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"Hello "},
                             {"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"there"}]}]})")
            << QByteArray(R"({"model":"m","max_tokens":4096,"messages":[{"role":"user","content":"Hello there"}]})")
            << QString();
        QTest::newRow("max_tokens") << QByteArray(R"({"model":"m","max_tokens":300,"messages":[]})")
                                    << QByteArray(R"({"model":"m","max_tokens":300,"messages":[]})") << QString();
        QTest::newRow("max_completion_tokens wins")
            << QByteArray(R"({"model":"m","max_tokens":300,"max_completion_tokens":200,"messages":[]})")
            << QByteArray(R"({"model":"m","max_tokens":200,"messages":[]})") << QString();
        QTest::newRow("temperature and top_p kept, the rest dropped")
            << QByteArray(R"({"model":"m","temperature":0.2,"top_p":0.9,"presence_penalty":1,"seed":7,
                             "user":"u","messages":[]})")
            << QByteArray(R"({"model":"m","max_tokens":4096,"temperature":0.2,"top_p":0.9,"messages":[]})")
            << QString();
        QTest::newRow("stop text as a list")
            << QByteArray(R"({"model":"m","stop":"END","messages":[]})")
            << QByteArray(R"({"model":"m","max_tokens":4096,"stop_sequences":["END"],"messages":[]})") << QString();
        QTest::newRow("stop list kept")
            << QByteArray(R"({"model":"m","stop":["A","B"],"messages":[]})")
            << QByteArray(R"({"model":"m","max_tokens":4096,"stop_sequences":["A","B"],"messages":[]})") << QString();
        QTest::newRow("tool messages refused")
            << QByteArray(R"({"model":"m","messages":[{"role":"tool","content":"42"}]})") << QByteArray()
            << QStringLiteral("messages with role \"tool\" cannot go to an Anthropic upstream");
        QTest::newRow("tools refused") << QByteArray(R"({"model":"m","tools":[{"type":"function"}],"messages":[]})")
                                       << QByteArray()
                                       << QStringLiteral("tools cannot go to an Anthropic upstream yet");
    }

    void requestTranslation()
    {
        QFETCH(QByteArray, chat);
        QFETCH(QByteArray, expected);
        QFETCH(QString, refusal);
        const QJsonDocument parsed = QJsonDocument::fromJson(chat);
        QVERIFY(parsed.isObject());
        const Result<QJsonObject> request = Anthropic::toMessages(parsed.object());
        if (!refusal.isEmpty()) {
            QVERIFY(!request.ok());
            QVERIFY2(request.error().message.startsWith(refusal), qPrintable(request.error().message));
            return;
        }
        QVERIFY2(request.ok(), request.ok() ? "" : qPrintable(request.error().message));
        QCOMPARE(*request, QJsonDocument::fromJson(expected).object());
    }

    void answerTranslation_data()
    {
        QTest::addColumn<QByteArray>("message");
        QTest::addColumn<QString>("content");
        QTest::addColumn<QString>("finishReason");
        QTest::addColumn<qint64>("promptTokens");
        // Canonical tokens: input excludes cache reads and writes.
        QTest::addColumn<qint64>("input");
        QTest::addColumn<qint64>("cacheRead");
        QTest::addColumn<qint64>("cacheWrite");
        QTest::addColumn<qint64>("output");

        QTest::newRow("plain") << QByteArray(R"({"content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn",
                                                "usage":{"input_tokens":10,"output_tokens":5}})")
                               << QStringLiteral("Hi") << QStringLiteral("stop") << 10ll << 10ll << 0ll << 0ll << 5ll;
        QTest::newRow("cache read and write")
            << QByteArray(R"({"content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn",
                             "usage":{"input_tokens":900,"cache_read_input_tokens":100,
                                      "cache_creation_input_tokens":50,"output_tokens":500}})")
            << QStringLiteral("Hi") << QStringLiteral("stop") << 1050ll << 900ll << 100ll << 50ll << 500ll;
        QTest::newRow("cache read only") << QByteArray(R"({"content":[],"stop_reason":"end_turn",
                             "usage":{"input_tokens":3,"cache_read_input_tokens":2000,"output_tokens":1}})")
                                         << QString() << QStringLiteral("stop") << 2003ll << 3ll << 2000ll << 0ll
                                         << 1ll;
        QTest::newRow("text blocks joined")
            << QByteArray(R"({"content":[{"type":"text","text":"a"},{"type":"thinking","thinking":"x"},
                             {"type":"text","text":"b"}],"stop_reason":"stop_sequence","usage":{}})")
            << QStringLiteral("ab") << QStringLiteral("stop") << 0ll << 0ll << 0ll << 0ll << 0ll;
        QTest::newRow("max_tokens is length")
            << QByteArray(R"({"content":[],"stop_reason":"max_tokens","usage":{"input_tokens":1,"output_tokens":9}})")
            << QString() << QStringLiteral("length") << 1ll << 1ll << 0ll << 0ll << 9ll;
        QTest::newRow("refusal is content_filter")
            << QByteArray(R"({"content":[],"stop_reason":"refusal","usage":{"input_tokens":1,"output_tokens":0}})")
            << QString() << QStringLiteral("content_filter") << 1ll << 1ll << 0ll << 0ll << 0ll;
    }

    void answerTranslation()
    {
        QFETCH(QByteArray, message);
        QFETCH(QString, content);
        QFETCH(QString, finishReason);
        QFETCH(qint64, promptTokens);
        QFETCH(qint64, input);
        QFETCH(qint64, cacheRead);
        QFETCH(qint64, cacheWrite);
        QFETCH(qint64, output);
        QJsonObject m = QJsonDocument::fromJson(message).object();
        m.insert(QStringLiteral("id"), QStringLiteral("msg_1"));
        m.insert(QStringLiteral("model"), QStringLiteral("claude-sonnet-4-5"));
        const QJsonObject c = QJsonDocument::fromJson(Anthropic::toChatCompletion(m, 1783000000)).object();
        QCOMPARE(c.value(QStringLiteral("id")).toString(), QStringLiteral("msg_1"));
        QCOMPARE(c.value(QStringLiteral("object")).toString(), QStringLiteral("chat.completion"));
        QCOMPARE(c.value(QStringLiteral("created")).toInteger(), 1783000000);
        QCOMPARE(c.value(QStringLiteral("model")).toString(), QStringLiteral("claude-sonnet-4-5"));
        const QJsonObject choice = c.value(QStringLiteral("choices")).toArray().at(0).toObject();
        const QJsonObject answer = choice.value(QStringLiteral("message")).toObject();
        QCOMPARE(answer.value(QStringLiteral("role")).toString(), QStringLiteral("assistant"));
        QCOMPARE(answer.value(QStringLiteral("content")).toString(), content);
        QCOMPARE(choice.value(QStringLiteral("finish_reason")).toString(), finishReason);
        const QJsonObject usage = c.value(QStringLiteral("usage")).toObject();
        QCOMPARE(usage.value(QStringLiteral("prompt_tokens")).toInteger(), promptTokens);
        QCOMPARE(usage.value(QStringLiteral("total_tokens")).toInteger(), promptTokens + output);

        const TokenCounts tokens = tokensOf(usage);
        QCOMPARE(tokens.input, input);
        QCOMPARE(tokens.cacheRead, cacheRead);
        QCOMPARE(tokens.cacheWrite(), cacheWrite);
        QCOMPARE(tokens.output, output);

        // A stream to an Anthropic upstream is answered whole: the same usage in its last chunk.
        const QByteArray events = QByteArray::fromStdString(asEvents(Anthropic::toChatCompletion(m, 0), true));
        QVERIFY(events.endsWith("\n\ndata: [DONE]\n\n"));
        const QList<QByteArray> chunks = events.split('\n');
        const QByteArray last = chunks.at(chunks.size() - 5); // the usage chunk, before [DONE]
        QVERIFY(last.startsWith("data: {"));
        const QJsonObject usageChunk = QJsonDocument::fromJson(last.mid(6)).object();
        QVERIFY(usageChunk.value(QStringLiteral("choices")).toArray().isEmpty());
        QCOMPARE(tokensOf(usageChunk.value(QStringLiteral("usage")).toObject()).totalInput(), promptTokens);
        QCOMPARE(tokensOf(usageChunk.value(QStringLiteral("usage")).toObject()).cacheWrite(), cacheWrite);
        QVERIFY(!QByteArray::fromStdString(asEvents(Anthropic::toChatCompletion(m, 0), false)).contains("\"usage\""));
    }

    void errorTranslation_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("message");

        QTest::newRow("anthropic error") << QByteArray(
            R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})")
                                         << QStringLiteral("overloaded_error") << QStringLiteral("Overloaded");
        QTest::newRow("not JSON") << QByteArray("<html>Bad gateway</html>") << QStringLiteral("upstream_error")
                                  << QStringLiteral("<html>Bad gateway</html>");
        QTest::newRow("long text cut") << QByteArray(600, 'x') << QStringLiteral("upstream_error")
                                       << QString(500, QLatin1Char('x'));
    }

    void errorTranslation()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, type);
        QFETCH(QString, message);
        const QJsonObject error =
            QJsonDocument::fromJson(QByteArray::fromStdString(Anthropic::toOpenAiError(body.toStdString())))
                .object()
                .value(QStringLiteral("error"))
                .toObject();
        QCOMPARE(error.value(QStringLiteral("type")).toString(), type);
        QCOMPARE(error.value(QStringLiteral("message")).toString(), message);
    }
};

QTEST_GUILESS_MAIN(TestAnthropic)
#include "tst_anthropic.moc"

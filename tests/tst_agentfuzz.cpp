// Fuzzing costgov-agent's request handling: mutated chat, embeddings and policy bodies straight
// into the handlers, and malformed or hostile HTTP over real sockets. Deterministic (seeded), so
// a failure reproduces; COSTGOV_FUZZ_ITERATIONS runs longer. Every answer must be well-formed and
// the agent must keep serving.

#include "support/fakeupstream.h"
#include "support/testsupport.h"

#include "gateway/agent.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace CostGov;

namespace {

const QByteArray kToken = "fuzz-token-0123456789";

QByteArray mutate(QByteArray data, QRandomGenerator &rng)
{
    const int edits = 1 + int(rng.bounded(6));
    static const QList<QByteArray> tokens{"{",
                                          "}",
                                          "[",
                                          "]",
                                          "\"",
                                          ":",
                                          ",",
                                          "null",
                                          "true",
                                          "1e999",
                                          "-1",
                                          "\\u0000",
                                          "\\ud800",
                                          "\xff",
                                          "\x00",
                                          "99999999999999999999",
                                          "\"stream\":true",
                                          "\"temperature\":0",
                                          "\"messages\":[]",
                                          "\"content\":[{\"type\":\"text\",\"text\":1}]"};
    for (int e = 0; e < edits; ++e) {
        const int at = data.isEmpty() ? 0 : int(rng.bounded(int(data.size())));
        switch (rng.bounded(6)) {
        case 0: // flip a byte
            if (!data.isEmpty())
                data[at] = char(rng.bounded(256));
            break;
        case 1: // cut
            data.truncate(at);
            break;
        case 2: // insert a token
            data.insert(at, tokens.at(int(rng.bounded(int(tokens.size())))));
            break;
        case 3: // remove a span
            data.remove(at, int(rng.bounded(16)));
            break;
        case 4: // repeat a span
            data.insert(at, data.mid(at, int(rng.bounded(64))).repeated(1 + int(rng.bounded(8))));
            break;
        default: // nest deeply
            data.insert(at, QByteArray(int(rng.bounded(4000)), '['));
            break;
        }
    }
    return data;
}

QList<QByteArray> chatSeeds()
{
    const auto doc = [](const QJsonObject &o) { return QJsonDocument(o).toJson(QJsonDocument::Compact); };
    const QJsonArray messages{
        QJsonObject{{QStringLiteral("role"), QStringLiteral("system")},
                    {QStringLiteral("content"), QStringLiteral("Be brief.")}},
        QJsonObject{{QStringLiteral("role"), QStringLiteral("user")},
                    {QStringLiteral("content"),
                     QJsonArray{QJsonObject{{QStringLiteral("type"), QStringLiteral("text")},
                                            {QStringLiteral("text"), QStringLiteral("Extract the invoice total")}}}}}};
    QJsonObject plain{{QStringLiteral("model"), QStringLiteral("gpt-4o")}, {QStringLiteral("messages"), messages}};
    QJsonObject cached = plain;
    cached.insert(QStringLiteral("temperature"), 0);
    QJsonObject json = plain;
    json.insert(QStringLiteral("response_format"),
                QJsonObject{{QStringLiteral("type"), QStringLiteral("json_object")}});
    QJsonObject tools = plain;
    tools.insert(QStringLiteral("tools"),
                 QJsonArray{QJsonObject{{QStringLiteral("type"), QStringLiteral("function")}}});
    tools.insert(QStringLiteral("max_tokens"), 50);
    QJsonObject stream = plain;
    stream.insert(QStringLiteral("stream"), true);
    return {doc(plain), doc(cached), doc(json), doc(tools), doc(stream)};
}

bool isJsonError(const std::string &body)
{
    return QJsonDocument::fromJson(QByteArray::fromStdString(body)).object().value(QStringLiteral("error")).isObject();
}

enum class Then { HalfClose, KeepOpen, Leave };

/// Sends raw bytes to 127.0.0.1:port and reads what comes back until the peer closes or 2 s pass
/// (Then::Leave: closes at once, as a client that goes away).
QByteArray rawExchange(int port, const QByteArray &bytes, Then then = Then::HalfClose)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(quint16(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QByteArray answer;
    if (::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0) {
        qsizetype sent = 0;
        while (sent < bytes.size()) {
            const ssize_t n = ::send(fd, bytes.constData() + sent, size_t(bytes.size() - sent), MSG_NOSIGNAL);
            if (n <= 0)
                break;
            sent += n;
        }
        if (then == Then::HalfClose)
            ::shutdown(fd, SHUT_WR);
        char buffer[4096];
        pollfd p{fd, POLLIN, 0};
        while (then != Then::Leave && ::poll(&p, 1, 2000) > 0) {
            const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n <= 0)
                break;
            answer.append(buffer, n);
        }
    }
    ::close(fd);
    return answer;
}

} // namespace

class TestAgentFuzz : public QObject {
    Q_OBJECT

private:
    Test::FakeUpstream m_upstream;
    Test::TempDir m_dir;
    std::unique_ptr<Gateway::Agent> m_agent;
    int m_iterations = 2000;

    void stillServes()
    {
        httplib::Client client("127.0.0.1", m_agent->port());
        const auto r = client.Post("/v1/chat/completions", chatSeeds().first().toStdString(), "application/json");
        QVERIFY(r);
        QCOMPARE(r->status, 200);
    }

private slots:
    void initTestCase()
    {
        m_iterations = qEnvironmentVariableIntValue("COSTGOV_FUZZ_ITERATIONS") > 0
            ? qEnvironmentVariableIntValue("COSTGOV_FUZZ_ITERATIONS")
            : m_iterations;
        Gateway::Config config;
        config.port = 0;
        config.managementPort = 0;
        config.managementToken = kToken;
        config.stateDir = m_dir.file(QStringLiteral("state"));
        config.logDir = m_dir.file(QStringLiteral("logs"));
        config.maxBodyBytes = 1 << 20;
        config.managementAuthMaxFailures = 1000000; // token-less hostile requests are many; no lock-out here
        config.upstreams = {{QStringLiteral("openai"), QString::fromStdString(m_upstream.url()), {}, "sk-x"}};
        m_dir.write(QStringLiteral("state/policy.json"), Test::readData(QStringLiteral("policy/example.json")));
        m_agent = std::make_unique<Gateway::Agent>(config);
        const Status started = m_agent->start();
        QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().message));
    }

    void cleanupTestCase() { m_agent.reset(); }

    void mutatedChatBodies()
    {
        QRandomGenerator rng(20261127);
        const QList<QByteArray> seeds = chatSeeds();
        int ok = 0, refused = 0;
        for (int i = 0; i < m_iterations; ++i) {
            httplib::Request req;
            req.method = "POST";
            req.path = "/v1/chat/completions";
            req.set_header("Content-Type", "application/json");
            req.body = mutate(seeds.at(int(rng.bounded(int(seeds.size())))), rng).toStdString();
            if (rng.bounded(4) == 0)
                req.set_header("x-costgov-team", mutate("search", rng).toStdString());
            httplib::Response res;
            m_agent->handleChat(req, res);
            if (res.status == 200) {
                ++ok;
                // A whole answer is the upstream's JSON (a stream's body comes from its provider).
                QVERIFY(res.body.empty() || QJsonDocument::fromJson(QByteArray::fromStdString(res.body)).isObject());
            } else {
                ++refused;
                QVERIFY2(res.status == 400 || res.status == 429 || res.status == 502,
                         qPrintable(QString::number(res.status)));
                QVERIFY2(isJsonError(res.body), res.body.c_str());
            }
        }
        qInfo("%d mutated chat bodies: %d answered, %d refused with a JSON error", m_iterations, ok, refused);
        QVERIFY(ok > 0 && refused > 0);
        stillServes();
    }

    void mutatedEmbeddingsAndPolicies()
    {
        QRandomGenerator rng(7);
        const QByteArray embedding = "{\"model\":\"text-embedding-3-small\",\"input\":\"abc\"}";
        const QByteArray policy = Test::readData(QStringLiteral("policy/example.json"));
        int accepted = 0;
        for (int i = 0; i < m_iterations / 2; ++i) {
            httplib::Request req;
            req.method = "POST";
            req.set_header("Content-Type", "application/json");
            req.body = mutate(embedding, rng).toStdString();
            httplib::Response res;
            m_agent->handleEmbeddings(req, res);
            QVERIFY(res.status == 200 || res.status == 400);

            httplib::Request put;
            put.method = "PUT";
            put.path = "/v1/policy";
            put.set_header("Authorization", "Bearer " + kToken.toStdString());
            put.set_header("If-Match", "*");
            put.body = mutate(policy, rng).toStdString();
            httplib::Response answer;
            m_agent->handleManagement(put, answer);
            QVERIFY2(answer.status == 200 || answer.status == 422, qPrintable(QString::number(answer.status)));
            if (answer.status == 422)
                QVERIFY(isJsonError(answer.body));
            accepted += answer.status == 200;
        }
        qInfo("%d mutated policies: %d accepted (still valid), the rest refused with reasons", m_iterations / 2,
              accepted);
        // Back to the example for the socket round.
        httplib::Request put;
        put.method = "PUT";
        put.path = "/v1/policy";
        put.set_header("Authorization", "Bearer " + kToken.toStdString());
        put.set_header("If-Match", "*");
        put.body = policy.toStdString();
        httplib::Response answer;
        m_agent->handleManagement(put, answer);
        QCOMPARE(answer.status, 200);
        stillServes();
    }

    void hostileHttpOverSockets()
    {
        const int port = m_agent->port();
        const QByteArray body = chatSeeds().first();
        const QByteArray good = "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost:" + QByteArray::number(port)
            + "\r\nContent-Type: application/json\r\n"
              "Connection: close\r\n"
              "Content-Length: "
            + QByteArray::number(body.size()) + "\r\n\r\n" + body;
        const QList<QByteArray> cases{
            "GARBAGE\r\n\r\n",
            "POST\r\n\r\n",
            "POST /v1/chat/completions HTTP/9.9\r\n\r\n",
            "POST /v1/chat/completions HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
            "POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n{}",
            "POST /v1/chat/completions HTTP/1.1\r\nContent-Length: abc\r\n\r\n{}",
            "POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"model\":", // truncated body
            "POST /v1/chat/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
            "POST /v1/chat/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nabc",
            "POST /v1/chat/completions HTTP/1.1\r\nX-Long: " + QByteArray(100000, 'a') + "\r\n\r\n",
            "POST /" + QByteArray(100000, 'a') + " HTTP/1.1\r\n\r\n",
            "POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n" + QByteArray(2000000, '{'),
            "GET /v1/chat/completions HTTP/1.1\r\nHost: x\r\n\r\n",
            QByteArray("POST /v1/chat/completions HTTP/1.1\r\nX-Nul: a") + '\0' + QByteArray("b\r\n\r\n"),
            good + good + "GARBAGE\r\n\r\n", // pipelined, then junk
        };
        for (const QByteArray &c : cases) {
            const QByteArray answer = rawExchange(port, c);
            QVERIFY2(answer.isEmpty() || answer.startsWith("HTTP/1.1 "), answer.left(200).constData());
        }
        // A whole request answered; pipelining is not supported (cpp-httplib issue #1271): a second
        // request in the same packet goes unanswered, and the connection closes.
        QVERIFY(rawExchange(port, good, Then::KeepOpen).startsWith("HTTP/1.1 200 OK"));
        QVERIFY(rawExchange(port, good + good, Then::KeepOpen).count("HTTP/1.1 200") == 1);
        QRandomGenerator rng(99);
        for (int i = 0; i < m_iterations / 10; ++i) {
            const QByteArray answer = rawExchange(port, mutate(good, rng));
            QVERIFY2(answer.isEmpty() || answer.startsWith("HTTP/1.1 "), answer.left(200).constData());
        }
        // A client that connects, sends half a request and goes away.
        for (int i = 0; i < 20; ++i)
            rawExchange(port, good.left(good.size() / 2), Then::Leave);
        // The management port too.
        for (const QByteArray &c : cases) {
            const QByteArray answer = rawExchange(m_agent->managementPort(), c);
            QVERIFY2(
                answer.isEmpty() || answer.startsWith("HTTP/1.1 "),
                QByteArray(c.left(80).toPercentEncoding() + " -> " + answer.left(200).toPercentEncoding()).constData());
        }
        stillServes();
    }

    void chunkedAndCompressedBodies()
    {
        // Chunked framing mutated (sizes, extensions, lengths past max_body_bytes) and bodies in
        // every Content-Encoding: each answer is well-formed, compressed ones are refused (415).
        QRandomGenerator rng(1127);
        const QByteArray body = chatSeeds().first();
        const QList<QByteArray> encodings{"gzip", "deflate", "br", "x-gzip", "GZIP", "compress", "gzip, identity"};
        const int rounds = std::min(m_iterations / 20, 200);
        int tooLarge = 0;
        for (int i = 0; i < rounds; ++i) {
            const int port = i % 3 == 0 ? m_agent->managementPort() : m_agent->port();
            QByteArray request = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                 "Connection: close\r\n";
            if (port == m_agent->managementPort())
                request = "PUT /v1/policy HTTP/1.1\r\nHost: x\r\nIf-Match: *\r\nAuthorization: Bearer " + kToken
                    + "\r\nConnection: close\r\n";
            const bool compressed = rng.bounded(2) == 0;
            if (compressed)
                request += "Content-Encoding: " + encodings.at(int(rng.bounded(int(encodings.size())))) + "\r\n";
            QByteArray payload = mutate(body, rng);
            if (rng.bounded(4) == 0)
                payload += QByteArray(int(rng.bounded(3 << 20)), ' '); // up to 3 MiB, past the 1 MiB limit
            const bool large = payload.size() > (1 << 20);
            QByteArray chunked;
            bool mangled = false; // a mutated size line may cut the body short
            for (qsizetype at = 0; at < payload.size();) {
                const qsizetype size = std::min<qsizetype>(1 + qsizetype(rng.bounded(70000)), payload.size() - at);
                QByteArray sizeLine = QByteArray::number(size, 16);
                if (rng.bounded(50) == 0) {
                    sizeLine = mutate(sizeLine, rng);
                    mangled = true;
                }
                if (rng.bounded(20) == 0)
                    sizeLine += ";ext=1";
                chunked += sizeLine + "\r\n" + payload.mid(at, size) + "\r\n";
                at += size;
            }
            request += "Transfer-Encoding: chunked\r\n\r\n" + chunked + "0\r\n\r\n";
            const QByteArray answer = rawExchange(port, request);
            QVERIFY2(answer.isEmpty() || answer.startsWith("HTTP/1.1 "), answer.left(200).constData());
            if (compressed)
                QVERIFY2(answer.startsWith("HTTP/1.1 415"), answer.left(200).constData());
            else if (large && !mangled)
                QVERIFY2(answer.startsWith("HTTP/1.1 413") || answer.startsWith("HTTP/1.1 400"),
                         answer.left(200).constData());
            tooLarge += answer.startsWith("HTTP/1.1 413");
        }
        qInfo("%d chunked or compressed bodies: %d refused as too large", rounds, tooLarge);
        QVERIFY(tooLarge > 0);
        // The example policy back in force, then the proxy still answers.
        httplib::Client management("127.0.0.1", m_agent->managementPort());
        const auto put =
            management.Put("/v1/policy", {{"Authorization", "Bearer " + kToken.toStdString()}, {"If-Match", "*"}},
                           Test::readData(QStringLiteral("policy/example.json")).toStdString(), "application/json");
        QVERIFY(put);
        QCOMPARE(put->status, 200);
        stillServes();
    }
};

QTEST_GUILESS_MAIN(TestAgentFuzz)
#include "tst_agentfuzz.moc"

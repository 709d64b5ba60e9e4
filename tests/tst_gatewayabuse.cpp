// costgov-agent under abuse, on loopback against the real process: bodies beyond the limit
// (chunked, compressed, before the management token), idle and trickling connections on the
// management port, silent upstream streams, wrong management tokens, and configs the agent must
// refuse to start with. The agent's peak memory is read from /proc after every attack.

#include "support/fakeupstream.h"
#include "support/testsupport.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

using namespace CostGov;

namespace {

const QByteArray kToken = "abuse-token-0123456789";
constexpr qint64 kMaxBody = 1 << 20;
constexpr int kHeaderTimeoutSeconds = 2;
constexpr int kStreamIdleSeconds = 2;
constexpr qint64 kMemoryCeilingKiB = 100 * 1024;

const QByteArray kChat = R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}])";

int connectTo(int port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(quint16(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool sendAll(int fd, const QByteArray &bytes)
{
    for (qsizetype sent = 0; sent < bytes.size();) {
        const ssize_t n = ::send(fd, bytes.constData() + sent, size_t(bytes.size() - sent), MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        sent += n;
    }
    return true;
}

bool readable(int fd, int timeoutMs)
{
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, timeoutMs) > 0;
}

/// What the peer sends until it closes, `until` shows up, or timeoutMs pass.
QByteArray readAnswer(int fd, int timeoutMs, const QByteArray &until = {})
{
    QByteArray answer;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    char buffer[16384];
    while (std::chrono::steady_clock::now() < deadline && (until.isEmpty() || !answer.contains(until))) {
        if (!readable(fd, 100))
            continue;
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0)
            break;
        answer.append(buffer, n);
    }
    return answer;
}

/// Whether the peer has closed the connection (reads what is left first).
bool closedByPeer(int fd)
{
    char buffer[4096];
    while (readable(fd, 0)) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n <= 0)
            return true;
    }
    return false;
}

QByteArray gzip(qint64 zeros)
{
    httplib::detail::gzip_compressor compressor;
    const std::string block(1 << 20, '\0');
    QByteArray out;
    for (qint64 done = 0; done < zeros; done += qint64(block.size()))
        compressor.compress(block.data(), block.size(), done + qint64(block.size()) >= zeros,
                            [&](const char *data, size_t length) {
                                out.append(data, qsizetype(length));
                                return true;
                            });
    return out;
}

QByteArray head(const QByteArray &requestLine, const QByteArray &headers)
{
    return requestLine + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + headers + "\r\n";
}

} // namespace

class TestGatewayAbuse : public QObject {
    Q_OBJECT

private:
    Test::FakeUpstream m_upstream;
    Test::TempDir m_dir;
    QProcess m_agent;
    int m_port = 0;
    int m_managementPort = 0;

    QJsonObject baseConfig() const
    {
        return {
            {QStringLiteral("listen"), QStringLiteral("127.0.0.1:0")},
            {QStringLiteral("management_listen"), QStringLiteral("127.0.0.1:0")},
            {QStringLiteral("management_token_file"), QStringLiteral("token")},
            {QStringLiteral("state_dir"), QStringLiteral("state")},
            {QStringLiteral("log_dir"), QStringLiteral("logs")},
            {QStringLiteral("max_body_bytes"), kMaxBody},
            {QStringLiteral("threads"), 4},
            {QStringLiteral("header_timeout_seconds"), kHeaderTimeoutSeconds},
            {QStringLiteral("body_timeout_seconds"), 5},
            {QStringLiteral("stream_idle_timeout_seconds"), kStreamIdleSeconds},
            {QStringLiteral("management_auth_max_failures"), 8},
            {QStringLiteral("upstreams"),
             QJsonArray{QJsonObject{{QStringLiteral("provider"), QStringLiteral("openai")},
                                    {QStringLiteral("base_url"), QString::fromStdString(m_upstream.url() + "/v1")},
                                    {QStringLiteral("key_env"), QStringLiteral("FAKE_OPENAI_KEY")}}}},
        };
    }

    /// costgov-agent --check with a config: its exit code and what it printed on stderr.
    QPair<int, QByteArray> check(const QJsonObject &config)
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("FAKE_OPENAI_KEY"), QStringLiteral("sk-upstream-secret"));
        p.setProcessEnvironment(env);
        const QString path = m_dir.write(QStringLiteral("check.json"), QJsonDocument(config).toJson());
        p.start(QStringLiteral(COSTGOV_AGENT), {QStringLiteral("--config"), path, QStringLiteral("--check")});
        if (!p.waitForFinished(10000))
            return {-1, {}};
        return {p.exitCode(), p.readAllStandardError()};
    }

    /// The agent's peak resident memory (VmHWM) in KiB.
    qint64 peakKiB() const
    {
        const QByteArray status = Test::readFile(QStringLiteral("/proc/%1/status").arg(m_agent.processId()));
        const auto m = QRegularExpression(QStringLiteral("VmHWM:\\s+(\\d+) kB")).match(QString::fromLatin1(status));
        return m.hasMatch() ? m.captured(1).toLongLong() : -1;
    }

    void verifyMemory()
    {
        const qint64 peak = peakKiB();
        qInfo("agent peak memory (VmHWM): %lld KiB", peak);
        QVERIFY(peak > 0);
        QVERIFY2(peak < kMemoryCeilingKiB, qPrintable(QString::number(peak)));
    }

    httplib::Result status(const std::string &token = kToken.toStdString())
    {
        httplib::Client client("127.0.0.1", m_managementPort);
        client.set_connection_timeout(5, 0);
        client.set_read_timeout(5, 0);
        return client.Get("/v1/status", {{"Authorization", "Bearer " + token}});
    }

    httplib::Result chat(const std::string &body)
    {
        httplib::Client client("127.0.0.1", m_port);
        client.set_connection_timeout(5, 0);
        client.set_read_timeout(10, 0);
        return client.Post("/v1/chat/completions", body, "application/json");
    }

    /// Sends a request head (and what follows) on a fresh connection and reads the answer.
    QByteArray exchange(int port, const QByteArray &bytes, int timeoutMs = 5000)
    {
        const int fd = connectTo(port);
        if (fd < 0)
            return {};
        sendAll(fd, bytes);
        const QByteArray answer = readAnswer(fd, timeoutMs, "\r\n\r\n");
        ::close(fd);
        return answer;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_upstream.port > 0);
        const QString token = m_dir.write(QStringLiteral("token"), kToken);
        QVERIFY(QFile::setPermissions(token, QFileDevice::ReadOwner | QFileDevice::WriteOwner));
        m_dir.write(QStringLiteral("agent.json"), QJsonDocument(baseConfig()).toJson());
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("FAKE_OPENAI_KEY"), QStringLiteral("sk-upstream-secret"));
        m_agent.setProcessEnvironment(env);
        m_agent.start(QStringLiteral(COSTGOV_AGENT),
                      {QStringLiteral("--config"), m_dir.file(QStringLiteral("agent.json"))});
        QVERIFY(m_agent.waitForStarted());
        QByteArray line;
        QTRY_VERIFY_WITH_TIMEOUT(
            (line += m_agent.readAllStandardOutput()).contains('\n') || m_agent.state() == QProcess::NotRunning, 10000);
        const auto m = QRegularExpression(QStringLiteral("proxy on port (\\d+), management on port (\\d+)"))
                           .match(QString::fromUtf8(line));
        QVERIFY2(m.hasMatch(), QByteArray(line + m_agent.readAllStandardError()).constData());
        m_port = m.captured(1).toInt();
        m_managementPort = m.captured(2).toInt();
        const auto answer = chat(kChat.toStdString() + "}");
        QVERIFY(answer);
        QCOMPARE(answer->status, 200);
        qInfo("agent peak memory after one request: %lld KiB", peakKiB());
    }

    void cleanupTestCase()
    {
        if (m_agent.state() == QProcess::NotRunning)
            return;
        m_agent.terminate();
        QVERIFY(m_agent.waitForFinished(15000));
        QCOMPARE(m_agent.exitCode(), 0);
    }

    void chunkedBodyBeyondTheLimitStopsAt413()
    {
        m_upstream.clear();
        const int fd = connectTo(m_port);
        QVERIFY(fd >= 0);
        // A valid chat request padded with 300 MB of blanks: had the handler seen it, it would
        // have gone upstream.
        QVERIFY(sendAll(fd, head("POST /v1/chat/completions", "Transfer-Encoding: chunked\r\n")));
        QVERIFY(sendAll(fd, QByteArray::number(kChat.size(), 16) + "\r\n" + kChat + "\r\n"));
        const QByteArray blanks(64 * 1024, ' ');
        const QByteArray chunk = QByteArray::number(blanks.size(), 16) + "\r\n" + blanks + "\r\n";
        qint64 sent = 0;
        for (int i = 0; i < 300 * 16 && !readable(fd, 0); ++i) {
            if (!sendAll(fd, chunk))
                break;
            sent += chunk.size();
        }
        const QByteArray answer = readAnswer(fd, 5000, "}");
        ::close(fd);
        qInfo("sent %lld bytes of a 300 MB chunked body before the answer", sent);
        QVERIFY2(answer.startsWith("HTTP/1.1 413"), answer.left(200).constData());
        QVERIFY(answer.contains("Connection: close"));
        QVERIFY(sent < 100ll << 20);
        QCOMPARE(m_upstream.calls.load(), 0);

        // Just above the limit, in a few chunks: 413 too; within it: answered.
        httplib::Client client("127.0.0.1", m_port);
        const auto sendChunked = [&](qint64 padding) {
            return client.Post(
                "/v1/chat/completions",
                [padding, offset = qint64(0)](size_t, httplib::DataSink &sink) mutable {
                    if (offset == 0)
                        sink.write(kChat.constData(), size_t(kChat.size()));
                    const std::string part(size_t(std::min<qint64>(padding - offset, 256 * 1024)), ' ');
                    sink.write(part.data(), part.size());
                    offset += qint64(part.size());
                    if (offset >= padding) {
                        sink.write("}", 1);
                        sink.done();
                    }
                    return true;
                },
                "application/json");
        };
        auto r = sendChunked(kMaxBody - kChat.size());
        QVERIFY(r);
        QCOMPARE(r->status, 413);
        r = sendChunked(kMaxBody - kChat.size() - 1024);
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(m_upstream.calls.load(), 1);
        verifyMemory();
    }

    void compressedBodiesAreRefusedUnread()
    {
        m_upstream.clear();
        const QByteArray bomb = gzip(200ll << 20); // 200 MB of zeros
        qInfo("gzip body: %lld bytes, 200 MB inflated", qint64(bomb.size()));
        for (const QByteArray encoding : {"gzip", "deflate", "br", "GZip", "identity, gzip"}) {
            const QByteArray answer = exchange(m_port,
                                               head("POST /v1/chat/completions",
                                                    "Content-Encoding: " + encoding + "\r\nContent-Length: "
                                                        + QByteArray::number(bomb.size()) + "\r\n")
                                                   + bomb);
            QVERIFY2(answer.startsWith("HTTP/1.1 415"), QByteArray(encoding + " -> " + answer.left(100)).constData());
        }
        // A Content-Length beyond the limit is answered before the body is sent at all.
        QVERIFY(exchange(m_port, head("POST /v1/chat/completions", "Content-Length: 314572800\r\n"))
                    .startsWith("HTTP/1.1 413"));
        QCOMPARE(m_upstream.calls.load(), 0);
        verifyMemory();
    }

    void managementChecksTheTokenBeforeTheBody()
    {
        const QByteArray bomb = gzip(400ll << 20).left(400 * 1024);
        const QByteArray put = "PUT /v1/policy";
        // Without a token: 401 whatever the body, and before any of it arrives.
        for (const QByteArray &headers :
             {QByteArray("Content-Encoding: gzip\r\nContent-Length: " + QByteArray::number(bomb.size()) + "\r\n"),
              QByteArray("Content-Length: 314572800\r\n"), QByteArray("Transfer-Encoding: chunked\r\n")}) {
            const QByteArray answer = exchange(m_managementPort, head(put, "If-Match: *\r\n" + headers));
            QVERIFY2(answer.startsWith("HTTP/1.1 401"), answer.left(100).constData());
        }
        QVERIFY(exchange(m_managementPort,
                         head(put,
                              "If-Match: *\r\nContent-Encoding: gzip\r\nContent-Length: "
                                  + QByteArray::number(bomb.size()) + "\r\n")
                             + bomb)
                    .startsWith("HTTP/1.1 401"));
        // With it: the body is still judged before it is read.
        const QByteArray auth = "Authorization: Bearer " + kToken + "\r\nIf-Match: *\r\n";
        QVERIFY(exchange(m_managementPort,
                         head(put,
                              auth + "Content-Encoding: gzip\r\nContent-Length: " + QByteArray::number(bomb.size())
                                  + "\r\n"))
                    .startsWith("HTTP/1.1 415"));
        QVERIFY(
            exchange(m_managementPort, head(put, auth + "Content-Length: 314572800\r\n")).startsWith("HTTP/1.1 413"));
        const auto r = status();
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        verifyMemory();
    }

    void idleAndTricklingConnectionsDoNotLockOutManagement()
    {
        std::vector<int> idle, trickle;
        for (int i = 0; i < 64; ++i) {
            const int fd = connectTo(m_managementPort);
            QVERIFY(fd >= 0);
            idle.push_back(fd);
        }
        const QByteArray slowHead = head("GET /v1/status", "Authorization: Bearer " + kToken + "\r\n");
        for (int i = 0; i < 8; ++i) {
            const int fd = connectTo(m_managementPort);
            QVERIFY(fd >= 0);
            trickle.push_back(fd);
        }
        const auto trickleByte = [&](int round) {
            for (int fd : trickle)
                ::send(fd, slowHead.constData() + (round % (slowHead.size() - 4)), 1, MSG_NOSIGNAL);
        };
        int round = 0;
        for (; round < 4; ++round) {
            trickleByte(round);
            QTest::qWait(250);
        }
        // An authorised call answers at all, promptly (a generous deadline, not a speed test).
        const auto started = std::chrono::steady_clock::now();
        const auto r = status();
        QVERIFY2(r, r ? "" : httplib::to_string(r.error()).c_str());
        QCOMPARE(r->status, 200);
        QVERIFY(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
        // The proxy port as well.
        const auto answer = chat(kChat.toStdString() + "}");
        QVERIFY(answer);
        QCOMPARE(answer->status, 200);
        // A byte now and then does not keep a connection: every one is closed by the header deadline.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kHeaderTimeoutSeconds + 8);
        int open = 0;
        do {
            trickleByte(round++);
            QTest::qWait(250);
            open = 0;
            for (int fd : idle)
                open += !closedByPeer(fd);
            for (int fd : trickle)
                open += !closedByPeer(fd);
        } while (open > 0 && std::chrono::steady_clock::now() < deadline);
        for (int fd : idle)
            ::close(fd);
        for (int fd : trickle)
            ::close(fd);
        QCOMPARE(open, 0);
        verifyMemory();
    }

    void stalledStreamsFreeTheirThreads()
    {
        // As many stalled streams as the proxy has threads (4).
        const QByteArray body = R"({"model":"stalled","stream":true,"messages":[{"role":"user","content":"hi"}]})";
        std::vector<int> streams;
        for (int i = 0; i < 4; ++i) {
            const int fd = connectTo(m_port);
            QVERIFY(fd >= 0);
            QVERIFY(
                sendAll(fd,
                        head("POST /v1/chat/completions", "Content-Length: " + QByteArray::number(body.size()) + "\r\n")
                            + body));
            streams.push_back(fd);
        }
        for (int fd : streams) {
            const QByteArray answer = readAnswer(fd, (kStreamIdleSeconds + 10) * 1000, "0\r\n\r\n");
            ::close(fd);
            QVERIFY2(answer.startsWith("HTTP/1.1 200"), answer.left(200).constData());
            QVERIFY2(answer.contains("the upstream sent nothing for"), answer.right(300).constData());
            QVERIFY(answer.endsWith("0\r\n\r\n"));
        }
        const auto r = chat(kChat.toStdString() + "}");
        QVERIFY(r);
        QCOMPARE(r->status, 200);
    }

    void wrongTokensLockTheAddressOut()
    {
        int refused = 0;
        for (int i = 0; i < 20; ++i) {
            const auto wrong = status("wrong-token-" + std::to_string(i));
            QVERIFY(wrong);
            if (wrong->status == 429) {
                QVERIFY(wrong->has_header("Retry-After"));
                break;
            }
            QCOMPARE(wrong->status, 401);
            ++refused;
        }
        QCOMPARE(refused, 8);
        // Locked out means locked out: the right token waits too.
        const auto r = status();
        QVERIFY(r);
        QCOMPARE(r->status, 429);
    }

    void refusesAManagementPortOnTheNetworkWithoutTls()
    {
        QJsonObject config = baseConfig();
        config.insert(QStringLiteral("management_listen"), QStringLiteral("0.0.0.0:0"));
        auto [code, error] = check(config);
        QCOMPARE(code, 2);
        QVERIFY2(error.contains("TLS"), error.constData());
        config.insert(QStringLiteral("management_insecure_http"), true);
        QCOMPARE(check(config).first, 0);
        config.insert(QStringLiteral("management_listen"), QStringLiteral("localhost:0"));
        config.remove(QStringLiteral("management_insecure_http"));
        QCOMPARE(check(config).first, 0);
    }

    void refusesATlsKeyOthersCanRead()
    {
        const QString key = m_dir.write(QStringLiteral("open-key.pem"), "not read");
        QVERIFY(QFile::setPermissions(key, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup));
        m_dir.write(QStringLiteral("cert.pem"), "not read");
        QJsonObject config = baseConfig();
        config.insert(QStringLiteral("tls_cert_file"), QStringLiteral("cert.pem"));
        config.insert(QStringLiteral("tls_key_file"), QStringLiteral("open-key.pem"));
        auto [code, error] = check(config);
        QCOMPARE(code, 2);
        QVERIFY2(error.contains("open-key.pem") && error.contains("chmod 600"), error.constData());
    }
};

QTEST_GUILESS_MAIN(TestGatewayAbuse)
#include "tst_gatewayabuse.moc"

#include "agent.h"

#include "accounting.h"
#include "chatroute.h"
#include "management.h"
#include "openai.h"
#include "policy/budgetmeter.h"
#include "requestlog.h"
#include "streamrelay.h"
#include "upstreams.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <httplib.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <list>
#include <optional>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace CostGov::Gateway {

// cpp-httplib 0.11.4 reads a request head without a size or time limit (a line grows until its
// newline; a byte now and then restarts the read timeout), ignores the body limit for chunked and
// decompressed bodies, and gives every open connection a thread of a fixed pool. The agent
// therefore serves each connection itself: its own Stream enforces a deadline and a size for
// the head and the body, a pre-routing handler judges the headers before any body is read, and
// a thread per connection is started only within the port's budget.

using SteadyClock = std::chrono::steady_clock;

struct PortLimits {
    int threads = 16;  ///< open connections, a thread each
    int perClient = 8; ///< open connections of one client address
    std::chrono::milliseconds headerTimeout{10000}, bodyTimeout{60000}, writeTimeout{30000};
    size_t maxBodyBytes = 8u << 20;
};

/// The open connections of a port: who holds them, which wait for a request (and may be closed
/// to make room), and the threads serving them.
class PortGuard {
public:
    explicit PortGuard(const PortLimits &limits) : m_limits(limits) {}
    Q_DISABLE_COPY_MOVE(PortGuard)

    const PortLimits &limits() const { return m_limits; }

    /// Whether a new connection gets a thread: within the budget, or by closing the oldest
    /// connection that waits for a request.
    bool reserveThread()
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping)
            return false;
        if (m_threads >= m_limits.threads && !evictIdle({}))
            return false;
        ++m_threads;
        return true;
    }
    void threadDone()
    {
        std::lock_guard lock(m_mutex);
        --m_threads;
        m_changed.notify_all();
    }
    void waitForThreads()
    {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [this] { return m_threads == 0; });
    }

    /// Registers a connection; a client at its cap loses its oldest waiting connection, or is
    /// refused (nullopt) when all of its connections are busy.
    std::optional<quint64> admit(int fd, const std::string &address)
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping)
            return std::nullopt;
        const auto held = std::count_if(m_connections.begin(), m_connections.end(),
                                        [&](const Connection &c) { return c.address == address; });
        if (held >= m_limits.perClient && !evictIdle(address))
            return std::nullopt;
        m_connections.push_back({m_nextId, fd, address, true});
        return m_nextId++;
    }
    /// False when the connection was closed to make room, or the agent stops.
    bool setIdle(quint64 id, bool idle)
    {
        std::lock_guard lock(m_mutex);
        const auto it =
            std::find_if(m_connections.begin(), m_connections.end(), [&](const Connection &c) { return c.id == id; });
        if (it == m_connections.end() || (idle && m_stopping))
            return false;
        it->idle = idle;
        return true;
    }
    void remove(quint64 id)
    {
        std::lock_guard lock(m_mutex);
        m_connections.remove_if([&](const Connection &c) { return c.id == id; });
    }
    /// No new connections; those waiting for a request are closed.
    void stop()
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        while (evictIdle({})) {}
    }

private:
    struct Connection {
        quint64 id;
        int fd;
        std::string address;
        bool idle;
    };

    /// Shuts down the oldest idle connection (of address, if given); its thread sees the end of
    /// the stream at once and closes the socket. Called with the mutex held, which keeps the fd open.
    bool evictIdle(const std::string &address)
    {
        const auto it = std::find_if(m_connections.begin(), m_connections.end(), [&](const Connection &c) {
            return c.idle && (address.empty() || c.address == address);
        });
        if (it == m_connections.end())
            return false;
        ::shutdown(it->fd, SHUT_RDWR);
        m_connections.erase(it);
        return true;
    }

    const PortLimits m_limits;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::list<Connection> m_connections; ///< oldest first
    quint64 m_nextId = 1;
    int m_threads = 0;
    bool m_stopping = false;
};

namespace {

constexpr size_t kMaxHeadBytes = 64 * 1024;
constexpr int kMaxRequestsPerConnection = 100000;

/// Waits until fd is ready for events or the deadline passes.
bool waitFor(int fd, short events, SteadyClock::time_point deadline)
{
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
        if (left.count() <= 0)
            return false;
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, int(std::min<qint64>(left.count(), 60000)));
        if (n > 0)
            return true;
        if (n < 0 && errno != EINTR)
            return false;
    }
}

/// A connection's bytes for cpp-httplib, within the limits of the request part being read.
class ConnectionStream final : public httplib::Stream {
public:
    ConnectionStream(int fd, SSL *ssl, const PortLimits &limits) : m_fd(fd), m_ssl(ssl), m_limits(limits) {}
    using httplib::Stream::write;

    /// The next request's head: from now, within the header timeout and kMaxHeadBytes.
    void awaitHead()
    {
        m_body = false;
        m_count = 0;
        m_deadline = SteadyClock::now() + m_limits.headerTimeout;
    }
    /// Its body: within the body timeout, and max_body_bytes with room for chunk framing (the
    /// decoded size is checked exactly after).
    void beginBody()
    {
        m_body = true;
        m_count = 0;
        m_deadline = SteadyClock::now() + m_limits.bodyTimeout;
    }
    /// Waits for the first byte of a request: false at the end of the stream or the deadline.
    bool waitForRequest()
    {
        return m_begin < m_end || (m_ssl && SSL_pending(m_ssl) > 0) || waitFor(m_fd, POLLIN, m_deadline);
    }
    bool tooLarge() const { return m_tooLarge; }
    bool timedOut() const { return m_timedOut; }
    bool inBody() const { return m_body; }

    bool is_readable() const override
    {
        return m_begin < m_end || (m_ssl && SSL_pending(m_ssl) > 0) || waitFor(m_fd, POLLIN, m_deadline);
    }
    bool is_writable() const override
    {
        pollfd p{m_fd, POLLOUT, 0};
        return ::poll(&p, 1, int(m_limits.writeTimeout.count())) > 0 && !(p.revents & (POLLERR | POLLHUP));
    }
    ssize_t read(char *ptr, size_t size) override
    {
        const size_t limit = m_body ? m_limits.maxBodyBytes + m_limits.maxBodyBytes / 8 + 65536 : kMaxHeadBytes;
        if (m_count >= limit) {
            m_tooLarge = true;
            return -1;
        }
        if (m_begin == m_end && !fill())
            return m_eof ? 0 : -1;
        const size_t n = std::min({size, m_end - m_begin, limit - m_count});
        std::memcpy(ptr, m_buffer + m_begin, n);
        m_begin += n;
        m_count += n;
        return ssize_t(n);
    }
    ssize_t write(const char *ptr, size_t size) override
    {
        const auto deadline = SteadyClock::now() + m_limits.writeTimeout;
        for (;;) {
            short wait = POLLOUT;
            if (m_ssl) {
                const int n = SSL_write(m_ssl, ptr, int(std::min<size_t>(size, 1 << 30)));
                if (n > 0)
                    return n;
                const int error = SSL_get_error(m_ssl, n);
                if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE)
                    return -1;
                wait = error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
            } else {
                const ssize_t n = ::send(m_fd, ptr, size, MSG_NOSIGNAL);
                if (n >= 0)
                    return n;
                if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                    return -1;
            }
            if (!waitFor(m_fd, wait, deadline))
                return -1;
        }
    }
    void get_remote_ip_and_port(std::string &ip, int &port) const override { address(::getpeername, ip, port); }
    void get_local_ip_and_port(std::string &ip, int &port) const override { address(::getsockname, ip, port); }
    socket_t socket() const override { return m_fd; }

    template <typename Call>
    void address(Call call, std::string &ip, int &port) const
    {
        sockaddr_storage a{};
        socklen_t length = sizeof a;
        char text[INET6_ADDRSTRLEN] = {};
        if (call(m_fd, reinterpret_cast<sockaddr *>(&a), &length) != 0)
            return;
        if (a.ss_family == AF_INET) {
            const auto *v4 = reinterpret_cast<const sockaddr_in *>(&a);
            ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
            port = ntohs(v4->sin_port);
        } else if (a.ss_family == AF_INET6) {
            const auto *v6 = reinterpret_cast<const sockaddr_in6 *>(&a);
            ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
            port = ntohs(v6->sin6_port);
        }
        ip = text;
    }

private:
    bool fill()
    {
        m_begin = m_end = 0;
        for (;;) {
            short wait = POLLIN;
            if (m_ssl) {
                const int n = SSL_read(m_ssl, m_buffer, sizeof m_buffer);
                if (n > 0) {
                    m_end = size_t(n);
                    return true;
                }
                const int error = SSL_get_error(m_ssl, n);
                if (error == SSL_ERROR_ZERO_RETURN) {
                    m_eof = true;
                    return false;
                }
                if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE)
                    return false;
                wait = error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
            } else {
                const ssize_t n = ::recv(m_fd, m_buffer, sizeof m_buffer, 0);
                if (n > 0) {
                    m_end = size_t(n);
                    return true;
                }
                if (n == 0) {
                    m_eof = true;
                    return false;
                }
                if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                    return false;
            }
            if (!waitFor(m_fd, wait, m_deadline)) {
                m_timedOut = true;
                return false;
            }
        }
    }

    const int m_fd;
    SSL *const m_ssl;
    const PortLimits &m_limits;
    char m_buffer[16384];
    size_t m_begin = 0, m_end = 0, m_count = 0;
    SteadyClock::time_point m_deadline;
    bool m_body = false, m_eof = false, m_tooLarge = false, m_timedOut = false;
};

/// The connection a server thread serves, for the pre-routing and error handlers.
struct Connection {
    ConnectionStream &stream;
    PortGuard &guard;
    quint64 id;
    bool closeAfterResponse = false; ///< a body was refused unread
};
thread_local Connection *t_connection = nullptr;
thread_local bool t_refuseConnection = false;

/// Starts a thread per connection within the port's budget; beyond it the connection is
/// refused on the accepting thread, so a full port never queues sockets it cannot serve.
class ConnectionThreads final : public httplib::TaskQueue {
public:
    explicit ConnectionThreads(PortGuard &guard) : m_guard(guard) {}
    void enqueue(std::function<void()> serve) override
    {
        if (!m_guard.reserveThread()) {
            t_refuseConnection = true;
            serve();
            t_refuseConnection = false;
            return;
        }
        std::thread([this, serve = std::move(serve)] {
            serve();
            m_guard.threadDone();
        }).detach();
    }
    void shutdown() override { m_guard.waitForThreads(); }

private:
    PortGuard &m_guard;
};

/// A response written before TLS or HTTP parsing: for connections refused at once.
void refuseRaw(int fd, int status)
{
    const std::string body = errorBody(QStringLiteral("server_busy"),
                                       status == 429 ? QStringLiteral("too many connections from this address")
                                                     : QStringLiteral("too many connections"));
    const std::string text = "HTTP/1.1 " + std::to_string(status)
        + (status == 429 ? " Too Many Requests" : " Service Unavailable")
        + "\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size())
        + "\r\n\r\n" + body;
    [[maybe_unused]] const ssize_t sent = ::send(fd, text.data(), text.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

/// Reads and drops what the client still sends, briefly, so the answer is not lost to a reset.
void lingeringClose(int fd)
{
    ::shutdown(fd, SHUT_WR);
    const auto deadline = SteadyClock::now() + std::chrono::seconds(2);
    char sink[16384];
    for (size_t drained = 0; drained < (16u << 20) && waitFor(fd, POLLIN, deadline);) {
        const ssize_t n = ::recv(fd, sink, sizeof sink, 0);
        if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR)))
            break;
        drained += size_t(std::max<ssize_t>(n, 0));
    }
}

struct SslContextFree {
    void operator()(SSL_CTX *ctx) const { SSL_CTX_free(ctx); }
};
using SslContext = std::unique_ptr<SSL_CTX, SslContextFree>;

/// cpp-httplib's server with the connection handling above (over TLS when given a context).
class GuardedServer final : public httplib::Server {
public:
    GuardedServer(PortGuard &guard, SslContext tls) : m_guard(guard), m_tls(std::move(tls))
    {
        new_task_queue = [this] { return new ConnectionThreads(m_guard); };
    }

private:
    bool process_and_close_socket(socket_t sock) override
    {
        const PortLimits &limits = m_guard.limits();
        std::string address;
        int port = 0;
        ConnectionStream probe(sock, nullptr, limits);
        probe.get_remote_ip_and_port(address, port);
        const std::optional<quint64> id = t_refuseConnection ? std::nullopt : m_guard.admit(sock, address);
        if (!id) {
            if (!m_tls)
                refuseRaw(sock, t_refuseConnection ? 503 : 429);
            ::close(sock);
            return false;
        }
        ::fcntl(sock, F_SETFL, ::fcntl(sock, F_GETFL) | O_NONBLOCK);
        SSL *ssl = nullptr;
        bool lingering = false;
        if (!m_tls || (ssl = handshake(sock, SteadyClock::now() + limits.headerTimeout))) {
            ConnectionStream stream(sock, ssl, limits);
            Connection connection{stream, m_guard, *id};
            t_connection = &connection;
            for (int served = 0; served < kMaxRequestsPerConnection; ++served) {
                stream.awaitHead();
                if ((served > 0 && !m_guard.setIdle(*id, true)) || !stream.waitForRequest())
                    break;
                bool closed = false;
                const bool written = process_request(stream, served + 1 == kMaxRequestsPerConnection, closed, nullptr);
                if (!written && !stream.inBody() && (stream.timedOut() || stream.tooLarge())) {
                    const std::string status =
                        stream.tooLarge() ? "431 Request Header Fields Too Large" : "408 Request Timeout";
                    stream.write("HTTP/1.1 " + status + "\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
                }
                lingering = connection.closeAfterResponse || stream.tooLarge() || stream.timedOut();
                if (!written || closed || lingering)
                    break;
            }
            t_connection = nullptr;
        }
        if (ssl) {
            SSL_shutdown(ssl);
            SSL_free(ssl);
        }
        m_guard.remove(*id);
        if (lingering)
            lingeringClose(sock);
        ::close(sock);
        return true;
    }

    SSL *handshake(int sock, SteadyClock::time_point deadline)
    {
        SSL *ssl = SSL_new(m_tls.get());
        if (!ssl)
            return nullptr;
        SSL_set_fd(ssl, sock);
        for (;;) {
            const int r = SSL_accept(ssl);
            if (r == 1)
                return ssl;
            const int error = SSL_get_error(ssl, r);
            if ((error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE)
                || !waitFor(sock, error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) {
                ERR_clear_error();
                SSL_free(ssl);
                return nullptr;
            }
        }
    }

    PortGuard &m_guard;
    SslContext m_tls;
};

/// The request head is in: the connection is busy now, and its body may be read.
void headReceived()
{
    if (t_connection) {
        t_connection->guard.setIdle(t_connection->id, false);
        t_connection->stream.beginBody();
    }
}

/// Judges Content-Length, Transfer-Encoding and Content-Encoding before the body is read; a
/// refused body is left unread and its connection closed after the answer.
bool acceptableBody(const httplib::Request &req, httplib::Response &res, qint64 maxBodyBytes)
{
    const auto refuse = [&](int status, const QString &type, const QString &message) {
        jsonError(res, status, type, message);
        res.set_header("Connection", "close");
        if (t_connection)
            t_connection->closeAfterResponse = true;
        return false;
    };
    const std::string encoding =
        QByteArray::fromStdString(req.get_header_value("Content-Encoding")).trimmed().toLower().toStdString();
    if (!encoding.empty() && encoding != "identity")
        return refuse(415, QStringLiteral("invalid_request_error"),
                      QStringLiteral("compressed request bodies (Content-Encoding: %1) are not accepted")
                          .arg(QString::fromStdString(encoding)));
    const bool chunked = req.has_header("Transfer-Encoding");
    if (chunked
        && QByteArray::fromStdString(req.get_header_value("Transfer-Encoding")).trimmed().toLower() != "chunked")
        return refuse(501, QStringLiteral("invalid_request_error"),
                      QStringLiteral("the only Transfer-Encoding accepted is chunked"));
    const size_t lengths = req.get_header_value_count("Content-Length");
    if (chunked && lengths > 0)
        return refuse(400, QStringLiteral("invalid_request_error"),
                      QStringLiteral("Content-Length and Transfer-Encoding together"));
    for (size_t i = 0; i < lengths; ++i) {
        const QByteArray value = QByteArray::fromStdString(req.get_header_value("Content-Length", i)).trimmed();
        const bool digits = !value.isEmpty() && value.size() <= 18
            && std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
        const qint64 length = digits ? value.toLongLong() : -1;
        if (length < 0
            || (i > 0 && value != QByteArray::fromStdString(req.get_header_value("Content-Length", 0)).trimmed()))
            return refuse(400, QStringLiteral("invalid_request_error"), QStringLiteral("a bad Content-Length"));
        if (length > maxBodyBytes)
            return refuse(413, QStringLiteral("invalid_request_error"),
                          QStringLiteral("request body too large (at most %1 bytes)").arg(maxBodyBytes));
    }
    if (lengths == 0 && !chunked && (req.method == "POST" || req.method == "PUT" || req.method == "PATCH"))
        return refuse(411, QStringLiteral("invalid_request_error"),
                      QStringLiteral("a request body needs Content-Length or chunked Transfer-Encoding"));
    return true;
}

SslContext tlsContext(const QString &certFile, const QString &keyFile)
{
    SslContext ctx(SSL_CTX_new(TLS_server_method()));
    const QByteArray cert = QFile::encodeName(certFile), key = QFile::encodeName(keyFile);
    if (!ctx || SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) != 1
        || SSL_CTX_use_certificate_chain_file(ctx.get(), cert.constData()) != 1
        || SSL_CTX_use_PrivateKey_file(ctx.get(), key.constData(), SSL_FILETYPE_PEM) != 1
        || SSL_CTX_check_private_key(ctx.get()) != 1) {
        ERR_clear_error();
        return nullptr;
    }
    SSL_CTX_set_options(ctx.get(), SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    return ctx;
}

} // namespace

Agent::Agent(Config config, const Clock &clock)
    : m_config(std::move(config)), m_clock(clock), m_policy(m_config.stateDir, m_cache)
{}

Agent::~Agent()
{
    stop();
}

Status Agent::prepare()
{
    const qint64 startedMs = m_clock.nowMs();
    for (const QString &dir : {m_config.stateDir, m_config.logDir})
        if (!QDir().mkpath(dir))
            return makeError(ErrorCode::Io, QStringLiteral("cannot create %1").arg(dir));
    // Prices for budgets: the bundled feed, and the configured file above it.
    m_prices.setFeed(Pricing::bundledFeed());
    if (!m_config.pricesFile.isEmpty()) {
        QFile f(m_config.pricesFile);
        if (!f.open(QIODevice::ReadOnly))
            return makeError(ErrorCode::Io,
                             QStringLiteral("cannot read %1: %2").arg(m_config.pricesFile, f.errorString()));
        if (Status s = Pricing::addPriceFile(m_prices, f.readAll(), QFileInfo(m_config.pricesFile).fileName()); !s.ok())
            return makeError(s.error().code, QStringLiteral("%1: %2").arg(m_config.pricesFile, s.error().message));
    }

    // The kept policy, else the configured one, else none (requests go as asked).
    Policy::Policy policy;
    QByteArray document = Policy::toDocument(policy);
    for (const QString &path : {QDir(m_config.stateDir).filePath(QStringLiteral("policy.json")), m_config.policyFile}) {
        QFile f(path);
        if (path.isEmpty() || !f.exists())
            continue;
        if (!f.open(QIODevice::ReadOnly))
            return makeError(ErrorCode::Io, QStringLiteral("cannot read %1: %2").arg(path, f.errorString()));
        const QByteArray bytes = f.readAll();
        Policy::Parsed parsed = Policy::parse(bytes);
        if (!parsed.ok())
            return makeError(
                ErrorCode::Data,
                QStringLiteral("%1 is not a valid policy:\n%2").arg(path, Policy::problemsText(parsed.problems)));
        policy = parsed.policy;
        document = bytes;
        break;
    }
    if (const auto installed = m_policy.install(policy, document, false); !installed.ok())
        return installed.error();

    m_upstreams = std::make_unique<Upstreams>(m_config.upstreams, m_config.upstreamTimeoutSeconds, m_clock);
    m_log = std::make_unique<RequestLog>(m_config.logDir,
                                         RequestLog::Limits{m_config.logMaxBytes, m_config.logTotalMaxBytes,
                                                            m_config.logRetentionDays, m_config.logGroupId});
    m_budgets = std::make_unique<Policy::BudgetMeter>(m_clock);
    m_accounting = std::make_unique<Accounting>(m_prices, *m_log, *m_budgets, m_policy, m_clock);
    m_relay = std::make_unique<StreamRelay>(*m_upstreams, *m_accounting, m_counters, m_config.streamIdleTimeoutSeconds);
    m_chat = std::make_unique<ChatRoute>(ChatRoute::Parts{m_config, m_clock, *m_upstreams, m_cache, *m_budgets,
                                                          *m_accounting, *m_relay, m_policy, m_counters});
    m_management = std::make_unique<Management>(Management::Parts{
        m_config.managementToken, m_clock, startedMs, m_policy, *m_accounting, *m_upstreams, m_cache, *m_budgets,
        m_counters, m_config.managementAuthMaxFailures, m_config.managementAuthLockoutSeconds});
    if (const auto problems = unknownProviders(m_policy.current()->policy, *m_upstreams); !problems.isEmpty())
        return makeError(ErrorCode::Data,
                         QStringLiteral("the policy in force names providers this config lacks:\n%1")
                             .arg(Policy::problemsText(problems)));
    m_accounting->replayBudgets();
    return {};
}

Status Agent::start()
{
    if (Status s = prepare(); !s)
        return s;
    const auto limits = [this](int threads, int perClient) {
        PortLimits l;
        l.threads = threads;
        l.perClient = perClient;
        l.headerTimeout = std::chrono::seconds(m_config.headerTimeoutSeconds);
        l.bodyTimeout = std::chrono::seconds(m_config.bodyTimeoutSeconds);
        l.maxBodyBytes = size_t(std::max<qint64>(m_config.maxBodyBytes, 0));
        return l;
    };
    // The management port's callers are the desktop and costgovctl: a few connections each.
    m_guard = std::make_unique<PortGuard>(limits(m_config.threads, m_config.maxConnectionsPerClient));
    m_managementGuard = std::make_unique<PortGuard>(limits(16, 8));
    const auto configure = [this](httplib::Server &server) {
        server.set_payload_max_length(size_t(m_config.maxBodyBytes));
        server.set_read_timeout(30, 0);
        server.set_write_timeout(30, 0);
        server.set_tcp_nodelay(true); // no 40 ms waits for delayed ACKs on keep-alive connections
        server.set_exception_handler([](const httplib::Request &, httplib::Response &res, std::exception_ptr) {
            jsonError(res, 500, QStringLiteral("server_error"), QStringLiteral("internal error"));
        });
        server.set_error_handler([](const httplib::Request &req, httplib::Response &res) {
            // A streamed answer (an upstream's error relayed as it comes) has its own body.
            if (!res.body.empty() || res.is_chunked_content_provider_)
                return;
            if (t_connection && t_connection->stream.inBody()
                && (t_connection->stream.tooLarge() || t_connection->stream.timedOut())) {
                res.status = t_connection->stream.tooLarge() ? 413 : 408;
                res.set_header("Connection", "close");
            }
            const QString message = res.status == 404
                ? QStringLiteral("no such endpoint: %1").arg(QString::fromStdString(req.path))
                : res.status == 413 ? QStringLiteral("request body too large")
                : res.status == 408 ? QStringLiteral("the request body did not arrive in time")
                                    : QStringLiteral("bad request");
            jsonError(res, res.status, QStringLiteral("invalid_request_error"), message);
        });
    };
    SslContext tls, managementTls;
    if (!m_config.tlsCertFile.isEmpty()) {
        tls = tlsContext(m_config.tlsCertFile, m_config.tlsKeyFile);
        managementTls = tlsContext(m_config.tlsCertFile, m_config.tlsKeyFile);
        if (!tls || !managementTls)
            return makeError(ErrorCode::Usage,
                             QStringLiteral("cannot serve https with %1 and %2 (a PEM certificate and "
                                            "its private key)")
                                 .arg(m_config.tlsCertFile, m_config.tlsKeyFile));
    }
    m_server = std::make_unique<GuardedServer>(*m_guard, std::move(tls));
    configure(*m_server);
    const qint64 maxBody = m_config.maxBodyBytes;
    m_server->set_pre_routing_handler([maxBody](const httplib::Request &req, httplib::Response &res) {
        headReceived();
        return acceptableBody(req, res, maxBody) ? httplib::Server::HandlerResponse::Unhandled
                                                 : httplib::Server::HandlerResponse::Handled;
    });
    // Chunked bodies are capped on the wire with room for their framing; this is the exact limit.
    const auto bounded = [maxBody](auto handler) {
        return [maxBody, handler](const httplib::Request &req, httplib::Response &res) {
            if (qint64(req.body.size()) > maxBody)
                return jsonError(res, 413, QStringLiteral("invalid_request_error"),
                                 QStringLiteral("request body too large (at most %1 bytes)").arg(maxBody));
            handler(req, res);
        };
    };
    m_server->Post("/v1/chat/completions",
                   bounded([this](const httplib::Request &req, httplib::Response &res) { handleChat(req, res); }));
    m_server->Post("/v1/embeddings", bounded([this](const httplib::Request &req, httplib::Response &res) {
                       handleEmbeddings(req, res);
                   }));
    m_managementServer = std::make_unique<GuardedServer>(*m_managementGuard, std::move(managementTls));
    configure(*m_managementServer);
    m_managementServer->set_pre_routing_handler([this, maxBody](const httplib::Request &req, httplib::Response &res) {
        headReceived();
        if (!m_management->authorize(req, res)) {
            res.set_header("Connection", "close");
            if (t_connection)
                t_connection->closeAfterResponse = true;
            return httplib::Server::HandlerResponse::Handled;
        }
        return acceptableBody(req, res, maxBody) ? httplib::Server::HandlerResponse::Unhandled
                                                 : httplib::Server::HandlerResponse::Handled;
    });
    const auto management =
        bounded([this](const httplib::Request &req, httplib::Response &res) { handleManagement(req, res); });
    m_managementServer->Get(".*", management);
    m_managementServer->Put(".*", management);
    m_managementServer->Post(".*", management);
    m_managementServer->Delete(".*", management);

    const auto bind = [](httplib::Server &server, const QString &host, int port) {
        const std::string h = host.toStdString();
        return port == 0 ? server.bind_to_any_port(h) : (server.bind_to_port(h, port) ? port : -1);
    };
    m_port = bind(*m_server, m_config.host, m_config.port);
    if (m_port <= 0)
        return makeError(ErrorCode::Io, QStringLiteral("cannot listen on %1:%2").arg(m_config.host).arg(m_config.port));
    m_managementPort = bind(*m_managementServer, m_config.managementHost, m_config.managementPort);
    if (m_managementPort <= 0)
        return makeError(
            ErrorCode::Io,
            QStringLiteral("cannot listen on %1:%2").arg(m_config.managementHost).arg(m_config.managementPort));
    m_serverThread = std::thread([this] { m_server->listen_after_bind(); });
    m_managementThread = std::thread([this] { m_managementServer->listen_after_bind(); });
    m_maintenanceThread = std::thread([this] {
        // Cache churn frees memory in every thread's malloc arena; give what is free back to the
        // system once a minute, so a long-running agent's footprint follows what it holds.
        std::unique_lock lock(m_maintenanceMutex);
        while (!m_maintenanceWake.wait_for(lock, std::chrono::seconds(60), [this] { return m_stopped.load(); })) {
#ifdef __GLIBC__
            malloc_trim(0);
#endif
        }
    });
    return {};
}

void Agent::stop()
{
    if (m_stopped.exchange(true))
        return;
    if (m_server)
        m_server->stop();
    if (m_managementServer)
        m_managementServer->stop();
    for (PortGuard *guard : {m_guard.get(), m_managementGuard.get()})
        if (guard)
            guard->stop();
    if (m_serverThread.joinable())
        m_serverThread.join();
    if (m_managementThread.joinable())
        m_managementThread.join();
    {
        std::lock_guard lock(m_maintenanceMutex);
        m_maintenanceWake.notify_all();
    }
    if (m_maintenanceThread.joinable())
        m_maintenanceThread.join();
    if (m_relay)
        m_relay->waitForStreams();
}

void Agent::handleChat(const httplib::Request &request, httplib::Response &response)
{
    m_chat->handleChat(request, response);
}

void Agent::handleEmbeddings(const httplib::Request &request, httplib::Response &response)
{
    m_chat->handleEmbeddings(request, response);
}

void Agent::handleManagement(const httplib::Request &request, httplib::Response &response)
{
    m_management->handle(request, response);
}

} // namespace CostGov::Gateway

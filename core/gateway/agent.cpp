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

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace CostGov::Gateway {

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
    m_relay = std::make_unique<StreamRelay>(*m_upstreams, *m_accounting, m_counters);
    m_chat = std::make_unique<ChatRoute>(ChatRoute::Parts{m_config, m_clock, *m_upstreams, m_cache, *m_budgets,
                                                          *m_accounting, *m_relay, m_policy, m_counters});
    m_management =
        std::make_unique<Management>(Management::Parts{m_config.managementToken, m_clock, startedMs, m_policy,
                                                       *m_accounting, *m_upstreams, m_cache, *m_budgets, m_counters});
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
    const auto configure = [this](httplib::Server &server, int threads) {
        server.new_task_queue = [threads] { return new httplib::ThreadPool(size_t(threads)); };
        server.set_payload_max_length(size_t(m_config.maxBodyBytes));
        server.set_read_timeout(30, 0);
        server.set_write_timeout(30, 0);
        server.set_keep_alive_max_count(100000);
        server.set_keep_alive_timeout(30);
        server.set_tcp_nodelay(true); // no 40 ms waits for delayed ACKs on keep-alive connections
        server.set_exception_handler([](const httplib::Request &, httplib::Response &res, std::exception_ptr) {
            jsonError(res, 500, QStringLiteral("server_error"), QStringLiteral("internal error"));
        });
        server.set_error_handler([](const httplib::Request &req, httplib::Response &res) {
            if (!res.body.empty())
                return;
            const QString message = res.status == 404
                ? QStringLiteral("no such endpoint: %1").arg(QString::fromStdString(req.path))
                : res.status == 413 ? QStringLiteral("request body too large")
                                    : QStringLiteral("bad request");
            jsonError(res, res.status, QStringLiteral("invalid_request_error"), message);
        });
    };
    const auto makeServer = [this]() -> std::unique_ptr<httplib::Server> {
        if (m_config.tlsCertFile.isEmpty())
            return std::make_unique<httplib::Server>();
        const QByteArray cert = QFile::encodeName(m_config.tlsCertFile), key = QFile::encodeName(m_config.tlsKeyFile);
        return std::make_unique<httplib::SSLServer>(cert.constData(), key.constData());
    };
    m_server = makeServer();
    if (!m_server->is_valid())
        return makeError(ErrorCode::Usage,
                         QStringLiteral("cannot serve https with %1 and %2 (a PEM certificate and "
                                        "its private key)")
                             .arg(m_config.tlsCertFile, m_config.tlsKeyFile));
    configure(*m_server, m_config.threads);
    m_server->Post("/v1/chat/completions",
                   [this](const httplib::Request &req, httplib::Response &res) { handleChat(req, res); });
    m_server->Post("/v1/embeddings",
                   [this](const httplib::Request &req, httplib::Response &res) { handleEmbeddings(req, res); });
    m_managementServer = makeServer();
    configure(*m_managementServer, 4);
    const auto management = [this](const httplib::Request &req, httplib::Response &res) { handleManagement(req, res); };
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

#pragma once

#include "common/result.h"
#include "policy/cache.h"
#include "policy/policy.h"
#include "pricing/pricecatalog.h"

#include <QByteArray>
#include <QString>
#include <QVector>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace httplib {
class Server;
struct Request;
struct Response;
} // namespace httplib

// costgov-agent: an OpenAI-compatible proxy that enforces a routing and caching policy, writes
// the canonical JSONL request log, and takes policies from the desktop on a management port.
namespace CostGov::Agent {

struct Upstream {
    QString provider;       ///< the name policies route to ("openai")
    QString baseUrl;        ///< e.g. https://api.openai.com (the agent adds /v1/...)
    QStringList models;     ///< requested models this upstream serves when no rule routes them ("gpt-*")
    QByteArray key;         ///< from key_env or a 0600 key_file
    bool anthropic = false; ///< kind "anthropic": Anthropic's messages API behind the OpenAI shape
};

struct ClientKey {
    QByteArray sha256; ///< hex SHA-256 of the key a client sends as its bearer token
    QString team, feature, user, environment;
};

struct Config {
    QString host = QStringLiteral("127.0.0.1");
    int port = 8787;
    QString managementHost = QStringLiteral("127.0.0.1");
    int managementPort = 8788;
    QByteArray managementToken;
    QString tlsCertFile, tlsKeyFile; ///< both set: both ports serve https
    QString stateDir;                ///< the accepted policy is kept here (policy.json)
    QString logDir;                  ///< canonical JSONL request logs
    qint64 logMaxBytes = 100ll << 20;
    bool logPrompts = false; ///< the last user message in the log's tags; off: only its hash
    QString policyFile;      ///< the policy to start with when the state directory has none
    QString pricesFile;      ///< a LiteLLM-format price file for budgets; the bundled catalog otherwise
    QVector<Upstream> upstreams;
    QVector<ClientKey> clientKeys;
    int threads = 32;
    qint64 maxBodyBytes = 8ll << 20;
    int upstreamTimeoutSeconds = 300;
};

/// Reads an agent config file (JSON; keys documented in the README). Secrets come from the
/// environment or from files only their owner can read.
Result<Config> readConfig(const QString &path);

struct Counters {
    std::atomic<qint64> requests{0}, upstreamCalls{0}, exactHits{0}, semanticHits{0}, budgetRejections{0}, fallbacks{0},
        escalations{0}, upstreamErrors{0}, badRequests{0}, policyUpdates{0}, policyRefusals{0};
};

class Agent {
public:
    explicit Agent(Config config);
    ~Agent();
    Agent(const Agent &) = delete;
    Agent &operator=(const Agent &) = delete;

    /// Reads the prices and the kept policy, and opens the log: what --check checks.
    Status prepare();
    /// prepare(), then binds both ports and serves; an error names what failed.
    Status start();
    void stop();
    int port() const { return m_port; }
    int managementPort() const { return m_managementPort; }

    // The handlers, reachable without sockets for the fuzzer.
    void handleChat(const httplib::Request &request, httplib::Response &response);
    void handleEmbeddings(const httplib::Request &request, httplib::Response &response);
    void handleManagement(const httplib::Request &request, httplib::Response &response);

private:
    struct Active;
    class Upstreams;
    class RequestLog;
    class BudgetMeter;
    struct Record;

    std::shared_ptr<const Active> active() const;
    Status install(const Policy::Policy &policy, const QByteArray &document, bool persist);
    void respondFromCache(const Record &base, const QByteArray &cached, const QString &kind, float similarity,
                          httplib::Response &response);
    void finish(Record &record, const QByteArray &responseBody);
    std::optional<Nano> costOf(const QString &provider, const QString &model, const TokenCounts &tokens,
                               qint64 tsMs) const;
    void replayBudgets();
    std::optional<Policy::Embedding> embed(const Policy::Policy &policy, const QString &text);
    void stream(QJsonObject body, const QVector<Policy::Target> &chain, Record record, httplib::Response &response);
    QString providerFor(const QString &model) const;
    /// Fills the request's team, feature, user and environment from a mapped client key (true) or
    /// the x-costgov-* headers (false).
    bool attribute(const httplib::Request &req, Policy::RequestView &view) const;
    QByteArray statusJson() const;
    /// Targets naming a provider this agent has no upstream for.
    QVector<Policy::Problem> unknownProviders(const Policy::Policy &policy) const;
    QByteArray metricsText() const;

    Config m_config;
    Pricing::PriceCatalog m_prices;
    std::unique_ptr<Upstreams> m_upstreams;
    std::unique_ptr<RequestLog> m_log;
    std::unique_ptr<BudgetMeter> m_budgets;
    Policy::ResponseCache m_cache;
    Counters m_counters;
    mutable std::mutex m_activeMutex;
    std::mutex m_putMutex; ///< one policy update at a time
    std::shared_ptr<const Active> m_active;
    std::unique_ptr<httplib::Server> m_server, m_management;
    std::thread m_serverThread, m_managementThread, m_maintenanceThread;
    std::mutex m_maintenanceMutex;
    std::condition_variable m_maintenanceWake;
    int m_port = 0, m_managementPort = 0;
    qint64 m_startedMs = 0;
    std::atomic_bool m_stopped{false};
    std::atomic_int m_streams{0}; ///< upstream threads of streams still running
};

} // namespace CostGov::Agent

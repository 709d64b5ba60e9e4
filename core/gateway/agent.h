#pragma once

#include "common/clock.h"
#include "config.h"
#include "metrics.h"
#include "policy/cache.h"
#include "policyinforce.h"
#include "pricing/pricecatalog.h"

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

namespace CostGov::Policy {
class BudgetMeter;
}

// costgov-agent as a whole: its parts wired together, serving the proxy and the management port.
namespace CostGov::Gateway {

class Accounting;
class ChatRoute;
class PortGuard;
class Management;
class RequestLog;
class StreamRelay;
class Upstreams;

class Agent final {
public:
    explicit Agent(Config config, const Clock &clock = Clock::system());
    ~Agent();
    Q_DISABLE_COPY_MOVE(Agent)

    /// Reads the prices and the kept policy, and opens the log: what --check checks.
    Status prepare();
    /// prepare(), then binds both ports (https with a certificate) and serves; an error names what failed.
    Status start();
    void stop();
    int port() const { return m_port; }
    int managementPort() const { return m_managementPort; }

    // The handlers, reachable without sockets for the fuzzer.
    void handleChat(const httplib::Request &request, httplib::Response &response);
    void handleEmbeddings(const httplib::Request &request, httplib::Response &response);
    void handleManagement(const httplib::Request &request, httplib::Response &response);

private:
    Config m_config;
    const Clock &m_clock;
    Pricing::PriceCatalog m_prices;
    Policy::ResponseCache m_cache;
    Counters m_counters;
    PolicyInForce m_policy;
    std::unique_ptr<Upstreams> m_upstreams;
    std::unique_ptr<RequestLog> m_log;
    std::unique_ptr<Policy::BudgetMeter> m_budgets;
    std::unique_ptr<Accounting> m_accounting;
    std::unique_ptr<StreamRelay> m_relay;
    std::unique_ptr<ChatRoute> m_chat;
    std::unique_ptr<Management> m_management;
    std::unique_ptr<PortGuard> m_guard, m_managementGuard; ///< outlive the servers' connection threads
    std::unique_ptr<httplib::Server> m_server, m_managementServer;
    std::thread m_serverThread, m_managementThread, m_maintenanceThread;
    std::mutex m_maintenanceMutex;
    std::condition_variable m_maintenanceWake;
    int m_port = 0, m_managementPort = 0;
    std::atomic_bool m_stopped{false};
};

} // namespace CostGov::Gateway

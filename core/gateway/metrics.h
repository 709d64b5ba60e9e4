#pragma once

#include <QByteArray>
#include <QtGlobal>

#include <atomic>

namespace CostGov::Policy {
struct CacheStats;
}

// What the agent counts, and its Prometheus text.
namespace CostGov::Gateway {

struct Counters {
    std::atomic<qint64> requests{0}, upstreamCalls{0}, exactHits{0}, semanticHits{0}, budgetRejections{0}, fallbacks{0},
        escalations{0}, upstreamErrors{0}, badRequests{0}, policyUpdates{0}, policyRefusals{0};
};

/// The counters, the caches' sizes, the policy version and the uptime in Prometheus' text format.
QByteArray metricsText(const Counters &counters, const Policy::CacheStats &cache, qint64 policyVersion,
                       qint64 uptimeSeconds);

} // namespace CostGov::Gateway

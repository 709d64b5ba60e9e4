#include "metrics.h"

#include "policy/cache.h"

namespace CostGov::Gateway {

QByteArray metricsText(const Counters &counters, const Policy::CacheStats &cache, qint64 policyVersion,
                       qint64 uptimeSeconds)
{
    QByteArray out;
    const auto metric = [&out](const char *name, const char *type, const char *help, qint64 value) {
        out += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n' + name + ' '
            + QByteArray::number(value) + '\n';
    };
    metric("costgov_agent_requests_total", "counter", "Requests received.", counters.requests);
    metric("costgov_agent_upstream_calls_total", "counter", "Calls made to upstream providers.",
           counters.upstreamCalls);
    metric("costgov_agent_cache_hits_exact_total", "counter", "Answers from the exact cache.", counters.exactHits);
    metric("costgov_agent_cache_hits_semantic_total", "counter", "Answers from the semantic cache.",
           counters.semanticHits);
    metric("costgov_agent_budget_rejections_total", "counter", "Requests refused by a hard budget.",
           counters.budgetRejections);
    metric("costgov_agent_fallbacks_total", "counter", "Fallbacks after 429, 5xx or no answer.", counters.fallbacks);
    metric("costgov_agent_escalations_total", "counter", "Cascade escalations.", counters.escalations);
    metric("costgov_agent_upstream_errors_total", "counter", "Upstream 429, 5xx or no answer.",
           counters.upstreamErrors);
    metric("costgov_agent_bad_requests_total", "counter", "Malformed requests refused.", counters.badRequests);
    metric("costgov_agent_cache_entries_exact", "gauge", "Entries in the exact cache.", cache.exactEntries);
    metric("costgov_agent_cache_bytes_exact", "gauge", "Bytes in the exact cache.", cache.exactBytes);
    metric("costgov_agent_cache_entries_semantic", "gauge", "Entries in the semantic cache.", cache.semanticEntries);
    metric("costgov_agent_policy_version", "gauge", "Version of the policy in force.", policyVersion);
    metric("costgov_agent_uptime_seconds", "gauge", "Seconds since start.", uptimeSeconds);
    return out;
}

} // namespace CostGov::Gateway

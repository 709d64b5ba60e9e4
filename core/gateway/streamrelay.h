#pragma once

#include "accounting.h"
#include "policy/policy.h"

#include <QJsonObject>
#include <QVector>

#include <atomic>
#include <chrono>

namespace httplib {
struct Response;
}

// A streamed chat completion passed on as the upstream sends it, its usage read on the way.
namespace CostGov::Gateway {

class Upstreams;
struct Counters;

class StreamRelay final {
public:
    /// idleTimeoutSeconds: the longest a server thread waits for the upstream's next event.
    StreamRelay(Upstreams &upstreams, Accounting &accounting, Counters &counters, int idleTimeoutSeconds)
        : m_upstreams(upstreams), m_accounting(accounting), m_counters(counters), m_idleTimeout(idleTimeoutSeconds)
    {}
    Q_DISABLE_COPY_MOVE(StreamRelay)

    /// Streams body from the first target of chain that answers (the rest are fallbacks) to the
    /// response, and finishes the record when the upstream is done. A silent upstream ends the
    /// client's stream after the idle timeout (504 before the first event, an error event after).
    void relay(QJsonObject body, const QVector<Policy::Target> &chain, Record record, httplib::Response &response);
    /// Waits for the upstream threads of streams still running; after the server stopped they end
    /// at their next chunk.
    void waitForStreams() const;

private:
    Upstreams &m_upstreams;
    Accounting &m_accounting;
    Counters &m_counters;
    std::chrono::seconds m_idleTimeout;
    std::atomic_int m_streams{0};
};

} // namespace CostGov::Gateway

#pragma once

#include "accounting.h"
#include "policy/policy.h"

#include <QJsonObject>
#include <QVector>

#include <atomic>

namespace httplib {
struct Response;
}

// A streamed chat completion passed on as the upstream sends it, its usage read on the way.
namespace CostGov::Gateway {

class Upstreams;
struct Counters;

class StreamRelay final {
public:
    StreamRelay(Upstreams &upstreams, Accounting &accounting, Counters &counters)
        : m_upstreams(upstreams), m_accounting(accounting), m_counters(counters)
    {}
    Q_DISABLE_COPY_MOVE(StreamRelay)

    /// Streams body from the first target of chain that answers (the rest are fallbacks) to the
    /// response, and finishes the record when the upstream is done.
    void relay(QJsonObject body, const QVector<Policy::Target> &chain, Record record, httplib::Response &response);
    /// Waits for the upstream threads of streams still running; after the server stopped they end
    /// at their next chunk.
    void waitForStreams() const;

private:
    Upstreams &m_upstreams;
    Accounting &m_accounting;
    Counters &m_counters;
    std::atomic_int m_streams{0};
};

} // namespace CostGov::Gateway

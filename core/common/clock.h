#pragma once

#include <QtGlobal>

namespace CostGov {

/// Source of "now". Everything that needs the time takes a Clock so tests can move it.
class Clock {
public:
    virtual ~Clock() = default;
    /// Milliseconds since the Unix epoch, UTC.
    virtual qint64 nowMs() const = 0;
    /// The wall clock.
    static const Clock &system();
};

/// A clock that stands still until told otherwise.
class ManualClock final : public Clock {
public:
    explicit ManualClock(qint64 nowMs = 0) : m_now(nowMs) {}
    qint64 nowMs() const override { return m_now; }
    void setNowMs(qint64 nowMs) { m_now = nowMs; }
    void advanceMs(qint64 ms) { m_now += ms; }

private:
    qint64 m_now;
};

} // namespace CostGov

#pragma once

#include "common/usagerecord.h"

#include <QFile>
#include <QString>

#include <functional>
#include <mutex>

// The agent's canonical JSONL request log: requests-YYYY-MM-DD-001.jsonl, -002, ... each at most
// the configured size. Thread-safe.
namespace CostGov::Gateway {

class RequestLog final {
public:
    RequestLog(QString dir, qint64 maxBytes) : m_dir(std::move(dir)), m_maxBytes(maxBytes) {}
    Q_DISABLE_COPY_MOVE(RequestLog)

    /// Appends a record to the file of the day it is written (a request that began before midnight
    /// and ends after goes to the new day's file: files only ever grow at their end).
    void write(qint64 nowMs, const UsageRecord &record);

    /// Reads back, with the canonical reader, every record logged since fromMs.
    void readSince(qint64 fromMs, const std::function<void(const UsageRecord &)> &onRecord) const;

private:
    QString partPath(int part) const;

    QString m_dir;
    qint64 m_maxBytes;
    std::mutex m_mutex;
    QFile m_file;
    qint64 m_day = -1;
    int m_part = 1;
};

} // namespace CostGov::Gateway

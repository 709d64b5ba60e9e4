#pragma once

#include "common/usagerecord.h"

#include <QFile>
#include <QString>

#include <functional>
#include <mutex>

// The agent's canonical JSONL request log: requests-YYYY-MM-DD-001.jsonl, -002, ... each at most
// the configured size; files older than the retention and, oldest first, files beyond the total
// size are deleted; files are the owner's only (0600), or group-readable (0640) for a log group.
// Thread-safe.
namespace CostGov::Gateway {

class RequestLog final {
public:
    struct Limits {
        qint64 partBytes = 100ll << 20;
        qint64 totalBytes = 10ll << 30;
        int retentionDays = 400;
        int groupId = -1; ///< -1: no group
    };
    RequestLog(QString dir, const Limits &limits) : m_dir(std::move(dir)), m_limits(limits) {}
    Q_DISABLE_COPY_MOVE(RequestLog)

    /// Appends a record to the file of the day it is written (a request that began before midnight
    /// and ends after goes to the new day's file: files only ever grow at their end).
    void write(qint64 nowMs, const UsageRecord &record);

    /// Reads back, with the canonical reader, every record logged since fromMs.
    void readSince(qint64 fromMs, const std::function<void(const UsageRecord &)> &onRecord) const;

private:
    QString partPath(int part) const;
    bool openPart();
    void prune(qint64 today) const;

    QString m_dir;
    Limits m_limits;
    std::mutex m_mutex;
    QFile m_file;
    qint64 m_day = -1;
    int m_part = 1;
};

} // namespace CostGov::Gateway

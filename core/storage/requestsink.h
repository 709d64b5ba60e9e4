#pragma once

#include "common/result.h"
#include "common/usagerecord.h"

#include <QByteArray>
#include <QString>
#include <QVector>

#include <memory>
#include <vector>

namespace CostGov {
class Clock;
}

namespace CostGov::Storage {

class Ledger;

/// A line that could not be read, kept with its file, line number and reason.
struct QuarantineEntry {
    QString path;
    qint64 line = 0;
    QString reason;
    QByteArray raw;
};

/// How far a file has been imported, and fingerprints to notice rotation or truncation.
struct FileCheckpoint {
    QString path;
    QString format;
    qint64 inode = 0;
    qint64 size = 0;   ///< file size when the checkpoint was taken
    qint64 offset = 0; ///< bytes consumed
    qint64 line = 0;   ///< lines consumed
    qint64 headLength = 0;
    quint64 headHash = 0; ///< of the first headLength bytes
    quint64 tailHash = 0; ///< of the up to 64 bytes before offset
};

/// Counters of an import run, as stored in its history row.
struct ImportCounters {
    qint64 files = 0;
    qint64 lines = 0;
    qint64 imported = 0;
    qint64 duplicates = 0;
    qint64 skipped = 0;
    qint64 quarantined = 0;
    qint64 unpriced = 0;
};

/// What one transaction writes: records, quarantined lines, checkpoints and the run's progress.
struct ImportBatch {
    qint64 importId = 0;
    std::vector<UsageRecord> records; ///< priced, with source and identityKey set
    QVector<QuarantineEntry> quarantine;
    QVector<FileCheckpoint> checkpoints;
    ImportCounters progress; ///< the job's files, lines, skipped and quarantined counts after this batch
};

struct BatchOutcome {
    qint64 inserted = 0;
    qint64 duplicates = 0;
    qint64 unpriced = 0;
};

/// The bulk insert path. Each write is one transaction: either all of a batch is stored (new
/// requests, rollups, quarantine, checkpoints, the run's counters) or none of it.
class RequestSink {
public:
    virtual ~RequestSink() = default;
    virtual Result<BatchOutcome> write(const ImportBatch &batch) = 0;
};

/// The SQLite implementation, on the ledger's own connection.
std::unique_ptr<RequestSink> createSqliteRequestSink(Ledger &ledger, const Clock &clock);

} // namespace CostGov::Storage

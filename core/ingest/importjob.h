#pragma once

#include "logreader.h"

#include "common/clock.h"
#include "common/result.h"
#include "storage/requestsink.h"

#include <QMap>
#include <QString>
#include <QStringList>
#include <QVector>

#include <atomic>
#include <functional>
#include <optional>

namespace CostGov::Storage {
class Ledger;
}
namespace CostGov::Pricing {
class PriceCatalog;
}

namespace CostGov::Ingest {

struct ImportProgress {
    qint64 bytesDone = 0; ///< over all files of the run
    qint64 bytesTotal = 0;
    qint64 lines = 0;
    int filesDone = 0;
    int filesTotal = 0;
    QString currentFile;
};

struct ImportOptions {
    QStringList paths;            ///< files and folders (read recursively)
    std::optional<Format> format; ///< nullopt: recognize each file
    QString source;               ///< the "source" dimension; empty: the format's name
    int batchSize = 25'000;       ///< records per transaction: three batches in memory at most
    std::function<void(const ImportProgress &)> progress;
    const std::atomic_bool *cancel = nullptr; ///< checked between elements; stops after committing
};

enum class FileOutcome {
    Imported,     ///< read from the start
    Resumed,      ///< read from its checkpoint: only what was appended
    Restarted,    ///< rotated, truncated or rewritten: read again from the start
    Unchanged,    ///< nothing new since the last import
    Unrecognized, ///< not a request log this program reads
    Failed,       ///< could not be read
    Cancelled,    ///< stopped by the user part way
};
QString fileOutcomeName(FileOutcome outcome);

struct FileReport {
    QString path;
    QString format; ///< layout name, e.g. "litellm-array"
    FileOutcome outcome = FileOutcome::Imported;
    QString note;       ///< why it was restarted, unrecognized or failed; an incomplete last line
    bool named = false; ///< named on the command line (not found inside a folder)
    Storage::ImportCounters counters;
};

struct ImportSummary {
    qint64 importId = 0;
    Storage::ImportCounters totals; ///< files = files recognized as request logs
    int filesUnchanged = 0;
    int filesUnrecognized = 0;
    int filesFailed = 0;
    bool cancelled = false;
    QVector<FileReport> files;
    QMap<QString, qint64> skippedByReason;
};

// Building blocks shared with other ways of bringing records in (demo data).

/// The stored identity of a record: its reader's name and its id, hashed to 63 bits (never 0).
/// buffer is scratch space, reused so the hot path does not allocate.
quint64 identityKey(std::string &buffer, const std::string &readerName, const std::string &identity);
/// Sets cost and costSource: the source's own cost, else the catalog's price on the record's day;
/// no price leaves cost empty (unpriced).
void priceRecord(const Pricing::PriceCatalog &catalog, UsageRecord &r);
/// Records a run in the import history (status "running") and returns its id.
Result<qint64> beginImportRun(Storage::Ledger &ledger, const QString &source, const QStringList &paths,
                              const Clock &clock);
/// Closes a run begun with beginImportRun: completed, cancelled or failed, with its counters.
void endImportRun(Storage::Ledger &ledger, const Status &status, const ImportSummary &summary, const Clock &clock);

/// Imports request logs into the ledger: streaming, batched, idempotent, resumable, with bad lines
/// quarantined. Fails only when the ledger itself fails; unreadable files are reported in the summary.
Result<ImportSummary> runImport(Storage::Ledger &ledger, const ImportOptions &options, const Clock &clock);

} // namespace CostGov::Ingest

#include "importjob.h"

#include "sniffer.h"

#include "attribution/attribution.h"
#include "common/logging.h"
#include "common/stablehash.h"
#include "pricing/pricecatalog.h"
#include "storage/ledger.h"
#include "storage/pricestore.h"

#include <QCoreApplication>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QHostInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace CostGov::Ingest {

void priceRecord(const Pricing::PriceCatalog &catalog, UsageRecord &r)
{
    if (r.reportedCost) {
        r.cost = r.reportedCost;
        r.costSource = CostSource::Reported;
        return;
    }
    if (r.tokens.isZero()) {
        r.cost = 0;
        r.costSource = CostSource::Catalog;
        return;
    }
    if (const Pricing::PriceEntry *price = catalog.find(r.provider, r.model, r.tsMs)) {
        r.cost = Pricing::computeCost(price->prices, r.tokens, r.batch);
        r.costSource = r.cost ? CostSource::Catalog : CostSource::None;
    }
}

namespace {

constexpr qint64 kHeadBytes = 4096;
constexpr qint64 kTailBytes = 64;
constexpr qsizetype kSniffBytes = 64 * 1024;
constexpr qsizetype kQuarantineRawLimit = 64 * 1024;

struct StoredCheckpoint {
    QString format;
    qint64 inode = 0, size = 0, offset = 0, line = 0, headLength = 0;
    quint64 headHash = 0, tailHash = 0;
};

quint64 hashOf(const QByteArray &bytes)
{
    return stableHash64(std::string_view(bytes.constData(), size_t(bytes.size())));
}

QByteArray readRange(QFile &file, qint64 from, qint64 length)
{
    if (!file.seek(from))
        return {};
    return file.read(length);
}

qint64 inodeOf(const QString &path)
{
    struct stat st;
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return 0;
    return qint64(st.st_ino);
}

} // namespace

quint64 identityKey(std::string &buffer, const std::string &readerName, const std::string &identity)
{
    buffer.assign(readerName);
    buffer.push_back('\x1f');
    buffer.append(identity);
    const quint64 h = stableHash64(buffer) >> 1; // fits a signed 64-bit column
    return h == 0 ? 1 : h;
}

namespace {

/// A batch read from a file, on its way from the parsing thread to the ledger.
struct ParsedBatch {
    Storage::ImportBatch batch; ///< records, quarantined lines and the file's checkpoint
    qint64 lines = 0;
    qint64 quarantined = 0;
    QMap<QString, qint64> skippedByReason;
    qint64 bytesRead = 0;               ///< of this file, up to the checkpoint
    bool last = false;                  ///< the file's final batch
    std::optional<FileOutcome> outcome; ///< Failed or Cancelled, on the last batch
    QString note;
};

/// Dense numbers of the distinct dimension combinations and users of one import run (see
/// UsageRecord::dimensionNumber). Used by one parsing thread at a time.
class DimensionNumbering {
public:
    void number(UsageRecord &r)
    {
        m_key.clear();
        for (const std::string *v : {&r.source, &r.provider, &r.model, &r.requestedModel, &r.team, &r.feature,
                                     &r.environment, &r.project, &r.route, &r.status}) {
            m_key.append(*v);
            m_key.push_back('\x1f');
        }
        if (r.attributed) {
            for (const std::string *v : {&r.sourceTeam, &r.sourceFeature}) {
                m_key.append(*v);
                m_key.push_back('\x1e');
            }
        }
        r.dimensionNumber = m_combinations.numberOf(m_key);
        r.userNumber = m_users.numberOf(r.user);
    }

private:
    /// Strings to 1, 2, 3... in order of first sight: an open-addressing table of (hash, number)
    /// over a vector of the strings, a cache miss or two a lookup where a node map takes three.
    class Numbers {
    public:
        quint32 numberOf(std::string_view key)
        {
            if ((m_keys.size() + 1) * 2 > m_slots.size())
                grow();
            const size_t hash = std::hash<std::string_view>{}(key);
            const size_t mask = m_slots.size() - 1;
            for (size_t i = hash & mask;; i = (i + 1) & mask) {
                Slot &slot = m_slots[i];
                if (slot.number == 0) {
                    m_keys.emplace_back(key);
                    slot = {hash, quint32(m_keys.size())};
                    return slot.number;
                }
                if (slot.hash == hash && m_keys[slot.number - 1] == key)
                    return slot.number;
            }
        }

    private:
        struct Slot {
            size_t hash = 0;
            quint32 number = 0; ///< 0: empty
        };
        void grow()
        {
            std::vector<Slot> old =
                std::exchange(m_slots, std::vector<Slot>(std::max<size_t>(1024, m_slots.size() * 2)));
            const size_t mask = m_slots.size() - 1;
            for (const Slot &slot : old) {
                if (slot.number == 0)
                    continue;
                size_t i = slot.hash & mask;
                while (m_slots[i].number != 0)
                    i = (i + 1) & mask;
                m_slots[i] = slot;
            }
        }
        std::vector<Slot> m_slots;
        std::vector<std::string> m_keys; ///< by number - 1
    };

    Numbers m_combinations;
    Numbers m_users;
    std::string m_key;
};

/// Hands batches from the parsing thread to the writing thread; holds at most one, so at most
/// three batches are in memory: one being parsed, one waiting, one being written.
class BatchQueue {
public:
    /// False when the consumer gave up (the batch is dropped).
    bool push(std::unique_ptr<ParsedBatch> batch)
    {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [this] { return m_items.empty() || m_abandoned; });
        if (m_abandoned)
            return false;
        m_items.push_back(std::move(batch));
        m_changed.notify_all();
        return true;
    }
    std::unique_ptr<ParsedBatch> pop()
    {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [this] { return !m_items.empty(); });
        auto batch = std::move(m_items.front());
        m_items.pop_front();
        m_changed.notify_all();
        return batch;
    }
    /// A written batch goes back to the parsing thread, which frees or reuses it: the writer
    /// thread, the slower one, never spends time on deallocation.
    void recycle(std::unique_ptr<ParsedBatch> batch)
    {
        std::lock_guard lock(m_mutex);
        m_spent.push_back(std::move(batch));
    }
    std::unique_ptr<ParsedBatch> takeSpent()
    {
        std::lock_guard lock(m_mutex);
        if (m_spent.empty())
            return nullptr;
        auto batch = std::move(m_spent.front());
        m_spent.pop_front();
        return batch;
    }

    void abandon()
    {
        std::lock_guard lock(m_mutex);
        m_abandoned = true;
        m_changed.notify_all();
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<std::unique_ptr<ParsedBatch>> m_items;
    std::deque<std::unique_ptr<ParsedBatch>> m_spent;
    bool m_abandoned = false;
};

/// Where and how to read one file.
struct FilePlan {
    QString path;
    Format format = Format::Canonical;
    Framing framing = Framing::Lines;
    Storage::FileCheckpoint checkpoint; ///< inode, size and head fingerprint set; offset and line = start
};

/// Reads a file into parsed, priced batches on its own thread, so parsing overlaps with writing.
class FileParser {
public:
    FileParser(const FilePlan &plan, const ImportOptions &options, const Pricing::PriceCatalog &catalog,
               const Attribution::RequestRules &rules, DimensionNumbering &numbering, BatchQueue &queue)
        : m_plan(plan),
          m_options(options),
          m_catalog(catalog),
          m_rules(rules),
          m_numbering(numbering),
          m_queue(queue),
          m_source((options.source.isEmpty() ? formatName(plan.format) : options.source).toStdString()),
          m_readerName(formatName(plan.format).toStdString())
    {}

    void run()
    {
        QFile file(m_plan.path);
        QFile probe(m_plan.path); // random reads (fingerprints) without disturbing the stream
        auto batch = newBatch();
        Storage::FileCheckpoint checkpoint = m_plan.checkpoint;
        const qint64 startOffset = checkpoint.offset;
        auto finish = [&](std::optional<FileOutcome> outcome, const QString &note) {
            batch->last = true;
            batch->outcome = outcome;
            batch->note = note;
            seal(*batch, checkpoint, probe, startOffset);
            m_queue.push(std::move(batch));
        };
        if (!file.open(QIODevice::ReadOnly) || !probe.open(QIODevice::ReadOnly) || !file.seek(startOffset))
            return finish(FileOutcome::Failed, file.errorString());
        std::unique_ptr<LogReader> reader = createReader(m_plan.format, m_plan.framing);
        if (m_plan.framing == Framing::Csv && startOffset > 0) {
            // Resuming a CSV file: the header row is at the top.
            ElementReader headerReader(&probe, m_plan.framing, 0, 0);
            Element header;
            if (!headerReader.next(header) || !reader->setHeader(header.text).ok())
                return finish(FileOutcome::Failed, QStringLiteral("cannot read the CSV header again"));
        }

        ElementReader elements(&file, m_plan.framing, startOffset, checkpoint.line);
        bool needHeader = m_plan.framing == Framing::Csv && startOffset == 0;
        Element element;
        qint64 sinceCheck = 0;
        QString note;
        std::optional<FileOutcome> outcome;
        while (elements.next(element)) {
            if (needHeader) {
                needHeader = false;
                if (const Status s = reader->setHeader(element.text); !s.ok())
                    return finish(FileOutcome::Failed, s.error().message);
                checkpoint.offset = element.endOffset;
                checkpoint.line = element.line;
                continue;
            }
            std::vector<UsageRecord> &records = batch->batch.records;
            const size_t before = records.size();
            const ParseResult result = parseElement(*reader, element, records);
            if (!element.terminated && !result.rejection.isEmpty()) {
                // A last line without a newline that does not parse is probably still being written.
                note = QStringLiteral("the last line is incomplete; it will be read when the file grows");
                break;
            }
            ++batch->lines;
            if (!result.rejection.isEmpty())
                quarantine(*batch, element, result.rejection);
            if (result.skipped > 0)
                batch->skippedByReason[QLatin1String(result.skipReason)] += result.skipped;
            for (size_t i = before; i < records.size(); ++i)
                finishRecord(records[i]);
            for (size_t i = before; i < records.size(); ++i) {
                // A computed cost out of bounds (a huge token count at a high price).
                if (QString why = outOfBounds(records[i]); !why.isEmpty()) {
                    records.resize(before);
                    quarantine(*batch, element, why);
                    break;
                }
            }
            checkpoint.offset = element.endOffset;
            checkpoint.line = elements.line();

            if (records.size() >= size_t(m_options.batchSize) || batch->batch.quarantine.size() >= 10'000) {
                seal(*batch, checkpoint, probe, startOffset);
                if (!m_queue.push(std::move(batch)))
                    return; // the writer failed; it reports why
                batch = newBatch();
            }
            if (++sinceCheck >= 1024) {
                sinceCheck = 0;
                if (m_options.cancel && m_options.cancel->load()) {
                    outcome = FileOutcome::Cancelled;
                    break;
                }
            }
        }
        if (!elements.error().isEmpty()) {
            outcome = FileOutcome::Failed;
            note = elements.error();
        } else if (note.isEmpty() && !outcome) {
            // Read to the end: trailing blank lines and a JSON array's closing bracket are consumed
            // too, so an unchanged file is recognized as such next time.
            checkpoint.offset = elements.offset();
            checkpoint.line = elements.line();
        }
        // What was read is whole elements only: it is committed even on a read error or cancel.
        finish(outcome, note);
    }

private:
    std::unique_ptr<ParsedBatch> newBatch() const
    {
        std::unique_ptr<ParsedBatch> batch = m_queue.takeSpent();
        if (batch) {
            std::vector<UsageRecord> records = std::move(batch->batch.records);
            records.clear(); // keeps the capacity
            *batch = ParsedBatch();
            batch->batch.records = std::move(records);
        } else {
            batch = std::make_unique<ParsedBatch>();
            batch->batch.records.reserve(size_t(m_options.batchSize) + 16);
        }
        return batch;
    }

    void quarantine(ParsedBatch &batch, const Element &element, const QString &reason) const
    {
        Storage::QuarantineEntry entry;
        entry.path = m_plan.path;
        entry.line = element.line;
        entry.reason = reason;
        entry.raw =
            QByteArray(element.text.data(), qsizetype(std::min<size_t>(element.text.size(), kQuarantineRawLimit)));
        batch.batch.quarantine.append(entry);
        ++batch.quarantined;
    }

    void seal(ParsedBatch &batch, Storage::FileCheckpoint &checkpoint, QFile &probe, qint64 startOffset) const
    {
        const qint64 tailFrom = std::max<qint64>(0, checkpoint.offset - kTailBytes);
        checkpoint.tailHash = hashOf(readRange(probe, tailFrom, checkpoint.offset - tailFrom));
        batch.batch.checkpoints = {checkpoint};
        batch.bytesRead = checkpoint.offset - startOffset;
    }

    void finishRecord(UsageRecord &r)
    {
        r.source = m_source;
        r.identityKey = identityKey(m_identityBuffer, m_readerName, r.identity);
        if (!m_rules.empty())
            attribute(r);
        m_numbering.number(r);
        priceRecord(m_catalog, r);
    }

    void attribute(UsageRecord &r) const
    {
        const auto *target = m_rules.match({r.provider, r.project, r.team, r.tagsJson});
        if (!target)
            return;
        r.attributed = true;
        r.sourceTeam = std::exchange(r.team, target->team);
        r.sourceFeature = r.feature;
        if (!target->feature.empty())
            r.feature = target->feature;
    }

    const FilePlan &m_plan;
    const ImportOptions &m_options;
    const Pricing::PriceCatalog &m_catalog;
    const Attribution::RequestRules &m_rules;
    DimensionNumbering &m_numbering;
    BatchQueue &m_queue;
    const std::string m_source;
    const std::string m_readerName;
    std::string m_identityBuffer;
};

class Importer {
public:
    Importer(Storage::Ledger &ledger, const ImportOptions &options, const Clock &clock, Pricing::PriceCatalog catalog,
             Attribution::RequestRules rules, qint64 importId)
        : m_ledger(ledger),
          m_options(options),
          m_catalog(std::move(catalog)),
          m_rules(std::move(rules)),
          m_sink(Storage::createSqliteRequestSink(ledger, clock))
    {
        m_summary.importId = importId;
    }

    Status run()
    {
        struct Item {
            QString path;
            bool named;
        };
        QVector<Item> items;
        for (const QString &given : m_options.paths) {
            const QFileInfo info(given);
            if (info.isDir()) {
                QStringList found;
                QDirIterator it(info.absoluteFilePath(), QDir::Files | QDir::NoDotAndDotDot,
                                QDirIterator::Subdirectories);
                while (it.hasNext())
                    found.append(it.next());
                found.sort();
                for (const QString &path : std::as_const(found))
                    items.append({path, false});
            } else {
                items.append({given, true});
            }
        }
        m_progress.filesTotal = int(items.size());
        for (const Item &item : items)
            m_progress.bytesTotal += QFileInfo(item.path).size();

        for (const Item &item : items) {
            if (cancelled())
                break;
            const QFileInfo info(item.path);
            FileReport report;
            report.path = info.exists() ? info.canonicalFilePath() : item.path;
            report.named = item.named;
            const qint64 before = m_progress.bytesDone;
            if (Status s = importFile(report); !s.ok())
                return s;
            m_progress.bytesDone = before + info.size();
            ++m_progress.filesDone;
            switch (report.outcome) {
            case FileOutcome::Unchanged:
                ++m_summary.filesUnchanged;
                break;
            case FileOutcome::Unrecognized:
                ++m_summary.filesUnrecognized;
                break;
            case FileOutcome::Failed:
                ++m_summary.filesFailed;
                break;
            case FileOutcome::Cancelled:
                m_summary.cancelled = true;
                break;
            default:
                break;
            }
            m_summary.files.append(report);
            reportProgress();
        }
        if (cancelled())
            m_summary.cancelled = true;
        return {};
    }

    ImportSummary &summary() { return m_summary; }

private:
    bool cancelled() const { return m_options.cancel && m_options.cancel->load(); }

    void reportProgress()
    {
        if (m_options.progress)
            m_options.progress(m_progress);
    }

    std::optional<StoredCheckpoint> storedCheckpoint(const QString &path)
    {
        QSqlQuery q(m_ledger.db());
        q.prepare(QStringLiteral("SELECT format, inode, size, offset_bytes, line, head_len, head_hash, tail_hash "
                                 "FROM import_files WHERE path = ?"));
        q.addBindValue(path);
        if (!q.exec() || !q.next())
            return std::nullopt;
        StoredCheckpoint c;
        c.format = q.value(0).toString();
        c.inode = q.value(1).toLongLong();
        c.size = q.value(2).toLongLong();
        c.offset = q.value(3).toLongLong();
        c.line = q.value(4).toLongLong();
        c.headLength = q.value(5).toLongLong();
        c.headHash = quint64(q.value(6).toLongLong());
        c.tailHash = quint64(q.value(7).toLongLong());
        return c;
    }

    /// Decides where and how to read a file; false when it is not to be read (report says why).
    bool plan(FileReport &report, FilePlan &plan)
    {
        const QString path = report.path;
        if (!QFileInfo::exists(path)) {
            report.outcome = FileOutcome::Failed;
            report.note = QStringLiteral("no such file or folder");
            return false;
        }
        QFile probe(path);
        if (!probe.open(QIODevice::ReadOnly)) {
            report.outcome = FileOutcome::Failed;
            report.note = probe.errorString();
            return false;
        }
        const qint64 size = probe.size();
        const qint64 inode = inodeOf(path);
        const QByteArray head = readRange(probe, 0, kSniffBytes);

        // Where to start: a checkpoint that still fits the file, else the beginning.
        std::optional<std::pair<Format, Framing>> layout;
        plan.checkpoint = {};
        if (const std::optional<StoredCheckpoint> stored = storedCheckpoint(path)) {
            const auto storedLayout = layoutFromName(stored->format);
            QString restart;
            if (!storedLayout || (m_options.format && storedLayout->first != *m_options.format))
                restart = QStringLiteral("read before with another format; reading it again from the start");
            else if (stored->inode != inode)
                restart = QStringLiteral("the file was replaced (rotated?); reading it again from the start");
            else if (size < stored->offset)
                restart = QStringLiteral("the file shrank (truncated or rotated); reading it again from the start");
            else if (hashOf(head.left(stored->headLength)) != stored->headHash)
                restart = QStringLiteral("the start of the file changed; reading it again from the start");
            else if (hashOf(readRange(probe, std::max<qint64>(0, stored->offset - kTailBytes),
                                      std::min(kTailBytes, stored->offset)))
                     != stored->tailHash)
                restart =
                    QStringLiteral("the file changed before the imported position; reading it again from the start");
            if (restart.isEmpty()) {
                layout = storedLayout;
                report.format = stored->format;
                ++m_summary.totals.files;
                if (size == stored->offset) {
                    report.outcome = FileOutcome::Unchanged;
                    return false;
                }
                plan.checkpoint.offset = stored->offset;
                plan.checkpoint.line = stored->line;
                report.outcome = FileOutcome::Resumed;
            } else {
                report.outcome = FileOutcome::Restarted;
                report.note = restart;
            }
        }
        if (!layout) {
            const SniffResult sniffed = sniffFormat(head, path);
            if (m_options.format) {
                // A forced format still needs the framing; the sniffer knows it when it recognizes the file.
                Framing framing = sniffed.format == m_options.format ? sniffed.framing : Framing::Lines;
                if (!sniffed.format && !head.trimmed().isEmpty()) {
                    const char first = head.trimmed().at(0);
                    framing = first == '[' ? Framing::JsonArray : first == '{' ? Framing::Lines : Framing::Csv;
                }
                layout = std::make_pair(*m_options.format, framing);
            } else if (sniffed.format) {
                layout = std::make_pair(*sniffed.format, sniffed.framing);
            } else {
                report.outcome = FileOutcome::Unrecognized;
                report.note = sniffed.description;
                return false;
            }
            report.format = layoutName(layout->first, layout->second);
            ++m_summary.totals.files;
        }
        plan.path = path;
        plan.format = layout->first;
        plan.framing = layout->second;
        plan.checkpoint.path = path;
        plan.checkpoint.format = report.format;
        plan.checkpoint.inode = inode;
        plan.checkpoint.size = size;
        plan.checkpoint.headLength = std::min(kHeadBytes, size);
        plan.checkpoint.headHash = hashOf(head.left(plan.checkpoint.headLength));
        return true;
    }

    Status importFile(FileReport &report)
    {
        FilePlan filePlan;
        if (!plan(report, filePlan))
            return {};
        BatchQueue queue;
        FileParser parser(filePlan, m_options, m_catalog, m_rules, m_numbering, queue);
        std::thread parsing([&parser] { parser.run(); });
        const qint64 progressBase = m_progress.bytesDone;
        Status status;
        for (;;) {
            std::unique_ptr<ParsedBatch> parsed = queue.pop();
            report.counters.lines += parsed->lines;
            report.counters.quarantined += parsed->quarantined;
            m_summary.totals.lines += parsed->lines;
            m_summary.totals.quarantined += parsed->quarantined;
            for (auto it = parsed->skippedByReason.begin(); it != parsed->skippedByReason.end(); ++it) {
                report.counters.skipped += it.value();
                m_summary.totals.skipped += it.value();
                m_summary.skippedByReason[it.key()] += it.value();
            }
            parsed->batch.importId = m_summary.importId;
            parsed->batch.progress = m_summary.totals;
            const auto outcome = m_sink->write(parsed->batch);
            if (!outcome.ok()) {
                status = outcome.error();
                queue.abandon();
                break;
            }
            report.counters.imported += outcome->inserted;
            report.counters.duplicates += outcome->duplicates;
            report.counters.unpriced += outcome->unpriced;
            m_summary.totals.imported += outcome->inserted;
            m_summary.totals.duplicates += outcome->duplicates;
            m_summary.totals.unpriced += outcome->unpriced;
            m_progress.bytesDone = progressBase + parsed->bytesRead;
            m_progress.lines = m_summary.totals.lines;
            m_progress.currentFile = report.path;
            if (parsed->last) {
                if (parsed->outcome)
                    report.outcome = *parsed->outcome;
                if (!parsed->note.isEmpty())
                    report.note =
                        report.note.isEmpty() ? parsed->note : report.note + QStringLiteral("; ") + parsed->note;
                break;
            }
            queue.recycle(std::move(parsed));
            reportProgress();
        }
        parsing.join();
        return status;
    }

    Storage::Ledger &m_ledger;
    const ImportOptions &m_options;
    Pricing::PriceCatalog m_catalog;
    Attribution::RequestRules m_rules;
    std::unique_ptr<Storage::RequestSink> m_sink;
    DimensionNumbering m_numbering;
    ImportSummary m_summary;
    ImportProgress m_progress;
};

QString hostName()
{
    return QHostInfo::localHostName();
}

// Runs that were "running" when their process died are marked interrupted.
void markInterruptedRuns(Storage::Ledger &ledger)
{
    QSqlQuery q(ledger.db());
    q.prepare(QStringLiteral("SELECT id, pid FROM imports WHERE status = 'running' AND host = ?"));
    q.addBindValue(hostName());
    if (!q.exec())
        return;
    QVector<qint64> dead;
    while (q.next()) {
        const auto pid = pid_t(q.value(1).toLongLong());
        if (::kill(pid, 0) != 0 && errno == ESRCH)
            dead.append(q.value(0).toLongLong());
    }
    for (qint64 id : dead) {
        QSqlQuery u(ledger.db());
        u.prepare(QStringLiteral("UPDATE imports SET status = 'interrupted', message = 'the importing process ended "
                                 "without finishing; what it committed is kept' WHERE id = ?"));
        u.addBindValue(id);
        u.exec();
    }
}

} // namespace

QString fileOutcomeName(FileOutcome outcome)
{
    switch (outcome) {
    case FileOutcome::Imported:
        return QStringLiteral("imported");
    case FileOutcome::Resumed:
        return QStringLiteral("resumed");
    case FileOutcome::Restarted:
        return QStringLiteral("restarted");
    case FileOutcome::Unchanged:
        return QStringLiteral("unchanged");
    case FileOutcome::Unrecognized:
        return QStringLiteral("unrecognized");
    case FileOutcome::Failed:
        return QStringLiteral("failed");
    case FileOutcome::Cancelled:
        return QStringLiteral("cancelled");
    }
    return {};
}

Result<qint64> beginImportRun(Storage::Ledger &ledger, const QString &source, const QStringList &paths,
                              const Clock &clock)
{
    markInterruptedRuns(ledger);
    QSqlQuery start(ledger.db());
    start.prepare(QStringLiteral(
        "INSERT INTO imports (started_ms, status, source, paths, host, pid) VALUES (?, 'running', ?, ?, ?, ?)"));
    start.addBindValue(clock.nowMs());
    start.addBindValue(source.isEmpty() ? QStringLiteral("") : source);
    start.addBindValue(
        QString::fromUtf8(QJsonDocument(QJsonArray::fromStringList(paths)).toJson(QJsonDocument::Compact)));
    start.addBindValue(hostName());
    start.addBindValue(qlonglong(QCoreApplication::applicationPid()));
    if (!start.exec())
        return makeError(ErrorCode::Database,
                         QStringLiteral("cannot record the import: %1").arg(start.lastError().text()));
    return start.lastInsertId().toLongLong();
}

void endImportRun(Storage::Ledger &ledger, const Status &status, const ImportSummary &summary, const Clock &clock)
{
    QSqlQuery finish(ledger.db());
    finish.prepare(QStringLiteral("UPDATE imports SET status = ?, finished_ms = ?, message = ?, files = ?, lines = ?, "
                                  "skipped = ?, quarantined = ? WHERE id = ?"));
    finish.addBindValue(!status.ok()            ? QStringLiteral("failed")
                            : summary.cancelled ? QStringLiteral("cancelled")
                                                : QStringLiteral("completed"));
    finish.addBindValue(clock.nowMs());
    finish.addBindValue(status.ok() ? QString() : status.error().message);
    finish.addBindValue(summary.totals.files);
    finish.addBindValue(summary.totals.lines);
    finish.addBindValue(summary.totals.skipped);
    finish.addBindValue(summary.totals.quarantined);
    finish.addBindValue(summary.importId);
    finish.exec();
    if (status.ok())
        qCInfo(lcIngest) << "import" << summary.importId << "imported" << summary.totals.imported << "duplicates"
                         << summary.totals.duplicates << "quarantined" << summary.totals.quarantined;
}

Result<ImportSummary> runImport(Storage::Ledger &ledger, const ImportOptions &options, const Clock &clock)
{
    auto catalog = Storage::loadPriceCatalog(ledger);
    if (!catalog.ok())
        return catalog.error();
    const auto rules = Attribution::listRules(ledger);
    if (!rules.ok())
        return rules.error();
    const auto importId = beginImportRun(ledger, options.source, options.paths, clock);
    if (!importId.ok())
        return importId.error();
    Importer importer(ledger, options, clock, std::move(*catalog), Attribution::RequestRules(*rules), *importId);
    const Status status = importer.run();
    ImportSummary &summary = importer.summary();
    endImportRun(ledger, status, summary, clock);
    if (!status.ok())
        return status.error();
    return std::move(summary);
}

} // namespace CostGov::Ingest

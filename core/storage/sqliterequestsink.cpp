#include "requestsink.h"

#include "ledger.h"
#include "rollups.h"
#include "spendquery.h"
#include "sqlitestatement.h"

#include "common/clock.h"
#include "common/stablehash.h"
#include "common/timeutil.h"

#include <QHash>
#include <QStringList>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <list>
#include <numeric>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace CostGov::Storage {

namespace {

/// Open-addressing set of non-zero 64-bit keys: 16 bytes a key at most, no allocation per key.
class KeySet {
public:
    bool contains(quint64 key) const
    {
        if (m_slots.empty())
            return false;
        const size_t mask = m_slots.size() - 1;
        for (size_t i = mix(key) & mask;; i = (i + 1) & mask) {
            if (m_slots[i] == key)
                return true;
            if (m_slots[i] == 0)
                return false;
        }
    }
    void insert(quint64 key)
    {
        if ((m_count + 1) * 2 > m_slots.size())
            grow();
        const size_t mask = m_slots.size() - 1;
        for (size_t i = mix(key) & mask;; i = (i + 1) & mask) {
            if (m_slots[i] == key)
                return;
            if (m_slots[i] == 0) {
                m_slots[i] = key;
                ++m_count;
                return;
            }
        }
    }
    size_t size() const { return m_count; }

private:
    static size_t mix(quint64 key) { return size_t(key ^ (key >> 29)); }
    void grow()
    {
        std::vector<quint64> old = std::move(m_slots);
        m_slots.assign(std::max<size_t>(1024, old.size() * 2), 0);
        m_count = 0;
        for (quint64 key : old)
            if (key != 0)
                insert(key);
    }
    std::vector<quint64> m_slots;
    size_t m_count = 0;
};

/// The (identity, day) pairs stored on the days loaded so far, as 24-bit fingerprints: 3 bytes a
/// slot, at most kMaxLoad full, one slot array for every day (10M pairs take 35 MB). The slot a
/// pair starts probing at comes from other bits of its hash than the fingerprint, so a lookup
/// matches a pair it was not asked about with odds of one in 2^24 a slot compared (about one
/// lookup in a million at this load): a match is only probable, and the caller confirms it
/// against the exact identities before calling a record a duplicate.
class IdentityFilter {
public:
    static constexpr double kMaxLoad = 0.85;

    static quint64 hashOf(quint64 key, qint64 day)
    {
        quint64 h = key + quint64(day) * 0x9E3779B97F4A7C15ULL;
        h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;
        h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
        return h ^ (h >> 31);
    }
    bool mayContain(quint64 hash) const
    {
        if (m_size == 0)
            return false;
        const quint32 print = printOf(hash);
        for (size_t i = home(hash);;) {
            const quint32 slot = at(i);
            if (slot == print)
                return true;
            if (slot == 0)
                return false;
            if (++i == m_size)
                i = 0;
        }
    }
    void prefetch(quint64 hash) const
    {
        if (m_size != 0)
            __builtin_prefetch(m_bytes.get() + 3 * home(hash));
    }
    /// The caller made room (see fits): the filter never grows by itself, it cannot rehash.
    void insert(quint64 hash)
    {
        Q_ASSERT(fits(1));
        const quint32 print = printOf(hash);
        for (size_t i = home(hash);;) {
            if (at(i) == 0) {
                std::memcpy(m_bytes.get() + 3 * i, &print, 3); // little-endian: the low three bytes
                ++m_count;
                return;
            }
            if (++i == m_size)
                i = 0;
        }
    }
    bool fits(size_t more) const { return double(m_count + more) <= kMaxLoad * double(m_size); }
    size_t count() const { return m_count; }
    size_t capacity() const { return m_size; }
    /// Empties the filter with slotCount slots (calloc: pages are only backed once written).
    void reset(size_t slotCount)
    {
        m_bytes.reset();
        // One spare byte: a slot is read as four bytes.
        m_bytes.reset(slotCount ? static_cast<unsigned char *>(std::calloc(3 * slotCount + 1, 1)) : nullptr);
        m_size = m_bytes ? slotCount : 0;
        m_count = 0;
    }

private:
    struct Free {
        void operator()(unsigned char *p) const { std::free(p); }
    };
    size_t home(quint64 hash) const { return size_t((quint64(quint32(hash >> 32)) * m_size) >> 32); }
    static quint32 printOf(quint64 hash) { return quint32(hash) & 0xFFFFFF ? quint32(hash) & 0xFFFFFF : 1u; }
    quint32 at(size_t i) const
    {
        quint32 v;
        std::memcpy(&v, m_bytes.get() + 3 * i, 4);
        return v & 0xFFFFFF;
    }
    std::unique_ptr<unsigned char[], Free> m_bytes;
    size_t m_size = 0;
    size_t m_count = 0;
};

/// Exact (identity, day) pairs: the records a batch stores, until it is committed.
class PairSet {
public:
    bool contains(quint64 key, qint64 day, quint64 hash) const
    {
        if (m_slots.empty())
            return false;
        const size_t mask = m_slots.size() - 1;
        for (size_t i = hash & mask;; i = (i + 1) & mask) {
            if (m_slots[i].key == 0)
                return false;
            if (m_slots[i].key == key && m_slots[i].day == day)
                return true;
        }
    }
    void insert(quint64 key, qint64 day, quint64 hash)
    {
        if ((m_used.size() + 1) * 2 > m_slots.size())
            grow();
        place(key, day, hash);
    }
    void clear()
    {
        for (size_t i : m_used)
            m_slots[i] = {};
        m_used.clear();
    }
    template <class F>
    void forEach(F f) const
    {
        for (size_t i : m_used)
            f(m_slots[i].key, m_slots[i].day);
    }

private:
    struct Entry {
        quint64 key = 0;
        qint64 day = 0;
    };
    void place(quint64 key, qint64 day, quint64 hash)
    {
        const size_t mask = m_slots.size() - 1;
        for (size_t i = hash & mask;; i = (i + 1) & mask) {
            if (m_slots[i].key == 0) {
                m_slots[i] = {key, day};
                m_used.push_back(i);
                return;
            }
            if (m_slots[i].key == key && m_slots[i].day == day)
                return;
        }
    }
    void grow()
    {
        std::vector<Entry> entries;
        entries.reserve(m_used.size());
        forEach([&entries](quint64 key, qint64 day) { entries.push_back({key, day}); });
        m_slots.assign(std::max<size_t>(4096, m_slots.size() * 2), Entry{});
        m_used.clear();
        for (const Entry &e : entries)
            place(e.key, e.day, IdentityFilter::hashOf(e.key, e.day));
    }
    std::vector<Entry> m_slots;
    std::vector<size_t> m_used; ///< occupied slots, in insertion order
};

// Dimension values of a request as label ids; the dimsets row key (user is kept on the request).
using DimKey = std::array<qint64, 12>;
// A rollup row key: day, then the label ids of the table's dimensions (unused slots 0).
using RollupKey = std::array<qint64, 9>;

// What a distinct combination of dimension values resolves to.
struct Dimensions {
    qint64 dimset = 0;
    std::array<qint64, size_t(RollupDimension::Count)> rollupIds{}; // by RollupDimension
};

/// Metrics summed by key: entries stay in one dense vector (the caller sorts it in place), the
/// index is open addressing. Cleared per batch without giving memory back.
template <class Key>
class Sums {
public:
    SpendMetrics &operator[](const Key &key)
    {
        if ((m_entries.size() + 1) * 2 > m_index.size())
            rehash(std::max<size_t>(4096, m_index.size() * 2));
        const size_t mask = m_index.size() - 1;
        for (size_t i = hash(key) & mask;; i = (i + 1) & mask) {
            const qint32 e = m_index[i];
            if (e < 0) {
                m_index[i] = qint32(m_entries.size());
                return m_entries.emplace_back(key, SpendMetrics{}).second;
            }
            if (m_entries[size_t(e)].first == key)
                return m_entries[size_t(e)].second;
        }
    }
    void clear()
    {
        m_entries.clear();
        std::fill(m_index.begin(), m_index.end(), -1);
    }
    std::vector<std::pair<Key, SpendMetrics>> &entries() { return m_entries; }

private:
    static size_t hash(const Key &key)
    {
        quint64 h = 0;
        for (qint64 v : key) {
            h = (h ^ quint64(v)) * 0x9E3779B97F4A7C15ULL;
            h ^= h >> 32;
        }
        return size_t(h);
    }
    void rehash(size_t slotCount)
    {
        m_index.assign(slotCount, -1);
        const size_t mask = slotCount - 1;
        for (size_t e = 0; e < m_entries.size(); ++e) {
            size_t i = hash(m_entries[e].first) & mask;
            while (m_index[i] >= 0)
                i = (i + 1) & mask;
            m_index[i] = qint32(e);
        }
    }
    std::vector<std::pair<Key, SpendMetrics>> m_entries;
    std::vector<qint32> m_index;
};

void addRecord(SpendMetrics &m, const UsageRecord &r)
{
    ++m.requests;
    m.inputTokens += r.tokens.input;
    m.outputTokens += r.tokens.output;
    m.cacheReadTokens += r.tokens.cacheRead;
    m.cacheWriteTokens += r.tokens.cacheWrite();
    if (r.cost)
        m.costNano += *r.cost;
    else
        ++m.unpricedRequests;
    m.cacheHitRequests += r.cacheHit ? 1 : 0;
    m.errorRequests += r.error ? 1 : 0;
}

// The duplicates window: a record within this much of midnight is also checked against the
// neighbouring day, because repeated log lines of one request (Claude Code streaming) can carry
// timestamps a moment apart.
constexpr qint64 kJitterMs = 3'600'000;
// Upper bound of identities cached for exact lookups after a filter match (16 bytes each at most):
// least recently used days are dropped first.
constexpr size_t kKeyCacheLimit = 200'000;
// The page cache while importing (negative: in KiB; the ledger's connections use 32 MiB).
constexpr qint64 kImportCacheKb = -16'384;

class SqliteRequestSink final : public RequestSink {
public:
    SqliteRequestSink(Ledger &ledger, const Clock &clock) : m_db(ledger.handle()), m_clock(clock) {}
    ~SqliteRequestSink() override
    {
        if (m_savedCacheSize != 0)
            setCacheSize(m_savedCacheSize);
    }

    Result<BatchOutcome> write(const ImportBatch &batch) override
    {
        if (!m_prepared) {
            if (Status s = prepare(); !s.ok())
                return s.error();
            m_prepared = true;
        }
        if (sqlite3_exec(m_db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
            return makeError(ErrorCode::Database,
                             QStringLiteral("cannot start an import transaction: %1").arg(sqliteError(m_db)));
        Result<BatchOutcome> outcome = writeInTransaction(batch);
        if (!outcome.ok() || sqlite3_exec(m_db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
            const QString why = outcome.ok() ? sqliteError(m_db) : outcome.error().message;
            sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
            forgetUncommitted();
            return makeError(ErrorCode::Database, QStringLiteral("cannot store an import batch: %1").arg(why));
        }
        m_generation = m_pendingGeneration;
        committed();
        return outcome;
    }

private:
    Status prepare()
    {
        // The identity filter takes about 3.7 bytes a request in memory; the page cache gives up
        // as much (the writes go to the ends of the B-trees, which stay cached) for as long as the
        // import runs, so 10M requests stay within 150 MB.
        SqliteStatement cacheSize;
        if (cacheSize.prepare(m_db, "PRAGMA cache_size") && cacheSize.step() == SQLITE_ROW)
            m_savedCacheSize = cacheSize.columnInt(0);
        if (m_savedCacheSize != 0)
            setCacheSize(kImportCacheKb);
        struct Item {
            SqliteStatement *stmt;
            const char *sql;
        };
        const Item items[] = {
            {&m_findLabel, "SELECT id FROM labels WHERE kind = ?1 AND value = ?2"},
            {&m_insertLabel, "INSERT INTO labels (kind, value) VALUES (?1, ?2)"},
            {&m_findDimset,
             "SELECT id FROM dimsets WHERE source = ?1 AND provider = ?2 AND model = ?3 AND requested_model = ?4 AND "
             "team = ?5 AND feature = ?6 AND environment = ?7 AND project = ?8 AND route = ?9 AND status = ?10 AND "
             "source_team = ?11 AND source_feature = ?12"},
            {&m_insertDimset,
             "INSERT INTO dimsets (source, provider, model, requested_model, team, feature, environment, project, "
             "route, status, source_team, source_feature) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"},
            {&m_dayKeys,
             "SELECT r.identity FROM request_segments s JOIN requests r ON r.id BETWEEN s.first_id AND s.last_id "
             "WHERE s.day = ?1 AND r.day = ?1"},
            {&m_insertSegment, "INSERT INTO request_segments (day, first_id, last_id) VALUES (?1, ?2, ?3)"},
            {&m_insertCalendar,
             "INSERT INTO calendar (day, week, month) VALUES (?1, ?2, ?3) ON CONFLICT (day) DO NOTHING"},
            {&m_insertQuarantine,
             "INSERT INTO quarantine (import_id, path, line, reason, raw, raw_hash, created_ms) VALUES "
             "(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (path, line, raw_hash) DO NOTHING"},
            {&m_upsertCheckpoint,
             "INSERT INTO import_files (path, format, inode, size, offset_bytes, line, head_len, head_hash, tail_hash, "
             "import_id, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT (path) DO "
             "UPDATE SET "
             "format = excluded.format, inode = excluded.inode, size = excluded.size, "
             "offset_bytes = excluded.offset_bytes, line = excluded.line, head_len = excluded.head_len, "
             "head_hash = excluded.head_hash, tail_hash = excluded.tail_hash, import_id = excluded.import_id, "
             "updated_ms = excluded.updated_ms"},
            {&m_updateImport,
             "UPDATE imports SET files = ?2, lines = ?3, skipped = ?4, quarantined = ?5, imported = imported + ?6, "
             "duplicates = duplicates + ?7, unpriced = unpriced + ?8 WHERE id = ?1"},
            {&m_readGeneration, "SELECT CAST(value AS BIGINT) FROM ledger_meta WHERE key = 'write_generation'"},
            {&m_writeGeneration, "UPDATE ledger_meta SET value = ?1 WHERE key = 'write_generation'"},
        };
        for (const Item &item : items) {
            if (!item.stmt->prepare(m_db, item.sql))
                return makeError(ErrorCode::Database,
                                 QStringLiteral("cannot prepare the import statements: %1").arg(sqliteError(m_db)));
        }
        if (!m_insertRows.prepare(m_db, insertRequestsSql(kRowsPerInsert).constData())
            || !m_insertRow.prepare(m_db, insertRequestsSql(1).constData()))
            return makeError(ErrorCode::Database,
                             QStringLiteral("cannot prepare the import statements: %1").arg(sqliteError(m_db)));
        const std::vector<RollupSpec> &specs = rollupSpecs();
        m_rollups = std::vector<Rollup>(specs.size());
        for (size_t i = 0; i < specs.size(); ++i) {
            m_rollups[i].spec = &specs[i];
            if (!m_rollups[i].upsertMany.prepare(m_db, upsertSql(specs[i], kRowsPerUpsert).toUtf8().constData())
                || !m_rollups[i].upsert.prepare(m_db, upsertSql(specs[i], 1).toUtf8().constData()))
                return makeError(ErrorCode::Database,
                                 QStringLiteral("cannot prepare the rollup statements: %1").arg(sqliteError(m_db)));
        }
        return {};
    }

    static QByteArray insertRequestsSql(int rows)
    {
        QByteArray sql =
            "INSERT INTO requests (day, identity, ts, request_id, dimset, import_id, input_tokens, output_tokens, "
            "cache_read_tokens, cache_write_tokens, cache_write_1h_tokens, cost_nano, flags, latency_ms, tags, "
            "user_name) VALUES ";
        for (int i = 0; i < rows; ++i)
            sql += i == 0 ? "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)" : ",(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
        return sql;
    }

    // Binds one request's 16 columns starting at parameter first.
    static void bindRequest(SqliteStatement &s, int first, const UsageRecord &r, qint64 day, qint64 dimset, qint64 user,
                            qint64 importId)
    {
        s.bind(first + 0, day);
        s.bind(first + 1, qint64(r.identityKey));
        s.bind(first + 2, r.tsMs);
        s.bind(first + 3, std::string_view(r.identity));
        s.bind(first + 4, dimset);
        s.bind(first + 5, importId);
        s.bind(first + 6, r.tokens.input);
        s.bind(first + 7, r.tokens.output);
        s.bind(first + 8, r.tokens.cacheRead);
        s.bind(first + 9, r.tokens.cacheWrite());
        s.bind(first + 10, r.tokens.cacheWrite1h);
        s.bind(first + 11, r.cost);
        s.bind(first + 12,
               qint64(int(r.costSource) | (r.cacheHit ? RequestFlags::CacheHit : 0)
                      | (r.batch ? RequestFlags::Batch : 0) | (r.error ? RequestFlags::Error : 0)));
        s.bind(first + 13, r.latencyMs);
        if (r.tagsJson.empty())
            s.bindNull(first + 14);
        else
            s.bind(first + 14, std::string_view(r.tagsJson));
        s.bind(first + 15, user);
    }

    static QString upsertSql(const RollupSpec &spec, int rows)
    {
        const QString table = QLatin1String(spec.table);
        QStringList keys{QStringLiteral("day")};
        for (RollupDimension d : spec.dimensions)
            keys.append(QLatin1String(rollupColumn(d)));
        const QStringList metrics{QStringLiteral("requests"),           QStringLiteral("input_tokens"),
                                  QStringLiteral("output_tokens"),      QStringLiteral("cache_read_tokens"),
                                  QStringLiteral("cache_write_tokens"), QStringLiteral("cost_nano"),
                                  QStringLiteral("unpriced_requests"),  QStringLiteral("cache_hit_requests"),
                                  QStringLiteral("error_requests")};
        const qsizetype columns = keys.size() + metrics.size();
        QStringList values, updates;
        for (int row = 0; row < rows; ++row) {
            QStringList placeholders;
            for (qsizetype i = 0; i < columns; ++i)
                placeholders.append(QStringLiteral("?%1").arg(row * columns + i + 1));
            values.append(u'(' + placeholders.join(QStringLiteral(", ")) + u')');
        }
        for (const QString &m : metrics)
            updates.append(QStringLiteral("%1 = %2.%1 + excluded.%1").arg(m, table));
        return QStringLiteral("INSERT INTO %1 (%2, %3) VALUES %4 ON CONFLICT (%2) DO UPDATE SET %5")
            .arg(table, keys.join(QStringLiteral(", ")), metrics.join(QStringLiteral(", ")),
                 values.join(QStringLiteral(", ")), updates.join(QStringLiteral(", ")));
    }

    Result<BatchOutcome> writeInTransaction(const ImportBatch &batch)
    {
        // Another writer committed since our last batch: what we cached about stored identities may
        // be stale. Labels and dimsets are only ever added, so those caches stay valid.
        if (m_readGeneration.step() != SQLITE_ROW) {
            m_readGeneration.reset();
            return makeError(ErrorCode::Database, sqliteError(m_db));
        }
        const qint64 generation = m_readGeneration.columnInt(0);
        m_readGeneration.reset();
        if (generation != m_generation)
            forgetIdentities();
        m_expected = batch.records.size() + expectedAfter(batch);

        BatchOutcome outcome;
        std::unordered_map<qint64, std::pair<qint64, qint64>> segments;
        m_touchedDays.clear();
        m_batchKeys.clear();
        for (Rollup &rollup : m_rollups)
            rollup.rows.clear();
        // Rows are summed by (day, dimension combination) and by (day, user, team) first; the
        // rollup tables are fed from those sums, so each row costs two hash updates, not one a table.
        m_byDimset.clear();
        m_byUser.clear();
        const std::vector<UsageRecord> &records = batch.records;
        constexpr size_t kAhead = 16; // records whose filter slot is fetched ahead of the lookup
        for (size_t i = 0; i < records.size(); ++i) {
            if (i + kAhead < records.size()) {
                const UsageRecord &next = records[i + kAhead];
                m_filter.prefetch(IdentityFilter::hashOf(next.identityKey, utcDay(next.tsMs)));
            }
            const UsageRecord &r = records[i];
            const qint64 day = utcDay(r.tsMs);
            const quint64 hash = IdentityFilter::hashOf(r.identityKey, day);
            const auto duplicate = isDuplicate(r, day, hash);
            if (!duplicate.ok())
                return duplicate.error();
            if (*duplicate) {
                ++outcome.duplicates;
                continue;
            }
            const auto dims = numberedDimensions(r);
            if (!dims.ok())
                return dims.error();
            const auto user = numberedUser(r);
            if (!user.ok())
                return user.error();
            if (Status kept = remember(r.identityKey, day, hash); !kept.ok())
                return kept.error();
            m_pending.push_back({&r, day, (*dims)->dimset, *user});
            addRecord(m_byDimset[{day, (*dims)->dimset}], r);
            addRecord(m_byUser[{day, *user, (*dims)->rollupIds[size_t(RollupDimension::Team)]}], r);
            ++outcome.inserted;
            if (!r.cost)
                ++outcome.unpriced;
        }
        // Stored by day (in file order within a day), so each day this batch touches gets one
        // dense range of row ids, however the records were ordered: reading a day back (dedupe,
        // drill-down, rollup rebuilds) then reads that day's rows only.
        const auto byDay = [](const Pending &a, const Pending &b) { return a.day < b.day; };
        if (!std::is_sorted(m_pending.begin(), m_pending.end(), byDay))
            std::stable_sort(m_pending.begin(), m_pending.end(), byDay);
        for (Rollup &rollup : m_rollups) {
            const bool perUser =
                std::find(rollup.spec->dimensions.begin(), rollup.spec->dimensions.end(), RollupDimension::User)
                != rollup.spec->dimensions.end();
            if (perUser) {
                // rollup_user_daily is (user, team): exactly the user sums, one row each.
                Q_ASSERT(rollup.spec->dimensions.size() == 2 && rollup.spec->dimensions[1] == RollupDimension::Team);
                for (const auto &[dayUserTeam, m] : m_byUser.entries())
                    rollup.rows[RollupKey{dayUserTeam[0], dayUserTeam[1], dayUserTeam[2]}] = m;
                continue;
            }
            for (const auto &[dayDimset, m] : m_byDimset.entries()) {
                const Dimensions &dims = m_dimsetIds.at(dayDimset[1]);
                RollupKey key{};
                key[0] = dayDimset[0];
                size_t slot = 1;
                for (RollupDimension d : rollup.spec->dimensions)
                    key[slot++] = dims.rollupIds[size_t(d)];
                rollup.rows[key].add(m);
            }
        }
        if (Status stored = insertPending(batch.importId, segments); !stored.ok())
            return stored.error();

        for (const auto &[day, range] : segments) {
            m_insertSegment.bind(1, day);
            m_insertSegment.bind(2, range.first);
            m_insertSegment.bind(3, range.second);
            if (!m_insertSegment.run())
                return dbError("record which requests hold a day");
            if (m_calendar.insert(day).second) {
                m_insertCalendar.bind(1, day);
                m_insertCalendar.bind(2, weekStart(day));
                m_insertCalendar.bind(3, qint64(monthKey(day)));
                if (!m_insertCalendar.run())
                    return dbError("update the calendar");
            }
        }
        for (Rollup &rollup : m_rollups) {
            // In primary-key order: each upsert then lands on the B-tree page the previous one used.
            const auto &rows = rollup.rows.entries();
            m_order.resize(rows.size());
            std::iota(m_order.begin(), m_order.end(), 0u);
            std::sort(m_order.begin(), m_order.end(),
                      [&rows](quint32 a, quint32 b) { return rows[a].first < rows[b].first; });
            const int keyCount = int(rollup.spec->dimensions.size()) + 1;
            const int columns = keyCount + 9;
            for (size_t done = 0; done < rows.size();) {
                const bool full = rows.size() - done >= kRowsPerUpsert;
                SqliteStatement &s = full ? rollup.upsertMany : rollup.upsert;
                const size_t count = full ? kRowsPerUpsert : 1;
                for (size_t row = 0; row < count; ++row) {
                    const auto &[key, m] = rows[m_order[done + row]];
                    const int first = int(row) * columns + 1;
                    for (int i = 0; i < keyCount; ++i)
                        s.bind(first + i, key[size_t(i)]);
                    bindMetrics(s, first + keyCount, m);
                }
                if (!s.run())
                    return dbError("update the rollups");
                done += count;
            }
        }
        for (const QuarantineEntry &q : batch.quarantine) {
            const QByteArray path = q.path.toUtf8();
            const QByteArray reason = q.reason.toUtf8();
            m_insertQuarantine.bind(1, batch.importId);
            m_insertQuarantine.bindCopy(2, path);
            m_insertQuarantine.bind(3, q.line);
            m_insertQuarantine.bindCopy(4, reason);
            m_insertQuarantine.bindCopy(5, q.raw);
            m_insertQuarantine.bind(6, qint64(stableHash64(std::string_view(q.raw.constData(), size_t(q.raw.size())))));
            m_insertQuarantine.bind(7, m_clock.nowMs());
            if (!m_insertQuarantine.run())
                return dbError("quarantine a line");
        }
        for (const FileCheckpoint &c : batch.checkpoints) {
            const QByteArray path = c.path.toUtf8();
            const QByteArray format = c.format.toUtf8();
            m_upsertCheckpoint.bindCopy(1, path);
            m_upsertCheckpoint.bindCopy(2, format);
            m_upsertCheckpoint.bind(3, c.inode);
            m_upsertCheckpoint.bind(4, c.size);
            m_upsertCheckpoint.bind(5, c.offset);
            m_upsertCheckpoint.bind(6, c.line);
            m_upsertCheckpoint.bind(7, c.headLength);
            m_upsertCheckpoint.bind(8, qint64(c.headHash));
            m_upsertCheckpoint.bind(9, qint64(c.tailHash));
            m_upsertCheckpoint.bind(10, batch.importId);
            m_upsertCheckpoint.bind(11, m_clock.nowMs());
            if (!m_upsertCheckpoint.run())
                return dbError("store the file checkpoint");
        }
        const ImportCounters &p = batch.progress;
        const qint64 values[] = {batch.importId,     p.files,         p.lines,
                                 p.skipped,          p.quarantined,   outcome.inserted,
                                 outcome.duplicates, outcome.unpriced};
        for (int i = 0; i < 8; ++i)
            m_updateImport.bind(i + 1, values[i]);
        if (!m_updateImport.run())
            return dbError("update the import history");

        m_pendingGeneration = generation + 1;
        const QByteArray next = QByteArray::number(m_pendingGeneration);
        m_writeGeneration.bindCopy(1, next);
        if (!m_writeGeneration.run())
            return dbError("advance the write generation");
        return outcome;
    }

    // Inserts the pending requests, kRowsPerInsert to a statement: one statement per row costs
    // about as much again in statement overhead as the row itself.
    Status insertPending(qint64 importId, std::unordered_map<qint64, std::pair<qint64, qint64>> &segments)
    {
        size_t done = 0;
        while (done < m_pending.size()) {
            const bool full = m_pending.size() - done >= kRowsPerInsert;
            SqliteStatement &s = full ? m_insertRows : m_insertRow;
            const size_t count = full ? kRowsPerInsert : 1;
            for (size_t i = 0; i < count; ++i) {
                const Pending &p = m_pending[done + i];
                bindRequest(s, int(i) * 16 + 1, *p.record, p.day, p.dimset, p.user, importId);
            }
            if (!s.run())
                return makeError(ErrorCode::Database,
                                 QStringLiteral("cannot store a request: %1").arg(sqliteError(m_db)));
            // Rows of one statement get consecutive ids, the last one reported.
            const qint64 lastId = sqlite3_last_insert_rowid(m_db);
            for (size_t i = 0; i < count;) { // by runs of one day
                const qint64 day = m_pending[done + i].day;
                size_t end = i + 1;
                while (end < count && m_pending[done + end].day == day)
                    ++end;
                const qint64 firstId = lastId - qint64(count - 1 - i), lastRunId = lastId - qint64(count - end);
                auto [seg, fresh] = segments.try_emplace(day, firstId, lastRunId);
                if (!fresh) {
                    seg->second.first = std::min(seg->second.first, firstId);
                    seg->second.second = std::max(seg->second.second, lastRunId);
                }
                i = end;
            }
            done += count;
        }
        m_pending.clear();
        return {};
    }

    static void bindMetrics(SqliteStatement &s, int first, const SpendMetrics &m)
    {
        const qint64 values[] = {m.requests,         m.inputTokens,      m.outputTokens,
                                 m.cacheReadTokens,  m.cacheWriteTokens, m.costNano,
                                 m.unpricedRequests, m.cacheHitRequests, m.errorRequests};
        for (int i = 0; i < 9; ++i)
            s.bind(first + i, values[i]);
    }

    void setCacheSize(qint64 value)
    {
        const QByteArray sql = "PRAGMA cache_size = " + QByteArray::number(value);
        sqlite3_exec(m_db, sql.constData(), nullptr, nullptr, nullptr);
    }

    Error dbError(const char *what) const
    {
        return makeError(ErrorCode::Database,
                         QStringLiteral("cannot %1: %2").arg(QLatin1String(what), sqliteError(m_db)));
    }

    // The duplicates rule: a record is a duplicate when its identity is stored under its day or,
    // within kJitterMs of midnight, under the neighbouring day on that side.
    Result<bool> isDuplicate(const UsageRecord &r, qint64 day, quint64 hash)
    {
        const qint64 msOfDay = r.tsMs - day * kMsPerDay;
        const qint64 neighbour = msOfDay < kJitterMs ? day - 1 : msOfDay >= kMsPerDay - kJitterMs ? day + 1 : day;
        for (const qint64 d : {day, neighbour}) {
            if (Status loaded = loadIntoFilter(d); !loaded.ok())
                return loaded.error();
        }
        if (m_filter.mayContain(hash)) {
            const auto stored = isStored(r.identityKey, day, hash);
            if (!stored.ok() || *stored)
                return stored;
        }
        if (neighbour != day) {
            const quint64 neighbourHash = IdentityFilter::hashOf(r.identityKey, neighbour);
            if (m_filter.mayContain(neighbourHash))
                return isStored(r.identityKey, neighbour, neighbourHash);
        }
        return false;
    }

    // The exact answer behind a filter match: this batch's records, else the day's stored
    // identities (read once and cached, least recently used days dropped first).
    Result<bool> isStored(quint64 key, qint64 day, quint64 hash)
    {
        if (m_batchKeys.contains(key, day, hash))
            return true;
        m_touchedDays.insert(day);
        if (KeySet *cached = m_keys.find(day))
            return cached->contains(key);
        KeySet &set = m_keys.set(day);
        if (Status read = forEachStoredKey(day, [&set](quint64 stored) { set.insert(stored); }); !read.ok()) {
            m_keys.clear();
            return read.error();
        }
        return set.contains(key);
    }

    // A record this batch stores: in the filter and, exactly, in the batch's pairs.
    Status remember(quint64 key, qint64 day, quint64 hash)
    {
        if (!m_filter.fits(1)) {
            if (Status grown = rebuildFilter(1); !grown.ok())
                return grown;
        }
        m_filter.insert(hash);
        m_batchKeys.insert(key, day, hash);
        --m_expected;
        return {};
    }

    // Puts a day's stored identities into the filter the first time the day is met.
    Status loadIntoFilter(qint64 day)
    {
        if (m_filterDays.count(day))
            return {};
        m_dayBuffer.clear();
        if (Status read = forEachStoredKey(day, [this](quint64 stored) { m_dayBuffer.push_back(stored); }); !read.ok())
            return read;
        if (!m_filter.fits(m_dayBuffer.size())) {
            if (Status grown = rebuildFilter(m_dayBuffer.size()); !grown.ok())
                return grown;
        }
        for (const quint64 stored : m_dayBuffer)
            m_filter.insert(IdentityFilter::hashOf(stored, day));
        m_filterDays.insert(day);
        return {};
    }

    // A filter with room for more keys beyond those it holds and those still expected: it cannot
    // rehash fingerprints, so it is filled again from the ledger (the loaded days, whose rows of
    // earlier batches are in request_segments) and from this batch's pairs (not there yet).
    Status rebuildFilter(size_t more)
    {
        const size_t keys = m_filter.count() + more + size_t(std::max<qint64>(0, m_expected));
        m_filter.reset(std::max(
            {size_t(65'536), size_t(double(keys) / IdentityFilter::kMaxLoad * 1.05), m_filter.capacity() * 3 / 2}));
        for (const qint64 day : m_filterDays) {
            const Status read = forEachStoredKey(
                day, [this, day](quint64 stored) { m_filter.insert(IdentityFilter::hashOf(stored, day)); });
            if (!read.ok())
                return read;
        }
        m_batchKeys.forEach([this](quint64 key, qint64 day) { m_filter.insert(IdentityFilter::hashOf(key, day)); });
        return {};
    }

    template <class F>
    Status forEachStoredKey(qint64 day, F f)
    {
        m_dayKeys.bind(1, day);
        int rc;
        while ((rc = m_dayKeys.step()) == SQLITE_ROW)
            f(quint64(m_dayKeys.columnInt(0)));
        m_dayKeys.reset();
        if (rc != SQLITE_DONE)
            return dbError("read the identities stored for a day");
        return {};
    }

    // How many more records the file of this batch holds, estimated from the bytes this batch read:
    // the filter is sized once for the whole file rather than grown (and refilled) step by step.
    qint64 expectedAfter(const ImportBatch &batch)
    {
        if (batch.checkpoints.isEmpty() || batch.records.empty())
            return 0;
        const FileCheckpoint &c = batch.checkpoints.last();
        const qint64 previous = m_lastOffsets.value(c.path, 0);
        const qint64 from = previous > c.offset ? 0 : previous;
        m_lastOffsets.insert(c.path, c.offset);
        const qint64 read = c.offset - from;
        if (read <= 0 || c.size <= c.offset)
            return 0;
        return qint64(double(batch.records.size()) * double(c.size - c.offset) / double(read));
    }

    // What is known about stored identities may be stale (another writer, a rolled back batch).
    void forgetIdentities()
    {
        m_filter.reset(0);
        m_filterDays.clear();
        m_keys.clear();
        m_batchKeys.clear();
    }

    Result<qint64> labelId(LabelKind kind, const std::string &value)
    {
        std::string &key = m_labelKey; // reused: no allocation on the hot path
        key.clear();
        key.push_back(char(kind));
        key.append(value);
        if (const auto it = m_labels.find(key); it != m_labels.end())
            return it->second;
        m_findLabel.bind(1, qint64(kind));
        m_findLabel.bind(2, std::string_view(value));
        qint64 id = 0;
        if (m_findLabel.step() == SQLITE_ROW)
            id = m_findLabel.columnInt(0);
        m_findLabel.reset();
        if (id == 0) {
            m_insertLabel.bind(1, qint64(kind));
            m_insertLabel.bind(2, std::string_view(value));
            if (!m_insertLabel.run())
                return dbError("store a dimension value");
            id = sqlite3_last_insert_rowid(m_db);
        }
        m_labels.emplace(key, id);
        return id;
    }

    // The import job numbers distinct combinations and users densely: a vector lookup per record.
    Result<const Dimensions *> numberedDimensions(const UsageRecord &r)
    {
        if (r.dimensionNumber == 0) {
            const auto dims = dimensionsOf(r);
            if (!dims.ok())
                return dims.error();
            return &m_dimsetIds.at(dims->dimset);
        }
        if (r.dimensionNumber >= m_byNumber.size())
            m_byNumber.resize(r.dimensionNumber + 1, nullptr);
        if (!m_byNumber[r.dimensionNumber]) {
            const auto dims = dimensionsOf(r);
            if (!dims.ok())
                return dims.error();
            m_byNumber[r.dimensionNumber] = &m_dimsetIds.at(dims->dimset);
        }
        return m_byNumber[r.dimensionNumber];
    }

    Result<qint64> numberedUser(const UsageRecord &r)
    {
        if (r.userNumber == 0)
            return labelId(LabelKind::User, r.user);
        if (r.userNumber >= m_userByNumber.size())
            m_userByNumber.resize(r.userNumber + 1, 0);
        if (m_userByNumber[r.userNumber] == 0) {
            const auto id = labelId(LabelKind::User, r.user);
            if (!id.ok())
                return id.error();
            m_userByNumber[r.userNumber] = *id;
        }
        return m_userByNumber[r.userNumber];
    }

    // One lookup per record: the dimension values joined are the cache key. The user is not part
    // of it (see labelId for that).
    Result<Dimensions> dimensionsOf(const UsageRecord &r)
    {
        const std::string *values[] = {&r.source,
                                       &r.provider,
                                       &r.model,
                                       &r.requestedModel,
                                       &r.team,
                                       &r.feature,
                                       &r.environment,
                                       &r.project,
                                       &r.route,
                                       &r.status,
                                       r.attributed ? &r.sourceTeam : &r.team,
                                       r.attributed ? &r.sourceFeature : &r.feature};
        m_dimKey.clear();
        for (const std::string *v : values) {
            m_dimKey.append(*v);
            m_dimKey.push_back('\x1f');
        }
        if (const auto it = m_dimensions.find(m_dimKey); it != m_dimensions.end())
            return it->second;

        static constexpr LabelKind kinds[] = {LabelKind::Source,         LabelKind::Provider, LabelKind::Model,
                                              LabelKind::RequestedModel, LabelKind::Team,     LabelKind::Feature,
                                              LabelKind::Environment,    LabelKind::Project,  LabelKind::Route,
                                              LabelKind::Status,         LabelKind::Team,     LabelKind::Feature};
        DimKey ids{};
        for (size_t i = 0; i < ids.size(); ++i) {
            const auto id = labelId(kinds[i], *values[i]);
            if (!id.ok())
                return id.error();
            ids[i] = *id;
        }
        for (int i = 0; i < int(ids.size()); ++i)
            m_findDimset.bind(i + 1, ids[size_t(i)]);
        Dimensions dims;
        if (m_findDimset.step() == SQLITE_ROW)
            dims.dimset = m_findDimset.columnInt(0);
        m_findDimset.reset();
        if (dims.dimset == 0) {
            for (int i = 0; i < int(ids.size()); ++i)
                m_insertDimset.bind(i + 1, ids[size_t(i)]);
            if (!m_insertDimset.run())
                return dbError("store a dimension combination");
            dims.dimset = sqlite3_last_insert_rowid(m_db);
        }
        using D = RollupDimension;
        dims.rollupIds[size_t(D::Source)] = ids[0];
        dims.rollupIds[size_t(D::Provider)] = ids[1];
        dims.rollupIds[size_t(D::Model)] = ids[2];
        dims.rollupIds[size_t(D::Team)] = ids[4];
        dims.rollupIds[size_t(D::Feature)] = ids[5];
        dims.rollupIds[size_t(D::Environment)] = ids[6];
        dims.rollupIds[size_t(D::Project)] = ids[7];
        m_dimensions.emplace(m_dimKey, dims);
        m_dimsetIds.emplace(dims.dimset, dims);
        return dims;
    }

    void forgetUncommitted()
    {
        m_pending.clear();
        m_labels.clear();
        m_dimensions.clear();
        m_dimsetIds.clear();
        m_byNumber.clear();
        m_userByNumber.clear();
        forgetIdentities();
        m_calendar.clear();
        m_generation = -1;
    }

    // After a commit: the batch's records join the days cached for exact lookups.
    void committed()
    {
        m_batchKeys.forEach([this](quint64 key, qint64 day) {
            if (KeySet *cached = m_keys.find(day))
                cached->insert(key);
        });
        m_batchKeys.clear();
        m_keys.trim(kKeyCacheLimit, m_touchedDays);
    }

    class KeyCache {
    public:
        KeySet *find(qint64 day)
        {
            const auto it = m_days.find(day);
            if (it == m_days.end())
                return nullptr;
            touch(it->second);
            return &it->second.keys;
        }
        KeySet &set(qint64 day)
        {
            auto [it, fresh] = m_days.try_emplace(day);
            if (fresh) {
                m_order.push_back(day);
                it->second.position = std::prev(m_order.end());
            } else {
                touch(it->second);
            }
            return it->second.keys;
        }
        void clear()
        {
            m_days.clear();
            m_order.clear();
        }
        // Drops least recently used days until the cache holds at most limit keys (never a day in use).
        void trim(size_t limit, const std::unordered_set<qint64> &inUse)
        {
            size_t total = 0;
            for (const auto &[day, entry] : m_days)
                total += entry.keys.size();
            for (auto it = m_order.begin(); total > limit && it != m_order.end();) {
                const qint64 day = *it;
                if (inUse.count(day)) {
                    ++it;
                    continue;
                }
                total -= m_days[day].keys.size();
                m_days.erase(day);
                it = m_order.erase(it);
            }
        }

    private:
        struct Entry {
            KeySet keys;
            std::list<qint64>::iterator position;
        };
        void touch(Entry &entry) { m_order.splice(m_order.end(), m_order, entry.position); }
        std::unordered_map<qint64, Entry> m_days;
        std::list<qint64> m_order; // least recently used first
    };

    sqlite3 *m_db;
    const Clock &m_clock;
    bool m_prepared = false;
    struct Rollup {
        const RollupSpec *spec = nullptr;
        SqliteStatement upsertMany, upsert; // kRowsPerUpsert rows, one row
        Sums<RollupKey> rows;               ///< this batch's rows
    };

    struct Pending {
        const UsageRecord *record;
        qint64 day;
        qint64 dimset;
        qint64 user;
    };
    static constexpr size_t kRowsPerInsert = 64;
    static constexpr size_t kRowsPerUpsert = 32;

    SqliteStatement m_insertRows, m_insertRow, m_findLabel, m_insertLabel, m_findDimset, m_insertDimset, m_dayKeys,
        m_insertSegment, m_insertCalendar, m_insertQuarantine, m_upsertCheckpoint, m_updateImport, m_readGeneration,
        m_writeGeneration;
    std::vector<Rollup> m_rollups;
    std::vector<Pending> m_pending;
    std::vector<quint32> m_order;           ///< of a rollup's rows, by key
    Sums<std::array<qint64, 2>> m_byDimset; ///< day, dimset
    Sums<std::array<qint64, 3>> m_byUser;   ///< day, user, team
    std::unordered_map<std::string, qint64> m_labels;
    std::unordered_map<std::string, Dimensions> m_dimensions;
    std::unordered_map<qint64, Dimensions> m_dimsetIds; // nodes never move: m_byNumber points into it
    std::vector<const Dimensions *> m_byNumber;
    std::vector<qint64> m_userByNumber;
    std::string m_dimKey;
    std::string m_labelKey;
    std::unordered_set<qint64> m_calendar;
    std::unordered_set<qint64> m_touchedDays;
    KeyCache m_keys; ///< exact identities of days a filter match was checked against
    IdentityFilter m_filter;
    std::unordered_set<qint64> m_filterDays; ///< days whose stored identities are in m_filter
    PairSet m_batchKeys;                     ///< what this batch stores, exactly
    std::vector<quint64> m_dayBuffer;
    qint64 m_expected = 0;                ///< records still expected in this run (an estimate, for sizing m_filter)
    QHash<QString, qint64> m_lastOffsets; ///< by path: the offset of its last batch
    qint64 m_generation = -1;
    qint64 m_pendingGeneration = -1;
    qint64 m_savedCacheSize = 0; ///< the connection's, restored when the import ends
};

} // namespace

std::unique_ptr<RequestSink> createSqliteRequestSink(Ledger &ledger, const Clock &clock)
{
    return std::make_unique<SqliteRequestSink>(ledger, clock);
}

} // namespace CostGov::Storage

#include "repricer.h"

#include "ledger.h"
#include "rollups.h"
#include "sqlitestatement.h"

#include "pricing/pricecatalog.h"

#include <QHash>
#include <QSet>

#include <algorithm>

namespace CostGov::Storage {

namespace {
constexpr int kChunk = 100'000;

struct Change {
    qint64 id;
    std::optional<Nano> cost;
    qint64 flags;
};
} // namespace

Result<RepriceReport> repriceHistory(Ledger &ledger, const Pricing::PriceCatalog &catalog)
{
    sqlite3 *db = ledger.handle();
    SqliteStatement select, update;
    if (!select.prepare(db,
                        "SELECT r.id, r.day, r.ts, r.input_tokens, r.output_tokens, r.cache_read_tokens, "
                        "r.cache_write_tokens, r.cache_write_1h_tokens, r.cost_nano, r.flags, m.value, p.value "
                        "FROM requests r JOIN dimsets d ON d.id = r.dimset JOIN labels m ON m.id = d.model "
                        "JOIN labels p ON p.id = d.provider "
                        "WHERE r.id > ?1 AND (r.flags & 3) <> 1 ORDER BY r.id LIMIT ?2")
        || !update.prepare(db, "UPDATE requests SET cost_nano = ?2, flags = ?3 WHERE id = ?1"))
        return makeError(ErrorCode::Database, QStringLiteral("cannot prepare re-rating: %1").arg(sqliteError(db)));
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
        return makeError(ErrorCode::Database, QStringLiteral("cannot start re-rating: %1").arg(sqliteError(db)));
    auto fail = [db](const QString &what) {
        const Error error = makeError(ErrorCode::Database, QStringLiteral("cannot %1: %2").arg(what, sqliteError(db)));
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        return error;
    };

    RepriceReport report;
    QHash<QString, ModelRepricing> models;
    QSet<qint64> days;
    qint64 lastId = 0;
    for (;;) {
        // Read a chunk, then write it: never update the table under a running scan.
        std::vector<Change> changes;
        qint64 read = 0;
        select.bind(1, lastId);
        select.bind(2, qint64(kChunk));
        while (select.step() == SQLITE_ROW) {
            ++read;
            ++report.examined;
            lastId = select.columnInt(0);
            const qint64 day = select.columnInt(1);
            const qint64 ts = select.columnInt(2);
            TokenCounts tokens;
            tokens.input = select.columnInt(3);
            tokens.output = select.columnInt(4);
            tokens.cacheRead = select.columnInt(5);
            tokens.cacheWrite1h = select.columnInt(7);
            tokens.cacheWrite5m = select.columnInt(6) - tokens.cacheWrite1h;
            // Plain value plus flag: GCC 12 misreads an optional built by a ternary as maybe uninitialized.
            const bool pricedBefore = !select.columnIsNull(8);
            const Nano costBefore = pricedBefore ? select.columnInt(8) : 0;
            const qint64 flags = select.columnInt(9);
            const std::string_view model = select.columnText(10);
            const std::string_view provider = select.columnText(11);

            std::optional<Nano> after;
            if (tokens.isZero()) {
                after = 0;
            } else if (const Pricing::PriceEntry *price = catalog.find(provider, model, ts)) {
                after = Pricing::computeCost(price->prices, tokens, (flags & RequestFlags::Batch) != 0);
            }
            const QString modelName = QString::fromUtf8(model.data(), qsizetype(model.size()));
            if (!after && !pricedBefore) {
                ++report.stillUnpriced;
                ModelRepricing &m = models[modelName];
                m.model = modelName;
                ++m.stillUnpriced;
                continue;
            }
            if (bool(after) == pricedBefore && after.value_or(0) == costBefore)
                continue;
            const qint64 newFlags =
                (flags & ~RequestFlags::CostSourceMask) | int(after ? CostSource::Catalog : CostSource::None);
            changes.push_back({lastId, after, newFlags});
            days.insert(day);
            ++report.changed;
            if (!pricedBefore)
                ++report.newlyPriced;
            if (!after)
                ++report.nowUnpriced;
            report.delta += after.value_or(0) - costBefore;
            ModelRepricing &m = models[modelName];
            m.model = modelName;
            ++m.changed;
            if (!pricedBefore)
                ++m.newlyPriced;
            m.before += costBefore;
            m.after += after.value_or(0);
        }
        select.reset();
        for (const Change &c : changes) {
            update.bind(1, c.id);
            update.bind(2, c.cost);
            update.bind(3, c.flags);
            if (!update.run())
                return fail(QStringLiteral("store a re-rated cost"));
        }
        if (read < kChunk)
            break;
    }
    if (!days.isEmpty()) {
        if (const Status s = rebuildAllRollups(ledger, QVector<qint64>(days.begin(), days.end())); !s.ok()) {
            sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
            return s.error();
        }
    }
    if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
        return fail(QStringLiteral("commit re-rating"));
    report.models = QVector<ModelRepricing>(models.begin(), models.end());
    std::sort(report.models.begin(), report.models.end(), [](const ModelRepricing &a, const ModelRepricing &b) {
        const Nano changeA = a.after - a.before, changeB = b.after - b.before;
        if (std::abs(changeA) != std::abs(changeB))
            return std::abs(changeA) > std::abs(changeB);
        return a.model < b.model;
    });
    return report;
}

} // namespace CostGov::Storage

#include "rollups.h"

#include "ledger.h"
#include "sqlitestatement.h"

#include <QStringList>

#include <array>
#include <map>
#include <memory>
#include <unordered_map>

namespace CostGov::Storage {

namespace {

const QString kMetricColumns = QStringLiteral(
    "requests, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_nano, unpriced_requests, "
    "cache_hit_requests, error_requests");

// Key columns of a rollup table.
QString keyColumns(const RollupSpec &spec)
{
    QStringList columns{QStringLiteral("day")};
    for (RollupDimension d : spec.dimensions)
        columns.append(QLatin1String(rollupColumn(d)));
    return columns.join(QStringLiteral(", "));
}

} // namespace

const char *requestsColumnPrefix(RollupDimension dimension)
{
    return dimension == RollupDimension::User ? "r." : "d.";
}

const char *rollupColumn(RollupDimension dimension)
{
    static const char *const columns[] = {"source",  "provider",    "model",   "team",
                                          "feature", "environment", "project", "user_name"};
    return columns[int(dimension)];
}

const std::vector<RollupSpec> &rollupSpecs()
{
    using D = RollupDimension;
    static const std::vector<RollupSpec> specs{
        {"rollup_team_daily", {D::Team, D::Feature}},
        {"rollup_model_daily", {D::Provider, D::Model, D::Team}},
        {"rollup_context_daily", {D::Source, D::Environment, D::Project, D::Team}},
        {"rollup_user_daily", {D::User, D::Team}},
        {"rollup_daily", {D::Source, D::Provider, D::Model, D::Team, D::Feature, D::Environment, D::Project}},
    };
    return specs;
}

QString rollupTableSql(const RollupSpec &spec)
{
    QStringList columns{QStringLiteral("day INTEGER NOT NULL")};
    for (RollupDimension d : spec.dimensions)
        columns.append(QLatin1String(rollupColumn(d)) + QStringLiteral(" INTEGER NOT NULL"));
    for (const QString &metric : kMetricColumns.split(QStringLiteral(", ")))
        columns.append(metric + QStringLiteral(" BIGINT NOT NULL"));
    // WITHOUT ROWID (SQLite's dialect; PostgreSQL tables are clustered anyway): one B-tree instead
    // of a table plus its key index halves the cost of the upserts at import.
    return QStringLiteral("CREATE TABLE %1 (%2, PRIMARY KEY (%3)) WITHOUT ROWID")
        .arg(QLatin1String(spec.table), columns.join(QStringLiteral(", ")), keyColumns(spec));
}

namespace {

// A rollup row's metrics, in kMetricColumns order.
using Metrics = std::array<qint64, 9>;

void add(Metrics &to, const Metrics &from)
{
    for (size_t i = 0; i < to.size(); ++i)
        to[i] += from[i];
}

// Recomputes the tables day by day: each day's requests are read through request_segments (no
// index on requests needed), summed by dimension combination and user in memory, then written.
// Memory stays one day's worth; SQL GROUP BY would sort every request.
Status rebuild(Ledger &ledger, const std::vector<const RollupSpec *> &specs, QVector<qint64> days)
{
    sqlite3 *db = ledger.handle();
    auto fail = [db](const char *what) {
        return makeError(ErrorCode::Database,
                         QStringLiteral("cannot %1: %2").arg(QLatin1String(what), sqliteError(db)));
    };
    // Label ids of each dimension combination, by RollupDimension (user left 0).
    using Labels = std::array<qint64, size_t(RollupDimension::Count)>;
    std::unordered_map<qint64, Labels> dimsets;
    {
        SqliteStatement q;
        if (!q.prepare(db, "SELECT id, source, provider, model, team, feature, environment, project FROM dimsets"))
            return fail("read the dimension combinations");
        while (q.step() == SQLITE_ROW) {
            Labels labels{};
            for (int i = 0; i < 7; ++i)
                labels[size_t(i)] = q.columnInt(i + 1);
            dimsets.emplace(q.columnInt(0), labels);
        }
    }
    if (days.isEmpty()) {
        SqliteStatement q;
        if (!q.prepare(db, "SELECT DISTINCT day FROM request_segments"))
            return fail("read the days");
        while (q.step() == SQLITE_ROW)
            days.append(q.columnInt(0));
    }

    SqliteStatement scan;
    if (!scan.prepare(db,
                      "SELECT r.dimset, r.user_name, r.input_tokens, r.output_tokens, r.cache_read_tokens, "
                      "r.cache_write_tokens, r.cost_nano, r.flags FROM request_segments s JOIN requests r ON r.id "
                      "BETWEEN s.first_id AND s.last_id WHERE s.day = ?1 AND r.day = ?1"))
        return fail("prepare the rollup rebuild");
    std::vector<std::unique_ptr<SqliteStatement>> clear, insert;
    for (const RollupSpec *spec : specs) {
        QStringList values;
        for (size_t i = 0; i < spec->dimensions.size() + 10; ++i)
            values.append(QStringLiteral("?%1").arg(i + 1));
        const QByteArray insertSql =
            QStringLiteral("INSERT INTO %1 (%2, %3) VALUES (%4)")
                .arg(QLatin1String(spec->table), keyColumns(*spec), kMetricColumns, values.join(QStringLiteral(", ")))
                .toUtf8();
        const QByteArray clearSql =
            QStringLiteral("DELETE FROM %1 WHERE day = ?1").arg(QLatin1String(spec->table)).toUtf8();
        clear.push_back(std::make_unique<SqliteStatement>());
        insert.push_back(std::make_unique<SqliteStatement>());
        if (!clear.back()->prepare(db, clearSql.constData()) || !insert.back()->prepare(db, insertSql.constData()))
            return fail("prepare the rollup rebuild");
    }

    std::map<std::pair<qint64, qint64>, Metrics> byDimsetUser;
    for (const qint64 day : days) {
        byDimsetUser.clear();
        scan.bind(1, day);
        while (scan.step() == SQLITE_ROW) {
            const bool priced = !scan.columnIsNull(6);
            const qint64 flags = scan.columnInt(7);
            add(byDimsetUser[{scan.columnInt(0), scan.columnInt(1)}],
                {1, scan.columnInt(2), scan.columnInt(3), scan.columnInt(4), scan.columnInt(5),
                 priced ? scan.columnInt(6) : 0, priced ? 0 : 1, (flags & RequestFlags::CacheHit) ? 1 : 0,
                 (flags & RequestFlags::Error) ? 1 : 0});
        }
        scan.reset();
        for (size_t s = 0; s < specs.size(); ++s) {
            const RollupSpec &spec = *specs[s];
            std::map<std::vector<qint64>, Metrics> rows;
            std::vector<qint64> key(spec.dimensions.size());
            for (const auto &[dimsetUser, metrics] : byDimsetUser) {
                const Labels &labels = dimsets.at(dimsetUser.first);
                for (size_t i = 0; i < key.size(); ++i) {
                    const RollupDimension d = spec.dimensions[i];
                    key[i] = d == RollupDimension::User ? dimsetUser.second : labels[size_t(d)];
                }
                add(rows[key], metrics);
            }
            clear[s]->bind(1, day);
            if (!clear[s]->run())
                return fail("clear a rollup");
            SqliteStatement &ins = *insert[s];
            for (const auto &[k, metrics] : rows) {
                ins.bind(1, day);
                for (size_t i = 0; i < k.size(); ++i)
                    ins.bind(int(i) + 2, k[i]);
                for (size_t i = 0; i < metrics.size(); ++i)
                    ins.bind(int(k.size() + i) + 2, metrics[i]);
                if (!ins.run())
                    return fail("write a rollup");
            }
        }
    }
    return {};
}

} // namespace

Status rebuildRollup(Ledger &ledger, const RollupSpec &spec, const QVector<qint64> &days)
{
    return rebuild(ledger, {&spec}, days);
}

Status rebuildAllRollups(Ledger &ledger, const QVector<qint64> &days)
{
    std::vector<const RollupSpec *> specs;
    for (const RollupSpec &spec : rollupSpecs())
        specs.push_back(&spec);
    return rebuild(ledger, specs, days);
}

} // namespace CostGov::Storage

#include "rollups.h"

#include "ledger.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>

namespace CostGov::Storage {

namespace {

const QString kMetricColumns = QStringLiteral(
    "requests, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_nano, unpriced_requests, "
    "cache_hit_requests, error_requests");

const QString kMetricAggregates = QStringLiteral(
    "COUNT(*), SUM(r.input_tokens), SUM(r.output_tokens), SUM(r.cache_read_tokens), SUM(r.cache_write_tokens), "
    "COALESCE(SUM(r.cost_nano), 0), SUM(CASE WHEN r.cost_nano IS NULL THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN (r.flags & 4) <> 0 THEN 1 ELSE 0 END), SUM(CASE WHEN (r.flags & 16) <> 0 THEN 1 ELSE 0 END)");

// Key columns of a rollup table, or the expressions that select them from requests r JOIN dimsets d.
QString keyColumns(const RollupSpec &spec, bool fromRequests)
{
    QStringList columns{fromRequests ? QStringLiteral("r.day") : QStringLiteral("day")};
    for (RollupDimension d : spec.dimensions)
        columns.append((fromRequests ? QLatin1String(requestsColumnPrefix(d)) : QLatin1String())
                       + QLatin1String(rollupColumn(d)));
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
        .arg(QLatin1String(spec.table), columns.join(QStringLiteral(", ")), keyColumns(spec, false));
}

Status rebuildRollup(Ledger &ledger, const RollupSpec &spec, const QVector<qint64> &days)
{
    QStringList dayList;
    for (qint64 day : days)
        dayList.append(QString::number(day));
    const QString name = QLatin1String(spec.table);
    const QString where =
        days.isEmpty() ? QString() : QStringLiteral(" WHERE day IN (%1)").arg(dayList.join(QLatin1Char(',')));
    const QString whereRaw =
        days.isEmpty() ? QString() : QStringLiteral(" WHERE r.day IN (%1)").arg(dayList.join(QLatin1Char(',')));
    QSqlQuery query(ledger.db());
    if (!query.exec(QStringLiteral("DELETE FROM %1%2").arg(name, where)))
        return makeError(ErrorCode::Database,
                         QStringLiteral("cannot clear %1: %2").arg(name, query.lastError().text()));
    const QString selectKeys = keyColumns(spec, true);
    const QString insert =
        QStringLiteral(
            "INSERT INTO %1 (%2, %3) SELECT %4, %5 FROM requests r JOIN dimsets d ON d.id = r.dimset%6 GROUP BY %4")
            .arg(name, keyColumns(spec, false), kMetricColumns, selectKeys, kMetricAggregates, whereRaw);
    if (!query.exec(insert))
        return makeError(ErrorCode::Database,
                         QStringLiteral("cannot rebuild %1: %2").arg(name, query.lastError().text()));
    return {};
}

Status rebuildAllRollups(Ledger &ledger, const QVector<qint64> &days)
{
    for (const RollupSpec &spec : rollupSpecs()) {
        if (Status s = rebuildRollup(ledger, spec, days); !s.ok())
            return s;
    }
    return {};
}

} // namespace CostGov::Storage

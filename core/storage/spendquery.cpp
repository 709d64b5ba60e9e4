#include "spendquery.h"

#include "ledger.h"
#include "rollups.h"

#include "common/timeutil.h"

#include <QHash>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>
#include <limits>

namespace CostGov::Storage {

namespace {

struct DimensionInfo {
    Dimension dimension;
    const char *name;
    LabelKind kind;
    RollupDimension rollup; // Count for time dimensions
};

const DimensionInfo kDimensions[] = {
    {Dimension::Day, "day", LabelKind::Source, RollupDimension::Count},
    {Dimension::Week, "week", LabelKind::Source, RollupDimension::Count},
    {Dimension::Month, "month", LabelKind::Source, RollupDimension::Count},
    {Dimension::Provider, "provider", LabelKind::Provider, RollupDimension::Provider},
    {Dimension::Model, "model", LabelKind::Model, RollupDimension::Model},
    {Dimension::Team, "team", LabelKind::Team, RollupDimension::Team},
    {Dimension::Feature, "feature", LabelKind::Feature, RollupDimension::Feature},
    {Dimension::User, "user", LabelKind::User, RollupDimension::User},
    {Dimension::Environment, "environment", LabelKind::Environment, RollupDimension::Environment},
    {Dimension::Project, "project", LabelKind::Project, RollupDimension::Project},
    {Dimension::Source, "source", LabelKind::Source, RollupDimension::Source},
};

const DimensionInfo &info(Dimension d)
{
    return kDimensions[int(d)];
}

/// The smallest rollup table with every dimension the query needs; nullptr: only raw requests have them.
const RollupSpec *rollupFor(const QSet<Dimension> &dimensions)
{
    for (const RollupSpec &spec : rollupSpecs()) {
        const bool covers = std::all_of(dimensions.begin(), dimensions.end(), [&spec](Dimension d) {
            return isTimeDimension(d)
                || std::find(spec.dimensions.begin(), spec.dimensions.end(), info(d).rollup) != spec.dimensions.end();
        });
        if (covers)
            return &spec;
    }
    return nullptr;
}

QString idList(const QVector<qint64> &ids)
{
    QStringList parts;
    for (qint64 id : ids)
        parts.append(QString::number(id));
    return parts.join(QLatin1Char(','));
}

/// Appends "column IN (label ids)" per filter; false when some filter's values are not stored at
/// all (nothing can pass).
template <typename Column>
Result<bool> appendFilterConditions(Ledger &ledger, const QVector<SpendFilter> &filters, Column column,
                                    QStringList &where)
{
    for (const SpendFilter &f : filters) {
        QSqlQuery lookup(ledger.db());
        lookup.prepare(QStringLiteral("SELECT id FROM labels WHERE kind = ? AND value = ?"));
        QVector<qint64> ids;
        for (const QString &value : f.values) {
            lookup.bindValue(0, int(info(f.dimension).kind));
            lookup.bindValue(1, value);
            if (!lookup.exec())
                return makeError(ErrorCode::Database,
                                 QStringLiteral("cannot read dimension values: %1").arg(lookup.lastError().text()));
            while (lookup.next())
                ids.append(lookup.value(0).toLongLong());
        }
        if (ids.isEmpty())
            return false;
        where.append(QStringLiteral("%1 IN (%2)").arg(column(f.dimension), idList(ids)));
    }
    return true;
}

} // namespace

Result<bool> requestFilterConditions(Ledger &ledger, const QVector<SpendFilter> &filters, QStringList &where)
{
    for (const SpendFilter &f : filters) {
        if (isTimeDimension(f.dimension))
            return makeError(ErrorCode::Usage,
                             QStringLiteral("filter by %1 with a date range instead").arg(dimensionName(f.dimension)));
    }
    auto column = [](Dimension d) -> QString {
        const RollupDimension r = info(d).rollup;
        return QLatin1String(requestsColumnPrefix(r)[0] == 'r' ? "x." : "d.") + QLatin1String(rollupColumn(r));
    };
    return appendFilterConditions(ledger, filters, column, where);
}

QString dimensionName(Dimension dimension)
{
    return QLatin1String(info(dimension).name);
}

std::optional<Dimension> dimensionFromName(const QString &name)
{
    for (const DimensionInfo &d : kDimensions) {
        if (name == QLatin1String(d.name))
            return d.dimension;
    }
    return std::nullopt;
}

QStringList dimensionNames()
{
    QStringList names;
    for (const DimensionInfo &d : kDimensions)
        names.append(QLatin1String(d.name));
    return names;
}

void SpendMetrics::add(const SpendMetrics &o)
{
    // Saturating: a sum never wraps (bounded records keep real ledgers far from the limit).
    auto add = [](qint64 &sum, qint64 value) {
        if (__builtin_add_overflow(sum, value, &sum))
            sum = value > 0 ? std::numeric_limits<qint64>::max() : std::numeric_limits<qint64>::min();
    };
    add(requests, o.requests);
    add(inputTokens, o.inputTokens);
    add(outputTokens, o.outputTokens);
    add(cacheReadTokens, o.cacheReadTokens);
    add(cacheWriteTokens, o.cacheWriteTokens);
    add(costNano, o.costNano);
    add(unpricedRequests, o.unpricedRequests);
    add(cacheHitRequests, o.cacheHitRequests);
    add(errorRequests, o.errorRequests);
}

double SpendMetrics::cacheHitRate() const
{
    const qint64 prompt = inputTokens + cacheReadTokens + cacheWriteTokens;
    return prompt == 0 ? 0.0 : double(cacheReadTokens) / double(prompt);
}

std::optional<Nano> SpendMetrics::costPerRequest() const
{
    const qint64 priced = requests - unpricedRequests;
    if (priced <= 0)
        return std::nullopt;
    return divideRounded(costNano, priced);
}

Result<SpendReport> runSpendQuery(Ledger &ledger, const SpendQuery &request)
{
    SpendReport report;
    report.groupBy = request.groupBy;

    QSet<Dimension> involved(request.groupBy.begin(), request.groupBy.end());
    for (const SpendFilter &f : request.filters) {
        if (isTimeDimension(f.dimension))
            return makeError(
                ErrorCode::Usage,
                QStringLiteral("filter by %1 with --from and --to instead").arg(dimensionName(f.dimension)));
        involved.insert(f.dimension);
    }
    const bool instants = request.fromMs || request.toMs;
    if (instants && (!request.fromDay || !request.toDay))
        return makeError(ErrorCode::Usage, QStringLiteral("a query by instants needs its days too"));
    const RollupSpec *rollup = instants ? nullptr : rollupFor(involved);

    QString from;
    QString metrics;
    auto column = [rollup](Dimension d) -> QString {
        const RollupDimension r = info(d).rollup;
        const bool onRequest = requestsColumnPrefix(r)[0] == 'r';
        return (rollup || onRequest ? QStringLiteral("x.") : QStringLiteral("d.")) + QLatin1String(rollupColumn(r));
    };
    if (rollup) {
        from = QLatin1String(rollup->table) + QStringLiteral(" x");
        metrics =
            QStringLiteral("SUM(x.requests), SUM(x.input_tokens), SUM(x.output_tokens), SUM(x.cache_read_tokens), "
                           "SUM(x.cache_write_tokens), SUM(x.cost_nano), SUM(x.unpriced_requests), "
                           "SUM(x.cache_hit_requests), SUM(x.error_requests)");
    } else {
        // The days' requests through request_segments: requests have no index on day.
        // (CROSS JOIN and +x.day keep SQLite on the rowid ranges, not an automatic index on day;
        // the range is in WHERE: PostgreSQL allows no ON after CROSS JOIN.)
        from = instants ? QStringLiteral("request_segments s CROSS JOIN requests x JOIN dimsets d ON d.id = x.dimset")
                        : QStringLiteral("requests x JOIN dimsets d ON d.id = x.dimset");
        metrics = QStringLiteral("COUNT(*), SUM(x.input_tokens), SUM(x.output_tokens), SUM(x.cache_read_tokens), "
                                 "SUM(x.cache_write_tokens), COALESCE(SUM(x.cost_nano), 0), "
                                 "SUM(CASE WHEN x.cost_nano IS NULL THEN 1 ELSE 0 END), "
                                 "SUM(CASE WHEN (x.flags & 4) <> 0 THEN 1 ELSE 0 END), "
                                 "SUM(CASE WHEN (x.flags & 16) <> 0 THEN 1 ELSE 0 END)");
    }
    if (involved.contains(Dimension::Week) || involved.contains(Dimension::Month))
        from += QStringLiteral(" JOIN calendar c ON c.day = x.day");

    QStringList groupExpressions;
    for (Dimension d : request.groupBy) {
        switch (d) {
        case Dimension::Day:
            groupExpressions.append(QStringLiteral("x.day"));
            break;
        case Dimension::Week:
            groupExpressions.append(QStringLiteral("c.week"));
            break;
        case Dimension::Month:
            groupExpressions.append(QStringLiteral("c.month"));
            break;
        default:
            groupExpressions.append(column(d));
        }
    }

    QStringList where;
    if (instants) {
        where.append(QStringLiteral("s.day BETWEEN %1 AND %2").arg(*request.fromDay).arg(*request.toDay));
        where.append(QStringLiteral("x.id BETWEEN s.first_id AND s.last_id"));
        where.append(QStringLiteral("+x.day = s.day"));
    } else {
        if (request.fromDay)
            where.append(QStringLiteral("x.day >= %1").arg(*request.fromDay));
        if (request.toDay)
            where.append(QStringLiteral("x.day <= %1").arg(*request.toDay));
    }
    if (request.fromMs)
        where.append(QStringLiteral("x.ts >= %1").arg(*request.fromMs));
    if (request.toMs)
        where.append(QStringLiteral("x.ts < %1").arg(*request.toMs));
    const auto matched = appendFilterConditions(ledger, request.filters, column, where);
    if (!matched.ok())
        return matched.error();
    if (!*matched)
        return report; // no request has any of these values
    QString sql =
        QStringLiteral("SELECT %1%2 FROM %3")
            .arg(groupExpressions.isEmpty() ? QString()
                                            : groupExpressions.join(QStringLiteral(", ")) + QStringLiteral(", "),
                 metrics, from);
    if (!where.isEmpty())
        sql += QStringLiteral(" WHERE ") + where.join(QStringLiteral(" AND "));
    if (!groupExpressions.isEmpty())
        sql += QStringLiteral(" GROUP BY ") + groupExpressions.join(QStringLiteral(", "));
    const bool top = request.limit > 0 && !groupExpressions.isEmpty() && !isTimeDimension(request.groupBy.first());
    if (top) {
        // The biggest groups only; the totals come from a query of their own.
        const int cost = int(groupExpressions.size()) + 6, requests = int(groupExpressions.size()) + 1;
        sql += QStringLiteral(" ORDER BY %1 DESC, %2 DESC LIMIT %3").arg(cost).arg(requests).arg(request.limit);
        SpendQuery whole = request;
        whole.groupBy.clear();
        whole.limit = 0;
        const auto totals = runSpendQuery(ledger, whole);
        if (!totals.ok())
            return totals.error();
        report.totals = totals->totals;
    }

    QSqlQuery query(ledger.db());
    query.setForwardOnly(true);
    if (!query.exec(sql))
        return makeError(ErrorCode::Database,
                         QStringLiteral("cannot run the spend report: %1").arg(query.lastError().text()));

    const int dims = int(request.groupBy.size());
    QVector<QVector<qint64>> rawKeys;
    QSet<qint64> labelIds;
    while (query.next()) {
        SpendMetrics m;
        m.requests = query.value(dims + 0).toLongLong();
        if (m.requests == 0)
            continue; // aggregate over no rows
        m.inputTokens = query.value(dims + 1).toLongLong();
        m.outputTokens = query.value(dims + 2).toLongLong();
        m.cacheReadTokens = query.value(dims + 3).toLongLong();
        m.cacheWriteTokens = query.value(dims + 4).toLongLong();
        m.costNano = query.value(dims + 5).toLongLong();
        m.unpricedRequests = query.value(dims + 6).toLongLong();
        m.cacheHitRequests = query.value(dims + 7).toLongLong();
        m.errorRequests = query.value(dims + 8).toLongLong();
        QVector<qint64> keys;
        for (int i = 0; i < dims; ++i) {
            keys.append(query.value(i).toLongLong());
            if (!isTimeDimension(request.groupBy[i]))
                labelIds.insert(keys.back());
        }
        if (!top)
            report.totals.add(m);
        if (dims == 0)
            continue; // no grouping: the totals are the answer
        rawKeys.append(keys);
        report.rows.append(SpendRow{{}, m});
    }

    QHash<qint64, QString> labels;
    if (!labelIds.isEmpty()) {
        QVector<qint64> ids(labelIds.begin(), labelIds.end());
        for (qsizetype start = 0; start < ids.size(); start += 500) {
            QSqlQuery names(ledger.db());
            if (!names.exec(
                    QStringLiteral("SELECT id, value FROM labels WHERE id IN (%1)").arg(idList(ids.mid(start, 500)))))
                return makeError(ErrorCode::Database,
                                 QStringLiteral("cannot read dimension values: %1").arg(names.lastError().text()));
            while (names.next())
                labels.insert(names.value(0).toLongLong(), names.value(1).toString());
        }
    }
    for (qsizetype r = 0; r < report.rows.size(); ++r) {
        QStringList &keys = report.rows[r].keys;
        for (int i = 0; i < dims; ++i) {
            const qint64 key = rawKeys[r][i];
            switch (request.groupBy[i]) {
            case Dimension::Day:
            case Dimension::Week:
                keys.append(isoDate(key));
                break;
            case Dimension::Month:
                keys.append(isoMonth(int(key)));
                break;
            default:
                keys.append(labels.value(key));
            }
        }
    }

    const bool timeFirst = dims > 0 && isTimeDimension(request.groupBy.first());
    std::sort(report.rows.begin(), report.rows.end(), [timeFirst](const SpendRow &a, const SpendRow &b) {
        if (timeFirst) {
            if (a.keys.first() != b.keys.first())
                return a.keys.first() < b.keys.first();
        }
        if (a.metrics.costNano != b.metrics.costNano)
            return a.metrics.costNano > b.metrics.costNano;
        if (a.metrics.requests != b.metrics.requests)
            return a.metrics.requests > b.metrics.requests;
        return a.keys < b.keys;
    });
    return report;
}

} // namespace CostGov::Storage

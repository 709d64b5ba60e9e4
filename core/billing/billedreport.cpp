#include "billedreport.h"

#include "attribution/attribution.h"
#include "common/timeutil.h"
#include "storage/ledger.h"

#include <QHash>
#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>
#include <limits>

namespace CostGov::Billing {

using Storage::Dimension;

Result<Storage::SpendReport> runBilledQuery(Storage::Ledger &ledger, const Storage::SpendQuery &query)
{
    Storage::SpendReport report;
    report.groupBy = query.groupBy;
    // The bill is small (a few hundred rows a day): read it by day, provider, model, project, team
    // and feature, and group here. Costs from the cost report, tokens and requests from the usage
    // report, into the same rows.
    QHash<QStringList, qsizetype> index;
    auto read = [&](const QString &sql, const char *what, auto fill) -> Status {
        QSqlQuery rows(ledger.db());
        rows.prepare(sql);
        rows.addBindValue(query.fromDay.value_or(std::numeric_limits<qint64>::min()));
        rows.addBindValue(query.toDay.value_or(std::numeric_limits<qint64>::max()));
        if (!rows.exec())
            return makeError(
                ErrorCode::Database,
                QStringLiteral("cannot read the %1: %2").arg(QLatin1String(what), rows.lastError().text()));
        // One stored row's value of a dimension.
        auto valueOf = [&rows](Dimension d) {
            switch (d) {
            case Dimension::Day:
                return isoDate(rows.value(0).toLongLong());
            case Dimension::Week:
                return isoDate(weekStart(rows.value(0).toLongLong()));
            case Dimension::Month:
                return isoMonth(monthKey(rows.value(0).toLongLong()));
            case Dimension::Provider:
                return rows.value(1).toString();
            case Dimension::Model:
                return rows.value(2).toString();
            case Dimension::Project:
                return rows.value(3).toString();
            case Dimension::Team:
                return rows.value(4).toString();
            case Dimension::Feature:
                return rows.value(5).toString();
            default:
                return Attribution::unallocated();
            }
        };
        while (rows.next()) {
            const bool passes =
                std::all_of(query.filters.begin(), query.filters.end(),
                            [&](const Storage::SpendFilter &f) { return f.values.contains(valueOf(f.dimension)); });
            if (!passes)
                continue;
            Storage::SpendMetrics m;
            fill(rows, m);
            report.totals.add(m);
            if (query.groupBy.isEmpty())
                continue;
            QStringList keys;
            for (Dimension d : query.groupBy)
                keys.append(valueOf(d));
            auto it = index.constFind(keys);
            if (it == index.constEnd()) {
                it = index.insert(keys, report.rows.size());
                report.rows.append({keys, {}});
            }
            report.rows[*it].metrics.add(m);
        }
        return {};
    };
    const Status costs = read(
        QStringLiteral("SELECT day, provider, model, project, team, feature, SUM(amount_nano) "
                       "FROM billed_costs WHERE day BETWEEN ? AND ? GROUP BY day, provider, "
                       "model, project, team, feature"),
        "billed costs", [](const QSqlQuery &row, Storage::SpendMetrics &m) { m.costNano = row.value(6).toLongLong(); });
    if (!costs.ok())
        return costs.error();
    const Status usage =
        read(QStringLiteral(
                 "SELECT day, provider, model, project, team, feature, SUM(input_uncached_tokens), "
                 "SUM(output_tokens), SUM(cache_read_tokens), SUM(cache_write_5m_tokens + cache_write_1h_tokens), "
                 "COALESCE(SUM(requests), 0) FROM billed_usage WHERE day BETWEEN ? AND ? GROUP BY day, provider, "
                 "model, project, team, feature"),
             "billed usage", [](const QSqlQuery &row, Storage::SpendMetrics &m) {
                 m.inputTokens = row.value(6).toLongLong();
                 m.outputTokens = row.value(7).toLongLong();
                 m.cacheReadTokens = row.value(8).toLongLong();
                 m.cacheWriteTokens = row.value(9).toLongLong();
                 m.requests = row.value(10).toLongLong();
             });
    if (!usage.ok())
        return usage.error();
    const bool timeFirst = !query.groupBy.isEmpty() && Storage::isTimeDimension(query.groupBy.first());
    std::sort(report.rows.begin(), report.rows.end(),
              [timeFirst](const Storage::SpendRow &a, const Storage::SpendRow &b) {
                  if (timeFirst && a.keys.first() != b.keys.first())
                      return a.keys.first() < b.keys.first();
                  if (a.metrics.costNano != b.metrics.costNano)
                      return a.metrics.costNano > b.metrics.costNano;
                  return a.keys < b.keys;
              });
    return report;
}

} // namespace CostGov::Billing

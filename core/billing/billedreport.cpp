#include "billedreport.h"

#include "common/timeutil.h"
#include "storage/ledger.h"

#include <QHash>
#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>
#include <limits>

namespace CostGov::Billing {

using Storage::Dimension;

QString unallocated()
{
    return QStringLiteral("unallocated");
}

Result<Storage::SpendReport> runBilledQuery(Storage::Ledger &ledger, const Storage::SpendQuery &query)
{
    Storage::SpendReport report;
    report.groupBy = query.groupBy;
    // The bill is small (a few hundred rows a day): read it by day, provider, model and project and
    // group here.
    QSqlQuery rows(ledger.db());
    rows.prepare(QStringLiteral("SELECT day, provider, model, project, SUM(amount_nano) FROM billed_costs "
                                "WHERE day BETWEEN ? AND ? GROUP BY day, provider, model, project"));
    rows.addBindValue(query.fromDay.value_or(std::numeric_limits<qint64>::min()));
    rows.addBindValue(query.toDay.value_or(std::numeric_limits<qint64>::max()));
    if (!rows.exec())
        return makeError(ErrorCode::Database,
                         QStringLiteral("cannot read the billed costs: %1").arg(rows.lastError().text()));
    auto valueOf = [](Dimension d, qint64 day, const QString &provider, const QString &model, const QString &project) {
        switch (d) {
        case Dimension::Day:
            return isoDate(day);
        case Dimension::Week:
            return isoDate(weekStart(day));
        case Dimension::Month:
            return isoMonth(monthKey(day));
        case Dimension::Provider:
            return provider;
        case Dimension::Model:
            return model;
        case Dimension::Project:
            return project;
        default:
            return unallocated();
        }
    };
    QHash<QStringList, qsizetype> index;
    while (rows.next()) {
        const qint64 day = rows.value(0).toLongLong();
        const QString provider = rows.value(1).toString(), model = rows.value(2).toString(),
                      project = rows.value(3).toString();
        const bool passes = std::all_of(query.filters.begin(), query.filters.end(), [&](const Storage::SpendFilter &f) {
            return f.values.contains(valueOf(f.dimension, day, provider, model, project));
        });
        if (!passes)
            continue;
        Storage::SpendMetrics m;
        m.costNano = rows.value(4).toLongLong();
        report.totals.add(m);
        if (query.groupBy.isEmpty())
            continue;
        QStringList keys;
        for (Dimension d : query.groupBy)
            keys.append(valueOf(d, day, provider, model, project));
        auto it = index.constFind(keys);
        if (it == index.constEnd()) {
            it = index.insert(keys, report.rows.size());
            report.rows.append({keys, {}});
        }
        report.rows[*it].metrics.add(m);
    }
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

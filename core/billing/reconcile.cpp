#include "reconcile.h"

#include "common/timeutil.h"
#include "storage/ledger.h"
#include "storage/spendquery.h"

#include <QMap>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>

namespace CostGov::Billing {

Result<Reconciliation> reconcileMonth(Storage::Ledger &ledger, qint64 anyDayOfMonth)
{
    Reconciliation result;
    const int month = monthKey(anyDayOfMonth);
    result.month.from = *parseDate(QString(isoMonth(month) + QStringLiteral("-01")).toStdString());
    result.month.to = result.month.from + daysInMonth(result.month.from) - 1;

    QMap<QString, ProviderReconciliation> byProvider;
    auto providerEntry = [&](const QString &provider) -> ProviderReconciliation & {
        ProviderReconciliation &p = byProvider[provider];
        if (p.days.isEmpty()) {
            p.provider = provider;
            for (qint64 day = result.month.from; day <= result.month.to; ++day)
                p.days.append({day, Comparison{}});
        }
        return p;
    };

    // The month's bill summed by provider and one more column, biggest first.
    QSqlQuery billed(ledger.db());
    auto billedBy = [&](const char *column, const char *condition) -> Status {
        billed.prepare(QStringLiteral("SELECT provider, %1, SUM(amount_nano) AS amount FROM billed_costs WHERE day "
                                      "BETWEEN ? AND ? AND %2 GROUP BY provider, %1 ORDER BY amount DESC")
                           .arg(QLatin1String(column), QLatin1String(condition)));
        billed.addBindValue(result.month.from);
        billed.addBindValue(result.month.to);
        if (!billed.exec())
            return makeError(ErrorCode::Database,
                             QStringLiteral("cannot read the billed costs: %1").arg(billed.lastError().text()));
        return {};
    };
    if (const Status read = billedBy("day", "1"); !read.ok())
        return read.error();
    while (billed.next()) {
        ProviderReconciliation &p = providerEntry(billed.value(0).toString());
        const Nano amount = billed.value(2).toLongLong();
        p.days[billed.value(1).toLongLong() - result.month.from].second.billed += amount;
        p.month.billed += amount;
    }

    Storage::SpendQuery metered;
    metered.fromDay = result.month.from;
    metered.toDay = result.month.to;
    metered.groupBy = {Storage::Dimension::Provider, Storage::Dimension::Day};
    const auto report = Storage::runSpendQuery(ledger, metered);
    if (!report.ok())
        return report.error();
    for (const Storage::SpendRow &row : report->rows) {
        ProviderReconciliation &p = providerEntry(row.keys[0]);
        Comparison &day = p.days[*parseDate(row.keys[1].toStdString()) - result.month.from].second;
        day.metered += row.metrics.costNano;
        day.unpricedRequests += row.metrics.unpricedRequests;
        p.month.metered += row.metrics.costNano;
        p.month.unpricedRequests += row.metrics.unpricedRequests;
    }

    // A billed project matches when metered requests of that provider name it as their project.
    metered.groupBy = {Storage::Dimension::Provider, Storage::Dimension::Project};
    const auto projects = Storage::runSpendQuery(ledger, metered);
    if (!projects.ok())
        return projects.error();
    QSet<std::pair<QString, QString>> meteredProjects;
    for (const Storage::SpendRow &row : projects->rows)
        meteredProjects.insert({row.keys[0], row.keys[1]});
    // Rows an attribution rule gave a team are accounted for, whatever the logs say.
    if (const Status read = billedBy("project", "team = 'unallocated'"); !read.ok())
        return read.error();
    while (billed.next()) {
        const QString provider = billed.value(0).toString(), project = billed.value(1).toString();
        if (project.isEmpty() || !meteredProjects.contains({provider, project})) // none never matches none
            providerEntry(provider).unmatched.append({project, billed.value(2).toLongLong()});
    }
    for (const ProviderReconciliation &p : std::as_const(byProvider))
        result.providers.append(p);
    return result;
}

} // namespace CostGov::Billing

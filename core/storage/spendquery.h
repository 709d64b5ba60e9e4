#pragma once

#include "common/money.h"
#include "common/result.h"

#include <QString>
#include <QStringList>
#include <QVector>

#include <optional>

namespace CostGov::Storage {

class Ledger;

/// What spend can be grouped and filtered by.
enum class Dimension { Day, Week, Month, Provider, Model, Team, Feature, User, Environment, Project, Source };

QString dimensionName(Dimension dimension);
std::optional<Dimension> dimensionFromName(const QString &name);
/// Every dimension name, in the order of the enum.
QStringList dimensionNames();
inline bool isTimeDimension(Dimension d)
{
    return d == Dimension::Day || d == Dimension::Week || d == Dimension::Month;
}

/// Keep rows whose dimension has one of the values ("" matches requests without a value).
struct SpendFilter {
    Dimension dimension;
    QStringList values;
};

/// A spend report request: an inclusive day range, group-by dimensions and filters.
struct SpendQuery {
    std::optional<qint64> fromDay; ///< inclusive, UTC day number
    std::optional<qint64> toDay;   ///< inclusive
    QVector<Dimension> groupBy;
    QVector<SpendFilter> filters;
    /// More than 0: only the most expensive groups, this many (totals stay those of all groups).
    /// Not with time first.
    int limit = 0;
    /// Instants (UTC epoch ms, the end exclusive) that narrow the days to part of them: the
    /// requests of those days are read one by one (meant for a day or two at a window's edges).
    std::optional<qint64> fromMs;
    std::optional<qint64> toMs;
};

/// Summed figures of a group of requests. Cost sums priced requests only; unpricedRequests says
/// how many are not in it.
struct SpendMetrics {
    qint64 requests = 0;
    qint64 inputTokens = 0;
    qint64 outputTokens = 0;
    qint64 cacheReadTokens = 0;
    qint64 cacheWriteTokens = 0;
    Nano costNano = 0;
    qint64 unpricedRequests = 0;
    qint64 cacheHitRequests = 0;
    qint64 errorRequests = 0;

    void add(const SpendMetrics &other);
    /// Share of prompt tokens read from the provider's prompt cache.
    double cacheHitRate() const;
    /// Cost per priced request, or nullopt when nothing is priced.
    std::optional<Nano> costPerRequest() const;
    /// Every request lacks a price: the cost is unknown, not $0.
    bool costUnknown() const { return requests > 0 && unpricedRequests == requests; }
};

struct SpendRow {
    QStringList keys; ///< one per group-by dimension: "2026-07-08", "2026-07", "customer-support", "" for none
    SpendMetrics metrics;
};

struct SpendReport {
    QVector<Dimension> groupBy;
    QVector<SpendRow> rows; ///< time-ordered when grouped by time first, else most expensive first
    SpendMetrics totals;
};

/// Answers a query from the smallest rollup table that has its dimensions; raw requests are read
/// only when none has (user combined with a dimension other than team).
Result<SpendReport> runSpendQuery(Ledger &ledger, const SpendQuery &query);

/// SQL conditions, on "requests x JOIN dimsets d ON d.id = x.dimset", that keep what passes the
/// filters; false when a filter names only values the ledger has never seen (nothing passes).
Result<bool> requestFilterConditions(Ledger &ledger, const QVector<SpendFilter> &filters, QStringList &where);

} // namespace CostGov::Storage

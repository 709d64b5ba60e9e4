#pragma once

#include "storage/spendquery.h"

#include <QAbstractTableModel>
#include <QHash>

#include <optional>

namespace CostGov::Ui {

/// Rows of a spend report: group keys, then requests, tokens, cost and the derived ratios.
class SpendTableModel final : public QAbstractTableModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SpendTableModel)

public:
    /// Metric columns follow the report's group-by columns; money first, token detail to the right.
    enum Metric {
        Cost,
        SpendShare, ///< of the report's total spend
        Change,     ///< of spend against the previous period, when one was given
        Requests,
        RequestShare, ///< of the report's requests: with models, the routing distribution
        CostPerRequest,
        Unpriced,
        InputTokens,
        OutputTokens,
        CacheReadTokens,
        CacheHitRate,
        MetricCount
    };
    /// Numbers for sorting (money as nano-USD, rates as doubles), never display text.
    static constexpr int RawValueRole = Qt::UserRole + 1;

    explicit SpendTableModel(QObject *parent = nullptr);
    /// The translated column title of a dimension ("Model", "Team", ...).
    static QString dimensionLabel(Storage::Dimension dimension);
    /// The translated column title of a metric, and a stable name for settings.
    static QString metricLabel(Metric metric);
    static QString metricName(Metric metric);

    /// previous: the same query over the period before, for the Change column.
    void setReport(const Storage::SpendReport &report, const std::optional<Storage::SpendReport> &previous = {});
    const Storage::SpendReport &report() const { return m_report; }
    /// Short column titles ("Share" for "% of spend") for narrow tables.
    void setCompactHeaders(bool compact) { m_compact = compact; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    /// Change of a row's spend, or nullopt when there is nothing to compare with.
    std::optional<double> change(const Storage::SpendRow &row) const;

    Storage::SpendReport m_report;
    bool m_compared = false;
    bool m_compact = false;
    QHash<QStringList, Storage::SpendMetrics> m_previous; ///< by row keys
};

} // namespace CostGov::Ui

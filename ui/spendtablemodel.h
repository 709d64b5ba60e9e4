#pragma once

#include "storage/spendquery.h"

#include <QAbstractTableModel>

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

    void setReport(const Storage::SpendReport &report);
    const Storage::SpendReport &report() const { return m_report; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    Storage::SpendReport m_report;
};

} // namespace CostGov::Ui

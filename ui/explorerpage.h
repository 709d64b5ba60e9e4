#pragma once

#include "background.h"

#include "common/daterange.h"
#include "storage/spendquery.h"

#include <QSet>
#include <QWidget>

#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace CostGov::Ui {

class SpendTableModel;

/// A pivot of the ledger: one to three group-by dimensions over the window's date range, every
/// metric as a column, sortable (money as money), filterable by text, exportable as CSV.
class ExplorerPage final : public QWidget {
    Q_OBJECT

public:
    explicit ExplorerPage(const QString &ledgerPath, QWidget *parent = nullptr);

    /// What to show: the window's date range and filters.
    /// previous: the period to compare with (the Change column), if any.
    void setScope(const DayRange &range, const QVector<Storage::SpendFilter> &filters,
                  const std::optional<DayRange> &previous = {});
    /// Sets the group-by dimensions (one to three) and re-queries.
    void setGroupBy(const QVector<Storage::Dimension> &dimensions);
    /// Writes the rows as shown (filtered, sorted) with a TOTAL row, in costgovctl's CSV layout.
    bool exportCsv(const QString &path, QString *error = nullptr) const;

    /// The range and filters that select exactly the requests of a row of the table (as shown).
    std::pair<DayRange, QVector<Storage::SpendFilter>> rowSelection(int row) const;

signals:
    /// A query finished: the table shows its rows, or the summary line its error.
    void refreshed();
    /// A row was double-clicked: show its requests.
    void requestsWanted(const DayRange &range, const QVector<Storage::SpendFilter> &filters);

private:
    void refresh();
    void applyColumns();
    QVector<Storage::Dimension> groupBy() const;
    Storage::SpendReport visibleReport() const;

    QString m_ledgerPath;
    DayRange m_range;
    QVector<Storage::SpendFilter> m_filters;
    std::optional<DayRange> m_previous;
    QSet<int> m_hiddenMetrics; ///< SpendTableModel::Metric values the user turned off
    QComboBox *m_dimensions[3] = {};
    QLineEdit *m_filter = nullptr;
    QLabel *m_summary = nullptr;
    SpendTableModel *m_model = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QTableView *m_view = nullptr;
    Storage::SpendReport m_report;
    LatestOnly m_latest;
};

} // namespace CostGov::Ui

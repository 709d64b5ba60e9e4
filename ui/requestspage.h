#pragma once

#include "background.h"

#include "common/daterange.h"
#include "storage/requestlist.h"

#include <QAbstractTableModel>
#include <QWidget>

class QLabel;
class QPushButton;
class QTableView;
class QTextBrowser;

namespace CostGov::Ui {

/// Stored requests, a page at a time: the view asks for more as it scrolls (fetchMore), and each
/// page is read on a worker thread, so the table never waits for the ledger.
class RequestsModel final : public QAbstractTableModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RequestsModel)

public:
    enum Column {
        Time,
        Cost,
        Model,
        Team,
        Feature,
        User,
        Input,
        Output,
        CacheRead,
        Latency,
        Provider,
        Environment,
        RequestId,
        ColumnCount
    };
    static constexpr int kPageSize = 500;

    RequestsModel(const QString &ledgerPath, QObject *parent = nullptr);

    /// Starts over with what passes the range and filters.
    void reset(const DayRange &range, const QVector<Storage::SpendFilter> &filters);
    const Storage::RequestRow &request(int row) const { return m_rows[row]; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

signals:
    /// A page arrived (or failed: error is set).
    void pageLoaded(const QString &error);

private:
    QString m_ledgerPath;
    DayRange m_range;
    QVector<Storage::SpendFilter> m_filters;
    QVector<Storage::RequestRow> m_rows;
    std::optional<Storage::RequestCursor> m_cursor; ///< where the next page starts; nullopt: the first
    bool m_more = false;                            ///< pages remain
    bool m_loading = false;
    LatestOnly m_latest;
};

/// The raw requests behind the window's range and filters (or a row of the Explorer), with every
/// stored field of the selected one.
class RequestsPage final : public QWidget {
    Q_OBJECT

public:
    explicit RequestsPage(const QString &ledgerPath, QWidget *parent = nullptr);

    /// The window's range and filters; drops a selection shown with showSelection.
    void setScope(const DayRange &range, const QVector<Storage::SpendFilter> &filters);
    /// The requests of one Explorer row: a narrower range and more filters, until "Show All".
    void showSelection(const DayRange &range, const QVector<Storage::SpendFilter> &filters);
    RequestsModel *model() const { return m_model; }
    /// Every stored field of a request, as the detail pane shows it (HTML).
    static QString detailHtml(const Storage::RequestRow &request);

signals:
    void refreshed();

private:
    void load(const DayRange &range, const QVector<Storage::SpendFilter> &filters);
    void showDetail();

    QString m_ledgerPath;
    DayRange m_range;
    QVector<Storage::SpendFilter> m_filters;
    RequestsModel *m_model = nullptr;
    QTableView *m_view = nullptr;
    QTextBrowser *m_detail = nullptr;
    QLabel *m_summary = nullptr;
    QLabel *m_selection = nullptr;
    QPushButton *m_showAll = nullptr;
    qint64 m_total = 0;
    LatestOnly m_latestCount;
};

} // namespace CostGov::Ui

#include "explorerpage.h"

#include "background.h"
#include "moneytext.h"
#include "spendtablemodel.h"

#include "common/money.h"
#include "common/settings.h"
#include "common/timeutil.h"
#include "storage/spendformat.h"

#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

namespace CostGov::Ui {

using Storage::Dimension;

ExplorerPage::ExplorerPage(const QString &ledgerPath, QWidget *parent) : QWidget(parent), m_ledgerPath(ledgerPath)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *bar = new QHBoxLayout;
    auto *groupLabel = new QLabel(tr("&Group by:"));
    bar->addWidget(groupLabel);
    const QStringList saved = Settings::get(SettingKeys::ExplorerGroupBy).split(QLatin1Char(','));
    for (int i = 0; i < 3; ++i) {
        auto *combo = new QComboBox;
        combo->setObjectName(QStringLiteral("groupBy%1").arg(i));
        if (i > 0)
            combo->addItem(tr("(none)"), QString());
        for (int d = 0; d <= int(Dimension::Source); ++d)
            combo->addItem(SpendTableModel::dimensionLabel(Dimension(d)), Storage::dimensionName(Dimension(d)));
        combo->setCurrentIndex(std::max(0, combo->findData(saved.value(i))));
        connect(combo, &QComboBox::currentIndexChanged, this, [this] {
            QStringList names;
            for (Dimension d : groupBy())
                names.append(Storage::dimensionName(d));
            Settings::set(SettingKeys::ExplorerGroupBy, names.join(QLatin1Char(',')));
            refresh();
        });
        m_dimensions[i] = combo;
        bar->addWidget(combo);
    }
    groupLabel->setBuddy(m_dimensions[0]);
    m_filter = new QLineEdit;
    m_filter->setObjectName(QStringLiteral("explorerFilter"));
    m_filter->setPlaceholderText(tr("Filter rows"));
    m_filter->setClearButtonEnabled(true);
    bar->addWidget(m_filter, 1);
    // Which metric columns show, remembered between runs.
    auto *columns = new QToolButton;
    columns->setObjectName(QStringLiteral("explorerColumns"));
    columns->setText(tr("&Columns"));
    columns->setPopupMode(QToolButton::InstantPopup);
    auto *columnMenu = new QMenu(columns);
    const QStringList hidden = Settings::get(SettingKeys::ExplorerHiddenMetrics).split(QLatin1Char(','));
    for (int m = 0; m < SpendTableModel::MetricCount; ++m) {
        QAction *action = columnMenu->addAction(SpendTableModel::metricLabel(SpendTableModel::Metric(m)));
        action->setCheckable(true);
        action->setChecked(!hidden.contains(SpendTableModel::metricName(SpendTableModel::Metric(m))));
        if (!action->isChecked())
            m_hiddenMetrics.insert(m);
        connect(action, &QAction::toggled, this, [this, m](bool shown) {
            if (shown)
                m_hiddenMetrics.remove(m);
            else
                m_hiddenMetrics.insert(m);
            QStringList names;
            for (int h : std::as_const(m_hiddenMetrics))
                names.append(SpendTableModel::metricName(SpendTableModel::Metric(h)));
            names.sort();
            Settings::set(SettingKeys::ExplorerHiddenMetrics, names.join(QLatin1Char(',')));
            applyColumns();
        });
    }
    columns->setMenu(columnMenu);
    bar->addWidget(columns);
    auto *exportButton = new QPushButton(tr("&Export CSV..."));
    bar->addWidget(exportButton);
    layout->addLayout(bar);

    m_summary = new QLabel;
    layout->addWidget(m_summary);

    m_model = new SpendTableModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(SpendTableModel::RawValueRole);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(-1); // any column: the group values
    m_view = new QTableView;
    m_view->setObjectName(QStringLiteral("explorerView"));
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(-1, Qt::DescendingOrder); // the report's order until a header is clicked
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->verticalHeader()->hide();
    layout->addWidget(m_view, 1);

    m_view->setToolTip(tr("Double-click a row to see its requests."));
    connect(m_model, &QAbstractItemModel::modelReset, this, &ExplorerPage::applyColumns);
    connect(m_view, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        const auto [range, filters] = rowSelection(index.row());
        emit requestsWanted(range, filters);
    });
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(exportButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export the Table"),
                                                          QStringLiteral("spend-%1.csv").arg(isoDate(m_range.from)),
                                                          tr("CSV files (*.csv)"));
        QString error;
        if (!path.isEmpty() && !exportCsv(path, &error))
            QMessageBox::warning(this, tr("Export Failed"), error);
    });
}

void ExplorerPage::setScope(const DayRange &range, const QVector<Storage::SpendFilter> &filters,
                            const std::optional<DayRange> &previous)
{
    m_range = range;
    m_filters = filters;
    m_previous = previous;
    refresh(); // also after an import: the rollups are cheap to read
}

void ExplorerPage::setGroupBy(const QVector<Dimension> &dimensions)
{
    for (int i = 0; i < 3; ++i) {
        const QString name = i < dimensions.size() ? Storage::dimensionName(dimensions[i]) : QString();
        const QSignalBlocker block(m_dimensions[i]);
        m_dimensions[i]->setCurrentIndex(std::max(0, m_dimensions[i]->findData(name)));
    }
    refresh();
}

void ExplorerPage::applyColumns()
{
    const int dims = int(m_model->report().groupBy.size());
    for (int m = 0; m < SpendTableModel::MetricCount; ++m)
        m_view->setColumnHidden(dims + m, m_hiddenMetrics.contains(m));
}

QVector<Dimension> ExplorerPage::groupBy() const
{
    QVector<Dimension> dimensions;
    for (QComboBox *combo : m_dimensions) {
        const auto d = Storage::dimensionFromName(combo->currentData().toString());
        if (d && !dimensions.contains(*d))
            dimensions.append(*d);
    }
    return dimensions;
}

namespace {

struct Pivot {
    Storage::SpendReport now;
    std::optional<Storage::SpendReport> before; ///< the previous period, when compared
};

} // namespace

void ExplorerPage::refresh()
{
    Storage::SpendQuery query;
    query.fromDay = m_range.from;
    query.toDay = m_range.to;
    query.groupBy = groupBy();
    query.filters = m_filters;
    const int ticket = m_latest.next();
    m_summary->setText(tr("Loading..."));
    inBackground(
        this, m_ledgerPath,
        [query, previous = m_previous](Storage::Ledger &ledger) -> Result<Pivot> {
            Pivot pivot;
            auto now = Storage::runSpendQuery(ledger, query);
            if (!now.ok())
                return now.error();
            pivot.now = *now;
            if (previous) {
                Storage::SpendQuery before = query;
                before.fromDay = previous->from;
                before.toDay = previous->to;
                auto then = Storage::runSpendQuery(ledger, before);
                if (!then.ok())
                    return then.error();
                pivot.before = *then;
            }
            return pivot;
        },
        [this, ticket](const Result<Pivot> &pivot) {
            if (!m_latest.isCurrent(ticket))
                return; // a newer query is on its way
            if (!pivot.ok()) {
                m_summary->setText(tr("The ledger cannot be read: %1").arg(pivot.error().message));
                emit refreshed();
                return;
            }
            m_report = pivot->now;
            m_model->setReport(m_report, pivot->before);
            const QLocale locale;
            const Storage::SpendMetrics &t = m_report.totals;
            QString summary = tr("%1 rows · %2 requests · %3")
                                  .arg(locale.toString(m_report.rows.size()), locale.toString(t.requests),
                                       t.costUnknown() ? tr("unpriced") : moneyText(locale, t.costNano));
            if (t.unpricedRequests > 0 && !t.costUnknown())
                summary += tr(" (%1 requests without a price are not in it)").arg(locale.toString(t.unpricedRequests));
            m_summary->setText(summary);
            emit refreshed();
        });
}

std::pair<DayRange, QVector<Storage::SpendFilter>> ExplorerPage::rowSelection(int row) const
{
    const Storage::SpendRow &source = m_report.rows[m_proxy->mapToSource(m_proxy->index(row, 0)).row()];
    DayRange range = m_range;
    QVector<Storage::SpendFilter> filters = m_filters;
    for (qsizetype i = 0; i < m_report.groupBy.size(); ++i) {
        const Dimension d = m_report.groupBy[i];
        const QString &key = source.keys[i];
        if (isTimeDimension(d)) {
            // The row's day, week or month, within the window's range.
            const auto first = parseDate((d == Dimension::Month ? key + QStringLiteral("-01") : key).toStdString());
            if (!first)
                continue;
            const qint64 last = d == Dimension::Day ? *first
                : d == Dimension::Week              ? *first + 6
                                                    : *first + daysInMonth(*first) - 1;
            range = {std::max(range.from, *first), std::min(range.to, last)};
            continue;
        }
        const auto it = std::find_if(filters.begin(), filters.end(),
                                     [d](const Storage::SpendFilter &f) { return f.dimension == d; });
        if (it != filters.end())
            it->values = {key};
        else
            filters.append({d, {key}});
    }
    return {range, filters};
}

Storage::SpendReport ExplorerPage::visibleReport() const
{
    Storage::SpendReport visible;
    visible.groupBy = m_report.groupBy;
    for (int row = 0; row < m_proxy->rowCount(); ++row) {
        const Storage::SpendRow &source = m_report.rows[m_proxy->mapToSource(m_proxy->index(row, 0)).row()];
        visible.rows.append(source);
        visible.totals.add(source.metrics);
    }
    return visible;
}

bool ExplorerPage::exportCsv(const QString &path, QString *error) const
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(Storage::spendReportCsv(visibleReport())) < 0
        || !file.commit()) {
        if (error)
            *error = tr("Cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace CostGov::Ui

#include "requestspage.h"

#include "moneytext.h"
#include "spendtablemodel.h"

#include "common/timeutil.h"
#include "storage/ledger.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
#include <QTimeZone>
#include <QVBoxLayout>

namespace CostGov::Ui {

namespace {

QString timeText(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::utc()).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
}

QString filtersText(const QVector<Storage::SpendFilter> &filters)
{
    QStringList parts;
    for (const Storage::SpendFilter &f : filters) {
        QStringList values;
        for (const QString &v : f.values)
            values.append(v.isEmpty() ? SpendTableModel::tr("(none)") : v);
        parts.append(SpendTableModel::dimensionLabel(f.dimension) + QStringLiteral(": ")
                     + values.join(QStringLiteral(", ")));
    }
    return parts.join(QStringLiteral(" · "));
}

} // namespace

RequestsModel::RequestsModel(const QString &ledgerPath, QObject *parent)
    : QAbstractTableModel(parent), m_ledgerPath(ledgerPath)
{}

void RequestsModel::reset(const DayRange &range, const QVector<Storage::SpendFilter> &filters)
{
    beginResetModel();
    m_range = range;
    m_filters = filters;
    m_rows.clear();
    m_cursor.reset();
    m_more = true;
    m_loading = false;
    m_latest.next(); // a page still on its way belongs to the old scope
    endResetModel();
    fetchMore({});
}

int RequestsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RequestsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

bool RequestsModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && m_more && !m_loading;
}

void RequestsModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    m_loading = true;
    const int ticket = m_latest.next();
    const DayRange range = m_range;
    const QVector<Storage::SpendFilter> filters = m_filters;
    const std::optional<Storage::RequestCursor> cursor = m_cursor;
    inBackground(
        this, m_ledgerPath,
        [range, filters, cursor](Storage::Ledger &ledger) {
            return Storage::listRequests(ledger, range, filters, cursor, kPageSize);
        },
        [this, ticket](const Result<Storage::RequestPage> &page) {
            if (!m_latest.isCurrent(ticket))
                return;
            m_loading = false;
            if (!page.ok()) {
                m_more = false;
                emit pageLoaded(page.error().message);
                return;
            }
            if (!page->rows.isEmpty()) {
                beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + page->rows.size() - 1));
                m_rows += page->rows;
                endInsertRows();
            }
            m_cursor = page->next;
            m_more = page->next.has_value();
            emit pageLoaded({});
        });
}

QVariant RequestsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Storage::RequestRow &r = m_rows[index.row()];
    const auto column = Column(index.column());
    if (role == Qt::TextAlignmentRole) {
        const bool number = column == Cost || (column >= Input && column <= Latency);
        return number ? QVariant(int(Qt::AlignRight | Qt::AlignVCenter)) : QVariant();
    }
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    const QLocale locale;
    switch (column) {
    case Time:
        return timeText(r.tsMs);
    case Provider:
        return r.provider;
    case Model:
        return r.model;
    case Team:
        return r.team;
    case Feature:
        return r.feature;
    case User:
        return r.user;
    case Environment:
        return r.environment;
    case Input:
        return locale.toString(r.inputTokens);
    case Output:
        return locale.toString(r.outputTokens);
    case CacheRead:
        return locale.toString(r.cacheReadTokens);
    case Cost:
        if (!r.cost)
            return tr("unpriced");
        return role == Qt::ToolTipRole ? QString(QStringLiteral("$") + usdText(*r.cost))
                                       : moneyText(locale, *r.cost, 5);
    case Latency:
        return r.latencyMs ? tr("%1 ms").arg(locale.toString(*r.latencyMs)) : QString();
    case RequestId:
        return r.requestId;
    case ColumnCount:
        break;
    }
    return {};
}

QVariant RequestsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Time:
        return tr("Time (UTC)");
    case Provider:
        return SpendTableModel::dimensionLabel(Storage::Dimension::Provider);
    case Model:
        return SpendTableModel::dimensionLabel(Storage::Dimension::Model);
    case Team:
        return SpendTableModel::dimensionLabel(Storage::Dimension::Team);
    case Feature:
        return SpendTableModel::dimensionLabel(Storage::Dimension::Feature);
    case User:
        return SpendTableModel::dimensionLabel(Storage::Dimension::User);
    case Environment:
        return SpendTableModel::dimensionLabel(Storage::Dimension::Environment);
    case Input:
        return tr("Input");
    case Output:
        return tr("Output");
    case CacheRead:
        return tr("Cache read");
    case Cost:
        return tr("Cost");
    case Latency:
        return tr("Latency");
    case RequestId:
        return tr("Request ID");
    case ColumnCount:
        break;
    }
    return {};
}

RequestsPage::RequestsPage(const QString &ledgerPath, QWidget *parent) : QWidget(parent), m_ledgerPath(ledgerPath)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *bar = new QHBoxLayout;
    m_summary = new QLabel;
    m_summary->setObjectName(QStringLiteral("requestsSummary"));
    bar->addWidget(m_summary, 1);
    m_selection = new QLabel;
    m_selection->setObjectName(QStringLiteral("requestsSelection"));
    bar->addWidget(m_selection);
    m_showAll = new QPushButton(tr("Show &All"));
    m_showAll->setToolTip(tr("Back to the window's range and filters"));
    m_showAll->setVisible(false);
    connect(m_showAll, &QPushButton::clicked, this, [this] { setScope(m_range, m_filters); });
    bar->addWidget(m_showAll);
    layout->addLayout(bar);

    m_model = new RequestsModel(m_ledgerPath, this);
    m_view = new QTableView;
    m_view->setObjectName(QStringLiteral("requestsView"));
    m_view->setModel(m_model);
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setAccessibleName(tr("Requests"));
    m_detail = new QTextBrowser;
    m_detail->setObjectName(QStringLiteral("requestDetail"));
    m_detail->setPlaceholderText(tr("Select a request to see every stored field."));
    m_detail->setAccessibleName(tr("Request details"));
    auto *splitter = new QSplitter;
    splitter->addWidget(m_view);
    splitter->addWidget(m_detail);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    layout->addWidget(splitter, 1);

    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &RequestsPage::showDetail);
    connect(m_model, &RequestsModel::modelReset, m_detail, &QTextBrowser::clear);
    connect(m_model, &RequestsModel::pageLoaded, this, [this](const QString &error) {
        const QLocale locale;
        if (!error.isEmpty()) {
            m_summary->setText(tr("The ledger cannot be read: %1").arg(error));
        } else {
            m_summary->setText(tr("%1 requests · %2 loaded (newest first; more load as you scroll)")
                                   .arg(locale.toString(m_total), locale.toString(m_model->rowCount())));
            // Sized to the first page once; the user's widths stay after that.
            if (m_model->rowCount() == std::min<qint64>(m_total, RequestsModel::kPageSize)) {
                m_view->resizeColumnsToContents();
                if (m_model->rowCount() > 0 && !m_view->currentIndex().isValid())
                    m_view->setCurrentIndex(m_model->index(0, 0));
            }
        }
        emit refreshed();
    });
}

void RequestsPage::setScope(const DayRange &range, const QVector<Storage::SpendFilter> &filters)
{
    m_range = range;
    m_filters = filters;
    m_selection->clear();
    m_showAll->setVisible(false);
    load(range, filters);
}

void RequestsPage::showSelection(const DayRange &range, const QVector<Storage::SpendFilter> &filters)
{
    const QString days = range.from == range.to ? isoDate(range.from)
                                                : QStringLiteral("%1 – %2").arg(isoDate(range.from), isoDate(range.to));
    m_selection->setText(tr("Selection: %1 · %2").arg(days, filtersText(filters)));
    m_showAll->setVisible(true);
    load(range, filters);
}

void RequestsPage::load(const DayRange &range, const QVector<Storage::SpendFilter> &filters)
{
    m_summary->setText(tr("Loading..."));
    // The count comes from the rollups; the rows page by page from the requests.
    const int ticket = m_latestCount.next();
    Storage::SpendQuery query;
    query.fromDay = range.from;
    query.toDay = range.to;
    query.filters = filters;
    inBackground(
        this, m_ledgerPath, [query](Storage::Ledger &ledger) { return Storage::runSpendQuery(ledger, query); },
        [this, ticket, range, filters](const Result<Storage::SpendReport> &report) {
            if (!m_latestCount.isCurrent(ticket))
                return;
            m_total = report.ok() ? report->totals.requests : 0;
            m_model->reset(range, filters);
        });
}

void RequestsPage::showDetail()
{
    const QModelIndex current = m_view->currentIndex();
    if (!current.isValid()) {
        m_detail->clear();
        return;
    }
    m_detail->setHtml(detailHtml(m_model->request(current.row())));
}

QString RequestsPage::detailHtml(const Storage::RequestRow &r)
{
    const QLocale locale;
    using Storage::Dimension;
    const int costSource = r.flags & Storage::RequestFlags::CostSourceMask;
    const QString costText = r.cost ? QStringLiteral("$") + usdText(*r.cost) : tr("unpriced");
    const std::pair<QString, QString> fields[] = {
        {tr("Request ID"), r.requestId},
        {tr("Time (UTC)"), timeText(r.tsMs)},
        {SpendTableModel::dimensionLabel(Dimension::Provider), r.provider},
        {SpendTableModel::dimensionLabel(Dimension::Model), r.model},
        {tr("Requested model"), r.requestedModel},
        {SpendTableModel::dimensionLabel(Dimension::Team), r.team},
        {SpendTableModel::dimensionLabel(Dimension::Feature), r.feature},
        {SpendTableModel::dimensionLabel(Dimension::User), r.user},
        {SpendTableModel::dimensionLabel(Dimension::Environment), r.environment},
        {SpendTableModel::dimensionLabel(Dimension::Project), r.project},
        {tr("Route"), r.route},
        {tr("Status"), r.status},
        {SpendTableModel::dimensionLabel(Dimension::Source), r.source},
        {tr("Input tokens"), locale.toString(r.inputTokens)},
        {tr("Output tokens"), locale.toString(r.outputTokens)},
        {tr("Cache read tokens"), locale.toString(r.cacheReadTokens)},
        {tr("Cache write tokens"), locale.toString(r.cacheWriteTokens)},
        {tr("of which 1 h cache writes"), locale.toString(r.cacheWrite1hTokens)},
        {tr("Cost"), costText},
        {tr("Cost from"),
         costSource == 1       ? tr("the source's log")
             : costSource == 2 ? tr("the price catalog")
                               : tr("–")},
        {tr("Cache hit"), r.flags & Storage::RequestFlags::CacheHit ? tr("yes") : tr("no")},
        {tr("Batch"), r.flags & Storage::RequestFlags::Batch ? tr("yes") : tr("no")},
        {tr("Error"), r.flags & Storage::RequestFlags::Error ? tr("yes") : tr("no")},
        {tr("Latency"), r.latencyMs ? tr("%1 ms").arg(locale.toString(*r.latencyMs)) : tr("not reported")},
        {tr("Tags"), r.tagsJson},
        {tr("Import"), QStringLiteral("#%1").arg(r.importId)},
    };
    QString html = QStringLiteral("<table cellspacing=\"2\">");
    for (const auto &[name, value] : fields) {
        html += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>")
                    .arg(name.toHtmlEscaped(), value.isEmpty() ? tr("(none)") : value.toHtmlEscaped());
    }
    return html + QStringLiteral("</table>");
}

} // namespace CostGov::Ui

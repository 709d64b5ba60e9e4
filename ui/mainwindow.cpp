#include "mainwindow.h"

#include "spendtablemodel.h"

#include "alertcenter.h"
#include "alertspage.h"
#include "background.h"
#include "billingpage.h"
#include "chargebackpage.h"
#include "connectionspanel.h"
#include "explorerpage.h"
#include "filterbar.h"
#include "kpitile.h"
#include "moneytext.h"
#include "policiespage.h"
#include "pricespage.h"
#include "requestspage.h"
#include "sourcestables.h"
#include "spendchart.h"
#include "watchedfolders.h"

#include "billing/billing.h"
#include "common/daterange.h"
#include "common/money.h"
#include "common/settings.h"
#include "common/timeutil.h"
#include "ingest/demodata.h"
#include "storage/ledger.h"
#include "storage/ledgerqueries.h"
#include "storage/overview.h"
#include "storage/spendquery.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateEdit>
#include <QDateTime>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QScreen>
#include <QSortFilterProxyModel>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTableView>
#include <QThreadPool>
#include <QTimer>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

#include <utility>

namespace CostGov::Ui {

namespace {

enum Page {
    PageOverview,
    PageExplorer,
    PageRequests,
    PageSources,
    PagePrices,
    PageBilling,
    PageAlerts,
    PageChargeback,
    PagePolicies
};

// The Overview's top tables, left to right.
constexpr Storage::Dimension kTopDimensions[] = {Storage::Dimension::Team, Storage::Dimension::Feature,
                                                 Storage::Dimension::Model, Storage::Dimension::User};

} // namespace

MainWindow::MainWindow(const QString &ledgerPath, const Clock &clock, QWidget *parent)
    : QMainWindow(parent), m_ledgerPath(ledgerPath), m_clock(clock)
{
    setWindowTitle(tr("Cost Governor"));
    setMinimumSize(900, 560);
    setAcceptDrops(true); // files and folders dropped on the window are imported
    m_syncService = new SyncService(m_ledgerPath, m_clock, this);
    m_alertCenter = new AlertCenter(m_ledgerPath, m_clock, this, this);

    m_navigation = new QListWidget;
    m_navigation->setObjectName(QStringLiteral("navigation"));
    m_navigation->addItem(tr("Overview"));
    m_navigation->addItem(tr("Explorer"));
    m_navigation->addItem(tr("Requests"));
    m_navigation->addItem(tr("Sources"));
    m_navigation->addItem(tr("Prices"));
    m_navigation->addItem(tr("Billing"));
    m_navigation->addItem(tr("Alerts"));
    m_navigation->addItem(tr("Chargeback"));
    m_navigation->addItem(tr("Policies"));
    m_navigation->setFixedWidth(150);
    m_navigation->setAccessibleName(tr("Pages"));

    m_pages = new QStackedWidget;
    m_pages->addWidget(buildOverviewPage());
    m_explorer = new ExplorerPage(m_ledgerPath);
    connect(m_explorer, &ExplorerPage::refreshed, this, [this] { pageRefreshed(ExplorerDone); });
    m_pages->addWidget(m_explorer);
    m_requests = new RequestsPage(m_ledgerPath);
    connect(m_requests, &RequestsPage::refreshed, this, [this] { pageRefreshed(RequestsDone); });
    connect(m_explorer, &ExplorerPage::requestsWanted, this,
            [this](const DayRange &range, const QVector<Storage::SpendFilter> &filters) {
                m_requests->showSelection(range, filters);
                m_navigation->setCurrentRow(PageRequests);
            });
    m_pages->addWidget(m_requests);
    m_pages->addWidget(buildSourcesPage());
    m_prices = new PricesPage(m_ledgerPath, m_clock);
    connect(m_prices, &PricesPage::refreshed, this, [this] { pageRefreshed(PricesDone); });
    connect(m_prices, &PricesPage::pricesChanged, this, [this](const QString &summary) {
        statusBar()->showMessage(summary, 10000);
        refresh();
        m_alertCenter->evaluate();
    });
    m_pages->addWidget(m_prices);
    m_billing = new BillingPage(m_ledgerPath, m_clock, *m_syncService);
    connect(m_billing, &BillingPage::refreshed, this, [this] { pageRefreshed(BillingDone); });
    m_pages->addWidget(m_billing);
    m_alerts = new AlertsPage(m_ledgerPath, m_clock, *m_alertCenter);
    connect(m_alerts, &AlertsPage::refreshed, this, [this] { pageRefreshed(AlertsDone); });
    m_pages->addWidget(m_alerts);
    m_chargeback = new ChargebackPage(m_ledgerPath, m_clock);
    connect(m_chargeback, &ChargebackPage::refreshed, this, [this] { pageRefreshed(ChargebackDone); });
    m_pages->addWidget(m_chargeback);
    m_policies = new PoliciesPage(m_ledgerPath, m_clock);
    connect(m_policies, &PoliciesPage::refreshed, this, [this] { pageRefreshed(PoliciesDone); });
    m_pages->addWidget(m_policies);
    connect(m_navigation, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);

    // Alerts: evaluated after every sync (and import, see showImportResult) and on a timer; a
    // click on a tray message opens the alert.
    connect(m_syncService, &SyncService::syncFinished, m_alertCenter, &AlertCenter::evaluate);
    connect(m_alertCenter, &AlertCenter::openAlert, this, [this](qint64 rule, const QString &group) {
        showNormal();
        raise();
        activateWindow();
        m_navigation->setCurrentRow(PageAlerts);
        if (rule != 0)
            m_alerts->showAlert(rule, group);
    });
    connect(m_alertCenter, &AlertCenter::notice, this, [this](const QString &title, const QString &message) {
        if (m_alertCenter->trayShown())
            return; // the tray shows it
        m_notice->setText(QStringLiteral("<b>%1</b> %2 <a href=\"alerts\">Show</a>")
                              .arg(title.toHtmlEscaped(), message.toHtmlEscaped()));
        m_notice->setVisible(true);
    });
    connect(m_alertCenter, &AlertCenter::quitRequested, this, [this] {
        m_quitting = true;
        close();
    });

    // The date range and its comparison hold for every page, remembered between runs.
    auto *rangeBar = new QHBoxLayout;
    m_range = new QComboBox;
    m_range->setObjectName(QStringLiteral("range"));
    const std::pair<RangePreset, QString> presets[] = {
        {RangePreset::Today, tr("Today")},
        {RangePreset::Last7Days, tr("Last 7 days")},
        {RangePreset::Last30Days, tr("Last 30 days")},
        {RangePreset::MonthToDate, tr("Month to date")},
        {RangePreset::LastMonth, tr("Last month")},
        {RangePreset::QuarterToDate, tr("Quarter to date")},
    };
    for (const auto &[preset, label] : presets)
        m_range->addItem(label, presetName(preset));
    m_range->addItem(tr("Custom..."), presetName(RangePreset::Custom));
    const int saved = m_range->findData(Settings::get(SettingKeys::OverviewRange));
    m_range->setCurrentIndex(saved >= 0 ? saved : m_range->findData(presetName(RangePreset::Last30Days)));
    auto *rangeLabel = new QLabel(tr("&Range:"));
    rangeLabel->setBuddy(m_range);
    m_compare = new QCheckBox(tr("&Compare to previous period"));
    m_compare->setChecked(Settings::get(SettingKeys::CompareToPrevious));
    m_rangeDays = new QLabel;
    m_editRange = new QToolButton;
    m_editRange->setText(tr("Change Dates..."));
    connect(m_editRange, &QToolButton::clicked, this, &MainWindow::chooseCustomRange);
    for (QWidget *w : std::initializer_list<QWidget *>{rangeLabel, m_range, m_rangeDays, m_editRange, m_compare})
        rangeBar->addWidget(w);
    rangeBar->addStretch(1);
    connect(m_range, &QComboBox::currentIndexChanged, this, [this] {
        const QString chosen = m_range->currentData().toString();
        if (chosen == presetName(RangePreset::Custom)) {
            chooseCustomRange();
            return;
        }
        m_previousRange = chosen;
        Settings::set(SettingKeys::OverviewRange, chosen);
        refresh();
    });
    m_previousRange = m_range->currentData().toString();

    connect(m_compare, &QCheckBox::toggled, this, [this](bool on) {
        Settings::set(SettingKeys::CompareToPrevious, on);
        refresh();
    });

    m_filterBar = new FilterBar(m_ledgerPath);
    connect(m_filterBar, &FilterBar::changed, this, &MainWindow::refresh);

    auto *central = new QWidget;
    auto *layout = new QHBoxLayout(central);
    layout->addWidget(m_navigation);
    auto *right = new QVBoxLayout;
    // Where there is no system tray, notifications show here.
    m_notice = new QLabel;
    m_notice->setObjectName(QStringLiteral("alertNotice"));
    m_notice->setWordWrap(true);
    m_notice->setStyleSheet(QStringLiteral("QLabel { background: #fbe3e0; color: #5c1a14; padding: 6px; "
                                           "border: 1px solid #d9483b; border-radius: 3px; }"));
    m_notice->setVisible(false);
    connect(m_notice, &QLabel::linkActivated, this, [this] {
        m_notice->setVisible(false);
        m_navigation->setCurrentRow(PageAlerts);
    });
    right->addWidget(m_notice);
    // The range and filters: hidden on the pages they do not apply to (Billing, Alerts, Chargeback, Policies).
    auto *scopeBar = new QWidget;
    auto *scopeLayout = new QVBoxLayout(scopeBar);
    scopeLayout->setContentsMargins(0, 0, 0, 0);
    scopeLayout->addLayout(rangeBar);
    scopeLayout->addWidget(m_filterBar);
    right->addWidget(scopeBar);
    connect(m_navigation, &QListWidget::currentRowChanged, scopeBar, [scopeBar](int page) {
        scopeBar->setVisible(page != PageBilling && page != PageAlerts && page != PageChargeback
                             && page != PagePolicies);
    });
    right->addWidget(m_pages, 1);
    layout->addLayout(right, 1);
    setCentralWidget(central);

    m_ledgerStatus = new QLabel;
    m_ledgerStatus->setObjectName(QStringLiteral("ledgerStatus"));
    statusBar()->addPermanentWidget(m_ledgerStatus);
    buildMenus();

    if (!restoreGeometry(Settings::get(SettingKeys::MainWindowGeometry))) {
        // First start: a comfortable size that still fits small screens.
        const QSize available = screen()->availableGeometry().size() * 0.9;
        resize(QSize(1280, 800).boundedTo(available));
    }
    m_navigation->setCurrentRow(qBound(0, Settings::get(SettingKeys::LastPage), m_pages->count() - 1));
    refresh();
    m_alertCenter->evaluate();
}

MainWindow::~MainWindow() = default;

DayRange MainWindow::currentRange() const
{
    const auto preset = presetFromName(m_range->currentData().toString()).value_or(RangePreset::Last30Days);
    const qint64 today = utcDay(m_clock.nowMs());
    if (preset == RangePreset::Custom) {
        const auto from = parseDate(Settings::get(SettingKeys::CustomRangeFrom).toStdString());
        const auto to = parseDate(Settings::get(SettingKeys::CustomRangeTo).toStdString());
        if (from && to && *from <= *to)
            return {*from, *to};
        return presetRange(RangePreset::Last30Days, today);
    }
    return presetRange(preset, today);
}

void MainWindow::setCustomRange(const DayRange &range)
{
    Settings::set(SettingKeys::CustomRangeFrom, isoDate(range.from));
    Settings::set(SettingKeys::CustomRangeTo, isoDate(range.to));
    m_previousRange = presetName(RangePreset::Custom);
    Settings::set(SettingKeys::OverviewRange, m_previousRange);
    const QSignalBlocker block(m_range);
    m_range->setCurrentIndex(m_range->findData(m_previousRange));
    refresh();
}

void MainWindow::chooseCustomRange()
{
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Custom Date Range"));
    auto *form = new QFormLayout(&dialog);
    const DayRange shown = currentRange();
    auto dateEdit = [](qint64 day) {
        auto *edit = new QDateEdit(QDate::fromString(isoDate(day), Qt::ISODate));
        edit->setCalendarPopup(true);
        edit->setDisplayFormat(QStringLiteral("yyyy-MM-dd"));
        return edit;
    };
    QDateEdit *from = dateEdit(shown.from);
    QDateEdit *to = dateEdit(shown.to);
    form->addRow(tr("&From:"), from);
    form->addRow(tr("&To (inclusive):"), to);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    auto check = [&] { buttons->button(QDialogButtonBox::Ok)->setEnabled(from->date() <= to->date()); };
    connect(from, &QDateEdit::dateChanged, &dialog, check);
    connect(to, &QDateEdit::dateChanged, &dialog, check);
    if (dialog.exec() != QDialog::Accepted) {
        const QSignalBlocker block(m_range); // back to what was shown
        m_range->setCurrentIndex(m_range->findData(m_previousRange));
        return;
    }
    const auto day = [](const QDate &d) { return *parseDate(d.toString(Qt::ISODate).toStdString()); };
    setCustomRange({day(from->date()), day(to->date())});
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *importFiles = file->addAction(tr("&Import Files..."), this, &MainWindow::chooseFiles);
    importFiles->setShortcut(QKeySequence(tr("Ctrl+I")));
    QAction *importFolder = file->addAction(tr("Import &Folder..."), this, &MainWindow::chooseFolder);
    importFolder->setShortcut(QKeySequence(tr("Ctrl+Shift+I")));
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), this, [this] {
        m_quitting = true;
        close();
    });
    quit->setShortcut(QKeySequence::Quit);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    // Every page a keystroke away: Ctrl+1 for the first, and so on.
    for (int page = 0; page < m_navigation->count(); ++page) {
        QAction *go = view->addAction(m_navigation->item(page)->text(), this,
                                      [this, page] { m_navigation->setCurrentRow(page); });
        go->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + page)));
    }
    view->addSeparator();
    QAction *filter = view->addAction(tr("Add &Filter..."), this, [this] {
        m_filterBar->findChild<QToolButton *>(QStringLiteral("addFilter"))->showMenu();
    });
    filter->setShortcut(QKeySequence(tr("Ctrl+Shift+F")));
    QAction *reload = view->addAction(tr("&Refresh"), this, &MainWindow::refresh);
    reload->setShortcut(QKeySequence::Refresh);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Cost Governor"), this, [this] {
        QMessageBox::about(
            this, tr("About Cost Governor"),
            tr("<b>Cost Governor %1</b><p>See, govern and cut what your organisation spends on LLM APIs.</p>"
               "<p>Ledger: %2</p>"
               "<p>Model prices: the genai-prices catalog by Pydantic "
               "(<a href=\"https://github.com/pydantic/genai-prices\">github.com/pydantic/genai-prices</a>), "
               "MIT licence, bundled as of 2026-08-21; update it on the Prices page.</p>")
                .arg(QApplication::applicationVersion(), m_ledgerPath.toHtmlEscaped()));
    });
}

QWidget *MainWindow::buildOverviewPage()
{
    auto *page = new QWidget;
    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 0, 0, 0);

    m_overviewHeadline = new QLabel;
    m_overviewHeadline->setObjectName(QStringLiteral("overviewHeadline"));
    m_overviewHeadline->setWordWrap(true);
    m_overviewHeadline->setTextFormat(Qt::RichText);
    layout->addWidget(m_overviewHeadline);

    m_tilesArea = new QWidget;
    auto *tiles = new QGridLayout(m_tilesArea);
    tiles->setContentsMargins(0, 0, 0, 0);
    using Rise = KpiTile::Rise;
    using Change = KpiTile::Change;
    const std::tuple<Tile, QString, Rise, Change> tileSpecs[] = {
        {SpendTile, tr("Total spend"), Rise::Bad, Change::Relative},
        {RequestsTile, tr("Requests"), Rise::Neutral, Change::Relative},
        {CostPerRequestTile, tr("Cost per request"), Rise::Bad, Change::Relative},
        {CacheHitTile, tr("Cache hit rate"), Rise::Good, Change::Points},
        {EfficiencyTile, tr("Output / input tokens"), Rise::Neutral, Change::Relative},
        {UnpricedTile, tr("Unpriced requests"), Rise::Bad, Change::Relative},
        {ProjectionTile, tr("Month-end projection"), Rise::Bad, Change::Relative},
    };
    for (const auto &[tile, title, rise, change] : tileSpecs) {
        auto *widget = new KpiTile(title, rise, change);
        widget->setObjectName(QStringLiteral("tile%1").arg(int(tile)));
        m_tiles[tile] = widget;
        tiles->addWidget(widget, int(tile) / 4, int(tile) % 4);
    }
    layout->addWidget(m_tilesArea);

    // Spend over time stacked by a chosen dimension, and the same groups' shares as a donut.
    m_chartArea = new QWidget;
    auto *chartLayout = new QVBoxLayout(m_chartArea);
    chartLayout->setContentsMargins(0, 0, 0, 0);
    auto *chartBar = new QHBoxLayout;
    m_chartDimension = new QComboBox;
    m_chartDimension->setObjectName(QStringLiteral("chartDimension"));
    for (Storage::Dimension d :
         {Storage::Dimension::Team, Storage::Dimension::Feature, Storage::Dimension::Model,
          Storage::Dimension::Provider, Storage::Dimension::Environment, Storage::Dimension::Project})
        m_chartDimension->addItem(SpendTableModel::dimensionLabel(d), Storage::dimensionName(d));
    const int savedDimension = m_chartDimension->findData(Settings::get(SettingKeys::OverviewChartDimension));
    m_chartDimension->setCurrentIndex(std::max(0, savedDimension));
    auto *chartLabel = new QLabel(tr("&Daily spend by"));
    chartLabel->setBuddy(m_chartDimension);
    chartBar->addWidget(chartLabel);
    chartBar->addWidget(m_chartDimension);
    chartBar->addStretch(1);
    chartLayout->addLayout(chartBar);
    auto *charts = new QHBoxLayout;
    m_chart = new SpendChart;
    m_chart->setObjectName(QStringLiteral("spendChart"));
    charts->addWidget(m_chart, 3);
    m_breakdown = new BreakdownChart;
    m_breakdown->setObjectName(QStringLiteral("breakdownChart"));
    charts->addWidget(m_breakdown, 1);
    chartLayout->addLayout(charts, 1);
    layout->addWidget(m_chartArea, 3);
    connect(m_chartDimension, &QComboBox::currentIndexChanged, this, [this] {
        Settings::set(SettingKeys::OverviewChartDimension, m_chartDimension->currentData().toString());
        refresh();
    });

    // On an empty ledger: the ways to get data in, instead of empty tables.
    m_firstStart = new QWidget;
    m_firstStart->setObjectName(QStringLiteral("firstStart"));
    auto *firstLayout = new QHBoxLayout(m_firstStart);
    firstLayout->setContentsMargins(0, 0, 0, 0);
    auto *importLogs = new QPushButton(tr("Import Logs..."));
    connect(importLogs, &QPushButton::clicked, this, &MainWindow::chooseFiles);
    auto *connectProvider = new QPushButton(tr("Connect a Provider..."));
    connectProvider->setToolTip(tr("Fetch the bills of OpenAI or Anthropic with an organization admin key."));
    connect(connectProvider, &QPushButton::clicked, this, [this] {
        m_navigation->setCurrentRow(PageSources);
        m_connections->addConnection();
    });
    m_loadDemo = new QPushButton(tr("Load Demo Data"));
    m_loadDemo->setObjectName(QStringLiteral("loadDemo"));
    m_loadDemo->setToolTip(tr("90 days of a made-up organisation's LLM traffic, generated on this computer "
                              "(about 2.4 million requests; takes about 20 seconds)."));
    connect(m_loadDemo, &QPushButton::clicked, this, [this] { loadDemoData(); });
    for (QPushButton *button : {importLogs, connectProvider, m_loadDemo})
        firstLayout->addWidget(button);
    firstLayout->addStretch(1);
    m_firstStart->setVisible(false);
    layout->addWidget(m_firstStart);

    // The biggest teams, features, models and users; a click on a row filters by it.
    m_topArea = new QWidget;
    auto *top = new QHBoxLayout(m_topArea);
    top->setContentsMargins(0, 0, 0, 0);
    for (int i = 0; i < kTopTables; ++i) // model names are the longest
        top->addWidget(buildTopTable(i), kTopDimensions[i] == Storage::Dimension::Model ? 3 : 2);
    layout->addWidget(m_topArea, 3);
    layout->addStretch(0); // takes the room while the tables are hidden (empty ledger)
    return page;
}

QWidget *MainWindow::buildTopTable(int index)
{
    const Storage::Dimension dimension = kTopDimensions[index];
    m_topModels[index] = new SpendTableModel(this);
    m_topModels[index]->setCompactHeaders(true);
    auto *proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(m_topModels[index]);
    proxy->setSortRole(SpendTableModel::RawValueRole);
    auto *view = new QTableView;
    view->setObjectName(QStringLiteral("top-") + Storage::dimensionName(dimension));
    view->setModel(proxy);
    proxy->sort(1 + SpendTableModel::Cost, Qt::DescendingOrder); // the biggest first, always
    view->setAlternatingRowColors(true);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->setWordWrap(false);
    view->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff); // long names are elided instead
    view->verticalHeader()->hide();
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
    view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    view->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    view->horizontalHeader()->setMinimumSectionSize(24);
    // Spend, share and change; for models also the share of requests: the routing distribution.
    // (Set again on every reset: the model has no dimension column while it is empty.)
    connect(m_topModels[index], &QAbstractItemModel::modelReset, view, [view, dimension] {
        for (int m = 0; m < SpendTableModel::MetricCount; ++m) {
            const bool shown = m == SpendTableModel::Cost || m == SpendTableModel::SpendShare
                || m == SpendTableModel::Change
                || (dimension == Storage::Dimension::Model && m == SpendTableModel::RequestShare);
            view->setColumnHidden(1 + m, !shown);
        }
    });
    const QString title = SpendTableModel::dimensionLabel(dimension);
    view->setAccessibleName(tr("Spend by %1").arg(title));
    view->setToolTip(tr("Click a row to show only that %1.").arg(title.toLower()));
    connect(view, &QTableView::activated, this, [this, proxy, dimension](const QModelIndex &clicked) {
        m_filterBar->setValues(dimension,
                               {proxy->index(clicked.row(), 0).data(SpendTableModel::RawValueRole).toString()});
    });
    connect(view, &QTableView::clicked, view, &QTableView::activated);
    return view;
}

QWidget *MainWindow::buildSourcesPage()
{
    auto *page = new QWidget;
    auto *layout = new QVBoxLayout(page);
    auto *intro = new QLabel(tr("Import request logs from LiteLLM, OpenTelemetry GenAI spans, Claude Code sessions, "
                                "Bedrock invocation logs or Cost Governor's own JSONL. Importing a file again adds "
                                "only what is new."));
    intro->setWordWrap(true);
    layout->addWidget(intro);

    auto *buttons = new QHBoxLayout;
    m_importFiles = new QPushButton(tr("Import Files..."));
    m_importFolder = new QPushButton(tr("Import Folder..."));
    m_cancelImport = new QPushButton(tr("Cancel"));
    m_cancelImport->setEnabled(false);
    connect(m_importFiles, &QPushButton::clicked, this, &MainWindow::chooseFiles);
    connect(m_importFolder, &QPushButton::clicked, this, &MainWindow::chooseFolder);
    connect(m_cancelImport, &QPushButton::clicked, this, [this] {
        if (m_cancel)
            m_cancel->store(true);
        m_cancelImport->setEnabled(false);
    });
    buttons->addWidget(m_importFiles);
    buttons->addWidget(m_importFolder);
    buttons->addStretch(1);
    buttons->addWidget(m_cancelImport);
    layout->addLayout(buttons);

    m_importProgress = new QProgressBar;
    m_importProgress->setRange(0, 100);
    m_importProgress->setValue(0);
    m_importProgress->setVisible(false);
    layout->addWidget(m_importProgress);

    m_connections = new ConnectionsPanel(*m_syncService);
    layout->addWidget(m_connections);

    m_watched = new WatchedFolders;
    connect(m_watched, &WatchedFolders::importWanted, this, &MainWindow::importWatched);
    layout->addWidget(m_watched);

    m_sources = new SourcesTables(m_ledgerPath);
    m_importLog = m_sources->log();
    connect(m_sources, &SourcesTables::refreshed, this, [this] { pageRefreshed(SourcesDone); });
    layout->addWidget(m_sources, 1);
    return page;
}

void MainWindow::chooseFiles()
{
    const QStringList files =
        QFileDialog::getOpenFileNames(this, tr("Import Request Logs"), Settings::get(SettingKeys::LastImportFolder),
                                      tr("Request logs (*.jsonl *.json *.csv *.log);;All files (*)"));
    if (files.isEmpty())
        return;
    Settings::set(SettingKeys::LastImportFolder, QFileInfo(files.first()).absolutePath());
    importPaths(files);
}

void MainWindow::chooseFolder()
{
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Import a Folder of Request Logs"),
                                                             Settings::get(SettingKeys::LastImportFolder));
    if (folder.isEmpty())
        return;
    Settings::set(SettingKeys::LastImportFolder, folder);
    importPaths({folder});
}

bool MainWindow::showPage(const QString &name)
{
    const QStringList names{QStringLiteral("overview"), QStringLiteral("explorer"),   QStringLiteral("requests"),
                            QStringLiteral("sources"),  QStringLiteral("prices"),     QStringLiteral("billing"),
                            QStringLiteral("alerts"),   QStringLiteral("chargeback"), QStringLiteral("policies")};
    const qsizetype index = names.indexOf(name);
    if (index < 0)
        return false;
    m_navigation->setCurrentRow(int(index));
    return true;
}

void MainWindow::importPaths(const QStringList &paths)
{
    const Clock *clock = &m_clock;
    runImportJob([paths, clock](Storage::Ledger &ledger, const std::atomic_bool *cancel, const ProgressFn &progress) {
        Ingest::ImportOptions options;
        options.paths = paths;
        options.cancel = cancel;
        options.progress = progress;
        return Ingest::runImport(ledger, options, *clock);
    });
}

void MainWindow::loadDemoData(int days)
{
    m_overviewWhenDone = true; // the point of demo data is the overview
    const Clock *clock = &m_clock;
    runImportJob([days, clock](Storage::Ledger &ledger, const std::atomic_bool *cancel, const ProgressFn &progress) {
        Ingest::DemoOptions options;
        options.days = days;
        options.cancel = cancel;
        options.progress = progress;
        return Ingest::loadDemoData(ledger, options, *clock);
    });
}

void MainWindow::importWatched(const QStringList &folders)
{
    if (m_importRunning) {
        m_watchPending = true; // once this import is done
        return;
    }
    m_automaticImport = true;
    importPaths(folders);
}

void MainWindow::runImportJob(const ImportJob &job)
{
    if (m_importRunning) {
        statusBar()->showMessage(tr("An import is already running."), 5000);
        return;
    }
    m_importRunning = true;
    if (!m_automaticImport)
        m_navigation->setCurrentRow(PageSources);
    for (QPushButton *button : {m_importFiles, m_importFolder, m_loadDemo})
        button->setEnabled(false);
    m_cancelImport->setEnabled(true);
    m_importProgress->setValue(0);
    m_importProgress->setVisible(true);
    m_sources->setCurrentWidget(m_importLog);
    m_cancel = std::make_shared<std::atomic_bool>(false);

    QPointer<MainWindow> self(this);
    auto cancel = m_cancel;
    const ProgressFn progress = [self](const Ingest::ImportProgress &p) {
        const int percent = p.bytesTotal > 0 ? int(p.bytesDone * 100 / p.bytesTotal) : 100;
        QMetaObject::invokeMethod(
            qApp,
            [self, percent] {
                if (self)
                    self->m_importProgress->setValue(percent);
            },
            Qt::QueuedConnection);
    };
    inBackground(
        this, m_ledgerPath,
        [job, cancel, progress](Storage::Ledger &ledger) { return job(ledger, cancel.get(), progress); },
        [this](const Result<Ingest::ImportSummary> &result) { showImportResult(result); });
}

void MainWindow::showImportResult(const Result<Ingest::ImportSummary> &result)
{
    m_importRunning = false;
    for (QPushButton *button : {m_importFiles, m_importFolder, m_loadDemo})
        button->setEnabled(true);
    m_cancelImport->setEnabled(false);
    m_importProgress->setVisible(false);
    const bool automatic = std::exchange(m_automaticImport, false);
    if (std::exchange(m_watchPending, false))
        QTimer::singleShot(0, this, [this] { importWatched(m_watched->folders()); });
    const QLocale locale;
    if (automatic && result.ok() && result->totals.imported == 0 && result->totals.quarantined == 0)
        return; // a watched folder without news: nothing to say
    if (!result.ok()) {
        m_overviewWhenDone = false;
        m_importLog->appendPlainText(tr("Import failed: %1").arg(result.error().message));
        statusBar()->showMessage(tr("Import failed"), 10000);
        return;
    }
    const Ingest::ImportSummary &s = *result;
    const Storage::ImportCounters &t = s.totals;
    m_importLog->appendPlainText(
        (s.cancelled ? tr("Import cancelled: %1 requests imported before stopping.") : tr("Imported %1 requests."))
            .arg(locale.toString(t.imported))
        + QLatin1Char(' ')
        + tr("Files: %1 (%2 unchanged, %3 not recognized). Lines: %4, duplicates: %5, skipped: %6, quarantined: %7, "
             "unpriced: %8.")
              .arg(t.files)
              .arg(s.filesUnchanged)
              .arg(s.filesUnrecognized)
              .arg(locale.toString(t.lines), locale.toString(t.duplicates), locale.toString(t.skipped),
                   locale.toString(t.quarantined), locale.toString(t.unpriced)));
    for (const Ingest::FileReport &f : s.files) {
        if (!f.note.isEmpty())
            m_importLog->appendPlainText(QStringLiteral("  %1: %2").arg(f.path, f.note));
    }
    statusBar()->showMessage(automatic
                                 ? tr("Watched folders: new requests imported: %1").arg(locale.toString(t.imported))
                                 : tr("Import finished"),
                             5000);
    if (std::exchange(m_overviewWhenDone, false) && t.imported > 0)
        m_navigation->setCurrentRow(PageOverview);
    refresh();
    m_alertCenter->evaluate();
}

/// What the Overview shows, read on a worker thread.
struct OverviewData {
    Storage::OverviewFigures figures;
    Storage::SpendSeries series; ///< daily spend by the chart's dimension
    qint64 ledgerRequests = 0;   ///< all time: tells an empty ledger from an empty range
    qint64 ledgerBytes = 0;      ///< the database file and its write-ahead log
    std::optional<Storage::ImportRun> lastImport;
    std::optional<qint64> lastSyncMs; ///< of the provider billing
};

namespace {

QString rangeText(const DayRange &r)
{
    return r.from == r.to ? isoDate(r.from) : QStringLiteral("%1 – %2").arg(isoDate(r.from), isoDate(r.to));
}

std::optional<double> changeOf(bool compare, double before, double now)
{
    if (compare && before == 0 && now == 0)
        return 0.0; // nothing then, nothing now: unchanged
    return compare ? Storage::relativeChange(before, now) : std::nullopt;
}

// The top tables list this many groups (the shares are of the whole).
constexpr int kTopRows = 25;

} // namespace

void MainWindow::refresh()
{
    const auto preset = presetFromName(m_range->currentData().toString()).value_or(RangePreset::Last30Days);
    const qint64 today = utcDay(m_clock.nowMs());
    const DayRange range = currentRange();
    const DayRange previous = previousPeriod(preset, range);
    const QVector<Storage::SpendFilter> filters = m_filterBar->filters();
    const bool compare = m_compare->isChecked();
    m_rangeDays->setText(rangeText(range));
    m_editRange->setVisible(preset == RangePreset::Custom);
    m_filterBar->setRange(range);
    m_refreshing = OverviewDone | TopTablesDone | ExplorerDone | RequestsDone | SourcesDone | PricesDone | BillingDone
        | AlertsDone | ChargebackDone | PoliciesDone;
    m_topTablesPending = kTopTables;
    const auto dimension =
        Storage::dimensionFromName(m_chartDimension->currentData().toString()).value_or(Storage::Dimension::Team);
    // The Overview's figures first: the pool runs jobs in order, and these are what the user waits for.
    const int ticket = m_latestOverview.next();
    inBackground(
        this, m_ledgerPath,
        [range, previous, today, dimension, filters](Storage::Ledger &ledger) -> Result<OverviewData> {
            OverviewData overview;
            auto series = Storage::dailySpendSeries(ledger, range, dimension, 8, filters);
            if (!series.ok())
                return series.error();
            overview.series = *series;
            auto figures = Storage::overviewFigures(ledger, range, previous, today, filters);
            if (!figures.ok())
                return figures.error();
            overview.figures = *figures;
            auto all = Storage::runSpendQuery(ledger, {});
            if (!all.ok())
                return all.error();
            overview.ledgerRequests = all->totals.requests;
            overview.ledgerBytes =
                QFileInfo(ledger.path()).size() + QFileInfo(ledger.path() + QStringLiteral("-wal")).size();
            auto imports = Storage::listImports(ledger, 1);
            if (imports.ok() && !imports->isEmpty())
                overview.lastImport = imports->first();
            overview.lastSyncMs = Billing::lastSyncMs(ledger);
            return overview;
        },
        [this, ticket](const Result<OverviewData> &result) {
            if (!m_latestOverview.isCurrent(ticket))
                return;
            if (!result.ok()) {
                m_overviewHeadline->setText(
                    tr("<b>The ledger cannot be read.</b> %1").arg(result.error().message.toHtmlEscaped()));
                m_ledgerStatus->setText(tr("Ledger unavailable"));
            } else {
                showOverview(*result);
            }
            emit overviewRefreshed();
            pageRefreshed(OverviewDone);
        });
    // Each top table on its own: users can take a while on a big ledger, the others need not wait.
    for (int i = 0; i < kTopTables; ++i) {
        const Storage::Dimension topDimension = kTopDimensions[i];
        const int topTicket = m_latestTop[i].next();
        inBackground(
            this, m_ledgerPath,
            [topDimension, range, previous, filters, compare](Storage::Ledger &ledger) {
                return Storage::topGroups(ledger, topDimension, range, compare ? std::optional(previous) : std::nullopt,
                                          filters, kTopRows);
            },
            [this, i, topTicket](const Result<Storage::TopGroups> &top) {
                if (!m_latestTop[i].isCurrent(topTicket))
                    return;
                m_topModels[i]->setReport(top.ok() ? top->now : Storage::SpendReport{},
                                          top.ok() ? top->before : std::nullopt);
                if (--m_topTablesPending == 0)
                    pageRefreshed(TopTablesDone);
            });
    }
    m_explorer->setScope(range, filters, compare ? std::optional(previous) : std::nullopt);
    m_requests->setScope(range, filters);
    m_sources->refresh();
    m_prices->refresh();
    m_billing->refresh();
    m_alerts->refresh();
    m_chargeback->refresh();
    m_policies->refresh();
}

void MainWindow::pageRefreshed(int page)
{
    if ((m_refreshing & page) == 0)
        return; // a page that refreshed on its own (after an evaluation, a sync): not a window refresh
    m_refreshing &= ~page;
    if (m_refreshing == 0)
        emit ledgerRefreshed();
}

void MainWindow::showOverview(const OverviewData &overview)
{
    const QLocale locale;
    const Storage::OverviewFigures &f = overview.figures;
    const Storage::SpendMetrics &t = f.current;
    const Storage::SpendMetrics &b = f.before;
    const bool empty = overview.ledgerRequests == 0;
    m_firstStart->setVisible(empty);
    m_tilesArea->setVisible(!empty);
    m_chartArea->setVisible(!empty);
    m_chart->setSeries(overview.series);
    m_breakdown->setSeries(overview.series);
    m_topArea->setVisible(!empty);
    QString status = tr("Ledger: %1  ·  %2  ·  %3 requests")
                         .arg(QDir::toNativeSeparators(m_ledgerPath), locale.formattedDataSize(overview.ledgerBytes),
                              locale.toString(overview.ledgerRequests));
    if (const auto &last = overview.lastImport) {
        const QDateTime when = QDateTime::fromMSecsSinceEpoch(last->startedMs).toLocalTime();
        status += tr("  ·  last import %1 (%2)").arg(locale.toString(when, QLocale::ShortFormat), last->status);
    }
    if (overview.lastSyncMs) {
        const QDateTime when = QDateTime::fromMSecsSinceEpoch(*overview.lastSyncMs).toLocalTime();
        status += tr("  ·  last billing sync %1").arg(locale.toString(when, QLocale::ShortFormat));
    }
    m_ledgerStatus->setText(status);
    if (empty) {
        m_overviewHeadline->setText(
            tr("<h2>No spend recorded yet</h2><p>Import request logs from your proxies and agents "
               "(<b>File &gt; Import Files</b>, Ctrl+I), or load demo data to look around first.</p>"));
        return;
    }
    if (t.requests == 0) {
        m_overviewHeadline->setText(
            m_filterBar->filters().isEmpty()
                ? tr("<h2>No requests from %1</h2><p>The ledger holds %2 requests at other "
                     "times: choose another range.</p>")
                      .arg(rangeText(f.range), locale.toString(overview.ledgerRequests))
                : tr("<h2>No requests from %1 pass the filters</h2><p>Change or clear the filters, or choose "
                     "another range.</p>")
                      .arg(rangeText(f.range)));
    } else {
        QString text = t.costUnknown()
            ? tr("<h3>%1 requests, none with a price</h3>").arg(locale.toString(t.requests))
            : tr("<h3>$%1 across %2 requests</h3>")
                  .arg(locale.toString(usdFixed(t.costNano, 2).toDouble(), 'f', 2), locale.toString(t.requests));
        if (t.unpricedRequests > 0 && !t.costUnknown())
            text += tr("<p><b>%1 requests have no price</b> and are not in this total.</p>")
                        .arg(locale.toString(t.unpricedRequests));
        m_overviewHeadline->setText(text);
    }

    const bool compare = m_compare->isChecked();
    const QString against = compare ? rangeText(f.previous) : QString();
    const auto perRequest = t.costPerRequest();
    const auto perRequestBefore = b.costPerRequest();
    const auto efficiency = [](const Storage::SpendMetrics &m) {
        const qint64 prompt = m.inputTokens + m.cacheReadTokens + m.cacheWriteTokens;
        return prompt > 0 ? double(m.outputTokens) / double(prompt) : 0.0;
    };
    m_tiles[SpendTile]->setFigure(t.costUnknown() ? tr("unpriced") : moneyText(locale, t.costNano),
                                  changeOf(compare, double(b.costNano), double(t.costNano)), against);
    m_tiles[RequestsTile]->setFigure(locale.toString(t.requests),
                                     changeOf(compare, double(b.requests), double(t.requests)), against);
    m_tiles[CostPerRequestTile]->setFigure(
        perRequest ? QLatin1Char('$') + locale.toString(usdFixed(*perRequest, 5).toDouble(), 'f', 5)
                   : QStringLiteral("–"),
        perRequest && perRequestBefore ? changeOf(compare, double(*perRequestBefore), double(*perRequest))
                                       : std::nullopt,
        against);
    m_tiles[CacheHitTile]->setFigure(
        locale.toString(t.cacheHitRate() * 100.0, 'f', 1) + QLatin1Char('%'),
        compare && b.requests > 0 ? std::optional(t.cacheHitRate() - b.cacheHitRate()) : std::nullopt, against);
    m_tiles[EfficiencyTile]->setFigure(locale.toString(efficiency(t), 'f', 3),
                                       changeOf(compare, efficiency(b), efficiency(t)), against);
    m_tiles[UnpricedTile]->setFigure(locale.toString(t.unpricedRequests),
                                     changeOf(compare, double(b.unpricedRequests), double(t.unpricedRequests)),
                                     against);
    m_tiles[UnpricedTile]->setWarning(t.unpricedRequests > 0);
    m_tiles[ProjectionTile]->setFigure(moneyText(locale, f.monthEndProjection),
                                       changeOf(compare, double(f.lastMonth), double(f.monthEndProjection)),
                                       compare ? tr("last month") : QString());
}

namespace {

QStringList localPaths(const QMimeData *mime)
{
    QStringList paths;
    if (mime) {
        for (const QUrl &url : mime->urls()) {
            if (url.isLocalFile())
                paths.append(url.toLocalFile());
        }
    }
    return paths;
}

} // namespace

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    if (!localPaths(event->mimeData()).isEmpty())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    const QStringList paths = localPaths(event->mimeData());
    if (paths.isEmpty())
        return;
    event->acceptProposedAction();
    importPaths(paths);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    // Closing keeps the app in the tray (alerts keep coming); Quit really quits.
    if (!m_quitting && m_alertCenter->trayShown() && Settings::get(SettingKeys::CloseToTray)) {
        Settings::set(SettingKeys::MainWindowGeometry, saveGeometry());
        hide();
        event->ignore();
        return;
    }
    m_quitting = false;
    if (m_importRunning) {
        const auto answer = QMessageBox::question(
            this, tr("Import Running"), tr("An import is running. Stop it and quit? What was read so far is kept."));
        if (answer != QMessageBox::Yes) {
            event->ignore();
            return;
        }
        m_cancel->store(true);
        QThreadPool::globalInstance()->waitForDone();
    }
    Settings::set(SettingKeys::MainWindowGeometry, saveGeometry());
    Settings::set(SettingKeys::LastPage, m_navigation->currentRow());
    event->accept();
    QCoreApplication::quit(); // also when the tray kept the app running
}

} // namespace CostGov::Ui

#pragma once

#include "background.h"

#include "common/clock.h"
#include "common/daterange.h"
#include "ingest/importjob.h"

#include <QMainWindow>

#include <atomic>
#include <functional>
#include <memory>

class QCheckBox;
class QComboBox;
class QLabel;
class QListWidget;
class QProgressBar;
class QPushButton;
class QStackedWidget;
class QTableView;
class QToolButton;
class QPlainTextEdit;

namespace CostGov::Ui {

class AlertCenter;
class AlertsPage;
class BillingPage;
class ChargebackPage;
class PoliciesPage;
class BreakdownChart;
class ConnectionsPanel;
class SyncService;
class ExplorerPage;
class FilterBar;
class KpiTile;
class PricesPage;
class RequestsPage;
class WatchedFolders;
class SourcesTables;
class SpendChart;
struct OverviewData;
class SpendTableModel;

/// The application window: navigation, pages, and the status of the ledger.
class MainWindow final : public QMainWindow {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    /// clock: what "today" is for date ranges (tests pass a fixed one).
    explicit MainWindow(const QString &ledgerPath, const Clock &clock = Clock::system(), QWidget *parent = nullptr);
    ~MainWindow() override;

    /// Imports files or folders in the background (progress, cancel and a summary on the Sources page).
    void importPaths(const QStringList &paths);
    /// Shows a page by name ("overview", "explorer", "requests", "sources", "prices", "billing");
    /// false for an unknown name.
    bool showPage(const QString &name);
    /// Shows a range of the user's choosing (what "Custom..." in the range list sets), remembered.
    void setCustomRange(const DayRange &range);
    /// Generates and stores demo data the same way (see Ingest::loadDemoData).
    void loadDemoData(int days = 90);

signals:
    /// The views show the ledger as it is now (after start, an import or a change of range).
    void ledgerRefreshed();
    /// The Overview's figures and chart are shown (its top tables may still be on their way).
    void overviewRefreshed();

protected:
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void buildMenus();
    QWidget *buildOverviewPage();
    QWidget *buildSourcesPage();
    void chooseFiles();
    void chooseFolder();
    void refresh();
    DayRange currentRange() const;
    void chooseCustomRange();
    void showOverview(const OverviewData &overview);
    QWidget *buildTopTable(int index);
    enum RefreshPart {
        OverviewDone = 1,
        ExplorerDone = 2,
        SourcesDone = 4,
        PricesDone = 8,
        RequestsDone = 16,
        TopTablesDone = 32,
        BillingDone = 64,
        AlertsDone = 128,
        ChargebackDone = 256,
        PoliciesDone = 512
    };
    void pageRefreshed(int part);
    using ProgressFn = std::function<void(const Ingest::ImportProgress &)>;
    using ImportJob = std::function<Result<Ingest::ImportSummary>(Storage::Ledger &, const std::atomic_bool *cancel,
                                                                  const ProgressFn &progress)>;
    void runImportJob(const ImportJob &job);
    /// Imports what is new in the watched folders, quietly (no page change, a log line only for news).
    void importWatched(const QStringList &folders);
    void showImportResult(const Result<Ingest::ImportSummary> &result);

    enum Tile {
        SpendTile,
        RequestsTile,
        CostPerRequestTile,
        CacheHitTile,
        EfficiencyTile,
        UnpricedTile,
        ProjectionTile,
        TileCount
    };

    QString m_ledgerPath;
    const Clock &m_clock; ///< outlives the window and its background jobs
    LatestOnly m_latestOverview;
    LatestOnly m_latestTop[4]; ///< one a top table
    int m_topTablesPending = 0;
    QComboBox *m_range = nullptr;
    QString m_previousRange; ///< the range preset shown before "Custom..." was chosen
    QToolButton *m_editRange = nullptr;
    QCheckBox *m_compare = nullptr;
    QLabel *m_rangeDays = nullptr;
    QWidget *m_tilesArea = nullptr;
    QWidget *m_chartArea = nullptr;
    QComboBox *m_chartDimension = nullptr;
    SpendChart *m_chart = nullptr;
    ExplorerPage *m_explorer = nullptr;
    SourcesTables *m_sources = nullptr;
    PricesPage *m_prices = nullptr;
    RequestsPage *m_requests = nullptr;
    BillingPage *m_billing = nullptr;
    WatchedFolders *m_watched = nullptr;
    ConnectionsPanel *m_connections = nullptr;
    AlertCenter *m_alertCenter = nullptr;
    AlertsPage *m_alerts = nullptr;
    ChargebackPage *m_chargeback = nullptr;
    PoliciesPage *m_policies = nullptr;
    QLabel *m_notice = nullptr;
    bool m_quitting = false;
    SyncService *m_syncService = nullptr;
    KpiTile *m_tiles[TileCount] = {};
    QListWidget *m_navigation = nullptr;
    QStackedWidget *m_pages = nullptr;
    BreakdownChart *m_breakdown = nullptr;
    FilterBar *m_filterBar = nullptr;
    static constexpr int kTopTables = 4; ///< teams, features, models, users
    SpendTableModel *m_topModels[kTopTables] = {};
    QWidget *m_topArea = nullptr;
    QLabel *m_overviewHeadline = nullptr;
    QLabel *m_ledgerStatus = nullptr;
    QProgressBar *m_importProgress = nullptr;
    QPushButton *m_cancelImport = nullptr;
    QPushButton *m_importFiles = nullptr;
    QPushButton *m_importFolder = nullptr;
    QPushButton *m_loadDemo = nullptr;
    QWidget *m_firstStart = nullptr;
    QPlainTextEdit *m_importLog = nullptr;
    std::shared_ptr<std::atomic_bool> m_cancel;
    bool m_importRunning = false;
    bool m_overviewWhenDone = false;
    bool m_automaticImport = false; ///< the running import is a watched folders round
    bool m_watchPending = false;    ///< a round was due while another import ran
    int m_refreshing = 0;           ///< RefreshParts still on their way
};

} // namespace CostGov::Ui

#pragma once

#include "ingest/importjob.h"

#include <QMainWindow>

#include <atomic>
#include <functional>
#include <memory>

class QLabel;
class QListWidget;
class QProgressBar;
class QPushButton;
class QStackedWidget;
class QTableView;
class QPlainTextEdit;

namespace CostGov::Ui {

class SpendTableModel;

/// The application window: navigation, pages, and the status of the ledger.
class MainWindow final : public QMainWindow {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    explicit MainWindow(const QString &ledgerPath, QWidget *parent = nullptr);
    ~MainWindow() override;

    /// Imports files or folders in the background (progress, cancel and a summary on the Sources page).
    void importPaths(const QStringList &paths);
    /// Generates and stores demo data the same way (see Ingest::loadDemoData).
    void loadDemoData(int days = 90);

signals:
    /// The ledger changed (an import finished) and views were refreshed.
    void ledgerRefreshed();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildMenus();
    QWidget *buildOverviewPage();
    QWidget *buildSourcesPage();
    void chooseFiles();
    void chooseFolder();
    void refresh();
    using ProgressFn = std::function<void(const Ingest::ImportProgress &)>;
    using ImportJob = std::function<Result<Ingest::ImportSummary>(Storage::Ledger &, const std::atomic_bool *cancel,
                                                                  const ProgressFn &progress)>;
    void runImportJob(const ImportJob &job);
    void showImportResult(const Result<Ingest::ImportSummary> &result);

    QString m_ledgerPath;
    QListWidget *m_navigation = nullptr;
    QStackedWidget *m_pages = nullptr;
    SpendTableModel *m_spendModel = nullptr;
    QTableView *m_spendView = nullptr;
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
};

} // namespace CostGov::Ui

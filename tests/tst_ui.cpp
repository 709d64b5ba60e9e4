// The desktop shell: the spend table model (checked by QAbstractItemModelTester, money sorting as
// money) and the main window importing files on a worker thread and showing the result.
#include "support/fakeprovider.h"
#include "support/testsupport.h"

#include "billingpage.h"
#include "chargebackpage.h"
#include "explorerpage.h"
#include "filterbar.h"
#include "kpitile.h"
#include "mainwindow.h"
#include "pricespage.h"
#include "requestspage.h"
#include "spendchart.h"
#include "spendtablemodel.h"
#include "watchedfolders.h"

#include "common/clock.h"
#include "common/money.h"
#include "common/settings.h"
#include "common/timeutil.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSet>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QStandardPaths>
#include <QTableView>
#include <QTableWidget>
#include <QTest>
#include <QTextBrowser>
#include <QToolButton>
#include <QUrl>

using namespace CostGov;
using namespace CostGov::Storage;
using CostGov::Test::TempDir;

class TestUi : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        // Settings of this test run stay out of the user's.
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("CostGovTest"));
    }

    void init() // each test starts unfiltered, on the last 30 days
    {
        Settings::set(SettingKeys::Filters, QString());
        Settings::set(SettingKeys::OverviewRange, QStringLiteral("last-30-days"));
        Settings::set(SettingKeys::WatchedFolders, QString());
    }

    void spendModelSortsMoneyAsMoney()
    {
        Ui::SpendTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        SpendReport report;
        report.groupBy = {Dimension::Team};
        auto row = [](const char *team, Nano cost, qint64 requests) {
            SpendRow r;
            r.keys = {QLatin1String(team)};
            r.metrics.costNano = cost;
            r.metrics.requests = requests;
            return r;
        };
        // As text "$9.00" sorts after "$10.00"; as money it must not.
        report.rows = {row("nine", 9 * kNanoPerUsd, 1), row("ten", 10 * kNanoPerUsd, 2), row("", 500'000'000, 3)};
        for (const SpendRow &r : report.rows)
            report.totals.add(r.metrics);
        model.setReport(report);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.columnCount(), 1 + Ui::SpendTableModel::MetricCount);
        const int costColumn = 1 + Ui::SpendTableModel::Cost;
        QCOMPARE(model.headerData(costColumn, Qt::Horizontal).toString(), QStringLiteral("Cost"));
        QCOMPARE(model.index(1, costColumn).data().toString(), QStringLiteral("$10.00"));
        QCOMPARE(model.index(1, costColumn).data(Qt::ToolTipRole).toString(), QStringLiteral("$10"));
        QCOMPARE(model.index(2, 0).data().toString(), QStringLiteral("(none)"));
        // Shares of the report's spend and requests: $10 of $19.50, 2 of 6 requests.
        QCOMPARE(model.headerData(1 + Ui::SpendTableModel::SpendShare, Qt::Horizontal).toString(),
                 QStringLiteral("% of spend"));
        QCOMPARE(model.index(1, 1 + Ui::SpendTableModel::SpendShare).data().toString(), QStringLiteral("51.3%"));
        QCOMPARE(model.index(1, 1 + Ui::SpendTableModel::RequestShare).data().toString(), QStringLiteral("33.3%"));

        // Against a previous period: $9 was $12 (-25%), ten is new, (none) has no spend change basis.
        SpendReport before;
        before.groupBy = report.groupBy;
        before.rows = {row("nine", 12 * kNanoPerUsd, 1)};
        model.setReport(report, before);
        const int change = 1 + Ui::SpendTableModel::Change;
        QCOMPARE(model.headerData(change, Qt::Horizontal).toString(), QStringLiteral("Change"));
        QCOMPARE(model.index(0, change).data().toString(), QStringLiteral("-25.0%"));
        QCOMPARE(model.index(1, change).data().toString(), QStringLiteral("new"));
        QVERIFY(model.index(0, change).data(Qt::ForegroundRole).isValid());

        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(Ui::SpendTableModel::RawValueRole);
        proxy.sort(costColumn, Qt::DescendingOrder);
        QCOMPARE(proxy.index(0, 0).data().toString(), QStringLiteral("ten"));
        QCOMPARE(proxy.index(1, 0).data().toString(), QStringLiteral("nine"));
        QCOMPARE(proxy.index(2, 0).data().toString(), QStringLiteral("(none)"));
        model.setReport({});
        QCOMPARE(model.rowCount(), 0);
    }

    void windowImportsAndShowsSpend()
    {
        TempDir dir;
        // The samples are from July 2026; "today" is the end of that month.
        const ManualClock clock(*parseTimestampMs("2026-07-31T12:00:00Z"));
        Settings::set(SettingKeys::OverviewRange, QStringLiteral("last-30-days"));
        Ui::MainWindow window(dir.ledgerPath(), clock);
        auto *range = window.findChild<QComboBox *>(QStringLiteral("range"));
        QCOMPARE(range->currentData().toString(), QStringLiteral("last-30-days"));
        QSignalSpy refreshed(&window, &Ui::MainWindow::ledgerRefreshed);
        window.show();
        QVERIFY(refreshed.wait(10'000));
        auto *headline = window.findChild<QLabel *>(QStringLiteral("overviewHeadline"));
        QVERIFY(headline);
        QVERIFY2(headline->text().contains(QLatin1String("No spend recorded yet")), qPrintable(headline->text()));
        // First start: the ways to get data in instead of an empty table.
        QVERIFY(window.findChild<QWidget *>(QStringLiteral("firstStart"))->isVisible());
        QVERIFY(window.findChild<QPushButton *>(QStringLiteral("loadDemo"))->isEnabled());

        // Files dropped on the window are imported.
        QMimeData dropped;
        dropped.setUrls({QUrl::fromLocalFile(Test::dataPath(QStringLiteral("samples/bedrock_invocation_logs.jsonl"))),
                         QUrl::fromLocalFile(Test::dataPath(QStringLiteral("canonical_sample.jsonl")))});
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &dropped, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&window, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &dropped, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&window, &drop);
        QVERIFY(refreshed.wait(20'000));
        QVERIFY2(headline->text().contains(QLatin1String("$0.39 across 27 requests")), qPrintable(headline->text()));
        QVERIFY(headline->text().contains(QLatin1String("1 requests have no price")));
        const auto *log = window.findChild<QPlainTextEdit *>(QStringLiteral("importLog"));
        QVERIFY(log->toPlainText().contains(QLatin1String("Imported 27 requests.")));
        QVERIFY(log->toPlainText().contains(QLatin1String("quarantined: 4")));
        // The history has the run; the quarantine its four lines, each with the line as read.
        auto *history = window.findChild<QTableWidget *>(QStringLiteral("importHistory"));
        QCOMPARE(history->rowCount(), 1);
        QCOMPARE(history->item(0, 1)->text(), QStringLiteral("completed"));
        QCOMPARE(history->item(0, 5)->text(), QStringLiteral("27"));
        auto *quarantine = window.findChild<QTableWidget *>(QStringLiteral("quarantineTable"));
        QCOMPARE(quarantine->rowCount(), 4);
        QVERIFY(quarantine->item(0, 0)->text().endsWith(QLatin1String("canonical_sample.jsonl")));
        quarantine->setCurrentCell(0, 0);
        const QString raw = window.findChild<QPlainTextEdit *>(QStringLiteral("quarantineRaw"))->toPlainText();
        QVERIFY2(Test::readData(QStringLiteral("canonical_sample.jsonl")).contains(raw.toUtf8()), qPrintable(raw));
        QVERIFY(!raw.isEmpty());
        auto *table = window.findChild<QTableView *>(QStringLiteral("top-model"));
        QCOMPARE(table->model()->rowCount(), 8); // models
        // Most expensive first, with the money column right after the model.
        QCOMPARE(table->model()->headerData(0, Qt::Horizontal).toString(), QStringLiteral("Model"));
        QCOMPARE(table->model()->index(0, 0).data().toString(),
                 QStringLiteral("us.anthropic.claude-sonnet-4-5-20250929-v1:0"));
        QCOMPARE(table->model()->index(0, 1).data().toString(), QStringLiteral("$0.34"));
        QCOMPARE(table->model()->index(7, 1).data().toString(), QStringLiteral("unpriced")); // acme-large-2 sorts last
        QVERIFY(!window.findChild<QWidget *>(QStringLiteral("firstStart"))->isVisible());

        // The tiles show what costgovctl reports for the same range.
        const Test::CtlRun ctl =
            Test::runCtl({QStringLiteral("--db"), dir.ledgerPath(), QStringLiteral("report"), QStringLiteral("--from"),
                          QStringLiteral("2026-07-02"), QStringLiteral("--to"), QStringLiteral("2026-07-31"),
                          QStringLiteral("--format"), QStringLiteral("json")});
        const QJsonObject totals = QJsonDocument::fromJson(ctl.out).object()[QStringLiteral("totals")].toObject();
        auto tile = [&](int index) { return window.findChild<Ui::KpiTile *>(QStringLiteral("tile%1").arg(index)); };
        QCOMPARE(tile(0)->valueText(),
                 QStringLiteral("$%1").arg(totals[QStringLiteral("cost_usd")].toDouble(), 0, 'f', 2));
        QCOMPARE(tile(1)->valueText(), QString::number(totals[QStringLiteral("requests")].toInteger()));
        QCOMPARE(tile(5)->valueText(), QStringLiteral("1")); // unpriced
        QVERIFY2(tile(0)->changeText().contains(QStringLiteral("no figure to compare in 2026-06-02 – 2026-07-01")),
                 qPrintable(tile(0)->changeText()));

        // The chart stacks the range's days by team; a day's tooltip has the exact amounts.
        QVERIFY(window.showPage(QStringLiteral("overview")));
        const auto *chart = window.findChild<Ui::SpendChart *>(QStringLiteral("spendChart"));
        QVERIFY(chart->isVisible());
        const Test::CtlRun byTeam =
            Test::runCtl({QStringLiteral("--db"), dir.ledgerPath(), QStringLiteral("report"), QStringLiteral("--by"),
                          QStringLiteral("team"), QStringLiteral("--format"), QStringLiteral("json")});
        QCOMPARE(chart->chart()->series().size(),
                 QJsonDocument::fromJson(byTeam.out).object()[QStringLiteral("rows")].toArray().size());
        const Test::CtlRun july6 =
            Test::runCtl({QStringLiteral("--db"), dir.ledgerPath(), QStringLiteral("report"), QStringLiteral("--from"),
                          QStringLiteral("2026-07-06"), QStringLiteral("--to"), QStringLiteral("2026-07-06"),
                          QStringLiteral("--format"), QStringLiteral("json")});
        const QString dayTotal = usdText(QJsonDocument::fromJson(july6.out)
                                             .object()[QStringLiteral("totals")]
                                             .toObject()[QStringLiteral("cost_nano")]
                                             .toInteger());
        const QString tooltip = chart->dayText(*parseDate("2026-07-06") - *parseDate("2026-07-02"));
        QVERIFY2(tooltip.startsWith(QLatin1String("<b>2026-07-06</b>")), qPrintable(tooltip));
        QVERIFY2(tooltip.endsWith(QStringLiteral("Total: $%1</b>").arg(dayTotal)), qPrintable(tooltip + dayTotal));

        // The explorer pivots the same range; its CSV export is costgovctl's report, row for row.
        auto *explorer = window.findChild<Ui::ExplorerPage *>();
        QSignalSpy explored(explorer, &Ui::ExplorerPage::refreshed);
        explorer->setGroupBy({Dimension::Team, Dimension::Model});
        QVERIFY(explored.wait(10'000));
        const QString exported = dir.path() + QStringLiteral("/explorer.csv");
        QVERIFY(explorer->exportCsv(exported));
        const Test::CtlRun pivot = Test::runCtl(
            {QStringLiteral("--db"), dir.ledgerPath(), QStringLiteral("report"), QStringLiteral("--by"),
             QStringLiteral("team,model"), QStringLiteral("--from"), QStringLiteral("2026-07-02"),
             QStringLiteral("--to"), QStringLiteral("2026-07-31"), QStringLiteral("--format"), QStringLiteral("csv")});
        QCOMPARE(Test::readFile(exported), pivot.out);
        // Metric columns can be turned off, and stay off.
        auto *columns = window.findChild<QToolButton *>(QStringLiteral("explorerColumns"));
        QAction *inputColumn = columns->menu()->actions().at(Ui::SpendTableModel::InputTokens);
        QCOMPARE(inputColumn->text(), QStringLiteral("Input tokens"));
        auto *explorerTable = window.findChild<QTableView *>(QStringLiteral("explorerView"));
        QVERIFY(!explorerTable->isColumnHidden(2 + Ui::SpendTableModel::InputTokens));
        inputColumn->trigger();
        QVERIFY(explorerTable->isColumnHidden(2 + Ui::SpendTableModel::InputTokens));
        QCOMPARE(Settings::get(SettingKeys::ExplorerHiddenMetrics), QStringLiteral("input_tokens"));
        inputColumn->trigger();
        QCOMPARE(Settings::get(SettingKeys::ExplorerHiddenMetrics), QString());
        // Filtered rows export with their own total.
        window.findChild<QLineEdit *>(QStringLiteral("explorerFilter"))->setText(QStringLiteral("nova"));
        QVERIFY(explorer->exportCsv(exported));
        const QList<QByteArray> lines = Test::readFile(exported).trimmed().split('\n');
        QCOMPARE(lines.size(), 1 + 4 + 1); // header, nova-pro and nova-lite for two teams each, TOTAL
        for (int i = 1; i <= 4; ++i)
            QVERIFY(lines[i].contains(",amazon.nova-"));
        QVERIFY2(lines[5].startsWith("TOTAL,,8,29130,9309,0,0,32833820,"), lines[5].constData());

        // A double-click on an Explorer row lists exactly its requests, every field in the detail pane.
        auto *requests = window.findChild<Ui::RequestsPage *>();
        QSignalSpy requestsShown(requests, &Ui::RequestsPage::refreshed);
        auto *explorerView = window.findChild<QTableView *>(QStringLiteral("explorerView"));
        const QModelIndex firstRow = explorerView->model()->index(0, 0);
        const qint64 rowRequests = explorerView->model()
                                       ->index(0, 2 + Ui::SpendTableModel::Requests)
                                       .data(Ui::SpendTableModel::RawValueRole)
                                       .toLongLong();
        QVERIFY(rowRequests > 0);
        QVERIFY(window.showPage(QStringLiteral("explorer")));
        const QPoint rowCentre = explorerView->visualRect(firstRow).center();
        QTest::mouseClick(explorerView->viewport(), Qt::LeftButton, {}, rowCentre);
        QTest::mouseDClick(explorerView->viewport(), Qt::LeftButton, {}, rowCentre);
        QVERIFY(requestsShown.wait(10'000));
        QVERIFY(requests->isVisible());
        QAbstractItemModelTester requestsTester(requests->model(),
                                                QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(requests->model()->rowCount(), rowRequests);
        const QString team = firstRow.data().toString();
        const QString model = explorerView->model()->index(0, 1).data().toString();
        for (int r = 0; r < requests->model()->rowCount(); ++r) {
            QCOMPARE(requests->model()->request(r).team, team);
            QCOMPARE(requests->model()->request(r).model, model);
        }
        QVERIFY(window.findChild<QLabel *>(QStringLiteral("requestsSelection"))->text().contains(model));
        const QString detail = window.findChild<QTextBrowser *>(QStringLiteral("requestDetail"))->toPlainText();
        QVERIFY2(detail.contains(requests->model()->request(0).requestId) && detail.contains(QLatin1String("Import")),
                 qPrintable(detail));
        // Every page has its keystroke: Ctrl+1 the Overview, Ctrl+3 the Requests.
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QTest::keyClick(&window, Qt::Key_1, Qt::ControlModifier);
        QVERIFY(!requests->isVisible());
        QTest::keyClick(&window, Qt::Key_3, Qt::ControlModifier);
        QVERIFY(requests->isVisible());
        QVERIFY(window.showPage(QStringLiteral("overview")));

        // A click on a team in the Overview filters every page by it, as --where does.
        window.findChild<QLineEdit *>(QStringLiteral("explorerFilter"))->clear();
        auto *teams = window.findChild<QTableView *>(QStringLiteral("top-team"));
        QModelIndex teamRow = teams->model()->index(0, 0);
        const QString topTeam = teamRow.data(Ui::SpendTableModel::RawValueRole).toString();
        QVERIFY(!topTeam.isEmpty());
        QTest::mouseClick(teams->viewport(), Qt::LeftButton, {}, teams->visualRect(teamRow).center());
        QVERIFY(refreshed.wait(10'000));
        QCOMPARE(Settings::get(SettingKeys::Filters), QStringLiteral("{\"team\":[\"%1\"]}").arg(topTeam));
        QVERIFY(window.findChild<QWidget *>(QStringLiteral("filter-team"))->isVisible());
        const Test::CtlRun where =
            Test::runCtl({QStringLiteral("--db"), dir.ledgerPath(), QStringLiteral("report"), QStringLiteral("--from"),
                          QStringLiteral("2026-07-02"), QStringLiteral("--to"), QStringLiteral("2026-07-31"),
                          QStringLiteral("--where"), QStringLiteral("team=") + topTeam, QStringLiteral("--format"),
                          QStringLiteral("json")});
        const QJsonObject filtered = QJsonDocument::fromJson(where.out).object()[QStringLiteral("totals")].toObject();
        QVERIFY(filtered[QStringLiteral("requests")].toInteger() < totals[QStringLiteral("requests")].toInteger());
        QCOMPARE(tile(1)->valueText(), QString::number(filtered[QStringLiteral("requests")].toInteger()));
        QCOMPARE(tile(0)->valueText(),
                 QStringLiteral("$%1").arg(filtered[QStringLiteral("cost_usd")].toDouble(), 0, 'f', 2));
        QCOMPARE(teams->model()->rowCount(), 1);
        QVERIFY(explorer->exportCsv(exported));
        const QByteArray filteredTotal =
            "TOTAL,," + QByteArray::number(filtered[QStringLiteral("requests")].toInteger()) + ',';
        QVERIFY2(Test::readFile(exported).trimmed().split('\n').constLast().startsWith(filteredTotal),
                 Test::readFile(exported).constData());
        // Removing the chip shows everything again.
        auto *filterBar = window.findChild<Ui::FilterBar *>();
        filterBar->clear();
        QVERIFY(refreshed.wait(10'000));
        QCOMPARE(tile(1)->valueText(), QString::number(totals[QStringLiteral("requests")].toInteger()));
        QCOMPARE(Settings::get(SettingKeys::Filters), QString());

        // Pricing the unpriced model re-rates history and the figures follow.
        auto *prices = window.findChild<Ui::PricesPage *>();
        auto *unpriced = window.findChild<QTableWidget *>(QStringLiteral("unpricedModels"));
        QCOMPARE(unpriced->rowCount(), 1);
        QCOMPARE(unpriced->item(0, 0)->text(), QStringLiteral("acme-large-2"));
        QVERIFY(window.findChild<QTableWidget *>(QStringLiteral("priceCatalog"))->rowCount() >= 37);
        Pricing::TokenPrices acme;
        acme.input = 2'000'000; // $2 per million tokens, in pico-USD per token
        acme.output = 8'000'000;
        prices->addPrice(QStringLiteral("acme-large-2"), QStringLiteral("acme"), acme);
        // (Waits on what is shown: a refresh started before could finish first.)
        auto *repriced = window.findChild<QLabel *>(QStringLiteral("repriceResult"));
        QTRY_VERIFY_WITH_TIMEOUT(!repriced->text().startsWith(QLatin1String("Re-rating")), 20'000);
        QVERIFY2(
            repriced->text().startsWith(QStringLiteral("acme-large-2 priced: 1 requests re-rated, spend +$0.0144")),
            qPrintable(repriced->text()));
        QTRY_COMPARE_WITH_TIMEOUT(unpriced->rowCount(), 0, 20'000);
        QTRY_VERIFY2_WITH_TIMEOUT(headline->text().contains(QLatin1String("$0.41 across 27 requests")),
                                  qPrintable(headline->text()), 20'000);
        QVERIFY(!headline->text().contains(QLatin1String("no price")));

        // A custom range: figures as costgovctl reports them for the same days, remembered.
        window.setCustomRange({*parseDate("2026-07-05"), *parseDate("2026-07-07")});
        QVERIFY(refreshed.wait(10'000));
        QCOMPARE(range->currentData().toString(), QStringLiteral("custom"));
        QCOMPARE(Settings::get(SettingKeys::CustomRangeFrom), QStringLiteral("2026-07-05"));
        const Test::CtlRun custom =
            Test::runCtl({QStringLiteral("--db"), dir.ledgerPath(), QStringLiteral("report"), QStringLiteral("--from"),
                          QStringLiteral("2026-07-05"), QStringLiteral("--to"), QStringLiteral("2026-07-07"),
                          QStringLiteral("--format"), QStringLiteral("json")});
        QCOMPARE(tile(1)->valueText(),
                 QString::number(QJsonDocument::fromJson(custom.out)
                                     .object()[QStringLiteral("totals")]
                                     .toObject()[QStringLiteral("requests")]
                                     .toInteger()));
        QVERIFY2(tile(0)->changeText().contains(QStringLiteral("2026-07-02 – 2026-07-04")), // the 3 days before
                 qPrintable(tile(0)->changeText()));

        // Another range: today has no requests, and the page says so.
        range->setCurrentIndex(range->findData(QStringLiteral("today")));
        QVERIFY(refreshed.wait(10'000));
        QVERIFY2(headline->text().contains(QLatin1String("No requests from 2026-07-31")), qPrintable(headline->text()));
        QCOMPARE(tile(1)->valueText(), QStringLiteral("0"));
        QCOMPARE(table->model()->rowCount(), 0);
    }

    void watchedFolderImportsNewLines()
    {
        TempDir dir;
        Settings::set(SettingKeys::WatchIntervalSeconds, 1);
        const ManualClock clock(*parseTimestampMs("2026-07-31T12:00:00Z"));
        Ui::MainWindow window(dir.ledgerPath(), clock);
        QSignalSpy refreshed(&window, &Ui::MainWindow::ledgerRefreshed);
        window.show();
        QVERIFY(refreshed.wait(10'000));
        const QString folder = dir.path() + QStringLiteral("/logs");
        QVERIFY(QDir().mkpath(folder));
        auto append = [&](int id) {
            QFile log(folder + QStringLiteral("/agent.jsonl"));
            QVERIFY(log.open(QIODevice::Append));
            log.write(QStringLiteral("{\"ts\":\"2026-07-20T10:00:%1Z\",\"request_id\":\"w-%1\",\"provider\":\"openai\","
                                     "\"model\":\"gpt-4o\",\"input_tokens\":100,\"output_tokens\":10}\n")
                          .arg(id, 2, 10, QLatin1Char('0'))
                          .toUtf8());
        };
        append(1);
        append(2);
        auto *watched = window.findChild<Ui::WatchedFolders *>();
        watched->addFolder(folder);
        QCOMPARE(Settings::get(SettingKeys::WatchedFolders), folder);
        QVERIFY(refreshed.wait(10'000));
        auto *requests = window.findChild<Ui::KpiTile *>(QStringLiteral("tile1"));
        QCOMPARE(requests->valueText(), QStringLiteral("2"));
        QCOMPARE(window.findChild<QListWidget *>(QStringLiteral("watchedFolders"))->count(), 1);

        // Lines appended to a file already imported come in on the next round, once.
        append(3);
        QVERIFY(refreshed.wait(10'000));
        QCOMPARE(requests->valueText(), QStringLiteral("3"));
        QVERIFY(window.findChild<QPlainTextEdit *>(QStringLiteral("importLog"))
                    ->toPlainText()
                    .contains(QLatin1String("Imported 1 requests.")));

        // A folder no longer watched is left alone.
        watched->removeFolder(folder);
        QCOMPARE(Settings::get(SettingKeys::WatchedFolders), QString());
        append(4);
        QVERIFY(!refreshed.wait(2500));
        QCOMPARE(requests->valueText(), QStringLiteral("3"));
    }

    void billingPageSyncsAndReconciles()
    {
        TempDir dir;
        Test::FakeProvider server;
        server.handler = [](const Test::HttpRequest &request) {
            const bool second = request.query.hasQueryItem(QStringLiteral("page"));
            const int status = request.headers.value("authorization") == "Bearer sk-admin-ui" ? 200 : 401;
            if (request.path.endsWith(u"/embeddings"))
                return Test::HttpReply{status, R"({"object":"page","data":[],"has_more":false,"next_page":null})"};
            const char *file = request.path.endsWith(u"/completions") ? "openai_usage_completions.json"
                : second                                              ? "openai_costs_page2.json"
                                                                      : "openai_costs_page1.json";
            return Test::HttpReply{status, Test::readData(QStringLiteral("samples/") + QLatin1String(file))};
        };
        qputenv("COSTGOV_OPENAI_ADMIN_KEY", "sk-admin-ui");
        qunsetenv("COSTGOV_ANTHROPIC_ADMIN_KEY");
        const ManualClock clock(*parseTimestampMs("2026-07-10T12:00:00Z"));
        Ui::MainWindow window(dir.ledgerPath(), clock);
        QSignalSpy refreshed(&window, &Ui::MainWindow::ledgerRefreshed);
        window.show();
        QVERIFY(refreshed.wait(10'000));
        QVERIFY(window.showPage(QStringLiteral("billing")));
        auto *billing = window.findChild<Ui::BillingPage *>();
        QSignalSpy billingShown(billing, &Ui::BillingPage::refreshed);
        // A connection to the local server; the key comes from the environment.
        Ui::Connection connection;
        connection.baseUrl = server.baseUrl();
        Ui::SyncService::saveConnection(connection);
        window.findChild<QPushButton *>(QStringLiteral("syncNow"))->click();
        QVERIFY(billingShown.wait(20'000));
        qunsetenv("COSTGOV_OPENAI_ADMIN_KEY");
        Ui::SyncService::removeConnection(Billing::Provider::OpenAi);
        const QString status = window.findChild<QLabel *>(QStringLiteral("billingStatus"))->text();
        // The default range: 30 days back from today, so July 1-10 of the samples.
        QVERIFY2(status.contains(QLatin1String("123 cost and 39 usage rows stored, $23.9041206 billed")),
                 qPrintable(status));
        auto *providers = window.findChild<QTableWidget *>(QStringLiteral("billingProviders"));
        QCOMPARE(providers->rowCount(), 1);
        QCOMPARE(providers->item(0, 0)->text(), QStringLiteral("openai"));
        QCOMPARE(providers->item(0, 1)->text(), QStringLiteral("$23.90"));
        QCOMPARE(providers->item(0, 1)->toolTip(), QStringLiteral("$23.9041206"));
        QCOMPARE(window.findChild<QTableWidget *>(QStringLiteral("billingDays"))->rowCount(), 31);
        QCOMPARE(window.findChild<QTableWidget *>(QStringLiteral("billingUnmatched"))->rowCount(), 4);
        // Create Rule gives an unmatched project a team: it leaves the list.
        billing->createRule(QStringLiteral("proj_3kXq9RzT1mVb7Lp2NcY8wHd4"), QStringLiteral("customer-support"),
                            QStringLiteral("support-bot"));
        QVERIFY(billingShown.wait(10'000));
        QVERIFY2(window.findChild<QLabel *>(QStringLiteral("billingStatus"))
                     ->text()
                     .contains(QLatin1String("($13.3828371) now belong to customer-support")),
                 qPrintable(window.findChild<QLabel *>(QStringLiteral("billingStatus"))->text()));
        QCOMPARE(window.findChild<QTableWidget *>(QStringLiteral("billingUnmatched"))->rowCount(), 3);
        // The status bar says when the bill was last fetched (F5 reads everything again).
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QTest::keyClick(&window, Qt::Key_F5);
        QVERIFY(refreshed.wait(10'000));
        QVERIFY2(window.findChild<QLabel *>(QStringLiteral("ledgerStatus"))->text().contains(u"last billing sync"),
                 qPrintable(window.findChild<QLabel *>(QStringLiteral("ledgerStatus"))->text()));
    }

    void pricesPageUpdatesTheCatalog()
    {
        TempDir dir;
        const QString log = dir.write(
            QStringLiteral("agent.jsonl"),
            R"({"ts":"2026-07-09T09:00:00Z","request_id":"p1","provider":"anthropic","model":"claude-sonnet-4-5-20250929","input_tokens":100000,"output_tokens":0})"
            "\n");
        QCOMPARE(Test::runCtl({QStringLiteral("--db"), dir.ledgerPath(), QStringLiteral("import"), log}).exitCode, 0);
        Test::FakeProvider server;
        const QByteArray feed = Test::changedBundledCatalog();
        server.handler = [&feed](const Test::HttpRequest &request) {
            return request.path == QLatin1String("/data.json") ? Test::HttpReply(200, feed)
                                                               : Test::HttpReply(200, "<html>maintenance</html>");
        };
        const ManualClock clock(*parseTimestampMs("2026-07-10T12:00:00Z"));
        Ui::MainWindow window(dir.ledgerPath(), clock);
        window.resize(1440, 900);
        QSignalSpy refreshed(&window, &Ui::MainWindow::ledgerRefreshed);
        window.show();
        QVERIFY(refreshed.wait(10'000));
        QVERIFY(window.showPage(QStringLiteral("prices")));
        auto *prices = window.findChild<Ui::PricesPage *>();
        // Where the prices come from, and the whole catalog listed.
        auto *source = window.findChild<QLabel *>(QStringLiteral("catalogSource"));
        QTRY_VERIFY2(source->text().contains(QLatin1String("genai-prices (bundled), 1,466 models")),
                     qPrintable(source->text()));
        QVERIFY(window.findChild<QTableWidget *>(QStringLiteral("priceCatalog"))->rowCount() > 1400);

        // Not a feed: refused, nothing shown to apply.
        auto *result = window.findChild<QLabel *>(QStringLiteral("repriceResult"));
        prices->updateCatalog(server.baseUrl() + QStringLiteral("/maintenance"));
        QTRY_VERIFY_WITH_TIMEOUT(result->text().startsWith(QLatin1String("The catalog was not updated:")), 20'000);
        QVERIFY2(result->text().contains(QLatin1String("not valid JSON")), qPrintable(result->text()));

        // A newer feed: the differences first, then Apply re-rates history.
        QSignalSpy shown(prices, &Ui::PricesPage::updateShown);
        QSignalSpy changed(prices, &Ui::PricesPage::pricesChanged);
        prices->updateCatalog(server.baseUrl() + QStringLiteral("/data.json"));
        QVERIFY(shown.wait(20'000));
        QCOMPARE(shown.first().first().toInt(), 2);
        auto *dialog = window.findChild<QDialog *>(QStringLiteral("catalogUpdate"));
        QVERIFY(dialog && dialog->isVisible());
        const QString changes = dialog->findChild<QPlainTextEdit *>(QStringLiteral("changes"))->toPlainText();
        QVERIFY2(changes.contains(QLatin1String("~ anthropic/claude-sonnet-4-5: input 3 output 15")),
                 qPrintable(changes));
        QVERIFY2(changes.contains(QLatin1String("+ anthropic/claude-opus-9: input 4 output 20")), qPrintable(changes));
        dialog->grab().save(QStringLiteral(COSTGOV_TEST_OUTPUT "/prices-update.png"));
        auto *buttons = dialog->findChild<QDialogButtonBox *>();
        buttons->button(QDialogButtonBox::Apply)->click();
        QVERIFY(changed.wait(20'000));
        QVERIFY2(result->text().startsWith(QLatin1String("Catalog updated: 1 requests re-rated, spend -$0.05")),
                 qPrintable(result->text()));
        QTRY_VERIFY2(source->text().contains(QLatin1String("genai-prices (updated 2026-07-10 from http://127.0.0.1")),
                     qPrintable(source->text()));
        window.grab().save(QStringLiteral(COSTGOV_TEST_OUTPUT "/prices-page.png"));
    }

    void chargebackPageAddsUpExportsAndCloses()
    {
        TempDir dir;
        {
            auto ledger = Storage::Ledger::open(dir.ledgerPath());
            QVERIFY(ledger.ok());
            Ingest::ImportOptions import;
            import.paths = {Test::dataPath(QStringLiteral("canonical_sample.jsonl"))};
            QVERIFY(Ingest::runImport(**ledger, import, Clock::system()).ok());
        }
        const ManualClock clock(*parseTimestampMs("2026-08-15T12:00:00Z"));
        Ui::MainWindow window(dir.ledgerPath(), clock);
        window.show();
        QVERIFY(window.showPage(QStringLiteral("chargeback")));
        auto *page = window.findChild<Ui::ChargebackPage *>();
        QSignalSpy refreshed(page, &Ui::ChargebackPage::refreshed);
        page->refresh();
        QVERIFY(refreshed.wait(10'000));
        // The month being closed is last month; the statement adds up to its total.
        QCOMPARE(window.findChild<QComboBox *>(QStringLiteral("chargebackMonth"))->currentText(),
                 QStringLiteral("2026-07"));
        QVERIFY(window.findChild<QTableWidget *>(QStringLiteral("chargebackLines"))->rowCount() >= 2);
        auto *check = window.findChild<QLabel *>(QStringLiteral("chargebackCheck"));
        QVERIFY2(check->text().contains(QLatin1String("difference $0.00")), qPrintable(check->text()));
        QVERIFY(check->text().contains(QLatin1String("1 requests have no price")));

        const QString csv = dir.file(QStringLiteral("july.csv"));
        QVERIFY(page->exportTo(csv, QStringLiteral("csv")).ok());
        QVERIFY(Test::readFile(csv).startsWith("\xEF\xBB\xBF"
                                               "cost_centre,owner,provider"));
        QVERIFY(page->exportTo(dir.path(), QStringLiteral("pdf")).ok());
        QVERIFY(QFile::exists(dir.file(QStringLiteral("chargeback-2026-07-support.pdf"))));

        page->closeMonth();
        QVERIFY(refreshed.wait(10'000));
        QVERIFY(page->statement().issued);
        QVERIFY(check->text().contains(QLatin1String("shown as issued")));
        QVERIFY(!window.findChild<QPushButton *>(QStringLiteral("closeMonth"))->isEnabled());
        page->reopenMonth(QStringLiteral("a late invoice"));
        QVERIFY(refreshed.wait(10'000));
        QVERIFY(!page->statement().issued);
    }

    void screenshotsOfEveryPage()
    {
        TempDir dir;
        const QString db = dir.ledgerPath();
        QCOMPARE(Test::runCtl({QStringLiteral("--db"), db, QStringLiteral("demo"), QStringLiteral("--days"),
                               QStringLiteral("3"), QStringLiteral("--quiet")})
                     .exitCode,
                 0);
        for (const QString &page : {QStringLiteral("overview"), QStringLiteral("explorer"), QStringLiteral("requests"),
                                    QStringLiteral("sources"), QStringLiteral("prices"), QStringLiteral("billing"),
                                    QStringLiteral("alerts"), QStringLiteral("chargeback")}) {
            const QString png = dir.path() + QStringLiteral("/%1.png").arg(page);
            QProcess app;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("XDG_CONFIG_HOME"), dir.path() + QStringLiteral("/config"));
            app.setProcessEnvironment(env);
            app.start(QStringLiteral(COSTGOV_APP),
                      {QStringLiteral("--db"), db, QStringLiteral("--page"), page, QStringLiteral("--size"),
                       QStringLiteral("1440x900"), QStringLiteral("--screenshot"), png});
            QVERIFY(app.waitForFinished(60'000));
            QCOMPARE(app.exitCode(), 0);
            const QImage image(png);
            QCOMPARE(image.size(), QSize(1440, 900));
            // Not blank: text, frames and tiles give many distinct colours.
            QSet<QRgb> colours;
            for (int y = 0; y < image.height(); y += 3)
                for (int x = 0; x < image.width(); x += 3)
                    colours.insert(image.pixel(x, y));
            QVERIFY2(colours.size() > 20, qPrintable(QString::number(colours.size())));
        }
        QProcess bad;
        bad.start(QStringLiteral(COSTGOV_APP),
                  {QStringLiteral("--db"), db, QStringLiteral("--page"), QStringLiteral("nowhere"),
                   QStringLiteral("--screenshot"), dir.path() + QStringLiteral("/x.png")});
        QVERIFY(bad.waitForFinished(30'000));
        QCOMPARE(bad.exitCode(), 1);
    }

    void firstStartLoadsDemoData()
    {
        TempDir dir;
        Ui::MainWindow window(dir.ledgerPath());
        QSignalSpy refreshed(&window, &Ui::MainWindow::ledgerRefreshed);
        window.show();
        QVERIFY(refreshed.wait(10'000));
        window.loadDemoData(2);
        QVERIFY(refreshed.wait(60'000));
        auto *headline = window.findChild<QLabel *>(QStringLiteral("overviewHeadline"));
        QVERIFY2(headline->text().contains(QLatin1String(" across ")), qPrintable(headline->text()));
        QVERIFY(!window.findChild<QWidget *>(QStringLiteral("firstStart"))->isVisible());
        auto *table = window.findChild<QTableView *>(QStringLiteral("top-model"));
        QVERIFY(table->isVisible());
        QVERIFY(table->model()->rowCount() >= 8); // the demo's models
        QCOMPARE(table->model()->index(0, 0).data().toString(), QStringLiteral("claude-opus-4-20250514"));
        const auto *log = window.findChild<QPlainTextEdit *>(QStringLiteral("importLog"));
        QVERIFY(log->toPlainText().startsWith(QLatin1String("Imported ")));

        // The Requests page reads a page at a time as the table scrolls: each request once, newest first.
        QVERIFY(window.showPage(QStringLiteral("requests")));
        auto *requests = window.findChild<Ui::RequestsPage *>();
        Ui::RequestsModel *model = requests->model(); // (no model tester here: it fetches more by itself)
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), Ui::RequestsModel::kPageSize, 10'000);
        auto *view = window.findChild<QTableView *>(QStringLiteral("requestsView"));
        for (int pages = 2; pages <= 3; ++pages) {
            view->scrollToBottom();
            QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), pages * Ui::RequestsModel::kPageSize, 10'000);
        }
        QSet<qint64> ids;
        for (int r = 0; r < model->rowCount(); ++r) {
            ids.insert(model->request(r).id);
            if (r > 0)
                QVERIFY(model->request(r).tsMs / kMsPerDay <= model->request(r - 1).tsMs / kMsPerDay);
        }
        QCOMPARE(ids.size(), model->rowCount());
        QVERIFY(window.findChild<QLabel *>(QStringLiteral("requestsSummary"))
                    ->text()
                    .contains(QLatin1String("1,500 loaded")));
    }
};

int main(int argc, char *argv[])
{
    Test::useDisplayOrOffscreen();
    QApplication app(argc, argv);
    TestUi test;
    return QTest::qExec(&test, argc, argv);
}
#include "tst_ui.moc"

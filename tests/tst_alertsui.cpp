// Alerts in the desktop: the tray under Xvfb with a real tray host (trayer), its message and a
// click on it; in-window notices without a tray; the webhook against a local server that fails
// once; the Alerts page's acknowledge and the rule editor's live backtest.

#include "support/fakeprovider.h"
#include "support/testsupport.h"

#include "alertcenter.h"
#include "alertspage.h"
#include "mainwindow.h"

#include "common/clock.h"
#include "common/settings.h"
#include "common/timeutil.h"
#include "ingest/importjob.h"
#include "storage/ledger.h"

#include <QApplication>
#include <QDialog>
#include <QDir>
#include <QDoubleSpinBox>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QScreen>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QSystemTrayIcon>
#include <QTableWidget>
#include <QTest>
#include <QTimer>

using namespace CostGov;
using CostGov::Test::TempDir;

namespace {

// A ledger with $120 of search traffic on 2026-11-20 and a $100 monthly budget for it: in ALERT.
void budgetLedger(const TempDir &dir)
{
    QByteArray lines;
    for (int i = 0; i < 12; ++i)
        lines += QStringLiteral("{\"ts\":\"2026-11-20T%1:00:00Z\",\"request_id\":\"r%1\",\"provider\":\"openai\","
                                "\"model\":\"gpt-4o\",\"input_tokens\":100,\"output_tokens\":10,\"cost_usd\":10,"
                                "\"team\":\"search\",\"user\":\"u-1\"}\n")
                     .arg(i + 8, 2, 10, QLatin1Char('0'))
                     .toUtf8();
    auto ledger = Storage::Ledger::open(dir.ledgerPath());
    QVERIFY(ledger.ok());
    Ingest::ImportOptions options;
    options.paths = {dir.write(QStringLiteral("search.jsonl"), lines)};
    QVERIFY(Ingest::runImport(**ledger, options, Clock::system()).ok());
    Alerts::Rule budget = Alerts::Rule::withDefaults(Alerts::Kind::Budget);
    budget.name = QStringLiteral("Search monthly");
    budget.amount = Test::usd("100");
    budget.filters = {{Storage::Dimension::Team, {QStringLiteral("search")}}};
    QVERIFY(Alerts::addRule(**ledger, budget).ok());
}

QWidget *visibleBalloon()
{
    for (QWidget *w : QApplication::topLevelWidgets())
        if (qstrcmp(w->metaObject()->className(), "QBalloonTip") == 0 && w->isVisible())
            return w;
    return nullptr;
}

} // namespace

class TestAlertsUi : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("CostGovAlertsUiTest"));
    }

    void init()
    {
        Settings::set(SettingKeys::AlertsWebhookUrl, QString());
        Settings::set(SettingKeys::AlertsPausedUntil, qint64(0));
        Settings::set(SettingKeys::CloseToTray, true);
        Settings::set(SettingKeys::LastPage, 0);
    }

    void trayShowsTheAlertAndOpensIt()
    {
        if (QGuiApplication::platformName() != QLatin1String("xcb"))
            QSKIP("needs a display with a tray host: packaging/dev.sh test starts Xvfb and trayer");
        QTRY_VERIFY2_WITH_TIMEOUT(QSystemTrayIcon::isSystemTrayAvailable(), "no system tray (is trayer running?)",
                                  15'000);
        TempDir dir;
        budgetLedger(dir);
        const ManualClock clock(*parseTimestampMs("2026-11-20T21:00:00Z"));
        Ui::MainWindow window(dir.ledgerPath(), clock);
        auto *center = window.findChild<Ui::AlertCenter *>();
        QSignalSpy evaluated(center, &Ui::AlertCenter::evaluated);
        window.show();
        QVERIFY(evaluated.wait(15'000));
        QVERIFY(center->trayShown());
        QCOMPARE(center->worst(), Alerts::State::Alert);
        QVERIFY(center->tray()->toolTip().contains(QLatin1String("in alert")));

        // The message shows as a balloon by the tray; a screenshot keeps what the user saw.
        QTRY_VERIFY_WITH_TIMEOUT(visibleBalloon() != nullptr, 10'000);
        QWidget *balloon = visibleBalloon();
        bool mentions = false;
        for (const QLabel *label : balloon->findChildren<QLabel *>())
            mentions = mentions || label->text().contains(QLatin1String("Search monthly"));
        QVERIFY(mentions);
        QTest::qWait(300); // let it paint
        const QString shot = QDir(QStringLiteral(COSTGOV_TEST_OUTPUT)).filePath(QStringLiteral("tray-alert.png"));
        QVERIFY(QGuiApplication::primaryScreen()->grabWindow(0).save(shot));
        qInfo() << "screenshot:" << shot;

        // A click on the message opens the Alerts page at that alert.
        window.findChild<QListWidget *>(QStringLiteral("navigation"))->setCurrentRow(0);
        QTest::mouseClick(balloon, Qt::LeftButton, {}, QPoint(20, 20));
        QTRY_COMPARE_WITH_TIMEOUT(window.findChild<QListWidget *>(QStringLiteral("navigation"))->currentRow(), 6,
                                  5'000);
        auto *active = window.findChild<QTableWidget *>(QStringLiteral("activeAlerts"));
        QTRY_VERIFY_WITH_TIMEOUT(!active->selectionModel()->selectedRows().isEmpty(), 5'000);
        QCOMPARE(active->item(active->selectionModel()->selectedRows().first().row(), 1)->text(),
                 QStringLiteral("Search monthly"));

        // Closing the window keeps the app in the tray.
        window.close();
        QVERIFY(!window.isVisible());
        QVERIFY(center->trayShown());
        // Pausing: no messages, a grey icon, the tooltip says until when.
        center->pauseUntil(clock.nowMs() + 3'600'000);
        QVERIFY(center->tray()->toolTip().contains(QLatin1String("paused")));
    }

    void withoutTrayTheWindowShowsTheNotice()
    {
        if (QSystemTrayIcon::isSystemTrayAvailable())
            QSKIP("a tray exists here; ctest runs this case again offscreen (tst_alertsui_notray)");
        TempDir dir;
        budgetLedger(dir);
        const ManualClock clock(*parseTimestampMs("2026-11-20T21:00:00Z"));
        Ui::MainWindow window(dir.ledgerPath(), clock);
        auto *center = window.findChild<Ui::AlertCenter *>();
        QSignalSpy evaluated(center, &Ui::AlertCenter::evaluated);
        window.show();
        QVERIFY(evaluated.wait(15'000));
        QVERIFY(!center->trayShown());
        auto *notice = window.findChild<QLabel *>(QStringLiteral("alertNotice"));
        QVERIFY(notice->isVisible());
        QVERIFY2(notice->text().contains(QLatin1String("Search monthly"))
                     && notice->text().contains(QLatin1String("$120.00 of $100.00")),
                 qPrintable(notice->text()));
        // Its link opens the Alerts page.
        emit notice->linkActivated(QStringLiteral("alerts"));
        QCOMPARE(window.findChild<QListWidget *>(QStringLiteral("navigation"))->currentRow(), 6);
        QVERIFY(!notice->isVisible());
    }

    void webhookIsRetriedAndReported()
    {
        TempDir dir;
        budgetLedger(dir);
        Test::FakeProvider receiver;
        int calls = 0;
        receiver.handler = [&calls](const Test::HttpRequest &) {
            return Test::HttpReply{++calls == 1 ? 500 : 200, "ok"};
        };
        Settings::set(SettingKeys::AlertsWebhookUrl, QString(receiver.baseUrl() + QStringLiteral("/hooks/costgov")));
        const ManualClock clock(*parseTimestampMs("2026-11-20T21:00:00Z"));
        QWidget host;
        Ui::AlertCenter center(dir.ledgerPath(), clock, &host);
        QSignalSpy status(&center, &Ui::AlertCenter::webhookStatusChanged);
        center.evaluate();
        QTRY_VERIFY_WITH_TIMEOUT(center.webhookStatus().contains(QLatin1String("delivered")), 15'000);
        QVERIFY2(center.webhookStatus().contains(QLatin1String("(attempt 2)")), qPrintable(center.webhookStatus()));
        QVERIFY(status.first().first().toString().contains(QLatin1String("HTTP 500; trying again")));
        QCOMPARE(receiver.requests.size(), 2);
        const Test::HttpRequest &post = receiver.requests.last();
        QCOMPARE(post.method, QByteArray("POST"));
        QCOMPARE(post.path, QStringLiteral("/hooks/costgov"));
        const QJsonObject payload = QJsonDocument::fromJson(post.body).object();
        QVERIFY2(payload[QStringLiteral("text")].toString().startsWith(QLatin1String("Alert: Search monthly")),
                 post.body.constData());
        QCOMPARE(payload[QStringLiteral("state")].toString(), QStringLiteral("ALERT"));
        QCOMPARE(payload[QStringLiteral("previous_state")].toString(), QStringLiteral("OK"));
        QCOMPARE(payload[QStringLiteral("figures")].toObject()[QStringLiteral("spent_usd")].toString(),
                 QStringLiteral("120"));

        // A receiver that keeps failing: reported after 3 attempts. (Nothing new to notify: a
        // rule in ALERT again after its state was reset.)
        receiver.handler = [](const Test::HttpRequest &) { return Test::HttpReply{503, "down"}; };
        {
            auto ledger = Storage::Ledger::open(dir.ledgerPath());
            QSqlQuery reset((*ledger)->db());
            QVERIFY(reset.exec(QStringLiteral("DELETE FROM alert_states")));
        }
        center.evaluate();
        QTRY_VERIFY_WITH_TIMEOUT(center.webhookStatus().contains(QLatin1String("not delivered")), 20'000);
        QVERIFY2(center.webhookStatus().contains(QLatin1String("HTTP 503 after 3 attempts")),
                 qPrintable(center.webhookStatus()));
    }

    void commandLineNotifiesTheWebhook()
    {
        // What cron runs: costgovctl evaluates and delivers, retrying, and says when it could not.
        TempDir dir;
        budgetLedger(dir);
        Test::FakeProvider receiver;
        int calls = 0;
        receiver.handler = [&calls](const Test::HttpRequest &) {
            return Test::HttpReply{++calls == 1 ? 502 : 204, ""};
        };
        const QStringList evaluate{QStringLiteral("--db"),    dir.ledgerPath(),
                                   QStringLiteral("alerts"),  QStringLiteral("evaluate"),
                                   QStringLiteral("--now"),   QStringLiteral("2026-11-20T21:00:00Z"),
                                   QStringLiteral("--notify")};
        Test::CtlRun run = Test::runCtlServing(evaluate);
        QCOMPARE(run.exitCode, 1); // no webhook named
        QVERIFY2(run.err.contains("--notify needs an http(s) --webhook URL"), run.err.constData());
        run = Test::runCtlServing(
            evaluate + QStringList{QStringLiteral("--webhook"), receiver.baseUrl() + QStringLiteral("/hook")});
        QVERIFY2(run.exitCode == 0, QByteArray(run.out + run.err).constData());
        QVERIFY2(run.out.contains("[webhook: delivered, attempt 2]"), run.out.constData());
        QCOMPARE(receiver.requests.size(), 2);
        const QJsonObject payload = QJsonDocument::fromJson(receiver.requests.last().body).object();
        QVERIFY2(payload[QStringLiteral("text")].toString().startsWith(QLatin1String("Alert: Search monthly")),
                 receiver.requests.last().body.constData());

        receiver.handler = [](const Test::HttpRequest &) { return Test::HttpReply{503, "down"}; };
        {
            auto ledger = Storage::Ledger::open(dir.ledgerPath());
            QSqlQuery reset((*ledger)->db());
            QVERIFY(reset.exec(QStringLiteral("DELETE FROM alert_states")));
        }
        qputenv("COSTGOV_ALERTS_WEBHOOK", QString(receiver.baseUrl() + QStringLiteral("/hook")).toUtf8());
        run = Test::runCtlServing(evaluate);
        qunsetenv("COSTGOV_ALERTS_WEBHOOK");
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.out.contains("[webhook: not delivered, HTTP 503 after 3 attempts]"), run.out.constData());
    }

    void pageAcknowledgesAndBacktestsWhileEditing()
    {
        TempDir dir;
        budgetLedger(dir);
        const ManualClock clock(*parseTimestampMs("2026-11-20T21:00:00Z"));
        Ui::MainWindow window(dir.ledgerPath(), clock);
        QSignalSpy refreshed(&window, &Ui::MainWindow::ledgerRefreshed);
        window.show();
        QVERIFY(window.showPage(QStringLiteral("alerts")));
        auto *page = window.findChild<Ui::AlertsPage *>();
        auto *active = window.findChild<QTableWidget *>(QStringLiteral("activeAlerts"));
        QTRY_COMPARE_WITH_TIMEOUT(active->rowCount(), 1, 15'000);
        QCOMPARE(active->item(0, 0)->text(), QStringLiteral("ALERT"));
        QVERIFY(window.findChild<QWidget *>(QStringLiteral("budgetCard")));
        active->selectRow(0);
        window.findChild<QPushButton *>(QStringLiteral("acknowledge"))->click();
        QTRY_VERIFY_WITH_TIMEOUT(
            active->rowCount() == 1 && active->item(0, 0)->text().contains(QLatin1String("acknowledged")), 10'000);

        // The editor backtests as you type: a $1,000 monthly budget would not have notified on
        // this ledger, a $100 one would have, on the 20th.
        QStringList backtests;
        QTimer::singleShot(0, this, [&] {
            auto *dialog = qobject_cast<QDialog *>(QApplication::activeModalWidget());
            QVERIFY(dialog);
            auto *label = dialog->findChild<QLabel *>(QStringLiteral("ruleBacktest"));
            QTRY_VERIFY_WITH_TIMEOUT(label->text().startsWith(QLatin1String("Would")), 10'000);
            backtests.append(label->text());
            dialog->findChild<QDoubleSpinBox *>(QStringLiteral("ruleAmount"))->setValue(100);
            QTRY_VERIFY_WITH_TIMEOUT(label->text().startsWith(QLatin1String("Would have")), 10'000);
            backtests.append(label->text());
            dialog->reject();
        });
        window.findChild<QPushButton *>(QStringLiteral("addRule"))->click();
        QCOMPARE(backtests.size(), 2);
        QCOMPARE(backtests[0], QStringLiteral("Would not have notified."));
        QCOMPARE(backtests[1], QStringLiteral("Would have notified 1 times, on 1 days: 2026-11-20"));

        // A rule added through the page is stored and evaluated.
        Alerts::Rule spike = Alerts::Rule::withDefaults(Alerts::Kind::Spike);
        spike.name = QStringLiteral("Spikes");
        page->addRule(spike);
        auto *rules = window.findChild<QTableWidget *>(QStringLiteral("alertRules"));
        QTRY_COMPARE_WITH_TIMEOUT(rules->rowCount(), 2, 10'000);
        QCOMPARE(rules->item(1, 0)->text(), QStringLiteral("Spikes"));
    }
};

int main(int argc, char *argv[])
{
    Test::useDisplayOrOffscreen();
    QApplication app(argc, argv);
    TestAlertsUi test;
    return QTest::qExec(&test, argc, argv);
}
#include "tst_alertsui.moc"

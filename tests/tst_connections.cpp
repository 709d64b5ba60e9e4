// Provider connections against a real keychain (GNOME Keyring in a D-Bus session of the test's
// own, see support/with-keyring.sh) and a provider stand-in on 127.0.0.1: keys stored, read,
// deleted and never written to the settings or the ledger; test, sync, cancel and the schedule.

#include "support/fakeprovider.h"
#include "support/testsupport.h"

#include "connectionspanel.h"
#include "syncservice.h"

#include "billing/keychain.h"
#include "common/clock.h"
#include "common/timeutil.h"
#include "storage/ledger.h"

#include <QApplication>
#include <QLabel>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTest>

using namespace CostGov;
using CostGov::Test::FakeProvider;
using CostGov::Test::TempDir;

namespace {

const QByteArray kKey = "sk-admin-keychain-7f3a";

// The OpenAI sample bill for a key; 401 for any other.
Test::HttpReply openAiBill(const Test::HttpRequest &request)
{
    const int status = request.headers.value("authorization") == "Bearer " + kKey ? 200 : 401;
    if (request.path.endsWith(u"/embeddings"))
        return {status, R"({"object":"page","data":[],"has_more":false,"next_page":null})"};
    const char *file = request.path.endsWith(u"/completions") ? "openai_usage_completions.json"
        : request.query.hasQueryItem(QStringLiteral("page"))  ? "openai_costs_page2.json"
                                                              : "openai_costs_page1.json";
    return {status, Test::readData(QStringLiteral("samples/") + QLatin1String(file))};
}

Result<QString> readKey(Billing::Provider provider)
{
    QEventLoop loop;
    Result<QString> key = QString();
    Billing::readKeychainKey(provider, &loop, [&](const Result<QString> &read) {
        key = read;
        loop.quit();
    });
    loop.exec();
    return key;
}

qint64 billedRows(const QString &ledgerPath)
{
    auto ledger = Storage::Ledger::open(ledgerPath);
    QSqlQuery q(ledger.value()->db());
    return q.exec(QStringLiteral("SELECT COUNT(*) FROM billed_costs")) && q.next() ? q.value(0).toLongLong() : -1;
}

} // namespace

class TestConnections : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("CostGovConnectionsTest"));
        qunsetenv("COSTGOV_OPENAI_ADMIN_KEY");
        qunsetenv("COSTGOV_ANTHROPIC_ADMIN_KEY");
        QVERIFY2(!qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"), "run through support/with-keyring.sh");
    }

    void keychainKeepsKeys()
    {
        QEventLoop loop;
        Status written = makeError(ErrorCode::Io, QStringLiteral("not called"));
        Billing::writeKeychainKey(Billing::Provider::Anthropic, QStringLiteral("sk-ant-admin-1"), &loop,
                                  [&](const Status &s) {
                                      written = s;
                                      loop.quit();
                                  });
        loop.exec();
        QVERIFY2(written.ok(), qPrintable(written.error().message));
        QCOMPARE(*readKey(Billing::Provider::Anthropic), QStringLiteral("sk-ant-admin-1"));
        QCOMPARE(*readKey(Billing::Provider::OpenAi), QString()); // none stored
        QCOMPARE(*Billing::adminKeyNow(Billing::Provider::Anthropic), QStringLiteral("sk-ant-admin-1"));
        qputenv("COSTGOV_ANTHROPIC_ADMIN_KEY", "sk-ant-from-env"); // the environment wins
        QCOMPARE(*Billing::adminKeyNow(Billing::Provider::Anthropic), QStringLiteral("sk-ant-from-env"));
        qunsetenv("COSTGOV_ANTHROPIC_ADMIN_KEY");

        Status deleted = makeError(ErrorCode::Io, QStringLiteral("not called"));
        Billing::deleteKeychainKey(Billing::Provider::Anthropic, &loop, [&](const Status &s) {
            deleted = s;
            loop.quit();
        });
        loop.exec();
        QVERIFY(deleted.ok());
        QCOMPARE(*readKey(Billing::Provider::Anthropic), QString());
    }

    void connectionStoresTestsSyncsAndCancels()
    {
        TempDir dir;
        QVERIFY(Storage::Ledger::open(dir.ledgerPath()).ok());
        FakeProvider server;
        server.handler = openAiBill;
        ManualClock clock(*parseTimestampMs("2026-07-10T12:00:00Z"));
        Ui::SyncService service(dir.ledgerPath(), clock);
        Ui::ConnectionsPanel panel(service);
        panel.resize(900, 300);
        panel.show();
        auto *table = panel.findChild<QTableWidget *>(QStringLiteral("connections"));
        auto *status = panel.findChild<QLabel *>(QStringLiteral("connectionsStatus"));
        QCOMPARE(table->rowCount(), 0);

        // Adding: the key goes to the keychain, then the connection is tested.
        QSignalSpy saved(&panel, &Ui::ConnectionsPanel::saved);
        QSignalSpy tested(&service, &Ui::SyncService::testFinished);
        Ui::Connection connection;
        connection.baseUrl = server.baseUrl();
        connection.everyHours = 6;
        panel.save(connection, QString::fromLatin1(kKey));
        QVERIFY(saved.wait(10'000));
        QCOMPARE(saved.first().first().toBool(), true);
        QVERIFY(tested.wait(10'000));
        QCOMPARE(tested.first().at(1).toBool(), true);
        QVERIFY2(status->text().startsWith(QLatin1String("Connected")), qPrintable(status->text()));
        QCOMPARE(*readKey(Billing::Provider::OpenAi), QString::fromLatin1(kKey));
        QCOMPARE(table->rowCount(), 1);
        QCOMPARE(table->item(0, 1)->text(), QStringLiteral("Keychain"));
        QCOMPARE(table->item(0, 2)->text(), QStringLiteral("Every 6 h"));
        QVERIFY(table->item(0, 4)->text().startsWith(QLatin1String("Connected")));

        // Sync Now: the bill lands in the ledger.
        QSignalSpy synced(&service, &Ui::SyncService::syncFinished);
        panel.findChild<QPushButton *>(QStringLiteral("connectionsSync"))->click();
        QVERIFY(synced.wait(20'000));
        QVERIFY2(synced.first().first().toBool(), qPrintable(synced.first().at(1).toString()));
        QVERIFY2(status->text().contains(QLatin1String("123 cost and 39 usage rows stored, $23.9041206 billed")),
                 qPrintable(status->text()));
        QCOMPARE(billedRows(dir.ledgerPath()), 123);

        // The schedule: not due right after a sync, due 6 hours later.
        synced.clear();
        service.runDueSyncs();
        QVERIFY(!service.isRunning());
        clock.advanceMs(6 * 3'600'000);
        service.runDueSyncs();
        QVERIFY(service.isRunning());
        QVERIFY(synced.wait(20'000));
        QVERIFY(synced.first().first().toBool());
        QCOMPARE(billedRows(dir.ledgerPath()), 123); // the same days again: replaced, not added

        // A wrong key: the test fails naming the provider and the key needed, never the key.
        tested.clear();
        const QByteArray wrong = "sk-admin-wrong-0000";
        panel.save(connection, QString::fromLatin1(wrong));
        QVERIFY(tested.wait(10'000));
        QCOMPARE(tested.first().at(1).toBool(), false);
        const QString refused = tested.first().at(2).toString();
        QVERIFY2(refused.contains(QLatin1String("OpenAI refused the admin key (HTTP 401")), qPrintable(refused));
        QVERIFY(!refused.contains(QString::fromLatin1(wrong)));
        QVERIFY(table->item(0, 4)->text().startsWith(QLatin1String("Failed: OpenAI refused")));

        // Cancel: a provider that keeps failing is retried with backoff; cancelling stores nothing.
        panel.save(connection, QString::fromLatin1(kKey));
        QVERIFY(tested.wait(10'000));
        server.handler = [](const Test::HttpRequest &) { return Test::HttpReply{503, "{}"}; };
        server.requests.clear();
        synced.clear();
        QVERIFY(service.syncNow());
        QVERIFY(QTest::qWaitFor([&] { return !server.requests.isEmpty(); }, 10'000));
        panel.findChild<QPushButton *>(QStringLiteral("connectionsCancel"))->click();
        QVERIFY(synced.wait(20'000));
        QCOMPARE(synced.first().first().toBool(), false);
        QVERIFY2(synced.first().at(1).toString().contains(QLatin1String("cancelled")),
                 qPrintable(synced.first().at(1).toString()));
        QCOMPARE(billedRows(dir.ledgerPath()), 123);

        // No key in the settings file nor the ledger.
        QSettings settings;
        settings.sync();
        for (const QString &file : {settings.fileName(), dir.ledgerPath()})
            QVERIFY2(!Test::readFile(file).contains(kKey) && !Test::readFile(file).contains(wrong), qPrintable(file));
        QVERIFY(Test::readFile(settings.fileName()).contains("everyHours"));

        // costgovctl reads the key the desktop stored (the server answers on this event loop).
        server.handler = openAiBill;
        QProcess ctl;
        ctl.start(QStringLiteral(COSTGOV_CTL),
                  {QStringLiteral("--db"), dir.ledgerPath(), QStringLiteral("sync"), QStringLiteral("openai"),
                   QStringLiteral("--from"), QStringLiteral("2026-07-01"), QStringLiteral("--to"),
                   QStringLiteral("2026-07-10"), QStringLiteral("--base-url"), server.baseUrl(),
                   QStringLiteral("--quiet")});
        QVERIFY(QTest::qWaitFor([&] { return ctl.state() == QProcess::NotRunning; }, 30'000));
        QVERIFY2(ctl.exitCode() == 0, ctl.readAllStandardError().constData());

        // Removing forgets the connection and deletes the key.
        panel.remove(Billing::Provider::OpenAi);
        QVERIFY(QTest::qWaitFor([&] { return status->text().contains(QLatin1String("were removed")); }, 10'000));
        QCOMPARE(table->rowCount(), 0);
        QCOMPARE(*readKey(Billing::Provider::OpenAi), QString());
        QVERIFY(Ui::SyncService::connections().isEmpty());
    }

    void withoutKeychainTheErrorSaysWhatToDo()
    {
        // costgovctl without a session bus and without the variable: the message names the variable.
        QProcess ctl;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"));
        env.remove(QStringLiteral("DISPLAY"));
        ctl.setProcessEnvironment(env);
        TempDir dir;
        ctl.start(QStringLiteral(COSTGOV_CTL),
                  {QStringLiteral("--db"), dir.ledgerPath(), QStringLiteral("sync"), QStringLiteral("anthropic"),
                   QStringLiteral("--quiet")});
        QVERIFY(ctl.waitForFinished(30'000));
        QCOMPARE(ctl.exitCode(), 1);
        const QByteArray err = ctl.readAllStandardError();
        QVERIFY2(err.contains("the keychain is not available") && err.contains("COSTGOV_ANTHROPIC_ADMIN_KEY"),
                 err.constData());
    }
};

QTEST_MAIN(TestConnections)
#include "tst_connections.moc"

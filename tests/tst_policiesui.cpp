// The Policies page as a user works it: edit in the form and the JSON, validation as you type,
// versions with a diff and rollback, a backtest on the ledger, and a push to a running agent.

#include "support/fakeupstream.h"
#include "support/testsupport.h"

#include "common/clock.h"
#include "common/timeutil.h"
#include "gateway/agent.h"
#include "ingest/importjob.h"
#include "policiespage.h"
#include "storage/ledger.h"

#include <QApplication>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableWidget>
#include <QTest>

using namespace CostGov;

class TestPoliciesUi : public QObject {
    Q_OBJECT

private:
    Test::TempDir m_dir;
    ManualClock m_clock{*parseTimestampMs("2026-11-12T09:00:00Z")};
    std::unique_ptr<Ui::PoliciesPage> m_page;

    template <typename T>
    T *find(const char *name)
    {
        auto *w = m_page->findChild<T *>(QLatin1String(name));
        if (!w)
            qFatal("no widget %s", name);
        return w;
    }
    QString validation() { return find<QLabel>("policyValidation")->text(); }
    void shoot(const char *tab)
    {
        find<QTabWidget>("policyTabs")
            ->setCurrentIndex(QStringList{QStringLiteral("editor"), QStringLiteral("history"),
                                          QStringLiteral("backtest"), QStringLiteral("agents")}
                                  .indexOf(QLatin1String(tab)));
        QTest::qWait(50);
        m_page->grab().save(QStringLiteral(COSTGOV_TEST_OUTPUT "/policies-%1.png").arg(QLatin1String(tab)));
    }

private slots:
    void initTestCase()
    {
        // Five gpt-4o requests the agent logged: three with one prompt, two of them repeats.
        QByteArray lines;
        const char *rows[][3] = {{"2026-11-10T10:00:00Z", "h1", "search"},
                                 {"2026-11-10T10:10:00Z", "h1", "search"},
                                 {"2026-11-10T10:20:00Z", "h1", "search"},
                                 {"2026-11-11T10:20:00Z", "h2", "search"},
                                 {"2026-11-11T11:00:00Z", "h3", "ads"}};
        int n = 0;
        for (const auto &r : rows)
            lines +=
                QStringLiteral("{\"ts\":\"%1\",\"request_id\":\"r%2\",\"provider\":\"openai\",\"model\":\"gpt-4o\","
                               "\"input_tokens\":1000,\"output_tokens\":100,\"team\":\"%4\","
                               "\"tags\":{\"prompt_hash\":\"%3\"}}\n")
                    .arg(QLatin1String(r[0]))
                    .arg(++n)
                    .arg(QLatin1String(r[1]), QLatin1String(r[2]))
                    .toUtf8();
        m_dir.write(QStringLiteral("agent.jsonl"), lines);
        auto ledger = Storage::Ledger::open(m_dir.ledgerPath());
        QVERIFY(ledger.ok());
        Ingest::ImportOptions options;
        options.paths = {m_dir.file(QStringLiteral("agent.jsonl"))};
        QVERIFY(Ingest::runImport(**ledger, options, Clock::system()).ok());
        m_page = std::make_unique<Ui::PoliciesPage>(m_dir.ledgerPath(), m_clock);
        m_page->resize(1300, 850);
        m_page->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_page.get()));
        QSignalSpy refreshed(m_page.get(), &Ui::PoliciesPage::refreshed);
        m_page->refresh();
        QVERIFY(refreshed.wait());
    }

    void validatesAsYouType()
    {
        // The JSON with problems: each named by its field, and no saving.
        m_page->setDocumentText(QString::fromUtf8(Test::readData(QStringLiteral("policy/bad.json"))));
        QVERIFY2(
            validation().contains(QStringLiteral("routing.rules[0].match.regex: is not a valid regular expression")),
            qPrintable(validation()));
        QVERIFY(!find<QPushButton>("saveVersion")->isEnabled());
        m_page->setDocumentText(QString::fromUtf8(Test::readData(QStringLiteral("policy/example.json"))));
        QVERIFY2(validation().startsWith(QStringLiteral("Valid: 3 routing rule(s)")), qPrintable(validation()));
        QVERIFY(find<QPushButton>("saveVersion")->isEnabled());
        // The form shows the document; an edit in the form changes the document.
        auto *rules = find<QListWidget>("policyRules");
        QCOMPARE(rules->count(), 3);
        rules->setCurrentRow(2);
        QCOMPARE(find<QLineEdit>("ruleName")->text(), QStringLiteral("search-team"));
        auto *regex = find<QLineEdit>("ruleRegex");
        regex->setFocus();
        QTest::keyClicks(regex, QStringLiteral("(oops"));
        QVERIFY2(validation().contains(QStringLiteral("routing.rules[2].match.regex")), qPrintable(validation()));
        QVERIFY(m_page->documentText().contains(QStringLiteral("\"regex\": \"(oops\"")));
        regex->selectAll();
        QTest::keyClick(regex, Qt::Key_Backspace);
        auto *name = find<QLineEdit>("ruleName");
        name->selectAll();
        QTest::keyClicks(name, QStringLiteral("search-fallback"));
        QVERIFY(validation().startsWith(QStringLiteral("Valid")));
        QVERIFY(m_page->documentText().contains(QStringLiteral("\"name\": \"search-fallback\"")));
        QCOMPARE(rules->item(2)->text(), QStringLiteral("search-fallback"));
        // search's gpt-4o goes to gpt-4o-mini (priced) for the backtest below.
        auto *targets = find<QLineEdit>("ruleTargets");
        targets->selectAll();
        QTest::keyClicks(targets, QStringLiteral("openai/gpt-4o-mini"));
        QVERIFY(validation().startsWith(QStringLiteral("Valid")));
        // Its exact cache as the policy's (on), instead of off.
        find<QComboBox>("ruleExact")->setCurrentIndex(0);
        QVERIFY(!m_page->documentText().contains(QStringLiteral("\"exact\": false")));
        shoot("editor");
    }

    void ruleButtonsKeepTheDocumentInStep()
    {
        const auto button = [this](const QString &text) {
            for (auto *b : m_page->findChildren<QPushButton *>())
                if (b->text() == text)
                    return b;
            qFatal("no button %s", qPrintable(text));
        };
        auto *rules = find<QListWidget>("policyRules");
        rules->setCurrentRow(0);
        button(QStringLiteral("Add"))->click();
        QCOMPARE(rules->count(), 4);
        QCOMPARE(rules->currentRow(), 1);
        QVERIFY(m_page->documentText().contains(QStringLiteral("\"name\": \"rule 4\"")));
        QVERIFY(validation().startsWith(QStringLiteral("Valid: 4 routing rule(s)")));
        button(QStringLiteral("Down"))->click();
        QCOMPARE(rules->item(2)->text(), QStringLiteral("rule 4"));
        QVERIFY(m_page->documentText().indexOf(QStringLiteral("rule 4"))
                > m_page->documentText().indexOf(QStringLiteral("extract-cascade")));
        button(QStringLiteral("Remove"))->click();
        QCOMPARE(rules->count(), 3);
        QVERIFY(!m_page->documentText().contains(QStringLiteral("rule 4")));
        // While the JSON does not parse, the form cannot overwrite it.
        const QString good = m_page->documentText();
        m_page->setDocumentText(good.left(good.size() / 2));
        QVERIFY(!find<QLineEdit>("policyName")->isEnabled());
        m_page->setDocumentText(good);
        QVERIFY(find<QLineEdit>("policyName")->isEnabled());
    }

    void savesVersionsWithADiff()
    {
        QSignalSpy refreshed(m_page.get(), &Ui::PoliciesPage::refreshed);
        QVERIFY(m_page->saveVersion(QStringLiteral("first")));
        QVERIFY(refreshed.wait());
        auto *history = find<QTableWidget>("policyHistory");
        QCOMPARE(history->rowCount(), 1);
        // The editor now shows version 1.
        QVERIFY(m_page->documentText().contains(QStringLiteral("\"version\": 1,")));
        auto *threshold = m_page->findChildren<QDoubleSpinBox *>().first();
        threshold->setValue(0.95);
        QVERIFY(m_page->documentText().contains(QStringLiteral("\"threshold\": 0.95")));
        QVERIFY(m_page->saveVersion(QStringLiteral("stricter")));
        QVERIFY(refreshed.wait());
        QCOMPARE(history->rowCount(), 2);
        QCOMPARE(history->item(0, 3)->text(), QStringLiteral("stricter"));
        history->selectRow(0);
        auto *diff = find<QPlainTextEdit>("policyDiff");
        QTRY_VERIFY2(diff->toPlainText().contains(QStringLiteral("+       \"threshold\": 0.95,")),
                     qPrintable(diff->toPlainText()));
        QVERIFY(diff->toPlainText().contains(QStringLiteral("-       \"threshold\": 0.9,")));
        QVERIFY(diff->toPlainText().startsWith(QStringLiteral("Version 2 against version 1")));
        shoot("history");
    }

    void backtestsTheEditorsDocument()
    {
        QSignalSpy done(m_page.get(), &Ui::PoliciesPage::backtestDone);
        find<QPushButton>("runBacktest")->click();
        QVERIFY(done.wait());
        auto *table = find<QTableWidget>("backtestRules");
        QCOMPARE(table->rowCount(), 3);
        QCOMPARE(table->item(2, 0)->text(), QStringLiteral("search-fallback"));
        QCOMPARE(table->item(2, 1)->text(), QStringLiteral("4"));
        QCOMPARE(table->item(2, 4)->text(), QStringLiteral("$0.0140")); // 4 x $0.0035
        const QString summary = find<QLabel>("backtestSummary")->text();
        QVERIFY2(summary.contains(QStringLiteral("Exact cache: 2 of 5 requests with a prompt hash")),
                 qPrintable(summary));
        QCOMPARE(m_page->lastBacktest().rules[2].costAfter, Test::usd("0.00084"));
        shoot("backtest");
    }

    void pushesToAnAgentAndShowsDrift()
    {
        Test::FakeUpstream upstream;
        Gateway::Config config;
        config.port = 0;
        config.managementPort = 0;
        config.managementToken = "ui-test-token-0123456789";
        config.stateDir = m_dir.file(QStringLiteral("agent-state"));
        config.logDir = m_dir.file(QStringLiteral("agent-logs"));
        config.upstreams = {{QStringLiteral("openai"), QString::fromStdString(upstream.url()), {}, "sk-x"}};
        Gateway::Agent agent(config);
        QVERIFY(agent.start().ok());
        qputenv("COSTGOV_AGENT_TOKEN", config.managementToken);
        QSignalSpy updated(m_page.get(), &Ui::PoliciesPage::agentsUpdated);
        m_page->addAgent(QStringLiteral("edge"), QStringLiteral("http://127.0.0.1:%1").arg(agent.managementPort()),
                         QString());
        QVERIFY(updated.wait());
        auto *table = find<QTableWidget>("agentTable");
        QCOMPARE(table->rowCount(), 1);
        QVERIFY2(table->item(0, 3)->text().startsWith(QStringLiteral("drift: runs 0, latest is 2")),
                 qPrintable(table->item(0, 3)->text()));
        find<QPushButton>("pushPolicy")->click();
        QVERIFY(updated.wait());
        QCOMPARE(table->item(0, 2)->text(), QStringLiteral("2"));
        QCOMPARE(table->item(0, 3)->text(), QStringLiteral("in step"));
        QCOMPARE(table->item(0, 5)->text(), QStringLiteral("applied version 2"));
        shoot("agents");
        // A rollback to version 1 is version 3: the agent drifts until pushed.
        QSignalSpy refreshed(m_page.get(), &Ui::PoliciesPage::refreshed);
        m_page->rollbackTo(1);
        QVERIFY(refreshed.wait());
        QCOMPARE(find<QTableWidget>("policyHistory")->rowCount(), 3);
        QVERIFY(m_page->documentText().contains(QStringLiteral("\"threshold\": 0.9,")));
        m_page->refreshAgents();
        QVERIFY(updated.wait());
        QCOMPARE(table->item(0, 3)->text(), QStringLiteral("drift: runs 2, latest is 3"));
        // A wrong token: the push fails and says why.
        qputenv("COSTGOV_AGENT_TOKEN", "not-the-token-at-all");
        m_page->pushToAgents();
        QVERIFY(updated.wait());
        QVERIFY2(table->item(0, 5)->text().contains(QStringLiteral("refused the token")),
                 qPrintable(table->item(0, 5)->text()));
        qunsetenv("COSTGOV_AGENT_TOKEN");
        agent.stop();
    }

    void cleanupTestCase() { m_page.reset(); }
};

int main(int argc, char *argv[])
{
    Test::useDisplayOrOffscreen();
    QApplication app(argc, argv);
    TestPoliciesUi test;
    return QTest::qExec(&test, argc, argv);
}
#include "tst_policiesui.moc"

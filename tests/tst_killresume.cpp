// A costgovctl import killed mid-way (SIGKILL, no chance to clean up) loses nothing it committed,
// and the next run finishes the file with exact totals and no duplicates.
#include "support/testsupport.h"

#include "storage/ledger.h"
#include "storage/ledgerqueries.h"
#include "storage/spendquery.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTest>

#include <csignal>

using namespace CostGov;
using namespace CostGov::Storage;
using CostGov::Test::TempDir;

namespace {
constexpr int kLines = 300'000;

// Polls through a read-only connection: no migrations, no write lock, so it never waits on the child.
qint64 committedOffset(const QString &ledgerPath, const QString &file)
{
    const QString name = QStringLiteral("poll");
    qint64 offset = -1;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(ledgerPath);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=50"));
        if (db.open()) {
            QSqlQuery q(db);
            q.prepare(QStringLiteral("SELECT offset_bytes FROM import_files WHERE path = ?"));
            q.addBindValue(file);
            offset = q.exec() && q.next() ? q.value(0).toLongLong() : 0;
        }
    }
    QSqlDatabase::removeDatabase(name);
    return offset;
}
} // namespace

class TestKillResume : public QObject {
    Q_OBJECT

private slots:
    void killedImportResumesExactly()
    {
        TempDir dir;
        QByteArray content;
        content.reserve(kLines * 170);
        qint64 expectedInput = 0;
        for (int i = 0; i < kLines; ++i) {
            const int input = 50 + i % 1000;
            expectedInput += input;
            content +=
                QStringLiteral(
                    R"({"ts":"2026-07-%1T%2:%3:%4Z","request_id":"k-%5","model":"gpt-4o-mini","input_tokens":%6,"output_tokens":7,"team":"t%7"})")
                    .arg(1 + i / 20'000, 2, 10, QLatin1Char('0'))
                    .arg(i / 3600 % 24, 2, 10, QLatin1Char('0'))
                    .arg(i / 60 % 60, 2, 10, QLatin1Char('0'))
                    .arg(i % 60, 2, 10, QLatin1Char('0'))
                    .arg(i)
                    .arg(input)
                    .arg(i % 5)
                    .toUtf8()
                + '\n';
        }
        const QString file = dir.write(QStringLiteral("big.jsonl"), content);
        const QString canonical = QFileInfo(file).canonicalFilePath();
        const QString db = dir.ledgerPath();

        QProcess child;
        child.start(QStringLiteral(COSTGOV_CTL),
                    {QStringLiteral("--db"), db, QStringLiteral("import"), QStringLiteral("--quiet"),
                     QStringLiteral("--batch-size"), QStringLiteral("500"), file});
        QVERIFY(child.waitForStarted());
        // Wait for the first committed batch, then freeze the child and kill it.
        QElapsedTimer waited;
        waited.start();
        qint64 offset = 0;
        while ((offset = committedOffset(db, canonical)) <= 0 && waited.elapsed() < 60'000
               && child.state() == QProcess::Running)
            QTest::qWait(2);
        QVERIFY2(child.state() == QProcess::Running, "the import finished before it could be killed");
        ::kill(pid_t(child.processId()), SIGSTOP);
        offset = committedOffset(db, canonical);
        ::kill(pid_t(child.processId()), SIGKILL);
        QVERIFY(child.waitForFinished());
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);
        QVERIFY2(offset > 0 && offset < content.size(), qPrintable(QString::number(offset)));

        qint64 partial = 0;
        {
            auto ledger = Ledger::open(db);
            QVERIFY(ledger.ok());
            partial = (*runSpendQuery(**ledger, {})).totals.requests;
            QVERIFY(partial > 0 && partial < kLines);
        }

        const Test::CtlRun resume =
            Test::runCtl({QStringLiteral("--db"), db, QStringLiteral("import"), QStringLiteral("--json"), file});
        QCOMPARE(resume.exitCode, 0);
        QVERIFY2(resume.out.contains("\"duplicates\":0"), resume.out.constData());
        QVERIFY(resume.out.contains("\"outcome\":\"resumed\""));

        auto ledger = Ledger::open(db);
        QVERIFY(ledger.ok());
        const SpendReport total = *runSpendQuery(**ledger, {});
        QCOMPARE(total.totals.requests, qint64(kLines));
        QCOMPARE(total.totals.inputTokens, expectedInput);
        QCOMPARE(total.totals.outputTokens, qint64(kLines) * 7);
        const auto runs = *listImports(**ledger, 0);
        QCOMPARE(runs.size(), 2);
        QCOMPARE(runs[1].status, QStringLiteral("interrupted")); // the killed run, as history shows it
        QCOMPARE(runs[1].counters.imported, partial);
        QCOMPARE(runs[0].counters.imported, kLines - partial);
    }
};

QTEST_GUILESS_MAIN(TestKillResume)
#include "tst_killresume.moc"

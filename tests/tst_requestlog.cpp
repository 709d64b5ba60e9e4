// The agent's request log: parts per day, owner-only files, retention and a total size cap.
#include "support/testsupport.h"

#include "common/timeutil.h"
#include "gateway/requestlog.h"

#include <QDir>
#include <QFileInfo>
#include <QTest>

using namespace CostGov;
using CostGov::Test::TempDir;

namespace {

UsageRecord record(qint64 tsMs, int i)
{
    UsageRecord r;
    r.tsMs = tsMs;
    r.identity = "req-" + std::to_string(i);
    r.provider = "openai";
    r.model = "gpt-4o-mini";
    r.tokens.input = 1000;
    r.tokens.output = 100;
    r.team = "support";
    return r;
}

QStringList logFiles(const QString &dir)
{
    return QDir(dir).entryList({QStringLiteral("requests-*.jsonl")}, QDir::Files, QDir::Name);
}

} // namespace

class TestRequestLog : public QObject {
    Q_OBJECT

private slots:
    void filesAreTheOwnersOnly()
    {
        TempDir dir;
        Gateway::RequestLog log(dir.path(), {});
        const qint64 day = *parseTimestampMs("2026-12-01T10:00:00Z");
        log.write(day, record(day, 1));
        const QStringList files = logFiles(dir.path());
        QCOMPARE(files, QStringList{QStringLiteral("requests-2026-12-01-001.jsonl")});
        const QFileDevice::Permissions p = QFileInfo(dir.file(files.first())).permissions();
        QVERIFY(p.testFlag(QFileDevice::ReadOwner) && p.testFlag(QFileDevice::WriteOwner));
        const QFileDevice::Permissions others = QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ExeGroup
            | QFileDevice::ReadOther | QFileDevice::WriteOther | QFileDevice::ExeOther;
        QVERIFY(!(p & others));
        // What was written reads back as the same request.
        int read = 0;
        log.readSince(day - kMsPerDay, [&read](const UsageRecord &r) {
            QCOMPARE(r.model, std::string("gpt-4o-mini"));
            ++read;
        });
        QCOMPARE(read, 1);
    }

    void oldDaysAndTheOldestPartsGo()
    {
        TempDir dir;
        // Parts of about 4 KiB, 16 KiB in all, 3 days kept.
        Gateway::RequestLog log(dir.path(), {4096, 16384, 3, -1});
        const qint64 first = *parseTimestampMs("2026-12-01T10:00:00Z");
        int i = 0;
        for (int day = 0; day < 5; ++day)
            for (int n = 0; n < 5; ++n)
                log.write(first + day * kMsPerDay, record(first + day * kMsPerDay, ++i));
        QStringList files = logFiles(dir.path());
        // Days 1 and 2 (more than 3 days before day 5) are gone.
        QVERIFY2(!files.join(u' ').contains(QLatin1String("2026-12-01"))
                     && !files.join(u' ').contains(QLatin1String("2026-12-02")),
                 qPrintable(files.join(u' ')));
        QVERIFY(files.contains(QStringLiteral("requests-2026-12-05-001.jsonl")));
        // A busy day: parts roll over, and the oldest parts go to stay under the total.
        for (int n = 0; n < 400; ++n)
            log.write(first + 4 * kMsPerDay, record(first + 4 * kMsPerDay, ++i));
        files = logFiles(dir.path());
        qint64 total = 0;
        for (const QString &f : files)
            total += QFileInfo(dir.file(f)).size();
        QVERIFY2(total <= 16384 + 4096, qPrintable(QString::number(total)));
        QVERIFY(files.size() >= 3);
        QVERIFY(!files.contains(QStringLiteral("requests-2026-12-05-001.jsonl"))); // the oldest part went first
        QVERIFY(files.constLast().startsWith(QLatin1String("requests-2026-12-05-")));
    }
};

QTEST_GUILESS_MAIN(TestRequestLog)
#include "tst_requestlog.moc"

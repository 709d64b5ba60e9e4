// Import jobs on real files into a real SQLite ledger: the sample totals, idempotent re-import,
// appended, rotated and truncated files, incomplete last lines, quarantine, cancel and resume.
#include "support/testsupport.h"

#include "common/clock.h"
#include "common/timeutil.h"
#include "ingest/importjob.h"
#include "storage/ledger.h"
#include "storage/ledgerqueries.h"
#include "storage/spendquery.h"

#include <QDir>
#include <QFile>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>

#include <limits>
#include <random>

using namespace CostGov;
using namespace CostGov::Storage;
using CostGov::Test::readData;
using CostGov::Test::report;
using CostGov::Test::TempDir;
using CostGov::Test::usd;

namespace {

const ManualClock kClock(*parseTimestampMs("2026-11-26T12:00:00Z"));

std::unique_ptr<Ledger> openLedger(const QString &path)
{
    auto ledger = Ledger::open(path);
    if (!ledger.ok())
        qFatal("%s", qPrintable(ledger.error().message));
    return std::move(*ledger);
}

Ingest::ImportSummary import(Ledger &ledger, const QStringList &paths, int batchSize = 50'000)
{
    Ingest::ImportOptions options;
    options.paths = paths;
    options.batchSize = batchSize;
    auto summary = Ingest::runImport(ledger, options, kClock);
    if (!summary.ok())
        qFatal("%s", qPrintable(summary.error().message));
    return *summary;
}

Nano costOf(const SpendReport &r, const QString &key)
{
    for (const SpendRow &row : r.rows) {
        if (row.keys.first() == key)
            return row.metrics.costNano;
    }
    return -1;
}

void append(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    if (!f.open(QIODevice::Append) || f.write(bytes) != bytes.size())
        qFatal("cannot append to %s", qPrintable(path));
}

QByteArray canonicalLine(int i, const char *day = "2026-07-10")
{
    return QStringLiteral(
               R"({"ts":"%1T%2:%3:00Z","request_id":"gen-%1-%4","model":"gpt-4o-mini","input_tokens":%5,"output_tokens":10,"team":"t%6"})")
               .arg(QLatin1String(day))
               .arg(i / 60 % 24, 2, 10, QLatin1Char('0'))
               .arg(i % 60, 2, 10, QLatin1Char('0'))
               .arg(i)
               .arg(100 + i)
               .arg(i % 3)
               .toUtf8()
        + '\n';
}

/// Lines of a multi-day canonical log: a distinct request each, in time order.
QList<QByteArray> multiDayLines(int count)
{
    QList<QByteArray> lines;
    const qint64 start = *parseTimestampMs("2026-07-01T00:00:00Z");
    const char *models[] = {"gpt-4o-mini", "gpt-4o", "claude-sonnet-4-6"};
    for (int i = 0; i < count; ++i) {
        const qint64 ts = start + qint64(i) * 6 * kMsPerDay / count; // six days
        lines.append(
            QStringLiteral(
                R"({"ts":"%1","request_id":"mix-%2","model":"%3","input_tokens":%4,"output_tokens":%5,"team":"t%6","user":"u%7","feature":"f%8"})")
                .arg(isoTimestamp(ts))
                .arg(i)
                .arg(QLatin1String(models[i % 3]))
                .arg(100 + i % 977)
                .arg(10 + i % 31)
                .arg(i % 5)
                .arg(i % 13)
                .arg(i % 7)
                .toUtf8());
    }
    return lines;
}

QByteArray joinLines(const QList<QByteArray> &lines)
{
    QByteArray text;
    for (const QByteArray &line : lines)
        text += line + '\n';
    return text;
}

/// What a ledger holds, independent of row ids and label numbering: its requests by identity
/// and reports through every rollup.
QStringList contents(Ledger &ledger)
{
    QStringList out;
    QSqlQuery q(ledger.db());
    if (!q.exec(QStringLiteral(
            "SELECT r.day, r.identity, r.ts, r.request_id, r.input_tokens, r.output_tokens, r.cost_nano, r.flags, "
            "u.value, t.value, m.value FROM requests r JOIN labels u ON u.id = r.user_name JOIN dimsets d ON d.id = "
            "r.dimset JOIN labels t ON t.id = d.team JOIN labels m ON m.id = d.model ORDER BY r.identity, r.day")))
        qFatal("%s", qPrintable(q.lastError().text()));
    while (q.next()) {
        QStringList cells;
        for (int i = 0; i < 11; ++i)
            cells.append(q.value(i).toString());
        out.append(cells.join(QLatin1Char('|')));
    }
    using D = Dimension;
    const QVector<QVector<D>> groupings{{D::Day, D::Team},      {D::Day, D::Model},      {D::Day, D::User},
                                        {D::Day, D::Source},    {D::Day, D::Feature},    {D::Team, D::User},
                                        {D::Month, D::Project}, {D::Day, D::Environment}};
    for (const QVector<D> &groupBy : groupings) {
        const SpendReport r = report(ledger, groupBy);
        for (const SpendRow &row : r.rows) {
            const SpendMetrics &m = row.metrics;
            out.append(row.keys.join(QLatin1Char('/'))
                       + QStringLiteral(" %1 %2 %3 %4 %5 %6 %7")
                             .arg(m.requests)
                             .arg(m.inputTokens)
                             .arg(m.outputTokens)
                             .arg(m.cacheReadTokens)
                             .arg(m.costNano)
                             .arg(m.unpricedRequests)
                             .arg(m.errorRequests));
        }
    }
    return out;
}

qint64 scalar(Ledger &ledger, const QString &sql)
{
    QSqlQuery q(ledger.db());
    if (!q.exec(sql) || !q.next())
        qFatal("%s: %s", qPrintable(sql), qPrintable(q.lastError().text()));
    return q.value(0).toLongLong();
}

} // namespace

class TestImport : public QObject {
    Q_OBJECT

private slots:
    void samplesReproduceExpectedTotals()
    {
        TempDir dir;
        auto ledger = openLedger(dir.ledgerPath());
        const Ingest::ImportSummary s = import(*ledger, {Test::dataPath(QStringLiteral("samples"))});
        QCOMPARE(s.totals.files, qint64(4));
        QCOMPARE(s.filesUnrecognized, 9); // billing API responses, the price file, notes
        QCOMPARE(s.totals.imported, qint64(110));
        QCOMPARE(s.totals.duplicates, qint64(3)); // Claude Code streaming repeats
        QCOMPARE(s.totals.skipped, qint64(19));
        QCOMPARE(s.totals.quarantined, qint64(0));
        QCOMPARE(s.totals.unpriced, qint64(0));

        const SpendReport bySource = report(*ledger, {Dimension::Source});
        QCOMPARE(costOf(bySource, QStringLiteral("litellm")), usd("0.49495074"));
        QCOMPARE(costOf(bySource, QStringLiteral("otel")), usd("0.54537847"));
        QCOMPARE(costOf(bySource, QStringLiteral("claude-code")), usd("0.96415485"));
        QCOMPARE(costOf(bySource, QStringLiteral("bedrock")), usd("0.37678721"));
        QCOMPARE(bySource.totals.costNano, usd("2.38127127"));
        QCOMPARE(bySource.totals.requests, qint64(110));

        const SpendReport claude =
            report(*ledger, {Dimension::Model}, {{Dimension::Source, {QStringLiteral("claude-code")}}});
        QCOMPARE(claude.totals.inputTokens, qint64(5607));
        QCOMPARE(claude.totals.outputTokens, qint64(17682));
        QCOMPARE(claude.totals.cacheWriteTokens, qint64(31285));
        QCOMPARE(claude.totals.cacheReadTokens, qint64(701397));
        QCOMPARE(costOf(claude, QStringLiteral("claude-sonnet-4-20250514")), usd("0.52119735"));
        QCOMPARE(costOf(claude, QStringLiteral("claude-opus-4-20250514")), usd("0.4429575"));

        const SpendReport bedrockTeams =
            report(*ledger, {Dimension::Team}, {{Dimension::Source, {QStringLiteral("bedrock")}}});
        QCOMPARE(costOf(bedrockTeams, QStringLiteral("support")), usd("0.124642275"));
        QCOMPARE(costOf(bedrockTeams, QStringLiteral("")), usd("0.105379155"));

        const SpendReport users =
            report(*ledger, {Dimension::User}, {{Dimension::Source, {QStringLiteral("litellm")}}});
        QCOMPARE(costOf(users, QStringLiteral("u-alice")), usd("0.1510993"));
        QCOMPARE(costOf(users, QStringLiteral("u-bob")), usd("0.0889635"));

        const SpendReport otel =
            report(*ledger, {Dimension::Provider}, {{Dimension::Source, {QStringLiteral("otel")}}});
        QCOMPARE(costOf(otel, QStringLiteral("gcp.vertex_ai")), usd("0.01822669"));
        QCOMPARE(otel.totals.inputTokens + otel.totals.cacheReadTokens + otel.totals.cacheWriteTokens, qint64(384853));
        QCOMPARE(otel.totals.errorRequests, qint64(1));

        const SpendReport litellm = report(*ledger, {}, {{Dimension::Source, {QStringLiteral("litellm")}}});
        QCOMPARE(litellm.totals.cacheHitRequests, qint64(5));
        QCOMPARE(litellm.totals.errorRequests, qint64(2));
        QCOMPARE(litellm.totals.outputTokens, qint64(30348));

        // Importing again changes nothing: every file is unchanged.
        const Ingest::ImportSummary again = import(*ledger, {Test::dataPath(QStringLiteral("samples"))});
        QCOMPARE(again.totals.imported, qint64(0));
        QCOMPARE(again.filesUnchanged, 4);
        QCOMPARE(report(*ledger, {}).totals.costNano, usd("2.38127127"));
    }

    void sameRecordsUnderAnotherPathAreDuplicates()
    {
        TempDir dir;
        auto ledger = openLedger(dir.ledgerPath());
        import(*ledger, {Test::dataPath(QStringLiteral("samples/litellm_spend_logs.json"))});
        // The same rows exported again as CSV and as JSONL: nothing new.
        const auto s = import(*ledger,
                              {Test::dataPath(QStringLiteral("litellm_spend_logs.csv")),
                               Test::dataPath(QStringLiteral("litellm_spend_logs.jsonl"))});
        QCOMPARE(s.totals.imported, qint64(0));
        QCOMPARE(s.totals.duplicates, qint64(100));
        QCOMPARE(report(*ledger, {}).totals.costNano, usd("0.49495074"));
    }

    void canonicalSampleWithQuarantine()
    {
        TempDir dir;
        auto ledger = openLedger(dir.ledgerPath());
        const QString file =
            dir.write(QStringLiteral("agent.jsonl"), readData(QStringLiteral("canonical_sample.jsonl")));
        const auto s = import(*ledger, {file});
        QCOMPARE(s.totals.lines, qint64(12));
        QCOMPARE(s.totals.imported, qint64(7));
        QCOMPARE(s.totals.duplicates, qint64(1));
        QCOMPARE(s.totals.quarantined, qint64(4));
        QCOMPARE(s.totals.unpriced, qint64(1));
        const SpendReport total = report(*ledger, {});
        QCOMPARE(total.totals.costNano, usd("0.014068")); // the unpriced request is not in it, and not $0
        QCOMPARE(total.totals.unpricedRequests, qint64(1));
        QCOMPARE(total.totals.inputTokens, qint64(7430));
        QCOMPARE(total.totals.outputTokens, qint64(1600));
        QCOMPARE(total.totals.cacheReadTokens, qint64(6000));
        QCOMPARE(total.totals.cacheWriteTokens, qint64(1200));
        QCOMPARE(total.totals.errorRequests, qint64(1));
        QCOMPARE(total.totals.cacheHitRequests, qint64(1));

        const auto quarantine = listQuarantine(*ledger, 0);
        QCOMPARE(quarantine->size(), 4);
        const QuarantinedLine &last = quarantine->last(); // newest first: the first bad line is last
        QCOMPARE(last.path, QFileInfo(file).canonicalFilePath());
        QCOMPARE(last.line, qint64(10));
        QVERIFY(last.reason.startsWith(QLatin1String("invalid JSON")));
        QVERIFY(last.raw.startsWith(R"({"ts":"2026-07-10T09:40:00Z","request_id":"req-0009")"));

        const auto unpriced = unpricedModels(*ledger);
        QCOMPARE(unpriced->size(), 1);
        QCOMPARE(unpriced->first().model, QStringLiteral("acme-large-2"));
        QCOMPARE(unpriced->first().requests, qint64(1));

        // Importing the same file again quarantines nothing twice.
        QFile::remove(file);
        dir.write(QStringLiteral("agent.jsonl"), readData(QStringLiteral("canonical_sample.jsonl")));
        import(*ledger, {file});
        QCOMPARE(listQuarantine(*ledger, 0)->size(), 4);
        QCOMPARE(report(*ledger, {}).totals.requests, qint64(7));
    }

    void outOfBoundsRecordsAreQuarantined()
    {
        // Hostile counts and costs never reach a sum: each line is quarantined with the field named.
        TempDir dir;
        auto ledger = openLedger(dir.ledgerPath());
        const QString file = dir.write(
            QStringLiteral("hostile.jsonl"),
            R"({"ts":"2026-07-10T09:00:00Z","request_id":"h1","model":"gpt-4o","input_tokens":9000000000000000000,"output_tokens":0})"
            "\n"
            R"({"ts":"2026-07-10T09:00:01Z","request_id":"h2","model":"gpt-4o","input_tokens":10,"output_tokens":0,"cache_read_tokens":5000000000000})"
            "\n"
            R"({"ts":"2026-07-10T09:00:02Z","request_id":"h3","model":"gpt-4o","input_tokens":900000000000,"output_tokens":0})"
            "\n"
            R"({"ts":"2026-07-10T09:00:03Z","request_id":"h4","model":"gpt-4o","input_tokens":10,"output_tokens":0,"cost_usd":"100000.5"})"
            "\n"
            R"({"ts":"2026-07-10T09:00:04Z","request_id":"h5","model":"gpt-4o","input_tokens":1000,"output_tokens":10})"
            "\n");
        const auto s = import(*ledger, {file});
        QCOMPARE(s.totals.imported, qint64(1));
        QCOMPARE(s.totals.quarantined, qint64(4));
        QStringList reasons;
        const auto quarantined = listQuarantine(*ledger, 0);
        for (const QuarantinedLine &l : *quarantined)
            reasons.prepend(l.reason);
        QCOMPARE(
            reasons,
            QStringList({QStringLiteral("input tokens 9000000000000000000 out of range (0 to 10^12 for one request)"),
                         QStringLiteral("cache read tokens 5000000000000 out of range (0 to 10^12 for one request)"),
                         QStringLiteral("cost 2250000 USD out of range (at most 100,000 USD for one request)"),
                         QStringLiteral("cost 100000.5 USD out of range (at most 100,000 USD for one request)")}));
        QCOMPARE(report(*ledger, {}).totals.costNano, usd("0.0026"));
        // Sums saturate instead of wrapping.
        SpendMetrics near;
        near.costNano = std::numeric_limits<qint64>::max() - 1;
        SpendMetrics more;
        more.costNano = 5;
        near.add(more);
        QCOMPARE(near.costNano, std::numeric_limits<qint64>::max());
    }

    void grownFileImportsOnlyNewLines()
    {
        TempDir dir;
        auto ledger = openLedger(dir.ledgerPath());
        QByteArray first;
        for (int i = 0; i < 100; ++i)
            first += canonicalLine(i);
        const QString file = dir.write(QStringLiteral("grow.jsonl"), first);
        QCOMPARE(import(*ledger, {file}).totals.imported, qint64(100));

        QByteArray more;
        for (int i = 100; i < 130; ++i)
            more += canonicalLine(i);
        append(file, more);
        const auto s = import(*ledger, {file});
        QCOMPARE(s.files.first().outcome, Ingest::FileOutcome::Resumed);
        QCOMPARE(s.totals.lines, qint64(30));
        QCOMPARE(s.totals.imported, qint64(30));
        QCOMPARE(s.totals.duplicates, qint64(0));
        QCOMPARE(report(*ledger, {}).totals.requests, qint64(130));
        QCOMPARE(import(*ledger, {file}).files.first().outcome, Ingest::FileOutcome::Unchanged);
    }

    void incompleteLastLineWaits()
    {
        TempDir dir;
        auto ledger = openLedger(dir.ledgerPath());
        QByteArray lines = canonicalLine(1) + canonicalLine(2);
        const QByteArray third = canonicalLine(3);
        const QString file = dir.write(QStringLiteral("live.jsonl"), lines + third.left(40)); // a writer mid-line
        const auto s = import(*ledger, {file});
        QCOMPARE(s.totals.imported, qint64(2));
        QCOMPARE(s.totals.quarantined, qint64(0));
        QVERIFY(s.files.first().note.contains(QLatin1String("incomplete")));
        append(file, third.mid(40));
        const auto after = import(*ledger, {file});
        QCOMPARE(after.files.first().outcome, Ingest::FileOutcome::Resumed);
        QCOMPARE(after.totals.imported, qint64(1));
        QCOMPARE(report(*ledger, {}).totals.requests, qint64(3));
    }

    void rotatedAndTruncatedFilesAreReadAgain()
    {
        TempDir dir;
        auto ledger = openLedger(dir.ledgerPath());
        QByteArray day1;
        for (int i = 0; i < 50; ++i)
            day1 += canonicalLine(i);
        const QString file = dir.write(QStringLiteral("app.jsonl"), day1);
        import(*ledger, {file});

        // logrotate: app.jsonl becomes app.jsonl.1; a new app.jsonl starts.
        QVERIFY(QFile::rename(file, file + QStringLiteral(".1")));
        QByteArray day2;
        for (int i = 0; i < 20; ++i)
            day2 += canonicalLine(i, "2026-07-11");
        dir.write(QStringLiteral("app.jsonl"), day2);
        const auto rotated = import(*ledger, {file, file + QStringLiteral(".1")});
        QCOMPARE(rotated.totals.imported, qint64(20));
        QCOMPARE(rotated.totals.duplicates, qint64(50)); // the renamed file holds what was imported
        bool sawRestart = false;
        for (const Ingest::FileReport &f : rotated.files)
            sawRestart |= f.outcome == Ingest::FileOutcome::Restarted;
        QVERIFY(sawRestart);

        // copytruncate: the same file emptied and written again.
        QFile truncated(file);
        QVERIFY(truncated.open(QIODevice::WriteOnly | QIODevice::Truncate));
        truncated.write(canonicalLine(7, "2026-07-12"));
        truncated.close();
        const auto again = import(*ledger, {file});
        QCOMPARE(again.files.first().outcome, Ingest::FileOutcome::Restarted);
        QVERIFY(again.files.first().note.contains(QLatin1String("shrank")));
        QCOMPARE(again.totals.imported, qint64(1));
        QCOMPARE(report(*ledger, {}).totals.requests, qint64(71));
    }

    void csvResumesWithItsHeader()
    {
        TempDir dir;
        auto ledger = openLedger(dir.ledgerPath());
        const QList<QByteArray> lines = readData(QStringLiteral("litellm_spend_logs.csv")).split('\n');
        const QString file = dir.write(QStringLiteral("spend.csv"), lines.mid(0, 21).join('\n') + '\n');
        QCOMPARE(import(*ledger, {file}).totals.imported, qint64(20));
        append(file, lines.mid(21).join('\n'));
        const auto s = import(*ledger, {file});
        QCOMPARE(s.files.first().outcome, Ingest::FileOutcome::Resumed);
        QCOMPARE(s.totals.imported, qint64(30));
        QCOMPARE(report(*ledger, {}).totals.costNano, usd("0.49495074"));
    }

    void cancelCommitsWholeBatchesAndResumes()
    {
        TempDir dir;
        auto ledger = openLedger(dir.ledgerPath());
        QByteArray big;
        for (int i = 0; i < 20'000; ++i)
            big += canonicalLine(i, i < 10'000 ? "2026-07-10" : "2026-07-11");
        const QString file = dir.write(QStringLiteral("big.jsonl"), big);

        std::atomic_bool cancel{false};
        Ingest::ImportOptions options;
        options.paths = {file};
        options.batchSize = 1'000;
        options.cancel = &cancel;
        options.progress = [&cancel](const Ingest::ImportProgress &p) {
            if (p.lines >= 3'000)
                cancel.store(true);
        };
        const auto first = Ingest::runImport(*ledger, options, kClock);
        QVERIFY(first.ok());
        QVERIFY(first->cancelled);
        const qint64 kept = report(*ledger, {}).totals.requests;
        QVERIFY(kept >= 3'000 && kept < 20'000);
        QCOMPARE(kept, first->totals.imported);
        QCOMPARE(listImports(*ledger, 1)->first().status, QStringLiteral("cancelled"));

        const auto second = import(*ledger, {file}, 1'000);
        QCOMPARE(second.files.first().outcome, Ingest::FileOutcome::Resumed);
        QCOMPARE(second.totals.duplicates, qint64(0));
        QCOMPARE(report(*ledger, {}).totals.requests, qint64(20'000));
        SpendQuery all;
        const auto expected = [] {
            qint64 tokens = 0;
            for (int i = 0; i < 20'000; ++i)
                tokens += 100 + i;
            return tokens;
        }();
        QCOMPARE(runSpendQuery(*ledger, all)->totals.inputTokens, expected);
    }

    void shuffledRecordsGiveTheSameLedger()
    {
        // The same records (with repeated lines) in time order and shuffled, in small batches so
        // that every batch of the shuffled file spans all six days.
        QList<QByteArray> lines = multiDayLines(3'000);
        for (int i = 0; i < 3'000; i += 10)
            lines.append(lines[i]); // exact repeats, after the time-ordered run
        TempDir dir;
        const QString ordered = dir.write(QStringLiteral("ordered.jsonl"), joinLines(lines));
        std::mt19937 rng(11);
        QList<QByteArray> mixed = lines;
        std::shuffle(mixed.begin(), mixed.end(), rng);
        const QString shuffled = dir.write(QStringLiteral("shuffled.jsonl"), joinLines(mixed));

        auto inOrder = openLedger(dir.file(QStringLiteral("ordered.sqlite")));
        auto outOfOrder = openLedger(dir.file(QStringLiteral("shuffled.sqlite")));
        const Ingest::ImportSummary a = import(*inOrder, {ordered}, 97);
        const Ingest::ImportSummary b = import(*outOfOrder, {shuffled}, 97);
        QCOMPARE(a.totals.imported, qint64(3'000));
        QCOMPARE(a.totals.duplicates, qint64(300));
        QCOMPARE(b.totals.imported, qint64(3'000));
        QCOMPARE(b.totals.duplicates, qint64(300));
        const QStringList expected = contents(*inOrder);
        QCOMPARE(expected.size() > 3'000, true);
        QCOMPARE(contents(*outOfOrder), expected);
        // Each day's rows are dense ranges of row ids however the records came: reading a day back
        // reads that day only.
        const QString strays = QStringLiteral("SELECT count(*) FROM request_segments s JOIN requests r ON r.id "
                                              "BETWEEN s.first_id AND s.last_id WHERE r.day <> s.day");
        QCOMPARE(scalar(*outOfOrder, strays), qint64(0));
        QCOMPARE(scalar(*inOrder, strays), qint64(0));

        // Re-imports: the shuffled file again, the shuffled file under another name (in other
        // batch sizes) into either ledger, the ordered file into the shuffled ledger: nothing new.
        QCOMPARE(import(*outOfOrder, {shuffled}).filesUnchanged, 1);
        const QString copy = dir.write(QStringLiteral("copy.jsonl"), joinLines(mixed));
        for (Ledger *ledger : {inOrder.get(), outOfOrder.get()}) {
            const Ingest::ImportSummary again = import(*ledger, {copy}, 250);
            QCOMPARE(again.totals.imported, qint64(0));
            QCOMPARE(again.totals.duplicates, qint64(3'300));
        }
        const Ingest::ImportSummary crossed = import(*outOfOrder, {ordered}, 1'000);
        QCOMPARE(crossed.totals.imported, qint64(0));
        QCOMPARE(crossed.totals.duplicates, qint64(3'300));
        QCOMPARE(contents(*inOrder), expected);
        QCOMPARE(contents(*outOfOrder), expected);
    }

    void repeatsAcrossMidnightAreDuplicatesInEitherOrder()
    {
        // A request logged a moment before midnight and again a moment after (or the other way
        // round, as a merged export may list them), and one repeated a day later (not a duplicate:
        // outside the hour around midnight).
        const QByteArray lines =
            R"({"ts":"2026-07-11T00:00:00.200Z","request_id":"late","model":"gpt-4o","input_tokens":5,"output_tokens":1}
{"ts":"2026-07-12T10:00:00Z","request_id":"early","model":"gpt-4o","input_tokens":7,"output_tokens":1}
{"ts":"2026-07-10T23:59:59.900Z","request_id":"late","model":"gpt-4o","input_tokens":5,"output_tokens":1}
{"ts":"2026-07-10T00:30:00Z","request_id":"early","model":"gpt-4o","input_tokens":7,"output_tokens":1}
{"ts":"2026-07-09T23:45:00Z","request_id":"early","model":"gpt-4o","input_tokens":7,"output_tokens":1}
)";
        for (const int batchSize : {1, 2, 100}) {
            TempDir dir;
            auto ledger = openLedger(dir.ledgerPath());
            const auto s = import(*ledger, {dir.write(QStringLiteral("m.jsonl"), lines)}, batchSize);
            QCOMPARE(s.totals.imported, qint64(3));
            QCOMPARE(s.totals.duplicates, qint64(2));
        }
    }

    void missingAndUnreadablePathsAreReported()
    {
        TempDir dir;
        auto ledger = openLedger(dir.ledgerPath());
        const QString notes = dir.write(QStringLiteral("notes.txt"), "hello\n");
        const auto s = import(*ledger, {dir.file(QStringLiteral("nope.jsonl")), notes});
        QCOMPARE(s.filesFailed, 1);
        QCOMPARE(s.filesUnrecognized, 1);
        QCOMPARE(s.files[0].note, QStringLiteral("no such file or folder"));
        QVERIFY(s.files[0].named);
        QCOMPARE(listImports(*ledger, 1)->first().status, QStringLiteral("completed"));
    }
};

QTEST_GUILESS_MAIN(TestImport)
#include "tst_import.moc"

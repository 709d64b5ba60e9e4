// The SQLite ledger: migrations (including an upgrade of an older ledger with data in it), the
// bulk insert path's dedupe and rollups, spend queries, and re-rating history after price changes.
#include "support/testsupport.h"

#include "common/clock.h"
#include "common/timeutil.h"
#include "pricing/pricecatalog.h"
#include "storage/ledger.h"
#include "storage/pricestore.h"
#include "storage/repricer.h"
#include "storage/requestsink.h"
#include "storage/rollups.h"
#include "storage/spendquery.h"

#include <QFile>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTest>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

using namespace CostGov;
using namespace CostGov::Storage;
using CostGov::Test::TempDir;
using CostGov::Test::usd;

namespace {

const ManualClock kClock(*parseTimestampMs("2026-11-26T12:00:00Z"));

std::unique_ptr<Ledger> openLedger(const QString &path, int migrateTo = -1)
{
    auto ledger = Ledger::open(path, OpenOptions{migrateTo});
    if (!ledger.ok())
        qFatal("%s", qPrintable(ledger.error().message));
    return std::move(*ledger);
}

UsageRecord record(const char *id, const char *ts, const char *model, qint64 input, const char *team = "t",
                   const char *user = "u")
{
    UsageRecord r;
    r.identity = id;
    r.identityKey = qHash(QByteArray(id), 7) | 1;
    r.tsMs = *parseTimestampMs(ts);
    r.model = model;
    r.provider = "openai";
    r.team = team;
    r.user = user;
    r.source = "test";
    r.status = "success";
    r.tokens.input = input;
    r.tokens.output = input / 10;
    r.cost = input * 1000; // 1 micro-USD a token
    r.costSource = CostSource::Catalog;
    return r;
}

BatchOutcome write(RequestSink &sink, std::vector<UsageRecord> records)
{
    ImportBatch batch;
    batch.importId = 1;
    batch.records = std::move(records);
    auto outcome = sink.write(batch);
    if (!outcome.ok())
        qFatal("%s", qPrintable(outcome.error().message));
    return *outcome;
}

qint64 scalar(Ledger &ledger, const QString &sql)
{
    QSqlQuery q(ledger.db());
    if (!q.exec(sql) || !q.next())
        qFatal("%s: %s", qPrintable(sql), qPrintable(q.lastError().text()));
    return q.value(0).toLongLong();
}

/// Every row of a table, in key order, as text: to compare rollups with a rebuild.
QStringList dump(Ledger &ledger, const QString &table)
{
    QSqlQuery q(ledger.db());
    q.exec(QStringLiteral("SELECT * FROM %1 ORDER BY 1, 2, 3").arg(table));
    QStringList rows;
    while (q.next()) {
        QStringList cells;
        for (int i = 0; i < q.record().count(); ++i)
            cells.append(q.value(i).toString());
        rows.append(cells.join(QLatin1Char('|')));
    }
    return rows;
}

} // namespace

class TestLedger : public QObject {
    Q_OBJECT

private slots:
    void createsWithWalAndLatestSchema()
    {
        TempDir dir;
        auto ledger = openLedger(dir.ledgerPath());
        QCOMPARE(ledger->schemaVersion(), Ledger::latestSchemaVersion());
        QSqlQuery q(ledger->db());
        QVERIFY(q.exec(QStringLiteral("PRAGMA journal_mode")) && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("wal"));
        // The bundled catalog is read from the application, not copied into the ledger.
        QCOMPARE(scalar(*ledger, QStringLiteral("SELECT count(*) FROM prices")), qint64(0));
        const auto catalog = loadPriceCatalog(*ledger);
        QVERIFY(catalog.ok() && catalog->feed() && catalog->feed()->modelCount() == 1466);
    }

    void upgradesAnOlderLedgerKeepingItsData()
    {
        TempDir dir;
        {
            // A ledger as schema version 2 left it, with requests in it.
            auto old = openLedger(dir.ledgerPath(), 2);
            QCOMPARE(old->schemaVersion(), 2);
            QVERIFY(!old->db().tables().contains(QStringLiteral("rollup_user_daily")));
            const QStringList statements{
                QStringLiteral(
                    "INSERT INTO labels (id, kind, value) VALUES (1, 1, 'agent'), (2, 2, 'openai'), (3, 3, 'gpt-4o'), "
                    "(4, 4, ''), (5, 5, 'support'), (6, 6, 'chat'), (7, 7, 'alice'), (8, 7, 'bob'), (9, 8, 'prod'), "
                    "(10, 9, ''), (11, 10, ''), (12, 11, 'success')"),
                QStringLiteral("INSERT INTO dimsets (id, source, provider, model, requested_model, team, feature, "
                               "environment, project, "
                               "route, status) VALUES (1, 1, 2, 3, 4, 5, 6, 9, 10, 11, 12)"),
                QStringLiteral(
                    "INSERT INTO requests (day, identity, ts, request_id, dimset, user_name, import_id, input_tokens, "
                    "output_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens, cost_nano, flags, "
                    "latency_ms, tags) VALUES "
                    "(20644, 11, 1783641600000, 'a', 1, 7, 1, 100, 10, 0, 0, 0, 1000, 2, NULL, NULL), "
                    "(20644, 12, 1783641700000, 'b', 1, 7, 1, 200, 20, 0, 0, 0, 2000, 2, NULL, NULL), "
                    "(20645, 13, 1783728000000, 'c', 1, 8, 1, 300, 30, 0, 0, 0, NULL, 0, NULL, NULL)"),
                QStringLiteral("INSERT INTO request_segments (day, first_id, last_id) VALUES (20644, 1, 2), "
                               "(20645, 3, 3)"),
                // The old bundled catalog's copy, and a price set by hand.
                QStringLiteral("INSERT INTO prices (model, provider, effective_from_ms, input_pico, output_pico, "
                               "tier_threshold, source, added_ms) VALUES ('gpt-4o', 'openai', 0, 2500000, 10000000, "
                               "0, 'bundled', 0), ('acme-1', 'acme', 0, 1000000, 1000000, 0, 'manual', 0)"),
            };
            for (const QString &sql : statements) {
                QSqlQuery q(old->db());
                QVERIFY2(q.exec(sql), qPrintable(q.lastError().text()));
            }
        }
        auto ledger = openLedger(dir.ledgerPath());
        QCOMPARE(ledger->schemaVersion(), Ledger::latestSchemaVersion());
        // Migration 3 built the user rollup from the requests already there.
        SpendQuery byUser;
        byUser.groupBy = {Dimension::User};
        const SpendReport r = *runSpendQuery(*ledger, byUser);
        QCOMPARE(r.rows.size(), 2);
        QCOMPARE(r.rows[0].keys.first(), QStringLiteral("alice"));
        QCOMPARE(r.rows[0].metrics.requests, qint64(2));
        QCOMPARE(r.rows[0].metrics.costNano, Nano(3000));
        QCOMPARE(r.rows[1].metrics.unpricedRequests, qint64(1));
        QCOMPARE(scalar(*ledger, QStringLiteral("SELECT count(*) FROM requests")), qint64(3));
        // Migration 11 dropped the bundled copy (the feed prices gpt-4o now) and kept the hand-set price.
        QCOMPARE(scalar(*ledger, QStringLiteral("SELECT count(*) FROM prices WHERE source = 'bundled'")), qint64(0));
        const auto catalog = loadPriceCatalog(*ledger);
        QCOMPARE(catalog->find("openai", "gpt-4o", 0)->source, QStringLiteral("genai-prices (bundled)"));
        QCOMPARE(catalog->find("acme", "acme-1", 0)->source, QStringLiteral("manual"));
    }

    void concurrentFirstOpensAllSucceed()
    {
        // The desktop opens a new ledger from several worker threads at once; each waits for the
        // one applying the migrations instead of applying them again.
        for (int round = 0; round < 5; ++round) {
            TempDir dir;
            std::atomic_int failures = 0;
            QString firstError;
            std::mutex errorMutex;
            std::vector<std::thread> threads;
            for (int i = 0; i < 4; ++i) {
                threads.emplace_back([&] {
                    auto ledger = Ledger::open(dir.ledgerPath());
                    if (!ledger.ok()) {
                        ++failures;
                        const std::lock_guard lock(errorMutex);
                        firstError = ledger.error().message;
                    }
                });
            }
            for (std::thread &t : threads)
                t.join();
            QVERIFY2(failures == 0, qPrintable(firstError));
            auto ledger = Ledger::open(dir.ledgerPath());
            QVERIFY(ledger.ok());
            QCOMPARE((*ledger)->schemaVersion(), Ledger::latestSchemaVersion());
        }
    }

    void refusesNewerOrForeignFiles()
    {
        TempDir dir;
        {
            auto ledger = openLedger(dir.ledgerPath());
            QSqlQuery q(ledger->db());
            QVERIFY(q.exec(QStringLiteral("INSERT INTO schema_migrations VALUES (99, 0, 'from the future')")));
        }
        const auto newer = Ledger::open(dir.ledgerPath());
        QVERIFY(!newer.ok());
        QVERIFY(newer.error().message.contains(QLatin1String("newer than this program knows")));

        const QString garbage = dir.write(QStringLiteral("not-a-ledger.sqlite"), QByteArray(8192, 'x'));
        const auto foreign = Ledger::open(garbage);
        QVERIFY(!foreign.ok());
        QVERIFY(foreign.error().message.contains(QLatin1String("not a Cost Governor ledger")));
    }

    void deduplicatesAcrossBatchesDaysAndWriters()
    {
        TempDir dir;
        auto ledger = openLedger(dir.ledgerPath());
        auto sink = createSqliteRequestSink(*ledger, kClock);
        QCOMPARE(write(*sink,
                       {record("a", "2026-07-10T10:00:00Z", "gpt-4o", 100),
                        record("b", "2026-07-10T11:00:00Z", "gpt-4o", 100),
                        record("a", "2026-07-10T10:00:00Z", "gpt-4o", 100)})
                     .inserted,
                 qint64(2));
        BatchOutcome again = write(
            *sink,
            {record("a", "2026-07-10T10:00:00Z", "gpt-4o", 100), record("c", "2026-07-10T12:00:00Z", "gpt-4o", 1)});
        QCOMPARE(again.inserted, qint64(1));
        QCOMPARE(again.duplicates, qint64(1));
        // A repeated line a moment later, across midnight (Claude Code writes one response as several lines).
        write(*sink, {record("m", "2026-07-10T23:59:59.900Z", "gpt-4o", 5)});
        QCOMPARE(write(*sink, {record("m", "2026-07-11T00:00:00.200Z", "gpt-4o", 5)}).duplicates, qint64(1));

        // Another writer (a second process) adds a record; this sink must notice it.
        {
            auto other = openLedger(dir.ledgerPath());
            auto otherSink = createSqliteRequestSink(*other, kClock);
            QCOMPARE(write(*otherSink, {record("d", "2026-07-10T13:00:00Z", "gpt-4o", 1)}).inserted, qint64(1));
        }
        QCOMPARE(write(*sink, {record("d", "2026-07-10T13:00:00Z", "gpt-4o", 1)}).duplicates, qint64(1));

        // A fresh sink (the next import run) reads what is stored.
        auto fresh = createSqliteRequestSink(*ledger, kClock);
        QCOMPARE(write(*fresh,
                       {record("b", "2026-07-10T11:00:00Z", "gpt-4o", 100),
                        record("e", "2026-07-10T14:00:00Z", "gpt-4o", 1)})
                     .inserted,
                 qint64(1));
        QCOMPARE(scalar(*ledger, QStringLiteral("SELECT count(*) FROM requests")), qint64(6));
    }

    void deduplicatesBeyondTheFilterItStartedWith()
    {
        // Batches without checkpoints give the writer no estimate: its identity filter starts
        // small and is refilled from the ledger as it grows. Nothing stored may be forgotten.
        TempDir dir;
        auto ledger = openLedger(dir.ledgerPath());
        auto sink = createSqliteRequestSink(*ledger, kClock);
        std::vector<UsageRecord> all;
        for (int i = 0; i < 90'000; ++i) {
            const QByteArray id = "g" + QByteArray::number(i);
            const QByteArray ts = QStringLiteral("2026-07-%1T%2:%3:00Z")
                                      .arg(10 + i % 3)
                                      .arg(i / 60 % 24, 2, 10, QLatin1Char('0'))
                                      .arg(i % 60, 2, 10, QLatin1Char('0'))
                                      .toUtf8();
            all.push_back(record(id.constData(), ts.constData(), "gpt-4o", 1 + i % 50));
        }
        for (size_t from = 0; from < all.size(); from += 15'000) {
            // Each batch ends with repeats of its first records: after the filter grew, some of them.
            std::vector<UsageRecord> batch(all.begin() + qsizetype(from), all.begin() + qsizetype(from + 15'000));
            batch.insert(batch.end(), all.begin() + qsizetype(from), all.begin() + qsizetype(from + 1'000));
            const BatchOutcome outcome = write(*sink, batch);
            QCOMPARE(outcome.inserted, qint64(15'000));
            QCOMPARE(outcome.duplicates, qint64(1'000));
        }
        std::vector<UsageRecord> again = all;
        std::reverse(again.begin(), again.end());
        const BatchOutcome repeated = write(*sink, again);
        QCOMPARE(repeated.inserted, qint64(0));
        QCOMPARE(repeated.duplicates, qint64(90'000));
        // A fresh sink reads them from the ledger.
        auto fresh = createSqliteRequestSink(*ledger, kClock);
        QCOMPARE(write(*fresh, std::vector<UsageRecord>(all.begin(), all.begin() + 40'000)).duplicates, qint64(40'000));
        QCOMPARE(scalar(*ledger, QStringLiteral("SELECT count(*) FROM requests")), qint64(90'000));
    }

    void rollupsEqualARebuildFromRequests()
    {
        TempDir dir;
        auto ledger = openLedger(dir.ledgerPath());
        auto sink = createSqliteRequestSink(*ledger, kClock);
        std::vector<UsageRecord> records;
        const char *models[] = {"gpt-4o", "gpt-4o-mini", "claude-sonnet-4-6"};
        const char *teams[] = {"red", "green", "blue", ""};
        for (int i = 0; i < 3000; ++i) {
            const QByteArray id = QByteArray("r") + QByteArray::number(i);
            const QByteArray ts =
                QStringLiteral("2026-07-%1T%2:00:00Z").arg(10 + i % 5).arg(i % 24, 2, 10, QLatin1Char('0')).toUtf8();
            const QByteArray user = QByteArray("user") + QByteArray::number(i % 7);
            UsageRecord r =
                record(id.constData(), ts.constData(), models[i % 3], 10 + i, teams[i % 4], user.constData());
            if (i % 11 == 0) {
                r.cost.reset();
                r.costSource = CostSource::None;
            }
            r.error = i % 13 == 0;
            r.cacheHit = i % 17 == 0;
            records.push_back(r);
            if (records.size() == 700) // batches split days
                write(*sink, std::exchange(records, {}));
        }
        write(*sink, records);
        QMap<QString, QStringList> before;
        for (const RollupSpec &spec : rollupSpecs())
            before[QLatin1String(spec.table)] = dump(*ledger, QLatin1String(spec.table));
        QVERIFY(ledger->exec(QStringLiteral("BEGIN"), QStringLiteral("test")).ok());
        QVERIFY(rebuildAllRollups(*ledger, {}).ok());
        QVERIFY(ledger->exec(QStringLiteral("COMMIT"), QStringLiteral("test")).ok());
        for (const RollupSpec &spec : rollupSpecs()) {
            const QString table = QLatin1String(spec.table);
            QVERIFY(!before[table].isEmpty());
            QCOMPARE(dump(*ledger, table), before[table]);
        }
    }

    void spendQueriesAgreeAcrossRollupsAndRawRows()
    {
        TempDir dir;
        auto ledger = openLedger(dir.ledgerPath());
        auto sink = createSqliteRequestSink(*ledger, kClock);
        write(*sink,
              {record("1", "2026-07-06T10:00:00Z", "gpt-4o", 100, "red", "ann"),   // Monday
               record("2", "2026-07-12T10:00:00Z", "gpt-4o", 200, "red", "bob"),   // Sunday, same week
               record("3", "2026-07-13T10:00:00Z", "o4-mini", 300, "blue", "ann"), // next week
               record("4", "2026-08-01T10:00:00Z", "o4-mini", 400, "blue", "ann")});
        auto run = [&](QVector<Dimension> by, QVector<SpendFilter> where = {}, std::optional<qint64> from = {},
                       std::optional<qint64> to = {}) {
            SpendQuery q;
            q.groupBy = by;
            q.filters = where;
            q.fromDay = from;
            q.toDay = to;
            return *runSpendQuery(*ledger, q);
        };
        const SpendReport weeks = run({Dimension::Week});
        QCOMPARE(weeks.rows.size(), 3);
        QCOMPARE(weeks.rows[0].keys.first(), QStringLiteral("2026-07-06"));
        QCOMPARE(weeks.rows[0].metrics.requests, qint64(2));
        const SpendReport months = run({Dimension::Month, Dimension::Team});
        QCOMPARE(months.rows.first().keys, (QStringList{QStringLiteral("2026-07"), QStringLiteral("red")}));
        QCOMPARE(months.rows.last().keys, (QStringList{QStringLiteral("2026-08"), QStringLiteral("blue")}));
        // Inclusive day range.
        const SpendReport july = run({}, {}, *parseDate("2026-07-06"), *parseDate("2026-07-12"));
        QCOMPARE(july.totals.requests, qint64(2));
        QVERIFY(july.rows.isEmpty());
        // user x model has no rollup: answered from raw rows, and agrees with the rollups.
        const SpendReport userModel = run({Dimension::User, Dimension::Model});
        QCOMPARE(userModel.rows.size(), 3);
        QCOMPARE(userModel.totals.costNano, run({}).totals.costNano);
        QCOMPARE(
            run({Dimension::User}, {{Dimension::Model, {QStringLiteral("o4-mini")}}}).rows.first().metrics.requests,
            qint64(2));
        // Filters: same dimension = any of the values; unknown value = nothing.
        QCOMPARE(run({}, {{Dimension::Team, {QStringLiteral("red"), QStringLiteral("blue")}}}).totals.requests,
                 qint64(4));
        QCOMPARE(run({}, {{Dimension::Team, {QStringLiteral("green")}}}).totals.requests, qint64(0));
        // Most expensive first when not grouped by time.
        const SpendReport teams = run({Dimension::Team});
        QCOMPARE(teams.rows.first().keys.first(), QStringLiteral("blue"));
        // Time dimensions are not filters.
        SpendQuery bad;
        bad.filters = {{Dimension::Day, {QStringLiteral("2026-07-06")}}};
        QCOMPARE(runSpendQuery(*ledger, bad).error().code, ErrorCode::Usage);
    }

    void repricingRatesHistoryAndUpdatesRollups()
    {
        TempDir dir;
        auto ledger = openLedger(dir.ledgerPath());
        auto sink = createSqliteRequestSink(*ledger, kClock);
        UsageRecord unknown = record("u1", "2026-07-10T10:00:00Z", "acme-large", 1'000'000);
        unknown.cost.reset();
        unknown.costSource = CostSource::None;
        UsageRecord reported = record("r1", "2026-07-10T10:00:00Z", "acme-large", 1'000'000);
        reported.cost = usd("9.99");
        reported.costSource = CostSource::Reported;
        UsageRecord early = record("g1", "2026-07-01T10:00:00Z", "gpt-4o", 1'000'000);
        UsageRecord late = record("g2", "2026-08-15T10:00:00Z", "gpt-4o", 1'000'000);
        early.tokens.output = late.tokens.output = 0;
        write(*sink, {unknown, reported, early, late});

        Pricing::PriceEntry acme;
        acme.model = QStringLiteral("acme-large");
        acme.source = QStringLiteral("manual");
        acme.prices.input = 2'000'000; // $2 per million
        acme.prices.output = 8'000'000;
        Pricing::PriceEntry gpt4o;
        gpt4o.model = QStringLiteral("gpt-4o");
        gpt4o.source = QStringLiteral("manual");
        gpt4o.prices.input = 1'000'000;
        gpt4o.prices.output = 1'000'000;
        const auto update =
            updatePrices(*ledger, {acme, gpt4o}, std::nullopt, *parseTimestampMs("2026-08-01T09:00:00Z"));
        QVERIFY(update.ok());
        QCOMPARE(update->added, 1);   // acme: new, priced for all of history
        QCOMPARE(update->changed, 1); // gpt-4o: from 2026-08-01 on
        QCOMPARE(update->effectiveFromMs, *parseTimestampMs("2026-08-01T00:00:00Z"));
        QCOMPARE(updatePrices(*ledger, {acme}, std::nullopt, kClock.nowMs())->unchanged, 1);

        const auto repriced = repriceHistory(*ledger, *loadPriceCatalog(*ledger));
        QVERIFY(repriced.ok());
        QCOMPARE(repriced->examined, qint64(3)); // the reported cost is never touched
        QCOMPARE(repriced->newlyPriced, qint64(1));
        // acme: 1M input + 100k output at $2 / $8 -> $2.80 (was unpriced); the July gpt-4o request: the
        // bundled $2.50 (was the test's $1); the August one: the new $1 price, which it already had.
        QCOMPARE(repriced->changed, qint64(2));
        QCOMPARE(repriced->delta, usd("2.8") + usd("1.5"));
        SpendQuery byModel;
        byModel.groupBy = {Dimension::Model};
        const SpendReport after = *runSpendQuery(*ledger, byModel);
        QCOMPARE(after.totals.unpricedRequests, qint64(0));
        QCOMPARE(after.totals.costNano, usd("2.8") + usd("9.99") + usd("2.5") + usd("1"));
        // A second run finds nothing to change.
        QCOMPARE(repriceHistory(*ledger, *loadPriceCatalog(*ledger))->changed, qint64(0));
    }
};

QTEST_GUILESS_MAIN(TestLedger)
#include "tst_ledger.moc"

#include "ledger.h"

#include "migrations.h"

#include "common/logging.h"

#include <QAtomicInt>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QThread>

#include <sqlite3.h>

namespace CostGov::Storage {

Error dbError(const QSqlQuery &query, const char *what)
{
    return makeError(ErrorCode::Database,
                     QStringLiteral("cannot %1: %2").arg(QLatin1String(what), query.lastError().text()));
}

namespace {
QAtomicInt connectionCounter;
}

Ledger::~Ledger()
{
    if (m_db.isValid()) {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_connectionName);
    }
}

QString Ledger::defaultPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)
        + QStringLiteral("/costgov/ledger.sqlite");
}

int Ledger::latestSchemaVersion()
{
    return migrations().back().version;
}

Result<std::unique_ptr<Ledger>> Ledger::open(const QString &path, const OpenOptions &options)
{
    const QFileInfo info(path);
    if (info.exists() && !info.isFile())
        return makeError(ErrorCode::Io, QStringLiteral("%1 is not a file").arg(path));
    if (!QDir().mkpath(info.absolutePath()))
        return makeError(ErrorCode::Io, QStringLiteral("cannot create the folder %1").arg(info.absolutePath()));

    std::unique_ptr<Ledger> ledger(new Ledger);
    ledger->m_path = info.absoluteFilePath();
    ledger->m_connectionName = QStringLiteral("costgov-ledger-%1").arg(connectionCounter.fetchAndAddRelaxed(1));
    ledger->m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), ledger->m_connectionName);
    if (!ledger->m_db.isValid())
        return makeError(ErrorCode::Database,
                         QStringLiteral("the Qt SQLite driver is not installed (libqt6sql6-sqlite)"));
    ledger->m_db.setDatabaseName(ledger->m_path);
    // Writers wait for each other instead of failing: imports hold the lock for one batch at a time.
    ledger->m_db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=30000"));
    if (!ledger->m_db.open())
        return makeError(ErrorCode::Database,
                         QStringLiteral("cannot open the ledger %1: %2").arg(path, ledger->m_db.lastError().text()));
    const QVariant handle = ledger->m_db.driver()->handle();
    if (!handle.isValid() || qstrcmp(handle.typeName(), "sqlite3*") != 0)
        return makeError(ErrorCode::Database, QStringLiteral("the SQLite driver did not expose its handle"));
    ledger->m_handle = *static_cast<sqlite3 *const *>(handle.constData());

    {
        QSqlQuery probe(ledger->m_db);
        if (!probe.exec(QStringLiteral("SELECT count(*) FROM sqlite_master")))
            return makeError(ErrorCode::Database,
                             QStringLiteral("%1 is not a Cost Governor ledger (not an SQLite database): %2")
                                 .arg(path, probe.lastError().text()));
    }
    // page_size only takes effect on a new file (before its first table): 16 KiB pages make the
    // bulk insert path noticeably cheaper than the default 4 KiB.
    for (const char *pragma : {"PRAGMA page_size=16384", "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                               "PRAGMA cache_size=-32768", "PRAGMA temp_store=MEMORY"}) {
        // Switching a new file to WAL needs it to itself, and SQLite answers SQLITE_BUSY at once
        // rather than waiting while another connection opens it too: try again for a while.
        Status s;
        const bool wal = std::string_view(pragma).find("journal_mode") != std::string_view::npos;
        for (int attempt = 0; attempt < (wal ? 200 : 1); ++attempt) {
            QSqlQuery query(ledger->m_db);
            if (query.exec(QString::fromLatin1(pragma))) {
                s = {};
                break;
            }
            s = makeError(ErrorCode::Database,
                          QStringLiteral("cannot configure the ledger: %1").arg(query.lastError().text()));
            if (query.lastError().nativeErrorCode() != QLatin1String("5"))
                break;
            QThread::msleep(50);
        }
        if (!s.ok())
            return s.error();
    }
    const int target = options.migrateTo < 0 ? latestSchemaVersion() : options.migrateTo;
    if (const Status migrated = ledger->migrate(target); !migrated.ok())
        return migrated.error();
    return ledger;
}

Status Ledger::exec(const QString &sql, const QString &purpose)
{
    QSqlQuery query(m_db);
    if (!query.exec(sql))
        return makeError(ErrorCode::Database, QStringLiteral("cannot %1: %2").arg(purpose, query.lastError().text()));
    return {};
}

int Ledger::schemaVersion() const
{
    QSqlQuery query(m_db);
    if (!query.exec(QStringLiteral("SELECT max(version) FROM schema_migrations")) || !query.next())
        return 0;
    const int version = query.value(0).toInt();
    query.finish();
    return version;
}

Status Ledger::migrate(int target)
{
    if (Status s = exec(QStringLiteral("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                                       "applied_ms BIGINT NOT NULL, description TEXT NOT NULL)"),
                        QStringLiteral("create the migrations table"));
        !s.ok())
        return s;
    const int current = schemaVersion();
    if (current > latestSchemaVersion())
        return makeError(ErrorCode::Database,
                         QStringLiteral("the ledger %1 has schema version %2, newer than this program knows (%3); "
                                        "use a newer Cost Governor")
                             .arg(m_path)
                             .arg(current)
                             .arg(latestSchemaVersion()));
    for (const Migration &migration : migrations()) {
        if (migration.version <= current || migration.version > target)
            continue;
        const QString what =
            QStringLiteral("apply migration %1 (%2)").arg(migration.version).arg(migration.description);
        if (Status s = exec(QStringLiteral("BEGIN IMMEDIATE"), what); !s.ok())
            return s;
        // Another connection may have applied it while we waited for the write lock.
        if (schemaVersion() >= migration.version) {
            if (Status s = exec(QStringLiteral("ROLLBACK"), what); !s.ok())
                return s;
            continue;
        }
        QString error;
        bool ok = true;
        for (const QString &statement : migration.statements) {
            QSqlQuery query(m_db);
            if (!query.exec(statement)) {
                error = query.lastError().text();
                ok = false;
                break;
            }
        }
        if (ok && migration.afterStatements)
            ok = migration.afterStatements(*this, error);
        if (ok) {
            QSqlQuery record(m_db);
            record.prepare(
                QStringLiteral("INSERT INTO schema_migrations (version, applied_ms, description) VALUES (?, ?, ?)"));
            record.addBindValue(migration.version);
            record.addBindValue(QDateTime::currentMSecsSinceEpoch());
            record.addBindValue(migration.description);
            ok = record.exec();
            if (!ok)
                error = record.lastError().text();
        }
        if (!ok) {
            (void)exec(QStringLiteral("ROLLBACK"), what);
            return makeError(ErrorCode::Database, QStringLiteral("cannot %1: %2").arg(what, error));
        }
        if (Status s = exec(QStringLiteral("COMMIT"), what); !s.ok())
            return s;
        qCInfo(lcStorage) << "applied migration" << migration.version << migration.description;
    }
    return {};
}

} // namespace CostGov::Storage

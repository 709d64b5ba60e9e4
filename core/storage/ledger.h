#pragma once

#include "common/result.h"

#include <QSqlDatabase>
#include <QString>

#include <memory>

struct sqlite3;

class QSqlQuery;

namespace CostGov::Storage {

/// A failed query as an Error: "cannot <what>: <the database's message>".
Error dbError(const QSqlQuery &query, const char *what);

/// Options for opening a ledger.
struct OpenOptions {
    /// Apply migrations up to this version only (tests build old ledgers with it); -1 = all.
    int migrateTo = -1;
};

/// One connection to the ledger (SQLite file). One per thread: never share an instance.
class Ledger final {
public:
    ~Ledger();
    Q_DISABLE_COPY_MOVE(Ledger)

    /// Opens (creating if needed) the ledger at path, switches it to WAL and migrates it.
    static Result<std::unique_ptr<Ledger>> open(const QString &path, const OpenOptions &options = {});

    /// Where the ledger lives when no --db is given: $XDG_DATA_HOME/costgov/ledger.sqlite.
    static QString defaultPath();

    QSqlDatabase &db() { return m_db; }
    /// The SQLite handle behind db(), for the bulk insert path.
    sqlite3 *handle() const { return m_handle; }
    QString path() const { return m_path; }
    int schemaVersion() const;
    static int latestSchemaVersion();

    /// Runs a statement that returns nothing; the error names the statement's purpose.
    Status exec(const QString &sql, const QString &purpose);

private:
    Ledger() = default;
    Status migrate(int target);

    QSqlDatabase m_db;
    QString m_connectionName;
    QString m_path;
    sqlite3 *m_handle = nullptr;
};

/// Dimension kinds of the labels dictionary (values are stored once and referenced by id).
enum class LabelKind : int {
    Source = 1,
    Provider = 2,
    Model = 3,
    RequestedModel = 4,
    Team = 5,
    Feature = 6,
    User = 7,
    Environment = 8,
    Project = 9,
    Route = 10,
    Status = 11,
};

/// Bits of requests.flags.
namespace RequestFlags {
inline constexpr int CostSourceMask = 0x3; ///< CostSource value
inline constexpr int CacheHit = 0x4;
inline constexpr int Batch = 0x8;
inline constexpr int Error = 0x10;
} // namespace RequestFlags

} // namespace CostGov::Storage

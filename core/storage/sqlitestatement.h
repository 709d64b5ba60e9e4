#pragma once

#include <QByteArray>
#include <QString>

#include <sqlite3.h>

#include <optional>
#include <string_view>

namespace CostGov::Storage {

/// A prepared SQLite statement for the hot paths where QSqlQuery is too slow (bulk import).
class SqliteStatement final {
public:
    SqliteStatement() = default;
    ~SqliteStatement() { sqlite3_finalize(m_stmt); }
    Q_DISABLE_COPY_MOVE(SqliteStatement)

    bool prepare(sqlite3 *db, const char *sql)
    {
        sqlite3_finalize(m_stmt);
        m_stmt = nullptr;
        return sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &m_stmt, nullptr) == SQLITE_OK;
    }

    void bind(int index, qint64 value) { sqlite3_bind_int64(m_stmt, index, value); }
    void bind(int index, std::string_view text)
    {
        sqlite3_bind_text(m_stmt, index, text.data(), int(text.size()), SQLITE_STATIC);
    }
    void bind(int index, const std::optional<qint64> &value)
    {
        if (value)
            sqlite3_bind_int64(m_stmt, index, *value);
        else
            sqlite3_bind_null(m_stmt, index);
    }
    void bindNull(int index) { sqlite3_bind_null(m_stmt, index); }
    /// Binds a copy, for text that does not outlive the step.
    void bindCopy(int index, const QByteArray &utf8)
    {
        sqlite3_bind_text(m_stmt, index, utf8.constData(), int(utf8.size()), SQLITE_TRANSIENT);
    }

    /// Steps once; returns SQLITE_ROW, SQLITE_DONE or an error code.
    int step() { return sqlite3_step(m_stmt); }
    /// Runs a statement that returns no rows and resets it. True on success.
    bool run()
    {
        const int rc = sqlite3_step(m_stmt);
        sqlite3_reset(m_stmt);
        return rc == SQLITE_DONE || rc == SQLITE_ROW;
    }
    void reset()
    {
        sqlite3_reset(m_stmt);
        sqlite3_clear_bindings(m_stmt);
    }
    qint64 columnInt(int column) const { return sqlite3_column_int64(m_stmt, column); }
    bool columnIsNull(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }
    std::string_view columnText(int column) const
    {
        const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(m_stmt, column));
        return text ? std::string_view(text, size_t(sqlite3_column_bytes(m_stmt, column))) : std::string_view();
    }

private:
    sqlite3_stmt *m_stmt = nullptr;
};

/// The last error of a connection, as text.
inline QString sqliteError(sqlite3 *db)
{
    return QString::fromUtf8(sqlite3_errmsg(db));
}

} // namespace CostGov::Storage

#include "ledgerqueries.h"

#include "ledger.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>

namespace CostGov::Storage {

namespace {
QString limitClause(int limit)
{
    return limit > 0 ? QStringLiteral(" LIMIT %1").arg(limit) : QString();
}

Error queryError(const QSqlQuery &q, const char *what)
{
    return makeError(ErrorCode::Database,
                     QStringLiteral("cannot read %1: %2").arg(QLatin1String(what), q.lastError().text()));
}
} // namespace

Result<QVector<QuarantinedLine>> listQuarantine(Ledger &ledger, int limit)
{
    QSqlQuery q(ledger.db());
    if (!q.exec(
            QStringLiteral("SELECT id, import_id, path, line, reason, raw, created_ms FROM quarantine ORDER BY id DESC")
            + limitClause(limit)))
        return queryError(q, "the quarantine");
    QVector<QuarantinedLine> lines;
    while (q.next()) {
        QuarantinedLine l;
        l.id = q.value(0).toLongLong();
        l.importId = q.value(1).toLongLong();
        l.path = q.value(2).toString();
        l.line = q.value(3).toLongLong();
        l.reason = q.value(4).toString();
        l.raw = q.value(5).toString().toUtf8();
        l.createdMs = q.value(6).toLongLong();
        lines.append(l);
    }
    return lines;
}

Result<QVector<ImportRun>> listImports(Ledger &ledger, int limit)
{
    QSqlQuery q(ledger.db());
    if (!q.exec(QStringLiteral(
                    "SELECT id, started_ms, finished_ms, status, source, paths, message, files, lines, imported, "
                    "duplicates, skipped, quarantined, unpriced FROM imports ORDER BY id DESC")
                + limitClause(limit)))
        return queryError(q, "the import history");
    QVector<ImportRun> runs;
    while (q.next()) {
        ImportRun r;
        r.id = q.value(0).toLongLong();
        r.startedMs = q.value(1).toLongLong();
        r.finishedMs = q.value(2).toLongLong();
        r.status = q.value(3).toString();
        r.source = q.value(4).toString();
        for (const QJsonValue &p : QJsonDocument::fromJson(q.value(5).toString().toUtf8()).array())
            r.paths.append(p.toString());
        r.message = q.value(6).toString();
        r.counters.files = q.value(7).toLongLong();
        r.counters.lines = q.value(8).toLongLong();
        r.counters.imported = q.value(9).toLongLong();
        r.counters.duplicates = q.value(10).toLongLong();
        r.counters.skipped = q.value(11).toLongLong();
        r.counters.quarantined = q.value(12).toLongLong();
        r.counters.unpriced = q.value(13).toLongLong();
        runs.append(r);
    }
    return runs;
}

Result<QVector<UnpricedModel>> unpricedModels(Ledger &ledger)
{
    QSqlQuery q(ledger.db());
    if (!q.exec(QStringLiteral("SELECT m.value, p.value, SUM(x.unpriced_requests) AS n FROM rollup_daily x "
                               "JOIN labels m ON m.id = x.model JOIN labels p ON p.id = x.provider "
                               "WHERE x.unpriced_requests > 0 GROUP BY m.value, p.value ORDER BY n DESC, m.value")))
        return queryError(q, "unpriced models");
    QVector<UnpricedModel> models;
    while (q.next())
        models.append({q.value(0).toString(), q.value(1).toString(), q.value(2).toLongLong()});
    return models;
}

} // namespace CostGov::Storage

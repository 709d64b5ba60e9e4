#include "requestlist.h"

#include "ledger.h"

#include <QSqlError>
#include <QSqlQuery>

#include <limits>

namespace CostGov::Storage {

namespace {

// The label columns of dimsets, in RequestRow order (user comes from the request itself).
const char *const kLabelColumns[] = {"d.source",  "d.provider", "d.model",     "d.requested_model",
                                     "d.team",    "d.feature",  "x.user_name", "d.environment",
                                     "d.project", "d.route",    "d.status"};

Error dbError(const QSqlQuery &query)
{
    return makeError(ErrorCode::Database, QStringLiteral("cannot list requests: %1").arg(query.lastError().text()));
}

} // namespace

Result<RequestPage> listRequests(Ledger &ledger, const DayRange &range, const QVector<SpendFilter> &filters,
                                 const std::optional<RequestCursor> &after, int limit)
{
    RequestPage page;
    QStringList where{QStringLiteral("x.id BETWEEN :first AND :last"), QStringLiteral("x.day = :day")};
    const auto matched = requestFilterConditions(ledger, filters, where);
    if (!matched.ok())
        return matched.error();
    if (!*matched)
        return page;

    QStringList labels;
    for (const char *column : kLabelColumns)
        labels.append(QStringLiteral("(SELECT value FROM labels WHERE id = %1)").arg(QLatin1String(column)));
    QSqlQuery rows(ledger.db());
    rows.setForwardOnly(true);
    if (!rows.prepare(QStringLiteral("SELECT x.id, x.ts, x.request_id, x.input_tokens, x.output_tokens, "
                                     "x.cache_read_tokens, x.cache_write_tokens, x.cache_write_1h_tokens, x.cost_nano, "
                                     "x.flags, x.latency_ms, x.tags, x.import_id, %1 "
                                     "FROM requests x JOIN dimsets d ON d.id = x.dimset WHERE %2 "
                                     "ORDER BY x.id DESC LIMIT :limit")
                          .arg(labels.join(QStringLiteral(", ")), where.join(QStringLiteral(" AND ")))))
        return dbError(rows);
    QSqlQuery segments(ledger.db());
    segments.setForwardOnly(true);
    if (!segments.prepare(QStringLiteral("SELECT first_id, last_id FROM request_segments WHERE day = ? AND "
                                         "first_id < ? ORDER BY first_id DESC")))
        return dbError(segments);

    RequestCursor cursor = after.value_or(RequestCursor{range.to, std::numeric_limits<qint64>::max()});
    for (; cursor.day >= range.from; --cursor.day, cursor.beforeId = std::numeric_limits<qint64>::max()) {
        segments.addBindValue(cursor.day);
        segments.addBindValue(cursor.beforeId);
        if (!segments.exec())
            return dbError(segments);
        QVector<std::pair<qint64, qint64>> idRanges;
        while (segments.next())
            idRanges.append({segments.value(0).toLongLong(), segments.value(1).toLongLong()});
        for (const auto &[first, last] : idRanges) {
            rows.bindValue(QStringLiteral(":first"), first);
            rows.bindValue(QStringLiteral(":last"), std::min(last, cursor.beforeId - 1));
            rows.bindValue(QStringLiteral(":day"), cursor.day);
            rows.bindValue(QStringLiteral(":limit"), limit - page.rows.size());
            if (!rows.exec())
                return dbError(rows);
            while (rows.next()) {
                RequestRow r;
                r.id = rows.value(0).toLongLong();
                r.tsMs = rows.value(1).toLongLong();
                r.requestId = rows.value(2).toString();
                r.inputTokens = rows.value(3).toLongLong();
                r.outputTokens = rows.value(4).toLongLong();
                r.cacheReadTokens = rows.value(5).toLongLong();
                r.cacheWriteTokens = rows.value(6).toLongLong();
                r.cacheWrite1hTokens = rows.value(7).toLongLong();
                if (!rows.isNull(8))
                    r.cost = rows.value(8).toLongLong();
                r.flags = rows.value(9).toInt();
                if (!rows.isNull(10))
                    r.latencyMs = rows.value(10).toLongLong();
                r.tagsJson = rows.value(11).toString();
                r.importId = rows.value(12).toLongLong();
                QString *names[] = {&r.source, &r.provider,    &r.model,   &r.requestedModel, &r.team,  &r.feature,
                                    &r.user,   &r.environment, &r.project, &r.route,          &r.status};
                for (int i = 0; i < int(std::size(names)); ++i)
                    *names[i] = rows.value(13 + i).toString();
                page.rows.append(r);
            }
            if (page.rows.size() == limit) {
                page.next = RequestCursor{cursor.day, page.rows.constLast().id};
                return page;
            }
        }
    }
    return page;
}

} // namespace CostGov::Storage

#pragma once

#include "spendquery.h"

#include "common/daterange.h"
#include "common/money.h"

#include <QString>
#include <QVector>

#include <optional>

namespace CostGov::Storage {

class Ledger;

/// One stored request with every field, its dimension values spelled out.
struct RequestRow {
    qint64 id = 0; ///< row id: order of import
    qint64 tsMs = 0;
    QString requestId;
    QString source, provider, model, requestedModel, team, feature, user, environment, project, route, status;
    qint64 inputTokens = 0, outputTokens = 0, cacheReadTokens = 0, cacheWriteTokens = 0, cacheWrite1hTokens = 0;
    std::optional<Nano> cost; ///< nullopt: unpriced
    int flags = 0;            ///< RequestFlags
    std::optional<qint64> latencyMs;
    QString tagsJson;
    qint64 importId = 0;
};

/// Where the next page starts: the rows of day stored before beforeId, then the days before it.
struct RequestCursor {
    qint64 day = 0;
    qint64 beforeId = 0;
};

struct RequestPage {
    QVector<RequestRow> rows;
    std::optional<RequestCursor> next; ///< nullopt: nothing more
};

/// A page of the requests of a day range that pass the filters, newest day first and, within a
/// day, last imported first. Reads only the pages asked for (keyset paging over each day's
/// request ids), so it stays fast on a ledger of any size.
Result<RequestPage> listRequests(Ledger &ledger, const DayRange &range, const QVector<SpendFilter> &filters,
                                 const std::optional<RequestCursor> &after, int limit);

} // namespace CostGov::Storage

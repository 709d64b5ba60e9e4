#pragma once

#include "common/result.h"

#include <QString>
#include <QVector>

#include <vector>

namespace CostGov::Storage {

class Ledger;

/// The dimensions rollups can keep, in the order of RollupKey slots.
enum class RollupDimension { Source, Provider, Model, Team, Feature, Environment, Project, User, Count };

/// Column name of a rollup dimension (label ids in every rollup table, and in dimsets or requests).
const char *rollupColumn(RollupDimension dimension);
/// "r." when the dimension is a column of requests (user), "d." when of dimsets.
const char *requestsColumnPrefix(RollupDimension dimension);

/// One rollup table: daily figures by a subset of the dimensions. Reports read the smallest table
/// that has every dimension they group or filter by.
struct RollupSpec {
    const char *table;
    std::vector<RollupDimension> dimensions;
};

/// Every rollup table, smallest first (the order the query planner tries them).
const std::vector<RollupSpec> &rollupSpecs();

/// CREATE TABLE statement of a rollup table.
QString rollupTableSql(const RollupSpec &spec);

/// Recomputes one rollup table from the requests table for the given days (every day
/// request_segments lists when empty). Runs inside the caller's transaction.
Status rebuildRollup(Ledger &ledger, const RollupSpec &spec, const QVector<qint64> &days);

/// Every rollup table.
Status rebuildAllRollups(Ledger &ledger, const QVector<qint64> &days);

} // namespace CostGov::Storage

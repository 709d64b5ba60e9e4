#pragma once

#include "common/usagerecord.h"

#include <QByteArray>

// The project's own request log, written: the counterpart of the canonical reader.
namespace CostGov::Ingest {

/// One canonical JSONL line of a record, newline included: ts in UTC, request_id from its identity,
/// optional fields only when set, tagsJson as the tags object.
QByteArray canonicalLine(const UsageRecord &record);

} // namespace CostGov::Ingest

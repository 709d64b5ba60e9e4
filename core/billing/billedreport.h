#pragma once

#include "common/result.h"
#include "storage/spendquery.h"

namespace CostGov::Billing {

/// A spend report of what the providers billed (costgovctl sync), with the same dimensions and
/// filters as the metered one: day, week, month, provider, model and project come from the bill,
/// team and feature from the attribution rules ("unallocated" where none matches), user,
/// environment and source are "unallocated". Only the cost metric is set.
Result<Storage::SpendReport> runBilledQuery(Storage::Ledger &ledger, const Storage::SpendQuery &query);

} // namespace CostGov::Billing

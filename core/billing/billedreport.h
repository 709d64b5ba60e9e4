#pragma once

#include "common/result.h"
#include "storage/spendquery.h"

namespace CostGov::Billing {

/// The text billed costs carry for dimensions only attribution can fill (team, feature, user,
/// environment, source).
QString unallocated();

/// A spend report of what the providers billed (costgovctl sync), with the same dimensions and
/// filters as the metered one: day, week, month, provider, model and project come from the bill;
/// the others are "unallocated" until attribution rules map them. Only the cost metric is set.
Result<Storage::SpendReport> runBilledQuery(Storage::Ledger &ledger, const Storage::SpendQuery &query);

} // namespace CostGov::Billing

#pragma once

#include "spendquery.h"

#include <QByteArray>
#include <QString>

namespace CostGov::Storage {

/// {"rows":[{<dims>, "requests":N, ..., "cost_nano":N, "cost_usd":X, ...}], "totals":{...}}; money exact.
QByteArray spendReportJson(const SpendReport &report);
/// A header row and one row per group, plus a TOTAL row; money exact.
QByteArray spendReportCsv(const SpendReport &report);
/// Aligned columns for a terminal, money rounded to cents (4 decimals under a dollar).
QString spendReportTable(const SpendReport &report);

} // namespace CostGov::Storage

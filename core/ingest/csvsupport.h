#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace CostGov::Ingest {

/// Splits one RFC 4180 row into unquoted cells. Returns false when quotes do not balance.
bool splitCsvRow(std::string_view row, std::vector<std::string> &cells);

} // namespace CostGov::Ingest

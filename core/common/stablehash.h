#pragma once

#include <QtGlobal>

#include <string_view>

namespace CostGov {

/// XXH64 of a byte string with seed 0. Stable across builds, platforms and Qt versions, so it can
/// be stored: record identities and file fingerprints in the ledger depend on it never changing.
quint64 stableHash64(std::string_view bytes, quint64 seed = 0);

} // namespace CostGov

#pragma once

#include "common/result.h"

#include <QByteArray>
#include <QString>

#include <atomic>

namespace CostGov::Pricing {

/// Where `prices update` loads the genai-prices feed from unless told otherwise (SOURCE.md).
inline constexpr char kGenaiPricesUrl[] =
    "https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/new_data/v2/data.json";

/// A price file is refused above this size (the feed is about 0.4 MB).
inline constexpr qint64 kMaxPriceFileBytes = 64LL * 1024 * 1024;

/// Reads a price file from a path or an http(s) URL. Errors name the source and what failed
/// (not found, HTTP status, too large, timed out, cancelled).
Result<QByteArray> readPriceSource(const QString &source, int timeoutMs = 60'000,
                                   const std::atomic_bool *cancelled = nullptr);

} // namespace CostGov::Pricing

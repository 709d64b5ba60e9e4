#pragma once

#include "importjob.h"

namespace CostGov::Ingest {

struct DemoOptions {
    int days = 90;    ///< days of traffic, ending now
    quint64 seed = 1; ///< the same seed gives the same requests (loading twice adds nothing)
    int batchSize = 25'000;
    /// bytesDone / bytesTotal count generated days here, not bytes.
    std::function<void(const ImportProgress &)> progress;
    const std::atomic_bool *cancel = nullptr;
};

/// Generates a realistic organisation's LLM traffic for the days up to the clock's now and stores
/// it as source "demo", like an import (history, rollups, pricing from the ledger's catalog).
/// Inside it: a support chatbot on a frontier model (~500,000 requests and ~$18,000 a month),
/// six teams with skewed features, models and users, a one-day cost spike every 45 days (see
/// isSpikeDay) and a few requests a day for a model without a price.
/// The days of the demo's cost spike: fixed calendar days (one in 45), whatever day it is loaded.
bool isSpikeDay(qint64 day, quint64 seed);

Result<ImportSummary> loadDemoData(Storage::Ledger &ledger, const DemoOptions &options, const Clock &clock);

} // namespace CostGov::Ingest

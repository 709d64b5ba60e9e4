#pragma once

#include "common/result.h"
#include "pricing/pricecatalog.h"

namespace CostGov::Storage {

class Ledger;

/// Stores dated prices; an entry for a model and effective date that exists is replaced.
Status storePriceEntries(Ledger &ledger, const QVector<Pricing::PriceEntry> &entries, qint64 addedMs);

/// The whole catalog, every effective date.
Result<Pricing::PriceCatalog> loadPriceCatalog(Ledger &ledger);

} // namespace CostGov::Storage

namespace CostGov::Storage {

/// What a catalog update did.
struct PriceUpdateReport {
    int added = 0;     ///< models without a price before: priced from the start of history
    int changed = 0;   ///< models whose price changed: the new price applies from the effective date
    int unchanged = 0; ///< same price as in force already
    qint64 effectiveFromMs = 0;
};

/// Adds prices to the catalog. Without an explicit effective date, a model new to the catalog is
/// priced for all of history and a changed price applies from nowMs's day, keeping the old price
/// for what came before. Identical prices are not added again. One transaction.
Result<PriceUpdateReport> updatePrices(Ledger &ledger, const QVector<Pricing::PriceEntry> &entries,
                                       std::optional<qint64> effectiveFromMs, qint64 nowMs);

} // namespace CostGov::Storage

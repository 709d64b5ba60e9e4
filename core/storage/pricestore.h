#pragma once

#include "common/result.h"
#include "pricing/pricecatalog.h"
#include "storage/repricer.h"

namespace CostGov::Storage {

class Ledger;

/// Stores dated prices; an entry for a model and effective date that exists is replaced.
Status storePriceEntries(Ledger &ledger, const QVector<Pricing::PriceEntry> &entries, qint64 addedMs);

/// The whole catalog, every effective date: hand-set and imported prices, imported genai-prices
/// files, and the newest updated feed (else the bundled one).
Result<Pricing::PriceCatalog> loadPriceCatalog(Ledger &ledger);

/// A genai-prices file kept in the ledger: a catalog update, or an import above the catalog.
enum class FeedKind { Catalog, Imported };
struct StoredFeed {
    FeedKind kind = FeedKind::Catalog;
    QString name; ///< file name or URL it came from
    QByteArray content;
    qint64 addedMs = 0;
};

/// Keeps a price file; the caller has checked that it parses.
Status storePriceFeed(Ledger &ledger, FeedKind kind, const QString &name, const QByteArray &content, qint64 addedMs);

/// The kept price files, oldest first.
Result<QVector<StoredFeed>> loadPriceFeeds(Ledger &ledger);

/// A kept file parsed, once per process.
Result<std::shared_ptr<const Pricing::PriceFeed>> parsedFeed(const StoredFeed &stored);

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

/// A newer genai-prices feed checked and compared with the one in force, not yet applied.
struct CatalogUpdate {
    QString name; ///< file or URL it came from
    QByteArray content;
    QVector<Pricing::FeedChange> changes; ///< models added, removed or priced differently
};

/// Parses a feed and compares it with the catalog feed in force. A malformed feed is refused
/// with the reason; nothing is stored.
Result<CatalogUpdate> prepareCatalogUpdate(Ledger &ledger, const QString &name, const QByteArray &content);

/// Makes the feed the catalog (kept in the ledger) and re-rates the history priced from the
/// catalog, as reprice does.
Result<RepriceReport> applyCatalogUpdate(Ledger &ledger, const CatalogUpdate &update, qint64 nowMs);

} // namespace CostGov::Storage

#pragma once

#include "common/result.h"
#include "pricing/pricefeed.h"
#include "pricing/tokenprices.h"

#include <QByteArray>
#include <QHash>
#include <QString>
#include <QStringList>
#include <QVector>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace CostGov::Pricing {

/// Where the price in force for a request comes from, strongest first.
enum class PriceLayer { Manual, Imported, Catalog };

/// The dated price catalog: prices set by hand, then imported files (LiteLLM or genai-prices
/// format), then the genai-prices feed (bundled or updated). At a request's time the first layer
/// with a price in force for its model wins.
class PriceCatalog {
public:
    /// An empty catalog: no feed, no entries.
    PriceCatalog() = default;
    PriceCatalog(const PriceCatalog &other);
    PriceCatalog &operator=(const PriceCatalog &other);

    /// Adds a dated price: source "manual" to the hand-set layer, anything else to the imported one.
    void add(const PriceEntry &entry);
    /// The genai-prices feed under everything else (nullptr: none).
    void setFeed(std::shared_ptr<const PriceFeed> feed);
    /// An imported genai-prices file: above the feed, below imported LiteLLM entries; newest first.
    void addImportedFeed(std::shared_ptr<const PriceFeed> feed);

    const QVector<PriceEntry> &entries() const { return m_entries; }
    const PriceFeed *feed() const { return m_feed.get(); }
    const std::vector<std::shared_ptr<const PriceFeed>> &importedFeeds() const { return m_importedFeeds; }
    bool isEmpty() const { return m_entries.isEmpty() && !m_feed && m_importedFeeds.empty(); }

    /// The price in force for a request of this provider (may be empty) and model at a time, or nullptr.
    const PriceEntry *find(std::string_view provider, std::string_view model, qint64 tsMs) const;
    const PriceEntry *find(std::string_view model, qint64 tsMs) const { return find({}, model, tsMs); }

    /// The layer of a price find() returned.
    static PriceLayer layerOf(const PriceEntry &entry);

    /// The entry key a hand-set or imported price of this name is stored under, or an empty string.
    QString resolve(std::string_view model) const;

private:
    struct Resolved {
        const QVector<int> *manual = nullptr;
        const QVector<int> *imported = nullptr;
        std::vector<const FeedModel *> feedModels; ///< imported feeds, then the feed
    };
    const Resolved &resolved(std::string_view provider, std::string_view model) const;
    const QVector<int> *entriesFor(const QHash<QString, QVector<int>> &byKey, std::string_view model) const;
    const PriceEntry *inForce(const QVector<int> *list, qint64 tsMs) const;
    void forget() const;

    QVector<PriceEntry> m_entries;
    QHash<QString, QVector<int>> m_manual;   // catalog key -> entry indices, oldest first
    QHash<QString, QVector<int>> m_imported; // the same for imported files
    std::shared_ptr<const PriceFeed> m_feed;
    std::vector<std::shared_ptr<const PriceFeed>> m_importedFeeds;

    struct TransparentHash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
    };
    // "provider\x1fmodel" -> what it resolves to; a hit costs one lookup and no allocation. The
    // catalog is shared by an agent's request threads, hence the lock.
    mutable std::mutex m_cacheLock;
    mutable std::unordered_map<std::string, Resolved, TransparentHash, std::equal_to<>> m_resolved;
    mutable std::string m_key;
};

/// One price as the Prices page and `costgovctl prices` list it.
struct CatalogRow {
    PriceEntry entry;
    PriceCondition when; ///< from a date, during a daily interval, or always
    PriceLayer layer = PriceLayer::Catalog;
    QString overriddenBy; ///< the source of a stronger price in force now for this model, or empty
};

/// Every price in force at nowMs, with future and time-of-day ones (all: every dated price too),
/// hand-set first, then imported, then the feed; by model within a layer.
QVector<CatalogRow> catalogRows(const PriceCatalog &catalog, qint64 nowMs, bool all);

/// What a catalog file yielded.
struct ParsedCatalog {
    QVector<PriceEntry> entries;
    QStringList skipped; ///< keys without per-token prices (images, audio, search...)
};

/// Parses a LiteLLM model_prices_and_context_window.json style document. Entries may carry an
/// "effective_from": "YYYY-MM-DD" of ours; otherwise effectiveFromMs applies.
Result<ParsedCatalog> parseLiteLlmCatalog(const QByteArray &json, qint64 effectiveFromMs, const QString &source);

/// Adds a price file in either format to the imported layer: a LiteLLM map as entries, a
/// genai-prices feed as an imported feed. The error names the file's problem.
Status addPriceFile(PriceCatalog &catalog, const QByteArray &json, const QString &source);

} // namespace CostGov::Pricing

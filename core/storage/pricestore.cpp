#include "pricestore.h"

#include "ledger.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include "common/stablehash.h"
#include "common/timeutil.h"

#include <map>
#include <mutex>

namespace CostGov::Storage {

namespace {

QVariant priceValue(const std::optional<Pricing::PicoPerToken> &price)
{
    return price ? QVariant(qlonglong(*price)) : QVariant(QMetaType(QMetaType::LongLong));
}

std::optional<Pricing::PicoPerToken> priceFrom(const QVariant &value)
{
    if (value.isNull())
        return std::nullopt;
    return value.toLongLong();
}

} // namespace

Status storePriceEntries(Ledger &ledger, const QVector<Pricing::PriceEntry> &entries, qint64 addedMs)
{
    QSqlQuery query(ledger.db());
    if (!query.prepare(QStringLiteral(
            "INSERT INTO prices (model, provider, effective_from_ms, input_pico, output_pico, cache_read_pico, "
            "cache_write_5m_pico, cache_write_1h_pico, batch_input_pico, batch_output_pico, tier_threshold, "
            "tier_input_pico, tier_output_pico, tier_cache_read_pico, tier_cache_write_5m_pico, source, added_ms) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (model, effective_from_ms) DO UPDATE SET provider = excluded.provider, "
            "input_pico = excluded.input_pico, output_pico = excluded.output_pico, "
            "cache_read_pico = excluded.cache_read_pico, cache_write_5m_pico = excluded.cache_write_5m_pico, "
            "cache_write_1h_pico = excluded.cache_write_1h_pico, batch_input_pico = excluded.batch_input_pico, "
            "batch_output_pico = excluded.batch_output_pico, tier_threshold = excluded.tier_threshold, "
            "tier_input_pico = excluded.tier_input_pico, tier_output_pico = excluded.tier_output_pico, "
            "tier_cache_read_pico = excluded.tier_cache_read_pico, "
            "tier_cache_write_5m_pico = excluded.tier_cache_write_5m_pico, source = excluded.source, "
            "added_ms = excluded.added_ms")))
        return makeError(ErrorCode::Database, QStringLiteral("cannot store prices: %1").arg(query.lastError().text()));
    for (const Pricing::PriceEntry &e : entries) {
        const Pricing::TokenPrices &p = e.prices;
        // A hand-set or LiteLLM price has one long-context tier at most.
        const Pricing::PriceTier tier = p.tiers.empty() ? Pricing::PriceTier{} : p.tiers.front();
        const QVariantList values{e.model,
                                  e.provider.isNull() ? QStringLiteral("") : e.provider,
                                  qlonglong(e.effectiveFromMs),
                                  priceValue(p.input),
                                  priceValue(p.output),
                                  priceValue(p.cacheRead),
                                  priceValue(p.cacheWrite5m),
                                  priceValue(p.cacheWrite1h),
                                  priceValue(p.batchInput),
                                  priceValue(p.batchOutput),
                                  qlonglong(tier.start),
                                  priceValue(tier.input),
                                  priceValue(tier.output),
                                  priceValue(tier.cacheRead),
                                  priceValue(tier.cacheWrite5m),
                                  e.source.isNull() ? QStringLiteral("") : e.source,
                                  qlonglong(addedMs)};
        for (int i = 0; i < values.size(); ++i)
            query.bindValue(i, values[i]);
        if (!query.exec())
            return makeError(ErrorCode::Database,
                             QStringLiteral("cannot store the price of %1: %2").arg(e.model, query.lastError().text()));
    }
    return {};
}

Result<Pricing::PriceCatalog> loadPriceCatalog(Ledger &ledger)
{
    QSqlQuery query(ledger.db());
    if (!query.exec(QStringLiteral(
            "SELECT model, provider, effective_from_ms, input_pico, output_pico, cache_read_pico, cache_write_5m_pico, "
            "cache_write_1h_pico, batch_input_pico, batch_output_pico, tier_threshold, tier_input_pico, "
            "tier_output_pico, tier_cache_read_pico, tier_cache_write_5m_pico, source FROM prices "
            "ORDER BY model, effective_from_ms, id")))
        return makeError(ErrorCode::Database,
                         QStringLiteral("cannot read the price catalog: %1").arg(query.lastError().text()));
    Pricing::PriceCatalog catalog;
    while (query.next()) {
        Pricing::PriceEntry e;
        e.model = query.value(0).toString();
        e.provider = query.value(1).toString();
        e.effectiveFromMs = query.value(2).toLongLong();
        Pricing::TokenPrices &p = e.prices;
        p.input = priceFrom(query.value(3));
        p.output = priceFrom(query.value(4));
        p.cacheRead = priceFrom(query.value(5));
        p.cacheWrite5m = priceFrom(query.value(6));
        p.cacheWrite1h = priceFrom(query.value(7));
        p.batchInput = priceFrom(query.value(8));
        p.batchOutput = priceFrom(query.value(9));
        if (const qint64 start = query.value(10).toLongLong(); start > 0)
            p.tiers.push_back({start, priceFrom(query.value(11)), priceFrom(query.value(12)),
                               priceFrom(query.value(13)), priceFrom(query.value(14)), std::nullopt});
        e.source = query.value(15).toString();
        catalog.add(e);
    }
    auto feeds = loadPriceFeeds(ledger);
    if (!feeds.ok())
        return feeds.error();
    catalog.setFeed(Pricing::bundledFeed());
    for (const StoredFeed &stored : *feeds) {
        auto feed = parsedFeed(stored);
        if (!feed.ok())
            return makeError(ErrorCode::Data,
                             QStringLiteral("the price file %1 kept in the ledger cannot be read: %2")
                                 .arg(stored.name, feed.error().message));
        if (stored.kind == FeedKind::Catalog)
            catalog.setFeed(*feed); // oldest first: the newest update wins
        else
            catalog.addImportedFeed(*feed);
    }
    return catalog;
}

Status storePriceFeed(Ledger &ledger, FeedKind kind, const QString &name, const QByteArray &content, qint64 addedMs)
{
    QSqlQuery query(ledger.db());
    query.prepare(QStringLiteral("INSERT INTO price_feeds (kind, name, content, added_ms) VALUES (?, ?, ?, ?)"));
    query.addBindValue(kind == FeedKind::Catalog ? QStringLiteral("catalog") : QStringLiteral("import"));
    query.addBindValue(name);
    query.addBindValue(QString::fromUtf8(content));
    query.addBindValue(qlonglong(addedMs));
    if (!query.exec())
        return makeError(ErrorCode::Database,
                         QStringLiteral("cannot keep the price file %1: %2").arg(name, query.lastError().text()));
    return {};
}

Result<QVector<StoredFeed>> loadPriceFeeds(Ledger &ledger)
{
    QSqlQuery query(ledger.db());
    if (!query.exec(QStringLiteral("SELECT kind, name, content, added_ms FROM price_feeds ORDER BY id")))
        return makeError(ErrorCode::Database,
                         QStringLiteral("cannot read the price files: %1").arg(query.lastError().text()));
    QVector<StoredFeed> feeds;
    while (query.next()) {
        StoredFeed f;
        f.kind = query.value(0).toString() == QLatin1String("catalog") ? FeedKind::Catalog : FeedKind::Imported;
        f.name = query.value(1).toString();
        f.content = query.value(2).toString().toUtf8();
        f.addedMs = query.value(3).toLongLong();
        feeds.append(f);
    }
    return feeds;
}

Result<std::shared_ptr<const Pricing::PriceFeed>> parsedFeed(const StoredFeed &stored)
{
    // Parsed once per process: every page refresh and command loads the catalog.
    static std::mutex lock;
    static std::map<quint64, std::shared_ptr<const Pricing::PriceFeed>> parsed;
    const std::lock_guard guard(lock);
    // The label (kind, name, date) is part of what was parsed.
    QByteArray label = stored.name.toUtf8();
    label += QByteArray::number(stored.addedMs);
    label += QByteArray::number(int(stored.kind));
    const quint64 key = stableHash64(std::string_view(stored.content.constData(), size_t(stored.content.size())),
                                     stableHash64(std::string_view(label.constData(), size_t(label.size()))));
    if (const auto it = parsed.find(key); it != parsed.end())
        return it->second;
    QString source = stored.name;
    if (stored.kind == FeedKind::Catalog)
        source = QStringLiteral("genai-prices (updated %1 from %2)").arg(isoDate(utcDay(stored.addedMs)), stored.name);
    auto feed = Pricing::PriceFeed::parse(stored.content, source);
    if (feed.ok())
        parsed[key] = *feed;
    return feed;
}

} // namespace CostGov::Storage

namespace CostGov::Storage {

Result<PriceUpdateReport> updatePrices(Ledger &ledger, const QVector<Pricing::PriceEntry> &entries,
                                       std::optional<qint64> effectiveFromMs, qint64 nowMs)
{
    auto current = loadPriceCatalog(ledger);
    if (!current.ok())
        return current.error();
    PriceUpdateReport report;
    report.effectiveFromMs = effectiveFromMs.value_or(utcDay(nowMs) * kMsPerDay);
    QVector<Pricing::PriceEntry> toStore;
    for (Pricing::PriceEntry entry : entries) {
        const bool known = current->find(entry.provider.toStdString(), entry.model.toStdString(), nowMs) != nullptr;
        entry.effectiveFromMs = effectiveFromMs ? *effectiveFromMs : (known ? report.effectiveFromMs : 0);
        const Pricing::PriceEntry *inForce =
            current->find(entry.provider.toStdString(), entry.model.toStdString(), entry.effectiveFromMs);
        if (inForce && inForce->model == entry.model && inForce->source == entry.source
            && inForce->prices == entry.prices) {
            ++report.unchanged;
            continue;
        }
        ++(known ? report.changed : report.added);
        toStore.append(entry);
    }
    if (const Status s = ledger.exec(QStringLiteral("BEGIN IMMEDIATE"), QStringLiteral("update prices")); !s.ok())
        return s.error();
    if (const Status s = storePriceEntries(ledger, toStore, nowMs); !s.ok()) {
        (void)ledger.exec(QStringLiteral("ROLLBACK"), QStringLiteral("update prices"));
        return s.error();
    }
    if (const Status s = ledger.exec(QStringLiteral("COMMIT"), QStringLiteral("update prices")); !s.ok())
        return s.error();
    return report;
}

Result<CatalogUpdate> prepareCatalogUpdate(Ledger &ledger, const QString &name, const QByteArray &content)
{
    auto feed = Pricing::PriceFeed::parse(content, name);
    if (!feed.ok())
        return makeError(ErrorCode::Data, QStringLiteral("%1: %2").arg(name, feed.error().message));
    auto current = loadPriceCatalog(ledger);
    if (!current.ok())
        return current.error();
    CatalogUpdate update{name, content, {}};
    if (current->feed())
        update.changes = Pricing::diffFeeds(*current->feed(), **feed);
    return update;
}

Result<RepriceReport> applyCatalogUpdate(Ledger &ledger, const CatalogUpdate &update, qint64 nowMs)
{
    if (Status s = storePriceFeed(ledger, FeedKind::Catalog, update.name, update.content, nowMs); !s.ok())
        return s.error();
    auto catalog = loadPriceCatalog(ledger);
    if (!catalog.ok())
        return catalog.error();
    return repriceHistory(ledger, *catalog);
}

} // namespace CostGov::Storage

#include "pricestore.h"

#include "ledger.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

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
                                  qlonglong(p.tierThreshold),
                                  priceValue(p.tierInput),
                                  priceValue(p.tierOutput),
                                  priceValue(p.tierCacheRead),
                                  priceValue(p.tierCacheWrite5m),
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
        p.tierThreshold = query.value(10).toLongLong();
        p.tierInput = priceFrom(query.value(11));
        p.tierOutput = priceFrom(query.value(12));
        p.tierCacheRead = priceFrom(query.value(13));
        p.tierCacheWrite5m = priceFrom(query.value(14));
        e.source = query.value(15).toString();
        catalog.add(e);
    }
    return catalog;
}

} // namespace CostGov::Storage

#include "common/timeutil.h"

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
        const bool known = std::any_of(current->entries().begin(), current->entries().end(),
                                       [&entry](const Pricing::PriceEntry &e) { return e.model == entry.model; });
        entry.effectiveFromMs = effectiveFromMs ? *effectiveFromMs : (known ? report.effectiveFromMs : 0);
        const Pricing::PriceEntry *inForce = current->find(entry.model.toStdString(), entry.effectiveFromMs);
        if (inForce && inForce->model == entry.model && inForce->prices == entry.prices) {
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

} // namespace CostGov::Storage

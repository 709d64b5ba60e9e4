#include "pricecatalog.h"

#include "pricing/modelname.h"

#include "common/timeutil.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>

namespace CostGov::Pricing {

namespace {

bool allDigits(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool startsWith(std::string_view s, std::string_view prefix)
{
    return s.substr(0, prefix.size()) == prefix;
}

} // namespace

PriceCatalog::PriceCatalog(const PriceCatalog &other)
    : m_entries(other.m_entries),
      m_manual(other.m_manual),
      m_imported(other.m_imported),
      m_feed(other.m_feed),
      m_importedFeeds(other.m_importedFeeds)
{}

PriceCatalog &PriceCatalog::operator=(const PriceCatalog &other)
{
    if (this != &other) {
        m_entries = other.m_entries;
        m_manual = other.m_manual;
        m_imported = other.m_imported;
        m_feed = other.m_feed;
        m_importedFeeds = other.m_importedFeeds;
        forget();
    }
    return *this;
}

void PriceCatalog::forget() const
{
    const std::lock_guard lock(m_cacheLock);
    m_resolved.clear();
}

void PriceCatalog::add(const PriceEntry &entry)
{
    m_entries.append(entry);
    const int index = int(m_entries.size()) - 1;
    QVector<int> &list = (layerOf(entry) == PriceLayer::Manual ? m_manual : m_imported)[entry.model];
    forget();
    // Keep one entry per effective date, the latest added winning; sorted by date.
    for (int i = 0; i < list.size(); ++i) {
        if (m_entries[list[i]].effectiveFromMs == entry.effectiveFromMs) {
            list[i] = index;
            return;
        }
    }
    list.append(index);
    std::sort(list.begin(), list.end(),
              [this](int a, int b) { return m_entries[a].effectiveFromMs < m_entries[b].effectiveFromMs; });
}

void PriceCatalog::setFeed(std::shared_ptr<const PriceFeed> feed)
{
    m_feed = std::move(feed);
    forget();
}

void PriceCatalog::addImportedFeed(std::shared_ptr<const PriceFeed> feed)
{
    m_importedFeeds.insert(m_importedFeeds.begin(), std::move(feed));
    forget();
}

PriceLayer PriceCatalog::layerOf(const PriceEntry &entry)
{
    if (entry.source == QLatin1String("manual"))
        return PriceLayer::Manual;
    return entry.source.startsWith(QLatin1String("genai-prices (")) ? PriceLayer::Catalog : PriceLayer::Imported;
}

const QVector<int> *PriceCatalog::entriesFor(const QHash<QString, QVector<int>> &byKey, std::string_view model) const
{
    if (byKey.isEmpty())
        return nullptr;
    for (const std::string &candidate : candidateNames(model)) {
        const QString name = QString::fromStdString(candidate);
        // LiteLLM keys some providers' models with a provider prefix ("mistral/", "deepseek/").
        const QStringList keys{name,
                               QStringLiteral("mistral/") + name,
                               QStringLiteral("deepseek/") + name,
                               QStringLiteral("gemini/") + name,
                               QStringLiteral("xai/") + name,
                               QStringLiteral("groq/") + name};
        for (const QString &key : keys)
            if (const auto it = byKey.constFind(key); it != byKey.constEnd())
                return &it.value();
    }
    return nullptr;
}

const PriceCatalog::Resolved &PriceCatalog::resolved(std::string_view provider, std::string_view model) const
{
    const std::lock_guard lock(m_cacheLock);
    m_key.assign(provider);
    m_key.push_back('\x1f');
    m_key.append(model);
    if (const auto it = m_resolved.find(std::string_view(m_key)); it != m_resolved.end())
        return it->second;
    Resolved r;
    r.manual = entriesFor(m_manual, model);
    r.imported = entriesFor(m_imported, model);
    for (const auto &feed : m_importedFeeds)
        if (const FeedModel *m = feed->find(provider, model))
            r.feedModels.push_back(m);
    if (m_feed)
        if (const FeedModel *m = m_feed->find(provider, model))
            r.feedModels.push_back(m);
    return m_resolved.emplace(m_key, std::move(r)).first->second;
}

const PriceEntry *PriceCatalog::inForce(const QVector<int> *list, qint64 tsMs) const
{
    if (!list)
        return nullptr;
    const PriceEntry *best = nullptr;
    for (int index : *list)
        if (m_entries[index].effectiveFromMs <= tsMs)
            best = &m_entries[index];
    return best;
}

const PriceEntry *PriceCatalog::find(std::string_view provider, std::string_view model, qint64 tsMs) const
{
    const Resolved &r = resolved(provider, model);
    if (const PriceEntry *e = inForce(r.manual, tsMs))
        return e;
    if (const PriceEntry *e = inForce(r.imported, tsMs))
        return e;
    return r.feedModels.empty() ? nullptr : &r.feedModels.front()->priceAt(tsMs);
}

QString PriceCatalog::resolve(std::string_view model) const
{
    const Resolved &r = resolved({}, model);
    const QVector<int> *list = r.manual ? r.manual : r.imported;
    return list ? m_entries[list->first()].model : QString();
}

namespace {

std::optional<PicoPerToken> picoFrom(simdjson::ondemand::value value)
{
    std::string_view raw;
    if (value.type() == simdjson::ondemand::json_type::number) {
        raw = value.raw_json_token();
    } else if (value.type() == simdjson::ondemand::json_type::string) {
        raw = value.get_string();
    } else {
        return std::nullopt;
    }
    while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t'))
        raw.remove_suffix(1);
    return parseScaledDecimal(raw, 12);
}

// "_above_200k_tokens" -> 200000
qint64 tierThresholdOf(std::string_view key)
{
    const auto pos = key.find("_above_");
    if (pos == std::string_view::npos)
        return 0;
    std::string_view rest = key.substr(pos + 7);
    const auto k = rest.find("k_tokens");
    if (k == std::string_view::npos || !allDigits(rest.substr(0, k)))
        return 0;
    return std::stoll(std::string(rest.substr(0, k))) * 1000;
}

} // namespace

Result<ParsedCatalog> parseLiteLlmCatalog(const QByteArray &json, qint64 effectiveFromMs, const QString &source)
{
    ParsedCatalog parsed;
    simdjson::ondemand::parser parser;
    const simdjson::padded_string padded(json.constData(), size_t(json.size()));
    try {
        simdjson::ondemand::document doc = parser.iterate(padded);
        simdjson::ondemand::object root = doc.get_object();
        for (auto field : root) {
            const std::string_view keyView = field.unescaped_key();
            const QString key = QString::fromUtf8(keyView.data(), qsizetype(keyView.size()));
            simdjson::ondemand::value value = field.value();
            if (key == QLatin1String("sample_spec") || value.type() != simdjson::ondemand::json_type::object)
                continue;
            PriceEntry entry;
            entry.model = key;
            entry.effectiveFromMs = effectiveFromMs;
            entry.source = source;
            TokenPrices &p = entry.prices;
            for (auto priceField : value.get_object()) {
                const std::string_view name = priceField.unescaped_key();
                simdjson::ondemand::value v = priceField.value();
                if (name == "litellm_provider") {
                    if (v.type() == simdjson::ondemand::json_type::string) {
                        const std::string_view s = v.get_string();
                        entry.provider = QString::fromUtf8(s.data(), qsizetype(s.size()));
                    }
                    continue;
                }
                if (name == "effective_from") {
                    if (v.type() != simdjson::ondemand::json_type::string)
                        return makeError(ErrorCode::Data,
                                         QStringLiteral("%1: effective_from must be a YYYY-MM-DD string").arg(key));
                    const auto day = parseDate(std::string_view(v.get_string()));
                    if (!day)
                        return makeError(ErrorCode::Data,
                                         QStringLiteral("%1: effective_from is not a YYYY-MM-DD date").arg(key));
                    entry.effectiveFromMs = *day * kMsPerDay;
                    continue;
                }
                if (name.find("cost") == std::string_view::npos)
                    continue;
                const std::optional<PicoPerToken> price = picoFrom(v);
                if (!price && v.type() != simdjson::ondemand::json_type::null
                    && (v.type() == simdjson::ondemand::json_type::number
                        || v.type() == simdjson::ondemand::json_type::string))
                    return makeError(ErrorCode::Data,
                                     QStringLiteral("%1: %2 is not a decimal number")
                                         .arg(key, QString::fromUtf8(name.data(), qsizetype(name.size()))));
                if (!price)
                    continue;
                if (name == "input_cost_per_token")
                    p.input = price;
                else if (name == "output_cost_per_token")
                    p.output = price;
                else if (name == "cache_read_input_token_cost")
                    p.cacheRead = price;
                else if (name == "cache_creation_input_token_cost")
                    p.cacheWrite5m = price;
                else if (name == "cache_creation_input_token_cost_above_1hr")
                    p.cacheWrite1h = price;
                else if (name == "input_cost_per_token_batches")
                    p.batchInput = price;
                else if (name == "output_cost_per_token_batches")
                    p.batchOutput = price;
                else if (const qint64 threshold = tierThresholdOf(name); threshold > 0) {
                    std::optional<PicoPerToken> PriceTier::*slot = nullptr;
                    if (startsWith(name, "input_cost_per_token_above_"))
                        slot = &PriceTier::input;
                    else if (startsWith(name, "output_cost_per_token_above_"))
                        slot = &PriceTier::output;
                    else if (startsWith(name, "cache_read_input_token_cost_above_"))
                        slot = &PriceTier::cacheRead;
                    else if (startsWith(name, "cache_creation_input_token_cost_above_"))
                        slot = &PriceTier::cacheWrite5m;
                    else
                        continue;
                    auto tier = std::find_if(p.tiers.begin(), p.tiers.end(),
                                             [threshold](const PriceTier &t) { return t.start == threshold; });
                    if (tier == p.tiers.end()) {
                        tier = p.tiers.insert(
                            std::upper_bound(p.tiers.begin(), p.tiers.end(), threshold,
                                             [](qint64 start, const PriceTier &t) { return start < t.start; }),
                            PriceTier{threshold, {}, {}, {}, {}, {}});
                    }
                    (*tier).*slot = price;
                }
            }
            if (!p.input && !p.output) {
                parsed.skipped.append(key);
                continue;
            }
            parsed.entries.append(entry);
        }
    } catch (const simdjson::simdjson_error &e) {
        return makeError(ErrorCode::Data,
                         QStringLiteral("price catalog is not valid JSON: %1").arg(QString::fromUtf8(e.what())));
    }
    return parsed;
}

QVector<CatalogRow> catalogRows(const PriceCatalog &catalog, qint64 nowMs, bool all)
{
    QVector<CatalogRow> rows;
    auto add = [&](const PriceEntry &entry, const PriceCondition &when) {
        CatalogRow row{entry, when, PriceCatalog::layerOf(entry), QString()};
        const PriceEntry *winner = catalog.find(entry.provider.toStdString(), entry.model.toStdString(),
                                                std::max(nowMs, entry.effectiveFromMs));
        if (winner && PriceCatalog::layerOf(*winner) < row.layer)
            row.overriddenBy = winner->source;
        rows.append(row);
    };
    const QVector<PriceEntry> &entries = catalog.entries();
    for (const PriceEntry &e : entries) {
        // Superseded: a later price of the same model and layer has started.
        const bool superseded = std::any_of(entries.begin(), entries.end(), [&e, nowMs](const PriceEntry &other) {
            return other.model == e.model && PriceCatalog::layerOf(other) == PriceCatalog::layerOf(e)
                && other.effectiveFromMs > e.effectiveFromMs && other.effectiveFromMs <= nowMs;
        });
        if (all || !superseded)
            add(e, PriceCondition{e.effectiveFromMs > 0 ? utcDay(e.effectiveFromMs) : -1, -1, -1});
    }
    std::vector<const PriceFeed *> feeds;
    for (const auto &feed : catalog.importedFeeds())
        feeds.push_back(feed.get());
    if (catalog.feed())
        feeds.push_back(catalog.feed());
    for (const PriceFeed *feed : feeds) {
        for (const FeedProvider &provider : feed->providers()) {
            for (const FeedModel &model : provider.models) {
                for (size_t i = 0; i < model.prices.size(); ++i) {
                    const bool superseded = model.conditions[i].startMsOfDay < 0
                        && std::any_of(model.conditions.begin() + qsizetype(i) + 1, model.conditions.end(),
                                       [nowMs](const PriceCondition &c) {
                                           return c.startDay >= 0 && c.startDay * kMsPerDay <= nowMs;
                                       });
                    if (all || !superseded)
                        add(model.prices[i], model.conditions[i]);
                }
            }
        }
    }
    std::stable_sort(rows.begin(), rows.end(), [](const CatalogRow &a, const CatalogRow &b) {
        if (a.layer != b.layer)
            return a.layer < b.layer;
        if (const int byName = a.entry.model.compare(b.entry.model, Qt::CaseInsensitive); byName != 0)
            return byName < 0;
        return a.entry.effectiveFromMs < b.entry.effectiveFromMs;
    });
    return rows;
}

Status addPriceFile(PriceCatalog &catalog, const QByteArray &json, const QString &source)
{
    if (looksLikeFeed(json)) {
        auto feed = PriceFeed::parse(json, source);
        if (!feed.ok())
            return feed.error();
        catalog.addImportedFeed(*feed);
        return {};
    }
    auto parsed = parseLiteLlmCatalog(json, 0, source);
    if (!parsed.ok())
        return parsed.error();
    for (const PriceEntry &e : parsed->entries)
        catalog.add(e);
    return {};
}

} // namespace CostGov::Pricing

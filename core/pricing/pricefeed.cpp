#include "pricefeed.h"

#include "pricing/modelname.h"

#include "common/timeutil.h"

#include <QFile>
#include <QTime>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>

namespace CostGov::Pricing {

namespace {

using Json = nlohmann::json;

bool startsWith(std::string_view s, std::string_view prefix)
{
    return s.substr(0, prefix.size()) == prefix;
}

/// Where a problem is, spelled like the file: providers[3] (aws).models[12] (nova-pro).prices
class Path {
public:
    explicit Path(QString text) : m_text(std::move(text)) {}
    Path operator/(const QString &part) const { return Path(m_text.isEmpty() ? part : m_text + u'.' + part); }
    Path at(size_t index, const Json &item) const
    {
        QString text = m_text + QStringLiteral("[%1]").arg(index);
        if (item.is_object() && item.contains("id") && item["id"].is_string())
            text += QStringLiteral(" (%1)").arg(QString::fromStdString(item["id"].get<std::string>()));
        return Path(text);
    }
    Error error(const QString &what) const { return makeError(ErrorCode::Data, m_text + QStringLiteral(": ") + what); }

private:
    QString m_text;
};

std::string lowered(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return out;
}

Result<MatchRule> parseRule(const Json &json, const Path &path)
{
    if (!json.is_object() || json.size() != 1)
        return path.error(QStringLiteral("a match rule is an object with one clause"));
    const std::string key = json.begin().key();
    const Json &value = json.begin().value();
    static const std::pair<const char *, MatchRule::Kind> kinds[] = {{"equals", MatchRule::Kind::Equals},
                                                                     {"starts_with", MatchRule::Kind::StartsWith},
                                                                     {"ends_with", MatchRule::Kind::EndsWith},
                                                                     {"contains", MatchRule::Kind::Contains},
                                                                     {"regex", MatchRule::Kind::Regex},
                                                                     {"or", MatchRule::Kind::Or},
                                                                     {"and", MatchRule::Kind::And}};
    const auto kind =
        std::find_if(std::begin(kinds), std::end(kinds), [&key](const auto &k) { return key == k.first; });
    const Path here = path / QString::fromStdString(key);
    if (kind == std::end(kinds))
        return path.error(QStringLiteral("unknown match clause \"%1\"").arg(QString::fromStdString(key)));
    MatchRule rule;
    rule.kind = kind->second;
    if (rule.kind == MatchRule::Kind::Or || rule.kind == MatchRule::Kind::And) {
        if (!value.is_array() || value.empty())
            return here.error(QStringLiteral("needs a list of clauses"));
        for (size_t i = 0; i < value.size(); ++i) {
            auto child = parseRule(value[i], here.at(i, value[i]));
            if (!child.ok())
                return child.error();
            rule.rules.push_back(std::move(*child));
        }
        return rule;
    }
    if (!value.is_string() || value.get<std::string>().empty())
        return here.error(QStringLiteral("needs a non-empty text"));
    rule.text = value.get<std::string>();
    if (rule.kind == MatchRule::Kind::Regex) {
        rule.regex = QRegularExpression(QString::fromStdString(rule.text));
        if (!rule.regex.isValid())
            return here.error(QStringLiteral("not a regular expression: %1").arg(rule.regex.errorString()));
        rule.regex.optimize();
    }
    return rule;
}

// Pico-USD per token from USD per million tokens. The feed's numbers are decimals with at most
// six places, some written with binary noise (0.18000000000000002): the nearest pico is exact.
Result<PicoPerToken> picoFrom(const Json &value, const Path &path)
{
    if (!value.is_number())
        return path.error(QStringLiteral("not a number"));
    const double usdPerMtok = value.get<double>();
    if (!std::isfinite(usdPerMtok) || usdPerMtok < 0 || usdPerMtok > 1e9)
        return path.error(QStringLiteral("not a price in USD per million tokens"));
    return PicoPerToken(std::llround(usdPerMtok * 1e6));
}

// Time of day "HH:MM:SS" (or "HH:MM") with an optional "Z" or "+00:00": ms after UTC midnight.
std::optional<qint64> msOfDay(QString text)
{
    if (text.endsWith(u'Z'))
        text.chop(1);
    else if (text.endsWith(QLatin1String("+00:00")))
        text.chop(6);
    QTime time = QTime::fromString(text, QStringLiteral("HH:mm:ss"));
    if (!time.isValid())
        time = QTime::fromString(text, QStringLiteral("HH:mm"));
    return time.isValid() ? std::optional<qint64>(time.msecsSinceStartOfDay()) : std::nullopt;
}

Status parsePrices(const Json &json, const Path &path, TokenPrices &out)
{
    if (!json.is_object())
        return path.error(QStringLiteral("prices are an object of USD per million tokens"));
    // Which of ours each feed key fills; keys for audio, images, requests and searches are not
    // metered by the ledger and are left out.
    struct Slot {
        const char *key;
        std::optional<PicoPerToken> TokenPrices::*base;
        std::optional<PicoPerToken> PriceTier::*tier;
    };
    static const Slot kSlots[] = {
        {"input_mtok", &TokenPrices::input, &PriceTier::input},
        {"output_mtok", &TokenPrices::output, &PriceTier::output},
        {"cache_read_mtok", &TokenPrices::cacheRead, &PriceTier::cacheRead},
        {"cache_write_mtok", &TokenPrices::cacheWrite5m, &PriceTier::cacheWrite5m},
        {"cache_write_5m_mtok", &TokenPrices::cacheWrite5m, &PriceTier::cacheWrite5m},
        {"cache_write_1h_mtok", &TokenPrices::cacheWrite1h, &PriceTier::cacheWrite1h},
    };
    // Tiered kinds by tier start; combined below so that each start prices every kind.
    std::map<qint64, std::vector<std::pair<const Slot *, PicoPerToken>>> tierPrices;
    for (const auto &[key, value] : json.items()) {
        const Path here = path / QString::fromStdString(key);
        const Slot *slot =
            std::find_if(std::begin(kSlots), std::end(kSlots), [&key = key](const Slot &s) { return key == s.key; });
        if (slot == std::end(kSlots))
            slot = nullptr;
        if (value.is_object()) {
            if (!value.contains("base") || !value.contains("tiers") || !value["tiers"].is_array())
                return here.error(QStringLiteral("tiered prices need \"base\" and \"tiers\""));
            const auto base = picoFrom(value["base"], here / QStringLiteral("base"));
            if (!base.ok())
                return base.error();
            const Json &tiers = value["tiers"];
            for (size_t i = 0; i < tiers.size(); ++i) {
                const Path tierPath = (here / QStringLiteral("tiers")).at(i, tiers[i]);
                if (!tiers[i].is_object() || !tiers[i].contains("start") || !tiers[i]["start"].is_number_integer()
                    || tiers[i]["start"].get<qint64>() < 0)
                    return tierPath.error(QStringLiteral("a tier needs a whole \"start\" in tokens"));
                const auto price = picoFrom(tiers[i].value("price", Json()), tierPath / QStringLiteral("price"));
                if (!price.ok())
                    return price.error();
                if (slot)
                    tierPrices[tiers[i]["start"].get<qint64>()].push_back({slot, *price});
            }
            if (slot)
                out.*(slot->base) = *base;
            continue;
        }
        const auto price = picoFrom(value, here);
        if (!price.ok())
            return price.error();
        // cache_write_5m_mtok, where given, is the 5-minute price whatever the key order.
        if (slot && !(key == "cache_write_mtok" && out.cacheWrite5m))
            out.*(slot->base) = *price;
    }
    // No price at all is the catalog's word for free (":free" models, moderation), not unknown.
    if (json.empty())
        out.input = out.output = 0;
    // Each start carries, for every tiered kind, the price in force from there on.
    std::map<const Slot *, PicoPerToken> current;
    for (const auto &[start, prices] : tierPrices) {
        for (const auto &[slot, price] : prices)
            current[slot] = price;
        PriceTier tier;
        tier.start = start;
        for (const auto &[slot, price] : current)
            tier.*(slot->tier) = price;
        out.tiers.push_back(tier);
    }
    return {};
}

Status parseCondition(const Json &json, const Path &path, PriceCondition &out)
{
    if (!json.is_object())
        return path.error(QStringLiteral("a constraint is an object"));
    if (json.contains("start_date")) {
        const auto day =
            json["start_date"].is_string() ? parseDate(json["start_date"].get<std::string>()) : std::optional<qint64>();
        if (!day)
            return (path / QStringLiteral("start_date")).error(QStringLiteral("not a YYYY-MM-DD date"));
        out.startDay = *day;
        return {};
    }
    if (json.contains("start_time") || json.contains("end_time")) {
        for (const char *key : {"start_time", "end_time"}) {
            const auto ms = json.contains(key) && json[key].is_string()
                ? msOfDay(QString::fromStdString(json[key].get<std::string>()))
                : std::optional<qint64>();
            if (!ms)
                return (path / QLatin1String(key)).error(QStringLiteral("not a UTC time like 00:30:00Z"));
            (std::string_view(key) == "start_time" ? out.startMsOfDay : out.endMsOfDay) = *ms;
        }
        return {};
    }
    return path.error(QStringLiteral("needs start_date, or start_time and end_time"));
}

Result<FeedModel> parseModel(const Json &json, const Path &path, const FeedProvider &provider, const QString &source)
{
    if (!json.is_object() || !json.contains("id") || !json["id"].is_string())
        return path.error(QStringLiteral("a model needs an \"id\""));
    FeedModel model;
    model.id = QString::fromStdString(json["id"].get<std::string>());
    if (json.contains("name") && json["name"].is_string())
        model.name = QString::fromStdString(json["name"].get<std::string>());
    if (!json.contains("match"))
        return path.error(QStringLiteral("a model needs a \"match\" rule"));
    auto rule = parseRule(json["match"], path / QStringLiteral("match"));
    if (!rule.ok())
        return rule.error();
    model.match = std::move(*rule);
    if (!json.contains("prices"))
        return path.error(QStringLiteral("a model needs \"prices\""));
    const Json &prices = json["prices"];
    const Path pricesPath = path / QStringLiteral("prices");
    auto addPrice = [&](const PriceCondition &condition, const TokenPrices &p) {
        PriceEntry entry;
        entry.model = model.id;
        entry.provider = provider.id;
        entry.effectiveFromMs = condition.startDay >= 0 ? condition.startDay * kMsPerDay : 0;
        entry.prices = p;
        entry.source = source;
        model.conditions.push_back(condition);
        model.prices.push_back(std::move(entry));
    };
    if (prices.is_array()) {
        if (prices.empty())
            return pricesPath.error(QStringLiteral("an empty list of prices"));
        for (size_t i = 0; i < prices.size(); ++i) {
            const Path here = pricesPath.at(i, prices[i]);
            if (!prices[i].is_object() || !prices[i].contains("prices"))
                return here.error(QStringLiteral("a conditional price needs \"prices\""));
            PriceCondition condition;
            if (prices[i].contains("constraint") && !prices[i]["constraint"].is_null())
                if (Status s = parseCondition(prices[i]["constraint"], here / QStringLiteral("constraint"), condition);
                    !s.ok())
                    return s.error();
            TokenPrices p;
            if (Status s = parsePrices(prices[i]["prices"], here / QStringLiteral("prices"), p); !s.ok())
                return s.error();
            addPrice(condition, p);
        }
    } else {
        TokenPrices p;
        if (Status s = parsePrices(prices, pricesPath, p); !s.ok())
            return s.error();
        addPrice(PriceCondition{}, p);
    }
    return model;
}

// Batch APIs of these providers bill half the standard input and output price; the feed lists
// no batch prices, so a batch request is priced at the half.
void deriveBatchPrices(const QString &provider, TokenPrices &p)
{
    static const QStringList halfPrice{QStringLiteral("openai"), QStringLiteral("anthropic"), QStringLiteral("google"),
                                       QStringLiteral("aws"), QStringLiteral("azure")};
    if (!halfPrice.contains(provider))
        return;
    if (p.input && !p.batchInput)
        p.batchInput = (*p.input + 1) / 2;
    if (p.output && !p.batchOutput)
        p.batchOutput = (*p.output + 1) / 2;
}

// Collects the names and prefixes a rule made only of equals / starts_with clauses accepts.
bool indexable(const MatchRule &rule, std::vector<std::string> &names, std::vector<std::string> &prefixes)
{
    switch (rule.kind) {
    case MatchRule::Kind::Equals:
        names.push_back(rule.text);
        return true;
    case MatchRule::Kind::StartsWith:
        prefixes.push_back(rule.text);
        return true;
    case MatchRule::Kind::Or:
        return std::all_of(rule.rules.begin(), rule.rules.end(),
                           [&](const MatchRule &r) { return indexable(r, names, prefixes); });
    default:
        return false;
    }
}

void buildIndex(FeedProvider &provider)
{
    for (int i = 0; i < int(provider.models.size()); ++i) {
        std::vector<std::string> names, prefixes;
        if (!indexable(provider.models[size_t(i)].match, names, prefixes)) {
            provider.others.push_back(i);
            continue;
        }
        for (const std::string &n : names)
            provider.byName[n].push_back(i);
        for (const std::string &p : prefixes)
            provider.byPrefix[p].push_back(i);
    }
}

QString money(PicoPerToken pico)
{
    return scaledDecimalText(pico, 6);
}

} // namespace

bool MatchRule::matches(std::string_view name) const
{
    switch (kind) {
    case Kind::Equals:
        return name == text;
    case Kind::StartsWith:
        return startsWith(name, text);
    case Kind::EndsWith:
        return name.size() >= text.size() && name.substr(name.size() - text.size()) == text;
    case Kind::Contains:
        return name.find(text) != std::string_view::npos;
    case Kind::Regex:
        return regex.match(QString::fromUtf8(name.data(), qsizetype(name.size()))).hasMatch();
    case Kind::Or:
        return std::any_of(rules.begin(), rules.end(), [name](const MatchRule &r) { return r.matches(name); });
    case Kind::And:
        return std::all_of(rules.begin(), rules.end(), [name](const MatchRule &r) { return r.matches(name); });
    }
    return false;
}

bool PriceCondition::holds(qint64 tsMs) const
{
    if (startDay >= 0)
        return utcDay(tsMs) >= startDay;
    if (startMsOfDay >= 0) {
        const qint64 ms = tsMs - utcDay(tsMs) * kMsPerDay;
        // An interval across midnight (22:00 to 06:00) holds on both sides of it.
        return startMsOfDay <= endMsOfDay ? ms >= startMsOfDay && ms < endMsOfDay
                                          : ms >= startMsOfDay || ms < endMsOfDay;
    }
    return true;
}

const PriceEntry &FeedModel::priceAt(qint64 tsMs) const
{
    for (size_t i = prices.size(); i-- > 0;)
        if (conditions[i].holds(tsMs))
            return prices[i];
    return prices.front();
}

const FeedModel *FeedProvider::findModel(std::string_view modelName) const
{
    // Candidates from the index and the unindexed rules, tried in file order: the first match wins,
    // as in the feed's own lookup.
    std::vector<int> candidates = others;
    if (const auto it = byName.find(std::string(modelName)); it != byName.end())
        candidates.insert(candidates.end(), it->second.begin(), it->second.end());
    std::string prefix;
    for (size_t length = 1; length <= modelName.size(); ++length) {
        prefix.assign(modelName.substr(0, length));
        if (const auto it = byPrefix.find(prefix); it != byPrefix.end())
            candidates.insert(candidates.end(), it->second.begin(), it->second.end());
    }
    std::sort(candidates.begin(), candidates.end());
    for (int i : candidates)
        if (models[size_t(i)].match.matches(modelName))
            return &models[size_t(i)];
    return nullptr;
}

Result<std::shared_ptr<const PriceFeed>> PriceFeed::parse(const QByteArray &json, const QString &source)
{
    Json root;
    try {
        root = Json::parse(json.constData(), json.constData() + json.size());
    } catch (const Json::parse_error &e) {
        // "[json.exception.parse_error.101] parse error at line 3, column 5: ..." without the tag
        const QString what = QString::fromUtf8(e.what());
        return makeError(ErrorCode::Data,
                         QStringLiteral("not valid JSON: %1").arg(what.mid(what.indexOf(u']') + 1).trimmed()));
    }
    if (!root.is_array())
        return makeError(ErrorCode::Data,
                         QStringLiteral("not a genai-prices feed: the document must be a list of providers"));
    auto feed = std::make_shared<PriceFeed>();
    feed->m_source = source;
    const Path providersPath(QStringLiteral("providers"));
    for (size_t p = 0; p < root.size(); ++p) {
        const Json &item = root[p];
        const Path path = providersPath.at(p, item);
        if (!item.is_object() || !item.contains("id") || !item["id"].is_string())
            return path.error(QStringLiteral("a provider needs an \"id\""));
        FeedProvider provider;
        provider.id = QString::fromStdString(item["id"].get<std::string>());
        provider.name = QString::fromStdString(item.value("name", item["id"].get<std::string>()));
        for (const char *key : {"model_match", "provider_match"}) {
            if (!item.contains(key) || item[key].is_null())
                continue;
            auto rule = parseRule(item[key], path / QLatin1String(key));
            if (!rule.ok())
                return rule.error();
            (std::string_view(key) == "model_match" ? provider.modelMatch : provider.providerMatch) = std::move(*rule);
        }
        if (item.contains("fallback_model_providers") && item["fallback_model_providers"].is_array())
            for (const Json &id : item["fallback_model_providers"])
                if (id.is_string())
                    provider.fallbacks.append(QString::fromStdString(id.get<std::string>()));
        if (!item.contains("models") || !item["models"].is_array())
            return path.error(QStringLiteral("a provider needs a list of \"models\""));
        const Json &models = item["models"];
        const Path modelsPath = path / QStringLiteral("models");
        for (size_t m = 0; m < models.size(); ++m) {
            auto model = parseModel(models[m], modelsPath.at(m, models[m]), provider, source);
            if (!model.ok())
                return model.error();
            // Models priced only per image or per request stay unpriced.
            const bool perToken = std::any_of(model->prices.begin(), model->prices.end(),
                                              [](const PriceEntry &e) { return e.prices.input || e.prices.output; });
            if (!perToken)
                continue;
            for (PriceEntry &e : model->prices)
                deriveBatchPrices(provider.id, e.prices);
            model->provider = int(feed->m_providers.size());
            provider.models.push_back(std::move(*model));
        }
        buildIndex(provider);
        feed->m_providers.push_back(std::move(provider));
    }
    if (feed->modelCount() == 0)
        return makeError(ErrorCode::Data, QStringLiteral("the feed prices no model per token"));
    return std::shared_ptr<const PriceFeed>(std::move(feed));
}

int PriceFeed::modelCount() const
{
    int count = 0;
    for (const FeedProvider &p : m_providers)
        count += int(p.models.size());
    return count;
}

int PriceFeed::providerIndex(std::string_view provider) const
{
    const std::string name = lowered(provider);
    if (name.empty())
        return -1;
    auto byId = [this](std::string_view id) {
        for (int i = 0; i < int(m_providers.size()); ++i)
            if (m_providers[size_t(i)].id.toStdString() == id)
                return i;
        return -1;
    };
    if (const int i = byId(name); i >= 0)
        return i;
    // Names logs use that the feed's own provider rules do not catch, or catch as another provider
    // ("azure.ai.openai" would be OpenAI).
    static const std::pair<std::string_view, std::string_view> aliases[] = {
        {"azure", "azure"},      {"az.ai", "azure"},     {"gcp.", "google"},       {"vertex", "google"},
        {"gemini", "google"},    {"aws", "aws"},         {"bedrock", "aws"},       {"x_ai", "x-ai"},
        {"xai", "x-ai"},         {"mistral", "mistral"}, {"together", "together"}, {"fireworks", "fireworks"},
        {"deepseek", "deepseek"}};
    for (const auto &[prefix, id] : aliases)
        if (startsWith(name, prefix))
            return byId(id);
    for (int i = 0; i < int(m_providers.size()); ++i)
        if (m_providers[size_t(i)].providerMatch && m_providers[size_t(i)].providerMatch->matches(name))
            return i;
    return -1;
}

const FeedModel *PriceFeed::findIn(int provider, std::string_view name) const
{
    const FeedProvider &p = m_providers[size_t(provider)];
    if (const FeedModel *m = p.findModel(name))
        return m;
    for (const QString &fallback : p.fallbacks) {
        const int i = providerIndex(fallback.toStdString());
        if (i >= 0 && i != provider)
            if (const FeedModel *m = m_providers[size_t(i)].findModel(name))
                return m;
    }
    return nullptr;
}

const FeedModel *PriceFeed::find(std::string_view provider, std::string_view model) const
{
    const std::vector<std::string> names = candidateNames(lowered(model));
    // The record's provider first, else the one its model name is prefixed with ("vertex_ai/...").
    int own = providerIndex(provider);
    if (own < 0)
        own = providerIndex(providerPrefix(model));
    if (own >= 0)
        for (const std::string &name : names)
            if (const FeedModel *m = findIn(own, name))
                return m;
    // Then the providers whose model rules claim the name, then any provider, in file order.
    for (const std::string &name : names)
        for (int i = 0; i < int(m_providers.size()); ++i)
            if (i != own && m_providers[size_t(i)].modelMatch && m_providers[size_t(i)].modelMatch->matches(name))
                if (const FeedModel *m = findIn(i, name))
                    return m;
    for (const std::string &name : names)
        for (int i = 0; i < int(m_providers.size()); ++i)
            if (i != own)
                if (const FeedModel *m = m_providers[size_t(i)].findModel(name))
                    return m;
    return nullptr;
}

std::shared_ptr<const PriceFeed> bundledFeed()
{
    static const std::shared_ptr<const PriceFeed> feed = [] {
        QFile file(QStringLiteral(":/costgov/prices/genai-prices.json"));
        std::shared_ptr<const PriceFeed> parsed;
        if (file.open(QIODevice::ReadOnly)) {
            auto result = PriceFeed::parse(file.readAll(), QStringLiteral("genai-prices (bundled)"));
            if (result.ok())
                parsed = *result;
        }
        return parsed;
    }();
    return feed;
}

QString describePrices(const FeedModel &model)
{
    QStringList lines;
    for (size_t i = 0; i < model.prices.size(); ++i) {
        const PriceCondition &c = model.conditions[i];
        const TokenPrices &p = model.prices[i].prices;
        QStringList parts;
        if (c.startDay >= 0)
            parts.append(QStringLiteral("from %1:").arg(isoDate(c.startDay)));
        else if (c.startMsOfDay >= 0)
            parts.append(
                QStringLiteral("%1-%2 UTC:")
                    .arg(QTime::fromMSecsSinceStartOfDay(int(c.startMsOfDay)).toString(QStringLiteral("HH:mm")),
                         QTime::fromMSecsSinceStartOfDay(int(c.endMsOfDay)).toString(QStringLiteral("HH:mm"))));
        const std::pair<const char *, const std::optional<PicoPerToken> *> kinds[] = {
            {"input", &p.input},
            {"output", &p.output},
            {"cache read", &p.cacheRead},
            {"cache write 5m", &p.cacheWrite5m},
            {"cache write 1h", &p.cacheWrite1h}};
        for (const auto &[label, price] : kinds)
            if (*price)
                parts.append(QStringLiteral("%1 %2").arg(QLatin1String(label), money(**price)));
        for (const PriceTier &t : p.tiers) {
            QStringList tier;
            if (t.input)
                tier.append(QStringLiteral("input %1").arg(money(*t.input)));
            if (t.output)
                tier.append(QStringLiteral("output %1").arg(money(*t.output)));
            parts.append(QStringLiteral("(above %1 tokens: %2)").arg(t.start).arg(tier.join(QStringLiteral(", "))));
        }
        lines.append(parts.join(u' '));
    }
    return lines.join(QStringLiteral("; "));
}

QVector<FeedChange> diffFeeds(const PriceFeed &before, const PriceFeed &after)
{
    std::map<std::pair<QString, QString>, QString> old, now;
    for (const FeedProvider &p : before.providers())
        for (const FeedModel &m : p.models)
            old.emplace(std::make_pair(p.id, m.id), describePrices(m));
    for (const FeedProvider &p : after.providers())
        for (const FeedModel &m : p.models)
            now.emplace(std::make_pair(p.id, m.id), describePrices(m));
    QVector<FeedChange> changes;
    for (const auto &[key, text] : now) {
        const auto it = old.find(key);
        if (it == old.end())
            changes.append({key.first, key.second, QString(), text});
        else if (it->second != text)
            changes.append({key.first, key.second, it->second, text});
    }
    for (const auto &[key, text] : old)
        if (!now.count(key))
            changes.append({key.first, key.second, text, QString()});
    return changes;
}

bool looksLikeFeed(const QByteArray &json)
{
    for (char c : json) {
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        return c == '[';
    }
    return false;
}

} // namespace CostGov::Pricing

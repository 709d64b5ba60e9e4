#include "pricecatalog.h"

#include "common/timeutil.h"

#include <QFile>

#include <simdjson.h>

#include <algorithm>
#include <cctype>

namespace CostGov::Pricing {

namespace {

std::string lowered(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return out;
}

bool allDigits(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool startsWith(std::string_view s, std::string_view prefix)
{
    return s.substr(0, prefix.size()) == prefix;
}

// "-v1:0", "-v2"
bool stripVersionSuffix(std::string &s)
{
    const auto pos = s.rfind("-v");
    if (pos == std::string::npos)
        return false;
    std::string_view rest = std::string_view(s).substr(pos + 2);
    const auto colon = rest.find(':');
    const std::string_view major = rest.substr(0, colon);
    if (!allDigits(major) || (colon != std::string_view::npos && !allDigits(rest.substr(colon + 1))))
        return false;
    s.resize(pos);
    return true;
}

// "@20250929", "@001", "@latest" (Vertex AI)
bool stripAtSuffix(std::string &s)
{
    const auto pos = s.rfind('@');
    if (pos == std::string::npos || pos == 0)
        return false;
    s.resize(pos);
    return true;
}

// "-2024-08-06", "-20250514", "-001", "-latest"
bool stripDateSuffix(std::string &s)
{
    std::string_view v(s);
    if (v.size() > 11 && v[v.size() - 11] == '-' && v[v.size() - 6] == '-' && v[v.size() - 3] == '-'
        && allDigits(v.substr(v.size() - 10, 4)) && allDigits(v.substr(v.size() - 5, 2))
        && allDigits(v.substr(v.size() - 2, 2))) {
        s.resize(s.size() - 11);
        return true;
    }
    const auto dash = v.rfind('-');
    if (dash == std::string_view::npos || dash == 0)
        return false;
    const std::string_view tail = v.substr(dash + 1);
    if ((allDigits(tail) && (tail.size() == 8 || tail.size() == 3 || tail.size() == 4)) || tail == "latest") {
        s.resize(dash);
        return true;
    }
    return false;
}

std::vector<std::string> candidateNames(std::string_view model)
{
    std::vector<std::string> out;
    auto push = [&out](const std::string &s) {
        if (!s.empty() && std::find(out.begin(), out.end(), s) == out.end())
            out.push_back(s);
    };
    push(std::string(model));
    std::string s = lowered(model);
    push(s);
    for (auto slash = s.find('/'); slash != std::string::npos; slash = s.find('/')) {
        s = s.substr(slash + 1);
        push(s);
    }
    static constexpr std::string_view regions[] = {"global.", "us.", "eu.", "apac.", "jp.", "au.", "ca.", "us-gov."};
    for (std::string_view region : regions) {
        if (startsWith(s, region)) {
            s = s.substr(region.size());
            push(s);
            break;
        }
    }
    // Bedrock vendor prefixes: the catalog keys some models with them (amazon., meta.) and some without.
    static constexpr std::string_view vendors[] = {"anthropic.", "openai.",   "mistral.", "cohere.",
                                                   "ai21.",      "deepseek.", "qwen.",    "writer."};
    for (std::string_view vendor : vendors) {
        if (startsWith(s, vendor)) {
            s = s.substr(vendor.size());
            push(s);
            break;
        }
    }
    if (stripVersionSuffix(s))
        push(s);
    if (stripAtSuffix(s))
        push(s);
    while (stripDateSuffix(s))
        push(s);
    return out;
}

} // namespace

void PriceCatalog::add(const PriceEntry &entry)
{
    m_entries.append(entry);
    const int index = int(m_entries.size()) - 1;
    QVector<int> &list = m_byKey[entry.model];
    // Keep one entry per effective date, the latest added winning; sorted by date.
    for (int i = 0; i < list.size(); ++i) {
        if (m_entries[list[i]].effectiveFromMs == entry.effectiveFromMs) {
            list[i] = index;
            m_resolved.clear();
            return;
        }
    }
    list.append(index);
    std::sort(list.begin(), list.end(),
              [this](int a, int b) { return m_entries[a].effectiveFromMs < m_entries[b].effectiveFromMs; });
    m_resolved.clear();
}

const QVector<int> *PriceCatalog::entriesFor(std::string_view model) const
{
    if (const auto it = m_resolved.find(model); it != m_resolved.end())
        return it->second;
    const QVector<int> *found = nullptr;
    for (const std::string &candidate : candidateNames(model)) {
        const QString name = QString::fromStdString(candidate);
        // LiteLLM keys some providers' models with a provider prefix ("mistral/", "deepseek/").
        const QStringList keys{name,
                               QStringLiteral("mistral/") + name,
                               QStringLiteral("deepseek/") + name,
                               QStringLiteral("gemini/") + name,
                               QStringLiteral("xai/") + name,
                               QStringLiteral("groq/") + name};
        for (const QString &key : keys) {
            if (const auto it = m_byKey.constFind(key); it != m_byKey.constEnd()) {
                found = &it.value();
                break;
            }
        }
        if (found)
            break;
    }
    m_resolved.emplace(std::string(model), found);
    return found;
}

QString PriceCatalog::resolve(std::string_view model) const
{
    const QVector<int> *list = entriesFor(model);
    return list ? m_entries[list->first()].model : QString();
}

const PriceEntry *PriceCatalog::find(std::string_view model, qint64 tsMs) const
{
    const QVector<int> *list = entriesFor(model);
    if (!list)
        return nullptr;
    const PriceEntry *best = nullptr;
    for (int index : *list) {
        if (m_entries[index].effectiveFromMs <= tsMs)
            best = &m_entries[index];
    }
    return best;
}

std::optional<Nano> computeCost(const TokenPrices &prices, const TokenCounts &tokens, bool batch)
{
    if (tokens.isZero())
        return Nano(0);
    const bool tier = prices.tierThreshold > 0 && tokens.totalInput() > prices.tierThreshold;
    auto pick = [tier](const std::optional<PicoPerToken> &standard, const std::optional<PicoPerToken> &tiered) {
        return tier && tiered ? tiered : standard;
    };
    std::optional<PicoPerToken> input = pick(prices.input, prices.tierInput);
    std::optional<PicoPerToken> output = pick(prices.output, prices.tierOutput);
    if (batch) {
        if (prices.batchInput)
            input = prices.batchInput;
        if (prices.batchOutput)
            output = prices.batchOutput;
    }
    // Without a published cache price, cache reads and 5-minute writes cost what input costs and
    // 1-hour writes twice that (Anthropic's rule, the only provider that sells them).
    std::optional<PicoPerToken> cacheRead = pick(prices.cacheRead, prices.tierCacheRead);
    if (!cacheRead)
        cacheRead = input;
    std::optional<PicoPerToken> cacheWrite5m = pick(prices.cacheWrite5m, prices.tierCacheWrite5m);
    if (!cacheWrite5m)
        cacheWrite5m = input;
    std::optional<PicoPerToken> cacheWrite1h = prices.cacheWrite1h;
    if (!cacheWrite1h && input)
        cacheWrite1h = *input * 2;

    Int128 pico = 0;
    auto add = [&pico](qint64 count, const std::optional<PicoPerToken> &price) {
        if (count == 0)
            return true;
        if (!price)
            return false;
        pico += Int128(count) * *price;
        return true;
    };
    if (!add(tokens.input, input) || !add(tokens.output, output) || !add(tokens.cacheRead, cacheRead)
        || !add(tokens.cacheWrite5m, cacheWrite5m) || !add(tokens.cacheWrite1h, cacheWrite1h))
        return std::nullopt;
    // pico -> nano, half away from zero
    Int128 nano = pico / 1000;
    const Int128 rest = pico % 1000;
    if (rest >= 500)
        nano += 1;
    else if (rest <= -500)
        nano -= 1;
    return Nano(nano);
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
                    if (p.tierThreshold != 0 && p.tierThreshold != threshold)
                        continue; // only one tier is modelled: keep the first one seen
                    if (startsWith(name, "input_cost_per_token_above_"))
                        p.tierInput = price;
                    else if (startsWith(name, "output_cost_per_token_above_"))
                        p.tierOutput = price;
                    else if (startsWith(name, "cache_read_input_token_cost_above_"))
                        p.tierCacheRead = price;
                    else if (startsWith(name, "cache_creation_input_token_cost_above_"))
                        p.tierCacheWrite5m = price;
                    else
                        continue;
                    p.tierThreshold = threshold;
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

QByteArray bundledCatalogJson()
{
    QFile file(QStringLiteral(":/costgov/prices/default_prices.json"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

} // namespace CostGov::Pricing

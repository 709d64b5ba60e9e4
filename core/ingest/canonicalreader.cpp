// The project's own request log (written by costgov-agent), as JSONL or CSV with the same columns.
#include "readers.h"

#include "csvsupport.h"
#include "jsonsupport.h"

#include "common/stablehash.h"

namespace CostGov::Ingest {

namespace {

constexpr int kCanonicalVersion = 1;

enum class Field {
    Unknown,
    Version,
    Ts,
    RequestId,
    Provider,
    Model,
    RequestedModel,
    Team,
    Feature,
    User,
    Environment,
    Project,
    Route,
    Status,
    InputTokens,
    OutputTokens,
    CacheReadTokens,
    CacheWriteTokens,
    CacheWrite1hTokens,
    CostUsd,
    LatencyMs,
    CacheHit,
    Batch,
    Tags,
};

// Hot path of the fastest import: a switch on length keeps it to one or two comparisons a key.
Field fieldOf(std::string_view key)
{
    struct Name {
        std::string_view name;
        Field field;
    };
    static constexpr Name names[] = {
        {"v", Field::Version},
        {"ts", Field::Ts},
        {"user", Field::User},
        {"team", Field::Team},
        {"tags", Field::Tags},
        {"model", Field::Model},
        {"route", Field::Route},
        {"batch", Field::Batch},
        {"status", Field::Status},
        {"feature", Field::Feature},
        {"project", Field::Project},
        {"provider", Field::Provider},
        {"cost_usd", Field::CostUsd},
        {"cache_hit", Field::CacheHit},
        {"request_id", Field::RequestId},
        {"latency_ms", Field::LatencyMs},
        {"environment", Field::Environment},
        {"input_tokens", Field::InputTokens},
        {"output_tokens", Field::OutputTokens},
        {"requested_model", Field::RequestedModel},
        {"cache_read_tokens", Field::CacheReadTokens},
        {"cache_write_tokens", Field::CacheWriteTokens},
        {"cache_write_1h_tokens", Field::CacheWrite1hTokens},
    };
    for (const Name &n : names) {
        if (n.name.size() == key.size() && n.name == key)
            return n.field;
    }
    return Field::Unknown;
}

/// Collects canonical fields from either JSON members or CSV cells into a record.
class CanonicalFields {
public:
    explicit CanonicalFields(UsageRecord &record) : m_record(record) {}

    void set(std::string_view key, const FieldValue &v)
    {
        UsageRecord &r = m_record;
        switch (fieldOf(key)) {
        case Field::Ts:
            r.tsMs = v.kind == FieldValue::Kind::Number ? *integerOf(v, key) /* epoch ms */ : timestampOf(v, key);
            m_haveTs = true;
            break;
        case Field::Version:
            if (const auto version = integerOf(v, key); version && *version > kCanonicalVersion)
                failField(key, "unsupported record version (this program reads version 1)");
            break;
        case Field::RequestId:
            r.identity = textOf(v, key);
            break;
        case Field::Provider:
            r.provider = normalizeProvider(textOf(v, key));
            break;
        case Field::Model:
            r.model = textOf(v, key);
            break;
        case Field::RequestedModel:
            r.requestedModel = textOf(v, key);
            break;
        case Field::Team:
            r.team = textOf(v, key);
            break;
        case Field::Feature:
            r.feature = textOf(v, key);
            break;
        case Field::User:
            r.user = textOf(v, key);
            break;
        case Field::Environment:
            r.environment = textOf(v, key);
            break;
        case Field::Project:
            r.project = textOf(v, key);
            break;
        case Field::Route:
            r.route = textOf(v, key);
            break;
        case Field::Status:
            r.status = textOf(v, key);
            break;
        case Field::InputTokens:
            r.tokens.input = countOf(v, key).value_or(0);
            break;
        case Field::OutputTokens:
            r.tokens.output = countOf(v, key).value_or(0);
            break;
        case Field::CacheReadTokens:
            r.tokens.cacheRead = countOf(v, key).value_or(0);
            break;
        case Field::CacheWriteTokens:
            m_cacheWrite = countOf(v, key).value_or(0);
            break;
        case Field::CacheWrite1hTokens:
            r.tokens.cacheWrite1h = countOf(v, key).value_or(0);
            break;
        case Field::CostUsd:
            r.reportedCost = usdOf(v, key);
            if (r.reportedCost && *r.reportedCost < 0)
                failField(key, "must not be negative");
            break;
        case Field::LatencyMs:
            r.latencyMs = countOf(v, key);
            break;
        case Field::CacheHit:
            r.cacheHit = flagOf(v, key);
            break;
        case Field::Batch:
            r.batch = flagOf(v, key);
            break;
        case Field::Tags:
            if (v.kind == FieldValue::Kind::Object)
                m_tags.addObjectMembers(v.text);
            else if (!v.isNull())
                failField(key, "expected a JSON object");
            break;
        case Field::Unknown:
            // Unknown fields are kept, never an error.
            if (v.kind == FieldValue::Kind::String)
                m_tags.addText(key, v.text);
            else if (!v.isNull())
                m_tags.addRaw(key, v.text);
            break;
        }
    }

    void finish(std::string_view rawElement)
    {
        UsageRecord &r = m_record;
        if (!m_haveTs)
            throw FieldError{"missing field 'ts'"};
        if (r.model.empty())
            throw FieldError{"missing field 'model'"};
        if (r.tokens.cacheWrite1h > m_cacheWrite)
            failField("cache_write_1h_tokens", "larger than cache_write_tokens");
        r.tokens.cacheWrite5m = m_cacheWrite - r.tokens.cacheWrite1h;
        if (r.identity.empty())
            r.identity = contentIdentity(rawElement);
        if (r.provider.empty())
            r.provider = providerFromModel(r.model);
        if (r.status.empty())
            r.status = "success";
        r.error = !(r.status == "success" || r.status == "ok" || r.status == "cached"
                    || (r.status.size() == 3 && r.status[0] == '2'));
        r.tagsJson = m_tags.finish();
    }

private:
    UsageRecord &m_record;
    TagWriter m_tags;
    qint64 m_cacheWrite = 0;
    bool m_haveTs = false;
};

class CanonicalJsonReader final : public LogReader {
public:
    ParseResult parse(const Element &element, std::vector<UsageRecord> &out) override
    {
        return parseJsonObject(m_parser, element, out, [&](simdjson::ondemand::object object) {
            CanonicalFields fields(out.emplace_back());
            for (auto field : object)
                fields.set(field.unescaped_key(), fieldValue(field.value()));
            fields.finish(element.text);
            return ParseResult{};
        });
    }

private:
    simdjson::ondemand::parser m_parser;
};

class CanonicalCsvReader final : public LogReader {
public:
    Status setHeader(std::string_view header) override
    {
        if (!splitCsvRow(header, m_columns))
            return makeError(ErrorCode::Data, QStringLiteral("the CSV header has unbalanced quotes"));
        for (std::string &c : m_columns)
            c = std::string(trimmed(c));
        for (const char *required : {"ts", "model"}) {
            if (std::find(m_columns.begin(), m_columns.end(), required) == m_columns.end())
                return makeError(ErrorCode::Data,
                                 QStringLiteral("the CSV header has no '%1' column").arg(QLatin1String(required)));
        }
        return {};
    }

    ParseResult parse(const Element &element, std::vector<UsageRecord> &out) override
    {
        return guarded(out, [&] {
            if (!splitCsvRow(element.text, m_cells))
                throw FieldError{"unbalanced quotes in CSV row"};
            if (m_cells.size() != m_columns.size())
                throw FieldError{"expected " + std::to_string(m_columns.size()) + " CSV cells, found "
                                 + std::to_string(m_cells.size())};
            CanonicalFields fields(out.emplace_back());
            for (size_t i = 0; i < m_columns.size(); ++i) {
                FieldValue v = FieldValue::fromCell(m_cells[i]);
                if (m_columns[i] == "tags" && !v.isNull()) {
                    requireJsonObject(m_parser, m_cells[i], "tags");
                    v.kind = FieldValue::Kind::Object;
                } else if (v.kind == FieldValue::Kind::String
                           && (m_columns[i] == "cache_hit" || m_columns[i] == "batch")) {
                    v.kind = FieldValue::Kind::Bool;
                }
                fields.set(m_columns[i], v);
            }
            fields.finish(element.text);
            return ParseResult{};
        });
    }

private:
    std::vector<std::string> m_columns;
    std::vector<std::string> m_cells;
    simdjson::ondemand::parser m_parser;
};

} // namespace

std::string contentIdentity(std::string_view rawElement)
{
    static constexpr char hex[] = "0123456789abcdef";
    quint64 h = stableHash64(rawElement);
    std::string id = "content:";
    for (int shift = 60; shift >= 0; shift -= 4)
        id.push_back(hex[(h >> shift) & 0xF]);
    return id;
}

void requireJsonObject(simdjson::ondemand::parser &parser, const std::string &text, std::string_view field)
{
    const simdjson::padded_string padded(text);
    try {
        simdjson::ondemand::document doc = parser.iterate(padded);
        simdjson::ondemand::object object = doc.get_object();
        for (auto member : object)
            (void)fieldValue(member.value());
    } catch (const simdjson::simdjson_error &) {
        failField(field, "expected a JSON object");
    }
}

std::unique_ptr<LogReader> createCanonicalReader(Framing framing)
{
    if (framing == Framing::Csv)
        return std::make_unique<CanonicalCsvReader>();
    return std::make_unique<CanonicalJsonReader>();
}

} // namespace CostGov::Ingest

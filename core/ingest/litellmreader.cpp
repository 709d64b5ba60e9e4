// LiteLLM proxy spend logs: the /spend/logs JSON array, JSONL, or a CSV export of LiteLLM_SpendLogs.
#include "readers.h"

#include "csvsupport.h"

#include <optional>

namespace CostGov::Ingest {

namespace {

/// The columns of one spend-log row, gathered from JSON members or CSV cells.
struct SpendRow {
    std::string requestId, callType, model, modelGroup, provider, user, endUser, teamId, status, cacheHit;
    std::optional<Nano> spend;
    qint64 promptTokens = 0, completionTokens = 0;
    std::optional<qint64> startMs, endMs, durationMs;
    std::string metadataJson;    // raw JSON object text
    std::string requestTagsJson; // raw JSON array text
};

void setColumn(SpendRow &row, std::string_view key, const FieldValue &v)
{
    if (key == "request_id")
        row.requestId = textOf(v, key);
    else if (key == "call_type")
        row.callType = textOf(v, key);
    else if (key == "spend")
        row.spend = usdOf(v, key);
    else if (key == "prompt_tokens")
        row.promptTokens = countOf(v, key).value_or(0);
    else if (key == "completion_tokens")
        row.completionTokens = countOf(v, key).value_or(0);
    else if (key == "startTime")
        row.startMs = v.isNull() ? std::nullopt : std::optional<qint64>(timestampOf(v, key));
    else if (key == "endTime")
        row.endMs = v.isNull() ? std::nullopt : std::optional<qint64>(timestampOf(v, key));
    else if (key == "request_duration_ms")
        row.durationMs = countOf(v, key);
    else if (key == "model")
        row.model = textOf(v, key);
    else if (key == "model_group")
        row.modelGroup = textOf(v, key);
    else if (key == "custom_llm_provider")
        row.provider = textOf(v, key);
    else if (key == "user")
        row.user = textOf(v, key);
    else if (key == "end_user")
        row.endUser = textOf(v, key);
    else if (key == "team_id")
        row.teamId = textOf(v, key);
    else if (key == "status")
        row.status = textOf(v, key);
    else if (key == "cache_hit")
        row.cacheHit = v.kind == FieldValue::Kind::Bool ? (v.text == "true" ? "True" : "False") : textOf(v, key);
    else if (key == "metadata" && !v.isNull())
        row.metadataJson = std::string(v.text);
    else if (key == "request_tags" && !v.isNull())
        row.requestTagsJson = std::string(v.text);
}

std::string stringMember(simdjson::ondemand::value v)
{
    const FieldValue f = fieldValue(v);
    return f.kind == FieldValue::Kind::String || f.kind == FieldValue::Kind::Number ? std::string(f.text)
                                                                                    : std::string();
}

class LiteLlmReader final : public LogReader {
public:
    explicit LiteLlmReader(Framing framing) : m_framing(framing) {}

    Status setHeader(std::string_view header) override
    {
        if (!splitCsvRow(header, m_columns))
            return makeError(ErrorCode::Data, QStringLiteral("the CSV header has unbalanced quotes"));
        for (std::string &c : m_columns)
            c = std::string(trimmed(c));
        for (const char *required : {"request_id", "startTime", "spend"}) {
            if (std::find(m_columns.begin(), m_columns.end(), required) == m_columns.end())
                return makeError(ErrorCode::Data,
                                 QStringLiteral("the CSV header has no '%1' column").arg(QLatin1String(required)));
        }
        return {};
    }

    ParseResult parse(const Element &element, std::vector<UsageRecord> &out) override
    {
        if (m_framing == Framing::Csv) {
            return guarded(out, [&] {
                if (!splitCsvRow(element.text, m_cells))
                    throw FieldError{"unbalanced quotes in CSV row"};
                if (m_cells.size() != m_columns.size())
                    throw FieldError{"expected " + std::to_string(m_columns.size()) + " CSV cells, found "
                                     + std::to_string(m_cells.size())};
                SpendRow row;
                for (size_t i = 0; i < m_columns.size(); ++i)
                    setColumn(row, m_columns[i], FieldValue::fromCell(m_cells[i]));
                out.push_back(finish(row));
                return ParseResult{};
            });
        }
        return parseJsonObject(m_parser, element, out, [&](simdjson::ondemand::object object) {
            SpendRow row;
            for (auto field : object)
                setColumn(row, field.unescaped_key(), fieldValue(field.value()));
            out.push_back(finish(row));
            return ParseResult{};
        });
    }

private:
    UsageRecord finish(const SpendRow &row)
    {
        if (row.requestId.empty())
            throw FieldError{"missing field 'request_id'"};
        if (!row.startMs)
            throw FieldError{"missing field 'startTime'"};
        UsageRecord r;
        r.identity = row.requestId;
        r.tsMs = *row.startMs;
        r.model = row.model.empty() ? row.modelGroup : row.model;
        r.requestedModel = row.modelGroup;
        r.provider = row.provider.empty() ? providerFromModel(r.model) : normalizeProvider(row.provider);
        r.user = row.user;
        r.status = row.status.empty() ? std::string("success") : row.status;
        r.error = r.status == "failure";
        r.cacheHit = row.cacheHit == "True" || row.cacheHit == "true";
        if (row.durationMs)
            r.latencyMs = row.durationMs;
        else if (row.endMs && *row.endMs >= *row.startMs)
            r.latencyMs = *row.endMs - *row.startMs;

        TagWriter tags;
        std::string teamAlias, teamIdFromKey;
        std::optional<qint64> cacheRead, cachedTokens, cacheWrite;
        if (!row.metadataJson.empty())
            readMetadata(row.metadataJson, r, tags, teamAlias, teamIdFromKey, cacheRead, cachedTokens, cacheWrite);
        const std::string teamId = row.teamId.empty() ? teamIdFromKey : row.teamId;
        r.team = teamAlias.empty() ? teamId : teamAlias;
        if (!teamAlias.empty() && !teamId.empty())
            tags.addText("team_id", teamId);
        if (!row.endUser.empty())
            tags.addText("end_user", row.endUser);
        if (!row.callType.empty())
            tags.addText("call_type", row.callType);
        if (!row.requestTagsJson.empty())
            readRequestTags(row.requestTagsJson, r, tags);

        // prompt_tokens includes cached tokens (Anthropic reads and writes folded in).
        const qint64 read = cacheRead.value_or(cachedTokens.value_or(0));
        const qint64 written = cacheWrite.value_or(0);
        if (read + written > row.promptTokens)
            throw FieldError{"prompt_tokens (" + std::to_string(row.promptTokens)
                             + ") is smaller than its cached tokens (" + std::to_string(read + written) + ")"};
        TokenCounts tokens;
        tokens.input = row.promptTokens - read - written;
        tokens.cacheRead = read;
        tokens.cacheWrite5m = written;
        tokens.output = row.completionTokens;
        if (r.cacheHit) {
            // Served from LiteLLM's cache: no provider tokens. Keep what the cached answer held.
            tags.addRaw("cached_prompt_tokens", std::to_string(row.promptTokens));
            tags.addRaw("cached_completion_tokens", std::to_string(row.completionTokens));
        } else {
            r.tokens = tokens;
        }
        // LiteLLM writes spend 0 when it could not price a model: that is unpriced, not free.
        const bool zeroForUnknownPrice = row.spend && *row.spend == 0 && !r.cacheHit && !r.error && !tokens.isZero();
        if (!zeroForUnknownPrice)
            r.reportedCost = row.spend;
        r.tagsJson = tags.finish();
        return r;
    }

    void readMetadata(const std::string &json, UsageRecord &r, TagWriter &tags, std::string &teamAlias,
                      std::string &teamId, std::optional<qint64> &cacheRead, std::optional<qint64> &cachedTokens,
                      std::optional<qint64> &cacheWrite)
    {
        const simdjson::padded_string padded(json);
        simdjson::ondemand::document doc = m_inner.iterate(padded);
        for (auto field : doc.get_object()) {
            const std::string_view key = field.unescaped_key();
            simdjson::ondemand::value v = field.value();
            if (key == "user_api_key_team_alias") {
                teamAlias = stringMember(v);
            } else if (key == "user_api_key_team_id") {
                teamId = stringMember(v);
            } else if (key == "user_api_key_alias") {
                const std::string alias = stringMember(v);
                if (!alias.empty())
                    tags.addText("api_key_alias", alias);
            } else if (key == "user_api_key_user_id") {
                if (r.user.empty())
                    r.user = stringMember(v);
            } else if (key == "spend_logs_metadata" && v.type() == simdjson::ondemand::json_type::object) {
                for (auto member : v.get_object()) {
                    const std::string_view name = member.unescaped_key();
                    const std::string value = stringMember(member.value());
                    if (value.empty())
                        continue;
                    if (name == "team")
                        teamAlias = value;
                    else if (name == "feature")
                        r.feature = value;
                    else if (name == "environment" || name == "env")
                        r.environment = value;
                    else if (name == "project")
                        r.project = value;
                    else
                        tags.addText(name, value);
                }
            } else if (key == "additional_usage_values" && v.type() == simdjson::ondemand::json_type::object) {
                for (auto member : v.get_object()) {
                    const std::string_view name = member.unescaped_key();
                    simdjson::ondemand::value mv = member.value();
                    if (name == "cache_read_input_tokens")
                        cacheRead = countOf(fieldValue(mv), "metadata.additional_usage_values.cache_read_input_tokens");
                    else if (name == "cache_creation_input_tokens")
                        cacheWrite =
                            countOf(fieldValue(mv), "metadata.additional_usage_values.cache_creation_input_tokens");
                    else if (name == "prompt_tokens_details" && mv.type() == simdjson::ondemand::json_type::object) {
                        for (auto detail : mv.get_object()) {
                            if (detail.unescaped_key() == std::string_view("cached_tokens"))
                                cachedTokens =
                                    countOf(fieldValue(detail.value()), "prompt_tokens_details.cached_tokens");
                        }
                    }
                }
            } else if (key == "error_information" && v.type() == simdjson::ondemand::json_type::object) {
                for (auto member : v.get_object()) {
                    if (member.unescaped_key() == std::string_view("error_class")) {
                        const std::string errorClass = stringMember(member.value());
                        if (!errorClass.empty())
                            tags.addText("error_class", errorClass);
                    }
                }
            }
        }
    }

    void readRequestTags(const std::string &json, UsageRecord &r, TagWriter &tags)
    {
        const simdjson::padded_string padded(json);
        simdjson::ondemand::document doc = m_inner.iterate(padded);
        if (doc.type() != simdjson::ondemand::json_type::array)
            failField("request_tags", "expected a JSON array");
        std::string rest;
        for (auto item : doc.get_array()) {
            const std::string tag = stringMember(item.value());
            const auto colon = tag.find(':');
            const std::string_view name = std::string_view(tag).substr(0, colon);
            const std::string value = colon == std::string::npos ? std::string() : tag.substr(colon + 1);
            if (name == "feature" && r.feature.empty())
                r.feature = value;
            else if ((name == "env" || name == "environment") && r.environment.empty())
                r.environment = value;
            else if (name == "project" && r.project.empty())
                r.project = value;
            else {
                rest.push_back(rest.empty() ? '[' : ',');
                appendJsonString(rest, tag);
            }
        }
        if (!rest.empty())
            tags.addRaw("request_tags", rest + "]");
    }

    Framing m_framing;
    std::vector<std::string> m_columns;
    std::vector<std::string> m_cells;
    simdjson::ondemand::parser m_parser;
    simdjson::ondemand::parser m_inner;
};

} // namespace

std::unique_ptr<LogReader> createLiteLlmReader(Framing framing)
{
    return std::make_unique<LiteLlmReader>(framing);
}

} // namespace CostGov::Ingest

// OpenTelemetry GenAI spans, one OTLP/JSON ExportTraceServiceRequest per line (the Collector's
// file exporter). Both the current and the deprecated gen_ai attribute names are read.
#include "readers.h"

#include <array>

namespace CostGov::Ingest {

namespace {

/// Attributes this reader cares about, from resource or span.
struct Attributes {
    std::string operation, provider, system, requestModel, responseModel, responseId, errorType;
    std::string serviceName, serviceNamespace, environment, user;
    std::string team, feature, project; // costgov.* overrides
    std::optional<qint64> inputTokens, outputTokens, promptTokens, completionTokens, cacheRead, cacheCreation;
};

bool isInference(std::string_view operation)
{
    return operation == "chat" || operation == "generate_content" || operation == "text_completion"
        || operation == "embeddings" || operation == "completion";
}

// Legacy gen_ai.system values -> gen_ai.provider.name values.
std::string providerFromSystem(std::string_view system)
{
    if (system == "az.ai.openai")
        return "azure.ai.openai";
    if (system == "az.ai.inference")
        return "azure.ai.inference";
    if (system == "vertex_ai")
        return "gcp.vertex_ai";
    if (system == "gemini")
        return "gcp.gemini";
    if (system == "xai")
        return "x_ai";
    return normalizeProvider(system);
}

bool isHex(std::string_view s)
{
    return std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

// Some exporters write ids in protobuf's generic base64 JSON mapping; the spec says hex.
std::string idAsHex(std::string_view id)
{
    if (isHex(id))
        return std::string(id);
    static constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    quint32 buffer = 0;
    int bits = 0;
    for (char c : id) {
        const auto pos = alphabet.find(c);
        if (pos == std::string_view::npos)
            break; // padding or junk ends the value
        buffer = (buffer << 6) | quint32(pos);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            const auto byte = (buffer >> bits) & 0xFF;
            out.push_back(hex[byte >> 4]);
            out.push_back(hex[byte & 0xF]);
        }
    }
    return out.empty() ? std::string(id) : out;
}

FieldValue attributeValue(simdjson::ondemand::object anyValue)
{
    for (auto field : anyValue) {
        const std::string_view kind = field.unescaped_key();
        simdjson::ondemand::value v = field.value();
        if (kind == "stringValue" || kind == "intValue" || kind == "doubleValue" || kind == "boolValue")
            return fieldValue(v);
        if (kind == "arrayValue" || kind == "kvlistValue" || kind == "bytesValue")
            return FieldValue{FieldValue::Kind::Object, fieldValue(v).text};
    }
    return {};
}

void readAttributes(simdjson::ondemand::array list, Attributes &a)
{
    for (auto item : list) {
        std::string_view key;
        FieldValue value;
        for (auto field : item.get_object()) {
            const std::string_view name = field.unescaped_key();
            if (name == "key")
                key = field.value().get_string();
            else if (name == "value" && field.value().type() == simdjson::ondemand::json_type::object)
                value = attributeValue(field.value().get_object());
        }
        if (value.isNull() || value.kind == FieldValue::Kind::Object)
            continue;
        auto text = [&] { return std::string(value.text); };
        if (key == "gen_ai.operation.name")
            a.operation = text();
        else if (key == "gen_ai.provider.name")
            a.provider = text();
        else if (key == "gen_ai.system")
            a.system = text();
        else if (key == "gen_ai.request.model")
            a.requestModel = text();
        else if (key == "gen_ai.response.model")
            a.responseModel = text();
        else if (key == "gen_ai.response.id")
            a.responseId = text();
        else if (key == "gen_ai.usage.input_tokens")
            a.inputTokens = countOf(value, key);
        else if (key == "gen_ai.usage.output_tokens")
            a.outputTokens = countOf(value, key);
        else if (key == "gen_ai.usage.prompt_tokens")
            a.promptTokens = countOf(value, key);
        else if (key == "gen_ai.usage.completion_tokens")
            a.completionTokens = countOf(value, key);
        else if (key == "gen_ai.usage.cache_read.input_tokens" || key == "gen_ai.usage.cache_read_input_tokens")
            a.cacheRead = countOf(value, key);
        else if (key == "gen_ai.usage.cache_creation.input_tokens" || key == "gen_ai.usage.cache_creation_input_tokens")
            a.cacheCreation = countOf(value, key);
        else if (key == "error.type")
            a.errorType = text();
        else if (key == "service.name")
            a.serviceName = text();
        else if (key == "service.namespace")
            a.serviceNamespace = text();
        else if (key == "deployment.environment.name" || (key == "deployment.environment" && a.environment.empty()))
            a.environment = text();
        else if (key == "enduser.id" || (key == "user.id" && a.user.empty()))
            a.user = text();
        else if (key == "costgov.team")
            a.team = text();
        else if (key == "costgov.feature")
            a.feature = text();
        else if (key == "costgov.project")
            a.project = text();
    }
}

// A span attribute wins over the same resource attribute.
void inherit(std::string &span, const std::string &resource)
{
    if (span.empty())
        span = resource;
}

class OtelReader final : public LogReader {
public:
    ParseResult parse(const Element &element, std::vector<UsageRecord> &out) override
    {
        return parseJsonObject(m_parser, element, out, [&](simdjson::ondemand::object request) {
            ParseResult result;
            bool sawResourceSpans = false;
            for (auto field : request) {
                if (field.unescaped_key() != std::string_view("resourceSpans"))
                    continue;
                sawResourceSpans = true;
                for (auto resourceSpans : field.value().get_array())
                    readResourceSpans(resourceSpans.get_object(), out, result);
            }
            if (!sawResourceSpans)
                throw FieldError{"missing field 'resourceSpans' (not an OTLP trace export)"};
            return result;
        });
    }

private:
    void readResourceSpans(simdjson::ondemand::object resourceSpans, std::vector<UsageRecord> &out, ParseResult &result)
    {
        Attributes resource;
        struct Pending {
            UsageRecord record;
            Attributes attributes;
        };
        std::vector<Pending> spans;
        for (auto field : resourceSpans) {
            const std::string_view key = field.unescaped_key();
            if (key == "resource") {
                for (auto r : field.value().get_object()) {
                    if (r.unescaped_key() == std::string_view("attributes"))
                        readAttributes(r.value().get_array(), resource);
                }
            } else if (key == "scopeSpans") {
                for (auto scope : field.value().get_array()) {
                    for (auto s : scope.get_object()) {
                        if (s.unescaped_key() != std::string_view("spans"))
                            continue;
                        for (auto span : s.value().get_array())
                            readSpan(span.get_object(), spans, result);
                    }
                }
            }
        }
        // The resource may come after its spans in the JSON: apply it once both are known.
        for (Pending &p : spans) {
            Attributes &a = p.attributes;
            inherit(a.serviceName, resource.serviceName);
            inherit(a.serviceNamespace, resource.serviceNamespace);
            inherit(a.environment, resource.environment);
            inherit(a.user, resource.user);
            inherit(a.team, resource.team);
            inherit(a.feature, resource.feature);
            inherit(a.project, resource.project);
            UsageRecord &r = p.record;
            r.team = a.team.empty() ? a.serviceNamespace : a.team;
            r.feature = a.feature.empty() ? a.serviceName : a.feature;
            r.environment = a.environment;
            r.user = a.user;
            r.project = a.project;
            TagWriter tags;
            if (!a.operation.empty())
                tags.addText("operation", a.operation);
            if (!a.serviceName.empty())
                tags.addText("service_name", a.serviceName);
            if (!a.responseId.empty())
                tags.addText("response_id", a.responseId);
            if (!a.errorType.empty())
                tags.addText("error_type", a.errorType);
            r.tagsJson = tags.finish();
            out.push_back(std::move(r));
        }
    }

    template <typename Pending>
    void readSpan(simdjson::ondemand::object span, std::vector<Pending> &pending, ParseResult &result)
    {
        Attributes a;
        std::string traceId, spanId;
        std::optional<qint64> start, end;
        bool statusError = false;
        for (auto field : span) {
            const std::string_view key = field.unescaped_key();
            simdjson::ondemand::value v = field.value();
            if (key == "traceId")
                traceId = idAsHex(std::string_view(v.get_string()));
            else if (key == "spanId")
                spanId = idAsHex(std::string_view(v.get_string()));
            else if (key == "startTimeUnixNano")
                start = integerOf(fieldValue(v), key);
            else if (key == "endTimeUnixNano")
                end = integerOf(fieldValue(v), key);
            else if (key == "attributes")
                readAttributes(v.get_array(), a);
            else if (key == "status") {
                for (auto s : v.get_object()) {
                    if (s.unescaped_key() == std::string_view("code"))
                        statusError = integerOf(fieldValue(s.value()), "status.code").value_or(0) == 2;
                }
            }
        }
        const bool hasUsage = a.inputTokens || a.outputTokens || a.promptTokens || a.completionTokens;
        // Agent and workflow spans repeat their children's usage: count inference operations only.
        if (!(isInference(a.operation) || (a.operation.empty() && hasUsage))) {
            ++result.skipped;
            result.skipReason = "not a GenAI inference span";
            return;
        }
        if (!start)
            throw FieldError{"span without startTimeUnixNano"};
        if (traceId.empty() || spanId.empty())
            throw FieldError{"span without traceId or spanId"};
        UsageRecord r;
        r.tsMs = *start / 1'000'000;
        if (end && *end >= *start)
            r.latencyMs = (*end - *start) / 1'000'000;
        r.identity = traceId + ":" + spanId;
        r.requestedModel = a.requestModel;
        r.model = a.responseModel.empty() ? a.requestModel : a.responseModel;
        if (r.model.empty())
            throw FieldError{"inference span without gen_ai.request.model or gen_ai.response.model"};
        r.provider = !a.provider.empty() ? normalizeProvider(a.provider)
            : !a.system.empty()          ? providerFromSystem(a.system)
                                         : providerFromModel(r.model);
        const qint64 input = a.inputTokens.value_or(a.promptTokens.value_or(0));
        const qint64 read = a.cacheRead.value_or(0);
        const qint64 written = a.cacheCreation.value_or(0);
        // input_tokens SHOULD include cache reads and writes; instrumentations that follow
        // Anthropic's own usage shape report them separately, which shows as input < read + written.
        r.tokens.input = input >= read + written ? input - read - written : input;
        r.tokens.cacheRead = read;
        r.tokens.cacheWrite5m = written;
        r.tokens.output = a.outputTokens.value_or(a.completionTokens.value_or(0));
        r.error = statusError || !a.errorType.empty();
        r.status = r.error ? (a.errorType.empty() ? std::string("error") : a.errorType) : std::string("success");
        pending.push_back({std::move(r), std::move(a)});
    }

    simdjson::ondemand::parser m_parser;
};

} // namespace

std::unique_ptr<LogReader> createOtelReader()
{
    return std::make_unique<OtelReader>();
}

} // namespace CostGov::Ingest

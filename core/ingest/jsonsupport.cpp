#include "jsonsupport.h"

#include "common/timeutil.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace CostGov::Ingest {

void failField(std::string_view field, std::string_view problem)
{
    std::string message = "field '";
    message.append(field);
    message.append("': ");
    message.append(problem);
    throw FieldError{std::move(message)};
}

std::string_view trimmed(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

FieldValue fieldValue(simdjson::ondemand::value value)
{
    using simdjson::ondemand::json_type;
    switch (value.type()) {
    case json_type::null:
        return {};
    case json_type::string:
        return {FieldValue::Kind::String, std::string_view(value.get_string())};
    case json_type::number:
        return {FieldValue::Kind::Number, trimmed(value.raw_json_token())};
    case json_type::boolean:
        return {FieldValue::Kind::Bool, bool(value.get_bool()) ? std::string_view("true") : std::string_view("false")};
    case json_type::object: {
        simdjson::ondemand::object object = value.get_object();
        return {FieldValue::Kind::Object, trimmed(std::string_view(object.raw_json()))};
    }
    case json_type::array: {
        simdjson::ondemand::array array = value.get_array();
        return {FieldValue::Kind::Array, trimmed(std::string_view(array.raw_json()))};
    }
    }
    return {};
}

std::optional<qint64> integerOf(const FieldValue &v, std::string_view field)
{
    if (v.isNull())
        return std::nullopt;
    if (v.kind != FieldValue::Kind::Number && v.kind != FieldValue::Kind::String)
        failField(field, "expected an integer");
    const std::string_view text = trimmed(v.text);
    if (text.empty() && v.kind == FieldValue::Kind::String)
        return std::nullopt;
    qint64 value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc() && end == text.data() + text.size())
        return value;
    // 1234.0 or 1.5e3 written by float-minded exporters: accept when integral.
    const auto scaled = parseScaledDecimal(text, 0);
    const auto check = parseScaledDecimal(text, 3);
    if (scaled && check && *check == *scaled * 1000)
        return *scaled;
    failField(field, "expected an integer");
}

std::optional<qint64> countOf(const FieldValue &v, std::string_view field)
{
    const auto value = integerOf(v, field);
    if (value && *value < 0)
        failField(field, "must not be negative");
    return value;
}

std::optional<Nano> usdOf(const FieldValue &v, std::string_view field)
{
    if (v.isNull())
        return std::nullopt;
    if (v.kind != FieldValue::Kind::Number && v.kind != FieldValue::Kind::String)
        failField(field, "expected a decimal USD amount");
    if (v.kind == FieldValue::Kind::String && trimmed(v.text).empty())
        return std::nullopt;
    const auto nano = parseUsd(trimmed(v.text));
    if (!nano)
        failField(field, "expected a decimal USD amount");
    return nano;
}

bool flagOf(const FieldValue &v, std::string_view field)
{
    const std::string_view t = trimmed(v.text);
    if (v.isNull() || t.empty())
        return false;
    if (t == "true" || t == "True" || t == "TRUE" || t == "1" || t == "t" || t == "yes")
        return true;
    if (t == "false" || t == "False" || t == "FALSE" || t == "0" || t == "f" || t == "no" || t == "None")
        return false;
    failField(field, "expected true or false");
}

std::string textOf(const FieldValue &v, std::string_view field)
{
    if (v.kind == FieldValue::Kind::Object || v.kind == FieldValue::Kind::Array)
        failField(field, "expected a string");
    return std::string(v.text);
}

qint64 timestampOf(const FieldValue &v, std::string_view field)
{
    if (v.kind != FieldValue::Kind::String)
        failField(field, "expected an RFC 3339 timestamp string");
    const auto ts = parseTimestampMs(trimmed(v.text));
    if (!ts)
        failField(field, "not an RFC 3339 timestamp");
    return *ts;
}

void appendJsonString(std::string &out, std::string_view s)
{
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"':
            out.append("\\\"");
            break;
        case '\\':
            out.append("\\\\");
            break;
        case '\n':
            out.append("\\n");
            break;
        case '\r':
            out.append("\\r");
            break;
        case '\t':
            out.append("\\t");
            break;
        default:
            if (c < 0x20) {
                out.append("\\u00");
                out.push_back(hex[c >> 4]);
                out.push_back(hex[c & 0xF]);
            } else {
                out.push_back(ch);
            }
        }
    }
    out.push_back('"');
}

void TagWriter::key(std::string_view key)
{
    m_out.push_back(m_out.empty() ? '{' : ',');
    appendJsonString(m_out, key);
    m_out.push_back(':');
}

void TagWriter::addText(std::string_view k, std::string_view value)
{
    key(k);
    appendJsonString(m_out, value);
}

void TagWriter::addRaw(std::string_view k, std::string_view rawJson)
{
    key(k);
    m_out.append(trimmed(rawJson));
}

void TagWriter::addObjectMembers(std::string_view rawObject)
{
    std::string_view inner = trimmed(rawObject);
    if (inner.size() < 2 || inner.front() != '{' || inner.back() != '}')
        return;
    inner = trimmed(inner.substr(1, inner.size() - 2));
    if (inner.empty())
        return;
    m_out.push_back(m_out.empty() ? '{' : ',');
    m_out.append(inner);
}

std::string TagWriter::finish()
{
    if (m_out.empty())
        return {};
    std::string out = std::move(m_out);
    out.push_back('}');
    m_out.clear();
    return out;
}

std::string normalizeProvider(std::string_view provider)
{
    std::string p(trimmed(provider));
    std::transform(p.begin(), p.end(), p.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    struct Alias {
        std::string_view from;
        std::string_view to;
    };
    static constexpr Alias aliases[] = {
        {"azure", "azure.ai.openai"},
        {"azure_ai", "azure.ai.inference"},
        {"az.ai.openai", "azure.ai.openai"},
        {"az.ai.inference", "azure.ai.inference"},
        {"bedrock", "aws.bedrock"},
        {"bedrock_converse", "aws.bedrock"},
        {"aws", "aws.bedrock"},
        {"sagemaker", "aws.sagemaker"},
        {"vertex_ai", "gcp.vertex_ai"},
        {"vertex_ai_beta", "gcp.vertex_ai"},
        {"vertex_ai-language-models", "gcp.vertex_ai"},
        {"gemini", "gcp.gemini"},
        {"google", "gcp.gemini"},
        {"mistral", "mistral_ai"},
        {"xai", "x_ai"},
        {"watsonx", "ibm.watsonx.ai"},
        {"text-completion-openai", "openai"},
    };
    for (const Alias &a : aliases) {
        if (p == a.from)
            return std::string(a.to);
    }
    return p;
}

std::string providerFromModel(std::string_view model)
{
    const auto slash = model.find('/');
    if (slash != std::string_view::npos && slash > 0)
        return normalizeProvider(model.substr(0, slash));
    auto starts = [model](std::string_view p) { return model.substr(0, p.size()) == p; };
    if (starts("gpt-") || starts("o1") || starts("o3") || starts("o4") || starts("chatgpt") || starts("text-embedding")
        || starts("whisper") || starts("dall-e") || starts("tts-") || starts("davinci") || starts("babbage"))
        return "openai";
    if (starts("claude"))
        return "anthropic";
    if (starts("gemini") || starts("gemma"))
        return "gcp.gemini";
    if (starts("amazon.") || starts("anthropic.") || starts("meta.") || starts("us.") || starts("eu.")
        || starts("apac.") || starts("global.") || starts("cohere.") || starts("ai21.") || starts("mistral."))
        return "aws.bedrock";
    if (starts("mistral") || starts("mixtral") || starts("codestral") || starts("magistral") || starts("ministral"))
        return "mistral_ai";
    if (starts("deepseek"))
        return "deepseek";
    if (starts("grok"))
        return "x_ai";
    return {};
}

} // namespace CostGov::Ingest

#include "sniffer.h"

#include "csvsupport.h"

#include <simdjson.h>

#include <set>

namespace CostGov::Ingest {

namespace {

struct FirstObject {
    bool valid = false;
    std::set<std::string> keys;
    std::string type;       // "type"
    std::string schemaType; // "schemaType"
};

FirstObject inspectObject(std::string_view line)
{
    FirstObject info;
    simdjson::ondemand::parser parser;
    const simdjson::padded_string padded(line);
    try {
        simdjson::ondemand::document doc = parser.iterate(padded);
        for (auto field : doc.get_object()) {
            const std::string key(std::string_view(field.unescaped_key()));
            simdjson::ondemand::value v = field.value();
            if ((key == "type" || key == "schemaType") && v.type() == simdjson::ondemand::json_type::string)
                (key == "type" ? info.type : info.schemaType) = std::string(std::string_view(v.get_string()));
            info.keys.insert(key);
        }
        info.valid = doc.current_location().error() != simdjson::SUCCESS;
    } catch (const simdjson::simdjson_error &) {
        info.valid = false;
    }
    return info;
}

std::optional<Format> formatOfObject(const FirstObject &o)
{
    auto has = [&o](const char *key) { return o.keys.count(key) > 0; };
    if (has("resourceSpans"))
        return Format::Otel;
    if (o.schemaType == "ModelInvocationLog" || (has("modelId") && has("input") && has("output")))
        return Format::Bedrock;
    if (has("leafUuid")
        || (!o.type.empty() && (has("sessionId") || has("uuid") || has("parentUuid") || has("messageId"))))
        return Format::ClaudeCode;
    if (has("request_id") && (has("spend") || has("call_type") || has("startTime")))
        return Format::LiteLlm;
    if (has("ts") && has("model"))
        return Format::Canonical;
    return std::nullopt;
}

// Documents we recognize but do not import as request logs, with what to do instead.
QString describeDocument(std::string_view text)
{
    auto contains = [text](std::string_view needle) { return text.find(needle) != std::string_view::npos; };
    if (contains("\"organization.costs.result\""))
        return QStringLiteral("an OpenAI costs API response (billed costs arrive through provider sync, not import)");
    if (contains("\"organization.usage."))
        return QStringLiteral("an OpenAI usage API response (billed usage arrives through provider sync, not import)");
    if (contains("\"cost_type\"") && contains("\"starting_at\""))
        return QStringLiteral("an Anthropic cost report (billed costs arrive through provider sync, not import)");
    if (contains("\"uncached_input_tokens\"") && contains("\"starting_at\""))
        return QStringLiteral("an Anthropic usage report (billed usage arrives through provider sync, not import)");
    if (contains("\"input_cost_per_token\""))
        return QStringLiteral("a price catalog (load it with: costgovctl prices --import FILE)");
    return {};
}

bool looksBinary(const QByteArray &head)
{
    const qsizetype n = std::min<qsizetype>(head.size(), 4096);
    for (qsizetype i = 0; i < n; ++i) {
        if (head[i] == '\0')
            return true;
    }
    return false;
}

} // namespace

SniffResult sniffFormat(const QByteArray &head, const QString &fileName)
{
    SniffResult result;
    if (fileName.endsWith(QLatin1String(".gz")) || head.startsWith("\x1f\x8b")) {
        result.description = QStringLiteral("a compressed file (decompress it first, e.g. gunzip)");
        return result;
    }
    if (looksBinary(head)) {
        result.description = QStringLiteral("a binary file");
        return result;
    }
    std::string_view text(head.constData(), size_t(head.size()));
    if (text.substr(0, 3) == "\xEF\xBB\xBF")
        text.remove_prefix(3);
    const auto start = text.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) {
        result.description = QStringLiteral("an empty file");
        return result;
    }
    text.remove_prefix(start);

    if (text.front() == '[') {
        // A JSON array: LiteLLM's /spend/logs response.
        if (text.find("\"request_id\"") != std::string_view::npos
            && (text.find("\"spend\"") != std::string_view::npos
                || text.find("\"call_type\"") != std::string_view::npos)) {
            result.format = Format::LiteLlm;
            result.framing = Framing::JsonArray;
            return result;
        }
        result.description = describeDocument(text);
        if (result.description.isEmpty())
            result.description = QStringLiteral("a JSON array of records this program does not know");
        return result;
    }
    if (text.front() == '{') {
        // JSON lines: decide on the first lines that are whole objects.
        size_t pos = 0;
        for (int lines = 0; lines < 20 && pos < text.size(); ++lines) {
            const size_t end = text.find('\n', pos);
            if (end == std::string_view::npos)
                break; // possibly cut by the head limit: a partial line proves nothing
            const std::string_view line = text.substr(pos, end - pos);
            pos = end + 1;
            const FirstObject object = inspectObject(line);
            if (!object.valid)
                break; // a pretty-printed document, not JSON lines
            if (const auto format = formatOfObject(object)) {
                result.format = format;
                return result;
            }
        }
        // A single object without a newline, or a pretty-printed document.
        if (text.find('\n') == std::string_view::npos) {
            const FirstObject object = inspectObject(text);
            if (object.valid) {
                if (const auto format = formatOfObject(object)) {
                    result.format = format;
                    return result;
                }
            }
        }
        result.description = describeDocument(text);
        if (result.description.isEmpty())
            result.description = QStringLiteral("JSON that is not a request log this program reads");
        return result;
    }
    // CSV with a header row.
    const std::string_view headerLine = text.substr(0, text.find('\n'));
    std::vector<std::string> columns;
    if (headerLine.find(',') != std::string_view::npos && splitCsvRow(headerLine, columns)) {
        auto has = [&columns](std::string_view name) {
            return std::any_of(columns.begin(), columns.end(), [name](const std::string &c) {
                std::string_view v(c);
                while (!v.empty() && (v.back() == '\r' || v.back() == ' '))
                    v.remove_suffix(1);
                return v == name;
            });
        };
        if (has("request_id") && has("spend") && has("startTime")) {
            result.format = Format::LiteLlm;
            result.framing = Framing::Csv;
            return result;
        }
        if (has("ts") && has("model")) {
            result.format = Format::Canonical;
            result.framing = Framing::Csv;
            return result;
        }
    }
    result.description = QStringLiteral("not a request log this program reads");
    return result;
}

} // namespace CostGov::Ingest

#pragma once

// Internal to core/ingest: the reader implementations and what they share.

#include "jsonsupport.h"
#include "logreader.h"

#include <simdjson.h>

#include <string>

namespace CostGov::Ingest {

std::unique_ptr<LogReader> createCanonicalReader(Framing framing);
std::unique_ptr<LogReader> createLiteLlmReader(Framing framing);
std::unique_ptr<LogReader> createOtelReader();
std::unique_ptr<LogReader> createClaudeCodeReader();
std::unique_ptr<LogReader> createBedrockReader();

/// "content:<hash>" identity for records whose source has no request id.
std::string contentIdentity(std::string_view rawElement);

/// Throws FieldError unless text is a JSON object.
void requireJsonObject(simdjson::ondemand::parser &parser, const std::string &text, std::string_view field);

/// Runs body, turning FieldError and simdjson errors into a rejection. A rejected element leaves
/// no records behind in out.
template <typename Body>
ParseResult guarded(std::vector<UsageRecord> &out, Body &&body)
{
    const size_t before = out.size();
    ParseResult result;
    try {
        result = body();
    } catch (const FieldError &e) {
        result = ParseResult{QString::fromStdString(e.message)};
    } catch (const simdjson::simdjson_error &e) {
        result = ParseResult{QStringLiteral("invalid JSON: %1").arg(QString::fromUtf8(e.what()))};
    }
    if (!result.rejection.isEmpty())
        out.resize(before);
    return result;
}

/// Parses an element as one JSON object and hands it to body; anything else is rejected.
template <typename Body>
ParseResult parseJsonObject(simdjson::ondemand::parser &parser, const Element &element, std::vector<UsageRecord> &out,
                            Body &&body)
{
    return guarded(out, [&]() -> ParseResult {
        const simdjson::padded_string_view view(element.text.data(), element.text.size(), element.capacity);
        simdjson::ondemand::document doc = parser.iterate(view);
        if (doc.type() != simdjson::ondemand::json_type::object)
            return ParseResult{QStringLiteral("expected a JSON object")};
        ParseResult result = body(doc.get_object());
        // The whole element must be one valid value: reject trailing garbage.
        if (result.rejection.isEmpty() && doc.current_location().error() == simdjson::SUCCESS)
            return ParseResult{QStringLiteral("invalid JSON: text after the object")};
        return result;
    });
}

} // namespace CostGov::Ingest

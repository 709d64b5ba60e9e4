#pragma once

#include "common/money.h"

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

namespace CostGov::Ingest {

/// A field that is present but unusable; the reader turns it into a quarantine reason.
struct FieldError {
    std::string message;
};

[[noreturn]] void failField(std::string_view field, std::string_view problem);

/// A scalar field value in textual form, whether it came from JSON or a CSV cell.
struct FieldValue {
    enum class Kind { Null, String, Number, Bool, Object, Array };
    Kind kind = Kind::Null;
    std::string_view text; ///< unescaped string, number token, "true"/"false", or raw JSON of objects/arrays

    bool isNull() const { return kind == Kind::Null; }
    /// CSV cells: empty means NULL, everything else is a string to interpret.
    static FieldValue fromCell(std::string_view cell)
    {
        return cell.empty() ? FieldValue{} : FieldValue{Kind::String, cell};
    }
};

/// Reads a JSON value as a FieldValue (strings unescaped, objects and arrays as raw JSON).
FieldValue fieldValue(simdjson::ondemand::value value);

/// A count (tokens, ms): a non-negative integer given as a number or numeric string; nullopt for null.
std::optional<qint64> countOf(const FieldValue &v, std::string_view field);
/// A signed integer (nanosecond timestamps), as number or numeric string.
std::optional<qint64> integerOf(const FieldValue &v, std::string_view field);
/// A USD amount, parsed exactly from its decimal text.
std::optional<Nano> usdOf(const FieldValue &v, std::string_view field);
/// true/false, "true"/"True"/"false"/"False", 1/0.
bool flagOf(const FieldValue &v, std::string_view field);
/// A string dimension; numbers are taken as their text, null as empty.
std::string textOf(const FieldValue &v, std::string_view field);
/// An RFC 3339 timestamp as UTC epoch ms.
qint64 timestampOf(const FieldValue &v, std::string_view field);

/// Builds a compact JSON object of extra attributes, in insertion order.
class TagWriter {
public:
    void addText(std::string_view key, std::string_view value);
    void addRaw(std::string_view key, std::string_view rawJson);
    /// Copies every member of a raw JSON object text (already validated JSON).
    void addObjectMembers(std::string_view rawObject);
    bool empty() const { return m_out.empty(); }
    std::string finish();

private:
    void key(std::string_view key);
    std::string m_out;
};

/// Appends s as a JSON string literal (quoted, escaped).
void appendJsonString(std::string &out, std::string_view s);

/// Trims ASCII whitespace.
std::string_view trimmed(std::string_view s);

/// Maps provider names of every source to one vocabulary (OpenTelemetry's gen_ai.provider.name).
std::string normalizeProvider(std::string_view provider);
/// A provider guessed from a model name when a source does not say.
std::string providerFromModel(std::string_view model);

} // namespace CostGov::Ingest

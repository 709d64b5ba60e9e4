#pragma once

#include "elementreader.h"

#include "common/result.h"
#include "common/usagerecord.h"

#include <QString>

#include <memory>
#include <optional>
#include <vector>

namespace CostGov::Ingest {

/// Request log formats the importer reads.
enum class Format { Canonical, LiteLlm, Otel, ClaudeCode, Bedrock };

/// "canonical", "litellm", "otel", "claude-code", "bedrock": the CLI's --format values and the
/// namespace of record identities.
QString formatName(Format format);
std::optional<Format> formatFromName(const QString &name);
/// Format and framing together, as remembered in checkpoints ("litellm-csv", "otel").
QString layoutName(Format format, Framing framing);
std::optional<std::pair<Format, Framing>> layoutFromName(const QString &name);

/// What became of one element.
struct ParseResult {
    QString rejection; ///< non-empty: the element is quarantined with this reason
    int skipped = 0;   ///< items deliberately not imported (non-GenAI spans, non-usage lines)
    const char *skipReason = nullptr;
};

/// Why a record cannot be stored (a token count or cost out of bounds, named), or empty.
QString outOfBounds(const UsageRecord &record);

/// A pure function from a file's elements to usage records or rejections.
class LogReader {
public:
    virtual ~LogReader() = default;
    /// The CSV header row; an error names what is missing.
    virtual Status setHeader(std::string_view header);
    /// Appends the records of one element to out, or rejects or skips it.
    virtual ParseResult parse(const Element &element, std::vector<UsageRecord> &out) = 0;
};

std::unique_ptr<LogReader> createReader(Format format, Framing framing);

/// Parses one element with a reader; oversized elements are rejected without parsing.
ParseResult parseElement(LogReader &reader, const Element &element, std::vector<UsageRecord> &out);

/// Everything a reader makes of a whole file held in memory (for tests and previews).
struct ParsedFile {
    std::vector<UsageRecord> records;
    std::vector<std::pair<qint64, QString>> rejections; ///< line, reason
    int skipped = 0;
    QString error;
};
ParsedFile parseBytes(Format format, Framing framing, const QByteArray &bytes);

} // namespace CostGov::Ingest

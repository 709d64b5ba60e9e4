#include "logreader.h"

#include "readers.h"

#include <QBuffer>

namespace CostGov::Ingest {

namespace {
struct FormatInfo {
    Format format;
    const char *name;
};
constexpr FormatInfo kFormats[] = {
    {Format::Canonical, "canonical"},    {Format::LiteLlm, "litellm"}, {Format::Otel, "otel"},
    {Format::ClaudeCode, "claude-code"}, {Format::Bedrock, "bedrock"},
};
} // namespace

QString formatName(Format format)
{
    return QLatin1String(kFormats[int(format)].name);
}

std::optional<Format> formatFromName(const QString &name)
{
    for (const FormatInfo &f : kFormats) {
        if (name == QLatin1String(f.name))
            return f.format;
    }
    return std::nullopt;
}

QString layoutName(Format format, Framing framing)
{
    switch (framing) {
    case Framing::Csv:
        return formatName(format) + QStringLiteral("-csv");
    case Framing::JsonArray:
        return formatName(format) + QStringLiteral("-array");
    case Framing::Lines:
        break;
    }
    return formatName(format);
}

std::optional<std::pair<Format, Framing>> layoutFromName(const QString &name)
{
    for (const FormatInfo &f : kFormats) {
        for (Framing framing : {Framing::Lines, Framing::Csv, Framing::JsonArray}) {
            if (layoutName(f.format, framing) == name)
                return std::make_pair(f.format, framing);
        }
    }
    return std::nullopt;
}

Status LogReader::setHeader(std::string_view)
{
    return {};
}

std::unique_ptr<LogReader> createReader(Format format, Framing framing)
{
    switch (format) {
    case Format::Canonical:
        return createCanonicalReader(framing);
    case Format::LiteLlm:
        return createLiteLlmReader(framing);
    case Format::Otel:
        return createOtelReader();
    case Format::ClaudeCode:
        return createClaudeCodeReader();
    case Format::Bedrock:
        return createBedrockReader();
    }
    return nullptr;
}

QString outOfBounds(const UsageRecord &r)
{
    const std::pair<const char *, qint64> counts[] = {{"input tokens", r.tokens.input},
                                                      {"output tokens", r.tokens.output},
                                                      {"cache read tokens", r.tokens.cacheRead},
                                                      {"cache write tokens", r.tokens.cacheWrite5m},
                                                      {"1-hour cache write tokens", r.tokens.cacheWrite1h}};
    for (const auto &[name, count] : counts)
        if (count < 0 || count > kMaxTokensPerKind)
            return QStringLiteral("%1 %2 out of range (0 to 10^12 for one request)")
                .arg(QLatin1String(name))
                .arg(count);
    for (const std::optional<Nano> &cost : {r.reportedCost, r.cost})
        if (cost && (*cost > kMaxRequestCost || *cost < -kMaxRequestCost))
            return QStringLiteral("cost %1 USD out of range (at most 100,000 USD for one request)").arg(usdText(*cost));
    return {};
}

ParseResult parseElement(LogReader &reader, const Element &element, std::vector<UsageRecord> &out)
{
    if (element.oversized)
        return ParseResult{QStringLiteral("line longer than %1 MB").arg(ElementReader::kMaxElement >> 20)};
    const size_t before = out.size();
    ParseResult result = reader.parse(element, out);
    for (size_t i = before; i < out.size(); ++i) {
        if (QString why = outOfBounds(out[i]); !why.isEmpty()) {
            out.resize(before); // the whole element, as for any other rejection
            result.rejection = why;
            break;
        }
    }
    return result;
}

ParsedFile parseBytes(Format format, Framing framing, const QByteArray &bytes)
{
    ParsedFile parsed;
    QByteArray copy = bytes;
    QBuffer buffer(&copy);
    buffer.open(QIODevice::ReadOnly);
    ElementReader elements(&buffer, framing, 0, 0);
    const std::unique_ptr<LogReader> reader = createReader(format, framing);
    Element element;
    bool header = framing == Framing::Csv;
    while (elements.next(element)) {
        if (header) {
            header = false;
            if (const Status s = reader->setHeader(element.text); !s.ok()) {
                parsed.error = s.error().message;
                return parsed;
            }
            continue;
        }
        const ParseResult result = parseElement(*reader, element, parsed.records);
        if (!result.rejection.isEmpty())
            parsed.rejections.emplace_back(element.line, result.rejection);
        parsed.skipped += result.skipped;
    }
    parsed.error = elements.error();
    return parsed;
}

} // namespace CostGov::Ingest

#include "elementreader.h"

#include <QIODevice>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace CostGov::Ingest {

namespace {
constexpr size_t kChunk = 1 << 20;
constexpr size_t kPadding = 64; // simdjson reads up to 64 bytes past an element
constexpr size_t kOversizedKeep = 4096;

bool isBlank(std::string_view s)
{
    return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}
} // namespace

ElementReader::ElementReader(QIODevice *device, Framing framing, qint64 startOffset, qint64 startLine)
    : m_device(device), m_framing(framing), m_bufferOffset(startOffset), m_line(startLine)
{
    m_buffer.resize(kChunk + kPadding);
    // Resuming inside a JSON array: the opening bracket was consumed by an earlier run.
    m_arrayOpen = framing == Framing::JsonArray && startOffset > 0;
}

void ElementReader::compact()
{
    if (m_begin == 0)
        return;
    std::memmove(m_buffer.data(), m_buffer.data() + m_begin, m_end - m_begin);
    m_bufferOffset += qint64(m_begin);
    m_end -= m_begin;
    m_begin = 0;
}

bool ElementReader::fill()
{
    if (m_eof)
        return false;
    compact();
    if (m_buffer.size() - kPadding - m_end < kChunk / 2)
        m_buffer.resize(std::max(m_buffer.size() * 2, m_end + kChunk + kPadding));
    const qint64 n = m_device->read(m_buffer.data() + m_end, qint64(m_buffer.size() - kPadding - m_end));
    if (n < 0) {
        m_error = m_device->errorString();
        m_eof = true;
        return false;
    }
    if (n == 0) {
        m_eof = true;
        return false;
    }
    m_end += size_t(n);
    return true;
}

bool ElementReader::next(Element &out)
{
    if (m_bufferOffset == 0 && m_begin == 0 && m_end == 0) {
        fill();
        if (m_end >= 3 && std::memcmp(m_buffer.data(), "\xEF\xBB\xBF", 3) == 0)
            m_begin = 3; // UTF-8 byte order mark
    }
    return m_framing == Framing::JsonArray ? nextJsonElement(out) : nextLine(out);
}

bool ElementReader::nextLine(Element &out)
{
    const bool csv = m_framing == Framing::Csv;
    for (;;) {
        size_t scan = m_begin;
        bool inQuotes = false;
        qint64 newlinesInside = 0;
        size_t stop = std::string::npos;
        for (;;) {
            if (!csv) {
                const void *hit = std::memchr(m_buffer.data() + scan, '\n', m_end - scan);
                if (hit) {
                    stop = size_t(static_cast<const char *>(hit) - m_buffer.data());
                    break;
                }
                scan = m_end;
            } else {
                for (; scan < m_end; ++scan) {
                    const char c = m_buffer[scan];
                    if (c == '"')
                        inQuotes = !inQuotes;
                    else if (c == '\n') {
                        if (!inQuotes) {
                            stop = scan;
                            break;
                        }
                        ++newlinesInside;
                    }
                }
                if (stop != std::string::npos)
                    break;
            }
            // Element continues past the buffer: read more, keeping the scan position.
            if (m_end - m_begin > kMaxElement && !m_skippingOversized) {
                m_skippingOversized = true;
                out.text = std::string_view(m_buffer.data() + m_begin, kOversizedKeep);
                out.capacity = m_buffer.size() - m_begin;
                out.line = m_line + 1;
                out.oversized = true;
                out.terminated = true;
                // Drop the bulk but keep the state: consume what we have and keep skipping.
                m_line += newlinesInside;
                m_begin = m_end;
                out.endOffset = offset();
                return true;
            }
            const size_t scanned = scan - m_begin;
            if (!fill()) {
                if (m_begin == m_end)
                    return false;
                if (m_skippingOversized) {
                    m_skippingOversized = false;
                    m_begin = m_end;
                    return false;
                }
                // Last element without a terminator.
                out.text = std::string_view(m_buffer.data() + m_begin, m_end - m_begin);
                if (!out.text.empty() && out.text.back() == '\r')
                    out.text.remove_suffix(1);
                out.capacity = m_buffer.size() - m_begin;
                out.line = ++m_line;
                m_line += newlinesInside;
                m_begin = m_end;
                out.endOffset = offset();
                out.terminated = false;
                out.oversized = false;
                if (isBlank(out.text))
                    return false;
                return true;
            }
            scan = m_begin + scanned;
        }
        std::string_view text(m_buffer.data() + m_begin, stop - m_begin);
        m_begin = stop + 1;
        ++m_line;
        const qint64 startLine = m_line;
        m_line += newlinesInside;
        if (m_skippingOversized) {
            m_skippingOversized = false;
            continue; // the tail of an oversized element
        }
        if (!text.empty() && text.back() == '\r')
            text.remove_suffix(1);
        if (isBlank(text))
            continue;
        out.text = text;
        out.capacity = m_buffer.size() - size_t(text.data() - m_buffer.data());
        out.line = startLine;
        out.endOffset = offset();
        out.terminated = true;
        out.oversized = false;
        return true;
    }
}

bool ElementReader::nextJsonElement(Element &out)
{
    for (;;) {
        if (m_arrayDone)
            return false;
        // Skip whitespace, the opening bracket and separators.
        while (m_begin < m_end) {
            const char c = m_buffer[m_begin];
            if (c == '\n') {
                ++m_line;
                ++m_begin;
            } else if (c == ' ' || c == '\t' || c == '\r' || c == ',') {
                ++m_begin;
            } else if (c == '[' && !m_arrayOpen) {
                m_arrayOpen = true;
                ++m_begin;
            } else if (c == ']') {
                // Consume the closing bracket and what trails it, so the whole file counts as read.
                m_arrayDone = true;
                ++m_begin;
                for (;;) {
                    while (m_begin < m_end && std::isspace(static_cast<unsigned char>(m_buffer[m_begin]))) {
                        m_line += m_buffer[m_begin] == '\n';
                        ++m_begin;
                    }
                    if (m_begin < m_end || !fill())
                        return false;
                }
            } else {
                break;
            }
        }
        if (m_begin == m_end) {
            if (!fill())
                return false;
            continue;
        }
        if (!m_arrayOpen) {
            m_error = QStringLiteral("the file does not start with a JSON array");
            m_arrayDone = true;
            return false;
        }
        // Find the end of one value: track nesting and strings.
        size_t scan = m_begin;
        int depth = 0;
        bool inString = false;
        bool escaped = false;
        qint64 newlines = 0;
        for (;;) {
            bool done = false;
            for (; scan < m_end; ++scan) {
                const char c = m_buffer[scan];
                if (c == '\n')
                    ++newlines;
                if (inString) {
                    if (escaped)
                        escaped = false;
                    else if (c == '\\')
                        escaped = true;
                    else if (c == '"')
                        inString = false;
                    continue;
                }
                if (c == '"') {
                    inString = true;
                } else if (c == '{' || c == '[') {
                    ++depth;
                } else if (c == '}' || c == ']') {
                    if (depth == 0) { // the array's closing bracket right after a scalar
                        done = true;
                        break;
                    }
                    if (--depth == 0) {
                        ++scan;
                        done = true;
                        break;
                    }
                } else if (c == ',' && depth == 0) {
                    done = true;
                    break;
                }
            }
            if (done)
                break;
            const size_t scanned = scan - m_begin;
            if (m_end - m_begin > kMaxElement) {
                m_error = QStringLiteral("a JSON array element is larger than %1 MB").arg(kMaxElement >> 20);
                m_arrayDone = true;
                return false;
            }
            if (!fill()) {
                // Truncated array: hand out what is there; the reader rejects it.
                out.text = std::string_view(m_buffer.data() + m_begin, m_end - m_begin);
                out.capacity = m_buffer.size() - m_begin;
                out.line = m_line + 1;
                m_line += newlines;
                m_begin = m_end;
                out.endOffset = offset();
                out.terminated = false;
                out.oversized = false;
                m_arrayDone = true;
                return !isBlank(out.text);
            }
            scan = m_begin + scanned;
        }
        out.text = std::string_view(m_buffer.data() + m_begin, scan - m_begin);
        while (!out.text.empty()
               && (out.text.back() == ' ' || out.text.back() == '\r' || out.text.back() == '\n'
                   || out.text.back() == '\t'))
            out.text.remove_suffix(1);
        out.capacity = m_buffer.size() - m_begin;
        out.line = m_line + 1;
        m_line += newlines;
        m_begin = scan;
        out.endOffset = offset();
        out.terminated = true;
        out.oversized = false;
        return true;
    }
}

} // namespace CostGov::Ingest

#pragma once

#include <QString>
#include <QtGlobal>

#include <string_view>
#include <vector>

class QIODevice;

namespace CostGov::Ingest {

/// How records are laid out in a file.
enum class Framing {
    Lines,     ///< one record per line (JSONL)
    Csv,       ///< RFC 4180 rows; quoted fields may hold newlines; the first row is the header
    JsonArray, ///< one top-level JSON array of records
};

/// One record's bytes in a file.
struct Element {
    std::string_view text;  ///< without the line terminator
    size_t capacity = 0;    ///< readable bytes from text.data() (>= text.size() + 64, for simdjson)
    qint64 line = 0;        ///< 1-based line where the element starts
    qint64 endOffset = 0;   ///< file offset just after the element and its terminator
    bool terminated = true; ///< false for a last line without a newline (it may still be being written)
    bool oversized = false; ///< longer than the limit: text holds only its start
};

/// Streams the elements of a file with memory bounded by the longest element, never the file.
class ElementReader final {
public:
    static constexpr size_t kMaxElement = 64 * 1024 * 1024;

    /// Reads device from startOffset (where it must be positioned); line numbers continue from startLine.
    ElementReader(QIODevice *device, Framing framing, qint64 startOffset, qint64 startLine);
    Q_DISABLE_COPY_MOVE(ElementReader)

    /// The next element, false at the end of the file or on a read error (see error()).
    bool next(Element &out);
    QString error() const { return m_error; }
    /// Bytes of the file consumed so far (offset of the first unread byte).
    qint64 offset() const { return m_bufferOffset + qint64(m_begin); }
    qint64 line() const { return m_line; }

private:
    bool fill();
    bool nextLine(Element &out);
    bool nextJsonElement(Element &out);
    void compact();

    QIODevice *m_device;
    Framing m_framing;
    std::vector<char> m_buffer;
    size_t m_begin = 0;    // first unconsumed byte
    size_t m_end = 0;      // one past the last valid byte
    qint64 m_bufferOffset; // file offset of m_buffer[0]
    qint64 m_line;
    bool m_eof = false;
    bool m_arrayOpen = false;
    bool m_arrayDone = false;
    bool m_skippingOversized = false;
    QString m_error;
};

} // namespace CostGov::Ingest

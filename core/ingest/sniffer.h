#pragma once

#include "logreader.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace CostGov::Ingest {

/// What a file looks like from its first bytes.
struct SniffResult {
    std::optional<Format> format; ///< nullopt: not a request log this program reads
    Framing framing = Framing::Lines;
    QString description; ///< for files that are not imported: what they seem to be and what to do
};

/// Recognizes a request log from the start of a file (64 KiB is plenty).
SniffResult sniffFormat(const QByteArray &head, const QString &fileName);

} // namespace CostGov::Ingest

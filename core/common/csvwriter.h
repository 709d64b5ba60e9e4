#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace CostGov {

/// RFC 4180 CSV, UTF-8, "." decimals whatever the locale, and text cells that a spreadsheet would
/// run as a formula ('=', '+', '-', '@' first) prefixed with an apostrophe.
class CsvWriter {
public:
    /// A row of cells; numeric cells are passed as numbers so they are not guarded.
    void row(const QStringList &cells, const QVector<bool> &numeric = {});
    QByteArray data() const { return m_out; }

    static QString quoted(const QString &cell, bool numeric);

private:
    QByteArray m_out;
};

} // namespace CostGov

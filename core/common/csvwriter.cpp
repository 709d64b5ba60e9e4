#include "csvwriter.h"

#include <QVector>

namespace CostGov {

QString CsvWriter::quoted(const QString &cell, bool numeric)
{
    QString text = cell;
    if (!numeric && !text.isEmpty()) {
        const QChar first = text.front();
        if (first == QLatin1Char('=') || first == QLatin1Char('+') || first == QLatin1Char('-')
            || first == QLatin1Char('@') || first == QLatin1Char('\t') || first == QLatin1Char('\r'))
            text.prepend(QLatin1Char('\''));
    }
    if (text.contains(QLatin1Char(',')) || text.contains(QLatin1Char('"')) || text.contains(QLatin1Char('\n'))
        || text.contains(QLatin1Char('\r'))) {
        text.replace(QLatin1Char('"'), QStringLiteral("\"\""));
        text = QLatin1Char('"') + text + QLatin1Char('"');
    }
    return text;
}

void CsvWriter::row(const QStringList &cells, const QVector<bool> &numeric)
{
    QStringList out;
    for (qsizetype i = 0; i < cells.size(); ++i)
        out.append(quoted(cells[i], i < numeric.size() && numeric[i]));
    m_out.append(out.join(QLatin1Char(',')).toUtf8());
    m_out.append("\r\n");
}

} // namespace CostGov

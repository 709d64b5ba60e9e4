#include "statementpdf.h"

#include "common/timeutil.h"

#include <QBuffer>
#include <QImage>
#include <QMap>
#include <QPainter>
#include <QPdfWriter>
#include <QTextDocument>
#include <QUrl>

namespace CostGov::Chargeback {

namespace {

QString usd(qint64 cents)
{
    return QStringLiteral("$") + centsText(cents);
}

// Horizontal bars of the amounts, largest first, labelled.
QImage barChart(const QVector<std::pair<QString, qint64>> &bars)
{
    const int rowHeight = 28, width = 900;
    QImage image(width, rowHeight * int(std::max<qsizetype>(1, bars.size())) + 8, QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    QFont font = p.font();
    font.setPixelSize(14);
    p.setFont(font);
    const qint64 largest = bars.isEmpty() ? 1 : std::max<qint64>(1, bars.first().second);
    const int labelWidth = 320, barSpace = width - labelWidth - 120;
    for (int i = 0; i < bars.size(); ++i) {
        const int y = 4 + i * rowHeight;
        p.setPen(Qt::black);
        p.drawText(QRect(0, y, labelWidth - 8, rowHeight), Qt::AlignRight | Qt::AlignVCenter,
                   p.fontMetrics().elidedText(bars[i].first, Qt::ElideMiddle, labelWidth - 8));
        const int length = int(double(bars[i].second) / double(largest) * barSpace);
        p.fillRect(QRect(labelWidth, y + 5, std::max(1, length), rowHeight - 10), QColor(0x2e, 0x7d, 0x5b));
        p.drawText(QRect(labelWidth + length + 6, y, 120, rowHeight), Qt::AlignLeft | Qt::AlignVCenter,
                   usd(bars[i].second));
    }
    return image;
}

} // namespace

QByteArray statementPdf(const Statement &s, const QString &costCentre)
{
    QVector<const Line *> lines;
    qint64 total = 0;
    QMap<QString, qint64> byModel;
    for (const Line &l : s.lines) {
        if (l.costCentre != costCentre)
            continue;
        lines.append(&l);
        total += l.cents;
        byModel[l.model.isEmpty() ? QStringLiteral("%1 (%2)").arg(l.provider.isEmpty() ? l.basis : l.provider, l.basis)
                                  : l.model] += l.cents;
    }
    QVector<std::pair<QString, qint64>> bars;
    for (auto it = byModel.cbegin(); it != byModel.cend(); ++it)
        bars.append({it.key(), it.value()});
    std::sort(bars.begin(), bars.end(), [](const auto &a, const auto &b) { return a.second > b.second; });

    const QString month = isoMonth(monthKey(s.month.from));
    QString html =
        QStringLiteral("<h1>Chargeback statement: %1</h1>"
                       "<p><b>Period:</b> %2 to %3 (UTC)%4<br/><b>Cost centre (%5):</b> %1%6<br/>"
                       "<b>Total:</b> %7 of %8 for the period (%9 %)<br/>"
                       "<b>Shared cost:</b> split %10</p>")
            .arg(costCentre.toHtmlEscaped(), isoDate(s.month.from), isoDate(s.month.to),
                 s.issued ? QStringLiteral(", closed %1, as issued").arg(isoTimestamp(s.closedMs)) : QString(),
                 s.by.toHtmlEscaped(),
                 s.ownerOf.contains(costCentre)
                     ? QStringLiteral(" (owner %1)").arg(s.ownerOf.value(costCentre).toHtmlEscaped())
                     : QString(),
                 usd(total), usd(s.totalCents),
                 QString::number(s.totalCents == 0 ? 0.0 : double(total) * 100.0 / double(s.totalCents), 'f', 2),
                 s.sharedRule);
    html += QStringLiteral("<h2>By model</h2><img src=\"chart:bars\" width=\"600\"/>");
    html += QStringLiteral("<h2>Lines</h2><table border=\"1\" cellspacing=\"0\" cellpadding=\"4\" width=\"100%\">"
                           "<tr><th>Provider</th><th>Model</th><th>Basis</th><th>How</th><th>Requests</th>"
                           "<th>Tokens</th><th>Amount</th></tr>");
    for (const Line *l : lines)
        html += QStringLiteral("<tr><td>%1</td><td>%2</td><td>%3</td><td>%4</td><td align=\"right\">%5</td>"
                               "<td align=\"right\">%6</td><td align=\"right\">%7</td></tr>")
                    // One multi-argument arg(): a chained arg() would read a "%1" inside a model name.
                    .arg(l->provider.toHtmlEscaped(), l->model.toHtmlEscaped(), l->basis, l->detail.toHtmlEscaped(),
                         QString::number(l->requests), QString::number(l->tokens), usd(l->cents));
    html += QStringLiteral("<tr><td colspan=\"6\"><b>Total</b></td><td align=\"right\"><b>%1</b></td></tr></table>")
                .arg(usd(total));
    QStringList savings;
    for (const Saving &v : s.savings)
        if (v.costCentre == costCentre)
            savings.append(QStringLiteral("%1: %2 cached tokens saved $%3")
                               .arg(v.model.toHtmlEscaped(), QString::number(v.cachedTokens), usdFixed(v.nano, 2)));
    if (!savings.isEmpty())
        html += QStringLiteral("<h2>Saved by prompt caching (information, not charged)</h2><p>%1</p>")
                    .arg(savings.join(QStringLiteral("<br/>")));
    html += QStringLiteral("<p><small>Basis: billed = the provider's bill split by metered share; metered = the "
                           "request logs where no bill exists; shared = shared cost split %1; adjustment = late "
                           "data for a closed month. Lines are rounded so that all cost centres add up to the "
                           "period's total to the cent. Cost Governor, %2.</small></p>")
                .arg(s.sharedRule, month);

    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    QPdfWriter pdf(&buffer);
    pdf.setPageSize(QPageSize(QPageSize::A4));
    pdf.setResolution(150);
    pdf.setTitle(QStringLiteral("Chargeback %1: %2").arg(month, costCentre));
    pdf.setCreator(QStringLiteral("Cost Governor"));
    QTextDocument document;
    document.addResource(QTextDocument::ImageResource, QUrl(QStringLiteral("chart:bars")), barChart(bars));
    document.setHtml(html);
    QFont font = document.defaultFont();
    font.setPointSizeF(10);
    document.setDefaultFont(font);
    document.print(&pdf);
    buffer.close();
    return bytes;
}

} // namespace CostGov::Chargeback

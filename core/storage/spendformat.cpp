#include "spendformat.h"

#include "common/csvwriter.h"
#include "common/jsonwriter.h"

#include <algorithm>

namespace CostGov::Storage {

namespace {

void writeMetrics(JsonWriter &json, const SpendMetrics &m)
{
    json.key(QStringLiteral("requests")).value(m.requests);
    json.key(QStringLiteral("input_tokens")).value(m.inputTokens);
    json.key(QStringLiteral("output_tokens")).value(m.outputTokens);
    json.key(QStringLiteral("cache_read_tokens")).value(m.cacheReadTokens);
    json.key(QStringLiteral("cache_write_tokens")).value(m.cacheWriteTokens);
    if (m.costUnknown()) {
        json.key(QStringLiteral("cost_nano")).null();
        json.key(QStringLiteral("cost_usd")).null();
    } else {
        json.key(QStringLiteral("cost_nano")).value(m.costNano);
        json.key(QStringLiteral("cost_usd")).number(usdText(m.costNano));
    }
    json.key(QStringLiteral("unpriced_requests")).value(m.unpricedRequests);
    json.key(QStringLiteral("cache_hit_rate")).number(m.cacheHitRate(), 6);
    json.key(QStringLiteral("cost_per_request_usd"));
    if (const auto perRequest = m.costPerRequest())
        json.number(usdText(*perRequest));
    else
        json.null();
    json.key(QStringLiteral("cache_hit_requests")).value(m.cacheHitRequests);
    json.key(QStringLiteral("error_requests")).value(m.errorRequests);
}

QStringList metricCells(const SpendMetrics &m)
{
    const auto perRequest = m.costPerRequest();
    const bool unknown = m.costUnknown();
    return {QString::number(m.requests),
            QString::number(m.inputTokens),
            QString::number(m.outputTokens),
            QString::number(m.cacheReadTokens),
            QString::number(m.cacheWriteTokens),
            unknown ? QString() : QString::number(m.costNano),
            unknown ? QString() : usdText(m.costNano),
            QString::number(m.unpricedRequests),
            QString::number(m.cacheHitRate(), 'f', 6),
            perRequest ? usdText(*perRequest) : QString(),
            QString::number(m.cacheHitRequests),
            QString::number(m.errorRequests)};
}

QString money(Nano nano)
{
    // Cents for dollars and up; small amounts keep enough digits to be seen.
    return QLatin1Char('$') + usdFixed(nano, std::abs(nano) >= kNanoPerUsd || nano == 0 ? 2 : 4);
}

QString grouped(qint64 n)
{
    QString digits = QString::number(std::abs(n));
    for (qsizetype i = digits.size() - 3; i > 0; i -= 3)
        digits.insert(i, QLatin1Char(','));
    return n < 0 ? QLatin1Char('-') + digits : digits;
}

} // namespace

QByteArray spendReportJson(const SpendReport &report)
{
    JsonWriter json;
    json.beginObject().key(QStringLiteral("rows")).beginArray();
    for (const SpendRow &row : report.rows) {
        json.beginObject();
        for (qsizetype i = 0; i < report.groupBy.size(); ++i)
            json.key(dimensionName(report.groupBy[i])).value(row.keys[i]);
        writeMetrics(json, row.metrics);
        json.endObject();
    }
    json.endArray().key(QStringLiteral("totals")).beginObject();
    writeMetrics(json, report.totals);
    json.endObject().endObject();
    return json.data() + '\n';
}

QByteArray spendReportCsv(const SpendReport &report)
{
    CsvWriter csv;
    QStringList header;
    for (Dimension d : report.groupBy)
        header.append(dimensionName(d));
    header << QStringLiteral("requests") << QStringLiteral("input_tokens") << QStringLiteral("output_tokens")
           << QStringLiteral("cache_read_tokens") << QStringLiteral("cache_write_tokens") << QStringLiteral("cost_nano")
           << QStringLiteral("cost_usd") << QStringLiteral("unpriced_requests") << QStringLiteral("cache_hit_rate")
           << QStringLiteral("cost_per_request_usd") << QStringLiteral("cache_hit_requests")
           << QStringLiteral("error_requests");
    csv.row(header);
    const qsizetype dims = report.groupBy.size();
    QVector<bool> numeric(dims, false);
    numeric.append(QVector<bool>(12, true));
    for (const SpendRow &row : report.rows)
        csv.row(row.keys + metricCells(row.metrics), numeric);
    QStringList total(dims, QString());
    if (dims > 0)
        total[0] = QStringLiteral("TOTAL");
    csv.row(total + metricCells(report.totals), numeric);
    return csv.data();
}

QString spendReportTable(const SpendReport &report)
{
    QStringList header;
    for (Dimension d : report.groupBy)
        header.append(dimensionName(d).toUpper());
    header << QStringLiteral("REQUESTS") << QStringLiteral("INPUT") << QStringLiteral("OUTPUT")
           << QStringLiteral("CACHE READ") << QStringLiteral("CACHE WRITE") << QStringLiteral("COST")
           << QStringLiteral("UNPRICED") << QStringLiteral("CACHE HIT") << QStringLiteral("COST/REQ");
    auto cells = [](const SpendMetrics &m) {
        const auto perRequest = m.costPerRequest();
        return QStringList{grouped(m.requests),
                           grouped(m.inputTokens),
                           grouped(m.outputTokens),
                           grouped(m.cacheReadTokens),
                           grouped(m.cacheWriteTokens),
                           m.costUnknown() ? QStringLiteral("unpriced") : money(m.costNano),
                           grouped(m.unpricedRequests),
                           QString::number(m.cacheHitRate() * 100.0, 'f', 1) + QLatin1Char('%'),
                           perRequest ? QLatin1Char('$') + usdFixed(*perRequest, 6) : QStringLiteral("-")};
    };
    QVector<QStringList> rows;
    rows.append(header);
    for (const SpendRow &row : report.rows) {
        QStringList keys;
        for (const QString &k : row.keys)
            keys.append(k.isEmpty() ? QStringLiteral("(none)") : k);
        rows.append(keys + cells(row.metrics));
    }
    QStringList total(report.groupBy.size(), QString());
    if (!total.isEmpty())
        total[0] = QStringLiteral("TOTAL");
    rows.append(total + cells(report.totals));

    const qsizetype dims = report.groupBy.size();
    QVector<qsizetype> widths(header.size(), 0);
    for (const QStringList &r : rows)
        for (qsizetype i = 0; i < r.size(); ++i)
            widths[i] = std::max(widths[i], r[i].size());
    QString out;
    for (qsizetype r = 0; r < rows.size(); ++r) {
        if (r == rows.size() - 1 && !report.rows.isEmpty()) {
            qsizetype line = 0;
            for (qsizetype w : widths)
                line += w + 2;
            out += QString(line - 2, QLatin1Char('-')) + QLatin1Char('\n');
        }
        QStringList padded;
        for (qsizetype i = 0; i < rows[r].size(); ++i)
            padded.append(i < dims ? rows[r][i].leftJustified(widths[i]) : rows[r][i].rightJustified(widths[i]));
        QString line = padded.join(QStringLiteral("  "));
        while (line.endsWith(QLatin1Char(' ')))
            line.chop(1);
        out += line + QLatin1Char('\n');
    }
    return out;
}

} // namespace CostGov::Storage

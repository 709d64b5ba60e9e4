#include "spendtablemodel.h"

#include "moneytext.h"

#include "common/money.h"
#include "storage/overview.h"

#include <QColor>

#include <QLocale>

namespace CostGov::Ui {

SpendTableModel::SpendTableModel(QObject *parent) : QAbstractTableModel(parent) {}

void SpendTableModel::setReport(const Storage::SpendReport &report, const std::optional<Storage::SpendReport> &previous)
{
    beginResetModel();
    m_report = report;
    m_compared = previous.has_value();
    m_previous.clear();
    if (previous) {
        for (const Storage::SpendRow &row : previous->rows)
            m_previous.insert(row.keys, row.metrics);
    }
    endResetModel();
}

std::optional<double> SpendTableModel::change(const Storage::SpendRow &row) const
{
    if (!m_compared || row.metrics.costUnknown())
        return std::nullopt;
    const Storage::SpendMetrics before = m_previous.value(row.keys);
    return Storage::relativeChange(double(before.costNano), double(row.metrics.costNano));
}

int SpendTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_report.rows.size());
}

int SpendTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_report.groupBy.size()) + MetricCount;
}

namespace {
double share(qint64 part, qint64 whole)
{
    return whole > 0 ? double(part) / double(whole) : 0.0;
}

} // namespace

QVariant SpendTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Storage::SpendRow &row = m_report.rows[index.row()];
    const int dims = int(m_report.groupBy.size());
    if (index.column() < dims) {
        const QString key = row.keys[index.column()];
        if (role == Qt::DisplayRole)
            return key.isEmpty() ? tr("(none)") : key;
        if (role == RawValueRole)
            return key;
        return {};
    }
    const Storage::SpendMetrics &m = row.metrics;
    const auto metric = Metric(index.column() - dims);
    if (role == Qt::TextAlignmentRole)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    const QLocale locale;
    if (role == RawValueRole) {
        switch (metric) {
        case Requests:
            return m.requests;
        case InputTokens:
            return m.inputTokens;
        case OutputTokens:
            return m.outputTokens;
        case CacheReadTokens:
            return m.cacheReadTokens;
        case Cost:
            return m.costNano;
        case SpendShare:
            return share(m.costNano, m_report.totals.costNano);
        case Change:
            return change(row).value_or(m_compared && m.costNano > 0 ? 1e9 : 0.0); // new spend sorts as a rise
        case RequestShare:
            return share(m.requests, m_report.totals.requests);
        case Unpriced:
            return m.unpricedRequests;
        case CacheHitRate:
            return m.cacheHitRate();
        case CostPerRequest:
            return QVariant::fromValue(m.costPerRequest().value_or(0));
        case MetricCount:
            break;
        }
        return {};
    }
    if (role == Qt::ForegroundRole && metric == Change) {
        const auto c = change(row);
        if (c && std::abs(*c) >= 0.005)
            return *c > 0 ? QColor(0xc0, 0x39, 0x2b) : QColor(0x1e, 0x84, 0x49); // spend up is bad
        return {};
    }
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    switch (metric) {
    case Requests:
        return locale.toString(m.requests);
    case InputTokens:
        return locale.toString(m.inputTokens);
    case OutputTokens:
        return locale.toString(m.outputTokens);
    case CacheReadTokens:
        return locale.toString(m.cacheReadTokens);
    case Cost:
        if (m.costUnknown())
            return tr("unpriced");
        // The tooltip has the exact figure; the cell rounds to cents.
        return role == Qt::ToolTipRole ? QString(QStringLiteral("$") + usdText(m.costNano))
                                       : moneyText(locale, m.costNano, 2);
    case Unpriced:
        return locale.toString(m.unpricedRequests);
    case SpendShare:
        if (m.costUnknown())
            return QStringLiteral("-");
        return QString(locale.toString(share(m.costNano, m_report.totals.costNano) * 100.0, 'f', 1) + QLatin1Char('%'));
    case Change:
        if (const auto c = change(row))
            return QString((*c > 0 ? QStringLiteral("+") : QString()) + locale.toString(*c * 100.0, 'f', 1)
                           + QLatin1Char('%'));
        return m_compared && m.costNano > 0 ? tr("new") : QStringLiteral("-");
    case RequestShare:
        return QString(locale.toString(share(m.requests, m_report.totals.requests) * 100.0, 'f', 1) + QLatin1Char('%'));
    case CacheHitRate:
        return QString(locale.toString(m.cacheHitRate() * 100.0, 'f', 1) + QLatin1Char('%'));
    case CostPerRequest:
        if (const auto perRequest = m.costPerRequest())
            return moneyText(locale, *perRequest, 5);
        return QStringLiteral("-");
    case MetricCount:
        break;
    }
    return {};
}

QString SpendTableModel::dimensionLabel(Storage::Dimension dimension)
{
    using Storage::Dimension;
    switch (dimension) {
    case Dimension::Day:
        return tr("Day");
    case Dimension::Week:
        return tr("Week");
    case Dimension::Month:
        return tr("Month");
    case Dimension::Provider:
        return tr("Provider");
    case Dimension::Model:
        return tr("Model");
    case Dimension::Team:
        return tr("Team");
    case Dimension::Feature:
        return tr("Feature");
    case Dimension::User:
        return tr("User");
    case Dimension::Environment:
        return tr("Environment");
    case Dimension::Project:
        return tr("Project");
    case Dimension::Source:
        return tr("Source");
    }
    return {};
}

QVariant SpendTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    const int dims = int(m_report.groupBy.size());
    if (section < dims)
        return dimensionLabel(m_report.groupBy[section]);
    return m_compact && section - dims == SpendShare  ? tr("Share")
        : m_compact && section - dims == RequestShare ? tr("Req. share")
                                                      : metricLabel(Metric(section - dims));
}

QString SpendTableModel::metricLabel(Metric metric)
{
    switch (metric) {
    case Requests:
        return tr("Requests");
    case InputTokens:
        return tr("Input tokens");
    case OutputTokens:
        return tr("Output tokens");
    case CacheReadTokens:
        return tr("Cache reads");
    case Cost:
        return tr("Cost");
    case SpendShare:
        return tr("% of spend");
    case Change:
        return tr("Change");
    case RequestShare:
        return tr("% of requests");
    case Unpriced:
        return tr("Unpriced");
    case CacheHitRate:
        return tr("Cache hit rate");
    case CostPerRequest:
        return tr("Cost / request");
    case MetricCount:
        break;
    }
    return {};
}

QString SpendTableModel::metricName(Metric metric)
{
    static const char *const names[] = {"cost",          "spend_share",       "change",        "requests",
                                        "request_share", "cost_per_request",  "unpriced",      "input_tokens",
                                        "output_tokens", "cache_read_tokens", "cache_hit_rate"};
    static_assert(std::size(names) == MetricCount);
    return QLatin1String(names[metric]);
}

} // namespace CostGov::Ui

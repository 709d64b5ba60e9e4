#include "spendchart.h"

#include "common/money.h"
#include "common/timeutil.h"

#include <QAreaSeries>
#include <QCursor>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLineSeries>
#include <QLocale>
#include <QPieSeries>
#include <QPieSlice>
#include <QToolTip>
#include <QValueAxis>

#include <cmath>

namespace CostGov::Ui {

namespace {

// Distinguishable on light and dark backgrounds; "Other" is grey.
const QColor kColours[] = {QColor(0x3b, 0x78, 0xc3), QColor(0xe6, 0x8a, 0x2e), QColor(0x4c, 0xa8, 0x5b),
                           QColor(0xc9, 0x4b, 0x4b), QColor(0x8e, 0x6c, 0xc0), QColor(0x2a, 0xa7, 0xa7),
                           QColor(0xc7, 0x6b, 0xaa), QColor(0xa6, 0x8a, 0x3e)};
const QColor kOther(0x9a, 0x9a, 0x9a);

double usd(Nano nano)
{
    return double(nano) / double(kNanoPerUsd);
}

bool isOther(const Storage::SpendSeries &series, qsizetype index)
{
    return series.hasOther && index == series.names.size() - 1;
}

QColor seriesColour(const Storage::SpendSeries &series, qsizetype index)
{
    return isOther(series, index) ? kOther : kColours[size_t(index) % std::size(kColours)];
}

// The date axis labels in local time, so a day is drawn at its local noon, between the ticks at
// its local midnights: the labels then name the (UTC) days whatever the time zone.
double xOfDay(qint64 day, double hours = 12)
{
    const QDate date = QDate::fromString(isoDate(day), Qt::ISODate);
    return double(QDateTime(date, QTime(0, 0)).toMSecsSinceEpoch()) + hours * 3'600'000.0;
}

qint64 dayOfX(double x)
{
    return *parseDate(QDateTime::fromMSecsSinceEpoch(qint64(x)).date().toString(Qt::ISODate).toStdString());
}

// Ticks on midnights: as many as divide the days evenly, five to nine of them.
int tickCount(qint64 days)
{
    for (int ticks = 9; ticks >= 5; --ticks) {
        if (days % (ticks - 1) == 0)
            return ticks;
    }
    return int(std::min<qint64>(days + 1, 8));
}

/// Charts follow the palette: the dark theme on a dark desktop.
void followPalette(QChartView *view)
{
    if (view->palette().color(QPalette::Window).lightness() < 128)
        view->chart()->setTheme(QChart::ChartThemeDark);
}

} // namespace

SpendChart::SpendChart(QWidget *parent) : QChartView(parent)
{
    followPalette(this);
    setRenderHint(QPainter::Antialiasing, false); // stacked areas paint 40x faster without it
    chart()->setAnimationOptions(QChart::NoAnimation);
    chart()->legend()->setAlignment(Qt::AlignRight);
    chart()->setMargins(QMargins(4, 4, 4, 4));
    chart()->setBackgroundRoundness(0);
    setMinimumHeight(220);
}

void SpendChart::setSeries(const Storage::SpendSeries &series)
{
    m_series = series;
    QChart *c = chart();
    c->removeAllSeries();
    for (QAbstractAxis *axis : c->axes())
        c->removeAxis(axis);

    const qint64 days = series.range.days();
    std::vector<double> below(size_t(days), 0.0);
    double top = 0;
    auto *x = new QDateTimeAxis;
    x->setFormat(QStringLiteral("MMM d"));
    x->setTickCount(days <= 8 ? int(days) + 1 : tickCount(days));
    auto *y = new QValueAxis;
    y->setLabelFormat(QStringLiteral("$%.0f"));
    c->addAxis(x, Qt::AlignBottom);
    c->addAxis(y, Qt::AlignLeft);
    // Each day at its noon; one day as a band across its width (a single point would draw nothing).
    const std::vector<double> hours = days == 1 ? std::vector<double>{2, 22} : std::vector<double>{12};
    for (qsizetype s = 0; s < series.names.size(); ++s) {
        auto *lower = new QLineSeries;
        auto *upper = new QLineSeries;
        for (qint64 d = 0; d < days; ++d) {
            const double bottom = below[size_t(d)];
            const double value = bottom + usd(series.values[size_t(s)][size_t(d)]);
            for (const double hour : hours) {
                lower->append(xOfDay(series.range.from + d, hour), bottom);
                upper->append(xOfDay(series.range.from + d, hour), value);
            }
            below[size_t(d)] = value;
            top = std::max(top, value);
        }
        auto *area = new QAreaSeries(upper, lower);
        area->setName(isOther(series, s) ? tr("Other") : series.names[s]);
        const QColor colour = seriesColour(series, s);
        area->setColor(colour);
        area->setBorderColor(colour.darker(115));
        c->addSeries(area);
        // The area does not own its lines; parented now, they go when removeAllSeries deletes it.
        upper->setParent(area);
        lower->setParent(area);
        area->attachAxis(x);
        area->attachAxis(y);
        connect(area, &QAreaSeries::hovered, this, [this](const QPointF &point, bool state) {
            if (!state) {
                QToolTip::hideText();
                return;
            }
            const qint64 index = dayOfX(point.x()) - m_series.range.from;
            QToolTip::showText(QCursor::pos(), dayText(index), this);
        });
    }
    y->setRange(0, top > 0 ? top * 1.08 : 1.0);
    y->applyNiceNumbers();
    // Half a day of margin: a single day (Today) still has a width to draw.
    x->setLabelsVisible(days > 1); // one day: its edges would be labelled with the days either side
    x->setRange(QDateTime::fromMSecsSinceEpoch(qint64(xOfDay(series.range.from, 0))),
                QDateTime::fromMSecsSinceEpoch(qint64(xOfDay(series.range.to + 1, 0))));
}

QString SpendChart::dayText(qint64 index) const
{
    if (index < 0 || index >= m_series.range.days())
        return {};
    QString text = QStringLiteral("<b>%1</b>").arg(isoDate(m_series.range.from + index));
    Nano total = 0;
    // Biggest on top, as the areas are stacked.
    for (qsizetype s = m_series.names.size() - 1; s >= 0; --s) {
        const Nano value = m_series.values[size_t(s)][size_t(index)];
        total += value;
        const QString name = isOther(m_series, s) ? tr("Other") : m_series.names[s];
        text += QStringLiteral("<br>%1: $%2").arg(name.toHtmlEscaped(), usdText(value));
    }
    return text + QStringLiteral("<br><b>%1: $%2</b>").arg(tr("Total"), usdText(total));
}

BreakdownChart::BreakdownChart(QWidget *parent) : QChartView(parent)
{
    followPalette(this);
    setRenderHint(QPainter::Antialiasing); // a dozen slices: cheap, and jagged edges show
    chart()->setAnimationOptions(QChart::NoAnimation);
    chart()->legend()->hide(); // the stacked chart beside it has the names in the same colours
    chart()->setMargins(QMargins(2, 2, 2, 2));
    chart()->setBackgroundRoundness(0);
    setMinimumSize(220, 220);
}

void BreakdownChart::setSeries(const Storage::SpendSeries &series)
{
    m_names = series.names;
    m_totals.assign(size_t(series.names.size()), 0);
    for (size_t s = 0; s < series.values.size(); ++s) {
        for (Nano v : series.values[s])
            m_totals[s] += v;
    }
    chart()->removeAllSeries();
    auto *pie = new QPieSeries;
    pie->setHoleSize(0.5);
    for (qsizetype s = 0; s < m_names.size(); ++s) {
        if (isOther(series, s))
            m_names[s] = SpendChart::tr("Other");
        QPieSlice *slice = pie->append(m_names[s], usd(m_totals[size_t(s)]));
        slice->setColor(seriesColour(series, s));
        slice->setBorderColor(palette().color(QPalette::Base));
        connect(slice, &QPieSlice::hovered, this, [this, s](bool state) {
            if (state)
                QToolTip::showText(QCursor::pos(), sliceText(s), this);
            else
                QToolTip::hideText();
        });
    }
    chart()->addSeries(pie);
}

QString BreakdownChart::sliceText(qsizetype index) const
{
    if (index < 0 || index >= m_names.size())
        return {};
    Nano total = 0;
    for (Nano v : m_totals)
        total += v;
    const double share = total > 0 ? double(m_totals[size_t(index)]) / double(total) * 100.0 : 0.0;
    return QStringLiteral("<b>%1</b><br>$%2 (%3%)")
        .arg(m_names[index].toHtmlEscaped(), usdText(m_totals[size_t(index)]), QLocale().toString(share, 'f', 1));
}

} // namespace CostGov::Ui

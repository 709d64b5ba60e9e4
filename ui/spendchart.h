#pragma once

#include "storage/overview.h"

#include <QChartView>

namespace CostGov::Ui {

/// Daily spend stacked by the biggest groups of a dimension, with the exact amounts of a day in
/// a tooltip when the mouse is over it.
class SpendChart final : public QChartView {
    Q_OBJECT

public:
    explicit SpendChart(QWidget *parent = nullptr);

    void setSeries(const Storage::SpendSeries &series);
    /// The tooltip text for the day at index (also used by tests).
    QString dayText(qint64 index) const;

private:
    Storage::SpendSeries m_series;
};

/// The same groups as a donut: each one's share of the range's spend, exact amounts on hover.
class BreakdownChart final : public QChartView {
    Q_OBJECT

public:
    explicit BreakdownChart(QWidget *parent = nullptr);

    void setSeries(const Storage::SpendSeries &series);
    /// The tooltip text of a group (also used by tests).
    QString sliceText(qsizetype index) const;

private:
    QStringList m_names;
    std::vector<Nano> m_totals;
};

} // namespace CostGov::Ui

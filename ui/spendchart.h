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

} // namespace CostGov::Ui

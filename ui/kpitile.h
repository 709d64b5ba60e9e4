#pragma once

#include <QFrame>

#include <optional>

class QLabel;

namespace CostGov::Ui {

/// One figure of the Overview: a title, the value, and its change against the previous period.
class KpiTile final : public QFrame {
    Q_OBJECT

public:
    /// Whether a rise is good news (cache hit rate), bad news (spend) or neither (requests).
    enum class Rise { Good, Bad, Neutral };

    /// How a change is shown: relative (+12 %), or in percentage points for figures that are rates.
    enum class Change { Relative, Points };

    KpiTile(const QString &title, Rise rise, Change change = Change::Relative, QWidget *parent = nullptr);

    /// change: relative (0.12 = +12 %) or, for Points, the difference of two rates (0.012 = +1.2
    /// points); nullopt when there is nothing to compare with.
    void setFigure(const QString &value, std::optional<double> change, const QString &comparedWith);
    /// A tile that needs attention (unpriced requests) gets a warning frame.
    void setWarning(bool warning);

    QString valueText() const;
    QString changeText() const;

private:
    Rise m_rise;
    Change m_changeKind;
    QLabel *m_title;
    QLabel *m_value;
    QLabel *m_change;
};

} // namespace CostGov::Ui

#include "kpitile.h"

#include <QLabel>
#include <QLocale>
#include <QVBoxLayout>

#include <cmath>

namespace CostGov::Ui {

KpiTile::KpiTile(const QString &title, Rise rise, Change change, QWidget *parent)
    : QFrame(parent),
      m_rise(rise),
      m_changeKind(change),
      m_title(new QLabel(title)),
      m_value(new QLabel),
      m_change(new QLabel)
{
    setFrameShape(QFrame::StyledPanel);
    setAccessibleName(title);
    QFont valueFont = m_value->font();
    valueFont.setPointSizeF(valueFont.pointSizeF() * 1.6);
    valueFont.setBold(true);
    m_value->setFont(valueFont);
    m_value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_change->setWordWrap(true);
    m_change->setMinimumHeight(m_change->fontMetrics().lineSpacing() * 2); // room for a wrapped line
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Minimum);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_title);
    layout->addWidget(m_value);
    layout->addWidget(m_change);
    layout->addStretch(1);
}

void KpiTile::setFigure(const QString &value, std::optional<double> change, const QString &comparedWith)
{
    m_value->setText(value);
    if (!change) {
        m_change->setText(comparedWith.isEmpty() ? QString() : tr("no figure to compare in %1").arg(comparedWith));
        m_change->setStyleSheet(QString());
        return;
    }
    const QLocale locale;
    const double percent = *change * 100.0;
    const bool flat = std::abs(percent) < 0.05;
    const QString arrow = flat ? QStringLiteral("=") : percent > 0 ? QStringLiteral("▲") : QStringLiteral("▼");
    const QString amount = locale.toString(std::abs(percent), 'f', std::abs(percent) < 10 ? 1 : 0);
    m_change->setText(m_changeKind == Change::Points ? tr("%1 %2 pts vs %3").arg(arrow, amount, comparedWith)
                                                     : tr("%1 %2% vs %3").arg(arrow, amount, comparedWith));
    // Red for bad news, green for good; colours that read on light and dark palettes alike.
    QString colour;
    if (!flat && m_rise != Rise::Neutral)
        colour = ((percent > 0) == (m_rise == Rise::Good)) ? QStringLiteral("#2e9d4f") : QStringLiteral("#d64541");
    m_change->setStyleSheet(colour.isEmpty() ? QString() : QStringLiteral("color: %1;").arg(colour));
}

void KpiTile::setWarning(bool warning)
{
    setStyleSheet(warning ? QStringLiteral("CostGov--Ui--KpiTile { border: 2px solid #e0a100; border-radius: 4px; }")
                          : QString());
}

QString KpiTile::valueText() const
{
    return m_value->text();
}

QString KpiTile::changeText() const
{
    return m_change->text();
}

} // namespace CostGov::Ui

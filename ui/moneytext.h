#pragma once

#include "common/money.h"

#include <QLocale>
#include <QString>

namespace CostGov::Ui {

/// "$1,234.56" in the user's number format, rounded for display only (figures stay in nano-USD).
inline QString moneyText(const QLocale &locale, Nano nano, int decimals = 2)
{
    return QLatin1Char('$') + locale.toString(usdFixed(nano, decimals).toDouble(), 'f', decimals);
}

} // namespace CostGov::Ui

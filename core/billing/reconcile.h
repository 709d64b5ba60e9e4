#pragma once

#include "common/daterange.h"
#include "common/money.h"
#include "common/result.h"

#include <QString>
#include <QVector>

#include <optional>

namespace CostGov::Storage {
class Ledger;
}

namespace CostGov::Billing {

/// Billed against metered cost of one provider over some days.
struct Comparison {
    Nano billed = 0;
    Nano metered = 0;            ///< priced requests only
    qint64 unpricedRequests = 0; ///< metered requests without a price, not in metered
    Nano delta() const { return billed - metered; }
    /// metered / billed, or nullopt when nothing was billed.
    std::optional<double> coverage() const
    {
        return billed > 0 ? std::optional(double(metered) / double(billed)) : std::nullopt;
    }
};

struct ProviderReconciliation {
    QString provider;
    Comparison month;
    QVector<std::pair<qint64, Comparison>> days; ///< every day of the month, in order
    /// Billed projects (OpenAI project ids, Anthropic workspace ids; "" for none) that no metered
    /// request names as its project and no attribution rule gives a team, biggest first.
    QVector<std::pair<QString, Nano>> unmatched;
};

struct Reconciliation {
    DayRange month;
    QVector<ProviderReconciliation> providers; ///< every provider with billed or metered cost
};

/// The providers' bills against the metered requests for a calendar month (UTC days).
Result<Reconciliation> reconcileMonth(Storage::Ledger &ledger, qint64 anyDayOfMonth);

} // namespace CostGov::Billing

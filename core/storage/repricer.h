#pragma once

#include "common/money.h"
#include "common/result.h"

#include <QString>
#include <QVector>

namespace CostGov::Pricing {
class PriceCatalog;
}

namespace CostGov::Storage {

class Ledger;

/// How re-rating changed one model's history.
struct ModelRepricing {
    QString model;
    qint64 changed = 0; ///< requests whose cost changed (including newly priced)
    qint64 newlyPriced = 0;
    qint64 stillUnpriced = 0;
    Nano before = 0; ///< cost of the changed requests before (unpriced counted as 0)
    Nano after = 0;
};

struct RepriceReport {
    qint64 examined = 0; ///< requests priced from the catalog or unpriced (reported costs are never touched)
    qint64 changed = 0;
    qint64 newlyPriced = 0;
    qint64 nowUnpriced = 0; ///< had a catalog price before, none now
    qint64 stillUnpriced = 0;
    Nano delta = 0;                 ///< after minus before, over changed requests
    QVector<ModelRepricing> models; ///< models with changes or still unpriced, biggest change first
};

/// Re-rates every request whose cost came from the catalog (or is missing) with the catalog as it
/// is now, and rebuilds the rollups of the days that changed. One transaction.
Result<RepriceReport> repriceHistory(Ledger &ledger, const Pricing::PriceCatalog &catalog);

} // namespace CostGov::Storage

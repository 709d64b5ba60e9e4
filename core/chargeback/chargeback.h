#pragma once

#include "common/daterange.h"
#include "common/money.h"
#include "common/result.h"
#include "storage/spendquery.h"

#include <QHash>
#include <QString>
#include <QVector>

namespace CostGov::Storage {
class Ledger;
}

namespace CostGov::Chargeback {

/// How shared and unallocated cost is split across the cost centres.
enum class SharedRule {
    Proportional, ///< by each cost centre's direct spend
    Even,         ///< equally across the cost centres with direct spend
    Fixed,        ///< by fixed percentages (Options::fixedPercent)
    None,         ///< kept as an "Unallocated" line
};

struct Options {
    DayRange month;
    Storage::Dimension by = Storage::Dimension::Team; ///< what a cost centre is
    SharedRule shared = SharedRule::Proportional;
    QHash<QString, double> fixedPercent; ///< cost centre -> percent; they add up to 100
    /// Value of the --by dimension -> cost centre (unmapped values are their own cost centre).
    QHash<QString, QString> centreOf;
    QHash<QString, QString> ownerOf; ///< cost centre -> owner e-mail
};

/// Reads a cost-centre mapping: CSV lines "value,cost centre[,owner e-mail]" ('#' comments).
Status readCentres(const QString &path, Options &options);

/// The cost centre that holds what no rule gives to anyone.
QString unallocated(); ///< "Unallocated"

/// One line of a statement.
struct Line {
    QString costCentre;
    QString provider;
    QString model;  ///< "" for lines that are not one model's (tools, storage, shared splits)
    QString basis;  ///< billed, metered, shared, unallocated (see README "Chargebacks")
    QString detail; ///< how the amount was arrived at, in words
    qint64 requests = 0;
    qint64 tokens = 0;
    Nano exactNano = 0; ///< before rounding
    qint64 cents = 0;   ///< rounded so every line of the period adds up to its total, to the cent
};

/// What prompt caching saved a cost centre on a model: cached tokens at the uncached input price
/// less what they cost. Information, not a charge.
struct Saving {
    QString costCentre;
    QString model;
    qint64 cachedTokens = 0;
    Nano nano = 0;
};

struct Statement {
    DayRange month;
    QString by;
    QString sharedRule;
    QVector<Line> lines; ///< by cost centre, then amount, largest first
    QVector<Saving> savings;
    QHash<QString, QString> ownerOf; ///< cost centre -> owner e-mail, when known
    Nano totalNano = 0;              ///< what the period cost: the bills where there are, metered cost elsewhere
    qint64 totalCents = 0;
    Nano billedNano = 0;         ///< the providers' bills for the month
    Nano meteredNano = 0;        ///< metered cost of the providers without a bill
    qint64 unpricedRequests = 0; ///< of providers without a bill: their cost is unknown, not in the lines
};

/// Allocates a month: billed cost where a provider billed it, split across cost centres by their
/// metered share within the same provider and project (a billed project an attribution rule gives
/// a team goes to that team), metered cost for providers without a bill; what is left (billed
/// projects nobody can be matched to, untagged requests) is split by the shared rule.
Result<Statement> allocate(Storage::Ledger &ledger, const Options &options);

/// Splits an amount of nano-USD into cents by weights with the largest-remainder method: the
/// parts add up to the amount rounded to the cent, each part is within a cent of its exact share.
QVector<qint64> splitCents(Nano amount, const QVector<Nano> &weights);

/// Human CSV: cost centre, provider, model, basis, requests, tokens, amount (USD), share.
QByteArray statementCsv(const Statement &statement, bool byteOrderMark);
/// FinOps FOCUS 1.2 CSV: one row per line with every mandatory column.
QByteArray focusCsv(const Statement &statement, const QString &billingAccount);
/// The mandatory FOCUS 1.2 columns, in the order focusCsv writes them first.
QStringList focusMandatoryColumns();

} // namespace CostGov::Chargeback

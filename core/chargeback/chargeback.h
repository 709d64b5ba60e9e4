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

/// Reads fixed shares of the shared cost: CSV lines "cost centre,percent" adding up to 100.
Status readFixedPercent(const QString &path, Options &options);
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
    /// A closed month's statement as it was issued (then the options asked for do not apply).
    bool issued = false;
    qint64 closedMs = 0;
    /// Closed months whose late data this statement books as adjustment lines: their first day ->
    /// what each cost centre's share is now.
    QHash<qint64, QHash<QString, Nano>> adjusted;
};

/// A closed month gives its statement as issued. An open month also carries, as "adjustment"
/// lines per cost centre, what arrived late for the closed months right before it (each rounded
/// to the cent on its own; the total includes them). Otherwise it allocates the month: billed
/// cost where a provider billed it, split across cost centres by their
/// metered share within the same provider and project (a billed project an attribution rule gives
/// a team goes to that team), metered cost for providers without a bill; what is left (billed
/// projects nobody can be matched to, untagged requests) is split by the shared rule.
Result<Statement> allocate(Storage::Ledger &ledger, const Options &options);

/// Closes a month: its statement (allocated with the options) is kept as issued; later data for it
/// becomes adjustments in the next open month. Refused when it is already closed.
Status closePeriod(Storage::Ledger &ledger, const Options &options, qint64 nowMs);
/// Re-opens a closed month (recorded with the reason). Refused while a later month is closed:
/// re-open that one first (its adjustments would otherwise count twice).
Status reopenPeriod(Storage::Ledger &ledger, qint64 monthFirstDay, const QString &reason, qint64 nowMs);

struct PeriodEvent {
    qint64 monthFirstDay = 0;
    QString action; ///< close, reopen
    qint64 atMs = 0;
    QString note; ///< the total when closed, the reason when re-opened
};
/// Every close and re-open, the newest first.
Result<QVector<PeriodEvent>> periodHistory(Storage::Ledger &ledger);
/// The first days of the closed months, oldest first.
Result<QVector<qint64>> closedMonths(Storage::Ledger &ledger);

/// Splits an amount of nano-USD into cents by weights with the largest-remainder method: the
/// parts add up to the amount rounded to the cent, each part is within a cent of its exact share.
QVector<qint64> splitCents(Nano amount, const QVector<Nano> &weights);

/// Nano-USD rounded to the cent (half away from zero), and cents as text ("12.34").
qint64 centsOf(Nano nano);
QString centsText(qint64 cents);

/// Writes an export in one go (a half-written file never stays behind).
Status writeExport(const QString &path, const QByteArray &bytes);

/// chargeback-2026-10-customer-support.pdf: a cost centre's statement file, safe in any folder.
QString statementFileName(const Statement &statement, const QString &costCentre, const QString &extension);

/// Human CSV: cost centre, provider, model, basis, requests, tokens, amount (USD), share.
QByteArray statementCsv(const Statement &statement, bool byteOrderMark);
/// FinOps FOCUS 1.2 CSV: one row per line with every mandatory column.
QByteArray focusCsv(const Statement &statement, const QString &billingAccount);
/// The mandatory FOCUS 1.2 columns, in the order focusCsv writes them first.
QStringList focusMandatoryColumns();

} // namespace CostGov::Chargeback

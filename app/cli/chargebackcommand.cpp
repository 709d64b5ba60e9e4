// costgovctl chargeback.

#include "clisupport.h"

#include "chargeback/chargeback.h"
#include "chargeback/statementpdf.h"
#include "common/clock.h"
#include "common/jsonwriter.h"
#include "common/money.h"
#include "common/timeutil.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace CostGov::Cli {

const char *const kPeriodHelp =
    "Usage: costgovctl [--db PATH] period close YYYY-MM [--by team] [--shared RULE] [--centres FILE]\n"
    "       costgovctl [--db PATH] period reopen YYYY-MM --reason TEXT\n"
    "       costgovctl [--db PATH] period list\n"
    "\n"
    "Closing a month keeps its chargeback statement as issued: chargeback shows it unchanged,\n"
    "and data that arrives later for it appears as adjustment lines per cost centre in the next\n"
    "open month. Re-opening needs a reason, is recorded, and starts with the latest closed month.\n";

const char *const kChargebackHelp =
    "Usage: costgovctl [--db PATH] chargeback --month YYYY-MM [--by team] [--shared RULE]\n"
    "                  [--format table|csv|focus|json|pdf] [--out FILE|DIR] [--per-centre] [--bom]\n"
    "                  [--account NAME] [--centres FILE]\n"
    "\n"
    "A month's chargeback statement: billed cost where a provider bill exists (costgovctl sync),\n"
    "split across cost centres by their metered share within the same provider and project\n"
    "(a billed project an attribution rule gives a team goes to it); metered cost for providers\n"
    "without a bill. Shared cost (billed projects no request names, tools and storage, requests\n"
    "without a cost centre) is split by --shared:\n"
    "  proportional      by each cost centre's direct spend (default)\n"
    "  even              equally\n"
    "  fixed:FILE        by the percentages in FILE (lines: cost centre,percent; 100 in all)\n"
    "  none              kept as an Unallocated line\n"
    "Lines are rounded to the cent so that they add up to the period's total exactly.\n"
    "--by names the dimension that makes a cost centre (default team). --format csv is the human\n"
    "statement (--bom adds a UTF-8 byte order mark for spreadsheets), focus is FinOps FOCUS 1.2\n"
    "(--account sets BillingAccountId, default 'organization'). --out writes to a file, or with\n"
    "--per-centre one CSV per cost centre into a folder; --format pdf one PDF statement per cost\n"
    "centre (lines, a chart by model, the shared rule, cache savings). --centres maps values of --by to cost\n"
    "centres and owners (CSV lines: value,cost centre[,owner e-mail]). After the total, the CSV\n"
    "lists what prompt caching saved each cost centre (information, not charged). A closed month\n"
    "(costgovctl period) shows as issued; an open one adds adjustments for late data of the closed\n"
    "months before it.\n";

namespace {

// --by, --shared and --centres, and the month; nullopt: go on.
std::optional<int> statementOptions(const QCommandLineParser &parser, const QString &monthText, const char *command,
                                    Chargeback::Options &options)
{
    const QString cmd = QLatin1String(command);
    const auto first = parseDate(QString(monthText + QStringLiteral("-01")).toStdString());
    if (!first || monthText.size() != 7)
        return usage(QStringLiteral("a month YYYY-MM is required"), cmd);
    options.month = {*first, *first + daysInMonth(*first) - 1};
    if (parser.isSet(QStringLiteral("by"))) {
        const auto by = Storage::dimensionFromName(parser.value(QStringLiteral("by")));
        if (!by || Storage::isTimeDimension(*by))
            return usage(QStringLiteral("--by names a dimension such as team, feature or project"), cmd);
        options.by = *by;
    }
    const QString shared = parser.value(QStringLiteral("shared"));
    if (shared.isEmpty() || shared == QLatin1String("proportional")) {
        options.shared = Chargeback::SharedRule::Proportional;
    } else if (shared == QLatin1String("even")) {
        options.shared = Chargeback::SharedRule::Even;
    } else if (shared == QLatin1String("none")) {
        options.shared = Chargeback::SharedRule::None;
    } else if (shared.startsWith(QLatin1String("fixed:"))) {
        if (const Status read = Chargeback::readFixedPercent(shared.mid(6), options); !read.ok())
            return usage(read.error().message, cmd);
        options.shared = Chargeback::SharedRule::Fixed;
    } else {
        return usage(QStringLiteral("--shared is proportional, even, fixed:FILE or none"), cmd);
    }
    if (parser.isSet(QStringLiteral("centres")))
        if (const Status read = Chargeback::readCentres(parser.value(QStringLiteral("centres")), options); !read.ok())
            return usage(read.error().message, cmd);
    return std::nullopt;
}

} // namespace

int chargebackCommand(const QStringList &args, const QString &dbPath)
{
    QCommandLineParser parser;
    for (const char *name : {"month", "by", "shared", "format", "out", "account", "centres"})
        parser.addOption(QCommandLineOption(QLatin1String(name), QString(), QStringLiteral("VALUE")));
    parser.addOption(QCommandLineOption(QStringLiteral("per-centre")));
    parser.addOption(QCommandLineOption(QStringLiteral("bom")));
    if (const auto exit = parseOptions(parser, args, "chargeback", kChargebackHelp))
        return *exit;
    if (!parser.positionalArguments().isEmpty())
        return usage(QStringLiteral("unexpected %1").arg(parser.positionalArguments().first()),
                     QStringLiteral("chargeback"));
    Chargeback::Options options;
    if (const auto exit = statementOptions(parser, parser.value(QStringLiteral("month")), "chargeback", options))
        return *exit;
    const QString monthText = parser.value(QStringLiteral("month"));
    int exitCode = Ok;
    const auto format = formatOption(parser,
                                     {QStringLiteral("table"), QStringLiteral("csv"), QStringLiteral("focus"),
                                      QStringLiteral("json"), QStringLiteral("pdf")},
                                     "chargeback", exitCode);
    if (!format)
        return exitCode;
    const bool pdf = *format == QLatin1String("pdf");
    const bool perCentre = parser.isSet(QStringLiteral("per-centre")) || pdf;
    const QString outPath = parser.value(QStringLiteral("out"));
    if (perCentre && (outPath.isEmpty() || (*format != QLatin1String("csv") && !pdf)))
        return usage(QStringLiteral("--per-centre and --format pdf write one file per cost centre into the folder "
                                    "--out names"),
                     QStringLiteral("chargeback"));
    auto ledger = openLedger(parser, dbPath, exitCode);
    if (!ledger)
        return exitCode;
    const auto statement = Chargeback::allocate(*ledger, options);
    if (!statement.ok())
        return fromError(statement.error());
    const Chargeback::Statement &s = *statement;
    const bool bom = parser.isSet(QStringLiteral("bom"));

    if (perCentre) {
        if (!QDir().mkpath(outPath))
            return dataError(QStringLiteral("cannot create the folder %1").arg(outPath));
        QHash<QString, Chargeback::Statement> byCentre;
        for (const Chargeback::Line &l : s.lines) {
            Chargeback::Statement &part = byCentre[l.costCentre];
            part.month = s.month;
            part.sharedRule = s.sharedRule;
            part.ownerOf = s.ownerOf;
            part.lines.append(l);
            part.totalCents += l.cents;
        }
        for (const Chargeback::Saving &saving : s.savings)
            byCentre[saving.costCentre].savings.append(saving);
        for (auto it = byCentre.cbegin(); it != byCentre.cend(); ++it) {
            const QString path = QDir(outPath).filePath(
                Chargeback::statementFileName(s, it.key(), pdf ? QStringLiteral("pdf") : QStringLiteral("csv")));
            const QByteArray bytes = pdf ? Chargeback::statementPdf(s, it.key()) : Chargeback::statementCsv(*it, bom);
            if (const Status w = Chargeback::writeExport(path, bytes); !w.ok())
                return fromError(w.error());
        }
        out() << "Wrote " << byCentre.size() << " statements to " << outPath << ".\n";
        out().flush();
        return Ok;
    }

    QByteArray bytes;
    if (*format == QLatin1String("csv")) {
        bytes = Chargeback::statementCsv(s, bom);
    } else if (*format == QLatin1String("focus")) {
        bytes = Chargeback::focusCsv(s,
                                     parser.isSet(QStringLiteral("account")) ? parser.value(QStringLiteral("account"))
                                                                             : QStringLiteral("organization"));
    } else if (*format == QLatin1String("json")) {
        JsonWriter w;
        w.beginObject().key(QStringLiteral("month")).value(monthText).key(QStringLiteral("by")).value(s.by);
        w.key(QStringLiteral("shared")).value(s.sharedRule).key(QStringLiteral("issued")).value(s.issued);
        if (s.issued)
            w.key(QStringLiteral("closed_at")).value(isoTimestamp(s.closedMs));
        w.key(QStringLiteral("total_usd")).number(Chargeback::centsText(s.totalCents));
        w.key(QStringLiteral("billed_usd")).number(usdText(s.billedNano));
        w.key(QStringLiteral("metered_usd")).number(usdText(s.meteredNano));
        w.key(QStringLiteral("unpriced_requests")).value(s.unpricedRequests);
        w.key(QStringLiteral("lines")).beginArray();
        for (const Chargeback::Line &l : s.lines) {
            w.beginObject().key(QStringLiteral("cost_centre")).value(l.costCentre);
            w.key(QStringLiteral("provider")).value(l.provider).key(QStringLiteral("model")).value(l.model);
            w.key(QStringLiteral("basis")).value(l.basis).key(QStringLiteral("detail")).value(l.detail);
            w.key(QStringLiteral("requests")).value(l.requests).key(QStringLiteral("tokens")).value(l.tokens);
            w.key(QStringLiteral("amount_usd")).number(Chargeback::centsText(l.cents));
            w.key(QStringLiteral("exact_usd")).number(usdText(l.exactNano)).endObject();
        }
        w.endArray().endObject();
        bytes = w.data() + '\n';
    } else {
        QString text =
            QStringLiteral("Chargeback %1 by %2 (shared cost split %3)%4\n\n")
                .arg(monthText, s.by, s.sharedRule,
                     s.issued ? QStringLiteral(", closed %1: as issued").arg(isoTimestamp(s.closedMs)) : QString());
        QMap<QString, qint64> centres;
        for (const Chargeback::Line &l : s.lines)
            centres[l.costCentre] += l.cents;
        for (auto it = centres.cbegin(); it != centres.cend(); ++it)
            text += QStringLiteral("  %1  $%2\n").arg(it.key().leftJustified(28), Chargeback::centsText(it.value()));
        text += QStringLiteral("  %1  $%2\n\nBilled by providers $%3; metered where no bill $%4. --format csv lists "
                               "every line.\n")
                    .arg(QStringLiteral("TOTAL").leftJustified(28), Chargeback::centsText(s.totalCents),
                         usdText(s.billedNano), usdText(s.meteredNano));
        if (s.unpricedRequests > 0)
            text += QStringLiteral("%1 requests have no price: their cost is unknown and not included (costgovctl "
                                   "prices).\n")
                        .arg(grouped(s.unpricedRequests));
        bytes = text.toUtf8();
    }
    if (outPath.isEmpty()) {
        out() << QString::fromUtf8(bytes);
        out().flush();
        return Ok;
    }
    const QString path = QFileInfo(outPath).isDir()
        ? QDir(outPath).filePath(
            QStringLiteral("chargeback-%1.%2")
                .arg(monthText, *format == QLatin1String("json") ? QStringLiteral("json") : QStringLiteral("csv")))
        : outPath;
    if (const Status w = Chargeback::writeExport(path, bytes); !w.ok())
        return fromError(w.error());
    out() << "Wrote " << path << ".\n";
    out().flush();
    return Ok;
}

int periodCommand(const QStringList &args, const QString &dbPath)
{
    QCommandLineParser parser;
    for (const char *name : {"by", "shared", "centres", "reason"})
        parser.addOption(QCommandLineOption(QLatin1String(name), QString(), QStringLiteral("VALUE")));
    if (const auto exit = parseOptions(parser, args, "period", kPeriodHelp))
        return *exit;
    const QStringList words = parser.positionalArguments();
    const QString action = words.value(0);
    const bool withMonth = action == QLatin1String("close") || action == QLatin1String("reopen");
    if (!(withMonth && words.size() == 2) && !(action == QLatin1String("list") && words.size() == 1))
        return usage(QStringLiteral("say close YYYY-MM, reopen YYYY-MM or list"), QStringLiteral("period"));
    Chargeback::Options options;
    if (withMonth)
        if (const auto exit = statementOptions(parser, words[1], "period", options))
            return *exit;
    int exitCode = Ok;
    auto ledger = openLedger(parser, dbPath, exitCode);
    if (!ledger)
        return exitCode;
    const qint64 now = Clock::system().nowMs();
    if (action == QLatin1String("close")) {
        if (const Status s = Chargeback::closePeriod(*ledger, options, now); !s.ok())
            return fromError(s.error());
        out() << "Closed " << words[1] << ": its statement stays as issued; later data for it becomes adjustments "
              << "in the next open month.\n";
    } else if (action == QLatin1String("reopen")) {
        if (const Status s =
                Chargeback::reopenPeriod(*ledger, options.month.from, parser.value(QStringLiteral("reason")), now);
            !s.ok())
            return fromError(s.error());
        out() << "Re-opened " << words[1] << ".\n";
    } else {
        const auto closed = Chargeback::closedMonths(*ledger);
        const auto events =
            closed.ok() ? Chargeback::periodHistory(*ledger) : Result<QVector<Chargeback::PeriodEvent>>(closed.error());
        if (!events.ok())
            return fromError(events.error());
        QStringList names;
        for (const qint64 m : *closed)
            names.append(isoMonth(monthKey(m)));
        out() << "Closed: " << (names.isEmpty() ? QStringLiteral("none") : names.join(QStringLiteral(", "))) << '\n';
        for (const Chargeback::PeriodEvent &e : *events)
            out() << "  " << isoTimestamp(e.atMs) << "  " << e.action << ' ' << isoMonth(monthKey(e.monthFirstDay))
                  << "  " << e.note << '\n';
    }
    out().flush();
    return Ok;
}

} // namespace CostGov::Cli

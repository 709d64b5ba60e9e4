// costgovctl prices and reprice.

#include "clisupport.h"

#include "common/clock.h"
#include "common/jsonwriter.h"
#include "common/money.h"
#include "common/timeutil.h"
#include "pricing/pricecatalog.h"
#include "pricing/pricesource.h"
#include "storage/ledgerqueries.h"
#include "storage/pricestore.h"
#include "storage/repricer.h"

#include <QFile>
#include <QFileInfo>
#include <QTime>

namespace CostGov::Cli {

namespace {

QString perMillion(const std::optional<Pricing::PicoPerToken> &p)
{
    return p ? scaledDecimalText(*p, 6) : QString();
}

QString layerName(Pricing::PriceLayer layer)
{
    switch (layer) {
    case Pricing::PriceLayer::Manual:
        return QStringLiteral("manual");
    case Pricing::PriceLayer::Imported:
        return QStringLiteral("imported");
    case Pricing::PriceLayer::Catalog:
        break;
    }
    return QStringLiteral("catalog");
}

QString timeText(qint64 msOfDay)
{
    return QTime::fromMSecsSinceStartOfDay(int(msOfDay)).toString(QStringLiteral("HH:mm"));
}

// "always", "from 2026-03-13", "00:30-16:30 UTC"
QString whenText(const Pricing::PriceCondition &c)
{
    if (c.startDay >= 0)
        return QStringLiteral("from ") + isoDate(c.startDay);
    if (c.startMsOfDay >= 0)
        return QStringLiteral("%1-%2 UTC").arg(timeText(c.startMsOfDay), timeText(c.endMsOfDay));
    return QStringLiteral("always");
}

// "> 200000: 6 / 22.5" (input / output per million tokens above the tier's start)
QString tiersText(const Pricing::TokenPrices &p)
{
    QStringList parts;
    for (const Pricing::PriceTier &t : p.tiers)
        parts.append(QStringLiteral("> %1: %2 / %3").arg(t.start).arg(perMillion(t.input), perMillion(t.output)));
    return parts.join(QStringLiteral("; "));
}

void printCatalog(const QVector<Pricing::CatalogRow> &rows, const QString &format)
{
    if (format == QLatin1String("json")) {
        JsonWriter w;
        w.beginObject().key(QStringLiteral("prices")).beginArray();
        for (const Pricing::CatalogRow &row : rows) {
            const Pricing::PriceEntry &e = row.entry;
            w.beginObject();
            w.key(QStringLiteral("model")).value(e.model);
            w.key(QStringLiteral("provider")).value(e.provider);
            w.key(QStringLiteral("effective_from")).value(isoDate(utcDay(e.effectiveFromMs)));
            if (row.when.startMsOfDay >= 0) {
                w.key(QStringLiteral("start_time_utc")).value(timeText(row.when.startMsOfDay));
                w.key(QStringLiteral("end_time_utc")).value(timeText(row.when.endMsOfDay));
            }
            const std::pair<const char *, const std::optional<Pricing::PicoPerToken> *> fields[] = {
                {"input_usd_per_mtok", &e.prices.input},
                {"output_usd_per_mtok", &e.prices.output},
                {"cache_read_usd_per_mtok", &e.prices.cacheRead},
                {"cache_write_5m_usd_per_mtok", &e.prices.cacheWrite5m},
                {"cache_write_1h_usd_per_mtok", &e.prices.cacheWrite1h},
                {"batch_input_usd_per_mtok", &e.prices.batchInput},
                {"batch_output_usd_per_mtok", &e.prices.batchOutput}};
            for (const auto &[name, value] : fields) {
                w.key(QLatin1String(name));
                if (*value)
                    w.number(perMillion(*value));
                else
                    w.null();
            }
            w.key(QStringLiteral("tiers")).beginArray();
            for (const Pricing::PriceTier &t : e.prices.tiers) {
                w.beginObject().key(QStringLiteral("above_tokens")).value(t.start);
                const std::pair<const char *, const std::optional<Pricing::PicoPerToken> *> tierFields[] = {
                    {"input_usd_per_mtok", &t.input},
                    {"output_usd_per_mtok", &t.output},
                    {"cache_read_usd_per_mtok", &t.cacheRead},
                    {"cache_write_5m_usd_per_mtok", &t.cacheWrite5m},
                    {"cache_write_1h_usd_per_mtok", &t.cacheWrite1h}};
                for (const auto &[name, value] : tierFields)
                    if (*value)
                        w.key(QLatin1String(name)).number(perMillion(*value));
                w.endObject();
            }
            w.endArray();
            w.key(QStringLiteral("layer")).value(layerName(row.layer));
            w.key(QStringLiteral("source")).value(e.source);
            w.key(QStringLiteral("overridden_by"));
            if (row.overriddenBy.isEmpty())
                w.null();
            else
                w.value(row.overriddenBy);
            w.endObject();
        }
        w.endArray().endObject();
        out() << w.data() << '\n';
        return;
    }
    const QStringList header{QStringLiteral("MODEL"),     QStringLiteral("PROVIDER"),     QStringLiteral("WHEN"),
                             QStringLiteral("INPUT"),     QStringLiteral("OUTPUT"),       QStringLiteral("CACHE READ"),
                             QStringLiteral("WRITE 5M"),  QStringLiteral("WRITE 1H"),     QStringLiteral("BATCH IN"),
                             QStringLiteral("BATCH OUT"), QStringLiteral("LONG CONTEXT"), QStringLiteral("SOURCE")};
    QVector<QStringList> table{header};
    for (const Pricing::CatalogRow &row : rows) {
        const Pricing::TokenPrices &p = row.entry.prices;
        QString source = row.entry.source;
        if (!row.overriddenBy.isEmpty())
            source += QStringLiteral(" (overridden by %1)").arg(row.overriddenBy);
        table.append({row.entry.model, row.entry.provider, whenText(row.when), perMillion(p.input),
                      perMillion(p.output), perMillion(p.cacheRead), perMillion(p.cacheWrite5m),
                      perMillion(p.cacheWrite1h), perMillion(p.batchInput), perMillion(p.batchOutput), tiersText(p),
                      source});
    }
    QVector<qsizetype> widths(header.size(), 0);
    for (const QStringList &r : table)
        for (qsizetype i = 0; i < r.size(); ++i)
            widths[i] = std::max(widths[i], r[i].size());
    for (const QStringList &r : table) {
        QStringList cells;
        for (qsizetype i = 0; i < r.size(); ++i)
            cells.append(i < 3 || i >= 10 ? r[i].leftJustified(widths[i]) : r[i].rightJustified(widths[i]));
        out() << cells.join(QStringLiteral("  ")).trimmed() << '\n';
    }
    out() << "USD per million tokens. Hand-set prices win over imported files, imported files over the "
             "catalog.\n";
}

// What re-rating changed, per model; requests that had no price were "unpriced", never $0.
void printRepriceReport(const Storage::RepriceReport &r, const QString &format)
{
    if (format == QLatin1String("json")) {
        JsonWriter w;
        w.beginObject();
        w.key(QStringLiteral("examined")).value(r.examined);
        w.key(QStringLiteral("changed")).value(r.changed);
        w.key(QStringLiteral("newly_priced")).value(r.newlyPriced);
        w.key(QStringLiteral("now_unpriced")).value(r.nowUnpriced);
        w.key(QStringLiteral("still_unpriced")).value(r.stillUnpriced);
        w.key(QStringLiteral("delta_nano")).value(r.delta);
        w.key(QStringLiteral("delta_usd")).number(usdText(r.delta));
        w.key(QStringLiteral("models")).beginArray();
        for (const Storage::ModelRepricing &m : r.models) {
            w.beginObject();
            w.key(QStringLiteral("model")).value(m.model);
            w.key(QStringLiteral("changed")).value(m.changed);
            w.key(QStringLiteral("newly_priced")).value(m.newlyPriced);
            w.key(QStringLiteral("still_unpriced")).value(m.stillUnpriced);
            w.key(QStringLiteral("before_usd")).number(usdText(m.before));
            w.key(QStringLiteral("after_usd")).number(usdText(m.after));
            w.endObject();
        }
        w.endArray().endObject();
        out() << w.data() << '\n';
    } else {
        out() << "Re-rated " << grouped(r.examined) << " requests: " << grouped(r.changed) << " changed ("
              << grouped(r.newlyPriced) << " newly priced, " << grouped(r.nowUnpriced) << " lost their price), cost "
              << (r.delta >= 0 ? "+" : "-") << '$' << usdText(std::abs(r.delta)) << ".\n";
        for (const Storage::ModelRepricing &m : r.models) {
            out() << "  " << m.model.leftJustified(40) << ' ';
            if (m.changed > 0)
                // Requests that had no price are "unpriced" before, never $0.
                out() << grouped(m.changed) << " changed: "
                      << (m.newlyPriced == m.changed ? QStringLiteral("unpriced")
                                                     : QLatin1Char('$') + usdText(m.before)
                                  + (m.newlyPriced > 0 ? QStringLiteral(" + %1 unpriced").arg(grouped(m.newlyPriced))
                                                       : QString()))
                      << " -> $" << usdText(m.after);
            if (m.stillUnpriced > 0)
                out() << (m.changed > 0 ? ", " : "") << grouped(m.stillUnpriced) << " still unpriced";
            out() << '\n';
        }
    }
}

int pricesUpdate(const QStringList &args, const QString &dbPath)
{
    QCommandLineParser parser;
    parser.addOption(QCommandLineOption(QStringLiteral("from"), QString(), QStringLiteral("FILE|URL")));
    parser.addOption(QCommandLineOption(QStringLiteral("format"), QString(), QStringLiteral("F")));
    parser.addOption(QCommandLineOption(QStringLiteral("dry-run")));
    if (const auto exit = parseOptions(parser, args, "prices", kPricesHelp))
        return *exit;
    int exitCode = Ok;
    const auto format = formatOption(parser, {QStringLiteral("table"), QStringLiteral("json")}, "prices", exitCode);
    if (!format)
        return exitCode;
    const QString from = parser.isSet(QStringLiteral("from")) ? parser.value(QStringLiteral("from"))
                                                              : QLatin1String(Pricing::kGenaiPricesUrl);
    // Fetch and check before the ledger is touched: a bad file leaves the catalog as it was.
    const auto content = Pricing::readPriceSource(from);
    if (!content.ok())
        return dataError(content.error().message);
    auto ledger = openLedger(parser, dbPath, exitCode);
    if (!ledger)
        return exitCode;
    const auto update = Storage::prepareCatalogUpdate(*ledger, from, *content);
    if (!update.ok())
        return dataError(QStringLiteral("%1; the catalog in use is unchanged").arg(update.error().message));
    const bool dryRun = parser.isSet(QStringLiteral("dry-run"));
    std::optional<Storage::RepriceReport> repriced;
    if (!dryRun && !update->changes.isEmpty()) {
        auto report = Storage::applyCatalogUpdate(*ledger, *update, Clock::system().nowMs());
        if (!report.ok())
            return fromError(report.error());
        repriced = *report;
    }
    if (*format == QLatin1String("json")) {
        JsonWriter w;
        w.beginObject();
        w.key(QStringLiteral("source")).value(from);
        w.key(QStringLiteral("applied")).value(repriced.has_value());
        w.key(QStringLiteral("changes")).beginArray();
        for (const Pricing::FeedChange &c : update->changes) {
            w.beginObject().key(QStringLiteral("provider")).value(c.provider);
            w.key(QStringLiteral("model")).value(c.model);
            w.key(QStringLiteral("change"))
                .value(c.before.isEmpty()      ? QStringLiteral("added")
                           : c.after.isEmpty() ? QStringLiteral("removed")
                                               : QStringLiteral("changed"));
            w.key(QStringLiteral("before")).value(c.before);
            w.key(QStringLiteral("after")).value(c.after);
            w.endObject();
        }
        w.endArray();
        if (repriced) {
            w.key(QStringLiteral("repriced")).beginObject();
            w.key(QStringLiteral("changed")).value(repriced->changed);
            w.key(QStringLiteral("newly_priced")).value(repriced->newlyPriced);
            w.key(QStringLiteral("delta_nano")).value(repriced->delta);
            w.endObject();
        }
        w.endObject();
        out() << w.data() << '\n';
        out().flush();
        return Ok;
    }
    qsizetype added = 0, removed = 0;
    for (const Pricing::FeedChange &c : update->changes) {
        added += c.before.isEmpty();
        removed += c.after.isEmpty();
    }
    out() << "Price catalog from " << from << ": " << added << " models added, "
          << update->changes.size() - added - removed << " prices changed, " << removed << " models removed.\n";
    for (const Pricing::FeedChange &c : update->changes) {
        const QString name = c.provider + u'/' + c.model;
        if (c.before.isEmpty())
            out() << "  + " << name << ": " << c.after << '\n';
        else if (c.after.isEmpty())
            out() << "  - " << name << ": " << c.before << '\n';
        else
            out() << "  ~ " << name << ": " << c.before << "\n      now " << c.after << '\n';
    }
    if (update->changes.isEmpty())
        out() << "The catalog is up to date.\n";
    else if (dryRun)
        out() << "Nothing applied (--dry-run).\n";
    else
        printRepriceReport(*repriced, *format);
    out().flush();
    return Ok;
}

} // namespace

const char *const kPricesHelp =
    "Usage: costgovctl [--db PATH] prices [OPTIONS]\n"
    "       costgovctl [--db PATH] prices update [--from FILE|URL] [--dry-run] [--format F]\n"
    "\n"
    "The dated price catalog (USD per million tokens): prices set by hand win over imported\n"
    "files, imported files over the genai-prices catalog. A price applies from its effective date;\n"
    "older requests keep the price that was in force. After a change, 'costgovctl reprice'\n"
    "re-rates history.\n"
    "\n"
    "Options:\n"
    "  --format F            table (default) or json\n"
    "  --all                 every dated price, not only the ones in force now\n"
    "  --model TEXT          only models whose name contains TEXT\n"
    "  --unpriced            models that have requests but no price, with their request counts\n"
    "  --import FILE         add prices from a LiteLLM model_prices_and_context_window.json file or a\n"
    "                        genai-prices data.json (kept above the catalog)\n"
    "  --set MODEL           add or change one model's price, with --input and --output (and\n"
    "                        optionally --cache-read, --cache-write, --cache-write-1h,\n"
    "                        --batch-input, --batch-output, --provider)\n"
    "  --effective DATE      with --import or --set: the day (UTC) the prices apply from.\n"
    "                        Default: new models are priced for all of history; changed prices\n"
    "                        apply from today.\n"
    "\n"
    "update loads a newer genai-prices feed (default: the published data.json on GitHub), prints\n"
    "the models added, removed and priced differently, makes it the catalog and re-rates the\n"
    "history it changes. A file that is not a valid feed is refused and the catalog kept.\n"
    "  --from FILE|URL       a local file or an http(s) address instead\n"
    "  --dry-run             print the differences only\n";

int pricesCommand(const QStringList &args, const QString &dbPath)
{
    if (!args.isEmpty() && args.first() == QLatin1String("update"))
        return pricesUpdate(args.mid(1), dbPath);
    QCommandLineParser parser;
    const QStringList priceOptions{QStringLiteral("input"),          QStringLiteral("output"),
                                   QStringLiteral("cache-read"),     QStringLiteral("cache-write"),
                                   QStringLiteral("cache-write-1h"), QStringLiteral("batch-input"),
                                   QStringLiteral("batch-output")};
    for (const QString &name : priceOptions)
        parser.addOption(QCommandLineOption(name, QString(), QStringLiteral("USD_PER_MTOK")));
    for (const char *name : {"format", "import", "set", "effective", "provider", "model"})
        parser.addOption(QCommandLineOption(QLatin1String(name), QString(), QStringLiteral("VALUE")));
    parser.addOption(QCommandLineOption(QStringLiteral("all")));
    parser.addOption(QCommandLineOption(QStringLiteral("unpriced")));
    if (const auto exit = parseOptions(parser, args, "prices", kPricesHelp))
        return *exit;
    int exitCode = Ok;
    const auto format = formatOption(parser, {QStringLiteral("table"), QStringLiteral("json")}, "prices", exitCode);
    if (!format)
        return exitCode;
    std::optional<qint64> effective;
    if (parser.isSet(QStringLiteral("effective"))) {
        const auto day = parseDate(parser.value(QStringLiteral("effective")).toStdString());
        if (!day)
            return usage(QStringLiteral("--effective must be a date like 2026-08-01"), QStringLiteral("prices"));
        effective = *day * kMsPerDay;
    }
    if (parser.isSet(QStringLiteral("import")) && parser.isSet(QStringLiteral("set")))
        return usage(QStringLiteral("use --import or --set, not both"), QStringLiteral("prices"));

    // Validate everything before touching the ledger.
    QVector<Pricing::PriceEntry> incoming;
    QStringList skipped;
    QByteArray feedFile; // a genai-prices file to keep above the catalog
    QString feedName;
    if (parser.isSet(QStringLiteral("import"))) {
        const QString path = parser.value(QStringLiteral("import"));
        const auto content = Pricing::readPriceSource(path);
        if (!content.ok())
            return dataError(content.error().message);
        if (Pricing::looksLikeFeed(*content)) {
            if (effective)
                return usage(QStringLiteral("a genai-prices file carries its own dates: no --effective"),
                             QStringLiteral("prices"));
            const auto feed = Pricing::PriceFeed::parse(*content, QFileInfo(path).fileName());
            if (!feed.ok())
                return dataError(QStringLiteral("%1: %2").arg(path, feed.error().message));
            feedFile = *content;
            feedName = QFileInfo(path).fileName();
        } else {
            auto parsed = Pricing::parseLiteLlmCatalog(*content, 0, QFileInfo(path).fileName());
            if (!parsed.ok())
                return dataError(QStringLiteral("%1: %2").arg(path, parsed.error().message));
            if (parsed->entries.isEmpty())
                return dataError(QStringLiteral("%1: no model with per-token prices").arg(path));
            incoming = parsed->entries;
            skipped = parsed->skipped;
        }
    } else if (parser.isSet(QStringLiteral("set"))) {
        Pricing::PriceEntry entry;
        entry.model = parser.value(QStringLiteral("set")).trimmed();
        entry.provider = parser.value(QStringLiteral("provider"));
        entry.source = QStringLiteral("manual");
        if (entry.model.isEmpty())
            return usage(QStringLiteral("--set needs a model name"), QStringLiteral("prices"));
        if (!parser.isSet(QStringLiteral("input")) || !parser.isSet(QStringLiteral("output")))
            return usage(QStringLiteral("--set needs --input and --output (USD per million tokens)"),
                         QStringLiteral("prices"));
        std::optional<Pricing::PicoPerToken> *targets[] = {
            &entry.prices.input,        &entry.prices.output,     &entry.prices.cacheRead,  &entry.prices.cacheWrite5m,
            &entry.prices.cacheWrite1h, &entry.prices.batchInput, &entry.prices.batchOutput};
        for (qsizetype i = 0; i < priceOptions.size(); ++i) {
            if (!parser.isSet(priceOptions[i]))
                continue;
            // USD per million tokens = pico-USD per token times 1e-6: scale 6.
            const auto price = parseScaledDecimal(parser.value(priceOptions[i]).toStdString(), 6);
            if (!price || *price < 0)
                return usage(
                    QStringLiteral("--%1 must be a non-negative USD amount per million tokens").arg(priceOptions[i]),
                    QStringLiteral("prices"));
            *targets[i] = *price;
        }
        incoming.append(entry);
    }

    auto ledger = openLedger(parser, dbPath, exitCode);
    if (!ledger)
        return exitCode;

    if (!feedFile.isEmpty()) {
        if (Status s = Storage::storePriceFeed(*ledger, Storage::FeedKind::Imported, feedName, feedFile,
                                               Clock::system().nowMs());
            !s.ok())
            return fromError(s.error());
        out() << "Prices: " << feedName << " kept above the catalog (hand-set prices still win).\n"
              << "Run 'costgovctl reprice' to re-rate the requests already imported.\n";
        out().flush();
        return Ok;
    }

    if (!incoming.isEmpty()) {
        const auto report = Storage::updatePrices(*ledger, incoming, effective, Clock::system().nowMs());
        if (!report.ok())
            return fromError(report.error());
        out() << "Prices: " << report->added << " new models (priced for all of history), " << report->changed
              << " changed (from " << isoDate(utcDay(report->effectiveFromMs)) << "), " << report->unchanged
              << " unchanged";
        if (!skipped.isEmpty())
            out() << ", " << skipped.size() << " entries without per-token prices skipped";
        out() << ".\n";
        if (report->added + report->changed > 0)
            out() << "Run 'costgovctl reprice' to re-rate the requests already imported.\n";
        out().flush();
        return Ok;
    }

    if (parser.isSet(QStringLiteral("unpriced"))) {
        const auto models = Storage::unpricedModels(*ledger);
        if (!models.ok())
            return fromError(models.error());
        if (*format == QLatin1String("json")) {
            JsonWriter w;
            w.beginObject().key(QStringLiteral("unpriced")).beginArray();
            for (const Storage::UnpricedModel &m : *models)
                w.beginObject()
                    .key(QStringLiteral("model"))
                    .value(m.model)
                    .key(QStringLiteral("provider"))
                    .value(m.provider)
                    .key(QStringLiteral("requests"))
                    .value(m.requests)
                    .endObject();
            w.endArray().endObject();
            out() << w.data() << '\n';
        } else if (models->isEmpty()) {
            out() << "Every request has a price.\n";
        } else {
            out() << QStringLiteral("MODEL").leftJustified(40) << "  " << QStringLiteral("PROVIDER").leftJustified(16)
                  << "  REQUESTS\n";
            for (const Storage::UnpricedModel &m : *models)
                out() << m.model.leftJustified(40) << "  " << m.provider.leftJustified(16) << "  "
                      << grouped(m.requests) << '\n';
            out() << "Add a price with: costgovctl prices --set MODEL --input USD --output USD, then costgovctl "
                     "reprice\n";
        }
        out().flush();
        return Ok;
    }

    const auto catalog = Storage::loadPriceCatalog(*ledger);
    if (!catalog.ok())
        return fromError(catalog.error());
    QVector<Pricing::CatalogRow> rows =
        Pricing::catalogRows(*catalog, Clock::system().nowMs(), parser.isSet(QStringLiteral("all")));
    if (parser.isSet(QStringLiteral("model"))) {
        const QString text = parser.value(QStringLiteral("model"));
        rows.erase(std::remove_if(rows.begin(), rows.end(),
                                  [&text](const Pricing::CatalogRow &r) {
                                      return !r.entry.model.contains(text, Qt::CaseInsensitive);
                                  }),
                   rows.end());
    }
    printCatalog(rows, *format);
    out().flush();
    return Ok;
}

const char *const kRepriceHelp =
    "Usage: costgovctl [--db PATH] reprice [OPTIONS]\n"
    "\n"
    "Re-rates imported requests with the price catalog as it is now: requests whose cost was\n"
    "computed from the catalog, and unpriced ones. Costs reported by a source (LiteLLM spend,\n"
    "canonical cost_usd) are never changed. Reports what changed.\n"
    "\n"
    "Options:\n"
    "  --format F    table (default) or json\n";

int repriceCommand(const QStringList &args, const QString &dbPath)
{
    QCommandLineParser parser;
    parser.addOption(QCommandLineOption(QStringLiteral("format"), QString(), QStringLiteral("F")));
    if (const auto exit = parseOptions(parser, args, "reprice", kRepriceHelp))
        return *exit;
    int exitCode = Ok;
    const auto format = formatOption(parser, {QStringLiteral("table"), QStringLiteral("json")}, "reprice", exitCode);
    if (!format)
        return exitCode;
    auto ledger = openLedger(parser, dbPath, exitCode);
    if (!ledger)
        return exitCode;
    const auto catalog = Storage::loadPriceCatalog(*ledger);
    if (!catalog.ok())
        return fromError(catalog.error());
    const auto report = Storage::repriceHistory(*ledger, *catalog);
    if (!report.ok())
        return fromError(report.error());
    printRepriceReport(*report, *format);
    out().flush();
    return Ok;
}

} // namespace CostGov::Cli

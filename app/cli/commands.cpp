#include "commands.h"
#include "clisupport.h"

#include "attribution/attribution.h"
#include "billing/billedreport.h"
#include "billing/billing.h"
#include "billing/keychain.h"
#include "billing/reconcile.h"
#include "common/clock.h"
#include "common/jsonwriter.h"
#include "common/timeutil.h"
#include "ingest/demodata.h"
#include "ingest/importjob.h"
#include "pricing/pricecatalog.h"
#include "storage/ledger.h"
#include "storage/ledgerqueries.h"
#include "storage/pricestore.h"
#include "storage/repricer.h"
#include "storage/spendformat.h"
#include "storage/spendquery.h"

#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QTextStream>
#include <QUrl>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <functional>
#include <unistd.h>

namespace CostGov::Cli {

QTextStream &out()
{
    static QTextStream stream(stdout);
    return stream;
}

QTextStream &err()
{
    static QTextStream stream(stderr);
    return stream;
}

namespace {

using Handler = std::function<int(const QStringList &args, const QString &dbPath)>;

struct Command {
    const char *name;
    const char *summary;
    const char *help;
    Handler handler;
};

const char *const kGlobalHelp =
    "Usage: costgovctl [--db PATH] COMMAND [OPTIONS]\n"
    "\n"
    "Cost Governor's command line: import LLM request logs into the spend ledger and report on them.\n"
    "\n"
    "Global options:\n"
    "  --db PATH     the ledger (SQLite file); default: %1\n"
    "  -h, --help    this help; COMMAND --help for a command's options\n"
    "  --version     the program's version\n"
    "\n"
    "Commands:\n";

} // namespace

int usage(const QString &message, const QString &command)
{
    err() << "costgovctl: " << message << '\n'
          << "Try 'costgovctl " << (command.isEmpty() ? QString() : command + QLatin1Char(' ')) << "--help'.\n";
    err().flush();
    return UsageError;
}

int dataError(const QString &message)
{
    err() << "costgovctl: " << message << '\n';
    err().flush();
    return DataError;
}

int fromError(const Error &error)
{
    return error.code == ErrorCode::Usage ? usage(error.message) : dataError(error.message);
}

std::optional<int> parseOptions(QCommandLineParser &parser, const QStringList &args, const char *command,
                                const char *help)
{
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.addOption(QCommandLineOption(QStringList{QStringLiteral("h"), QStringLiteral("help")}));
    parser.addOption(QCommandLineOption(QStringLiteral("db"), QString(), QStringLiteral("PATH")));
    if (!parser.parse(QStringList{QStringLiteral("costgovctl")} + args))
        return usage(parser.errorText(), QLatin1String(command));
    if (parser.isSet(QStringLiteral("help"))) {
        out() << help;
        out().flush();
        return Ok;
    }
    return std::nullopt;
}

std::unique_ptr<Storage::Ledger> openLedger(const QCommandLineParser &parser, const QString &dbPath, int &exitCode)
{
    auto ledger =
        Storage::Ledger::open(parser.isSet(QStringLiteral("db")) ? parser.value(QStringLiteral("db")) : dbPath);
    if (!ledger.ok()) {
        exitCode = dataError(ledger.error().message);
        return nullptr;
    }
    return std::move(*ledger);
}

QString grouped(qint64 n)
{
    QString digits = QString::number(n);
    for (qsizetype i = digits.size() - 3; i > (n < 0 ? 1 : 0); i -= 3)
        digits.insert(i, QLatin1Char(','));
    return digits;
}

std::optional<QString> formatOption(const QCommandLineParser &parser, const QStringList &allowed, const char *command,
                                    int &exitCode)
{
    const QString format =
        parser.isSet(QStringLiteral("format")) ? parser.value(QStringLiteral("format")) : allowed.first();
    if (!allowed.contains(format)) {
        exitCode = usage(QStringLiteral("--format must be one of: %1").arg(allowed.join(QStringLiteral(", "))),
                         QLatin1String(command));
        return std::nullopt;
    }
    return format;
}

namespace {

bool isTerminal(FILE *stream)
{
    return ::isatty(::fileno(stream)) != 0;
}

// ---------------------------------------------------------------- import

std::atomic_bool g_cancel{false};

extern "C" void onInterrupt(int)
{
    g_cancel.store(true);
}

/// Ctrl+C and SIGTERM stop a long command after it commits what it has; pass this as its cancel flag.
const std::atomic_bool *cancelOnSignals()
{
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    return &g_cancel;
}

void clearProgressLine()
{
    err() << '\r' << QString(60, QLatin1Char(' ')) << '\r';
    err().flush();
}

void writeCounters(JsonWriter &json, const Storage::ImportCounters &c)
{
    json.key(QStringLiteral("lines")).value(c.lines);
    json.key(QStringLiteral("imported")).value(c.imported);
    json.key(QStringLiteral("duplicates")).value(c.duplicates);
    json.key(QStringLiteral("skipped")).value(c.skipped);
    json.key(QStringLiteral("quarantined")).value(c.quarantined);
    json.key(QStringLiteral("unpriced")).value(c.unpriced);
}

const char *const kImportHelp =
    "Usage: costgovctl [--db PATH] import [OPTIONS] PATH...\n"
    "\n"
    "Imports request logs: files, or folders read recursively. The format of each file is recognized\n"
    "unless --format says it. Importing again adds only what is new: files remember how far they were\n"
    "read, and records already in the ledger are counted as duplicates, never twice. Lines that cannot\n"
    "be read are quarantined (see 'costgovctl quarantine'); everything else is imported.\n"
    "\n"
    "Options:\n"
    "  --format F       auto (default), canonical, litellm, otel, claude-code, bedrock;\n"
    "                   'json' prints the summary as JSON (same as --json)\n"
    "  --source NAME    the source dimension of these records (default: the format's name)\n"
    "  --json           print the summary as a JSON object\n"
    "  --quiet          no progress on standard error\n"
    "  --batch-size N   records per transaction (default 25000)\n"
    "\n"
    "Exit status: 0 when every named file was read (quarantined lines included), 2 when a named\n"
    "file could not be read or recognized or the ledger failed, 130 when interrupted (Ctrl+C stops\n"
    "after committing what was read; the next import continues from there).\n";

int importCommand(const QStringList &args, const QString &dbPath)
{
    QCommandLineParser parser;
    parser.addOption(QCommandLineOption(QStringLiteral("format"), QString(), QStringLiteral("F")));
    parser.addOption(QCommandLineOption(QStringLiteral("source"), QString(), QStringLiteral("NAME")));
    parser.addOption(QCommandLineOption(QStringLiteral("json")));
    parser.addOption(QCommandLineOption(QStringLiteral("quiet")));
    parser.addOption(QCommandLineOption(QStringLiteral("batch-size"), QString(), QStringLiteral("N")));
    if (const auto exit = parseOptions(parser, args, "import", kImportHelp))
        return *exit;

    Ingest::ImportOptions options;
    bool json = parser.isSet(QStringLiteral("json"));
    if (parser.isSet(QStringLiteral("format"))) {
        const QString format = parser.value(QStringLiteral("format"));
        if (format == QLatin1String("json")) {
            json = true;
        } else if (format != QLatin1String("auto")) {
            options.format = Ingest::formatFromName(format);
            if (!options.format)
                return usage(
                    QStringLiteral("unknown format '%1' (auto, canonical, litellm, otel, claude-code, bedrock)")
                        .arg(format),
                    QStringLiteral("import"));
        }
    }
    options.paths = parser.positionalArguments();
    if (options.paths.isEmpty())
        return usage(QStringLiteral("import needs at least one file or folder"), QStringLiteral("import"));
    options.source = parser.value(QStringLiteral("source"));
    if (parser.isSet(QStringLiteral("batch-size"))) {
        bool ok = false;
        options.batchSize = parser.value(QStringLiteral("batch-size")).toInt(&ok);
        if (!ok || options.batchSize < 1)
            return usage(QStringLiteral("--batch-size must be a positive number"), QStringLiteral("import"));
    }
    int exitCode = Ok;
    auto ledger = openLedger(parser, dbPath, exitCode);
    if (!ledger)
        return exitCode;

    options.cancel = cancelOnSignals();
    const bool showProgress = !parser.isSet(QStringLiteral("quiet")) && isTerminal(stderr);
    QElapsedTimer sinceUpdate;
    sinceUpdate.start();
    if (showProgress) {
        options.progress = [&sinceUpdate](const Ingest::ImportProgress &p) {
            if (sinceUpdate.elapsed() < 200 && p.filesDone < p.filesTotal)
                return;
            sinceUpdate.restart();
            const int percent = p.bytesTotal > 0 ? int(p.bytesDone * 100 / p.bytesTotal) : 100;
            err() << "\rimporting: " << percent << "%  " << grouped(p.lines) << " lines  file " << p.filesDone << '/'
                  << p.filesTotal << "   ";
            err().flush();
        };
    }
    const auto result = Ingest::runImport(*ledger, options, Clock::system());
    if (showProgress)
        clearProgressLine();
    if (!result.ok())
        return dataError(result.error().message);
    const Ingest::ImportSummary &s = *result;

    bool namedFailed = false;
    for (const Ingest::FileReport &f : s.files) {
        if (f.named && (f.outcome == Ingest::FileOutcome::Failed || f.outcome == Ingest::FileOutcome::Unrecognized))
            namedFailed = true;
    }
    if (json) {
        JsonWriter w;
        w.beginObject();
        w.key(QStringLiteral("import_id")).value(s.importId);
        w.key(QStringLiteral("status")).value(s.cancelled ? "cancelled" : "completed");
        w.key(QStringLiteral("files")).value(s.totals.files);
        w.key(QStringLiteral("files_unchanged")).value(s.filesUnchanged);
        w.key(QStringLiteral("files_unrecognized")).value(s.filesUnrecognized);
        w.key(QStringLiteral("files_failed")).value(s.filesFailed);
        writeCounters(w, s.totals);
        w.key(QStringLiteral("skipped_by_reason")).beginObject();
        for (auto it = s.skippedByReason.begin(); it != s.skippedByReason.end(); ++it)
            w.key(it.key()).value(it.value());
        w.endObject();
        w.key(QStringLiteral("file_results")).beginArray();
        for (const Ingest::FileReport &f : s.files) {
            w.beginObject();
            w.key(QStringLiteral("path")).value(f.path);
            w.key(QStringLiteral("format")).value(f.format);
            w.key(QStringLiteral("outcome")).value(Ingest::fileOutcomeName(f.outcome));
            w.key(QStringLiteral("note")).value(f.note);
            writeCounters(w, f.counters);
            w.endObject();
        }
        w.endArray().endObject();
        out() << w.data() << '\n';
    } else {
        const Storage::ImportCounters &t = s.totals;
        out() << (s.cancelled ? "Import cancelled after " : "Imported ") << grouped(t.imported) << " requests from "
              << t.files << (t.files == 1 ? " file" : " files");
        if (s.filesUnchanged > 0)
            out() << " (" << s.filesUnchanged << " unchanged)";
        out() << ".\n";
        out() << "  lines " << grouped(t.lines) << "  imported " << grouped(t.imported) << "  duplicates "
              << grouped(t.duplicates) << "  skipped " << grouped(t.skipped) << "  quarantined "
              << grouped(t.quarantined) << "  unpriced " << grouped(t.unpriced) << '\n';
        for (const Ingest::FileReport &f : s.files) {
            if (f.outcome == Ingest::FileOutcome::Unchanged)
                continue;
            out() << "  " << Ingest::fileOutcomeName(f.outcome).leftJustified(12) << ' '
                  << (f.format.isEmpty() ? QStringLiteral("-") : f.format).leftJustified(16) << ' ' << f.path;
            if (f.outcome != Ingest::FileOutcome::Unrecognized && f.outcome != Ingest::FileOutcome::Failed)
                out() << "  (" << grouped(f.counters.imported) << " new, " << grouped(f.counters.duplicates)
                      << " duplicates, " << grouped(f.counters.quarantined) << " quarantined)";
            if (!f.note.isEmpty())
                out() << "\n      " << f.note;
            out() << '\n';
        }
        for (auto it = s.skippedByReason.begin(); it != s.skippedByReason.end(); ++it)
            out() << "  skipped " << grouped(it.value()) << ": " << it.key() << '\n';
        if (t.quarantined > 0)
            out() << "Lines that could not be read are listed by: costgovctl quarantine\n";
        if (t.unpriced > 0)
            out() << "Requests without a price (cost unknown, not $0) are listed by: costgovctl prices --unpriced\n";
    }
    out().flush();
    if (s.cancelled)
        return Interrupted;
    return namedFailed ? DataError : Ok;
}

// ---------------------------------------------------------------- demo

const char *const kDemoHelp =
    "Usage: costgovctl [--db PATH] demo [OPTIONS]\n"
    "\n"
    "Loads realistic demo data, generated locally, as source 'demo': an organisation's LLM traffic\n"
    "for the days up to now. Inside it: a support chatbot on a frontier model (~500,000 requests and\n"
    "~$18,000 a month), six teams with skewed features, models and users, a one-day cost spike\n"
    "every 45 days, and a few requests a day for a model without a price. The same seed gives the\n"
    "same requests: loading again adds only the traffic since. Keep it apart with its own --db.\n"
    "\n"
    "Options:\n"
    "  --days N      days of traffic, 1 to 366 (default 90; 90 days are about 2.4 million requests)\n"
    "  --seed N      a different seed gives different requests (default 1)\n"
    "  --json        print the summary as a JSON object\n"
    "  --quiet       no progress on standard error\n";

int demoCommand(const QStringList &args, const QString &dbPath)
{
    QCommandLineParser parser;
    parser.addOption(QCommandLineOption(QStringLiteral("days"), QString(), QStringLiteral("N")));
    parser.addOption(QCommandLineOption(QStringLiteral("seed"), QString(), QStringLiteral("N")));
    parser.addOption(QCommandLineOption(QStringLiteral("json")));
    parser.addOption(QCommandLineOption(QStringLiteral("quiet")));
    if (const auto exit = parseOptions(parser, args, "demo", kDemoHelp))
        return *exit;
    if (!parser.positionalArguments().isEmpty())
        return usage(QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()),
                     QStringLiteral("demo"));
    Ingest::DemoOptions options;
    bool ok = true;
    if (parser.isSet(QStringLiteral("days")))
        options.days = parser.value(QStringLiteral("days")).toInt(&ok);
    if (!ok || options.days < 1 || options.days > 366)
        return usage(QStringLiteral("--days must be a number from 1 to 366"), QStringLiteral("demo"));
    if (parser.isSet(QStringLiteral("seed")))
        options.seed = parser.value(QStringLiteral("seed")).toULongLong(&ok);
    if (!ok)
        return usage(QStringLiteral("--seed must be a non-negative number"), QStringLiteral("demo"));
    int exitCode = Ok;
    auto ledger = openLedger(parser, dbPath, exitCode);
    if (!ledger)
        return exitCode;

    options.cancel = cancelOnSignals();
    const bool showProgress = !parser.isSet(QStringLiteral("quiet")) && isTerminal(stderr);
    if (showProgress) {
        options.progress = [](const Ingest::ImportProgress &p) {
            err() << "\rgenerating: day " << p.bytesDone << '/' << p.bytesTotal << "  " << grouped(p.lines)
                  << " requests   ";
            err().flush();
        };
    }
    const auto result = Ingest::loadDemoData(*ledger, options, Clock::system());
    if (showProgress)
        clearProgressLine();
    if (!result.ok())
        return dataError(result.error().message);
    const Storage::ImportCounters &t = result->totals;
    if (parser.isSet(QStringLiteral("json"))) {
        JsonWriter w;
        w.beginObject();
        w.key(QStringLiteral("import_id")).value(result->importId);
        w.key(QStringLiteral("status")).value(result->cancelled ? "cancelled" : "completed");
        writeCounters(w, t);
        w.endObject();
        out() << w.data() << '\n';
    } else {
        out() << (result->cancelled ? "Demo data cancelled after " : "Loaded demo data: ") << grouped(t.imported)
              << " requests over " << options.days << " days (source 'demo'), " << grouped(t.duplicates)
              << " already present, " << grouped(t.unpriced) << " unpriced.\n"
              << "Try: costgovctl report --by team   or   costgovctl report --by day --where feature=email-drafts\n";
    }
    out().flush();
    return result->cancelled ? Interrupted : Ok;
}

// ---------------------------------------------------------------- sync

const char *const kSyncHelp =
    "Usage: costgovctl [--db PATH] sync openai|anthropic|all [OPTIONS]\n"
    "\n"
    "Fetches what the provider billed (OpenAI GET /v1/organization/costs grouped by project and line\n"
    "item; Anthropic GET /v1/organizations/cost_report grouped by workspace and description) and the\n"
    "usage behind it (OpenAI /v1/organization/usage/completions and /embeddings; Anthropic\n"
    "/v1/organizations/usage_report/messages), every page, and stores it in place of what was\n"
    "stored for those days: a second sync of the same\n"
    "days changes nothing, a revised day replaces the old figures, a failed sync changes nothing.\n"
    "Admin keys come from COSTGOV_OPENAI_ADMIN_KEY and COSTGOV_ANTHROPIC_ADMIN_KEY, else from the\n"
    "system keychain, where the desktop's provider connections keep them.\n"
    "\n"
    "Options:\n"
    "  --from YYYY-MM-DD   first day (UTC); default: 3 days before the last synced day, or 30 days ago\n"
    "  --to YYYY-MM-DD     last day (UTC), inclusive; default: today\n"
    "  --base-url URL      scheme and host instead of the provider's (e.g. http://127.0.0.1:8080)\n"
    "  --json              print the summary as a JSON object\n"
    "  --quiet             no progress on standard error\n";

int syncCommand(const QStringList &args, const QString &dbPath)
{
    QCommandLineParser parser;
    for (const char *name : {"from", "to", "base-url"})
        parser.addOption(QCommandLineOption(QLatin1String(name), QString(), QStringLiteral("VALUE")));
    parser.addOption(QCommandLineOption(QStringLiteral("json")));
    parser.addOption(QCommandLineOption(QStringLiteral("quiet")));
    if (const auto exit = parseOptions(parser, args, "sync", kSyncHelp))
        return *exit;
    const QStringList which = parser.positionalArguments();
    if (which.size() != 1
        || !QStringList{QStringLiteral("openai"), QStringLiteral("anthropic"), QStringLiteral("all")}.contains(
            which.first()))
        return usage(QStringLiteral("name one provider: openai, anthropic or all"), QStringLiteral("sync"));
    QVector<Billing::Provider> providers;
    if (which.first() != QLatin1String("anthropic"))
        providers.append(Billing::Provider::OpenAi);
    if (which.first() != QLatin1String("openai"))
        providers.append(Billing::Provider::Anthropic);
    Billing::SyncOptions options;
    for (const auto &[name, day] : {std::pair{"from", &options.fromDay}, std::pair{"to", &options.toDay}}) {
        if (!parser.isSet(QLatin1String(name)))
            continue;
        *day = parseDate(parser.value(QLatin1String(name)).toStdString());
        if (!*day)
            return usage(QStringLiteral("--%1 must be a date YYYY-MM-DD").arg(QLatin1String(name)),
                         QStringLiteral("sync"));
    }
    options.baseUrl = parser.value(QStringLiteral("base-url"));
    if (!options.baseUrl.isEmpty() && !QUrl(options.baseUrl).isValid())
        return usage(QStringLiteral("--base-url is not a URL"), QStringLiteral("sync"));
    int exitCode = Ok;
    auto ledger = openLedger(parser, dbPath, exitCode);
    if (!ledger)
        return exitCode;
    options.cancel = cancelOnSignals();
    if (!parser.isSet(QStringLiteral("quiet")))
        options.progress = [](const QString &message) {
            err() << message << '\n';
            err().flush();
        };

    JsonWriter w;
    w.beginObject();
    int result = Ok;
    for (const Billing::Provider provider : providers) {
        options.provider = provider;
        const auto key = Billing::adminKeyNow(provider); // the environment, else the keychain
        options.key = key.ok() ? *key : QString();
        w.key(Billing::providerName(provider)).beginObject();
        for (const bool costs : {true, false}) {
            const QString what = costs ? QStringLiteral("costs") : QStringLiteral("usage");
            const auto synced = !key.ok() ? Result<Billing::SyncSummary>(key.error())
                : costs                   ? Billing::syncCosts(*ledger, options, Clock::system())
                                          : Billing::syncUsage(*ledger, options, Clock::system());
            w.key(what).beginObject();
            if (!synced.ok()) {
                err() << "costgovctl: " << Billing::providerName(provider) << " " << what << ": "
                      << synced.error().message << '\n';
                result = synced.error().code == ErrorCode::Cancelled ? Interrupted
                    : synced.error().code == ErrorCode::Usage        ? UsageError
                                                                     : DataError;
                w.key(QStringLiteral("error")).value(synced.error().message).endObject();
                break; // the usage report would fail alike
            }
            const Billing::SyncSummary &s = *synced;
            w.key(QStringLiteral("from")).value(isoDate(s.fromDay)).key(QStringLiteral("to")).value(isoDate(s.toDay));
            w.key(QStringLiteral("pages"))
                .value(qint64(s.pages))
                .key(QStringLiteral("buckets"))
                .value(qint64(s.buckets));
            w.key(QStringLiteral("inserted")).value(s.inserted).key(QStringLiteral("replaced")).value(s.replaced);
            w.key(QStringLiteral("retries")).value(qint64(s.retries));
            if (costs)
                w.key(QStringLiteral("total_nano"))
                    .value(s.total)
                    .key(QStringLiteral("total_usd"))
                    .number(usdText(s.total));
            w.endObject();
            if (!parser.isSet(QStringLiteral("json"))) {
                out() << Billing::providerTitle(provider) << " " << what << " " << isoDate(s.fromDay) << " .. "
                      << isoDate(s.toDay) << ": " << s.pages << " pages, " << s.buckets << " buckets, "
                      << grouped(s.inserted) << " rows stored (" << grouped(s.replaced) << " replaced), " << s.retries
                      << " retries";
                if (costs)
                    out() << ", $" << usdText(s.total) << " billed";
                out() << '\n';
            }
        }
        w.endObject();
    }
    w.endObject();
    if (parser.isSet(QStringLiteral("json")))
        out() << w.data() << '\n';
    out().flush();
    return result;
}

// ---------------------------------------------------------------- attribution

const char *const kAttributionHelp =
    "Usage: costgovctl [--db PATH] attribution list [--format table|json]\n"
    "       costgovctl [--db PATH] attribution add (--project ID | --api-key ID | --team-of NAME |\n"
    "                                               --service NAME | --tag KEY=VALUE) --team TEAM\n"
    "                                              [--feature F] [--provider P] [--position N]\n"
    "       costgovctl [--db PATH] attribution remove RULE-ID\n"
    "       costgovctl [--db PATH] attribution apply\n"
    "\n"
    "Ordered rules that say which team and feature costs belong to; the first rule whose provider\n"
    "(any when not given) and value match wins; a trailing * matches a prefix.\n"
    "  --project     OpenAI project id or Anthropic workspace id: billed rows and requests\n"
    "  --api-key     API key id: billed rows\n"
    "  --team-of     the team a request's log names: LiteLLM team alias or team id, OpenTelemetry\n"
    "                service.namespace or costgov.team\n"
    "  --service     OpenTelemetry service.name of a request\n"
    "  --tag         a tag or metadata entry of a request, e.g. api_key_alias=search-prod\n"
    "Billed cost no rule matches is 'unallocated'; a request no rule matches keeps the team its\n"
    "log names, and without --feature a rule keeps the request's own feature.\n"
    "Adding or removing a rule applies the rules to the whole history at once and says how much\n"
    "moved; sync and import apply them to what they store.\n";

int attributionCommand(const QStringList &args, const QString &dbPath)
{
    QCommandLineParser parser;
    for (const char *name :
         {"project", "api-key", "team-of", "service", "tag", "team", "feature", "provider", "position", "format"})
        parser.addOption(QCommandLineOption(QLatin1String(name), QString(), QStringLiteral("VALUE")));
    if (const auto exit = parseOptions(parser, args, "attribution", kAttributionHelp))
        return *exit;
    const QStringList words = parser.positionalArguments();
    const QString action = words.value(0);
    const QStringList actions{QStringLiteral("list"), QStringLiteral("add"), QStringLiteral("remove"),
                              QStringLiteral("apply")};
    if (!actions.contains(action) || words.size() != (action == QLatin1String("remove") ? 2 : 1))
        return usage(QStringLiteral("say list, add, remove RULE-ID or apply"), QStringLiteral("attribution"));
    int exitCode = Ok;
    const auto format =
        formatOption(parser, {QStringLiteral("table"), QStringLiteral("json")}, "attribution", exitCode);
    if (!format)
        return exitCode;
    Attribution::Rule rule;
    bool ok = true;
    if (action == QLatin1String("add")) {
        // Option name and the rule field it sets.
        const std::pair<const char *, const char *> matchers[] = {{"project", "project"},
                                                                  {"api-key", "api_key"},
                                                                  {"team-of", "team"},
                                                                  {"service", "service"},
                                                                  {"tag", "tag"}};
        int given = 0;
        for (const auto &[option, field] : matchers) {
            if (parser.isSet(QLatin1String(option))) {
                ++given;
                rule.field = QLatin1String(field);
                rule.pattern = parser.value(QLatin1String(option));
            }
        }
        if (given != 1 || !parser.isSet(QStringLiteral("team")))
            return usage(QStringLiteral("add needs one of --project, --api-key, --team-of, --service or --tag, and "
                                        "--team"),
                         QStringLiteral("attribution"));
        rule.team = parser.value(QStringLiteral("team"));
        rule.feature = parser.value(QStringLiteral("feature"));
        rule.provider = parser.value(QStringLiteral("provider"));
        if (parser.isSet(QStringLiteral("position")))
            rule.position = parser.value(QStringLiteral("position")).toInt(&ok);
        if (!ok || rule.position < 0)
            return usage(QStringLiteral("--position must be a positive number"), QStringLiteral("attribution"));
    }
    const qint64 removeId = action == QLatin1String("remove") ? words.value(1).toLongLong(&ok) : 0;
    if (!ok)
        return usage(QStringLiteral("RULE-ID must be a number (see attribution list)"), QStringLiteral("attribution"));
    auto ledger = openLedger(parser, dbPath, exitCode);
    if (!ledger)
        return exitCode;

    if (action == QLatin1String("list")) {
        const auto rules = Attribution::listRules(*ledger);
        if (!rules.ok())
            return fromError(rules.error());
        if (*format == QLatin1String("json")) {
            JsonWriter w;
            w.beginObject().key(QStringLiteral("rules")).beginArray();
            for (const Attribution::Rule &r : *rules) {
                w.beginObject().key(QStringLiteral("id")).value(r.id).key(QStringLiteral("position")).value(r.position);
                w.key(QStringLiteral("provider")).value(r.provider).key(QStringLiteral("field")).value(r.field);
                w.key(QStringLiteral("pattern")).value(r.pattern).key(QStringLiteral("team")).value(r.team);
                w.key(QStringLiteral("feature")).value(r.feature).endObject();
            }
            w.endArray().endObject();
            out() << w.data() << '\n';
        } else {
            if (rules->isEmpty())
                out() << "No attribution rules: all billed cost is unallocated, requests keep the teams their "
                         "logs name.\n";
            for (const Attribution::Rule &r : *rules)
                out() << r.position << ". [id " << r.id << "] "
                      << (r.provider.isEmpty() ? QStringLiteral("any provider") : r.provider) << ", " << r.field
                      << " = " << r.pattern << "  ->  team " << r.team << ", feature "
                      << (r.feature.isEmpty() ? QStringLiteral("(kept)") : r.feature) << '\n';
        }
        out().flush();
        return Ok;
    }
    if (action == QLatin1String("add")) {
        const auto id = Attribution::addRule(*ledger, rule);
        if (!id.ok())
            return fromError(id.error());
        out() << "Added rule " << *id << ".\n";
    } else if (action == QLatin1String("remove")) {
        const auto removed = Attribution::removeRule(*ledger, removeId);
        if (!removed.ok())
            return fromError(removed.error());
        if (!*removed)
            return dataError(QStringLiteral("there is no rule %1 (see attribution list)").arg(removeId));
        out() << "Removed rule " << removeId << ".\n";
    }
    const auto moved = Attribution::applyRules(*ledger);
    if (!moved.ok())
        return fromError(moved.error());
    out() << grouped(moved->rows) << " billed rows moved to another team or feature ($" << usdText(moved->amount)
          << " of cost); " << grouped(moved->requests) << " requests moved ($" << usdText(moved->requestCost)
          << " of cost).\n";
    out().flush();
    return Ok;
}

// ---------------------------------------------------------------- reconcile

const char *const kReconcileHelp =
    "Usage: costgovctl [--db PATH] reconcile --month YYYY-MM [--format table|json]\n"
    "\n"
    "What the providers billed (costgovctl sync) against the metered requests (costgovctl import),\n"
    "per provider for the month and per day: billed, metered, delta (billed - metered) and coverage\n"
    "(metered / billed). Then the billed projects or workspaces that no metered request names.\n"
    "Metered counts priced requests; unpriced ones are listed apart.\n";

int reconcileCommand(const QStringList &args, const QString &dbPath)
{
    QCommandLineParser parser;
    parser.addOption(QCommandLineOption(QStringLiteral("month"), QString(), QStringLiteral("YYYY-MM")));
    parser.addOption(QCommandLineOption(QStringLiteral("format"), QString(), QStringLiteral("F")));
    if (const auto exit = parseOptions(parser, args, "reconcile", kReconcileHelp))
        return *exit;
    int exitCode = Ok;
    const auto format = formatOption(parser, {QStringLiteral("table"), QStringLiteral("json")}, "reconcile", exitCode);
    if (!format)
        return exitCode;
    const auto firstDay =
        parseDate(QString(parser.value(QStringLiteral("month")) + QStringLiteral("-01")).toStdString());
    if (!parser.isSet(QStringLiteral("month")) || !firstDay || parser.value(QStringLiteral("month")).size() != 7)
        return usage(QStringLiteral("--month YYYY-MM is required"), QStringLiteral("reconcile"));
    auto ledger = openLedger(parser, dbPath, exitCode);
    if (!ledger)
        return exitCode;
    const auto result = Billing::reconcileMonth(*ledger, *firstDay);
    if (!result.ok())
        return fromError(result.error());
    auto coverage = [](const Billing::Comparison &c) {
        return c.coverage() ? QString::number(*c.coverage() * 100.0, 'f', 1) + QLatin1Char('%') : QStringLiteral("-");
    };
    if (*format == QLatin1String("json")) {
        auto comparison = [](JsonWriter &w, const Billing::Comparison &c) {
            w.key(QStringLiteral("billed_nano"))
                .value(c.billed)
                .key(QStringLiteral("billed_usd"))
                .number(usdText(c.billed));
            w.key(QStringLiteral("metered_nano"))
                .value(c.metered)
                .key(QStringLiteral("metered_usd"))
                .number(usdText(c.metered));
            w.key(QStringLiteral("delta_nano"))
                .value(c.delta())
                .key(QStringLiteral("delta_usd"))
                .number(usdText(c.delta()));
            w.key(QStringLiteral("coverage"));
            if (c.coverage())
                w.number(*c.coverage(), 6);
            else
                w.null();
            w.key(QStringLiteral("unpriced_requests")).value(c.unpricedRequests);
        };
        JsonWriter w;
        w.beginObject().key(QStringLiteral("month")).value(isoMonth(monthKey(result->month.from)));
        w.key(QStringLiteral("providers")).beginArray();
        for (const Billing::ProviderReconciliation &p : result->providers) {
            w.beginObject().key(QStringLiteral("provider")).value(p.provider);
            comparison(w, p.month);
            w.key(QStringLiteral("days")).beginArray();
            for (const auto &[day, c] : p.days) {
                w.beginObject().key(QStringLiteral("day")).value(isoDate(day));
                comparison(w, c);
                w.endObject();
            }
            w.endArray().key(QStringLiteral("unmatched")).beginArray();
            for (const auto &[project, amount] : p.unmatched)
                w.beginObject()
                    .key(QStringLiteral("project"))
                    .value(project)
                    .key(QStringLiteral("billed_usd"))
                    .number(usdText(amount))
                    .endObject();
            w.endArray().endObject();
        }
        w.endArray().endObject();
        out() << w.data() << '\n';
        out().flush();
        return Ok;
    }
    out() << "Reconciliation " << isoMonth(monthKey(result->month.from)) << " (UTC days)\n\n";
    out() << QStringLiteral("%1 %2 %3 %4 %5\n")
                 .arg(QStringLiteral("provider / day"), -16)
                 .arg(QStringLiteral("billed"), 16)
                 .arg(QStringLiteral("metered"), 16)
                 .arg(QStringLiteral("delta"), 16)
                 .arg(QStringLiteral("coverage"), 9);
    auto dollars = [](Nano n) { return (n < 0 ? QStringLiteral("-$") : QStringLiteral("$")) + usdText(std::abs(n)); };
    auto line = [&](const QString &name, const Billing::Comparison &c) {
        out() << QStringLiteral("%1 %2 %3 %4 %5\n")
                     .arg(name, -16)
                     .arg(dollars(c.billed), 16)
                     .arg(dollars(c.metered), 16)
                     .arg(dollars(c.delta()), 16)
                     .arg(coverage(c), 9);
    };
    for (const Billing::ProviderReconciliation &p : result->providers) {
        line(p.provider, p.month);
        for (const auto &[day, c] : p.days) {
            if (c.billed != 0 || c.metered != 0)
                line(QStringLiteral("  ") + isoDate(day), c);
        }
        if (p.month.unpricedRequests > 0)
            out() << "  " << grouped(p.month.unpricedRequests) << " metered requests have no price (not in metered)\n";
        for (const auto &[project, amount] : p.unmatched)
            out() << "  unmatched: " << (project.isEmpty() ? QStringLiteral("(none)") : project) << "  $"
                  << usdText(amount) << '\n';
    }
    if (result->providers.isEmpty())
        out() << "Nothing billed or metered in this month.\n";
    out().flush();
    return Ok;
}

// ---------------------------------------------------------------- report

const char *const kReportHelp =
    "Usage: costgovctl [--db PATH] report [OPTIONS]\n"
    "\n"
    "Spend, requests and tokens, grouped and filtered. Figures come from rollups kept at import.\n"
    "\n"
    "Options:\n"
    "  --from YYYY-MM-DD     first day (UTC), inclusive; default: the beginning\n"
    "  --to YYYY-MM-DD       last day (UTC), inclusive; default: the end\n"
    "  --by DIM[,DIM...]     group by up to three of: day, week, month, provider, model, team,\n"
    "                        feature, user, environment, project, source\n"
    "  --where DIM=VALUE     keep only this value; repeat for more (same DIM: any of the values)\n"
    "  --format F            table (default), csv, json\n"
    "  --ledger L            metered (default: the imported requests) or billed (what the providers\n"
    "                        billed, costgovctl sync; team, feature, user, environment and source\n"
    "                        are 'unallocated' there, only cost is set)\n"
    "\n"
    "cost sums priced requests; unpriced_requests counts those without a price (not $0).\n"
    "cache_hit_rate is the share of prompt tokens read from the provider's prompt cache.\n";

int reportCommand(const QStringList &args, const QString &dbPath)
{
    QCommandLineParser parser;
    parser.addOption(QCommandLineOption(QStringLiteral("from"), QString(), QStringLiteral("DATE")));
    parser.addOption(QCommandLineOption(QStringLiteral("to"), QString(), QStringLiteral("DATE")));
    parser.addOption(QCommandLineOption(QStringLiteral("by"), QString(), QStringLiteral("DIMS")));
    parser.addOption(QCommandLineOption(QStringLiteral("where"), QString(), QStringLiteral("DIM=VALUE")));
    parser.addOption(QCommandLineOption(QStringLiteral("format"), QString(), QStringLiteral("F")));
    parser.addOption(QCommandLineOption(QStringLiteral("ledger"), QString(), QStringLiteral("L")));
    if (const auto exit = parseOptions(parser, args, "report", kReportHelp))
        return *exit;
    if (!parser.positionalArguments().isEmpty())
        return usage(QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()),
                     QStringLiteral("report"));
    int exitCode = Ok;
    const auto format = formatOption(parser, {QStringLiteral("table"), QStringLiteral("csv"), QStringLiteral("json")},
                                     "report", exitCode);
    if (!format)
        return exitCode;
    const QString which =
        parser.isSet(QStringLiteral("ledger")) ? parser.value(QStringLiteral("ledger")) : QStringLiteral("metered");
    if (which != QLatin1String("metered") && which != QLatin1String("billed"))
        return usage(QStringLiteral("--ledger must be metered or billed"), QStringLiteral("report"));

    Storage::SpendQuery query;
    for (const char *name : {"from", "to"}) {
        if (!parser.isSet(QLatin1String(name)))
            continue;
        const QString text = parser.value(QLatin1String(name));
        const auto day = parseDate(text.toStdString());
        if (!day)
            return usage(QStringLiteral("--%1 must be a date like 2026-07-31, not '%2'").arg(QLatin1String(name), text),
                         QStringLiteral("report"));
        (qstrcmp(name, "from") == 0 ? query.fromDay : query.toDay) = *day;
    }
    if (query.fromDay && query.toDay && *query.fromDay > *query.toDay)
        return usage(QStringLiteral("--from is after --to"), QStringLiteral("report"));
    for (const QString &list : parser.values(QStringLiteral("by"))) {
        for (const QString &name : list.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            const auto dimension = Storage::dimensionFromName(name.trimmed());
            if (!dimension)
                return usage(QStringLiteral("unknown dimension '%1' (one of: %2)")
                                 .arg(name, Storage::dimensionNames().join(QStringLiteral(", "))),
                             QStringLiteral("report"));
            if (query.groupBy.contains(*dimension))
                return usage(QStringLiteral("dimension '%1' given twice").arg(name), QStringLiteral("report"));
            query.groupBy.append(*dimension);
        }
    }
    if (query.groupBy.size() > 3)
        return usage(QStringLiteral("group by at most three dimensions"), QStringLiteral("report"));
    for (const QString &condition : parser.values(QStringLiteral("where"))) {
        const qsizetype eq = condition.indexOf(QLatin1Char('='));
        const auto dimension = Storage::dimensionFromName(condition.left(eq).trimmed());
        if (eq < 0 || !dimension)
            return usage(QStringLiteral("--where needs DIM=VALUE with DIM one of: %1, not '%2'")
                             .arg(Storage::dimensionNames().join(QStringLiteral(", ")), condition),
                         QStringLiteral("report"));
        const QString value = condition.mid(eq + 1);
        auto existing = std::find_if(query.filters.begin(), query.filters.end(),
                                     [&](const Storage::SpendFilter &f) { return f.dimension == *dimension; });
        if (existing != query.filters.end())
            existing->values.append(value);
        else
            query.filters.append({*dimension, {value}});
    }

    auto ledger = openLedger(parser, dbPath, exitCode);
    if (!ledger)
        return exitCode;
    const auto report = which == QLatin1String("billed") ? Billing::runBilledQuery(*ledger, query)
                                                         : Storage::runSpendQuery(*ledger, query);
    if (!report.ok())
        return fromError(report.error());
    if (*format == QLatin1String("json"))
        out() << Storage::spendReportJson(*report);
    else if (*format == QLatin1String("csv"))
        out() << Storage::spendReportCsv(*report);
    else
        out() << Storage::spendReportTable(*report);
    out().flush();
    return Ok;
}

// ---------------------------------------------------------------- quarantine

const char *const kQuarantineHelp =
    "Usage: costgovctl [--db PATH] quarantine [OPTIONS]\n"
    "\n"
    "Lines that could not be imported, newest first: file, line, reason and the line itself.\n"
    "\n"
    "Options:\n"
    "  --format F    table (default) or json (json has the whole line)\n"
    "  --limit N     at most N lines (default: all)\n";

int quarantineCommand(const QStringList &args, const QString &dbPath)
{
    QCommandLineParser parser;
    parser.addOption(QCommandLineOption(QStringLiteral("format"), QString(), QStringLiteral("F")));
    parser.addOption(QCommandLineOption(QStringLiteral("limit"), QString(), QStringLiteral("N")));
    if (const auto exit = parseOptions(parser, args, "quarantine", kQuarantineHelp))
        return *exit;
    int exitCode = Ok;
    const auto format = formatOption(parser, {QStringLiteral("table"), QStringLiteral("json")}, "quarantine", exitCode);
    if (!format)
        return exitCode;
    int limit = 0;
    if (parser.isSet(QStringLiteral("limit"))) {
        bool ok = false;
        limit = parser.value(QStringLiteral("limit")).toInt(&ok);
        if (!ok || limit < 1)
            return usage(QStringLiteral("--limit must be a positive number"), QStringLiteral("quarantine"));
    }
    auto ledger = openLedger(parser, dbPath, exitCode);
    if (!ledger)
        return exitCode;
    const auto lines = Storage::listQuarantine(*ledger, limit);
    if (!lines.ok())
        return fromError(lines.error());
    if (*format == QLatin1String("json")) {
        JsonWriter w;
        w.beginObject().key(QStringLiteral("lines")).beginArray();
        for (const Storage::QuarantinedLine &l : *lines) {
            w.beginObject();
            w.key(QStringLiteral("file")).value(l.path);
            w.key(QStringLiteral("line")).value(l.line);
            w.key(QStringLiteral("reason")).value(l.reason);
            w.key(QStringLiteral("raw")).value(QString::fromUtf8(l.raw));
            w.key(QStringLiteral("import_id")).value(l.importId);
            w.key(QStringLiteral("quarantined_at")).value(isoTimestamp(l.createdMs));
            w.endObject();
        }
        w.endArray().endObject();
        out() << w.data() << '\n';
    } else if (lines->isEmpty()) {
        out() << "No quarantined lines.\n";
    } else {
        for (const Storage::QuarantinedLine &l : *lines) {
            QString raw = QString::fromUtf8(l.raw).simplified();
            if (raw.size() > 100)
                raw = raw.left(97) + QStringLiteral("...");
            out() << l.path << ':' << l.line << ": " << l.reason << "\n    " << raw << '\n';
        }
    }
    out().flush();
    return Ok;
}

// ---------------------------------------------------------------- imports

const char *const kImportsHelp = "Usage: costgovctl [--db PATH] imports [OPTIONS]\n"
                                 "\n"
                                 "Import history, newest first.\n"
                                 "\n"
                                 "Options:\n"
                                 "  --format F    table (default) or json\n"
                                 "  --limit N     at most N runs (default 20)\n";

int importsCommand(const QStringList &args, const QString &dbPath)
{
    QCommandLineParser parser;
    parser.addOption(QCommandLineOption(QStringLiteral("format"), QString(), QStringLiteral("F")));
    parser.addOption(QCommandLineOption(QStringLiteral("limit"), QString(), QStringLiteral("N")));
    if (const auto exit = parseOptions(parser, args, "imports", kImportsHelp))
        return *exit;
    int exitCode = Ok;
    const auto format = formatOption(parser, {QStringLiteral("table"), QStringLiteral("json")}, "imports", exitCode);
    if (!format)
        return exitCode;
    int limit = 20;
    if (parser.isSet(QStringLiteral("limit"))) {
        bool ok = false;
        limit = parser.value(QStringLiteral("limit")).toInt(&ok);
        if (!ok || limit < 1)
            return usage(QStringLiteral("--limit must be a positive number"), QStringLiteral("imports"));
    }
    auto ledger = openLedger(parser, dbPath, exitCode);
    if (!ledger)
        return exitCode;
    const auto runs = Storage::listImports(*ledger, limit);
    if (!runs.ok())
        return fromError(runs.error());
    if (*format == QLatin1String("json")) {
        JsonWriter w;
        w.beginObject().key(QStringLiteral("imports")).beginArray();
        for (const Storage::ImportRun &r : *runs) {
            w.beginObject();
            w.key(QStringLiteral("id")).value(r.id);
            w.key(QStringLiteral("started")).value(isoTimestamp(r.startedMs));
            w.key(QStringLiteral("finished"));
            if (r.finishedMs > 0)
                w.value(isoTimestamp(r.finishedMs));
            else
                w.null();
            w.key(QStringLiteral("status")).value(r.status);
            w.key(QStringLiteral("source")).value(r.source);
            w.key(QStringLiteral("paths")).beginArray();
            for (const QString &p : r.paths)
                w.value(p);
            w.endArray();
            w.key(QStringLiteral("files")).value(r.counters.files);
            writeCounters(w, r.counters);
            w.key(QStringLiteral("message")).value(r.message);
            w.endObject();
        }
        w.endArray().endObject();
        out() << w.data() << '\n';
    } else if (runs->isEmpty()) {
        out() << "Nothing imported yet.\n";
    } else {
        for (const Storage::ImportRun &r : *runs) {
            out() << '#' << r.id << "  " << isoTimestamp(r.startedMs) << "  " << r.status.leftJustified(11)
                  << "  files " << r.counters.files << "  lines " << grouped(r.counters.lines) << "  imported "
                  << grouped(r.counters.imported) << "  duplicates " << grouped(r.counters.duplicates)
                  << "  quarantined " << grouped(r.counters.quarantined) << "\n      "
                  << r.paths.join(QStringLiteral(", ")) << '\n';
            if (!r.message.isEmpty())
                out() << "      " << r.message << '\n';
        }
    }
    out().flush();
    return Ok;
}

const QVector<Command> &commands()
{
    static const QVector<Command> all{
        {"import", "import request logs (files or folders)", kImportHelp, importCommand},
        {"report", "spend by day, team, feature, model, ...", kReportHelp, reportCommand},
        {"quarantine", "lines that could not be imported", kQuarantineHelp, quarantineCommand},
        {"prices", "the price catalog: list, import, set, unpriced models", kPricesHelp, pricesCommand},
        {"reprice", "re-rate history after a price change", kRepriceHelp, repriceCommand},
        {"imports", "import history", kImportsHelp, importsCommand},
        {"demo", "load realistic demo data (90 days of an organisation)", kDemoHelp, demoCommand},
        {"sync", "fetch billed costs from OpenAI and Anthropic admin APIs", kSyncHelp, syncCommand},
        {"reconcile", "billed against metered cost, per provider and day", kReconcileHelp, reconcileCommand},
        {"alerts", "alert rules: evaluate, history, backtest", kAlertsHelp, alertsCommand},
        {"budgets", "budgets by calendar window, with thresholds and a forecast", kBudgetsHelp, budgetsCommand},
        {"chargeback", "a month's chargeback statement: CSV, FinOps FOCUS, JSON", kChargebackHelp, chargebackCommand},
        {"period", "close and re-open chargeback months", kPeriodHelp, periodCommand},
        {"attribution", "rules that give billed cost and requests a team and feature", kAttributionHelp,
         attributionCommand},
        {"policy", "routing and caching policies: validate, backtest, export, push to agents", kPolicyHelp,
         policyCommand},
    };
    return all;
}

void printGlobalHelp()
{
    out() << QString::fromLatin1(kGlobalHelp).arg(Storage::Ledger::defaultPath());
    for (const Command &c : commands())
        out() << "  " << QString::fromLatin1(c.name).leftJustified(12) << "  " << c.summary << '\n';
    out().flush();
}

} // namespace

int run(const QStringList &arguments)
{
    QString dbPath = Storage::Ledger::defaultPath();
    qsizetype i = 0;
    for (; i < arguments.size(); ++i) {
        const QString &a = arguments[i];
        if (a == QLatin1String("--db")) {
            if (i + 1 >= arguments.size())
                return usage(QStringLiteral("--db needs a path"));
            dbPath = arguments[++i];
        } else if (a.startsWith(QLatin1String("--db="))) {
            dbPath = a.mid(5);
        } else if (a == QLatin1String("-h") || a == QLatin1String("--help") || a == QLatin1String("help")) {
            printGlobalHelp();
            return Ok;
        } else if (a == QLatin1String("--version")) {
            out() << "costgovctl " << COSTGOV_VERSION << '\n';
            out().flush();
            return Ok;
        } else if (a.startsWith(QLatin1Char('-'))) {
            return usage(QStringLiteral("unknown option '%1'").arg(a));
        } else {
            break;
        }
    }
    if (i >= arguments.size())
        return usage(QStringLiteral("no command given"));
    if (dbPath.isEmpty())
        return usage(QStringLiteral("--db needs a path"));
    const QString name = arguments[i];
    for (const Command &c : commands()) {
        if (name == QLatin1String(c.name))
            return c.handler(arguments.mid(i + 1), dbPath);
    }
    return usage(QStringLiteral("unknown command '%1'").arg(name));
}

} // namespace CostGov::Cli

// costgovctl alerts and budgets.

#include "clisupport.h"

#include "alerts/alerts.h"
#include "alerts/notifier.h"
#include "common/clock.h"
#include "common/jsonwriter.h"
#include "common/money.h"
#include "common/timeutil.h"

namespace CostGov::Cli {

const char *const kBudgetsHelp =
    "Usage: costgovctl [--db PATH] budgets list [--format table|json]\n"
    "       costgovctl [--db PATH] budgets add --name NAME --amount USD [--window day|week|month|quarter]\n"
    "                  [--tz ZONE] [--scope DIM=V1,V2]... [--each DIM] [--thresholds 50,80,100] [--hard]\n"
    "                  [--renotify-minutes M] [--min-requests N]\n"
    "       costgovctl [--db PATH] budgets remove ID\n"
    "       costgovctl [--db PATH] budgets status [--now ISO8601] [--format table|json]\n"
    "\n"
    "Budgets: what a scope (everything, or --scope team=search, model=gpt-4o, ...) may spend in a\n"
    "calendar window (default month; weeks start on Monday) in a time zone (--tz, IANA, default UTC).\n"
    "--each team makes one budget per team. Crossing a threshold (percent of the amount) warns once per\n"
    "window; 100 % is an ALERT; a run rate that will cross the amount before the window ends warns too.\n"
    "--hard marks a budget agents will enforce. status shows each budget's spend, pace and reset.\n";

const char *const kAlertsHelp =
    "Usage: costgovctl [--db PATH] alerts list [--format table|json]\n"
    "       costgovctl [--db PATH] alerts add --kind KIND --name NAME [--percent X] [--hours N]\n"
    "                  [--scope DIM=V1,V2]... [--each DIM] [--amount USD] [--tz ZONE]\n"
    "                  [--min-requests N] [--renotify-minutes M]\n"
    "       costgovctl [--db PATH] alerts remove ID\n"
    "       costgovctl [--db PATH] alerts evaluate [--now ISO8601] [--notify [--webhook URL]]\n"
    "                  [--format table|json]\n"
    "       costgovctl [--db PATH] alerts history [--limit N] [--format table|json]\n"
    "       costgovctl [--db PATH] alerts backtest ID [--days 90] [--now ISO8601] [--format table|json]\n"
    "       costgovctl [--db PATH] alerts ack ID [--group G]\n"
    "       costgovctl [--db PATH] alerts snooze ID --until ISO8601 [--group G]\n"
    "       costgovctl [--db PATH] alerts pause ID --until ISO8601\n"
    "       costgovctl [--db PATH] alerts resume ID\n"
    "\n"
    "Kinds (defaults in brackets), judged on the last complete day in the rule's time zone:\n"
    "  spike             the day's spend above X % of the 7-day average [150]\n"
    "  cost-per-request  the last 7 days' cost per request up more than X % on the 7 before [50]\n"
    "  cache-hit-rate    the day's cache hit rate more than X points under its 28-day baseline [10]\n"
    "  concentration     one user (--each feature: feature) above X % of the day's spend, or of\n"
    "                    --amount as the daily budget [20]\n"
    "  no-data           a source or a billing sync silent for N hours [--hours 24]\n"
    "  unpriced          requests in the last 24 h for models without a price\n"
    "  budget            see costgovctl budgets --help\n"
    "Fewer requests than --min-requests [10] in what is judged gives NO_DATA, not an alert.\n"
    "evaluate moves each rule's state (OK, WARNING, ALERT, NO_DATA, PAUSED), records the transitions in\n"
    "the history and lists what would be notified: a worse state, a new budget threshold, or an ALERT\n"
    "not acknowledged after --renotify-minutes. With --notify it also delivers them to a webhook\n"
    "(--webhook URL, else COSTGOV_ALERTS_WEBHOOK; a JSON POST with a Slack-compatible \"text\", tried 3\n"
    "times) and exits 2 when one could not be delivered: for cron. backtest says how often a rule\n"
    "would have notified.\n"
    "snooze silences one alert (rule and group); pause silences a whole rule (PAUSED) until a time.\n";

namespace {

QCommandLineParser &ruleOptions(QCommandLineParser &parser)
{
    for (const char *name :
         {"name", "kind", "amount", "window", "tz", "scope", "each", "thresholds", "percent", "hours", "min-requests",
          "renotify-minutes", "now", "format", "days", "group", "until", "limit", "webhook"})
        parser.addOption(QCommandLineOption(QLatin1String(name), QString(), QStringLiteral("VALUE")));
    parser.addOption(QCommandLineOption(QStringLiteral("hard")));
    parser.addOption(QCommandLineOption(QStringLiteral("notify")));
    return parser;
}

// The rule the options describe, or a usage message.
Result<Alerts::Rule> ruleFromOptions(const QCommandLineParser &p, Alerts::Kind kind)
{
    Alerts::Rule r = Alerts::Rule::withDefaults(kind);
    auto bad = [](const QString &message) { return makeError(ErrorCode::Usage, message); };
    r.name = p.value(QStringLiteral("name"));
    if (p.isSet(QStringLiteral("amount"))) {
        const auto amount = parseUsd(p.value(QStringLiteral("amount")).toStdString());
        if (!amount)
            return bad(QStringLiteral("--amount is dollars, such as 500 or 12.50"));
        r.amount = *amount;
    }
    if (p.isSet(QStringLiteral("window"))) {
        const auto window = Alerts::windowFromName(p.value(QStringLiteral("window")));
        if (!window)
            return bad(QStringLiteral("--window is day, week, month or quarter"));
        r.window = *window;
    }
    if (p.isSet(QStringLiteral("tz")))
        r.timeZone = p.value(QStringLiteral("tz"));
    for (const QString &scope : p.values(QStringLiteral("scope"))) {
        const auto dimension = Storage::dimensionFromName(scope.section(u'=', 0, 0));
        const QStringList values = scope.section(u'=', 1).split(u',', Qt::SkipEmptyParts);
        if (!scope.contains(u'=') || !dimension || values.isEmpty())
            return bad(
                QStringLiteral("--scope is DIMENSION=VALUE[,VALUE...], such as team=search, not \"%1\"").arg(scope));
        r.filters.append({*dimension, values});
    }
    if (p.isSet(QStringLiteral("each"))) {
        r.groupBy = Storage::dimensionFromName(p.value(QStringLiteral("each")));
        if (!r.groupBy)
            return bad(QStringLiteral("--each names a dimension: %1").arg(Storage::dimensionNames().join(u' ')));
    }
    if (p.isSet(QStringLiteral("thresholds"))) {
        r.thresholds.clear();
        for (const QString &t : p.value(QStringLiteral("thresholds")).split(u',')) {
            bool ok = false;
            r.thresholds.append(t.toInt(&ok));
            if (!ok)
                return bad(QStringLiteral("--thresholds are percentages, such as 50,80,100"));
        }
    }
    r.hard = p.isSet(QStringLiteral("hard"));
    const std::pair<const char *, std::function<void(double)>> numbers[] = {
        {"percent", [&r](double v) { r.percent = v; }},
        {"hours", [&r](double v) { r.hours = int(v); }},
        {"min-requests", [&r](double v) { r.minRequests = qint64(v); }},
        {"renotify-minutes", [&r](double v) { r.renotifyMinutes = int(v); }},
    };
    for (const auto &[name, set] : numbers) {
        if (!p.isSet(QLatin1String(name)))
            continue;
        bool ok = false;
        const double v = p.value(QLatin1String(name)).toDouble(&ok);
        if (!ok)
            return bad(QStringLiteral("--%1 must be a number").arg(QLatin1String(name)));
        set(v);
    }
    if (const QString problem = r.problem(); !problem.isEmpty())
        return bad(problem);
    return r;
}

std::optional<qint64> nowOption(const QCommandLineParser &p, const char *command, int &exitCode)
{
    if (!p.isSet(QStringLiteral("now")))
        return Clock::system().nowMs();
    const auto now = parseTimestampMs(p.value(QStringLiteral("now")).toStdString());
    if (!now)
        exitCode =
            usage(QStringLiteral("--now is an ISO 8601 instant, such as 2026-11-30T18:00:00Z"), QLatin1String(command));
    return now;
}

// What most actions need: the format, the instant and the ledger; nullopt: exitCode says why not.
struct Context {
    QString format;
    qint64 now = 0;
    std::unique_ptr<Storage::Ledger> ledger;
};

std::optional<Context> context(const QCommandLineParser &p, const char *command, const QString &dbPath, int &exitCode)
{
    const auto format = formatOption(p, {QStringLiteral("table"), QStringLiteral("json")}, command, exitCode);
    const auto now = format ? nowOption(p, command, exitCode) : std::nullopt;
    if (!now)
        return std::nullopt;
    auto ledger = openLedger(p, dbPath, exitCode);
    if (!ledger)
        return std::nullopt;
    return Context{*format, *now, std::move(ledger)};
}

void writeRule(JsonWriter &w, const Alerts::Rule &r)
{
    w.key(QStringLiteral("id")).value(r.id).key(QStringLiteral("name")).value(r.name);
    w.key(QStringLiteral("kind")).value(Alerts::kindName(r.kind));
    w.key(QStringLiteral("description")).value(r.describe());
}

void writeFinding(JsonWriter &w, const Alerts::Finding &f)
{
    w.beginObject().key(QStringLiteral("group")).value(f.group);
    w.key(QStringLiteral("state")).value(Alerts::stateName(f.state));
    w.key(QStringLiteral("message")).value(f.message);
    w.key(QStringLiteral("figures")).raw(f.figuresJson.isEmpty() ? QByteArray("{}") : f.figuresJson.toUtf8());
    w.endObject();
}

// list, add, remove: the same for budgets and alerts (budgets see only budget rules).
int manageRules(const QCommandLineParser &parser, const QString &action, const QStringList &words, bool budgets,
                const QString &dbPath)
{
    const char *command = budgets ? "budgets" : "alerts";
    int exitCode = Ok;
    const auto format = formatOption(parser, {QStringLiteral("table"), QStringLiteral("json")}, command, exitCode);
    if (!format)
        return exitCode;
    Alerts::Rule added;
    if (action == QLatin1String("add")) {
        std::optional<Alerts::Kind> kind = Alerts::Kind::Budget;
        if (!budgets) {
            kind = Alerts::kindFromName(parser.value(QStringLiteral("kind")));
            if (!kind)
                return usage(QStringLiteral("--kind is one of: spike, cost-per-request, cache-hit-rate, concentration, "
                                            "no-data, unpriced, budget"),
                             QLatin1String(command));
        }
        const auto r = ruleFromOptions(parser, *kind);
        if (!r.ok())
            return usage(r.error().message, QLatin1String(command));
        added = *r;
    }
    bool ok = true;
    const qint64 id = action == QLatin1String("remove") ? words.value(1).toLongLong(&ok) : 0;
    if (!ok)
        return usage(QStringLiteral("ID must be a number (see %1 list)").arg(QLatin1String(command)),
                     QLatin1String(command));
    auto ledger = openLedger(parser, dbPath, exitCode);
    if (!ledger)
        return exitCode;
    if (action == QLatin1String("add")) {
        const auto newId = Alerts::addRule(*ledger, added);
        if (!newId.ok())
            return fromError(newId.error());
        out() << "Added " << (budgets ? "budget " : "rule ") << *newId << ": " << added.describe() << '\n';
        out().flush();
        return Ok;
    }
    if (action == QLatin1String("remove")) {
        const auto removed = Alerts::removeRule(*ledger, id);
        if (!removed.ok())
            return fromError(removed.error());
        if (!*removed)
            return dataError(QStringLiteral("there is no rule %1 (see %2 list)").arg(id).arg(QLatin1String(command)));
        out() << "Removed " << id << ".\n";
        out().flush();
        return Ok;
    }
    const auto rules = Alerts::listRules(*ledger);
    if (!rules.ok())
        return fromError(rules.error());
    JsonWriter w;
    w.beginObject().key(QLatin1String(command)).beginArray();
    for (const Alerts::Rule &r : *rules) {
        if (budgets && r.kind != Alerts::Kind::Budget)
            continue;
        if (*format == QLatin1String("json")) {
            w.beginObject();
            writeRule(w, r);
            w.endObject();
        } else {
            out() << r.id << "  " << r.name << "  [" << Alerts::kindName(r.kind) << "]  " << r.describe() << '\n';
        }
    }
    w.endArray().endObject();
    if (*format == QLatin1String("json"))
        out() << w.data() << '\n';
    else if (rules->isEmpty())
        out() << "No " << command << " yet (" << command << " add --help).\n";
    out().flush();
    return Ok;
}

int budgetStatus(const QCommandLineParser &parser, const QString &dbPath)
{
    int exitCode = Ok;
    auto c = context(parser, "budgets", dbPath, exitCode);
    if (!c)
        return exitCode;
    const auto rules = Alerts::listRules(*c->ledger);
    if (!rules.ok())
        return fromError(rules.error());
    JsonWriter w;
    w.beginObject().key(QStringLiteral("now")).value(isoTimestamp(c->now)).key(QStringLiteral("budgets")).beginArray();
    for (const Alerts::Rule &r : *rules) {
        if (r.kind != Alerts::Kind::Budget)
            continue;
        const auto findings = Alerts::assess(*c->ledger, r, c->now);
        if (!findings.ok())
            return fromError(findings.error());
        for (const Alerts::Finding &f : *findings) {
            if (c->format == QLatin1String("json")) {
                w.beginObject();
                writeRule(w, r);
                w.key(QStringLiteral("group")).value(f.group);
                w.key(QStringLiteral("state")).value(Alerts::stateName(f.state));
                w.key(QStringLiteral("message")).value(f.message);
                w.key(QStringLiteral("figures")).raw(f.figuresJson.toUtf8());
                w.endObject();
            } else {
                out() << Alerts::stateName(f.state).leftJustified(8) << ' ' << f.message << '\n';
            }
        }
    }
    w.endArray().endObject();
    if (c->format == QLatin1String("json"))
        out() << w.data() << '\n';
    out().flush();
    return Ok;
}

int evaluateAlerts(const QCommandLineParser &parser, const QString &dbPath)
{
    int exitCode = Ok;
    auto c = context(parser, "alerts", dbPath, exitCode);
    if (!c)
        return exitCode;
    const bool notify = parser.isSet(QStringLiteral("notify"));
    const QString webhook = parser.isSet(QStringLiteral("webhook")) ? parser.value(QStringLiteral("webhook"))
                                                                    : qEnvironmentVariable("COSTGOV_ALERTS_WEBHOOK");
    const QUrl webhookUrl(webhook);
    if (notify
        && (!webhookUrl.isValid()
            || (webhookUrl.scheme() != QLatin1String("https") && webhookUrl.scheme() != QLatin1String("http"))))
        return usage(QStringLiteral("--notify needs an http(s) --webhook URL or COSTGOV_ALERTS_WEBHOOK"),
                     QStringLiteral("alerts"));
    const auto rules = Alerts::listRules(*c->ledger);
    const auto evaluation =
        rules.ok() ? Alerts::evaluate(*c->ledger, c->now) : Result<Alerts::Evaluation>(rules.error());
    if (!evaluation.ok())
        return fromError(evaluation.error());
    Alerts::WebhookNotifier notifier(webhookUrl, c->now);
    if (notify)
        for (const Alerts::Notification &n : evaluation->notifications)
            notifier.notify(n);
    const auto delivered = [&](qsizetype i) -> const Alerts::WebhookDelivery * {
        return notify ? &notifier.deliveries().at(i) : nullptr;
    };
    if (c->format == QLatin1String("json")) {
        JsonWriter w;
        w.beginObject()
            .key(QStringLiteral("now"))
            .value(isoTimestamp(c->now))
            .key(QStringLiteral("rules"))
            .beginArray();
        for (const Alerts::Rule &r : *rules) {
            w.beginObject();
            writeRule(w, r);
            w.key(QStringLiteral("groups")).beginArray();
            for (const Alerts::Finding &f : evaluation->findings)
                if (f.ruleId == r.id)
                    writeFinding(w, f);
            w.endArray().endObject();
        }
        w.endArray().key(QStringLiteral("notifications")).beginArray();
        for (qsizetype i = 0; i < evaluation->notifications.size(); ++i) {
            const Alerts::Notification &n = evaluation->notifications.at(i);
            w.beginObject().key(QStringLiteral("rule")).value(n.rule.id).key(QStringLiteral("previous"));
            w.value(Alerts::stateName(n.previous)).key(QStringLiteral("repeat")).value(n.repeat);
            if (const Alerts::WebhookDelivery *d = delivered(i)) {
                w.key(QStringLiteral("delivered")).value(d->delivered);
                w.key(QStringLiteral("attempts")).value(d->attempts);
            }
            w.key(QStringLiteral("finding"));
            writeFinding(w, n.finding);
            w.endObject();
        }
        w.endArray().endObject();
        out() << w.data() << '\n';
    } else {
        for (const Alerts::Finding &f : evaluation->findings)
            out() << Alerts::stateName(f.state).leftJustified(8) << ' ' << f.message << '\n';
        for (qsizetype i = 0; i < evaluation->notifications.size(); ++i) {
            const Alerts::Notification &n = evaluation->notifications.at(i);
            out() << "notify: " << n.finding.message << (n.repeat ? " (again)" : "");
            if (const Alerts::WebhookDelivery *d = delivered(i))
                out() << (d->delivered ? QStringLiteral(" [webhook: delivered, attempt %1]").arg(d->attempts)
                                       : QStringLiteral(" [webhook: not delivered, %1 after %2 attempts]")
                                             .arg(d->failure)
                                             .arg(d->attempts));
            out() << '\n';
        }
        if (rules->isEmpty())
            out() << "No alert rules (alerts add --help, budgets add --help).\n";
    }
    out().flush();
    const bool undelivered = std::any_of(notifier.deliveries().begin(), notifier.deliveries().end(),
                                         [](const Alerts::WebhookDelivery &d) { return !d.delivered; });
    return undelivered ? DataError : Ok;
}

} // namespace

int budgetsCommand(const QStringList &args, const QString &dbPath)
{
    QCommandLineParser parser;
    if (const auto exit = parseOptions(ruleOptions(parser), args, "budgets", kBudgetsHelp))
        return *exit;
    const QStringList words = parser.positionalArguments();
    const QString action = words.value(0);
    if (action == QLatin1String("status") && words.size() == 1)
        return budgetStatus(parser, dbPath);
    const bool known =
        action == QLatin1String("list") || action == QLatin1String("add") || action == QLatin1String("remove");
    if (!known || words.size() != (action == QLatin1String("remove") ? 2 : 1))
        return usage(QStringLiteral("say list, add, remove ID or status"), QStringLiteral("budgets"));
    return manageRules(parser, action, words, true, dbPath);
}

int alertsCommand(const QStringList &args, const QString &dbPath)
{
    QCommandLineParser parser;
    if (const auto exit = parseOptions(ruleOptions(parser), args, "alerts", kAlertsHelp))
        return *exit;
    const QStringList words = parser.positionalArguments();
    const QString action = words.value(0);
    const QStringList withId{QStringLiteral("remove"), QStringLiteral("backtest"), QStringLiteral("ack"),
                             QStringLiteral("snooze"), QStringLiteral("pause"),    QStringLiteral("resume")};
    const QStringList plain{QStringLiteral("list"), QStringLiteral("add"), QStringLiteral("evaluate"),
                            QStringLiteral("history")};
    if (!(plain.contains(action) && words.size() == 1) && !(withId.contains(action) && words.size() == 2))
        return usage(QStringLiteral("say list, add, remove ID, evaluate, history, backtest ID, ack ID, snooze ID, "
                                    "pause ID or resume ID"),
                     QStringLiteral("alerts"));
    if (action == QLatin1String("evaluate"))
        return evaluateAlerts(parser, dbPath);
    if (action == QLatin1String("list") || action == QLatin1String("add") || action == QLatin1String("remove"))
        return manageRules(parser, action, words, false, dbPath);

    bool ok = true;
    const qint64 id = words.size() > 1 ? words[1].toLongLong(&ok) : 0;
    if (!ok)
        return usage(QStringLiteral("ID must be a number (see alerts list)"), QStringLiteral("alerts"));
    int exitCode = Ok;
    auto c = context(parser, "alerts", dbPath, exitCode);
    if (!c)
        return exitCode;
    const QString group = parser.value(QStringLiteral("group"));

    if (action == QLatin1String("history")) {
        const int limit = parser.isSet(QStringLiteral("limit")) ? parser.value(QStringLiteral("limit")).toInt() : 50;
        const auto entries = Alerts::history(*c->ledger, std::max(1, limit));
        if (!entries.ok())
            return fromError(entries.error());
        JsonWriter w;
        w.beginObject().key(QStringLiteral("history")).beginArray();
        for (const Alerts::HistoryEntry &e : *entries) {
            if (c->format == QLatin1String("json")) {
                w.beginObject().key(QStringLiteral("at")).value(isoTimestamp(e.atMs));
                w.key(QStringLiteral("rule")).value(e.ruleId).key(QStringLiteral("name")).value(e.ruleName);
                w.key(QStringLiteral("group")).value(e.group);
                w.key(QStringLiteral("from")).value(Alerts::stateName(e.from));
                w.key(QStringLiteral("to")).value(Alerts::stateName(e.to));
                w.key(QStringLiteral("notified")).value(e.notified).key(QStringLiteral("message")).value(e.message);
                w.key(QStringLiteral("figures")).raw(e.figuresJson.toUtf8()).endObject();
            } else {
                out() << isoTimestamp(e.atMs) << "  " << e.ruleName << "  " << Alerts::stateName(e.from) << " -> "
                      << Alerts::stateName(e.to) << (e.notified ? "  (notified)" : "") << "\n    " << e.message << '\n';
            }
        }
        w.endArray().endObject();
        if (c->format == QLatin1String("json"))
            out() << w.data() << '\n';
        else if (entries->isEmpty())
            out() << "No alert history yet (alerts evaluate).\n";
    } else if (action == QLatin1String("backtest")) {
        const auto r = Alerts::rule(*c->ledger, id);
        if (!r.ok())
            return fromError(r.error());
        const int days = parser.isSet(QStringLiteral("days")) ? parser.value(QStringLiteral("days")).toInt() : 90;
        if (days < 1 || days > 3660)
            return usage(QStringLiteral("--days is between 1 and 3660"), QStringLiteral("alerts"));
        const auto test = Alerts::backtest(*c->ledger, *r, c->now, days);
        if (!test.ok())
            return fromError(test.error());
        if (c->format == QLatin1String("json")) {
            JsonWriter w;
            w.beginObject();
            writeRule(w, *r);
            w.key(QStringLiteral("days")).value(days).key(QStringLiteral("firings")).beginArray();
            for (const auto &[day, message] : test->firings)
                w.beginObject()
                    .key(QStringLiteral("day"))
                    .value(isoDate(day))
                    .key(QStringLiteral("message"))
                    .value(message)
                    .endObject();
            w.endArray().endObject();
            out() << w.data() << '\n';
        } else {
            out() << r->name << " would have notified " << test->firings.size() << " time"
                  << (test->firings.size() == 1 ? "" : "s") << " in the last " << days << " days.\n";
            for (const auto &[day, message] : test->firings)
                out() << "  " << isoDate(day) << "  " << message << '\n';
        }
    } else if (action == QLatin1String("ack")) {
        if (const Status s = Alerts::acknowledge(*c->ledger, id, group); !s.ok())
            return fromError(s.error());
        out() << "Acknowledged: no more reminders until the state changes.\n";
    } else if (action == QLatin1String("resume")) {
        if (const Status s = Alerts::pauseRule(*c->ledger, id, std::nullopt); !s.ok())
            return fromError(s.error());
        out() << "Rule " << id << " resumed.\n";
    } else { // snooze, pause
        const auto until = parseTimestampMs(parser.value(QStringLiteral("until")).toStdString());
        if (!until)
            return usage(QStringLiteral("%1 needs --until ISO8601").arg(action), QStringLiteral("alerts"));
        const Status s = action == QLatin1String("pause") ? Alerts::pauseRule(*c->ledger, id, *until)
                                                          : Alerts::snooze(*c->ledger, id, group, *until);
        if (!s.ok())
            return fromError(s.error());
        out() << (action == QLatin1String("pause") ? "Paused" : "Snoozed") << " until " << isoTimestamp(*until)
              << ".\n";
    }
    out().flush();
    return Ok;
}

} // namespace CostGov::Cli

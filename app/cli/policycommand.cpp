// costgovctl policy.

#include "clisupport.h"

#include "billing/keychain.h"
#include "common/clock.h"
#include "common/jsonwriter.h"
#include "common/money.h"
#include "common/timeutil.h"
#include "policy/backtest.h"
#include "policy/export.h"
#include "policy/store.h"

#include <QFile>
#include <QJsonDocument>
#include <QSaveFile>

namespace CostGov::Cli {

const char *const kPolicyHelp =
    "Usage: costgovctl [--db PATH] policy validate FILE\n"
    "       costgovctl [--db PATH] policy save FILE [--note TEXT]\n"
    "       costgovctl [--db PATH] policy show [--version N]\n"
    "       costgovctl [--db PATH] policy history\n"
    "       costgovctl [--db PATH] policy diff A B\n"
    "       costgovctl [--db PATH] policy backtest [FILE | --version N] [--days N | --from DAY --to DAY]\n"
    "                                               [--format table|json]\n"
    "       costgovctl [--db PATH] policy export --target litellm|portkey [FILE | --version N] [--out FILE]\n"
    "       costgovctl [--db PATH] policy agents [add NAME URL [--token-env VAR] [--ca FILE] | remove NAME]\n"
    "       costgovctl [--db PATH] policy push [--agent NAME]... [--version N] [--no-hard-budgets]\n"
    "       costgovctl [--db PATH] policy status [--format table|json]\n"
    "       costgovctl [--db PATH] policy rollback N [--push]\n"
    "\n"
    "Routing and caching policies (the document's schema is in the README). validate checks a file\n"
    "and names each problem by its field; save keeps it as the next version; show prints a version\n"
    "(the latest by default); diff compares two versions line by line.\n"
    "backtest replays a policy over the ledger's requests (default: the last 30 days): per rule the\n"
    "requests it takes, those it sends to another model, and their cost before and after at catalog\n"
    "prices; for the exact cache the share of repeated prompts (agents log a prompt hash).\n"
    "export compiles the policy for LiteLLM (config.yaml fragment) or Portkey (config JSON) and\n"
    "lists on stderr what does not translate.\n"
    "agents registers costgov-agent management addresses (https, or http to this computer; --ca\n"
    "names the CA certificate of an agent whose certificate a private CA signed). The token comes\n"
    "from COSTGOV_AGENT_TOKEN_<NAME> when set (COSTGOV_AGENT_TOKEN too when only one agent is\n"
    "registered), else the keychain (--token-env VAR stores the token in VAR there). push sends the latest version (or "
    "--version) to every agent (or each --agent), with\n"
    "the hard budgets of the alert rules (alerts add --kind budget --hard) and their spend so far,\n"
    "and reports per agent. status shows each agent's version against the latest and exits 2 when\n"
    "one is unreachable or differs. rollback saves version N again as the next version (--push\n"
    "pushes it).\n";

namespace {

/// A policy from a file, with its problems printed (each prefixed by the file name).
std::optional<Policy::Policy> readPolicyFile(const QString &path, int &exitCode)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        exitCode = dataError(QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
        return std::nullopt;
    }
    const Policy::Parsed parsed = Policy::parse(file.readAll());
    if (!parsed.ok()) {
        for (const Policy::Problem &p : parsed.problems)
            err() << path << ": " << (p.path.isEmpty() ? QString() : p.path + QStringLiteral(": ")) << p.message
                  << '\n';
        err().flush();
        exitCode = DataError;
        return std::nullopt;
    }
    return parsed.policy;
}

/// The policy a command works on: FILE, --version N, or the latest saved one.
std::optional<Policy::Policy> chosenPolicy(const QCommandLineParser &p, const QStringList &words, int fileIndex,
                                           Storage::Ledger &ledger, int &exitCode)
{
    if (words.size() > fileIndex)
        return readPolicyFile(words.at(fileIndex), exitCode);
    std::optional<qint64> version;
    if (p.isSet(QStringLiteral("version")))
        version = p.value(QStringLiteral("version")).toLongLong();
    auto policy = Policy::load(ledger, version);
    if (!policy.ok()) {
        exitCode = fromError(policy.error());
        return std::nullopt;
    }
    return *policy;
}

QString dollars(Nano nano, int decimals)
{
    return QLatin1Char('$') + usdFixed(nano, decimals);
}

QString percentText(qint64 part, qint64 whole)
{
    return whole == 0 ? QStringLiteral("-")
                      : QString::number(100.0 * double(part) / double(whole), 'f', 1) + QLatin1Char('%');
}

int backtestCommand(const QCommandLineParser &p, const QStringList &words, Storage::Ledger &ledger)
{
    int exitCode = Ok;
    const auto format = formatOption(p, {QStringLiteral("table"), QStringLiteral("json")}, "policy", exitCode);
    if (!format)
        return exitCode;
    const auto policy = chosenPolicy(p, words, 1, ledger, exitCode);
    if (!policy)
        return exitCode;
    Policy::BacktestOptions options;
    const qint64 today = utcDay(Clock::system().nowMs());
    if (p.isSet(QStringLiteral("from")) || p.isSet(QStringLiteral("to"))) {
        const auto from = parseDate(p.value(QStringLiteral("from")).toStdString());
        const auto to = parseDate(p.value(QStringLiteral("to")).toStdString());
        if (!from || !to || *from > *to)
            return usage(QStringLiteral("--from and --to are days YYYY-MM-DD, from first"), QStringLiteral("policy"));
        options.fromDay = *from;
        options.toDay = *to;
    } else {
        const int days = p.isSet(QStringLiteral("days")) ? p.value(QStringLiteral("days")).toInt() : 30;
        if (days < 1)
            return usage(QStringLiteral("--days is a number of days"), QStringLiteral("policy"));
        options.toDay = today - 1;
        options.fromDay = today - days;
    }
    const auto result = Policy::backtest(ledger, *policy, options);
    if (!result.ok())
        return fromError(result.error());
    const Policy::Backtest &b = *result;
    if (*format == QLatin1String("json")) {
        JsonWriter w;
        w.beginObject()
            .key(QStringLiteral("from"))
            .value(isoDate(b.fromDay))
            .key(QStringLiteral("to"))
            .value(isoDate(b.toDay));
        w.key(QStringLiteral("policy_version")).value(policy->version);
        w.key(QStringLiteral("requests")).value(b.requests).key(QStringLiteral("unpriced")).value(b.unpriced);
        w.key(QStringLiteral("cost_before_usd")).raw(usdText(b.costBefore).toUtf8());
        w.key(QStringLiteral("cost_after_usd")).raw(usdText(b.costAfter).toUtf8());
        w.key(QStringLiteral("rules")).beginArray();
        for (const Policy::RuleBacktest &r : b.rules) {
            w.beginObject().key(QStringLiteral("rule")).value(r.rule).key(QStringLiteral("matched")).value(r.matched);
            w.key(QStringLiteral("rerouted")).value(r.rerouted).key(QStringLiteral("unknown")).value(r.unknown);
            w.key(QStringLiteral("cost_before_usd")).raw(usdText(r.costBefore).toUtf8());
            w.key(QStringLiteral("cost_after_usd")).raw(usdText(r.costAfter).toUtf8());
            w.key(QStringLiteral("unpriced_after")).value(r.unpricedAfter).endObject();
        }
        w.endArray().key(QStringLiteral("exact_cache")).beginObject();
        w.key(QStringLiteral("requests_with_prompt_hash")).value(b.withPromptHash);
        w.key(QStringLiteral("repeats")).value(b.exactRepeats);
        w.key(QStringLiteral("repeat_cost_usd")).raw(usdText(b.repeatCost).toUtf8());
        w.key(QStringLiteral("already_cached")).value(b.alreadyCached).endObject().endObject();
        out() << w.data() << '\n';
        out().flush();
        return Ok;
    }
    out() << "Backtest of policy" << (policy->version ? QStringLiteral(" version %1").arg(policy->version) : QString())
          << " on " << isoDate(b.fromDay) << " .. " << isoDate(b.toDay) << ": " << grouped(b.requests) << " requests, "
          << dollars(b.costBefore, 2) << '\n';
    if (b.unpriced)
        out() << "  " << grouped(b.unpriced) << " unpriced requests are left out of the sums.\n";
    out() << QStringLiteral("%1 %2 %3 %4 %5 %6 %7\n")
                 .arg(QStringLiteral("RULE"), -24)
                 .arg(QStringLiteral("MATCHED"), 10)
                 .arg(QStringLiteral("REROUTED"), 10)
                 .arg(QStringLiteral("UNKNOWN"), 9)
                 .arg(QStringLiteral("BEFORE"), 12)
                 .arg(QStringLiteral("AFTER"), 12)
                 .arg(QStringLiteral("SAVING"), 12);
    for (const Policy::RuleBacktest &r : b.rules)
        out() << QStringLiteral("%1 %2 %3 %4 %5 %6 %7\n")
                     .arg(r.rule.left(24), -24)
                     .arg(grouped(r.matched), 10)
                     .arg(grouped(r.rerouted), 10)
                     .arg(grouped(r.unknown), 9)
                     .arg(dollars(r.costBefore, 2), 12)
                     .arg(dollars(r.costAfter, 2), 12)
                     .arg(dollars(r.costBefore - r.costAfter, 2), 12);
    out() << "Routing: " << dollars(b.costBefore, 2) << " -> " << dollars(b.costAfter, 2) << " (saves "
          << dollars(b.costBefore - b.costAfter, 2) << ", " << percentText(b.costBefore - b.costAfter, b.costBefore)
          << ")\n";
    if (std::any_of(b.rules.begin(), b.rules.end(), [](const auto &r) { return r.unknown > 0; }))
        out() << "UNKNOWN: requests a keyword, regex or parameter condition could not be judged on (history keeps\n"
                 "no prompt text; parameters only where costgov-agent logged them); counted as not matching.\n";
    if (b.withPromptHash == 0)
        out() << "Exact cache: no request has a prompt hash (costgov-agent logs one), so repeats are unknown.\n";
    else
        out() << "Exact cache: " << grouped(b.exactRepeats) << " of " << grouped(b.withPromptHash)
              << " requests with a prompt hash repeat one within the TTL ("
              << percentText(b.exactRepeats, b.withPromptHash) << "), " << dollars(b.repeatCost, 2)
              << " that a cache would have saved.\n";
    out().flush();
    return Ok;
}

int exportCommand(const QCommandLineParser &p, const QStringList &words, Storage::Ledger &ledger)
{
    const QString target = p.value(QStringLiteral("target"));
    if (target != QLatin1String("litellm") && target != QLatin1String("portkey"))
        return usage(QStringLiteral("--target is litellm or portkey"), QStringLiteral("policy"));
    int exitCode = Ok;
    const auto policy = chosenPolicy(p, words, 1, ledger, exitCode);
    if (!policy)
        return exitCode;
    const Policy::Export e =
        target == QLatin1String("litellm") ? Policy::toLiteLlm(*policy) : Policy::toPortkey(*policy);
    if (p.isSet(QStringLiteral("out"))) {
        QSaveFile file(p.value(QStringLiteral("out")));
        if (!file.open(QIODevice::WriteOnly) || file.write(e.text) != e.text.size() || !file.commit())
            return dataError(QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString()));
    } else {
        out() << QString::fromUtf8(e.text);
        out().flush();
    }
    for (const QString &line : e.untranslated)
        err() << "not translated: " << line << '\n';
    err().flush();
    return Ok;
}

Result<QString> agentToken(const QString &agent, qsizetype registeredAgents)
{
    if (QString token = Policy::agentTokenFromEnvironment(agent, registeredAgents); !token.isEmpty())
        return token;
    const QString variable = Policy::agentTokenVariable(agent);
    auto token = Billing::secretNow(Policy::agentTokenEntry(agent), variable);
    if (token.ok() && token->isEmpty())
        return makeError(ErrorCode::Usage,
                         QStringLiteral("no token for agent %1: set %2 or store one with "
                                        "policy agents add %1 URL --token-env VAR")
                             .arg(agent, variable));
    return token;
}

int agentsCommand(const QCommandLineParser &p, const QStringList &words, Storage::Ledger &ledger)
{
    const QString action = words.value(1);
    if (action == QLatin1String("add") && words.size() == 4) {
        if (const Status s = Policy::addAgent(ledger, words[2], words[3], p.value(QStringLiteral("ca"))); !s)
            return fromError(s.error());
        if (p.isSet(QStringLiteral("token-env"))) {
            const QString variable = p.value(QStringLiteral("token-env"));
            const QString token = qEnvironmentVariable(variable.toLatin1().constData());
            if (token.isEmpty())
                return usage(QStringLiteral("%1 is not set").arg(variable), QStringLiteral("policy"));
            QEventLoop loop;
            Status stored;
            QObject context;
            Billing::writeKeychainSecret(Policy::agentTokenEntry(words[2]), Policy::agentTokenVariable(words[2]), token,
                                         &context, [&](const Status &s) {
                                             stored = s;
                                             loop.quit();
                                         });
            loop.exec();
            if (!stored)
                return fromError(stored.error());
        }
        out() << "Agent " << words[2] << " at " << words[3] << " registered.\n";
    } else if (action == QLatin1String("remove") && words.size() == 3) {
        const auto removed = Policy::removeAgent(ledger, words[2]);
        if (!removed.ok())
            return fromError(removed.error());
        if (!*removed)
            return usage(QStringLiteral("there is no agent %1").arg(words[2]), QStringLiteral("policy"));
        out() << "Agent " << words[2] << " removed.\n";
    } else if (words.size() == 1 || (action == QLatin1String("list") && words.size() == 2)) {
        const auto list = Policy::agents(ledger);
        if (!list.ok())
            return fromError(list.error());
        for (const Policy::AgentInfo &a : *list)
            out()
                << a.name << "  " << a.url << "  "
                << (a.pushedVersion
                        ? QStringLiteral("pushed version %1 at %2").arg(*a.pushedVersion).arg(isoTimestamp(a.pushedMs))
                        : QStringLiteral("never pushed"))
                << (a.lastResult.isEmpty() ? QString() : QStringLiteral("  (%1)").arg(a.lastResult)) << '\n';
        if (list->isEmpty())
            out() << "No agents yet (policy agents add NAME URL).\n";
    } else {
        return usage(QStringLiteral("say agents, agents add NAME URL or agents remove NAME"), QStringLiteral("policy"));
    }
    out().flush();
    return Ok;
}

int pushCommand(const QCommandLineParser &p, Storage::Ledger &ledger, std::optional<qint64> version)
{
    if (!version && p.isSet(QStringLiteral("version")))
        version = p.value(QStringLiteral("version")).toLongLong();
    auto list = Policy::agents(ledger);
    if (!list.ok())
        return fromError(list.error());
    const QStringList chosen = p.values(QStringLiteral("agent"));
    for (const QString &name : chosen)
        if (std::none_of(list->begin(), list->end(), [&](const auto &a) { return a.name == name; }))
            return usage(QStringLiteral("there is no agent %1 (policy agents)").arg(name), QStringLiteral("policy"));
    const qsizetype registered = list->size();
    if (!chosen.isEmpty())
        list->removeIf([&chosen](const Policy::AgentInfo &a) { return !chosen.contains(a.name); });
    if (list->isEmpty())
        return usage(QStringLiteral("no agents to push to (policy agents add NAME URL)"), QStringLiteral("policy"));
    const auto report = Policy::pushVersion(
        ledger, version, !p.isSet(QStringLiteral("no-hard-budgets")), *list,
        [registered](const QString &agent) { return agentToken(agent, registered); }, Clock::system().nowMs());
    if (!report.ok())
        return fromError(report.error());
    if (report->hardBudgets)
        out() << "With " << report->hardBudgets << " hard budget(s) from the alert rules.\n";
    int failures = 0;
    for (const Policy::AgentPush &a : report->agents) {
        out() << a.agent << ": " << (a.result.ok ? QStringLiteral("ok, ") : QStringLiteral("FAILED, "))
              << a.result.message << '\n';
        failures += a.result.ok ? 0 : 1;
    }
    out().flush();
    return failures ? DataError : Ok;
}

int statusCommand(const QCommandLineParser &p, Storage::Ledger &ledger)
{
    int exitCode = Ok;
    const auto format = formatOption(p, {QStringLiteral("table"), QStringLiteral("json")}, "policy", exitCode);
    if (!format)
        return exitCode;
    const auto list = Policy::agents(ledger);
    if (!list.ok())
        return fromError(list.error());
    const auto history = Policy::versions(ledger);
    if (!history.ok())
        return fromError(history.error());
    const qint64 desired = history->isEmpty() ? 0 : history->first().version;
    JsonWriter w;
    w.beginObject().key(QStringLiteral("desired_version")).value(desired).key(QStringLiteral("agents")).beginArray();
    bool allInStep = true;
    for (const Policy::AgentInfo &a : *list) {
        const auto token = agentToken(a.name, list->size());
        Policy::AgentStatus s;
        if (token.ok())
            s = Policy::agentStatus(a.url, *token, 5000, a.caFile);
        else
            s.error = token.error().message;
        const bool drift = !s.reachable || s.version != desired;
        allInStep = allInStep && !drift;
        if (*format == QLatin1String("json")) {
            w.beginObject().key(QStringLiteral("name")).value(a.name).key(QStringLiteral("url")).value(a.url);
            w.key(QStringLiteral("reachable")).value(s.reachable);
            if (s.reachable)
                w.key(QStringLiteral("version")).value(s.version).key(QStringLiteral("status")).raw(s.json);
            else
                w.key(QStringLiteral("error")).value(s.error);
            w.key(QStringLiteral("drift")).value(drift).endObject();
        } else if (s.reachable) {
            out() << a.name << "  " << a.url << "  version " << s.version
                  << (drift ? QStringLiteral("  DRIFT (latest is %1)").arg(desired) : QStringLiteral("  in step"))
                  << "  up " << s.uptimeSeconds << " s\n";
        } else {
            out() << a.name << "  " << a.url << "  UNREACHABLE: " << s.error << '\n';
        }
    }
    w.endArray().endObject();
    if (*format == QLatin1String("json"))
        out() << w.data() << '\n';
    else if (list->isEmpty())
        out() << "No agents yet (policy agents add NAME URL).\n";
    out().flush();
    return allInStep ? Ok : DataError;
}

} // namespace

int policyCommand(const QStringList &args, const QString &dbPath)
{
    QCommandLineParser parser;
    for (const char *name :
         {"note", "version", "days", "from", "to", "format", "target", "out", "token-env", "agent", "ca"})
        parser.addOption(QCommandLineOption(QLatin1String(name), QString(), QStringLiteral("VALUE")));
    parser.addOption(QCommandLineOption(QStringLiteral("no-hard-budgets")));
    parser.addOption(QCommandLineOption(QStringLiteral("push")));
    if (const auto exit = parseOptions(parser, args, "policy", kPolicyHelp))
        return *exit;
    const QStringList words = parser.positionalArguments();
    const QString action = words.value(0);
    const QString cmd = QStringLiteral("policy");

    if (action == QLatin1String("validate")) {
        if (words.size() != 2)
            return usage(QStringLiteral("say policy validate FILE"), cmd);
        int exitCode = Ok;
        const auto policy = readPolicyFile(words[1], exitCode);
        if (!policy)
            return exitCode;
        out() << words[1] << ": valid, " << policy->rules.size() << " routing rule(s), exact cache "
              << (policy->exact.enabled ? "on" : "off") << ", semantic cache "
              << (policy->semantic.enabled ? "on" : "off") << ", " << policy->budgets.size() << " budget(s)\n";
        out().flush();
        return Ok;
    }
    const QStringList known{QStringLiteral("save"),    QStringLiteral("show"),     QStringLiteral("history"),
                            QStringLiteral("diff"),    QStringLiteral("backtest"), QStringLiteral("export"),
                            QStringLiteral("agents"),  QStringLiteral("push"),     QStringLiteral("status"),
                            QStringLiteral("rollback")};
    if (!known.contains(action))
        return usage(QStringLiteral("say validate, save, show, history, diff, backtest, export, agents, push, status "
                                    "or rollback"),
                     cmd);
    int exitCode = Ok;
    auto ledger = openLedger(parser, dbPath, exitCode);
    if (!ledger)
        return exitCode;
    const qint64 now = Clock::system().nowMs();

    if (action == QLatin1String("save")) {
        if (words.size() != 2)
            return usage(QStringLiteral("say policy save FILE"), cmd);
        const auto policy = readPolicyFile(words[1], exitCode);
        if (!policy)
            return exitCode;
        const auto before = Policy::versions(*ledger);
        const auto version = Policy::saveVersion(*ledger, *policy, parser.value(QStringLiteral("note")), now);
        if (!version.ok() || !before.ok())
            return fromError(version.ok() ? before.error() : version.error());
        const bool unchanged = !before->isEmpty() && before->first().version == *version;
        out() << (unchanged ? QStringLiteral("Unchanged: the latest version %1 is the same.\n")
                            : QStringLiteral("Saved as version %1.\n"))
                     .arg(*version);
    } else if (action == QLatin1String("show")) {
        const auto policy = chosenPolicy(parser, {}, 1, *ledger, exitCode);
        if (!policy)
            return exitCode;
        out() << QString::fromUtf8(Policy::toDocument(*policy));
    } else if (action == QLatin1String("history")) {
        const auto list = Policy::versions(*ledger);
        if (!list.ok())
            return fromError(list.error());
        for (const Policy::VersionInfo &v : *list)
            out() << "version " << v.version << "  " << isoTimestamp(v.createdMs) << "  " << v.hash
                  << (v.note.isEmpty() ? QString() : QStringLiteral("  ") + v.note) << '\n';
        if (list->isEmpty())
            out() << "No policy saved yet (policy save FILE).\n";
    } else if (action == QLatin1String("diff")) {
        bool okA = false, okB = false;
        const qint64 a = words.value(1).toLongLong(&okA), b = words.value(2).toLongLong(&okB);
        if (words.size() != 3 || !okA || !okB)
            return usage(QStringLiteral("say policy diff A B with two version numbers"), cmd);
        const auto pa = Policy::load(*ledger, a);
        const auto pb = Policy::load(*ledger, b);
        if (!pa.ok() || !pb.ok())
            return fromError(pa.ok() ? pb.error() : pa.error());
        for (const QString &line : Policy::diffLines(Policy::toDocument(*pa), Policy::toDocument(*pb)))
            if (!line.startsWith(QLatin1String("  ")))
                out() << line << '\n';
    } else if (action == QLatin1String("backtest")) {
        return backtestCommand(parser, words, *ledger);
    } else if (action == QLatin1String("export")) {
        return exportCommand(parser, words, *ledger);
    } else if (action == QLatin1String("agents")) {
        return agentsCommand(parser, words, *ledger);
    } else if (action == QLatin1String("push")) {
        return pushCommand(parser, *ledger, std::nullopt);
    } else if (action == QLatin1String("status")) {
        return statusCommand(parser, *ledger);
    } else if (action == QLatin1String("rollback")) {
        bool ok = false;
        const qint64 to = words.value(1).toLongLong(&ok);
        if (words.size() != 2 || !ok)
            return usage(QStringLiteral("say policy rollback N with the version to go back to"), cmd);
        const auto version = Policy::rollback(*ledger, to, now);
        if (!version.ok())
            return fromError(version.error());
        out() << "Version " << to << " saved again as version " << *version << ".\n";
        out().flush();
        if (parser.isSet(QStringLiteral("push")))
            return pushCommand(parser, *ledger, *version);
    }
    out().flush();
    return Ok;
}

} // namespace CostGov::Cli

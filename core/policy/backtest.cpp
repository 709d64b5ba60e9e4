#include "backtest.h"

#include "cache.h"
#include "storage/ledger.h"
#include "storage/pricestore.h"
#include "storage/sqlitestatement.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <unordered_map>

namespace CostGov::Policy {

namespace {

struct Dims {
    QString provider, model, requestedModel, team, feature, environment;
};

} // namespace

Result<Backtest> backtest(Storage::Ledger &ledger, const Policy &policy, const BacktestOptions &options)
{
    using Storage::SqliteStatement;
    sqlite3 *db = ledger.handle();
    const auto fail = [db](const char *what) {
        return makeError(ErrorCode::Database,
                         QStringLiteral("cannot %1: %2").arg(QLatin1String(what), Storage::sqliteError(db)));
    };
    auto catalog = Storage::loadPriceCatalog(ledger);
    if (!catalog.ok())
        return catalog.error();

    std::unordered_map<qint64, QString> labels;
    {
        SqliteStatement q;
        if (!q.prepare(db, "SELECT id, value FROM labels"))
            return fail("read the labels");
        while (q.step() == SQLITE_ROW) {
            const auto v = q.columnText(1);
            labels.emplace(q.columnInt(0), QString::fromUtf8(v.data(), qsizetype(v.size())));
        }
    }
    const auto label = [&labels](qint64 id) {
        const auto it = labels.find(id);
        return it == labels.end() ? QString() : it->second;
    };
    std::unordered_map<qint64, Dims> dimsets;
    {
        SqliteStatement q;
        if (!q.prepare(db, "SELECT id, provider, model, requested_model, team, feature, environment FROM dimsets"))
            return fail("read the dimension combinations");
        while (q.step() == SQLITE_ROW)
            dimsets.emplace(q.columnInt(0),
                            Dims{label(q.columnInt(1)), label(q.columnInt(2)), label(q.columnInt(3)),
                                 label(q.columnInt(4)), label(q.columnInt(5)), label(q.columnInt(6))});
    }

    Backtest out;
    out.fromDay = options.fromDay;
    out.toDay = options.toDay;
    for (const Rule &rule : policy.rules)
        out.rules.append({rule.name});

    SqliteStatement scan;
    if (!scan.prepare(db,
                      "SELECT r.ts, r.dimset, r.user_name, r.input_tokens, r.output_tokens, r.cache_read_tokens, "
                      "r.cache_write_tokens, r.cache_write_1h_tokens, r.cost_nano, r.flags, r.tags "
                      "FROM request_segments s JOIN requests r ON r.id BETWEEN s.first_id AND s.last_id "
                      "WHERE s.day = ?1 AND r.day = ?1 ORDER BY r.ts"))
        return fail("prepare the backtest");
    // model + prompt hash -> when last seen
    QHash<QString, qint64> lastSeen;
    const qint64 ttlMs = policy.exact.ttlSeconds * 1000;
    const qint64 days = options.toDay - options.fromDay + 1;
    for (qint64 day = options.fromDay; day <= options.toDay; ++day) {
        if (options.cancel && options.cancel->load())
            return makeError(ErrorCode::Cancelled, QStringLiteral("backtest cancelled"));
        scan.bind(1, day);
        while (scan.step() == SQLITE_ROW) {
            const auto it = dimsets.find(scan.columnInt(1));
            if (it == dimsets.end())
                continue;
            const Dims &d = it->second;
            ++out.requests;
            RequestView v;
            v.model = d.requestedModel.isEmpty() ? d.model : d.requestedModel;
            v.team = d.team;
            v.feature = d.feature;
            v.environment = d.environment;
            v.user = label(scan.columnInt(2));
            v.textKnown = false;
            TokenCounts tokens;
            tokens.input = scan.columnInt(3);
            tokens.output = scan.columnInt(4);
            tokens.cacheRead = scan.columnInt(5);
            tokens.cacheWrite1h = scan.columnInt(7);
            tokens.cacheWrite5m = scan.columnInt(6) - tokens.cacheWrite1h;
            v.promptTokens = tokens.totalInput();
            const qint64 flags = scan.columnInt(9);
            const qint64 ts = scan.columnInt(0);
            QString hash;
            v.parametersKnown = false;
            if (!scan.columnIsNull(10)) {
                const auto tagText = scan.columnText(10);
                const QJsonObject tags =
                    QJsonDocument::fromJson(QByteArray(tagText.data(), qsizetype(tagText.size()))).object();
                hash = tags.value(QStringLiteral("prompt_hash")).toString();
                // The agent logs the parameters the engine matches on.
                if (tags.contains(QStringLiteral("response_format"))) {
                    v.parametersKnown = true;
                    v.tools = tags.value(QStringLiteral("tools")).toBool();
                    v.responseFormat = tags.value(QStringLiteral("response_format")).toString();
                    if (tags.value(QStringLiteral("max_tokens")).isDouble())
                        v.maxTokens = tags.value(QStringLiteral("max_tokens")).toInteger();
                }
            }
            if (flags & Storage::RequestFlags::CacheHit)
                ++out.alreadyCached;
            // Unpriced requests are matched and counted, but stay out of the sums.
            const bool priced = !scan.columnIsNull(8);
            const Nano cost = priced ? scan.columnInt(8) : 0;
            if (!priced)
                ++out.unpriced;
            out.costBefore += cost;
            Nano after = cost;
            bool exactCache = policy.exact.enabled;
            for (int i = 0; i < policy.rules.size(); ++i) {
                const Rule &rule = policy.rules.at(i);
                const MatchResult m = matches(rule.match, v);
                RuleBacktest &b = out.rules[i];
                if (m == MatchResult::Unknown)
                    ++b.unknown;
                if (m != MatchResult::Yes)
                    continue;
                ++b.matched;
                exactCache = rule.exactCache.value_or(exactCache);
                b.costBefore += cost;
                const Target &target = rule.targets.first();
                if (target.model != d.model && !(flags & Storage::RequestFlags::CacheHit)) {
                    ++b.rerouted;
                    const auto *price = catalog->find(target.provider.toStdString(), target.model.toStdString(), ts);
                    const auto newCost = price
                        ? Pricing::computeCost(price->prices, tokens, flags & Storage::RequestFlags::Batch)
                        : std::nullopt;
                    if (newCost && priced)
                        after = *newCost;
                    else if (!newCost)
                        ++b.unpricedAfter;
                }
                b.costAfter += after;
                break;
            }
            out.costAfter += after;
            if (!hash.isEmpty()) {
                ++out.withPromptHash;
                // The agent's exact key: the model, the prompt and the cache's scope. (History does
                // not say whether a request was deterministic: all are taken as cacheable.)
                const QString key =
                    d.model + QLatin1Char('\n') + scopeOf(policy.exact.scope, v) + QLatin1Char('\n') + hash;
                const auto seen = lastSeen.constFind(key);
                // An entry lives for the TTL from when it was stored (a miss); hits do not extend it.
                if (!exactCache) {
                } else if (seen != lastSeen.constEnd() && ts - seen.value() <= ttlMs) {
                    ++out.exactRepeats;
                    out.repeatCost += cost;
                } else {
                    lastSeen.insert(key, ts);
                }
            }
        }
        scan.reset();
        if (options.progress)
            options.progress(int((day - options.fromDay + 1) * 100 / days));
    }
    return out;
}

} // namespace CostGov::Policy

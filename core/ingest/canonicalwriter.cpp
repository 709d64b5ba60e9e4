#include "canonicalwriter.h"

#include "common/jsonwriter.h"
#include "common/timeutil.h"

namespace CostGov::Ingest {

QByteArray canonicalLine(const UsageRecord &r)
{
    JsonWriter w;
    const auto text = [](const std::string &s) { return QString::fromStdString(s); };
    const auto optional = [&w, &text](const char *key, const std::string &value) {
        if (!value.empty())
            w.key(QLatin1String(key)).value(text(value));
    };
    w.beginObject();
    w.key(QStringLiteral("ts")).value(isoTimestamp(r.tsMs));
    w.key(QStringLiteral("request_id")).value(text(r.identity));
    w.key(QStringLiteral("provider")).value(text(r.provider));
    w.key(QStringLiteral("model")).value(text(r.model));
    w.key(QStringLiteral("requested_model")).value(text(r.requestedModel));
    w.key(QStringLiteral("input_tokens")).value(r.tokens.input);
    w.key(QStringLiteral("output_tokens")).value(r.tokens.output);
    w.key(QStringLiteral("cache_read_tokens")).value(r.tokens.cacheRead);
    w.key(QStringLiteral("cache_write_tokens")).value(r.tokens.cacheWrite());
    if (r.tokens.cacheWrite1h > 0)
        w.key(QStringLiteral("cache_write_1h_tokens")).value(r.tokens.cacheWrite1h);
    if (r.reportedCost)
        w.key(QStringLiteral("cost_usd")).number(usdText(*r.reportedCost));
    if (r.latencyMs)
        w.key(QStringLiteral("latency_ms")).value(*r.latencyMs);
    w.key(QStringLiteral("status")).value(text(r.status));
    w.key(QStringLiteral("cache_hit")).value(r.cacheHit);
    if (r.batch)
        w.key(QStringLiteral("batch")).value(true);
    optional("team", r.team);
    optional("feature", r.feature);
    optional("user", r.user);
    optional("environment", r.environment);
    optional("project", r.project);
    optional("route", r.route);
    if (!r.tagsJson.empty())
        w.key(QStringLiteral("tags")).raw(QByteArray::fromStdString(r.tagsJson));
    w.endObject();
    return w.data() + '\n';
}

} // namespace CostGov::Ingest

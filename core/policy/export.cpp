#include "export.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace CostGov::Policy {

namespace {

QString quoted(const QString &text)
{
    // A JSON string is a valid YAML double-quoted scalar.
    const QByteArray json = QJsonDocument(QJsonArray{text}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(json.mid(1, json.size() - 2));
}

QStringList models(const QVector<Target> &targets)
{
    QStringList out;
    for (const Target &t : targets)
        out.append(t.model);
    return out;
}

/// What a rule asks for beyond the requested model, named for the untranslated list.
QStringList conditionsBeyond(const Match &m, bool attributionTranslates, bool maxTokensTranslates)
{
    QStringList out;
    if (m.minPromptTokens || m.maxPromptTokens)
        out.append(QStringLiteral("prompt token thresholds"));
    if (!m.keywords.isEmpty())
        out.append(QStringLiteral("keywords"));
    if (!m.regex.isEmpty())
        out.append(QStringLiteral("regular expression"));
    if (m.tools)
        out.append(QStringLiteral("tools present"));
    if (!m.responseFormat.isEmpty())
        out.append(QStringLiteral("response_format"));
    if (m.maxTokensAtMost && !maxTokensTranslates)
        out.append(QStringLiteral("max_tokens"));
    if (!attributionTranslates
        && (!m.teams.isEmpty() || !m.features.isEmpty() || !m.users.isEmpty() || !m.environments.isEmpty()))
        out.append(QStringLiteral("team, feature, user or environment"));
    return out;
}

/// Calls translate(rule, where) for the rules in order until one does not translate (returns
/// false). First match wins, so the rules after it are left out too: they would take its requests.
template <typename Translate>
void inOrder(const Policy &policy, Export &out, Translate translate)
{
    bool stopped = false;
    for (const Rule &rule : policy.rules) {
        const QString where = QStringLiteral("rule \"%1\": ").arg(rule.name);
        if (stopped)
            out.untranslated.append(where
                                    + QStringLiteral("comes after a rule that does not translate; not translated"));
        else
            stopped = !translate(rule, where);
    }
}

} // namespace

Export toLiteLlm(const Policy &policy)
{
    Export out;
    QStringList aliases, fallbacks;
    inOrder(policy, out, [&](const Rule &rule, const QString &where) {
        const QStringList beyond = conditionsBeyond(rule.match, false, false);
        if (rule.match.models.isEmpty() || !beyond.isEmpty()
            || std::any_of(rule.match.models.begin(), rule.match.models.end(),
                           [](const QString &m) { return m.endsWith(QLatin1Char('*')); })) {
            out.untranslated.append(where
                                    + QStringLiteral("LiteLLM routes by model name only; not translated (%1)")
                                          .arg(beyond.isEmpty() ? QStringLiteral("no exact model names")
                                                                : beyond.join(QStringLiteral(", "))));
            return false;
        }
        if (rule.cascade)
            out.untranslated.append(where
                                    + QStringLiteral("cascade checks do not translate; its models became "
                                                     "fallbacks of the first on errors only"));
        for (const QString &model : rule.match.models) {
            if (rule.targets.first().model != model)
                aliases.append(QStringLiteral("    %1: %2").arg(quoted(model), quoted(rule.targets.first().model)));
            QStringList chain = models(rule.targets.mid(1)) + models(rule.fallbacks);
            if (!chain.isEmpty()) {
                QStringList q;
                for (const QString &c : chain)
                    q.append(quoted(c));
                fallbacks.append(QStringLiteral("    - {%1: [%2]}")
                                     .arg(quoted(rule.targets.first().model), q.join(QStringLiteral(", "))));
            }
        }
        if (rule.exactCache || rule.semanticCache)
            out.untranslated.append(where + QStringLiteral("per-route cache switches do not translate"));
        return true;
    });
    QStringList lines{QStringLiteral("# Cost Governor policy \"%1\" version %2, compiled for the LiteLLM proxy")
                          .arg(policy.name)
                          .arg(policy.version),
                      QStringLiteral("router_settings:")};
    if (!aliases.isEmpty())
        lines << QStringLiteral("  model_group_alias:") << aliases;
    if (!fallbacks.isEmpty())
        lines << QStringLiteral("  fallbacks:") << fallbacks;
    if (!policy.defaultFallbacks.isEmpty())
        out.untranslated.append(QStringLiteral("default fallbacks: LiteLLM sets fallbacks per model group"));
    lines << QStringLiteral("  num_retries: 0");
    lines << QStringLiteral("litellm_settings:");
    const bool cache = policy.exact.enabled || policy.semantic.enabled;
    lines << QStringLiteral("  cache: %1").arg(cache ? QStringLiteral("true") : QStringLiteral("false"));
    if (cache) {
        lines << QStringLiteral("  cache_params:");
        if (policy.semantic.enabled) {
            lines << QStringLiteral("    type: \"redis-semantic\"")
                  << QStringLiteral("    similarity_threshold: %1").arg(policy.semantic.threshold)
                  << QStringLiteral("    ttl: %1").arg(policy.semantic.ttlSeconds);
            if (policy.semantic.embedding == QLatin1String("upstream"))
                lines << QStringLiteral("    redis_semantic_cache_embedding_model: %1")
                             .arg(quoted(policy.semantic.embeddingTarget.model));
            else
                out.untranslated.append(QStringLiteral("semantic cache: LiteLLM needs Redis and an embedding model; "
                                                       "the local lexical embedding does not translate"));
            if (policy.exact.enabled)
                out.untranslated.append(
                    QStringLiteral("exact cache: LiteLLM has one cache type at a time; semantic was kept"));
        } else {
            lines << QStringLiteral("    type: \"local\"")
                  << QStringLiteral("    ttl: %1").arg(policy.exact.ttlSeconds);
        }
        lines << QStringLiteral("    supported_call_types: [\"acompletion\", \"completion\"]");
        if (!policy.exact.scope.isEmpty())
            out.untranslated.append(QStringLiteral("cache scope by %1: LiteLLM keys its cache on the request only")
                                        .arg(policy.exact.scope.join(QStringLiteral(", "))));
        if (policy.cacheNondeterministic == false)
            out.untranslated.append(QStringLiteral("LiteLLM caches requests whatever their temperature"));
    }
    if (!policy.budgets.isEmpty())
        out.untranslated.append(QStringLiteral("budgets: set them as LiteLLM team or key max_budget through its API"));
    out.text = lines.join(QLatin1Char('\n')).toUtf8() + '\n';
    return out;
}

Export toPortkey(const Policy &policy)
{
    Export out;
    QJsonArray conditions, targets;
    const auto targetJson = [](const QString &name, const Target &t) {
        return QJsonObject{{QStringLiteral("name"), name},
                           {QStringLiteral("provider"), t.provider},
                           {QStringLiteral("override_params"), QJsonObject{{QStringLiteral("model"), t.model}}}};
    };
    const auto withFallbacks = [&](const QString &name, const QVector<Target> &chain) {
        if (chain.size() == 1)
            return targetJson(name, chain.first());
        QJsonArray inner;
        for (int i = 0; i < chain.size(); ++i)
            inner.append(targetJson(name + QLatin1Char('-') + QString::number(i + 1), chain.at(i)));
        return QJsonObject{{QStringLiteral("name"), name},
                           {QStringLiteral("strategy"),
                            QJsonObject{{QStringLiteral("mode"), QStringLiteral("fallback")},
                                        {QStringLiteral("on_status_codes"), QJsonArray{429, 500, 502, 503, 504}}}},
                           {QStringLiteral("targets"), inner}};
    };
    inOrder(policy, out, [&](const Rule &rule, const QString &where) {
        const QStringList beyond = conditionsBeyond(rule.match, true, true);
        if (!beyond.isEmpty()) {
            out.untranslated.append(where
                                    + QStringLiteral("Portkey conditions read metadata and parameters only; "
                                                     "not translated (%1)")
                                          .arg(beyond.join(QStringLiteral(", "))));
            return false;
        }
        QJsonObject query;
        const auto in = [&query](const QString &field, const QStringList &values) {
            if (!values.isEmpty())
                query.insert(field, QJsonObject{{QStringLiteral("$in"), QJsonArray::fromStringList(values)}});
        };
        if (std::any_of(rule.match.models.begin(), rule.match.models.end(),
                        [](const QString &m) { return m.endsWith(QLatin1Char('*')); })) {
            out.untranslated.append(where + QStringLiteral("model prefixes do not translate; not translated"));
            return false;
        }
        in(QStringLiteral("params.model"), rule.match.models);
        in(QStringLiteral("metadata.team"), rule.match.teams);
        in(QStringLiteral("metadata.feature"), rule.match.features);
        in(QStringLiteral("metadata._user"), rule.match.users);
        in(QStringLiteral("metadata.environment"), rule.match.environments);
        if (rule.match.maxTokensAtMost)
            query.insert(QStringLiteral("params.max_tokens"),
                         QJsonObject{{QStringLiteral("$lte"), *rule.match.maxTokensAtMost}});
        if (rule.cascade)
            out.untranslated.append(where
                                    + QStringLiteral("cascade checks do not translate; its models became a "
                                                     "fallback chain on errors only"));
        if (rule.exactCache || rule.semanticCache)
            out.untranslated.append(where + QStringLiteral("per-route cache switches do not translate"));
        conditions.append(QJsonObject{{QStringLiteral("query"), query}, {QStringLiteral("then"), rule.name}});
        targets.append(
            withFallbacks(rule.name, (rule.cascade ? rule.targets : rule.targets.mid(0, 1)) + rule.fallbacks));
        return true;
    });
    QJsonObject config;
    if (conditions.isEmpty()) {
        if (!policy.defaultFallbacks.isEmpty()) {
            config.insert(QStringLiteral("strategy"),
                          QJsonObject{{QStringLiteral("mode"), QStringLiteral("fallback")}});
            for (int i = 0; i < policy.defaultFallbacks.size(); ++i)
                targets.append(targetJson(QStringLiteral("fallback-%1").arg(i + 1), policy.defaultFallbacks.at(i)));
        }
    } else {
        QJsonObject strategy{{QStringLiteral("mode"), QStringLiteral("conditional")},
                             {QStringLiteral("conditions"), conditions}};
        if (!policy.defaultFallbacks.isEmpty()) {
            targets.append(withFallbacks(QStringLiteral("default"), policy.defaultFallbacks));
            strategy.insert(QStringLiteral("default"), QStringLiteral("default"));
        } else {
            out.untranslated.append(QStringLiteral("requests no rule matches: Portkey needs a default target; "
                                                   "add default fallbacks to the policy"));
        }
        config.insert(QStringLiteral("strategy"), strategy);
    }
    config.insert(QStringLiteral("targets"), targets);
    if (policy.exact.enabled || policy.semantic.enabled) {
        const bool semantic = policy.semantic.enabled;
        config.insert(
            QStringLiteral("cache"),
            QJsonObject{{QStringLiteral("mode"), semantic ? QStringLiteral("semantic") : QStringLiteral("simple")},
                        {QStringLiteral("max_age"), semantic ? policy.semantic.ttlSeconds : policy.exact.ttlSeconds}});
        if (semantic)
            out.untranslated.append(QStringLiteral("semantic cache: Portkey's threshold, metadata match and embedding "
                                                   "source are its own"));
        if (!policy.exact.scope.isEmpty())
            out.untranslated.append(QStringLiteral("cache scope by %1: Portkey keys its cache on the request only")
                                        .arg(policy.exact.scope.join(QStringLiteral(", "))));
    }
    if (!policy.budgets.isEmpty())
        out.untranslated.append(QStringLiteral("budgets: Portkey budgets are set on its virtual keys"));
    out.text = QJsonDocument(config).toJson(QJsonDocument::Indented);
    return out;
}

} // namespace CostGov::Policy

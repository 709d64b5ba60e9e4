#include "chatroute.h"

#include "anthropic.h"
#include "common/clock.h"
#include "config.h"
#include "metrics.h"
#include "openai.h"
#include "policy/budgetmeter.h"
#include "policyinforce.h"
#include "streamrelay.h"
#include "upstreams.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>

#include <httplib.h>

#include <algorithm>
#include <cmath>

namespace CostGov::Gateway {

using Policy::Target;

ChatRoute::ChatRoute(const Parts &parts)
    : m_config(parts.config),
      m_clock(parts.clock),
      m_upstreams(parts.upstreams),
      m_cache(parts.cache),
      m_budgets(parts.budgets),
      m_accounting(parts.accounting),
      m_relay(parts.relay),
      m_policy(parts.policy),
      m_counters(parts.counters)
{
    QSet<QString> teams, features;
    for (const ClientKey &k : m_config.clientKeys) {
        teams.insert(k.team);
        features.insert(k.feature);
    }
    m_budgets.setListedGroups(teams, features);
}

bool ChatRoute::hostAllowed(const httplib::Request &req) const
{
    if (!req.has_header("Host"))
        return true; // HTTP/1.0 clients; every browser sends one
    const QString host = QString::fromStdString(req.get_header_value("Host")).trimmed().toLower();
    QString name = host;
    bool portOk = req.local_port == 80 || req.local_port == 443;
    const qsizetype colon = host.lastIndexOf(QLatin1Char(':'));
    if (colon > host.lastIndexOf(QLatin1Char(']'))) {
        name = host.left(colon);
        bool ok = false;
        portOk = host.mid(colon + 1).toInt(&ok) == req.local_port && ok;
    }
    const QStringList allowed = !m_config.allowedHosts.isEmpty()
        ? m_config.allowedHosts
        : QStringList{m_config.host.toLower(), QStringLiteral("localhost"), QStringLiteral("127.0.0.1"),
                      QStringLiteral("[::1]")};
    return std::any_of(allowed.begin(), allowed.end(),
                       [&](const QString &a) { return a == host || (a == name && portOk); });
}

bool ChatRoute::admit(const httplib::Request &req, httplib::Response &res) const
{
    const std::string contentType = req.get_header_value("Content-Type");
    if (QString::fromStdString(contentType.substr(0, contentType.find(';'))).trimmed().toLower()
        != QLatin1String("application/json")) {
        ++m_counters.badRequests;
        jsonError(res, 415, QStringLiteral("invalid_request_error"),
                  QStringLiteral("the request body must be JSON, sent as Content-Type: application/json"));
        return false;
    }
    if (!hostAllowed(req)) {
        ++m_counters.badRequests;
        jsonError(res, 421, QStringLiteral("invalid_request_error"),
                  QStringLiteral("this agent does not answer as host \"%1\" (see allowed_hosts in its config)")
                      .arg(QString::fromStdString(req.get_header_value("Host")).left(200)));
        return false;
    }
    return true;
}

bool ChatRoute::holdBudget(Record &record, const QVector<Target> &targets, const QVector<Target> &fallbacks,
                           const TokenCounts &tokens, httplib::Response &res)
{
    const Policy::Policy &policy = record.active->policy;
    Nano estimate = 0;
    if (m_budgets.covers(policy, record.view)) {
        // Each step may be answered by its target or by a fallback: the dearest of them is held.
        for (const Target &step : targets) {
            Nano dearest = 0;
            QVector<Target> candidates{step};
            candidates += fallbacks;
            for (const Target &t : candidates) {
                const auto price = m_accounting.priceNow(t.provider, t.model, tokens);
                if (!price) {
                    ++m_counters.budgetRejections;
                    record.status = QStringLiteral("unpriced_model");
                    m_accounting.finish(record, {});
                    jsonError(res, 400, QStringLiteral("invalid_request_error"),
                              QStringLiteral("%1 has no price, and a hard budget covers this request: its cost "
                                             "could not be counted (add the model to the agent's prices_file)")
                                  .arg(t.model),
                              {{QStringLiteral("code"), QStringLiteral("costgov_unpriced_model")}});
                    return false;
                }
                dearest = std::max(dearest, *price);
            }
            estimate += dearest;
        }
    }
    if (const auto refusal = m_budgets.reserve(policy, record.view, estimate, record.budgetHold)) {
        ++m_counters.budgetRejections;
        record.status = QStringLiteral("budget_exceeded");
        m_accounting.finish(record, {});
        jsonError(res, 429, QStringLiteral("budget_exceeded"), *refusal,
                  {{QStringLiteral("code"), QStringLiteral("costgov_budget_exceeded")}});
        return false;
    }
    return true;
}

QString ChatRoute::providerFor(const QString &model) const
{
    for (const Upstream &u : m_config.upstreams)
        for (const QString &pattern : u.models)
            if (pattern.endsWith(QLatin1Char('*')) ? model.startsWith(QStringView(pattern).chopped(1))
                                                   : pattern == model)
                return u.provider;
    return m_config.upstreams.first().provider;
}

std::optional<Policy::Embedding> ChatRoute::embed(const Policy::Policy &policy, const QString &input)
{
    if (policy.semantic.embedding == QLatin1String("local"))
        return Policy::lexicalEmbedding(input);
    const QByteArray body = QJsonDocument(QJsonObject{{QStringLiteral("model"), policy.semantic.embeddingTarget.model},
                                                      {QStringLiteral("input"), input}})
                                .toJson(QJsonDocument::Compact);
    const auto reply = m_upstreams.post(policy.semantic.embeddingTarget, "/v1/embeddings", body.toStdString());
    if (reply.status != 200)
        return std::nullopt;
    const QJsonArray values = QJsonDocument::fromJson(QByteArray::fromStdString(reply.body))
                                  .object()
                                  .value(QStringLiteral("data"))
                                  .toArray()
                                  .at(0)
                                  .toObject()
                                  .value(QStringLiteral("embedding"))
                                  .toArray();
    if (values.isEmpty())
        return std::nullopt;
    Policy::Embedding e;
    e.reserve(size_t(values.size()));
    for (const QJsonValue &v : values)
        e.push_back(float(v.toDouble()));
    Policy::normalise(e);
    return e;
}

void ChatRoute::respondFromCache(const Record &base, const QByteArray &cached, const QString &kind, float similarity,
                                 httplib::Response &response)
{
    Record record = base;
    const QJsonObject answer = QJsonDocument::fromJson(cached).object();
    const TokenCounts saved = tokensOf(answer.value(QStringLiteral("usage")).toObject());
    record.model = answer.value(QStringLiteral("model")).toString(record.model);
    record.cacheHit = true;
    record.tags.insert(QStringLiteral("cache_kind"), kind);
    if (kind == QLatin1String("semantic"))
        record.tags.insert(QStringLiteral("similarity"), std::round(double(similarity) * 10000.0) / 10000.0);
    record.tags.insert(QStringLiteral("saved_input_tokens"), saved.input + saved.cacheRead);
    record.tags.insert(QStringLiteral("saved_output_tokens"), saved.output);
    m_accounting.finish(record, {});
    response.status = 200;
    if (base.active->policy.cacheHitHeader)
        response.set_header("x-costgov-cache", kind.toStdString());
    response.set_content(cached.toStdString(), "application/json");
}

bool ChatRoute::attribute(const httplib::Request &req, Policy::RequestView &view, httplib::Response &res) const
{
    const std::string authorization = req.get_header_value("Authorization");
    if (authorization.rfind("Bearer ", 0) == 0) {
        const QByteArray hash =
            QCryptographicHash::hash(QByteArray::fromStdString(authorization.substr(7)), QCryptographicHash::Sha256)
                .toHex();
        view.client = QString::fromLatin1(hash.left(16));
        for (const ClientKey &k : m_config.clientKeys)
            if (k.sha256 == hash) {
                view.team = k.team;
                view.feature = k.feature;
                view.user = k.user;
                view.environment = k.environment;
                view.attributedByKey = true;
                return true;
            }
    }
    if (m_config.requireClientKey) {
        jsonError(res, 401, QStringLiteral("invalid_request_error"),
                  QStringLiteral("this agent needs a client key it lists, sent as Authorization: Bearer KEY"),
                  {{QStringLiteral("code"), QStringLiteral("invalid_api_key")}});
        return false;
    }
    const auto header = [&req](const char *name, QString &field) {
        if (req.has_header(name))
            field = QString::fromStdString(req.get_header_value(name)).left(200);
    };
    header("x-costgov-team", view.team);
    header("x-costgov-feature", view.feature);
    header("x-costgov-user", view.user);
    header("x-costgov-environment", view.environment);
    return true;
}

void ChatRoute::handleChat(const httplib::Request &req, httplib::Response &res)
{
    ++m_counters.requests;
    Record record;
    record.startedMs = m_clock.nowMs();
    record.active = m_policy.current();
    const Policy::Policy &policy = record.active->policy;
    if (!admit(req, res))
        return;
    if (!attribute(req, record.view, res)) {
        ++m_counters.badRequests;
        return;
    }

    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(req.body), &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject()) {
        ++m_counters.badRequests;
        return jsonError(res, 400, QStringLiteral("invalid_request_error"),
                         QStringLiteral("the request body is not a JSON object (%1 at offset %2)")
                             .arg(parseError.errorString())
                             .arg(parseError.offset));
    }
    QJsonObject body = doc.object();
    if (!body.value(QStringLiteral("model")).isString() || body.value(QStringLiteral("model")).toString().isEmpty()
        || !body.value(QStringLiteral("messages")).isArray()) {
        ++m_counters.badRequests;
        return jsonError(res, 400, QStringLiteral("invalid_request_error"),
                         QStringLiteral("a chat completion needs \"model\" (a string) and \"messages\" (a list)"));
    }

    Policy::RequestView &view = record.view;
    const Policy::RequestView who = view;
    view = Policy::viewOfChat(body);
    view.team = who.team;
    view.feature = who.feature;
    view.user = who.user;
    view.environment = who.environment;
    view.client = who.client;
    view.attributedByKey = who.attributedByKey;
    if (!view.attributedByKey && view.user.isEmpty())
        view.user = body.value(QStringLiteral("user")).toString().left(200);

    record.requestedModel = view.model;
    const Policy::Fingerprint fingerprint = Policy::fingerprint(body);
    record.tags.insert(QStringLiteral("prompt_hash"), Policy::promptHash(fingerprint));
    record.tags.insert(QStringLiteral("tools"), view.tools);
    record.tags.insert(QStringLiteral("response_format"), view.responseFormat);
    if (view.maxTokens)
        record.tags.insert(QStringLiteral("max_tokens"), *view.maxTokens);
    if (m_config.logPrompts)
        record.tags.insert(QStringLiteral("prompt"), view.lastUserMessage);
    if (policy.version > 0)
        record.tags.insert(QStringLiteral("policy_version"), policy.version);

    const Policy::Decision decision = Policy::decide(policy, view);
    QVector<Target> steps = decision.targets;
    if (steps.isEmpty())
        steps.append({providerFor(view.model), view.model});
    record.route = decision.ruleName;
    record.provider = steps.first().provider;
    record.model = steps.first().model;
    TokenCounts held;
    held.input = view.promptTokens;
    held.output = view.maxTokens.value_or(m_config.budgetDefaultMaxTokens);
    if (!holdBudget(record, steps, decision.fallbacks, held, res))
        return;
    const bool streaming = body.value(QStringLiteral("stream")).toBool();
    const bool clientWantsUsage =
        body.value(QStringLiteral("stream_options")).toObject().value(QStringLiteral("include_usage")).toBool();

    // Caches: for whole answers only (a stream is passed through as it comes).
    QByteArray exactKey;
    std::optional<Policy::Embedding> embedding;
    QString bucket;
    if (!streaming && decision.exactCache) {
        exactKey = Policy::exactKey(fingerprint, steps.first().model, Policy::cacheScope(policy.exact.scope, view));
        if (auto hit = m_cache.exact(exactKey, m_clock.nowMs())) {
            ++m_counters.exactHits;
            return respondFromCache(record, *hit, QStringLiteral("exact"), 1.0f, res);
        }
    }
    Policy::WordSet words;
    if (!streaming && decision.semanticCache) {
        // Similar prompts share answers only with the same model, scope, parameters and earlier
        // messages (a JSON answer never goes to a text request, an answer made without tools never
        // to one with them, one made under another system prompt never): only the last message
        // may differ.
        bucket =
            QString::fromLatin1(Policy::exactKey({fingerprint.context, fingerprint.parameters, {}}, steps.first().model,
                                                 Policy::cacheScope(policy.semantic.metadata, view)));
        const QString text = Policy::lastMessageText(body);
        words = Policy::wordSet(text);
        embedding = embed(policy, text);
        if (embedding) {
            if (auto hit = m_cache.semantic(bucket, *embedding, words, m_clock.nowMs())) {
                ++m_counters.semanticHits;
                return respondFromCache(record, hit->response, QStringLiteral("semantic"), hit->similarity, res);
            }
        }
    }

    // An Anthropic upstream answers a stream whole, sent on as server-sent events.
    const bool streamWhole = streaming && m_upstreams.isAnthropic(steps.last().provider);
    if (streamWhole) {
        steps = {steps.last()};
        body.remove(QStringLiteral("stream"));
        body.remove(QStringLiteral("stream_options"));
    }
    if (streaming && !streamWhole) {
        // A cascade cannot check a stream before passing it on: the last (strongest) model answers.
        QVector<Target> chain{steps.last()};
        chain += decision.fallbacks;
        if (decision.cascade)
            record.tags.insert(QStringLiteral("cascade"), QStringLiteral("streamed to the last model"));
        return m_relay.relay(body, chain, record, res);
    }

    const bool jsonAsked = view.responseFormat == QLatin1String("json");
    for (int step = 0; step < steps.size(); ++step) {
        const bool last = step == steps.size() - 1;
        QVector<Target> chain{steps.at(step)};
        chain += decision.fallbacks;
        Upstreams::Reply reply;
        for (int attempt = 0; attempt < chain.size(); ++attempt) {
            body.insert(QStringLiteral("model"), chain.at(attempt).model);
            ++m_counters.upstreamCalls;
            reply = m_upstreams.chat(chain.at(attempt), body);
            if (!retryable(reply.status))
                break;
            ++m_counters.upstreamErrors;
            if (attempt + 1 < chain.size()) {
                ++m_counters.fallbacks;
                record.tags.insert(QStringLiteral("fallback_from"), chain.at(attempt).model);
                record.tags.insert(QStringLiteral("fallback_reason"),
                                   reply.status ? QStringLiteral("HTTP %1").arg(reply.status) : reply.error);
            }
        }
        record.provider = reply.target.provider;
        record.model = reply.target.model;
        const QByteArray answer = QByteArray::fromStdString(reply.body);
        if (reply.status == 0) {
            record.status = QStringLiteral("upstream_unreachable");
            m_accounting.finish(record, {});
            return jsonError(res, 502, QStringLiteral("upstream_error"),
                             QStringLiteral("no upstream answered: %1").arg(reply.error));
        }
        if (reply.status != 200) {
            record.status = QString::number(reply.status);
            m_accounting.finish(record, {});
            // A request the agent could not translate for Anthropic: its own words say what to change.
            if (m_upstreams.isAnthropic(reply.target.provider))
                if (const auto translated = Anthropic::toMessages(body); !translated.ok())
                    return jsonError(res, 400, QStringLiteral("invalid_request_error"), translated.error().message);
            return upstreamError(res, reply.status, reply.target.provider, reply.body);
        }
        if (decision.cascade && !last) {
            const QString why =
                Policy::failedCheck(decision.checks, jsonAsked, QJsonDocument::fromJson(answer).object());
            if (!why.isEmpty()) {
                // The cheaper answer was billed: it is logged as a request of its own.
                ++m_counters.escalations;
                Record spent = record;
                spent.budgetHold = 0; // held until the request's last step
                spent.tags.insert(QStringLiteral("cascade_step"), step + 1);
                spent.tags.insert(QStringLiteral("escalated"), why);
                m_accounting.finish(spent, answer);
                record.tags.insert(QStringLiteral("escalated_from"), reply.target.model);
                record.tags.insert(QStringLiteral("escalation_reason"), why);
                continue;
            }
        }
        if (decision.cascade)
            record.tags.insert(QStringLiteral("cascade_step"), step + 1);
        m_accounting.finish(record, answer);
        if (!exactKey.isEmpty())
            m_cache.putExact(exactKey, answer, m_clock.nowMs());
        if (embedding)
            m_cache.putSemantic(bucket, *embedding, words, answer, m_clock.nowMs());
        res.status = 200;
        if (streamWhole)
            res.set_content(asEvents(answer, clientWantsUsage), "text/event-stream");
        else
            res.set_content(reply.body, "application/json");
        return;
    }
}

void ChatRoute::handleEmbeddings(const httplib::Request &req, httplib::Response &res)
{
    ++m_counters.requests;
    Record record;
    record.startedMs = m_clock.nowMs();
    record.active = m_policy.current();
    if (!admit(req, res))
        return;
    if (!attribute(req, record.view, res)) {
        ++m_counters.badRequests;
        return;
    }
    const QJsonObject body = QJsonDocument::fromJson(QByteArray::fromStdString(req.body)).object();
    const QString model = body.value(QStringLiteral("model")).toString();
    if (model.isEmpty() || !body.contains(QStringLiteral("input"))) {
        ++m_counters.badRequests;
        return jsonError(res, 400, QStringLiteral("invalid_request_error"),
                         QStringLiteral("an embeddings request needs \"model\" and \"input\""));
    }
    const Target target{providerFor(model), model};
    if (m_upstreams.isAnthropic(target.provider)) {
        ++m_counters.badRequests;
        return jsonError(res, 400, QStringLiteral("invalid_request_error"),
                         QStringLiteral("%1 goes to an Anthropic upstream, which has no embeddings API").arg(model));
    }
    record.provider = target.provider;
    record.model = record.requestedModel = model;
    record.view.model = model;
    TokenCounts held;
    held.input = (qint64(QJsonDocument(QJsonArray{body.value(QStringLiteral("input"))}).toJson().size()) + 3) / 4;
    if (!holdBudget(record, {target}, {}, held, res))
        return;
    ++m_counters.upstreamCalls;
    const auto reply = m_upstreams.post(target, "/v1/embeddings", req.body);
    if (reply.status == 0) {
        ++m_counters.upstreamErrors;
        record.status = QStringLiteral("upstream_unreachable");
        m_accounting.finish(record, {});
        return jsonError(res, 502, QStringLiteral("upstream_error"),
                         QStringLiteral("no upstream answered: %1").arg(reply.error));
    }
    if (reply.status != 200) {
        record.status = QString::number(reply.status);
        m_accounting.finish(record, {});
        return upstreamError(res, reply.status, target.provider, reply.body);
    }
    m_accounting.finish(record, QByteArray::fromStdString(reply.body));
    res.status = 200;
    res.set_content(reply.body, "application/json");
}

} // namespace CostGov::Gateway

#include "upstreams.h"

#include "anthropic.h"
#include "common/clock.h"
#include "openai.h"

#include <QJsonDocument>
#include <QUrl>

#include <httplib.h>

namespace CostGov::Gateway {

struct Upstreams::Pool {
    Upstream upstream;
    std::string origin, prefix;
    std::mutex mutex;
    std::vector<std::unique_ptr<httplib::Client>> idle;
};

Upstreams::Upstreams(const QVector<Upstream> &upstreams, int timeoutSeconds, const Clock &clock)
    : m_timeout(timeoutSeconds), m_clock(clock)
{
    for (const Upstream &u : upstreams) {
        auto pool = std::make_unique<Pool>();
        pool->upstream = u;
        const QUrl url(u.baseUrl);
        pool->origin = QString(url.scheme() + QStringLiteral("://") + url.authority()).toStdString();
        QString prefix = url.path();
        while (prefix.endsWith(QLatin1Char('/')))
            prefix.chop(1);
        if (prefix.endsWith(QLatin1String("/v1")))
            prefix.chop(3);
        pool->prefix = prefix.toStdString();
        m_pools.emplace(u.provider, std::move(pool));
    }
}

Upstreams::~Upstreams() = default;

bool Upstreams::isAnthropic(const QString &provider) const
{
    const auto it = m_pools.find(provider);
    return it != m_pools.end() && it->second->upstream.anthropic;
}

std::unique_ptr<httplib::Client> Upstreams::client(const QString &provider, std::string &prefix)
{
    Pool &pool = *m_pools.at(provider);
    prefix = pool.prefix;
    {
        std::lock_guard lock(pool.mutex);
        if (!pool.idle.empty()) {
            auto c = std::move(pool.idle.back());
            pool.idle.pop_back();
            return c;
        }
    }
    auto c = std::make_unique<httplib::Client>(pool.origin);
    c->set_keep_alive(true);
    c->set_tcp_nodelay(true);
    c->set_connection_timeout(10, 0);
    c->set_read_timeout(m_timeout, 0);
    c->set_write_timeout(m_timeout, 0);
    if (pool.upstream.anthropic)
        c->set_default_headers({{"x-api-key", pool.upstream.key.toStdString()}, {"anthropic-version", "2023-06-01"}});
    else
        c->set_bearer_token_auth(pool.upstream.key.toStdString());
    return c;
}

void Upstreams::release(const QString &provider, std::unique_ptr<httplib::Client> c)
{
    Pool &pool = *m_pools.at(provider);
    std::lock_guard lock(pool.mutex);
    if (pool.idle.size() < 256)
        pool.idle.push_back(std::move(c));
}

Upstreams::Reply Upstreams::chat(const Policy::Target &target, const QJsonObject &body)
{
    if (!isAnthropic(target.provider))
        return post(target, "/v1/chat/completions", QJsonDocument(body).toJson(QJsonDocument::Compact).toStdString());
    const auto request = Anthropic::toMessages(body);
    if (!request.ok()) {
        Reply refused;
        refused.target = target;
        refused.status = 400;
        refused.body = errorBody(QStringLiteral("invalid_request_error"), request.error().message);
        return refused;
    }
    Reply reply = post(target, "/v1/messages", QJsonDocument(*request).toJson(QJsonDocument::Compact).toStdString());
    if (reply.status == 200)
        reply.body =
            Anthropic::toChatCompletion(QJsonDocument::fromJson(QByteArray::fromStdString(reply.body)).object(),
                                        m_clock.nowMs() / 1000)
                .toStdString();
    else if (reply.status != 0)
        reply.body = Anthropic::toOpenAiError(reply.body);
    return reply;
}

Upstreams::Reply Upstreams::post(const Policy::Target &target, const char *path, const std::string &body)
{
    Reply reply;
    reply.target = target;
    if (!has(target.provider)) {
        reply.error = QStringLiteral("no upstream named \"%1\" is configured").arg(target.provider);
        return reply;
    }
    std::string prefix;
    auto c = client(target.provider, prefix);
    auto result = c->Post(prefix + path, body, "application/json");
    if (!result) {
        reply.error = QString::fromStdString(httplib::to_string(result.error()));
        return reply; // the client is dropped with its broken connection
    }
    reply.status = result->status;
    reply.body = std::move(result->body);
    release(target.provider, std::move(c));
    return reply;
}

QVector<Policy::Problem> unknownProviders(const Policy::Policy &policy, const Upstreams &upstreams)
{
    QVector<Policy::Problem> problems;
    const auto check = [&](const Policy::Target &t, const QString &path) {
        if (!upstreams.has(t.provider))
            problems.append({path + QStringLiteral(".provider"),
                             QStringLiteral("this agent has no upstream \"%1\"").arg(t.provider)});
    };
    const auto checkAll = [&](const QVector<Policy::Target> &targets, const QString &path) {
        for (int i = 0; i < targets.size(); ++i)
            check(targets.at(i), path + QStringLiteral("[%1]").arg(i));
    };
    for (int i = 0; i < policy.rules.size(); ++i) {
        const Policy::Rule &r = policy.rules.at(i);
        const QString path = QStringLiteral("routing.rules[%1]").arg(i);
        if (r.cascade)
            checkAll(r.targets, path + QStringLiteral(".cascade.models"));
        else if (!r.targets.isEmpty())
            check(r.targets.first(), path + QStringLiteral(".route"));
        checkAll(r.fallbacks, path + QStringLiteral(".fallbacks"));
    }
    checkAll(policy.defaultFallbacks, QStringLiteral("routing.fallbacks"));
    if (policy.semantic.enabled && policy.semantic.embedding == QLatin1String("upstream"))
        check(policy.semantic.embeddingTarget, QStringLiteral("cache.semantic.embedding"));
    return problems;
}

} // namespace CostGov::Gateway

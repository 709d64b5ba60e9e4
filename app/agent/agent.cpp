#include "agent.h"

#include "alerts/alerts.h"
#include "common/jsonwriter.h"
#include "common/timeutil.h"

#include <QCryptographicHash>
#include <QDate>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QSaveFile>
#include <QUrl>

#include <httplib.h>

#include <condition_variable>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <deque>
#include <map>

namespace CostGov::Agent {

using Policy::Target;

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QString text(const QJsonObject &o, const char *key, const QString &fallback = {})
{
    return o.value(QLatin1String(key)).toString(fallback);
}

/// A secret from an environment variable or from a file only its owner may read.
Result<QByteArray> readSecret(const QJsonObject &o, const char *envKey, const char *fileKey, const QString &what,
                              const QDir &base)
{
    const QString env = text(o, envKey);
    if (!env.isEmpty()) {
        const QByteArray value = qgetenv(env.toLocal8Bit().constData()).trimmed();
        if (value.isEmpty())
            return makeError(ErrorCode::Usage,
                             QStringLiteral("%1: the environment variable %2 is not set").arg(what, env));
        return value;
    }
    if (text(o, fileKey).isEmpty())
        return QByteArray();
    const QString path = base.absoluteFilePath(text(o, fileKey));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::Io, QStringLiteral("%1: cannot read %2: %3").arg(what, path, file.errorString()));
    if (file.permissions()
        & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteGroup | QFileDevice::WriteOther))
        return makeError(ErrorCode::Usage,
                         QStringLiteral("%1: %2 can be read by others; make it private (chmod 600)").arg(what, path));
    return file.readAll().trimmed();
}

/// An OpenAI-style error body: {"error": {"message", "type", ...extra}}.
std::string errorBody(const QString &type, const QString &message, const QJsonObject &extra = {})
{
    QJsonObject error{{QStringLiteral("message"), message}, {QStringLiteral("type"), type}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        error.insert(it.key(), it.value());
    return QJsonDocument(QJsonObject{{QStringLiteral("error"), error}}).toJson(QJsonDocument::Compact).toStdString();
}

void jsonError(httplib::Response &res, int status, const QString &type, const QString &message,
               const QJsonObject &extra = {})
{
    res.status = status;
    res.set_content(errorBody(type, message, extra), "application/json");
}

bool retryable(int status)
{
    return status == 0 || status == 429 || status >= 500;
}

struct Usage {
    qint64 input = 0, output = 0, cacheRead = 0, cacheWrite = 0;
};

/// Tokens of an OpenAI usage object (with cache_creation_input_tokens when an Anthropic answer was
/// translated): input excludes cache reads and writes, as the canonical log counts them.
Usage usageOf(const QJsonObject &usage)
{
    Usage u;
    const qint64 prompt = usage.value(QStringLiteral("prompt_tokens")).toInteger();
    u.cacheRead = usage.value(QStringLiteral("prompt_tokens_details"))
                      .toObject()
                      .value(QStringLiteral("cached_tokens"))
                      .toInteger();
    u.cacheWrite = usage.value(QStringLiteral("cache_creation_input_tokens")).toInteger();
    u.input = std::max<qint64>(0, prompt - u.cacheRead - u.cacheWrite);
    u.output = usage.value(QStringLiteral("completion_tokens")).toInteger();
    return u;
}

/// Where the first server-sent event in text ends ("\n\n" or "\r\n\r\n"), with the separator's length.
size_t eventEnd(const std::string &text, size_t &separator)
{
    const size_t lf = text.find("\n\n"), crlf = text.find("\r\n\r\n");
    separator = crlf < lf ? 4 : 2;
    return std::min(lf, crlf);
}

/// A whole chat completion as the server-sent events a stream of it would have been: the content
/// in one chunk, the finish, the usage when asked for, and [DONE].
std::string asEvents(const QByteArray &completion, bool withUsage)
{
    const QJsonObject c = QJsonDocument::fromJson(completion).object();
    const QJsonObject choice = c.value(QStringLiteral("choices")).toArray().at(0).toObject();
    const auto chunk = [&c](const QJsonArray &choices, const QJsonValue &usage) {
        QJsonObject o{{QStringLiteral("id"), c.value(QStringLiteral("id"))},
                      {QStringLiteral("object"), QStringLiteral("chat.completion.chunk")},
                      {QStringLiteral("created"), c.value(QStringLiteral("created"))},
                      {QStringLiteral("model"), c.value(QStringLiteral("model"))},
                      {QStringLiteral("choices"), choices}};
        if (!usage.isUndefined())
            o.insert(QStringLiteral("usage"), usage);
        return "data: " + QJsonDocument(o).toJson(QJsonDocument::Compact).toStdString() + "\n\n";
    };
    std::string events =
        chunk(QJsonArray{QJsonObject{{QStringLiteral("index"), 0},
                                     {QStringLiteral("delta"), choice.value(QStringLiteral("message")).toObject()},
                                     {QStringLiteral("finish_reason"), QJsonValue()}}},
              QJsonValue::Undefined);
    events +=
        chunk(QJsonArray{QJsonObject{{QStringLiteral("index"), 0},
                                     {QStringLiteral("delta"), QJsonObject()},
                                     {QStringLiteral("finish_reason"), choice.value(QStringLiteral("finish_reason"))}}},
              QJsonValue::Undefined);
    if (withUsage)
        events += chunk(QJsonArray(), c.value(QStringLiteral("usage")));
    return events + "data: [DONE]\n\n";
}

// ---- Anthropic's messages API behind the OpenAI shape

/// A chat completions request as a messages request, or why it cannot be one.
Result<QJsonObject> toAnthropic(const QJsonObject &chat)
{
    QStringList system;
    QJsonArray messages;
    for (const QJsonValue &v : chat.value(QStringLiteral("messages")).toArray()) {
        const QJsonObject m = v.toObject();
        const QString role = m.value(QStringLiteral("role")).toString();
        if (role == QLatin1String("system") || role == QLatin1String("developer"))
            system.append(Policy::messageText(m.value(QStringLiteral("content"))));
        else if (role == QLatin1String("user") || role == QLatin1String("assistant"))
            messages.append(
                QJsonObject{{QStringLiteral("role"), role},
                            {QStringLiteral("content"), Policy::messageText(m.value(QStringLiteral("content")))}});
        else
            return makeError(ErrorCode::Usage,
                             QStringLiteral("messages with role \"%1\" cannot go to an Anthropic "
                                            "upstream; route tool use to an OpenAI-compatible one")
                                 .arg(role));
    }
    if (!chat.value(QStringLiteral("tools")).toArray().isEmpty())
        return makeError(ErrorCode::Usage,
                         QStringLiteral("tools cannot go to an Anthropic upstream yet; route tool use "
                                        "to an OpenAI-compatible one"));
    QJsonObject out{{QStringLiteral("model"), chat.value(QStringLiteral("model"))},
                    {QStringLiteral("messages"), messages},
                    {QStringLiteral("max_tokens"),
                     chat.value(QStringLiteral("max_completion_tokens"))
                         .toInteger(chat.value(QStringLiteral("max_tokens")).toInteger(4096))}};
    if (!system.isEmpty())
        out.insert(QStringLiteral("system"), system.join(QLatin1Char('\n')));
    for (const char *key : {"temperature", "top_p"})
        if (chat.value(QLatin1String(key)).isDouble())
            out.insert(QLatin1String(key), chat.value(QLatin1String(key)));
    const QJsonValue stop = chat.value(QStringLiteral("stop"));
    if (stop.isString())
        out.insert(QStringLiteral("stop_sequences"), QJsonArray{stop});
    else if (stop.isArray())
        out.insert(QStringLiteral("stop_sequences"), stop);
    return out;
}

/// A messages answer as a chat completion (usage keeps the cache write count).
QByteArray fromAnthropic(const QJsonObject &m)
{
    const QString stop = m.value(QStringLiteral("stop_reason")).toString();
    const QJsonObject u = m.value(QStringLiteral("usage")).toObject();
    const qint64 read = u.value(QStringLiteral("cache_read_input_tokens")).toInteger();
    const qint64 write = u.value(QStringLiteral("cache_creation_input_tokens")).toInteger();
    const qint64 prompt = u.value(QStringLiteral("input_tokens")).toInteger() + read + write;
    const qint64 output = u.value(QStringLiteral("output_tokens")).toInteger();
    const QJsonObject out{
        {QStringLiteral("id"), m.value(QStringLiteral("id"))},
        {QStringLiteral("object"), QStringLiteral("chat.completion")},
        {QStringLiteral("created"), QDateTime::currentSecsSinceEpoch()},
        {QStringLiteral("model"), m.value(QStringLiteral("model"))},
        {QStringLiteral("choices"),
         QJsonArray{QJsonObject{
             {QStringLiteral("index"), 0},
             {QStringLiteral("message"),
              QJsonObject{{QStringLiteral("role"), QStringLiteral("assistant")},
                          {QStringLiteral("content"), Policy::messageText(m.value(QStringLiteral("content")))}}},
             {QStringLiteral("finish_reason"),
              stop == QLatin1String("max_tokens")    ? QStringLiteral("length")
                  : stop == QLatin1String("refusal") ? QStringLiteral("content_filter")
                                                     : QStringLiteral("stop")}}}},
        {QStringLiteral("usage"),
         QJsonObject{{QStringLiteral("prompt_tokens"), prompt},
                     {QStringLiteral("completion_tokens"), output},
                     {QStringLiteral("total_tokens"), prompt + output},
                     {QStringLiteral("prompt_tokens_details"), QJsonObject{{QStringLiteral("cached_tokens"), read}}},
                     {QStringLiteral("cache_creation_input_tokens"), write}}}};
    return QJsonDocument(out).toJson(QJsonDocument::Compact);
}

/// An Anthropic error body in OpenAI's shape.
std::string errorFromAnthropic(const std::string &body)
{
    const QJsonObject e =
        QJsonDocument::fromJson(QByteArray::fromStdString(body)).object().value(QStringLiteral("error")).toObject();
    return errorBody(e.value(QStringLiteral("type")).toString(QStringLiteral("upstream_error")),
                     e.value(QStringLiteral("message")).toString(QString::fromStdString(body).left(500)));
}

QString randomId()
{
    quint64 bits[2];
    QRandomGenerator::system()->fillRange(bits);
    return QStringLiteral("cg-%1%2").arg(bits[0], 16, 16, QLatin1Char('0')).arg(bits[1], 16, 16, QLatin1Char('0'));
}

bool constantTimeEqual(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

} // namespace

// ---- Configuration

Result<Config> readConfig(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::Io, QStringLiteral("cannot read the config %1: %2").arg(path, file.errorString()));
    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return makeError(ErrorCode::Data,
                         QStringLiteral("%1 is not a JSON object: %2").arg(path, parseError.errorString()));
    const QJsonObject o = doc.object();
    const QDir base = QFileInfo(path).absoluteDir();
    const auto pathOf = [&](const char *key) {
        const QString p = text(o, key);
        return p.isEmpty() ? p : base.absoluteFilePath(p);
    };
    Config c;
    const auto listen = [&](const char *key, QString &host, int &port) -> Status {
        const QString value = text(o, key);
        if (value.isEmpty())
            return {};
        const qsizetype colon = value.lastIndexOf(QLatin1Char(':'));
        bool ok = false;
        port = value.mid(colon + 1).toInt(&ok);
        if (colon <= 0 || !ok || port < 0 || port > 65535)
            return makeError(ErrorCode::Usage,
                             QStringLiteral("%1: \"%2\" is not host:port").arg(QLatin1String(key), value));
        host = value.left(colon);
        return {};
    };
    if (Status s = listen("listen", c.host, c.port); !s)
        return s.error();
    if (Status s = listen("management_listen", c.managementHost, c.managementPort); !s)
        return s.error();
    auto token =
        readSecret(o, "management_token_env", "management_token_file", QStringLiteral("management token"), base);
    if (!token.ok())
        return token.error();
    if (token->size() < 16)
        return makeError(ErrorCode::Usage,
                         QStringLiteral("the management API needs a token of at least 16 characters "
                                        "(management_token_env or management_token_file)"));
    c.managementToken = *token;
    c.stateDir = pathOf("state_dir");
    c.logDir = pathOf("log_dir");
    if (c.stateDir.isEmpty() || c.logDir.isEmpty())
        return makeError(ErrorCode::Usage, QStringLiteral("%1: state_dir and log_dir are required").arg(path));
    c.policyFile = pathOf("policy_file");
    c.tlsCertFile = pathOf("tls_cert_file");
    c.tlsKeyFile = pathOf("tls_key_file");
    if (c.tlsCertFile.isEmpty() != c.tlsKeyFile.isEmpty())
        return makeError(ErrorCode::Usage, QStringLiteral("%1: tls_cert_file and tls_key_file go together").arg(path));
    c.pricesFile = pathOf("prices_file");
    c.logMaxBytes = o.value(QStringLiteral("log_max_bytes")).toInteger(c.logMaxBytes);
    c.logPrompts = o.value(QStringLiteral("log_prompts")).toBool(false);
    c.threads = std::clamp(o.value(QStringLiteral("threads")).toInt(c.threads), 2, 1024);
    c.maxBodyBytes = o.value(QStringLiteral("max_body_bytes")).toInteger(c.maxBodyBytes);
    c.upstreamTimeoutSeconds = o.value(QStringLiteral("upstream_timeout_seconds")).toInt(c.upstreamTimeoutSeconds);
    for (const QJsonValue &v : o.value(QStringLiteral("upstreams")).toArray()) {
        const QJsonObject u = v.toObject();
        Upstream up{text(u, "provider"),
                    text(u, "base_url"),
                    {},
                    {},
                    text(u, "kind", QStringLiteral("openai")) == QLatin1String("anthropic")};
        for (const QJsonValue &m : u.value(QStringLiteral("models")).toArray())
            up.models.append(m.toString());
        const QUrl url(up.baseUrl);
        if (text(u, "kind", QStringLiteral("openai")) != QLatin1String("openai") && !up.anthropic)
            return makeError(ErrorCode::Usage,
                             QStringLiteral("upstream \"%1\": kind is \"openai\" or \"anthropic\"").arg(up.provider));
        if (up.provider.isEmpty() || !url.isValid()
            || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
            return makeError(
                ErrorCode::Usage,
                QStringLiteral("upstream \"%1\": needs a provider and an http(s) base_url").arg(up.provider));
        const QString host = url.host();
        if (url.scheme() == QLatin1String("http") && host != QLatin1String("127.0.0.1")
            && host != QLatin1String("localhost") && host != QLatin1String("::1")
            && !u.value(QStringLiteral("insecure_http")).toBool())
            return makeError(ErrorCode::Usage,
                             QStringLiteral("upstream \"%1\": %2 would send its key unencrypted; use https, or set "
                                            "\"insecure_http\": true for a network you trust")
                                 .arg(up.provider, up.baseUrl));
        auto key = readSecret(u, "key_env", "key_file", QStringLiteral("upstream %1 key").arg(up.provider), base);
        if (!key.ok())
            return key.error();
        up.key = *key;
        c.upstreams.append(up);
    }
    if (c.upstreams.isEmpty())
        return makeError(ErrorCode::Usage, QStringLiteral("%1: no upstreams configured").arg(path));
    for (const QJsonValue &v : o.value(QStringLiteral("client_keys")).toArray()) {
        const QJsonObject k = v.toObject();
        ClientKey key{text(k, "key_sha256").toLatin1().toLower(), text(k, "team"), text(k, "feature"), text(k, "user"),
                      text(k, "environment")};
        if (key.sha256.size() != 64)
            return makeError(ErrorCode::Usage, QStringLiteral("client_keys: key_sha256 must be a hex SHA-256"));
        c.clientKeys.append(key);
    }
    return c;
}

// ---- Upstreams: a pool of keep-alive clients per provider

class Agent::Upstreams {
public:
    struct Reply {
        int status = 0; ///< 0: no answer
        std::string body;
        QString error;
        Target target;
    };

    Upstreams(const QVector<Upstream> &upstreams, int timeoutSeconds) : m_timeout(timeoutSeconds)
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

    bool has(const QString &provider) const { return m_pools.count(provider) > 0; }
    bool isAnthropic(const QString &provider) const
    {
        const auto it = m_pools.find(provider);
        return it != m_pools.end() && it->second->upstream.anthropic;
    }

    std::unique_ptr<httplib::Client> client(const QString &provider, std::string &prefix)
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
            c->set_default_headers(
                {{"x-api-key", pool.upstream.key.toStdString()}, {"anthropic-version", "2023-06-01"}});
        else
            c->set_bearer_token_auth(pool.upstream.key.toStdString());
        return c;
    }

    void release(const QString &provider, std::unique_ptr<httplib::Client> c)
    {
        Pool &pool = *m_pools.at(provider);
        std::lock_guard lock(pool.mutex);
        if (pool.idle.size() < 256)
            pool.idle.push_back(std::move(c));
    }

    /// A chat completion from either kind of upstream, in OpenAI's shape.
    Reply chat(const Target &target, const QJsonObject &body)
    {
        if (!isAnthropic(target.provider))
            return post(target, "/v1/chat/completions",
                        QJsonDocument(body).toJson(QJsonDocument::Compact).toStdString());
        const auto request = toAnthropic(body);
        if (!request.ok()) {
            Reply refused;
            refused.target = target;
            refused.status = 400;
            refused.body = errorBody(QStringLiteral("invalid_request_error"), request.error().message);
            return refused;
        }
        Reply reply =
            post(target, "/v1/messages", QJsonDocument(*request).toJson(QJsonDocument::Compact).toStdString());
        if (reply.status == 200)
            reply.body =
                fromAnthropic(QJsonDocument::fromJson(QByteArray::fromStdString(reply.body)).object()).toStdString();
        else if (reply.status != 0)
            reply.body = errorFromAnthropic(reply.body);
        return reply;
    }

    Reply post(const Target &target, const char *path, const std::string &body)
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

private:
    struct Pool {
        Upstream upstream;
        std::string origin, prefix;
        std::mutex mutex;
        std::vector<std::unique_ptr<httplib::Client>> idle;
    };
    std::map<QString, std::unique_ptr<Pool>> m_pools;
    int m_timeout;
};

// ---- The canonical JSONL log: requests-YYYY-MM-DD-001.jsonl, -002, ... each at most the configured size

class Agent::RequestLog {
public:
    RequestLog(QString dir, qint64 maxBytes) : m_dir(std::move(dir)), m_maxBytes(maxBytes) {}

    /// Appends a line to the file of the day it is written (a request that began before midnight
    /// and ends after goes to the new day's file: files only ever grow at their end).
    void write(qint64 nowMs, const QByteArray &line)
    {
        std::lock_guard lock(m_mutex);
        const qint64 day = utcDay(nowMs);
        if (!m_file.isOpen() || day != m_day || m_file.size() + line.size() > m_maxBytes) {
            m_file.close();
            if (day != m_day) {
                // The day's last part so far (after a restart, parts may exist already).
                m_day = day;
                m_part = 1;
                while (QFile::exists(partPath(m_part + 1)))
                    ++m_part;
            }
            while (QFileInfo(partPath(m_part)).size() > 0
                   && QFileInfo(partPath(m_part)).size() + line.size() > m_maxBytes)
                ++m_part;
            m_file.setFileName(partPath(m_part));
            if (!m_file.open(QIODevice::Append)) {
                qWarning("costgov-agent: cannot write %s: %s", qPrintable(m_file.fileName()),
                         qPrintable(m_file.errorString()));
                return;
            }
        }
        m_file.write(line);
        m_file.flush();
    }

private:
    QString m_dir;
    qint64 m_maxBytes;
    std::mutex m_mutex;
    QFile m_file;
    qint64 m_day = -1;
    int m_part = 1;

    QString partPath(int part) const
    {
        return QDir(m_dir).filePath(
            QStringLiteral("requests-%1-%2.jsonl").arg(isoDate(m_day)).arg(part, 3, 10, QLatin1Char('0')));
    }
};

// ---- Hard budgets: the policy's baseline plus what this agent served since

class Agent::BudgetMeter {
public:
    /// Why the request must be refused, or nothing.
    std::optional<QString> refusal(const Policy::Policy &policy, const Policy::RequestView &request, qint64 now)
    {
        std::lock_guard lock(m_mutex);
        for (const Policy::Budget &b : policy.budgets) {
            if (!Policy::inScope(b, request))
                continue;
            const QString group = Policy::groupOf(b, request);
            const auto [spent, window] = spentLocked(b, group, now);
            if (spent >= b.limit)
                return QStringLiteral("budget \"%1\"%2 is spent: $%3 of $%4 this %5; it resets at %6")
                    .arg(b.name, group.isEmpty() ? QString() : QStringLiteral(" for %1 %2").arg(b.each, group),
                         usdText(spent), usdText(b.limit), b.window, isoTimestamp(window.second));
        }
        return std::nullopt;
    }

    /// Counts a request served at tsMs (now, or earlier when the log is replayed).
    void add(const Policy::Policy &policy, const Policy::RequestView &request, Nano cost, qint64 tsMs, qint64 now)
    {
        std::lock_guard lock(m_mutex);
        addLocked(policy, request, cost, tsMs, now);
    }

    /// Where a replay of the log must start to cover every budget's window since its push.
    static qint64 replayFrom(const Policy::Policy &policy, qint64 now)
    {
        qint64 from = now;
        for (const Policy::Budget &b : policy.budgets)
            from = std::min(from, std::max(windowOf(b, now).first, b.spentAsOfMs));
        return from;
    }

private:
    void addLocked(const Policy::Policy &policy, const Policy::RequestView &request, Nano cost, qint64 tsMs, qint64 now)
    {
        for (const Policy::Budget &b : policy.budgets) {
            if (!Policy::inScope(b, request))
                continue;
            const QString group = Policy::groupOf(b, request);
            const auto window = spentLocked(b, group, now).second;
            if (tsMs >= window.first && tsMs >= b.spentAsOfMs)
                m_spent[key(b, group, window.first)] += cost;
        }
    }

public:
    /// Starts again from the log: feed(add) calls add(request, cost, tsMs) for each logged request.
    /// Requests finishing meanwhile wait, so none is counted twice or lost.
    void
    rebuild(const Policy::Policy &policy, qint64 now,
            const std::function<void(const std::function<void(const Policy::RequestView &, Nano, qint64)> &)> &feed)
    {
        std::lock_guard lock(m_mutex);
        m_spent.clear();
        feed([&](const Policy::RequestView &request, Nano cost, qint64 tsMs) {
            addLocked(policy, request, cost, tsMs, now);
        });
    }

    QJsonArray status(const Policy::Policy &policy, qint64 now)
    {
        std::lock_guard lock(m_mutex);
        QJsonArray out;
        for (const Policy::Budget &b : policy.budgets) {
            QStringList groups = b.spentByGroup.keys();
            const QString prefix = key(b, QString(), windowOf(b, now).first);
            for (const auto &[k, spent] : m_spent)
                if (!b.each.isEmpty() && k.startsWith(prefix))
                    groups.append(k.mid(prefix.size()));
            if (b.each.isEmpty())
                groups = {QString()};
            groups.removeDuplicates();
            for (const QString &group : groups) {
                const auto [spent, window] = spentLocked(b, group, now);
                QJsonObject o{{QStringLiteral("name"), b.name},
                              {QStringLiteral("spent_usd"), usdText(spent)},
                              {QStringLiteral("limit_usd"), usdText(b.limit)},
                              {QStringLiteral("window_start"), isoTimestamp(window.first)},
                              {QStringLiteral("exhausted"), spent >= b.limit}};
                if (!b.each.isEmpty())
                    o.insert(b.each, group);
                out.append(o);
            }
        }
        return out;
    }

private:
    static std::pair<qint64, qint64> windowOf(const Policy::Budget &b, qint64 now)
    {
        return Alerts::windowAround(now, Alerts::windowFromName(b.window).value_or(Alerts::Window::Month), b.timeZone);
    }

    /// One total per budget, push (its baseline's time), window and group: a new push or window
    /// starts from zero, and budgets of the same name in other pushes never mix.
    static QString key(const Policy::Budget &b, const QString &group, qint64 windowStart)
    {
        const QChar sep(0x1f);
        return b.name + sep + QString::number(b.spentAsOfMs) + sep + QString::number(windowStart) + sep + group;
    }

    std::pair<Nano, std::pair<qint64, qint64>> spentLocked(const Policy::Budget &b, const QString &group, qint64 now)
    {
        const auto window = windowOf(b, now);
        const bool baselineInWindow = b.spentAsOfMs >= window.first && b.spentAsOfMs < window.second;
        const Nano base = !baselineInWindow ? 0 : b.each.isEmpty() ? b.spentAtPush : b.spentByGroup.value(group);
        const auto it = m_spent.find(key(b, group, window.first));
        return {base + (it == m_spent.end() ? 0 : it->second), window};
    }

    std::mutex m_mutex;
    std::map<QString, Nano> m_spent;
};

// ---- One request's log record

struct Agent::Active {
    Policy::Policy policy;
    QByteArray document;
    QString etag;
};

struct Agent::Record {
    qint64 tsMs = 0;
    qint64 startedMs = 0;
    QString requestId, provider, model, requestedModel, route, status = QStringLiteral("success");
    Policy::RequestView view;
    Usage usage;
    bool cacheHit = false;
    QJsonObject tags;
    std::shared_ptr<const Active> active;

    QByteArray line() const
    {
        JsonWriter w;
        w.beginObject();
        w.key(QStringLiteral("ts")).value(isoTimestamp(tsMs));
        w.key(QStringLiteral("request_id")).value(requestId);
        w.key(QStringLiteral("provider")).value(provider);
        w.key(QStringLiteral("model")).value(model);
        w.key(QStringLiteral("requested_model")).value(requestedModel);
        w.key(QStringLiteral("input_tokens")).value(usage.input);
        w.key(QStringLiteral("output_tokens")).value(usage.output);
        w.key(QStringLiteral("cache_read_tokens")).value(usage.cacheRead);
        w.key(QStringLiteral("cache_write_tokens")).value(usage.cacheWrite);
        w.key(QStringLiteral("latency_ms")).value(QDateTime::currentMSecsSinceEpoch() - startedMs);
        w.key(QStringLiteral("status")).value(status);
        w.key(QStringLiteral("cache_hit")).value(cacheHit);
        const auto put = [&w](const char *key, const QString &value) {
            if (!value.isEmpty())
                w.key(QLatin1String(key)).value(value);
        };
        put("team", view.team);
        put("feature", view.feature);
        put("user", view.user);
        put("environment", view.environment);
        put("route", route);
        if (!tags.isEmpty())
            w.key(QStringLiteral("tags")).raw(QJsonDocument(tags).toJson(QJsonDocument::Compact));
        w.endObject();
        return w.data() + '\n';
    }
};

// ---- The agent

Agent::Agent(Config config) : m_config(std::move(config)) {}

Agent::~Agent()
{
    stop();
}

std::shared_ptr<const Agent::Active> Agent::active() const
{
    std::lock_guard lock(m_activeMutex);
    return m_active;
}

Status Agent::install(const Policy::Policy &policy, const QByteArray &document, bool persist)
{
    auto next = std::make_shared<Active>();
    next->policy = policy;
    next->document = document;
    next->etag = QLatin1Char('"') + Policy::contentHash(policy) + QLatin1Char('"');
    if (persist) {
        QSaveFile file(QDir(m_config.stateDir).filePath(QStringLiteral("policy.json")));
        if (!file.open(QIODevice::WriteOnly) || file.write(document) != document.size() || !file.commit())
            return makeError(
                ErrorCode::Io,
                QStringLiteral("cannot keep the policy in %1: %2").arg(m_config.stateDir, file.errorString()));
    }
    m_cache.configure(policy.exact, policy.semantic);
    bool budgetsChanged = false;
    {
        std::lock_guard lock(m_activeMutex);
        budgetsChanged = !m_active
            || Policy::toJson(m_active->policy).value(QStringLiteral("budgets"))
                != Policy::toJson(policy).value(QStringLiteral("budgets"));
        m_active = std::move(next);
    }
    if (budgetsChanged && m_budgets)
        replayBudgets();
    return {};
}

Status Agent::prepare()
{
    m_startedMs = nowMs();
    for (const QString &dir : {m_config.stateDir, m_config.logDir})
        if (!QDir().mkpath(dir))
            return makeError(ErrorCode::Io, QStringLiteral("cannot create %1").arg(dir));
    // Prices for budgets: the bundled feed, and the configured file above it.
    m_prices.setFeed(Pricing::bundledFeed());
    if (!m_config.pricesFile.isEmpty()) {
        QFile f(m_config.pricesFile);
        if (!f.open(QIODevice::ReadOnly))
            return makeError(ErrorCode::Io,
                             QStringLiteral("cannot read %1: %2").arg(m_config.pricesFile, f.errorString()));
        if (Status s = Pricing::addPriceFile(m_prices, f.readAll(), QFileInfo(m_config.pricesFile).fileName()); !s.ok())
            return makeError(s.error().code, QStringLiteral("%1: %2").arg(m_config.pricesFile, s.error().message));
    }

    // The kept policy, else the configured one, else none (requests go as asked).
    Policy::Policy policy;
    QByteArray document = Policy::toDocument(policy);
    for (const QString &path : {QDir(m_config.stateDir).filePath(QStringLiteral("policy.json")), m_config.policyFile}) {
        QFile f(path);
        if (path.isEmpty() || !f.exists())
            continue;
        if (!f.open(QIODevice::ReadOnly))
            return makeError(ErrorCode::Io, QStringLiteral("cannot read %1: %2").arg(path, f.errorString()));
        const QByteArray bytes = f.readAll();
        Policy::Parsed parsed = Policy::parse(bytes);
        if (!parsed.ok())
            return makeError(
                ErrorCode::Data,
                QStringLiteral("%1 is not a valid policy:\n%2").arg(path, Policy::problemsText(parsed.problems)));
        policy = parsed.policy;
        document = bytes;
        break;
    }
    if (Status s = install(policy, document, false); !s)
        return s;

    m_upstreams = std::make_unique<Upstreams>(m_config.upstreams, m_config.upstreamTimeoutSeconds);
    m_log = std::make_unique<RequestLog>(m_config.logDir, m_config.logMaxBytes);
    m_budgets = std::make_unique<BudgetMeter>();
    if (const auto problems = unknownProviders(active()->policy); !problems.isEmpty())
        return makeError(ErrorCode::Data,
                         QStringLiteral("the policy in force names providers this config lacks:\n%1")
                             .arg(Policy::problemsText(problems)));
    replayBudgets();
    return {};
}

Status Agent::start()
{
    if (Status s = prepare(); !s)
        return s;
    const auto configure = [this](httplib::Server &server, int threads) {
        server.new_task_queue = [threads] { return new httplib::ThreadPool(size_t(threads)); };
        server.set_payload_max_length(size_t(m_config.maxBodyBytes));
        server.set_read_timeout(30, 0);
        server.set_write_timeout(30, 0);
        server.set_keep_alive_max_count(100000);
        server.set_keep_alive_timeout(30);
        server.set_tcp_nodelay(true); // no 40 ms waits for delayed ACKs on keep-alive connections
        server.set_exception_handler([](const httplib::Request &, httplib::Response &res, std::exception_ptr) {
            jsonError(res, 500, QStringLiteral("server_error"), QStringLiteral("internal error"));
        });
        server.set_error_handler([](const httplib::Request &req, httplib::Response &res) {
            if (!res.body.empty())
                return;
            const QString message = res.status == 404
                ? QStringLiteral("no such endpoint: %1").arg(QString::fromStdString(req.path))
                : res.status == 413 ? QStringLiteral("request body too large")
                                    : QStringLiteral("bad request");
            jsonError(res, res.status, QStringLiteral("invalid_request_error"), message);
        });
    };
    const auto makeServer = [this]() -> std::unique_ptr<httplib::Server> {
        if (m_config.tlsCertFile.isEmpty())
            return std::make_unique<httplib::Server>();
        const QByteArray cert = QFile::encodeName(m_config.tlsCertFile), key = QFile::encodeName(m_config.tlsKeyFile);
        return std::make_unique<httplib::SSLServer>(cert.constData(), key.constData());
    };
    m_server = makeServer();
    if (!m_server->is_valid())
        return makeError(ErrorCode::Usage,
                         QStringLiteral("cannot serve https with %1 and %2 (a PEM certificate and "
                                        "its private key)")
                             .arg(m_config.tlsCertFile, m_config.tlsKeyFile));
    configure(*m_server, m_config.threads);
    m_server->Post("/v1/chat/completions",
                   [this](const httplib::Request &req, httplib::Response &res) { handleChat(req, res); });
    m_server->Post("/v1/embeddings",
                   [this](const httplib::Request &req, httplib::Response &res) { handleEmbeddings(req, res); });
    m_management = makeServer();
    configure(*m_management, 4);
    const auto management = [this](const httplib::Request &req, httplib::Response &res) { handleManagement(req, res); };
    m_management->Get(".*", management);
    m_management->Put(".*", management);
    m_management->Post(".*", management);
    m_management->Delete(".*", management);

    const auto bind = [](httplib::Server &server, const QString &host, int port) {
        const std::string h = host.toStdString();
        return port == 0 ? server.bind_to_any_port(h) : (server.bind_to_port(h, port) ? port : -1);
    };
    m_port = bind(*m_server, m_config.host, m_config.port);
    if (m_port <= 0)
        return makeError(ErrorCode::Io, QStringLiteral("cannot listen on %1:%2").arg(m_config.host).arg(m_config.port));
    m_managementPort = bind(*m_management, m_config.managementHost, m_config.managementPort);
    if (m_managementPort <= 0)
        return makeError(
            ErrorCode::Io,
            QStringLiteral("cannot listen on %1:%2").arg(m_config.managementHost).arg(m_config.managementPort));
    m_serverThread = std::thread([this] { m_server->listen_after_bind(); });
    m_managementThread = std::thread([this] { m_management->listen_after_bind(); });
    m_maintenanceThread = std::thread([this] {
        // Cache churn frees memory in every thread's malloc arena; give what is free back to the
        // system once a minute, so a long-running agent's footprint follows what it holds.
        std::unique_lock lock(m_maintenanceMutex);
        while (!m_maintenanceWake.wait_for(lock, std::chrono::seconds(60), [this] { return m_stopped.load(); })) {
#ifdef __GLIBC__
            malloc_trim(0);
#endif
        }
    });
    return {};
}

void Agent::stop()
{
    if (m_stopped.exchange(true))
        return;
    if (m_server)
        m_server->stop();
    if (m_management)
        m_management->stop();
    if (m_serverThread.joinable())
        m_serverThread.join();
    if (m_managementThread.joinable())
        m_managementThread.join();
    {
        std::lock_guard lock(m_maintenanceMutex);
        m_maintenanceWake.notify_all();
    }
    if (m_maintenanceThread.joinable())
        m_maintenanceThread.join();
    // Upstream threads of streams the stopped server dropped end at their next chunk.
    while (m_streams.load() > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

QString Agent::providerFor(const QString &model) const
{
    for (const Upstream &u : m_config.upstreams)
        for (const QString &pattern : u.models)
            if (pattern.endsWith(QLatin1Char('*')) ? model.startsWith(QStringView(pattern).chopped(1))
                                                   : pattern == model)
                return u.provider;
    return m_config.upstreams.first().provider;
}

std::optional<Policy::Embedding> Agent::embed(const Policy::Policy &policy, const QString &input)
{
    if (policy.semantic.embedding == QLatin1String("local"))
        return Policy::lexicalEmbedding(input);
    const QByteArray body = QJsonDocument(QJsonObject{{QStringLiteral("model"), policy.semantic.embeddingTarget.model},
                                                      {QStringLiteral("input"), input}})
                                .toJson(QJsonDocument::Compact);
    const auto reply = m_upstreams->post(policy.semantic.embeddingTarget, "/v1/embeddings", body.toStdString());
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

std::optional<Nano> Agent::costOf(const QString &provider, const QString &model, const TokenCounts &tokens,
                                  qint64 tsMs) const
{
    const auto *price = m_prices.find(provider.toStdString(), model.toStdString(), tsMs);
    return price ? Pricing::computeCost(price->prices, tokens, false) : std::nullopt;
}

void Agent::replayBudgets()
{
    // Every request this agent served is in its log: budgets count from there after a restart and
    // whenever the budgets change (a push), so served-but-not-yet-imported spend is never lost.
    const auto a = active();
    const qint64 now = nowMs();
    const qint64 from = BudgetMeter::replayFrom(a->policy, now);
    const QString firstFile = QStringLiteral("requests-%1").arg(isoDate(utcDay(from)));
    const QDir dir(m_config.logDir);
    m_budgets->rebuild(a->policy, now, [&](const auto &add) {
        if (a->policy.budgets.isEmpty())
            return;
        for (const QString &name : dir.entryList({QStringLiteral("requests-*.jsonl")}, QDir::Files, QDir::Name)) {
            if (name < firstFile)
                continue;
            QFile file(dir.filePath(name));
            if (!file.open(QIODevice::ReadOnly))
                continue;
            while (!file.atEnd()) {
                const QJsonObject r = QJsonDocument::fromJson(file.readLine()).object();
                const auto ts = parseTimestampMs(r.value(QStringLiteral("ts")).toString().toStdString());
                if (!ts || *ts < from || r.value(QStringLiteral("cache_hit")).toBool())
                    continue;
                Policy::RequestView view;
                view.model = r.value(QStringLiteral("requested_model")).toString();
                view.team = r.value(QStringLiteral("team")).toString();
                view.feature = r.value(QStringLiteral("feature")).toString();
                view.user = r.value(QStringLiteral("user")).toString();
                view.environment = r.value(QStringLiteral("environment")).toString();
                TokenCounts tokens;
                tokens.input = r.value(QStringLiteral("input_tokens")).toInteger();
                tokens.output = r.value(QStringLiteral("output_tokens")).toInteger();
                tokens.cacheRead = r.value(QStringLiteral("cache_read_tokens")).toInteger();
                tokens.cacheWrite5m = r.value(QStringLiteral("cache_write_tokens")).toInteger();
                if (const auto cost = costOf(r.value(QStringLiteral("provider")).toString(),
                                             r.value(QStringLiteral("model")).toString(), tokens, *ts))
                    add(view, *cost, *ts);
            }
        }
    });
}

void Agent::finish(Record &record, const QByteArray &responseBody)
{
    if (!responseBody.isEmpty()) {
        const QJsonObject answer = QJsonDocument::fromJson(responseBody).object();
        record.usage = usageOf(answer.value(QStringLiteral("usage")).toObject());
        const QString id = answer.value(QStringLiteral("id")).toString();
        if (!id.isEmpty())
            record.tags.insert(QStringLiteral("upstream_id"), id);
    }
    // The agent's own id: an upstream's ids need not be unique, and the ledger dedupes by id.
    record.requestId = randomId();
    record.tsMs = record.startedMs;
    m_log->write(nowMs(), record.line());
    if (record.status != QLatin1String("success") || record.cacheHit)
        return;
    TokenCounts tokens;
    tokens.input = record.usage.input;
    tokens.output = record.usage.output;
    tokens.cacheRead = record.usage.cacheRead;
    tokens.cacheWrite5m = record.usage.cacheWrite;
    if (const auto cost = costOf(record.provider, record.model, tokens, record.tsMs)) {
        const qint64 now = nowMs();
        m_budgets->add(active()->policy, record.view, *cost, now, now); // the policy in force now
    }
}

void Agent::respondFromCache(const Record &base, const QByteArray &cached, const QString &kind, float similarity,
                             httplib::Response &response)
{
    Record record = base;
    const QJsonObject answer = QJsonDocument::fromJson(cached).object();
    const Usage saved = usageOf(answer.value(QStringLiteral("usage")).toObject());
    record.model = answer.value(QStringLiteral("model")).toString(record.model);
    record.cacheHit = true;
    record.tags.insert(QStringLiteral("cache_kind"), kind);
    if (kind == QLatin1String("semantic"))
        record.tags.insert(QStringLiteral("similarity"), std::round(double(similarity) * 10000.0) / 10000.0);
    record.tags.insert(QStringLiteral("saved_input_tokens"), saved.input + saved.cacheRead);
    record.tags.insert(QStringLiteral("saved_output_tokens"), saved.output);
    finish(record, {});
    response.status = 200;
    response.set_header("x-costgov-cache", kind.toStdString());
    response.set_content(cached.toStdString(), "application/json");
}

bool Agent::attribute(const httplib::Request &req, Policy::RequestView &view) const
{
    // A mapped client key decides the attribution (a client cannot step out of its team's hard
    // budget with a header); without one, the x-costgov-* headers do.
    const std::string authorization = req.get_header_value("Authorization");
    if (authorization.rfind("Bearer ", 0) == 0 && !m_config.clientKeys.isEmpty()) {
        const QByteArray hash =
            QCryptographicHash::hash(QByteArray::fromStdString(authorization.substr(7)), QCryptographicHash::Sha256)
                .toHex();
        for (const ClientKey &k : m_config.clientKeys)
            if (k.sha256 == hash) {
                view.team = k.team;
                view.feature = k.feature;
                view.user = k.user;
                view.environment = k.environment;
                return true;
            }
    }
    const auto header = [&req](const char *name, QString &field) {
        if (req.has_header(name))
            field = QString::fromStdString(req.get_header_value(name)).left(200);
    };
    header("x-costgov-team", view.team);
    header("x-costgov-feature", view.feature);
    header("x-costgov-user", view.user);
    header("x-costgov-environment", view.environment);
    return false;
}

void Agent::handleChat(const httplib::Request &req, httplib::Response &res)
{
    ++m_counters.requests;
    Record record;
    record.startedMs = nowMs();
    record.active = active();
    const Policy::Policy &policy = record.active->policy;

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
    view = Policy::viewOfChat(body);
    if (!attribute(req, view) && view.user.isEmpty())
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

    if (const auto refusal = m_budgets->refusal(policy, view, nowMs())) {
        ++m_counters.budgetRejections;
        record.provider = providerFor(view.model);
        record.model = view.model;
        record.status = QStringLiteral("budget_exceeded");
        finish(record, {});
        return jsonError(res, 429, QStringLiteral("budget_exceeded"), *refusal,
                         {{QStringLiteral("code"), QStringLiteral("costgov_budget_exceeded")}});
    }

    const Policy::Decision decision = Policy::decide(policy, view);
    QVector<Target> steps = decision.targets;
    if (steps.isEmpty())
        steps.append({providerFor(view.model), view.model});
    record.route = decision.ruleName;
    record.provider = steps.first().provider;
    record.model = steps.first().model;
    const bool streaming = body.value(QStringLiteral("stream")).toBool();
    const bool clientWantsUsage =
        body.value(QStringLiteral("stream_options")).toObject().value(QStringLiteral("include_usage")).toBool();

    // Caches: for whole answers only (a stream is passed through as it comes).
    QByteArray exactKey;
    std::optional<Policy::Embedding> embedding;
    QString bucket;
    if (!streaming && decision.exactCache) {
        exactKey = Policy::exactKey(fingerprint, steps.first().model, Policy::scopeOf(policy.exact.scope, view));
        if (auto hit = m_cache.exact(exactKey, nowMs())) {
            ++m_counters.exactHits;
            return respondFromCache(record, *hit, QStringLiteral("exact"), 1.0f, res);
        }
    }
    if (!streaming && decision.semanticCache) {
        // Similar prompts share answers only with the same model, metadata and parameters (a JSON
        // answer never goes to a text request, an answer made without tools never to one with them).
        bucket = QString::fromLatin1(Policy::exactKey({QByteArray(), fingerprint.parameters}, steps.first().model,
                                                      Policy::scopeOf(policy.semantic.metadata, view)));
        embedding = embed(policy, Policy::conversationText(body));
        if (embedding) {
            if (auto hit = m_cache.semantic(bucket, *embedding, nowMs())) {
                ++m_counters.semanticHits;
                return respondFromCache(record, hit->response, QStringLiteral("semantic"), hit->similarity, res);
            }
        }
    }

    // An Anthropic upstream answers a stream whole, sent on as server-sent events.
    const bool streamWhole = streaming && m_upstreams->isAnthropic(steps.last().provider);
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
        return stream(body, chain, record, res);
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
            reply = m_upstreams->chat(chain.at(attempt), body);
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
            finish(record, {});
            return jsonError(res, 502, QStringLiteral("upstream_error"),
                             QStringLiteral("no upstream answered: %1").arg(reply.error));
        }
        if (reply.status != 200) {
            record.status = QString::number(reply.status);
            finish(record, {});
            res.status = reply.status;
            res.set_content(reply.body, "application/json");
            return;
        }
        if (decision.cascade && !last) {
            const QString why =
                Policy::failedCheck(decision.checks, jsonAsked, QJsonDocument::fromJson(answer).object());
            if (!why.isEmpty()) {
                // The cheaper answer was billed: it is logged as a request of its own.
                ++m_counters.escalations;
                Record spent = record;
                spent.tags.insert(QStringLiteral("cascade_step"), step + 1);
                spent.tags.insert(QStringLiteral("escalated"), why);
                finish(spent, answer);
                record.tags.insert(QStringLiteral("escalated_from"), reply.target.model);
                record.tags.insert(QStringLiteral("escalation_reason"), why);
                continue;
            }
        }
        if (decision.cascade)
            record.tags.insert(QStringLiteral("cascade_step"), step + 1);
        finish(record, answer);
        if (!exactKey.isEmpty())
            m_cache.putExact(exactKey, answer, nowMs());
        if (embedding)
            m_cache.putSemantic(bucket, *embedding, answer, nowMs());
        res.status = 200;
        if (streamWhole)
            res.set_content(asEvents(answer, clientWantsUsage), "text/event-stream");
        else
            res.set_content(reply.body, "application/json");
        return;
    }
}

void Agent::stream(QJsonObject body, const QVector<Target> &chain, Record record, httplib::Response &res)
{
    // The upstream call runs on its own thread; the server thread passes on what it delivers.
    struct Shared {
        std::mutex mutex;
        std::condition_variable changed;
        bool headers = false, done = false, clientGone = false;
        int status = 0;
        std::string contentType = "text/event-stream";
        std::deque<std::string> chunks;
    };
    auto shared = std::make_shared<Shared>();
    ++m_streams;
    const bool clientAsked =
        body.value(QStringLiteral("stream_options")).toObject().value(QStringLiteral("include_usage")).toBool();
    QJsonObject options = body.value(QStringLiteral("stream_options")).toObject();
    options.insert(QStringLiteral("include_usage"), true);
    body.insert(QStringLiteral("stream_options"), options);

    std::thread([this, shared, body, chain, record, clientAsked]() mutable {
        std::string pending, failure; // failure: the body of an error answer
        std::string usageJson;
        int finalStatus = 502;
        qint64 receivedChars = 0;
        bool attempted = false;
        for (int attempt = 0; attempt < chain.size(); ++attempt) {
            const Target &target = chain.at(attempt);
            if (!m_upstreams->has(target.provider) || m_upstreams->isAnthropic(target.provider))
                continue; // streams to an Anthropic upstream are answered whole (handleChat)
            body.insert(QStringLiteral("model"), target.model);
            std::string prefix;
            auto client = m_upstreams->client(target.provider, prefix);
            httplib::Request request;
            request.method = "POST";
            request.path = prefix + "/v1/chat/completions";
            request.body = QJsonDocument(body).toJson(QJsonDocument::Compact).toStdString();
            request.set_header("Content-Type", "application/json");
            request.set_header("Accept", "text/event-stream");
            int status = 0;
            const bool lastAttempt = attempt + 1 == chain.size();
            request.response_handler = [&](const httplib::Response &r) {
                status = r.status;
                if (retryable(status) && !lastAttempt)
                    return false; // try the next target before the client sees anything
                std::lock_guard lock(shared->mutex);
                shared->status = status;
                if (r.has_header("Content-Type"))
                    shared->contentType = r.get_header_value("Content-Type");
                shared->headers = true;
                shared->changed.notify_all();
                return true;
            };
            request.content_receiver = [&](const char *data, size_t length, uint64_t, uint64_t) {
                if (status != 200) {
                    failure.append(data, length);
                } else {
                    pending.append(data, length);
                    // Whole server-sent events only; the usage chunk is read, and dropped when
                    // the client did not ask for it.
                    for (size_t end, separator; (end = eventEnd(pending, separator)) != std::string::npos;) {
                        std::string event = pending.substr(0, end + separator);
                        pending.erase(0, end + separator);
                        if (event.rfind("data: {", 0) == 0) {
                            const QJsonObject chunk =
                                QJsonDocument::fromJson(QByteArray::fromStdString(event.substr(6))).object();
                            receivedChars += chunk.value(QStringLiteral("choices"))
                                                 .toArray()
                                                 .at(0)
                                                 .toObject()
                                                 .value(QStringLiteral("delta"))
                                                 .toObject()
                                                 .value(QStringLiteral("content"))
                                                 .toString()
                                                 .size();
                            if (chunk.value(QStringLiteral("usage")).isObject()) {
                                usageJson = event.substr(6);
                                if (!clientAsked && chunk.value(QStringLiteral("choices")).toArray().isEmpty())
                                    continue;
                            }
                        }
                        std::lock_guard lock(shared->mutex);
                        shared->chunks.push_back(std::move(event));
                        shared->changed.notify_all();
                    }
                }
                std::lock_guard lock(shared->mutex);
                return !shared->clientGone;
            };
            ++m_counters.upstreamCalls;
            attempted = true;
            const auto result = client->send(request);
            finalStatus = status;
            record.provider = target.provider;
            record.model = target.model;
            if (!result && status == 0) {
                ++m_counters.upstreamErrors;
                if (!lastAttempt) {
                    ++m_counters.fallbacks;
                    continue;
                }
                record.status = QStringLiteral("upstream_unreachable");
                failure = errorBody(QStringLiteral("upstream_error"),
                                    QStringLiteral("no upstream answered: %1")
                                        .arg(QString::fromStdString(httplib::to_string(result.error()))));
                finalStatus = 502;
                break;
            }
            if (retryable(status) && !lastAttempt) {
                ++m_counters.upstreamErrors;
                ++m_counters.fallbacks;
                record.tags.insert(QStringLiteral("fallback_from"), target.model);
                record.tags.insert(QStringLiteral("fallback_reason"), QStringLiteral("HTTP %1").arg(status));
                continue;
            }
            if (result)
                m_upstreams->release(target.provider, std::move(client));
            if (status != 200) {
                record.status = QString::number(status);
            } else if (!result) {
                std::lock_guard lock(shared->mutex);
                record.status =
                    shared->clientGone ? QStringLiteral("client_closed") : QStringLiteral("upstream_incomplete");
            }
            break;
        }
        if (!attempted) {
            record.status = QStringLiteral("upstream_unreachable");
            failure = errorBody(QStringLiteral("upstream_error"),
                                QStringLiteral("no upstream can stream %1").arg(record.model));
        }
        if (usageJson.empty() && finalStatus == 200) {
            // No usage arrived (the stream broke, or the upstream ignores include_usage): the
            // tokens are estimated rather than logged as free.
            record.tags.insert(QStringLiteral("usage_estimated"), true);
            usageJson = QJsonDocument(
                            QJsonObject{{QStringLiteral("usage"),
                                         QJsonObject{{QStringLiteral("prompt_tokens"), record.view.promptTokens},
                                                     {QStringLiteral("completion_tokens"), (receivedChars + 3) / 4}}}})
                            .toJson(QJsonDocument::Compact)
                            .toStdString();
        }
        if (!pending.empty()) {
            std::lock_guard lock(shared->mutex);
            shared->chunks.push_back(std::move(pending));
        }
        // Logged before the client sees the end, so a client that reads its answer finds it logged.
        finish(record, QByteArray::fromStdString(usageJson));
        {
            std::lock_guard lock(shared->mutex);
            if (!shared->headers) {
                shared->status = finalStatus;
                shared->contentType = "application/json";
                shared->headers = true;
            }
            if (!failure.empty())
                shared->chunks.push_back(failure);
            shared->done = true;
            shared->changed.notify_all();
        }
        --m_streams;
    }).detach();

    std::unique_lock lock(shared->mutex);
    shared->changed.wait(lock, [&] { return shared->headers; });
    res.status = shared->status;
    const std::string contentType = shared->contentType;
    lock.unlock();
    res.set_chunked_content_provider(
        contentType,
        [shared](size_t, httplib::DataSink &sink) {
            std::unique_lock guard(shared->mutex);
            shared->changed.wait(guard, [&] { return !shared->chunks.empty() || shared->done; });
            while (!shared->chunks.empty()) {
                std::string chunk = std::move(shared->chunks.front());
                shared->chunks.pop_front();
                guard.unlock();
                if (!sink.write(chunk.data(), chunk.size()))
                    return false;
                guard.lock();
            }
            if (shared->done)
                sink.done();
            return true;
        },
        [shared](bool success) {
            std::lock_guard guard(shared->mutex);
            if (!success)
                shared->clientGone = true;
        });
}

void Agent::handleEmbeddings(const httplib::Request &req, httplib::Response &res)
{
    ++m_counters.requests;
    Record record;
    record.startedMs = nowMs();
    record.active = active();
    const QJsonObject body = QJsonDocument::fromJson(QByteArray::fromStdString(req.body)).object();
    const QString model = body.value(QStringLiteral("model")).toString();
    if (model.isEmpty() || !body.contains(QStringLiteral("input"))) {
        ++m_counters.badRequests;
        return jsonError(res, 400, QStringLiteral("invalid_request_error"),
                         QStringLiteral("an embeddings request needs \"model\" and \"input\""));
    }
    const Target target{providerFor(model), model};
    if (m_upstreams->isAnthropic(target.provider)) {
        ++m_counters.badRequests;
        return jsonError(res, 400, QStringLiteral("invalid_request_error"),
                         QStringLiteral("%1 goes to an Anthropic upstream, which has no embeddings API").arg(model));
    }
    record.provider = target.provider;
    record.model = record.requestedModel = model;
    attribute(req, record.view);
    record.view.model = model;
    if (const auto refusal = m_budgets->refusal(record.active->policy, record.view, nowMs())) {
        ++m_counters.budgetRejections;
        record.status = QStringLiteral("budget_exceeded");
        finish(record, {});
        return jsonError(res, 429, QStringLiteral("budget_exceeded"), *refusal);
    }
    ++m_counters.upstreamCalls;
    const auto reply = m_upstreams->post(target, "/v1/embeddings", req.body);
    if (reply.status == 0) {
        ++m_counters.upstreamErrors;
        record.status = QStringLiteral("upstream_unreachable");
        finish(record, {});
        return jsonError(res, 502, QStringLiteral("upstream_error"),
                         QStringLiteral("no upstream answered: %1").arg(reply.error));
    }
    if (reply.status != 200)
        record.status = QString::number(reply.status);
    finish(record, reply.status == 200 ? QByteArray::fromStdString(reply.body) : QByteArray());
    res.status = reply.status;
    res.set_content(reply.body, "application/json");
}

QVector<Policy::Problem> Agent::unknownProviders(const Policy::Policy &policy) const
{
    QVector<Policy::Problem> problems;
    const auto check = [&](const Policy::Target &t, const QString &path) {
        if (!m_upstreams->has(t.provider))
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

QByteArray Agent::statusJson() const
{
    const auto a = active();
    const Policy::CacheStats cache = m_cache.stats();
    const QJsonObject o{
        {QStringLiteral("policy_version"), a->policy.version},
        {QStringLiteral("policy_hash"), Policy::contentHash(a->policy)},
        {QStringLiteral("policy_name"), a->policy.name},
        {QStringLiteral("uptime_seconds"), (nowMs() - m_startedMs) / 1000},
        {QStringLiteral("requests"),
         QJsonObject{{QStringLiteral("total"), m_counters.requests.load()},
                     {QStringLiteral("upstream_calls"), m_counters.upstreamCalls.load()},
                     {QStringLiteral("exact_cache_hits"), m_counters.exactHits.load()},
                     {QStringLiteral("semantic_cache_hits"), m_counters.semanticHits.load()},
                     {QStringLiteral("budget_rejections"), m_counters.budgetRejections.load()},
                     {QStringLiteral("fallbacks"), m_counters.fallbacks.load()},
                     {QStringLiteral("escalations"), m_counters.escalations.load()},
                     {QStringLiteral("upstream_errors"), m_counters.upstreamErrors.load()},
                     {QStringLiteral("bad_requests"), m_counters.badRequests.load()}}},
        {QStringLiteral("cache"),
         QJsonObject{{QStringLiteral("exact_entries"), cache.exactEntries},
                     {QStringLiteral("exact_bytes"), cache.exactBytes},
                     {QStringLiteral("exact_hits"), cache.exactHits},
                     {QStringLiteral("exact_misses"), cache.exactMisses},
                     {QStringLiteral("semantic_entries"), cache.semanticEntries},
                     {QStringLiteral("semantic_hits"), cache.semanticHits},
                     {QStringLiteral("semantic_misses"), cache.semanticMisses},
                     {QStringLiteral("evictions"), cache.evictions}}},
        {QStringLiteral("budgets"), m_budgets->status(a->policy, nowMs())},
        {QStringLiteral("policy_updates"), m_counters.policyUpdates.load()},
        {QStringLiteral("policy_refusals"), m_counters.policyRefusals.load()},
    };
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QByteArray Agent::metricsText() const
{
    const Policy::CacheStats cache = m_cache.stats();
    const auto a = active();
    QByteArray out;
    const auto metric = [&out](const char *name, const char *type, const char *help, qint64 value) {
        out += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n' + name + ' '
            + QByteArray::number(value) + '\n';
    };
    metric("costgov_agent_requests_total", "counter", "Requests received.", m_counters.requests);
    metric("costgov_agent_upstream_calls_total", "counter", "Calls made to upstream providers.",
           m_counters.upstreamCalls);
    metric("costgov_agent_cache_hits_exact_total", "counter", "Answers from the exact cache.", m_counters.exactHits);
    metric("costgov_agent_cache_hits_semantic_total", "counter", "Answers from the semantic cache.",
           m_counters.semanticHits);
    metric("costgov_agent_budget_rejections_total", "counter", "Requests refused by a hard budget.",
           m_counters.budgetRejections);
    metric("costgov_agent_fallbacks_total", "counter", "Fallbacks after 429, 5xx or no answer.", m_counters.fallbacks);
    metric("costgov_agent_escalations_total", "counter", "Cascade escalations.", m_counters.escalations);
    metric("costgov_agent_upstream_errors_total", "counter", "Upstream 429, 5xx or no answer.",
           m_counters.upstreamErrors);
    metric("costgov_agent_bad_requests_total", "counter", "Malformed requests refused.", m_counters.badRequests);
    metric("costgov_agent_cache_entries_exact", "gauge", "Entries in the exact cache.", cache.exactEntries);
    metric("costgov_agent_cache_bytes_exact", "gauge", "Bytes in the exact cache.", cache.exactBytes);
    metric("costgov_agent_cache_entries_semantic", "gauge", "Entries in the semantic cache.", cache.semanticEntries);
    metric("costgov_agent_policy_version", "gauge", "Version of the policy in force.", a->policy.version);
    metric("costgov_agent_uptime_seconds", "gauge", "Seconds since start.", (nowMs() - m_startedMs) / 1000);
    return out;
}

void Agent::handleManagement(const httplib::Request &req, httplib::Response &res)
{
    const std::string authorization = req.get_header_value("Authorization");
    const QByteArray expected = "Bearer " + m_config.managementToken;
    if (!constantTimeEqual(QByteArray::fromStdString(authorization), expected)) {
        res.set_header("WWW-Authenticate", "Bearer");
        return jsonError(res, 401, QStringLiteral("unauthorized"),
                         QStringLiteral("a bearer token is required (Authorization: Bearer <token>)"));
    }
    auto a = active();
    res.status = 200;
    if (req.path == "/v1/policy" && req.method == "GET") {
        res.set_header("ETag", a->etag.toStdString());
        res.set_content(QJsonDocument(QJsonObject{{QStringLiteral("version"), a->policy.version},
                                                  {QStringLiteral("hash"), Policy::contentHash(a->policy)},
                                                  {QStringLiteral("policy"), Policy::toJson(a->policy)}})
                            .toJson(QJsonDocument::Indented)
                            .toStdString(),
                        "application/json");
        return;
    }
    if (req.path == "/v1/policy" && req.method == "PUT") {
        // Compare, keep and swap as one: two pushes with the same ETag cannot both win.
        std::lock_guard putLock(m_putMutex);
        a = active(); // as of now, under the lock
        const std::string ifMatch = req.get_header_value("If-Match");
        if (ifMatch.empty())
            return jsonError(res, 428, QStringLiteral("precondition_required"),
                             QStringLiteral("PUT /v1/policy needs If-Match with the ETag of GET /v1/policy"));
        if (ifMatch != "*" && QString::fromStdString(ifMatch) != a->etag) {
            res.set_header("ETag", a->etag.toStdString());
            return jsonError(res, 412, QStringLiteral("precondition_failed"),
                             QStringLiteral("the policy changed since it was read (ETag %1)").arg(a->etag));
        }
        const QByteArray document = QByteArray::fromStdString(req.body);
        Policy::Parsed parsed = Policy::parse(document);
        if (parsed.ok())
            parsed.problems = unknownProviders(parsed.policy);
        if (!parsed.ok()) {
            ++m_counters.policyRefusals;
            QJsonArray problems;
            for (const auto &p : parsed.problems)
                problems.append(p.path.isEmpty() ? p.message : p.path + QStringLiteral(": ") + p.message);
            res.set_header("ETag", a->etag.toStdString());
            return jsonError(res, 422, QStringLiteral("invalid_policy"),
                             QStringLiteral("policy refused; version %1 stays in force").arg(a->policy.version),
                             {{QStringLiteral("problems"), problems}});
        }
        if (Status s = install(parsed.policy, document, true); !s)
            return jsonError(res, 500, QStringLiteral("server_error"), s.error().message);
        ++m_counters.policyUpdates;
        const auto now = active();
        res.set_header("ETag", now->etag.toStdString());
        res.set_content(QJsonDocument(QJsonObject{{QStringLiteral("version"), now->policy.version},
                                                  {QStringLiteral("hash"), Policy::contentHash(now->policy)}})
                            .toJson(QJsonDocument::Compact)
                            .toStdString(),
                        "application/json");
        return;
    }
    if (req.path == "/v1/status" && req.method == "GET") {
        res.set_content(statusJson().toStdString(), "application/json");
        return;
    }
    if (req.path == "/metrics" && req.method == "GET") {
        res.set_content(metricsText().toStdString(), "text/plain; version=0.0.4");
        return;
    }
    jsonError(res, 404, QStringLiteral("not_found"),
              QStringLiteral("no such endpoint: %1 %2")
                  .arg(QString::fromStdString(req.method), QString::fromStdString(req.path)));
}

} // namespace CostGov::Agent

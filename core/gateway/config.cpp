#include "config.h"

#include <grp.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

namespace CostGov::Gateway {

namespace {

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

} // namespace

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
    if (!c.tlsKeyFile.isEmpty()
        && QFileInfo(c.tlsKeyFile).permissions()
            & (QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ExeGroup | QFileDevice::ReadOther
               | QFileDevice::WriteOther | QFileDevice::ExeOther))
        return makeError(
            ErrorCode::Usage,
            QStringLiteral("tls_key_file %1 can be read by others; make it private (chmod 600)").arg(c.tlsKeyFile));
    c.managementInsecureHttp = o.value(QStringLiteral("management_insecure_http")).toBool(false);
    const bool loopback = c.managementHost == QLatin1String("localhost")
        || QHostAddress(c.managementHost.startsWith(QLatin1Char('[')) ? c.managementHost.mid(1).chopped(1)
                                                                      : c.managementHost)
               .isLoopback();
    if (!loopback && c.tlsCertFile.isEmpty() && !c.managementInsecureHttp)
        return makeError(ErrorCode::Usage,
                         QStringLiteral("management_listen %1 is reachable from the network but has no TLS: set "
                                        "tls_cert_file and tls_key_file, or \"management_insecure_http\": true "
                                        "for a network you trust")
                             .arg(c.managementHost));
    c.pricesFile = pathOf("prices_file");
    c.logMaxBytes = o.value(QStringLiteral("log_max_bytes")).toInteger(c.logMaxBytes);
    c.logTotalMaxBytes = o.value(QStringLiteral("log_total_max_bytes")).toInteger(c.logTotalMaxBytes);
    c.logRetentionDays = o.value(QStringLiteral("log_retention_days")).toInt(c.logRetentionDays);
    if (const QString group = text(o, "log_group"); !group.isEmpty()) {
        const struct group *g = ::getgrnam(group.toLocal8Bit().constData());
        if (!g)
            return makeError(ErrorCode::Usage, QStringLiteral("%1: log_group %2 does not exist").arg(path, group));
        c.logGroupId = int(g->gr_gid);
    }
    if (c.logMaxBytes < 4096 || c.logTotalMaxBytes < c.logMaxBytes || c.logRetentionDays < 1)
        return makeError(ErrorCode::Usage,
                         QStringLiteral("%1: log_max_bytes must be at least 4096, log_total_max_bytes at least "
                                        "log_max_bytes, log_retention_days at least 1")
                             .arg(path));
    c.logPrompts = o.value(QStringLiteral("log_prompts")).toBool(false);
    c.threads = std::clamp(o.value(QStringLiteral("threads")).toInt(c.threads), 2, 1024);
    c.maxConnectionsPerClient =
        std::clamp(o.value(QStringLiteral("max_connections_per_client")).toInt(c.maxConnectionsPerClient), 1, 1024);
    c.maxBodyBytes = o.value(QStringLiteral("max_body_bytes")).toInteger(c.maxBodyBytes);
    c.headerTimeoutSeconds =
        std::clamp(o.value(QStringLiteral("header_timeout_seconds")).toInt(c.headerTimeoutSeconds), 1, 3600);
    c.bodyTimeoutSeconds =
        std::clamp(o.value(QStringLiteral("body_timeout_seconds")).toInt(c.bodyTimeoutSeconds), 1, 3600);
    c.upstreamTimeoutSeconds = o.value(QStringLiteral("upstream_timeout_seconds")).toInt(c.upstreamTimeoutSeconds);
    c.streamIdleTimeoutSeconds =
        std::clamp(o.value(QStringLiteral("stream_idle_timeout_seconds")).toInt(c.streamIdleTimeoutSeconds), 1, 3600);
    c.managementAuthMaxFailures = std::clamp(
        o.value(QStringLiteral("management_auth_max_failures")).toInt(c.managementAuthMaxFailures), 1, 1000000);
    c.managementAuthLockoutSeconds = std::clamp(
        o.value(QStringLiteral("management_auth_lockout_seconds")).toInt(c.managementAuthLockoutSeconds), 1, 86400);
    c.requireClientKey = o.value(QStringLiteral("require_client_key")).toBool(false);
    for (const QJsonValue &v : o.value(QStringLiteral("allowed_hosts")).toArray())
        if (!v.toString().isEmpty())
            c.allowedHosts.append(v.toString().toLower());
    c.budgetDefaultMaxTokens = std::clamp<qint64>(
        o.value(QStringLiteral("budget_default_max_tokens")).toInteger(c.budgetDefaultMaxTokens), 1, 10'000'000);
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
    if (c.requireClientKey && c.clientKeys.isEmpty())
        return makeError(ErrorCode::Usage,
                         QStringLiteral("%1: require_client_key is set but client_keys lists no key").arg(path));
    return c;
}

} // namespace CostGov::Gateway

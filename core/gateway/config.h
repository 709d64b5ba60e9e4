#pragma once

#include "common/result.h"

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QVector>

// costgov-agent: an OpenAI-compatible proxy that enforces a routing and caching policy, writes
// the canonical JSONL request log, and takes policies from the desktop on a management port.
namespace CostGov::Gateway {

struct Upstream {
    QString provider;       ///< the name policies route to ("openai")
    QString baseUrl;        ///< e.g. https://api.openai.com (the agent adds /v1/...)
    QStringList models;     ///< requested models this upstream serves when no rule routes them ("gpt-*")
    QByteArray key;         ///< from key_env or a 0600 key_file
    bool anthropic = false; ///< kind "anthropic": Anthropic's messages API behind the OpenAI shape
};

struct ClientKey {
    QByteArray sha256; ///< hex SHA-256 of the key a client sends as its bearer token
    QString team, feature, user, environment;
};

struct Config {
    QString host = QStringLiteral("127.0.0.1");
    int port = 8787;
    QString managementHost = QStringLiteral("127.0.0.1");
    int managementPort = 8788;
    QByteArray managementToken;
    QString tlsCertFile, tlsKeyFile;      ///< both set: both ports serve https
    QString stateDir;                     ///< the accepted policy is kept here (policy.json)
    QString logDir;                       ///< canonical JSONL request logs
    qint64 logMaxBytes = 100ll << 20;     ///< one part file
    qint64 logTotalMaxBytes = 10ll << 30; ///< all parts: the oldest go first
    int logRetentionDays = 400;           ///< older days' files are deleted
    int logGroupId = -1;                  ///< log_group: files 0640 for this group; none: 0600
    bool logPrompts = false;              ///< the last user message in the log's tags; off: only its hash
    QString policyFile;                   ///< the policy to start with when the state directory has none
    QString pricesFile;                   ///< a LiteLLM or genai-prices file above the bundled catalog, for budgets
    QVector<Upstream> upstreams;
    QVector<ClientKey> clientKeys;
    int threads = 32;                 ///< the proxy port's connections, a thread each
    int maxConnectionsPerClient = 16; ///< proxy connections one client address may hold
    qint64 maxBodyBytes = 8ll << 20;  ///< a request body, as sent (compressed bodies are refused)
    int headerTimeoutSeconds = 10;    ///< a whole request head, from when the connection waits for it
    int bodyTimeoutSeconds = 60;      ///< a whole request body, from the end of its head
    int upstreamTimeoutSeconds = 300;
    int streamIdleTimeoutSeconds = 120; ///< silence in a streamed answer before the agent ends it
    int managementAuthMaxFailures = 10; ///< wrong management tokens from one address before a lock-out
    int managementAuthLockoutSeconds = 60;
    bool managementInsecureHttp = false; ///< allows a non-loopback management_listen without TLS
    /// Only requests with a key listed in client_keys are served (401 otherwise); attribution
    /// then comes from the key alone.
    bool requireClientKey = false;
    /// Host header values the proxy answers to ("name" at the port a request came in on, or
    /// "name:port"); empty: the listen host, localhost, 127.0.0.1 and [::1].
    QStringList allowedHosts;
    /// Output tokens a budget holds for a request that sets no max_tokens.
    qint64 budgetDefaultMaxTokens = 4096;
};

/// Reads an agent config file (JSON; keys documented in the README). Secrets come from the
/// environment or from files only their owner can read.
Result<Config> readConfig(const QString &path);

} // namespace CostGov::Gateway

#pragma once

#include "common/money.h"

#include <QJsonObject>
#include <QMap>
#include <QRegularExpression>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QVector>

#include <optional>

// The routing and caching policy: one versioned JSON document (schema in the README), parsed and
// validated here, and the engine that decides what to do with one request. Plain code with no
// event loop: costgov-agent runs it live, the desktop and costgovctl run it over history.
namespace CostGov::Policy {

/// A provider and a model to send a request to.
struct Target {
    QString provider;
    QString model;
    bool operator==(const Target &) const = default;
};

/// When a rule applies. Empty lists and unset bounds match everything.
struct Match {
    QStringList models; ///< requested model; a trailing '*' matches a prefix
    std::optional<qint64> minPromptTokens;
    std::optional<qint64> maxPromptTokens;
    QStringList keywords; ///< any of them in the last user message, case-insensitive
    QString regex;        ///< in the last user message
    QRegularExpression compiledRegex;
    QStringList teams, features, users, environments;
    std::optional<bool> tools;             ///< the request offers tools
    QString responseFormat;                ///< "json" (json_object or json_schema), "text", or "" for any
    std::optional<qint64> maxTokensAtMost; ///< max_tokens (or max_completion_tokens) set and at most this
    bool needsText() const { return !keywords.isEmpty() || !regex.isEmpty(); }
    bool needsParameters() const { return tools.has_value() || !responseFormat.isEmpty() || maxTokensAtMost; }
};

/// What a cascade step's answer must pass before it is returned instead of escalating.
struct Checks {
    bool validJson = true;      ///< valid JSON when JSON was asked for
    qint64 minOutputTokens = 1; ///< not empty and at least this long
    bool finishLength = true;   ///< finish_reason "length" fails
    bool refusal = true;        ///< a refusal fails
};

struct Rule {
    QString name;
    Match match;
    bool cascade = false;
    /// route: one target; cascade: the cheaper ones first, the last one answers without a check.
    QVector<Target> targets;
    Checks checks;
    QVector<Target> fallbacks;      ///< tried in order on 429 or 5xx
    std::optional<bool> exactCache; ///< per route: overrides the policy's cache switch
    std::optional<bool> semanticCache;
};

struct ExactCache {
    bool enabled = false;
    qint64 ttlSeconds = 3600;
    qint64 maxEntries = 10000;
    qint64 maxBytes = 64ll << 20;
    /// Dimensions a hit must share: team, feature, user, environment and client (the client key).
    /// Without client, keys mapped to the same values share; header-attributed requests never do.
    QStringList scope{QStringLiteral("client"), QStringLiteral("team"), QStringLiteral("feature")};
};

struct SemanticCache {
    bool enabled = false;
    double threshold = 0.90;
    QStringList metadata{QStringLiteral("client"), QStringLiteral("team"),
                         QStringLiteral("feature")}; ///< must match exactly, as the exact cache's scope
    QString embedding = QStringLiteral("local");     ///< "local" (lexical, built in) or "upstream"
    Target embeddingTarget;                          ///< for "upstream": provider and embeddings model
    qint64 ttlSeconds = 3600;
    qint64 maxEntries = 2000;
    qint64 maxBytes = 64ll << 20;
};

/// A hard budget: requests in its scope are refused once the window's spend reaches the limit.
struct Budget {
    QString name;
    QString team, feature, user, environment, model; ///< empty: any
    QString window = QStringLiteral("month");        ///< day, week (from Monday), month, quarter
    QString timeZone = QStringLiteral("UTC");
    Nano limit = 0;
    QString each;         ///< "team" or "feature": the limit holds for each value apart; "" for the scope as a whole
    Nano spentAtPush = 0; ///< the ledger's spend in the window when pushed
    QMap<QString, Nano> spentByGroup; ///< the same per value, for a budget with each
    qint64 spentAsOfMs = 0;           ///< the time the ledger's spend runs to; the agent counts after it
};

struct Policy {
    qint64 version = 0; ///< set by the policy store when saved
    QString name;
    QString description;
    QVector<Rule> rules;
    QVector<Target> defaultFallbacks; ///< for requests no rule matched
    ExactCache exact;
    SemanticCache semantic;
    bool cacheNondeterministic = false; ///< cache requests with temperature > 0 or n > 1
    bool cacheHitHeader = false;        ///< tell clients of a hit with x-costgov-cache (it reveals who asked before)
    QVector<Budget> budgets;
};

/// A problem found in a policy document, with the JSON path of the field ("routing.rules[2].match.regex").
struct Problem {
    QString path;
    QString message;
};
QString problemsText(const QVector<Problem> &problems);

struct Parsed {
    Policy policy;
    QVector<Problem> problems;
    bool ok() const { return problems.isEmpty(); }
};

/// Parses and validates a policy document. Unknown fields are problems (a typo must not pass).
Parsed parse(const QByteArray &json);
/// The document of a policy, in the form parse() reads; formatted with keys in a stable order.
QJsonObject toJson(const Policy &policy);
QByteArray toDocument(const Policy &policy);
/// The document's content hash (the agent's ETag): version and content, not formatting.
QString contentHash(const Policy &policy);

/// What the engine sees of a request.
struct RequestView {
    QString model; ///< requested
    qint64 promptTokens = 0;
    QString lastUserMessage;
    bool textKnown = true;       ///< false over history: keyword and regex conditions cannot be judged
    bool parametersKnown = true; ///< false over history unless the agent logged them
    QString team, feature, user, environment;
    QString client;               ///< the client key's identity (a hash of its bearer token); "" without one
    bool attributedByKey = false; ///< team, feature, user, environment come from a listed client key
    bool tools = false;
    QString responseFormat; ///< "json", "text" or ""
    std::optional<qint64> maxTokens;
    bool deterministic = true; ///< temperature 0 (or unset with caching of non-deterministic allowed) and n <= 1
};

/// A message's text: the string, or its text parts joined.
QString messageText(const QJsonValue &content);
/// A chat completions request body as the engine sees it, with the attribution given apart.
RequestView viewOfChat(const QJsonObject &body);
/// A rough prompt size: a token per four characters of message text, rounded up.
qint64 estimateTokens(const QJsonArray &messages);

/// The outcome of a rule's match: yes, no, or unknown (a condition needs what history lacks).
enum class MatchResult { No, Yes, Unknown };
MatchResult matches(const Match &match, const RequestView &request);

struct Decision {
    int rule = -1; ///< index in Policy::rules; -1: no rule matched, the request goes as asked
    QString ruleName;
    bool cascade = false;
    QVector<Target> targets; ///< empty when no rule matched: the requested model, provider by name
    Checks checks;
    QVector<Target> fallbacks;
    bool exactCache = false;
    bool semanticCache = false;
};
/// The first rule that matches (unknown counts as no match).
Decision decide(const Policy &policy, const RequestView &request);

/// Why a cascade step's answer (a chat completion response) fails the checks, or "" when it passes.
QString failedCheck(const Checks &checks, bool jsonAsked, const QJsonObject &response);

/// Whether a budget's scope covers a request's attribution and model.
bool inScope(const Budget &budget, const RequestView &request);
/// The request's value of the budget's each dimension ("" without one), as claimed.
QString groupOf(const Budget &budget, const RequestView &request);
/// The group a budget with each counts a value against: the value when the policy names it (a
/// rule's or budget's team or feature, or a group the ledger reported at push) or listed holds it
/// (the client keys' mappings); kUnattributed otherwise, so invented names share one total.
QString countedGroup(const Policy &policy, const Budget &budget, const QString &value, const QSet<QString> &listed);
inline const QString kUnattributed = QStringLiteral("(unattributed)");

} // namespace CostGov::Policy

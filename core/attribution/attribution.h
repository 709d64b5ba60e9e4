#pragma once

#include "common/money.h"
#include "common/result.h"

#include <QString>
#include <QVector>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

class QSqlDatabase;

namespace CostGov::Storage {
class Ledger;
}

namespace CostGov::Attribution {

/// What billed costs and usage are attributed to when no rule matches.
QString unallocated();

/// An ordered rule: rows of a provider ("" any) whose field equals the pattern ("*" at the end
/// matches a prefix) belong to a team and feature. The first matching rule wins. Fields:
/// - project: the OpenAI project id or Anthropic workspace id, of billed rows and of requests;
/// - api_key: the API key id of billed rows;
/// - team: the team a request's log names (a LiteLLM team alias or team id, an OpenTelemetry
///   service.namespace or costgov.team, the canonical team);
/// - service: the OpenTelemetry service.name of a request;
/// - tag: "key=value", a tag or metadata entry kept with a request (LiteLLM metadata and request
///   tags, for example api_key_alias=search-prod or team_id=t-42).
/// An empty feature keeps a request's own feature (billed rows get "unallocated").
struct Rule {
    qint64 id = 0;
    int position = 0;
    QString provider;
    QString field;
    QString pattern;
    QString team;
    QString feature;

    /// Whether the rule applies to billed rows (project, api_key).
    bool forBilled() const;
    /// Whether the rule applies to metered requests (project, team, service, tag).
    bool forRequests() const;
};

/// What a request's source says, for the rules: the values before any rule changed them.
struct RequestFacts {
    std::string_view provider;
    std::string_view project;
    std::string_view team;
    std::string_view tagsJson; ///< the compact tags object the readers write, or empty
};

/// The request rules, prepared to be tried on many requests (import, re-applying to history).
class RequestRules {
public:
    struct Target {
        std::string team;
        std::string feature; ///< empty: keep the request's own
    };

    RequestRules() = default;
    explicit RequestRules(const QVector<Rule> &rules);

    bool empty() const { return m_rules.empty(); }
    /// Whether any rule reads tags (then the answer depends on more than a request's dimensions).
    bool readsTags() const { return m_readsTags; }
    /// The first rule's target that matches, or null.
    const Target *match(const RequestFacts &facts) const;

private:
    enum class Field { Project, Team, Service, Tag };
    struct Compiled {
        std::string provider;
        Field field;
        std::string key; ///< tag key (service: service_name)
        std::string value;
        bool prefix;
        Target target;
    };
    std::vector<Compiled> m_rules;
    bool m_readsTags = false;
};

/// The value of a text entry of a compact tags object ({"key":"value",...}); nullopt when absent.
std::optional<std::string> tagValue(std::string_view tagsJson, std::string_view key);

/// The rules, in the order they are tried.
Result<QVector<Rule>> listRules(Storage::Ledger &ledger);
/// Adds a rule at position (1 = first; 0 = last) and returns its id. The field must be project or
/// api_key, the pattern and team not empty.
Result<qint64> addRule(Storage::Ledger &ledger, const Rule &rule);
/// Removes a rule; false when there was none with that id.
Result<bool> removeRule(Storage::Ledger &ledger, qint64 id);

/// What applying the rules changed.
struct Moved {
    qint64 rows = 0;      ///< billed cost and usage rows whose team or feature changed
    Nano amount = 0;      ///< billed cost of the cost rows among them
    qint64 requests = 0;  ///< metered requests whose team or feature changed
    Nano requestCost = 0; ///< their cost (priced ones)
};

/// Applies the rules to every billed cost and usage row on db, inside the caller's transaction
/// (costgovctl sync applies them to what it stores). Fills rows and amount.
Result<Moved> applyBilledRules(QSqlDatabase &db);
/// After the rules changed: applies them to every billed row and every metered request (from the
/// values their sources gave, so a rule removed gives requests their own team back), and rebuilds
/// the rollups of the days that moved. One transaction.
Result<Moved> applyRules(Storage::Ledger &ledger);

} // namespace CostGov::Attribution

#pragma once

#include "common/result.h"
#include "pricing/tokenprices.h"

#include <QByteArray>
#include <QRegularExpression>
#include <QString>
#include <QVector>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace CostGov::Pricing {

/// A model or provider match rule of the genai-prices schema, matched against a lower-case name.
struct MatchRule {
    enum class Kind { Equals, StartsWith, EndsWith, Contains, Regex, Or, And };
    Kind kind = Kind::Equals;
    std::string text;
    QRegularExpression regex;
    std::vector<MatchRule> rules; ///< of Or and And

    bool matches(std::string_view name) const;
};

/// When one of a model's prices applies: from a UTC day on, or during a daily UTC interval.
struct PriceCondition {
    qint64 startDay = -1;     ///< start_date as a UTC day number; -1 = none
    qint64 startMsOfDay = -1; ///< start_time; -1 = no time-of-day interval
    qint64 endMsOfDay = -1;   ///< end_time, exclusive

    bool holds(qint64 tsMs) const;
};

/// One model of the feed with its prices in the order of the file.
struct FeedModel {
    QString id;
    QString name;
    int provider = -1; ///< index into PriceFeed::providers()
    MatchRule match;
    std::vector<PriceCondition> conditions; ///< parallel to prices
    std::vector<PriceEntry> prices;

    /// The feed's rule: the last price whose condition holds, else the first.
    const PriceEntry &priceAt(qint64 tsMs) const;
};

/// One provider of the feed and its models, indexed by the names their rules spell out.
struct FeedProvider {
    QString id;
    QString name;
    std::optional<MatchRule> modelMatch;    ///< which model names belong to this provider
    std::optional<MatchRule> providerMatch; ///< which provider names mean this provider
    QStringList fallbacks;                  ///< providers whose models this one also serves
    std::vector<FeedModel> models;

    /// The first model (in file order) whose rule matches the lower-case name, or nullptr.
    const FeedModel *findModel(std::string_view modelName) const;

    // Models whose rule is only equals / starts_with clauses are found through these; the rest
    // (contains, regex, ends_with, and) are tried one by one.
    std::unordered_map<std::string, std::vector<int>> byName, byPrefix;
    std::vector<int> others;
};

/// A genai-prices price feed (the v2 data.json): providers, models, match rules, dated,
/// time-of-day and tiered prices. Immutable once parsed, so one feed serves many threads.
class PriceFeed {
public:
    /// Parses and checks a feed. An error names the provider, model and field at fault.
    static Result<std::shared_ptr<const PriceFeed>> parse(const QByteArray &json, const QString &source);

    /// The model a request of this provider and model name is priced as, or nullptr. The
    /// provider (as a log names it: "anthropic", "aws.bedrock", "gcp.vertex_ai", may be empty)
    /// picks among models of the same name; names may carry provider, region and version parts.
    const FeedModel *find(std::string_view provider, std::string_view model) const;

    const std::vector<FeedProvider> &providers() const { return m_providers; }
    QString source() const { return m_source; }
    int modelCount() const;

private:
    int providerIndex(std::string_view provider) const;
    const FeedModel *findIn(int provider, std::string_view name) const;

    std::vector<FeedProvider> m_providers;
    QString m_source;
};

/// The feed shipped with the application (genai-prices, resources/prices/genai-prices.json),
/// parsed once per process.
std::shared_ptr<const PriceFeed> bundledFeed();

/// Prices of a feed model in words, one condition per line: the text the diff compares.
QString describePrices(const FeedModel &model);

/// How one model differs between two feeds; before is empty for a model added, after for one removed.
struct FeedChange {
    QString provider;
    QString model;
    QString before;
    QString after;
};

/// Models added, removed or priced differently in after, by provider and model id.
QVector<FeedChange> diffFeeds(const PriceFeed &before, const PriceFeed &after);

/// Whether a JSON document is a genai-prices feed (an array of providers) rather than a LiteLLM map.
bool looksLikeFeed(const QByteArray &json);

} // namespace CostGov::Pricing

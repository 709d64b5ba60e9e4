#include "accounting.h"

#include "common/clock.h"
#include "openai.h"
#include "policy/budgetmeter.h"
#include "policyinforce.h"
#include "pricing/pricecatalog.h"
#include "requestlog.h"

#include <QJsonDocument>
#include <QRandomGenerator>

namespace CostGov::Gateway {

namespace {

constexpr qsizetype kMaxLoggedText = 256;         // a model or attribution value
constexpr qsizetype kMaxLoggedPrompt = 16 * 1024; // the prompt, with log_prompts

QString randomId()
{
    quint64 bits[2];
    QRandomGenerator::system()->fillRange(bits);
    return QStringLiteral("cg-%1%2").arg(bits[0], 16, 16, QLatin1Char('0')).arg(bits[1], 16, 16, QLatin1Char('0'));
}

} // namespace

std::optional<Nano> Accounting::costOf(const std::string &provider, const std::string &model, const TokenCounts &tokens,
                                       qint64 tsMs) const
{
    const auto *price = m_prices.find(provider, model, tsMs);
    return price ? Pricing::computeCost(price->prices, tokens, false) : std::nullopt;
}

std::optional<Nano> Accounting::priceNow(const QString &provider, const QString &model, const TokenCounts &tokens) const
{
    return costOf(provider.toStdString(), model.toStdString(), tokens, m_clock.nowMs());
}

void Accounting::replayBudgets()
{
    // Every request this agent served is in its log: budgets count from there after a restart and
    // whenever the budgets change (a push), so served-but-not-yet-imported spend is never lost.
    const auto a = m_policy.current();
    m_budgets.rebuild(a->policy, [&](qint64 from, const Policy::BudgetMeter::Add &add) {
        if (a->policy.budgets.isEmpty())
            return;
        m_log.readSince(from, [&](const UsageRecord &r) {
            if (r.cacheHit)
                return;
            Policy::RequestView view;
            view.model = QString::fromStdString(r.requestedModel);
            view.team = QString::fromStdString(r.team);
            view.feature = QString::fromStdString(r.feature);
            view.user = QString::fromStdString(r.user);
            view.environment = QString::fromStdString(r.environment);
            if (const auto cost = costOf(r.provider, r.model, r.tokens, r.tsMs))
                add(view, *cost, r.tsMs);
        });
    });
}

void Accounting::finish(Record &record, const QByteArray &responseBody)
{
    if (!responseBody.isEmpty()) {
        const QJsonObject answer = QJsonDocument::fromJson(responseBody).object();
        record.tokens = tokensOf(answer.value(QStringLiteral("usage")).toObject());
        const QString id = answer.value(QStringLiteral("id")).toString();
        if (!id.isEmpty())
            record.tags.insert(QStringLiteral("upstream_id"), id);
    }
    const qint64 now = m_clock.nowMs();
    // What a client wrote (model, attribution, the prompt with log_prompts) is logged bounded: a
    // request can be megabytes, and a refused one is logged without its prompt.
    const auto bounded = [](const QString &text) { return text.left(kMaxLoggedText).toStdString(); };
    if (record.status != QLatin1String("success"))
        record.tags.remove(QStringLiteral("prompt"));
    else if (record.tags.contains(QStringLiteral("prompt")))
        record.tags.insert(QStringLiteral("prompt"),
                           record.tags.value(QStringLiteral("prompt")).toString().left(kMaxLoggedPrompt));
    UsageRecord line;
    line.tsMs = record.startedMs;
    // The agent's own id: an upstream's ids need not be unique, and the ledger dedupes by id.
    line.identity = randomId().toStdString();
    line.provider = record.provider.toStdString();
    line.model = bounded(record.model);
    line.requestedModel = bounded(record.requestedModel);
    line.tokens = record.tokens;
    line.latencyMs = now - record.startedMs;
    line.status = record.status.toStdString();
    line.cacheHit = record.cacheHit;
    line.team = bounded(record.view.team);
    line.feature = bounded(record.view.feature);
    line.user = bounded(record.view.user);
    line.environment = bounded(record.view.environment);
    line.route = record.route.toStdString();
    if (!record.tags.isEmpty())
        line.tagsJson = QJsonDocument(record.tags).toJson(QJsonDocument::Compact).toStdString();
    m_log.write(now, line);
    // Whatever an upstream reported is counted, whatever the status (a stream the client left
    // was still paid for), as replayBudgets() counts the log.
    std::optional<Nano> cost;
    if (!record.cacheHit && !responseBody.isEmpty())
        cost = costOf(line.provider, line.model, record.tokens, record.startedMs);
    m_budgets.settle(record.budgetHold, m_policy.current()->policy, record.view, cost); // the policy in force now
    record.budgetHold = 0;
}

} // namespace CostGov::Gateway

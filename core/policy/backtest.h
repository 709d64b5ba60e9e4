#pragma once

#include "common/result.h"
#include "policy.h"

#include <QString>
#include <QVector>

#include <atomic>
#include <functional>

namespace CostGov::Storage {
class Ledger;
}

// A policy replayed over the ledger's recorded requests with the same engine the agent runs.
namespace CostGov::Policy {

struct RuleBacktest {
    QString rule;
    qint64 matched = 0;       ///< requests the rule took (first match wins)
    qint64 rerouted = 0;      ///< of those, sent to another model than the one that served them
    qint64 unknown = 0;       ///< requests it might have taken: keyword, regex or parameter conditions history lacks
    Nano costBefore = 0;      ///< what the matched requests cost (priced ones)
    Nano costAfter = 0;       ///< the same tokens at the route's first model's catalog price
    qint64 unpricedAfter = 0; ///< matched requests the new model has no price for (kept at their cost)
};

struct Backtest {
    qint64 fromDay = 0, toDay = 0;
    qint64 requests = 0;
    qint64 unpriced = 0; ///< requests without a recorded cost (left out of the sums)
    Nano costBefore = 0;
    Nano costAfter = 0; ///< routing only
    QVector<RuleBacktest> rules;
    // Exact cache, by prompt hash (the agent logs one per request):
    qint64 withPromptHash = 0;
    qint64 exactRepeats = 0;  ///< requests whose model and prompt hash were seen within the TTL before
    Nano repeatCost = 0;      ///< what those repeats cost: the exact cache's saving
    qint64 alreadyCached = 0; ///< requests a gateway cache already answered
};

struct BacktestOptions {
    qint64 fromDay = 0, toDay = 0; ///< inclusive UTC days
    const std::atomic_bool *cancel = nullptr;
    std::function<void(int percent)> progress;
};

Result<Backtest> backtest(Storage::Ledger &ledger, const Policy &policy, const BacktestOptions &options);

} // namespace CostGov::Policy

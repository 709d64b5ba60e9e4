#pragma once

#include "common/money.h"
#include "common/result.h"
#include "storage/spendquery.h"

#include <QString>
#include <QVector>

#include <optional>

namespace CostGov::Storage {
class Ledger;
}

namespace CostGov::Alerts {

enum class Kind {
    Budget,         ///< spend of a calendar window against an amount, with thresholds and a forecast
    Spike,          ///< a day's spend above a share of the trailing 7-day average
    CostPerRequest, ///< cost per request up week over week
    CacheHitRate,   ///< a day's cache hit rate below its trailing 28-day baseline
    Concentration,  ///< one user or feature above a share of the day's spend or budget
    NoData,         ///< a source or a provider sync has delivered nothing for hours
    Unpriced,       ///< requests for models without a price
};
QString kindName(Kind kind); ///< "budget", "spike", "cost-per-request", ...
std::optional<Kind> kindFromName(const QString &name);

enum class Window { Day, Week, Month, Quarter }; ///< weeks start on Monday
QString windowName(Window window);
std::optional<Window> windowFromName(const QString &name);

/// Worst last: a notification goes out on a move to a worse state.
enum class State { Ok, NoData, Paused, Warning, Alert };
QString stateName(State state); ///< "OK", "NO_DATA", "PAUSED", "WARNING", "ALERT"

struct Rule {
    qint64 id = 0;
    QString name;
    Kind kind = Kind::Budget;
    QVector<Storage::SpendFilter> filters; ///< the scope: only requests that pass
    /// Evaluated once per value of this dimension ("each team"); none: the whole scope at once.
    std::optional<Storage::Dimension> groupBy;
    // Budgets
    Nano amount = 0; ///< also the daily budget of a concentration rule (0: the day's spend)
    Window window = Window::Month;
    QString timeZone = QStringLiteral("UTC"); ///< IANA id the windows follow
    QVector<int> thresholds{50, 80, 100};     ///< percent of the amount, ascending
    bool hard = false;                        ///< agents will refuse requests past it; here a label
    // Other kinds
    double percent = 0;      ///< spike: % of the average; cost-per-request: % up; cache: points down; share %
    int hours = 24;          ///< no-data: hours without data
    qint64 minRequests = 10; ///< fewer requests than this in what is judged: no alert (NO_DATA)
    int renotifyMinutes = 0; ///< while in ALERT, notify again this often; 0: once
    std::optional<qint64> pausedUntilMs;

    /// A rule of a kind with its defaults (thresholds 50/80/100, spike 150 %, cost per request
    /// 50 %, cache 10 points, concentration 20 % by user, no data 24 h).
    static Rule withDefaults(Kind kind);
    /// What is wrong with the rule, or empty.
    QString problem() const;
    /// A line saying what the rule watches ("Budget $500.00 a month, team = search, 50/80/100 %").
    QString describe() const;
};

/// A rule's verdict for one group at one instant, with the figures behind it.
struct Finding {
    qint64 ruleId = 0;
    QString group; ///< the group's value; "" when the rule is not grouped
    State state = State::Ok;
    int threshold = 0;   ///< budgets: the highest threshold crossed (percent)
    QString message;     ///< says why, with the figures
    QString windowKey;   ///< budgets: the window (its start, ISO); thresholds notify once per window
    QString figuresJson; ///< the figures as a compact JSON object
    // Budgets: for progress and pace.
    Nano spent = 0;
    std::optional<qint64> windowStartMs, windowEndMs;
    std::optional<qint64> runsOutMs; ///< when the run rate crosses the amount, if before the end
};

/// The verdict of one rule at nowMs, per group (no stored state is read or written).
Result<QVector<Finding>> assess(Storage::Ledger &ledger, const Rule &rule, qint64 nowMs);

/// The calendar window containing an instant, in a time zone: [start, end) in epoch ms.
std::pair<qint64, qint64> windowAround(qint64 nowMs, Window window, const QString &timeZone);

// ---- Stored rules, states and history

Result<QVector<Rule>> listRules(Storage::Ledger &ledger);
Result<Rule> rule(Storage::Ledger &ledger, qint64 id);
/// Stores a new rule (refused with the reason when problem() says something) and returns its id.
Result<qint64> addRule(Storage::Ledger &ledger, Rule rule);
Result<bool> removeRule(Storage::Ledger &ledger, qint64 id);
/// Pauses a rule until an instant (its groups are PAUSED, nothing is notified); nullopt resumes.
Status pauseRule(Storage::Ledger &ledger, qint64 id, std::optional<qint64> untilMs);

struct Notification {
    Rule rule;
    Finding finding;
    State previous = State::Ok;
    bool repeat = false; ///< a re-notification of an ALERT not acknowledged
};

struct StoredState {
    qint64 ruleId = 0;
    QString group;
    State state = State::Ok;
    qint64 sinceMs = 0;
    int thresholdNotified = 0;
    QString windowKey;
    qint64 lastNotifiedMs = 0;
    bool acknowledged = false;
    qint64 snoozedUntilMs = 0;
    QString message;
    QString figuresJson;
};

struct Evaluation {
    QVector<Finding> findings;
    QVector<Notification> notifications; ///< what to tell the user now (not while snoozed)
};

/// Assesses every rule at nowMs, moves each rule and group's state, records the transitions in
/// the history and returns what to notify: a move to a worse state, a budget threshold crossed
/// for the first time in its window, or an ALERT not acknowledged after its re-notify interval.
/// quiet (notifications paused): nothing is told now; what would have been is told once a later
/// evaluation is not quiet (snoozed alerts alike).
Result<Evaluation> evaluate(Storage::Ledger &ledger, qint64 nowMs, bool quiet = false);

Result<QVector<StoredState>> states(Storage::Ledger &ledger);
/// No more re-notifications for this ALERT (until the state changes).
Status acknowledge(Storage::Ledger &ledger, qint64 ruleId, const QString &group);
/// No notifications for the rule and group before untilMs (the state still moves).
Status snooze(Storage::Ledger &ledger, qint64 ruleId, const QString &group, qint64 untilMs);

struct HistoryEntry {
    qint64 id = 0;
    qint64 ruleId = 0;
    QString ruleName;
    QString group;
    qint64 atMs = 0;
    State from = State::Ok;
    State to = State::Ok;
    bool notified = false;
    QString message;
    QString figuresJson;
};
/// The newest first.
Result<QVector<HistoryEntry>> history(Storage::Ledger &ledger, int limit = 200);

/// How often a rule would have notified: evaluated at the end of each of the last days (of its
/// time zone), with the state machine, from nothing. The days it would have notified on (day
/// numbers of the local dates), and why.
struct Backtest {
    int days = 0;
    QVector<std::pair<qint64, QString>> firings; ///< day, message
};
Result<Backtest> backtest(Storage::Ledger &ledger, const Rule &rule, qint64 nowMs, int days = 90);

} // namespace CostGov::Alerts

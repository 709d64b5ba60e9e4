#pragma once

#include "background.h"

#include "common/clock.h"
#include "policy/backtest.h"
#include "policy/policy.h"
#include "policy/store.h"

#include <QWidget>

#include <atomic>
#include <memory>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace CostGov::Ui {

/// Routing and caching policies: a form editor beside the JSON document, both validated as you
/// type; version history with a diff and rollback; a backtest of the document on the ledger; the
/// agents it is pushed to, with their status and drift.
class PoliciesPage final : public QWidget {
    Q_OBJECT

public:
    PoliciesPage(const QString &ledgerPath, const Clock &clock, QWidget *parent = nullptr);

    /// Reads the saved versions and the agents again (the latest version fills the editor the
    /// first time, or after a save elsewhere when the editor has no changes).
    void refresh();
    /// The editor's document as text.
    QString documentText() const;
    void setDocumentText(const QString &text);
    /// The problems of the editor's document, empty when it is valid.
    QVector<Policy::Problem> problems() const { return m_problems; }
    /// Saves the editor's document as the next version (Ctrl+S); false when it is invalid.
    bool saveVersion(const QString &note);
    /// Saves version n again as the next version (after the user confirmed).
    void rollbackTo(qint64 version);
    /// Backtests the editor's document over the last n days (progress, cancel).
    void runBacktest();
    /// Adds an agent: the URL (and CA file) to the ledger, the token to the keychain (when one is given).
    void addAgent(const QString &name, const QString &url, const QString &token, const QString &caFile = {});
    /// Pushes the latest version to the agents selected (all when none is), then reads their status.
    void pushToAgents();
    void refreshAgents();
    const Policy::Backtest &lastBacktest() const { return m_backtest; }

signals:
    void refreshed();
    void backtestDone();
    void agentsUpdated();

private:
    void buildEditorTab(QWidget *tab);
    void buildHistoryTab(QWidget *tab);
    void buildBacktestTab(QWidget *tab);
    void buildAgentsTab(QWidget *tab);
    // Form <-> document
    void formToPolicy();
    void policyToForm();
    void ruleToForm(int index);
    void jsonEdited();
    void writeDocument();   ///< the document from m_policy, validated
    void documentChanged(); ///< revalidates and shows the problems
    void showDiff();
    void showAgents();
    /// Tokens of the agents (environment, else keychain), then work on a pool thread.
    void withTokens(const QStringList &agents, std::function<void(QHash<QString, QString>)> then);

    QString m_ledgerPath;
    const Clock &m_clock;
    Policy::Policy m_policy;
    QVector<Policy::Problem> m_problems;
    bool m_updating = false; ///< the form or the JSON is being filled from the other
    bool m_loaded = false;
    qint64 m_editorBase = 0; ///< the version the editor started from (0: new)
    QString m_editorBaseText;
    QVector<Policy::VersionInfo> m_versions;
    QVector<Policy::AgentInfo> m_agents;
    QHash<QString, Policy::AgentStatus> m_agentStatus;
    QHash<QString, QString> m_pushResults;
    Policy::Backtest m_backtest;
    std::shared_ptr<std::atomic_bool> m_cancelBacktest;
    LatestOnly m_latest;

    // Editor
    QWidget *m_form = nullptr;
    QLineEdit *m_name = nullptr;
    QListWidget *m_rules = nullptr;
    QWidget *m_ruleForm = nullptr;
    QLineEdit *m_ruleName = nullptr, *m_ruleModels = nullptr, *m_ruleKeywords = nullptr, *m_ruleRegex = nullptr;
    QLineEdit *m_ruleTeams = nullptr, *m_ruleFeatures = nullptr, *m_ruleUsers = nullptr, *m_ruleEnvironments = nullptr;
    QSpinBox *m_ruleMinTokens = nullptr, *m_ruleMaxTokens = nullptr, *m_ruleMaxOutput = nullptr;
    QComboBox *m_ruleTools = nullptr, *m_ruleFormat = nullptr, *m_ruleAction = nullptr;
    QLineEdit *m_ruleTargets = nullptr, *m_ruleFallbacks = nullptr;
    QComboBox *m_ruleExact = nullptr, *m_ruleSemantic = nullptr;
    QLineEdit *m_defaultFallbacks = nullptr;
    QCheckBox *m_exactEnabled = nullptr, *m_semanticEnabled = nullptr, *m_nondeterministic = nullptr;
    QSpinBox *m_exactTtl = nullptr, *m_exactEntries = nullptr, *m_exactMegabytes = nullptr;
    QLineEdit *m_exactScope = nullptr, *m_semanticMetadata = nullptr, *m_embeddingTarget = nullptr;
    QDoubleSpinBox *m_threshold = nullptr;
    QComboBox *m_embedding = nullptr;
    QTableWidget *m_budgets = nullptr;
    QPlainTextEdit *m_json = nullptr;
    QLabel *m_validation = nullptr;
    QPushButton *m_save = nullptr;
    // History
    QTableWidget *m_history = nullptr;
    QPlainTextEdit *m_diff = nullptr;
    // Backtest
    QComboBox *m_backtestDays = nullptr;
    QPushButton *m_runBacktest = nullptr, *m_cancelBacktestButton = nullptr;
    QProgressBar *m_backtestProgress = nullptr;
    QLabel *m_backtestSummary = nullptr;
    QTableWidget *m_backtestRules = nullptr;
    // Agents
    QTableWidget *m_agentTable = nullptr;
    QLabel *m_agentNote = nullptr;
};

} // namespace CostGov::Ui

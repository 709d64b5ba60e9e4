#pragma once

#include "alertcenter.h"
#include "background.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;
class QTabWidget;
class QTableWidget;
class QHBoxLayout;

namespace CostGov::Ui {

/// Budgets and alert rules: budget cards (spend, progress, pace, reset time), the alerts that are
/// not OK (acknowledge, snooze), the rules (add with a live backtest, remove), the history of
/// transitions, and where notifications go (webhook, closing to the tray).
class AlertsPage final : public QWidget {
    Q_OBJECT

public:
    AlertsPage(const QString &ledgerPath, const Clock &clock, AlertCenter &center, QWidget *parent = nullptr);

    /// Reads rules, states and history again (in the background).
    void refresh();
    /// What the rule dialog's OK does: stores the rule and evaluates.
    void addRule(const Alerts::Rule &rule);
    /// Shows the active alert of a rule and group (what a click on a tray message does).
    void showAlert(qint64 ruleId, const QString &group);

signals:
    void refreshed();

private:
    struct Data;
    void display(const Data &loaded);
    void showBudgets(const QVector<Alerts::Finding> &budgets);
    void editRule();
    void changeSelected(const std::function<Status(Storage::Ledger &, qint64, const QString &)> &change);

    QString m_ledgerPath;
    const Clock &m_clock;
    AlertCenter &m_center;
    QLabel *m_status = nullptr;
    QWidget *m_cards = nullptr;
    QHBoxLayout *m_cardsLayout = nullptr;
    QTabWidget *m_tabs = nullptr;
    QTableWidget *m_active = nullptr;
    QTableWidget *m_rules = nullptr;
    QTableWidget *m_history = nullptr;
    QLineEdit *m_webhook = nullptr;
    QString m_pendingAlert; ///< rule and group to select once the table has them
    LatestOnly m_latest;
};

} // namespace CostGov::Ui

#pragma once

#include "background.h"

#include "billing/reconcile.h"
#include "common/clock.h"

#include <QWidget>

#include <atomic>
#include <memory>

class QChartView;
class QComboBox;
class QLabel;
class QPushButton;
class QTableWidget;

namespace CostGov::Ui {

/// What the providers billed against the metered requests, a month at a time: per provider,
/// per day (table and chart) and the billed projects no request names. "Sync Now" fetches the
/// bills with the admin keys in the environment.
class BillingPage final : public QWidget {
    Q_OBJECT

public:
    BillingPage(const QString &ledgerPath, const Clock &clock, QWidget *parent = nullptr);

    /// Reads the chosen month's reconciliation again (in the background).
    void refresh();
    /// Syncs every provider whose key is set (COSTGOV_OPENAI_ADMIN_KEY, COSTGOV_ANTHROPIC_ADMIN_KEY).
    void syncNow(const QString &baseUrl = {});
    /// Adds an attribution rule for an unmatched project of the shown provider and re-applies the
    /// rules (what "Create Rule..." does after asking for the team and feature).
    void createRule(const QString &project, const QString &team, const QString &feature);

signals:
    void refreshed();

private:
    void show(const Billing::Reconciliation &result);
    void showProvider();

    QString m_ledgerPath;
    const Clock &m_clock;
    QComboBox *m_month = nullptr;
    QTableWidget *m_providers = nullptr;
    QTableWidget *m_days = nullptr;
    QTableWidget *m_unmatched = nullptr;
    QChartView *m_chart = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_sync = nullptr;
    QPushButton *m_cancel = nullptr;
    QPushButton *m_createRule = nullptr;
    Billing::Reconciliation m_result;
    std::shared_ptr<std::atomic_bool> m_cancelFlag;
    LatestOnly m_latest;
};

} // namespace CostGov::Ui

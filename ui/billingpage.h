#pragma once

#include "background.h"
#include "syncservice.h"

#include "billing/reconcile.h"
#include "common/clock.h"

#include <QWidget>

class QChartView;
class QComboBox;
class QLabel;
class QPushButton;
class QTableWidget;

namespace CostGov::Ui {

/// What the providers billed against the metered requests, a month at a time: per provider,
/// per day (table and chart) and the billed projects no request names. "Sync Now" syncs every
/// provider connection.
class BillingPage final : public QWidget {
    Q_OBJECT

public:
    BillingPage(const QString &ledgerPath, const Clock &clock, SyncService &syncService, QWidget *parent = nullptr);

    /// Reads the chosen month's reconciliation again (in the background).
    void refresh();
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
    SyncService &m_syncService;
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
    LatestOnly m_latest;
};

} // namespace CostGov::Ui

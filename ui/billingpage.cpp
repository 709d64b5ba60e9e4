#include "billingpage.h"

#include "moneytext.h"
#include "readonlytable.h"

#include "attribution/attribution.h"
#include "billing/billing.h"
#include "common/timeutil.h"
#include "storage/ledger.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QLocale>
#include <QPointer>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QValueAxis>

namespace CostGov::Ui {

namespace {

QString coverageText(const Billing::Comparison &c)
{
    return c.coverage() ? QLocale().toString(*c.coverage() * 100.0, 'f', 1) + QLatin1Char('%') : QStringLiteral("–");
}

/// Billed, metered, delta and coverage into a row's cells from column first on.
void setComparison(QTableWidget *table, int row, int first, const Billing::Comparison &c)
{
    const QLocale locale;
    const Nano amounts[] = {c.billed, c.metered, c.delta()};
    for (int i = 0; i < 3; ++i) {
        auto *item = new QTableWidgetItem(moneyText(locale, amounts[i]));
        item->setToolTip(QStringLiteral("$") + usdText(amounts[i]));
        item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        table->setItem(row, first + i, item);
    }
    auto *coverage = new QTableWidgetItem(coverageText(c));
    coverage->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    table->setItem(row, first + 3, coverage);
}

} // namespace

BillingPage::BillingPage(const QString &ledgerPath, const Clock &clock, SyncService &syncService, QWidget *parent)
    : QWidget(parent), m_ledgerPath(ledgerPath), m_clock(clock), m_syncService(syncService)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *intro = new QLabel(tr("What OpenAI and Anthropic billed (their admin APIs) against the metered requests "
                                "(your logs). Coverage is metered / billed: what your logs explain of the bill."));
    intro->setWordWrap(true);
    layout->addWidget(intro);

    auto *bar = new QHBoxLayout;
    auto *monthLabel = new QLabel(tr("&Month:"));
    m_month = new QComboBox;
    m_month->setObjectName(QStringLiteral("billingMonth"));
    monthLabel->setBuddy(m_month);
    const qint64 today = utcDay(m_clock.nowMs());
    for (qint64 day = today, i = 0; i < 12; ++i) {
        m_month->addItem(isoMonth(monthKey(day)), day);
        day =
            *parseDate(QString(isoMonth(monthKey(day)) + QStringLiteral("-01")).toStdString()) - 1; // the month before
    }
    connect(m_month, &QComboBox::currentIndexChanged, this, &BillingPage::refresh);
    m_sync = new QPushButton(tr("&Sync Now"));
    m_sync->setObjectName(QStringLiteral("syncNow"));
    m_sync->setToolTip(tr("Fetch the bills and the usage behind them for every provider connection of the "
                          "Sources page (the last days again: providers revise them)."));
    connect(m_sync, &QPushButton::clicked, this, [this] {
        if (m_syncService.syncNow()) {
            m_sync->setEnabled(false);
            m_cancel->setEnabled(true);
        }
    });
    m_cancel = new QPushButton(tr("Cancel"));
    m_cancel->setEnabled(false);
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        m_syncService.cancel();
        m_cancel->setEnabled(false);
    });
    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("billingStatus"));
    m_status->setWordWrap(true);
    bar->addWidget(monthLabel);
    bar->addWidget(m_month);
    bar->addWidget(m_sync);
    bar->addWidget(m_cancel);
    bar->addWidget(m_status, 1);
    layout->addLayout(bar);
    // Syncs started here, on the Sources page or by the schedule all report here.
    connect(&m_syncService, &SyncService::progress, this, [this](const QString &message) {
        m_status->setText(message);
        m_sync->setEnabled(false);
        m_cancel->setEnabled(m_syncService.isRunning());
    });
    connect(&m_syncService, &SyncService::syncFinished, this, [this](bool, const QString &summary) {
        m_sync->setEnabled(true);
        m_cancel->setEnabled(false);
        m_status->setText(summary);
        refresh();
    });
    connect(&m_syncService, &SyncService::testFinished, this, [this] {
        m_sync->setEnabled(true);
        m_cancel->setEnabled(false);
    });

    m_providers = readOnlyTable(
        QStringLiteral("billingProviders"),
        {tr("Provider"), tr("Billed"), tr("Metered"), tr("Delta"), tr("Coverage"), tr("Unpriced requests")});
    m_providers->setMaximumHeight(m_providers->fontMetrics().height() * 7);
    layout->addWidget(m_providers);
    connect(m_providers, &QTableWidget::currentCellChanged, this, &BillingPage::showProvider);

    m_days = readOnlyTable(QStringLiteral("billingDays"),
                           {tr("Day"), tr("Billed"), tr("Metered"), tr("Delta"), tr("Coverage")});
    m_unmatched = readOnlyTable(QStringLiteral("billingUnmatched"),
                                {tr("Billed project or workspace no request names"), tr("Billed")});
    m_chart = new QChartView;
    m_chart->setMinimumHeight(200);
    m_chart->chart()->setMargins(QMargins(4, 4, 4, 4));
    // The unmatched projects, with the way to give one a team.
    auto *unmatchedArea = new QWidget;
    auto *unmatchedLayout = new QVBoxLayout(unmatchedArea);
    unmatchedLayout->setContentsMargins(0, 0, 0, 0);
    unmatchedLayout->addWidget(m_unmatched, 1);
    m_createRule = new QPushButton(tr("&Create Rule..."));
    m_createRule->setToolTip(tr("Attribute the selected project's billed cost to a team and feature."));
    m_createRule->setEnabled(false);
    unmatchedLayout->addWidget(m_createRule, 0, Qt::AlignLeft);
    connect(m_unmatched, &QTableWidget::currentCellChanged, this, [this](int row) {
        // Organisation-wide rows have no project a rule could name.
        const QTableWidgetItem *item = row >= 0 ? m_unmatched->item(row, 0) : nullptr;
        m_createRule->setEnabled(item && !item->data(Qt::UserRole).toString().isEmpty());
    });
    connect(m_createRule, &QPushButton::clicked, this, [this] {
        const int row = m_unmatched->currentRow();
        if (row < 0)
            return;
        const QString project = m_unmatched->item(row, 0)->data(Qt::UserRole).toString();
        QDialog dialog(this);
        dialog.setWindowTitle(tr("Create an Attribution Rule"));
        auto *form = new QFormLayout(&dialog);
        form->addRow(new QLabel(tr("Billed cost of %1 belongs to:").arg(project)));
        auto *team = new QLineEdit;
        auto *feature = new QLineEdit;
        feature->setPlaceholderText(tr("unallocated"));
        form->addRow(tr("&Team:"), team);
        form->addRow(tr("&Feature:"), feature);
        auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
        buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
        connect(team, &QLineEdit::textChanged, &dialog, [buttons](const QString &t) {
            buttons->button(QDialogButtonBox::Ok)->setEnabled(!t.trimmed().isEmpty());
        });
        connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
        connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
        form->addRow(buttons);
        if (dialog.exec() == QDialog::Accepted)
            createRule(project, team->text().trimmed(), feature->text().trimmed());
    });
    auto *right = new QSplitter(Qt::Vertical);
    right->addWidget(m_chart);
    right->addWidget(unmatchedArea);
    right->setSizes({500, 250}); // the chart gets two thirds
    auto *split = new QSplitter;
    split->addWidget(m_days);
    split->addWidget(right);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    layout->addWidget(split, 1);
}

void BillingPage::refresh()
{
    const qint64 day = m_month->currentData().toLongLong();
    const int ticket = m_latest.next();
    inBackground(
        this, m_ledgerPath, [day](Storage::Ledger &ledger) { return Billing::reconcileMonth(ledger, day); },
        [this, ticket](const Result<Billing::Reconciliation> &result) {
            if (!m_latest.isCurrent(ticket))
                return;
            if (result.ok())
                show(*result);
            else
                m_status->setText(tr("The ledger cannot be read: %1").arg(result.error().message));
            emit refreshed();
        });
}

void BillingPage::show(const Billing::Reconciliation &result)
{
    const QString selected = m_providers->currentRow() >= 0 && m_providers->item(m_providers->currentRow(), 0)
        ? m_providers->item(m_providers->currentRow(), 0)->text()
        : QString();
    m_result = result;
    const QSignalBlocker block(m_providers);
    m_providers->setRowCount(int(result.providers.size()));
    int current = -1;
    for (int row = 0; row < int(result.providers.size()); ++row) {
        const Billing::ProviderReconciliation &p = result.providers[row];
        m_providers->setItem(row, 0, new QTableWidgetItem(p.provider));
        setComparison(m_providers, row, 1, p.month);
        m_providers->setItem(row, 5, new QTableWidgetItem(QLocale().toString(p.month.unpricedRequests)));
        // The provider shown before, else the first with a bill.
        if (p.provider == selected || (current < 0 && p.month.billed > 0))
            current = row;
    }
    m_providers->setCurrentCell(result.providers.isEmpty() ? -1 : std::max(current, 0), 0);
    showProvider();
}

void BillingPage::showProvider()
{
    const int row = m_providers->currentRow();
    m_days->setRowCount(0);
    m_unmatched->setRowCount(0);
    QChart *chart = m_chart->chart();
    chart->removeAllSeries();
    for (QAbstractAxis *axis : chart->axes())
        chart->removeAxis(axis);
    if (row < 0 || row >= m_result.providers.size()) {
        chart->setTitle(tr("Nothing billed or metered in this month."));
        return;
    }
    const Billing::ProviderReconciliation &p = m_result.providers[row];
    m_days->setRowCount(int(p.days.size()));
    auto *billed = new QLineSeries;
    billed->setName(tr("Billed"));
    auto *metered = new QLineSeries;
    metered->setName(tr("Metered"));
    double top = 0;
    for (int i = 0; i < int(p.days.size()); ++i) {
        const auto &[day, c] = p.days[i];
        m_days->setItem(i, 0, new QTableWidgetItem(isoDate(day)));
        setComparison(m_days, i, 1, c);
        billed->append(i + 1, double(c.billed) / double(kNanoPerUsd));
        metered->append(i + 1, double(c.metered) / double(kNanoPerUsd));
        top = std::max({top, double(c.billed), double(c.metered)});
    }
    m_unmatched->setRowCount(int(p.unmatched.size()));
    for (int i = 0; i < int(p.unmatched.size()); ++i) {
        const auto &[project, amount] = p.unmatched[i];
        auto *name = new QTableWidgetItem(project.isEmpty() ? tr("(none: organisation-wide)") : project);
        name->setData(Qt::UserRole, project);
        m_unmatched->setItem(i, 0, name);
        auto *item = new QTableWidgetItem(moneyText(QLocale(), amount));
        item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        m_unmatched->setItem(i, 1, item);
    }
    chart->setTitle(tr("%1, %2: billed and metered per day").arg(p.provider, isoMonth(monthKey(m_result.month.from))));
    auto *x = new QValueAxis;
    x->setRange(1, double(p.days.size()));
    x->setLabelFormat(QStringLiteral("%d"));
    x->setTitleText(tr("Day of the month"));
    auto *y = new QValueAxis;
    y->setRange(0, top > 0 ? top / double(kNanoPerUsd) * 1.1 : 1.0);
    y->setLabelFormat(QStringLiteral("$%.2f"));
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    for (QLineSeries *series : {billed, metered}) {
        chart->addSeries(series);
        series->attachAxis(x);
        series->attachAxis(y);
    }
}

void BillingPage::createRule(const QString &project, const QString &team, const QString &feature)
{
    const int row = m_providers->currentRow();
    Attribution::Rule rule;
    rule.provider = row >= 0 && row < m_result.providers.size() ? m_result.providers[row].provider : QString();
    rule.field = QStringLiteral("project");
    rule.pattern = project;
    rule.team = team;
    rule.feature = feature;
    m_status->setText(tr("Applying the rules..."));
    inBackground(
        this, m_ledgerPath,
        [rule](Storage::Ledger &ledger) -> Result<Attribution::Moved> {
            const auto added = Attribution::addRule(ledger, rule);
            if (!added.ok())
                return added.error();
            return Attribution::applyRules(ledger);
        },
        [this, team](const Result<Attribution::Moved> &moved) {
            m_status->setText(moved.ok() ? tr("Rule added: %1 billed rows ($%2) now belong to %3.")
                                               .arg(QLocale().toString(moved->rows), usdText(moved->amount), team)
                                         : tr("The rule was not added: %1").arg(moved.error().message));
            refresh();
        });
}

} // namespace CostGov::Ui

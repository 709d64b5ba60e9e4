#include "alertspage.h"

#include "readonlytable.h"

#include "common/money.h"
#include "common/settings.h"
#include "common/timeutil.h"
#include "storage/ledger.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QFrame>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QTabWidget>
#include <QTimeZone>
#include <QTimer>
#include <QVBoxLayout>

namespace CostGov::Ui {

struct AlertsPage::Data {
    QVector<Alerts::Rule> rules;
    QVector<Alerts::StoredState> states;
    QVector<Alerts::HistoryEntry> history;
    QVector<Alerts::Finding> budgets; ///< each budget now
};

namespace {

QString localTime(qint64 ms)
{
    return ms == 0 ? QStringLiteral("–") : QLocale().toString(QDateTime::fromMSecsSinceEpoch(ms), QLocale::ShortFormat);
}

QColor stateColor(Alerts::State s)
{
    return s == Alerts::State::Alert  ? QColor(0xd9, 0x48, 0x3b)
        : s == Alerts::State::Warning ? QColor(0xc7, 0x84, 0x0a)
                                      : QColor();
}

QTableWidgetItem *item(const QString &text, const QVariant &data = {})
{
    auto *i = new QTableWidgetItem(text);
    i->setData(Qt::UserRole, data);
    i->setToolTip(text);
    return i;
}

} // namespace

AlertsPage::AlertsPage(const QString &ledgerPath, const Clock &clock, AlertCenter &center, QWidget *parent)
    : QWidget(parent), m_ledgerPath(ledgerPath), m_clock(clock), m_center(center)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *bar = new QHBoxLayout;
    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("alertsStatus"));
    m_status->setWordWrap(true);
    auto *evaluate = new QPushButton(tr("&Evaluate Now"));
    connect(evaluate, &QPushButton::clicked, &m_center, &AlertCenter::evaluate);
    bar->addWidget(m_status, 1);
    bar->addWidget(evaluate);
    layout->addLayout(bar);

    // Budget cards, side by side, scrolling when there are many.
    m_cards = new QWidget;
    m_cards->setObjectName(QStringLiteral("budgetCards"));
    m_cardsLayout = new QHBoxLayout(m_cards);
    m_cardsLayout->setContentsMargins(0, 0, 0, 0);
    m_cardsLayout->addStretch(1);
    auto *scroll = new QScrollArea;
    scroll->setWidget(m_cards);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setFixedHeight(170);
    scroll->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    layout->addWidget(scroll);

    m_tabs = new QTabWidget;
    // Active alerts: everything not OK, with acknowledge and snooze.
    auto *activeTab = new QWidget;
    auto *activeLayout = new QVBoxLayout(activeTab);
    m_active =
        readOnlyTable(QStringLiteral("activeAlerts"), {tr("State"), tr("Rule"), tr("Group"), tr("Since"), tr("Why")});
    activeLayout->addWidget(m_active, 1);
    auto *activeButtons = new QHBoxLayout;
    auto *ack = new QPushButton(tr("&Acknowledge"));
    ack->setObjectName(QStringLiteral("acknowledge"));
    ack->setToolTip(tr("No more reminders for this alert until its state changes."));
    connect(ack, &QPushButton::clicked, this, [this] {
        changeSelected(
            [](Storage::Ledger &l, qint64 rule, const QString &group) { return Alerts::acknowledge(l, rule, group); });
    });
    auto *snooze = new QPushButton(tr("&Snooze"));
    auto *snoozeMenu = new QMenu(snooze);
    for (const auto &[label, hours] : {std::pair{tr("For 1 Hour"), 1}, std::pair{tr("For 4 Hours"), 4},
                                       std::pair{tr("For 1 Day"), 24}, std::pair{tr("For 1 Week"), 168}}) {
        snoozeMenu->addAction(label, this, [this, hours = hours] {
            const qint64 until = m_clock.nowMs() + qint64(hours) * 3'600'000;
            changeSelected([until](Storage::Ledger &l, qint64 rule, const QString &group) {
                return Alerts::snooze(l, rule, group, until);
            });
        });
    }
    snooze->setMenu(snoozeMenu);
    activeButtons->addWidget(ack);
    activeButtons->addWidget(snooze);
    activeButtons->addStretch(1);
    activeLayout->addLayout(activeButtons);
    m_tabs->addTab(activeTab, tr("Active"));

    // Rules.
    auto *rulesTab = new QWidget;
    auto *rulesLayout = new QVBoxLayout(rulesTab);
    m_rules = readOnlyTable(QStringLiteral("alertRules"), {tr("Name"), tr("Kind"), tr("Watches")});
    rulesLayout->addWidget(m_rules, 1);
    auto *ruleButtons = new QHBoxLayout;
    auto *add = new QPushButton(tr("&Add Rule..."));
    add->setObjectName(QStringLiteral("addRule"));
    connect(add, &QPushButton::clicked, this, &AlertsPage::editRule);
    auto *remove = new QPushButton(tr("&Remove..."));
    connect(remove, &QPushButton::clicked, this, [this] {
        const auto rows = m_rules->selectionModel()->selectedRows();
        if (rows.isEmpty())
            return;
        const qint64 id = m_rules->item(rows.first().row(), 0)->data(Qt::UserRole).toLongLong();
        const QString name = m_rules->item(rows.first().row(), 0)->text();
        if (QMessageBox::question(this, tr("Remove Rule"), tr("Remove the rule \"%1\"? Its history stays.").arg(name))
            != QMessageBox::Yes)
            return;
        inBackground(
            this, m_ledgerPath, [id](Storage::Ledger &l) { return Alerts::removeRule(l, id); },
            [this](const Result<bool> &) {
                refresh();
                m_center.evaluate();
            });
    });
    ruleButtons->addWidget(add);
    ruleButtons->addWidget(remove);
    ruleButtons->addStretch(1);
    rulesLayout->addLayout(ruleButtons);
    m_tabs->addTab(rulesTab, tr("Rules"));

    m_history = readOnlyTable(QStringLiteral("alertHistory"),
                              {tr("When"), tr("Rule"), tr("Group"), tr("Change"), tr("Notified"), tr("Why")});
    m_tabs->addTab(m_history, tr("History"));

    // Where notifications go.
    auto *notifications = new QWidget;
    auto *form = new QFormLayout(notifications);
    m_webhook = new QLineEdit(Settings::get(SettingKeys::AlertsWebhookUrl));
    m_webhook->setObjectName(QStringLiteral("webhookUrl"));
    m_webhook->setPlaceholderText(tr("https://hooks.slack.com/services/... (empty: none)"));
    connect(m_webhook, &QLineEdit::editingFinished, this,
            [this] { Settings::set(SettingKeys::AlertsWebhookUrl, m_webhook->text().trimmed()); });
    form->addRow(tr("&Webhook URL:"), m_webhook);
    form->addRow(QString(),
                 new QLabel(tr("Each notification is POSTed as JSON with a Slack-compatible \"text\" and "
                               "the rule, group, state and figures; failures are retried 3 times.")));
    auto *toTray = new QCheckBox(tr("Closing the window keeps Cost Governor running in the system tray"));
    toTray->setChecked(Settings::get(SettingKeys::CloseToTray));
    connect(toTray, &QCheckBox::toggled, this, [](bool on) { Settings::set(SettingKeys::CloseToTray, on); });
    form->addRow(QString(), toTray);
    m_tabs->addTab(notifications, tr("Notifications"));
    layout->addWidget(m_tabs, 1);

    connect(&m_center, &AlertCenter::evaluated, this, &AlertsPage::refresh);
    connect(&m_center, &AlertCenter::webhookStatusChanged, this, [this] { refresh(); });
}

void AlertsPage::refresh()
{
    const int ticket = m_latest.next();
    const qint64 now = m_clock.nowMs();
    inBackground(
        this, m_ledgerPath,
        [now](Storage::Ledger &ledger) -> Result<Data> {
            Data loaded;
            auto rules = Alerts::listRules(ledger);
            auto states = rules.ok() ? Alerts::states(ledger) : Result<QVector<Alerts::StoredState>>(rules.error());
            auto history =
                states.ok() ? Alerts::history(ledger) : Result<QVector<Alerts::HistoryEntry>>(states.error());
            if (!history.ok())
                return history.error();
            loaded.rules = *rules;
            loaded.states = *states;
            loaded.history = *history;
            for (const Alerts::Rule &r : loaded.rules) {
                if (r.kind != Alerts::Kind::Budget)
                    continue;
                const auto findings = Alerts::assess(ledger, r, now);
                if (!findings.ok())
                    return findings.error();
                loaded.budgets += *findings;
            }
            return loaded;
        },
        [this, ticket](const Result<Data> &loaded) {
            if (!m_latest.isCurrent(ticket))
                return;
            if (loaded.ok())
                display(*loaded);
            else
                m_status->setText(loaded.error().message);
            emit refreshed();
        });
}

void AlertsPage::display(const Data &loaded)
{
    QHash<qint64, QString> names;
    for (const Alerts::Rule &r : loaded.rules)
        names.insert(r.id, r.name);
    const auto selectedActive = m_active->selectionModel()->selectedRows();
    // A tray click asked for an alert: select it; else keep the selection.
    const QString keep = !m_pendingAlert.isEmpty() ? std::exchange(m_pendingAlert, QString())
        : selectedActive.isEmpty()                 ? QString()
                                   : m_active->item(selectedActive.first().row(), 1)->data(Qt::UserRole).toString();
    m_active->setRowCount(0);
    int alerts = 0;
    for (const Alerts::StoredState &s : loaded.states) {
        if (s.state == Alerts::State::Ok)
            continue;
        const int row = m_active->rowCount();
        m_active->insertRow(row);
        QString state = Alerts::stateName(s.state);
        if (s.acknowledged)
            state += tr(" (acknowledged)");
        if (s.snoozedUntilMs > m_clock.nowMs())
            state += tr(" (snoozed until %1)").arg(localTime(s.snoozedUntilMs));
        auto *stateItem = item(state);
        stateItem->setForeground(stateColor(s.state));
        m_active->setItem(row, 0, stateItem);
        const QString key = QString::number(s.ruleId) + QLatin1Char('\x1f') + s.group;
        m_active->setItem(row, 1, item(names.value(s.ruleId), key));
        m_active->setItem(row, 2, item(s.group));
        m_active->setItem(row, 3, item(localTime(s.sinceMs)));
        m_active->setItem(row, 4, item(s.message));
        if (key == keep)
            m_active->selectRow(row);
        alerts += s.state == Alerts::State::Alert ? 1 : 0;
    }
    m_tabs->setTabText(0, tr("Active (%1)").arg(m_active->rowCount()));
    showBudgets(loaded.budgets);

    m_rules->setRowCount(int(loaded.rules.size()));
    for (int row = 0; row < loaded.rules.size(); ++row) {
        const Alerts::Rule &r = loaded.rules[row];
        m_rules->setItem(row, 0, item(r.name, r.id));
        m_rules->setItem(row, 1, item(Alerts::kindName(r.kind)));
        m_rules->setItem(row, 2, item(r.describe()));
    }
    m_history->setRowCount(int(loaded.history.size()));
    for (int row = 0; row < loaded.history.size(); ++row) {
        const Alerts::HistoryEntry &e = loaded.history[row];
        m_history->setItem(row, 0, item(localTime(e.atMs)));
        m_history->setItem(row, 1, item(e.ruleName));
        m_history->setItem(row, 2, item(e.group));
        auto *change = item(Alerts::stateName(e.from) + QStringLiteral(" → ") + Alerts::stateName(e.to));
        change->setForeground(stateColor(e.to));
        m_history->setItem(row, 3, change);
        m_history->setItem(row, 4, item(e.notified ? tr("yes") : QString()));
        m_history->setItem(row, 5, item(e.message));
    }

    QStringList status;
    status.append(loaded.rules.isEmpty() ? tr("No rules yet: add a budget or an alert rule.")
                                         : tr("%1 rules; %2 in alert.").arg(loaded.rules.size()).arg(alerts));
    if (const qint64 paused = m_center.pausedUntilMs())
        status.append(tr("Notifications paused until %1.").arg(localTime(paused)));
    if (!m_center.trayShown())
        status.append(tr("No system tray: notifications show in this window."));
    if (!m_center.webhookStatus().isEmpty())
        status.append(m_center.webhookStatus());
    m_status->setText(status.join(QLatin1Char(' ')));
}

void AlertsPage::showBudgets(const QVector<Alerts::Finding> &budgets)
{
    while (m_cardsLayout->count() > 1) {
        QLayoutItem *old = m_cardsLayout->takeAt(0);
        delete old->widget();
        delete old;
    }
    // The fullest first.
    QVector<Alerts::Finding> sorted = budgets;
    std::stable_sort(sorted.begin(), sorted.end(), [](const Alerts::Finding &a, const Alerts::Finding &b) {
        const double pa =
            QJsonDocument::fromJson(a.figuresJson.toUtf8()).object().value(QStringLiteral("percent")).toDouble();
        const double pb =
            QJsonDocument::fromJson(b.figuresJson.toUtf8()).object().value(QStringLiteral("percent")).toDouble();
        return pa > pb;
    });
    int index = 0;
    for (const Alerts::Finding &f : sorted) {
        auto *card = new QFrame;
        card->setObjectName(QStringLiteral("budgetCard"));
        card->setFrameShape(QFrame::StyledPanel);
        card->setMinimumWidth(260);
        card->setMaximumWidth(340);
        auto *v = new QVBoxLayout(card);
        const QString title = f.message.section(u':', 0, 0);
        auto *name = new QLabel(QStringLiteral("<b>%1</b>").arg(title.toHtmlEscaped()));
        name->setWordWrap(true);
        v->addWidget(name);
        auto *progress = new QProgressBar;
        const QJsonObject figures = QJsonDocument::fromJson(f.figuresJson.toUtf8()).object();
        const double percent = figures.value(QStringLiteral("percent")).toDouble();
        progress->setRange(0, 100);
        progress->setValue(int(std::min(100.0, percent)));
        progress->setFormat(QStringLiteral("%1 %").arg(percent, 0, 'f', 1));
        if (f.state == Alerts::State::Alert || f.state == Alerts::State::Warning)
            progress->setStyleSheet(
                QStringLiteral("QProgressBar::chunk { background: %1; }").arg(stateColor(f.state).name()));
        v->addWidget(progress);
        const QString rest = f.message.section(u':', 1).trimmed();
        auto *details = new QLabel(rest.section(u';', 0, 0) + QLatin1Char('\n') + rest.section(u';', 1, 1).trimmed()
                                   + QLatin1Char('\n') + tr("Resets %1").arg(localTime(*f.windowEndMs)));
        details->setWordWrap(true);
        v->addWidget(details);
        m_cardsLayout->insertWidget(index++, card);
    }
    if (index == 0) {
        auto *none = new QLabel(tr("No budgets yet. Add one under Rules (kind: budget)."));
        m_cardsLayout->insertWidget(0, none);
    }
}

void AlertsPage::changeSelected(const std::function<Status(Storage::Ledger &, qint64, const QString &)> &change)
{
    const auto rows = m_active->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return;
    const QString key = m_active->item(rows.first().row(), 1)->data(Qt::UserRole).toString();
    const qint64 rule = key.section(u'\x1f', 0, 0).toLongLong();
    const QString group = key.section(u'\x1f', 1);
    inBackground(
        this, m_ledgerPath,
        [change, rule, group](Storage::Ledger &l) -> Result<bool> {
            const Status s = change(l, rule, group);
            if (!s.ok())
                return s.error();
            return true;
        },
        [this](const Result<bool> &) { refresh(); });
}

void AlertsPage::showAlert(qint64 ruleId, const QString &group)
{
    m_tabs->setCurrentIndex(0);
    const QString key = QString::number(ruleId) + QLatin1Char('\x1f') + group;
    m_pendingAlert = key; // selected when the table is next filled, if it is not there yet
    for (int row = 0; row < m_active->rowCount(); ++row) {
        if (m_active->item(row, 1)->data(Qt::UserRole).toString() == key) {
            m_active->selectRow(row);
            m_pendingAlert.clear();
        }
    }
}

void AlertsPage::addRule(const Alerts::Rule &rule)
{
    inBackground(
        this, m_ledgerPath, [rule](Storage::Ledger &l) { return Alerts::addRule(l, rule); },
        [this](const Result<qint64> &id) {
            if (!id.ok())
                QMessageBox::warning(this, tr("Add Rule"), tr("The rule was not added: %1").arg(id.error().message));
            refresh();
            m_center.evaluate();
        });
}

void AlertsPage::editRule()
{
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Add an Alert Rule"));
    dialog.setMinimumWidth(560);
    auto *form = new QFormLayout(&dialog);
    auto *kind = new QComboBox;
    for (const auto k :
         {Alerts::Kind::Budget, Alerts::Kind::Spike, Alerts::Kind::CostPerRequest, Alerts::Kind::CacheHitRate,
          Alerts::Kind::Concentration, Alerts::Kind::NoData, Alerts::Kind::Unpriced})
        kind->addItem(Alerts::kindName(k), int(k));
    form->addRow(tr("&Kind:"), kind);
    auto *name = new QLineEdit;
    form->addRow(tr("&Name:"), name);
    auto *scopeDimension = new QComboBox;
    scopeDimension->addItem(tr("Everything"), QString());
    auto *each = new QComboBox;
    each->addItem(tr("All together"), QString());
    for (const auto d :
         {Storage::Dimension::Team, Storage::Dimension::Feature, Storage::Dimension::User, Storage::Dimension::Model,
          Storage::Dimension::Provider, Storage::Dimension::Environment, Storage::Dimension::Project}) {
        scopeDimension->addItem(Storage::dimensionName(d), Storage::dimensionName(d));
        each->addItem(tr("Each %1").arg(Storage::dimensionName(d)), Storage::dimensionName(d));
    }
    auto *scopeValues = new QLineEdit;
    scopeValues->setPlaceholderText(tr("values, comma separated"));
    auto *scopeRow = new QHBoxLayout;
    scopeRow->addWidget(scopeDimension);
    scopeRow->addWidget(scopeValues, 1);
    form->addRow(tr("&Scope:"), scopeRow);
    form->addRow(tr("&Per:"), each);
    auto *amount = new QDoubleSpinBox;
    amount->setRange(0, 1e9);
    amount->setDecimals(2);
    amount->setPrefix(QStringLiteral("$"));
    amount->setValue(1000);
    amount->setObjectName(QStringLiteral("ruleAmount"));
    form->addRow(tr("&Amount:"), amount);
    auto *window = new QComboBox;
    for (const auto w : {Alerts::Window::Month, Alerts::Window::Week, Alerts::Window::Day, Alerts::Window::Quarter})
        window->addItem(Alerts::windowName(w), int(w));
    form->addRow(tr("&Window:"), window);
    auto *zone = new QComboBox;
    zone->setEditable(true);
    zone->addItem(QString::fromUtf8(QTimeZone::systemTimeZoneId()));
    zone->addItem(QStringLiteral("UTC"));
    for (const QByteArray &id : QTimeZone::availableTimeZoneIds())
        zone->addItem(QString::fromUtf8(id));
    form->addRow(tr("&Time zone:"), zone);
    auto *thresholds = new QLineEdit(QStringLiteral("50,80,100"));
    form->addRow(tr("&Thresholds (%):"), thresholds);
    auto *hard = new QCheckBox(tr("Hard budget (agents will refuse requests past it)"));
    form->addRow(QString(), hard);
    auto *percent = new QDoubleSpinBox;
    percent->setRange(0, 100000);
    percent->setDecimals(1);
    form->addRow(tr("&Limit (%):"), percent);
    auto *hours = new QSpinBox;
    hours->setRange(1, 24 * 30);
    hours->setValue(24);
    hours->setSuffix(tr(" h"));
    form->addRow(tr("Silent &for:"), hours);
    auto *minRequests = new QSpinBox;
    minRequests->setRange(0, 1'000'000);
    form->addRow(tr("&Minimum requests:"), minRequests);
    auto *renotify = new QSpinBox;
    renotify->setRange(0, 7 * 24 * 60);
    renotify->setSuffix(tr(" min"));
    renotify->setSpecialValueText(tr("Never"));
    form->addRow(tr("&Remind every:"), renotify);
    auto *backtest = new QLabel;
    backtest->setObjectName(QStringLiteral("ruleBacktest"));
    backtest->setWordWrap(true);
    backtest->setMinimumHeight(backtest->fontMetrics().height() * 4);
    form->addRow(tr("Last 90 days:"), backtest);
    auto *box = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    form->addRow(box);

    auto current = [&]() {
        const auto k = Alerts::Kind(kind->currentData().toInt());
        Alerts::Rule r = Alerts::Rule::withDefaults(k);
        r.name = name->text().trimmed();
        if (const auto d = Storage::dimensionFromName(scopeDimension->currentData().toString())) {
            QStringList values;
            for (const QString &v : scopeValues->text().split(u',', Qt::SkipEmptyParts))
                values.append(v.trimmed());
            r.filters = {{*d, values}};
        }
        if (const auto d = Storage::dimensionFromName(each->currentData().toString()))
            r.groupBy = d;
        else if (k != Alerts::Kind::Concentration)
            r.groupBy.reset();
        r.amount = Nano(std::llround(amount->value() * 1e9));
        r.window = Alerts::Window(window->currentData().toInt());
        r.timeZone = zone->currentText().trimmed();
        r.thresholds.clear();
        for (const QString &t : thresholds->text().split(u',', Qt::SkipEmptyParts))
            r.thresholds.append(t.trimmed().toInt());
        r.hard = hard->isChecked();
        r.percent = percent->value();
        r.hours = hours->value();
        r.minRequests = minRequests->value();
        r.renotifyMinutes = renotify->value();
        return r;
    };
    // Fields that matter for the kind; defaults when the kind changes.
    auto adapt = [&] {
        const auto k = Alerts::Kind(kind->currentData().toInt());
        const Alerts::Rule defaults = Alerts::Rule::withDefaults(k);
        const bool budget = k == Alerts::Kind::Budget;
        for (QWidget *w :
             {static_cast<QWidget *>(window), static_cast<QWidget *>(thresholds), static_cast<QWidget *>(hard)})
            form->setRowVisible(w, budget);
        form->setRowVisible(amount, budget || k == Alerts::Kind::Concentration);
        form->setRowVisible(percent, !budget && k != Alerts::Kind::NoData && k != Alerts::Kind::Unpriced);
        form->setRowVisible(hours, k == Alerts::Kind::NoData);
        percent->setValue(defaults.percent);
        minRequests->setValue(int(defaults.minRequests));
        if (k == Alerts::Kind::Concentration)
            each->setCurrentIndex(each->findData(QStringLiteral("user")));
        if (name->text().isEmpty() || name->property("auto").toBool()) {
            name->setText(kind->currentText());
            name->setProperty("auto", true);
        }
    };
    // The backtest runs again (in the background) a moment after each change.
    auto *debounce = new QTimer(&dialog);
    debounce->setSingleShot(true);
    debounce->setInterval(300);
    auto ticket = std::make_shared<int>(0);
    connect(debounce, &QTimer::timeout, &dialog, [&, ticket] {
        const Alerts::Rule r = current();
        if (const QString problem = r.problem(); !problem.isEmpty()) {
            backtest->setText(tr("Not a valid rule yet: %1").arg(problem));
            box->button(QDialogButtonBox::Ok)->setEnabled(false);
            return;
        }
        box->button(QDialogButtonBox::Ok)->setEnabled(true);
        backtest->setText(tr("Backtesting..."));
        const int mine = ++*ticket;
        const qint64 now = m_clock.nowMs();
        QPointer<QLabel> label(backtest);
        inBackground(
            &dialog, m_ledgerPath, [r, now](Storage::Ledger &l) { return Alerts::backtest(l, r, now, 90); },
            [label, mine, ticket](const Result<Alerts::Backtest> &result) {
                if (!label || mine != *ticket)
                    return;
                if (!result.ok()) {
                    label->setText(result.error().message);
                    return;
                }
                QStringList days;
                for (const auto &[day, message] : result->firings)
                    days.append(isoDate(day));
                days.removeDuplicates();
                label->setText(result->firings.isEmpty()
                                   ? tr("Would not have notified.")
                                   : tr("Would have notified %1 times, on %2 days: %3")
                                         .arg(result->firings.size())
                                         .arg(days.size())
                                         .arg(days.mid(0, 12).join(QStringLiteral(", "))
                                              + (days.size() > 12 ? QStringLiteral(", …") : QString())));
            });
    });
    auto changed = [debounce] { debounce->start(); };
    connect(kind, &QComboBox::currentIndexChanged, &dialog, [&, changed] {
        adapt();
        changed();
    });
    connect(name, &QLineEdit::textEdited, &dialog, [name, changed] {
        name->setProperty("auto", false);
        changed();
    });
    for (QComboBox *c : {scopeDimension, each, window, zone})
        connect(c, &QComboBox::currentTextChanged, &dialog, changed);
    for (QLineEdit *e : {scopeValues, thresholds})
        connect(e, &QLineEdit::textChanged, &dialog, changed);
    for (QDoubleSpinBox *s : {amount, percent})
        connect(s, &QDoubleSpinBox::valueChanged, &dialog, changed);
    for (QSpinBox *s : {hours, minRequests, renotify})
        connect(s, &QSpinBox::valueChanged, &dialog, changed);
    connect(hard, &QCheckBox::toggled, &dialog, changed);
    connect(box, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(box, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    adapt();
    changed();
    if (dialog.exec() == QDialog::Accepted)
        addRule(current());
}

} // namespace CostGov::Ui

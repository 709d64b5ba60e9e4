#include "connectionspanel.h"

#include "readonlytable.h"

#include "billing/keychain.h"

#include <QComboBox>
#include <QDateTime>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace CostGov::Ui {

namespace {

enum Column { ProviderColumn, KeyColumn, ScheduleColumn, LastSyncColumn, ResultColumn };

QString scheduleText(int hours)
{
    return hours == 0 ? ConnectionsPanel::tr("On demand") : ConnectionsPanel::tr("Every %1 h").arg(hours);
}

} // namespace

ConnectionsPanel::ConnectionsPanel(SyncService &service, QWidget *parent) : QWidget(parent), m_service(service)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *title = new QLabel(tr("<b>Provider connections</b>: the bills of OpenAI and Anthropic, fetched with an "
                                "organization admin key kept in the system keychain."));
    title->setWordWrap(true);
    layout->addWidget(title);
    m_table = readOnlyTable(QStringLiteral("connections"),
                            {tr("Provider"), tr("Admin key"), tr("Schedule"), tr("Last sync"), tr("Last result")});
    m_table->setMaximumHeight(m_table->fontMetrics().height() * 6);
    layout->addWidget(m_table);

    auto *buttons = new QHBoxLayout;
    m_add = new QPushButton(tr("&Add Connection..."));
    m_edit = new QPushButton(tr("&Edit..."));
    m_test = new QPushButton(tr("&Test"));
    m_sync = new QPushButton(tr("S&ync Now"));
    m_sync->setObjectName(QStringLiteral("connectionsSync"));
    m_cancel = new QPushButton(tr("Cancel Sync"));
    m_cancel->setObjectName(QStringLiteral("connectionsCancel"));
    m_remove = new QPushButton(tr("&Remove..."));
    for (QPushButton *b : {m_add, m_edit, m_test, m_sync, m_cancel})
        buttons->addWidget(b);
    buttons->addStretch(1);
    buttons->addWidget(m_remove);
    layout->addLayout(buttons);
    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("connectionsStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);

    connect(m_add, &QPushButton::clicked, this, [this] { edit(true); });
    connect(m_edit, &QPushButton::clicked, this, [this] { edit(false); });
    connect(m_table, &QTableWidget::cellDoubleClicked, this, [this] { edit(false); });
    connect(m_test, &QPushButton::clicked, this, [this] {
        if (const auto provider = selectedProvider())
            for (const Connection &c : SyncService::connections())
                if (c.provider == *provider)
                    m_service.test(c.provider, {}, c.baseUrl);
        updateButtons();
    });
    connect(m_sync, &QPushButton::clicked, this, [this] {
        m_service.syncNow();
        updateButtons();
    });
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        m_service.cancel();
        m_status->setText(tr("Cancelling..."));
    });
    connect(m_remove, &QPushButton::clicked, this, [this] {
        const auto provider = selectedProvider();
        if (!provider)
            return;
        const auto answer = QMessageBox::question(
            this, tr("Remove Connection"),
            tr("Remove the %1 connection and delete its admin key from the keychain? Billing data already synced "
               "stays in the ledger.")
                .arg(Billing::providerTitle(*provider)));
        if (answer == QMessageBox::Yes)
            remove(*provider);
    });
    connect(m_table, &QTableWidget::itemSelectionChanged, this, &ConnectionsPanel::updateButtons);
    connect(&m_service, &SyncService::progress, this, [this](const QString &message) {
        m_status->setText(message);
        updateButtons(); // syncs also start from the Billing page and the schedule
    });
    connect(&m_service, &SyncService::testFinished, this, [this](Billing::Provider, bool, const QString &message) {
        m_status->setText(message);
        updateButtons();
    });
    connect(&m_service, &SyncService::syncFinished, this, [this](bool, const QString &summary) {
        m_status->setText(summary);
        updateButtons();
    });
    connect(&m_service, &SyncService::connectionsChanged, this, &ConnectionsPanel::reload);
    reload();
}

void ConnectionsPanel::reload()
{
    const auto selected = selectedProvider();
    const QVector<Connection> connections = SyncService::connections();
    m_table->setRowCount(int(connections.size()));
    for (int row = 0; row < connections.size(); ++row) {
        const Connection &c = connections[row];
        const QString variable = Billing::keyVariable(c.provider);
        const bool fromEnvironment = !qEnvironmentVariableIsEmpty(variable.toLatin1().constData());
        const QString when = c.lastAttemptMs == 0
            ? tr("Never")
            : QLocale().toString(QDateTime::fromMSecsSinceEpoch(c.lastAttemptMs), QLocale::ShortFormat);
        const QString cells[] = {
            Billing::providerTitle(c.provider)
                + (c.baseUrl.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(c.baseUrl)),
            fromEnvironment ? tr("From %1").arg(variable) : tr("Keychain"), scheduleText(c.everyHours), when,
            c.lastResult.isEmpty() ? QStringLiteral("–")
                                   : (c.lastFailed ? tr("Failed: %1") : QStringLiteral("%1")).arg(c.lastResult)};
        for (int column = 0; column < 5; ++column) {
            auto *item = new QTableWidgetItem(cells[column]);
            item->setData(Qt::UserRole, int(c.provider));
            if (column == ResultColumn) {
                item->setToolTip(cells[column]);
                if (c.lastFailed)
                    item->setForeground(QColor(0xd9, 0x48, 0x3b));
            }
            m_table->setItem(row, column, item);
        }
        if (selected == c.provider)
            m_table->selectRow(row);
    }
    if (!selectedProvider() && !connections.isEmpty())
        m_table->selectRow(0);
    updateButtons();
}

std::optional<Billing::Provider> ConnectionsPanel::selectedProvider() const
{
    const auto rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return std::nullopt;
    return Billing::Provider(m_table->item(rows.first().row(), 0)->data(Qt::UserRole).toInt());
}

void ConnectionsPanel::updateButtons()
{
    const bool running = m_service.isRunning();
    const bool selected = selectedProvider().has_value();
    m_add->setEnabled(!running && m_table->rowCount() < 2);
    m_edit->setEnabled(!running && selected);
    m_test->setEnabled(!running && selected);
    m_sync->setEnabled(!running && m_table->rowCount() > 0);
    m_cancel->setEnabled(running);
    m_remove->setEnabled(!running && selected);
}

void ConnectionsPanel::edit(bool adding)
{
    Connection connection;
    const QVector<Connection> existing = SyncService::connections();
    if (!adding) {
        const auto provider = selectedProvider();
        if (!provider)
            return;
        for (const Connection &c : existing)
            if (c.provider == *provider)
                connection = c;
    }

    QDialog dialog(this);
    dialog.setWindowTitle(adding ? tr("Add a Provider Connection") : tr("Edit the Provider Connection"));
    auto *form = new QFormLayout(&dialog);
    auto *provider = new QComboBox;
    for (const auto p : {Billing::Provider::OpenAi, Billing::Provider::Anthropic}) {
        const bool taken =
            std::any_of(existing.begin(), existing.end(), [p](const Connection &c) { return c.provider == p; });
        if (!adding || !taken)
            provider->addItem(Billing::providerTitle(p), int(p));
    }
    provider->setCurrentIndex(std::max(0, provider->findData(int(connection.provider))));
    provider->setEnabled(adding);
    form->addRow(tr("&Provider:"), provider);
    auto *key = new QLineEdit;
    key->setEchoMode(QLineEdit::Password);
    key->setPlaceholderText(adding ? tr("sk-admin-... (OpenAI) or sk-ant-admin... (Anthropic)")
                                   : tr("Leave empty to keep the stored key"));
    form->addRow(tr("Admin &key:"), key);
    auto *keyHelp = new QLabel(tr("An organization admin key with access to usage and costs. It is kept in the "
                                  "system keychain, never in Cost Governor's files."));
    keyHelp->setWordWrap(true);
    form->addRow(QString(), keyHelp);
    auto *address = new QLineEdit(connection.baseUrl);
    address->setPlaceholderText(tr("The provider's own (leave empty)"));
    form->addRow(tr("API &address:"), address);
    auto *hours = new QSpinBox;
    hours->setRange(0, 168);
    hours->setSuffix(tr(" h"));
    hours->setSpecialValueText(tr("Only on demand"));
    hours->setValue(adding ? 6 : connection.everyHours);
    form->addRow(tr("&Sync every:"), hours);
    auto *box = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    form->addRow(box);
    connect(box, &QDialogButtonBox::accepted, &dialog, [&] {
        const QUrl url(address->text().trimmed());
        if (!address->text().trimmed().isEmpty()
            && (!url.isValid() || url.scheme().isEmpty() || url.host().isEmpty())) {
            QMessageBox::warning(&dialog, dialog.windowTitle(),
                                 tr("The API address must be a URL such as https://api.openai.com."));
            return;
        }
        if (adding && key->text().trimmed().isEmpty()
            && qEnvironmentVariableIsEmpty(
                Billing::keyVariable(Billing::Provider(provider->currentData().toInt())).toLatin1().constData())) {
            QMessageBox::warning(&dialog, dialog.windowTitle(), tr("Enter the admin key."));
            return;
        }
        dialog.accept();
    });
    connect(box, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    if (provider->count() == 0 || dialog.exec() != QDialog::Accepted)
        return;
    connection.provider = Billing::Provider(provider->currentData().toInt());
    connection.baseUrl = address->text().trimmed();
    connection.everyHours = hours->value();
    save(connection, key->text().trimmed());
}

void ConnectionsPanel::save(const Connection &connection, const QString &key)
{
    SyncService::saveConnection(connection);
    reload();
    auto test = [this, connection] {
        m_service.test(connection.provider, {}, connection.baseUrl);
        updateButtons();
    };
    if (key.isEmpty()) {
        emit saved(true);
        test();
        return;
    }
    m_status->setText(tr("Storing the key in the keychain..."));
    Billing::writeKeychainKey(connection.provider, key, this, [this, test](const Status &stored) {
        if (!stored.ok()) {
            m_status->setText(tr("The key was not stored: %1").arg(stored.error().message));
            emit saved(false);
            return;
        }
        emit saved(true);
        test();
    });
}

void ConnectionsPanel::remove(Billing::Provider provider)
{
    SyncService::removeConnection(provider);
    reload();
    Billing::deleteKeychainKey(provider, this, [this, provider](const Status &deleted) {
        m_status->setText(
            deleted.ok()
                ? tr("The %1 connection and its key were removed.").arg(Billing::providerTitle(provider))
                : tr("The connection was removed, but its key could not be deleted: %1").arg(deleted.error().message));
    });
}

} // namespace CostGov::Ui

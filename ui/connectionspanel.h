#pragma once

#include "syncservice.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QTableWidget;

namespace CostGov::Ui {

/// The Sources page's provider connections: add or edit one (the admin key goes to the OS
/// keychain, the address and schedule to the settings), test it, sync now with progress and
/// cancel, remove it; the table shows each one's schedule, last sync and last result or error.
class ConnectionsPanel final : public QWidget {
    Q_OBJECT

public:
    explicit ConnectionsPanel(SyncService &service, QWidget *parent = nullptr);

    /// Opens the dialog that adds a connection.
    void addConnection() { edit(true); }
    /// What the connection dialog's OK does: stores the key (when given) in the keychain and the
    /// rest in the settings, then tests the connection.
    void save(const Connection &connection, const QString &key);
    /// What Remove does once confirmed: forgets the connection and deletes its key.
    void remove(Billing::Provider provider);

signals:
    /// After save() stored everything (ok) or failed to store the key.
    void saved(bool ok);

private:
    void reload();
    void edit(bool adding);
    std::optional<Billing::Provider> selectedProvider() const;
    void updateButtons();

    SyncService &m_service;
    QTableWidget *m_table = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_add = nullptr;
    QPushButton *m_edit = nullptr;
    QPushButton *m_test = nullptr;
    QPushButton *m_sync = nullptr;
    QPushButton *m_cancel = nullptr;
    QPushButton *m_remove = nullptr;
};

} // namespace CostGov::Ui

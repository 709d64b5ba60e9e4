#pragma once

#include <QWidget>

class QFileSystemWatcher;
class QListWidget;
class QPushButton;
class QTimer;

namespace CostGov::Ui {

/// Folders whose logs are imported automatically while the app runs: when a file appears in one
/// (file system notification) and on a timer for lines appended to files already there. Imports
/// are idempotent and checkpointed, so each round reads only what is new. Remembered between runs.
class WatchedFolders final : public QWidget {
    Q_OBJECT

public:
    explicit WatchedFolders(QWidget *parent = nullptr);

    QStringList folders() const { return m_folders; }
    void addFolder(const QString &folder);
    void removeFolder(const QString &folder);

signals:
    /// Time to look for new lines in these folders.
    void importWanted(const QStringList &folders);

private:
    void changed();

    QStringList m_folders;
    QListWidget *m_list = nullptr;
    QPushButton *m_remove = nullptr;
    QFileSystemWatcher *m_watcher = nullptr;
    QTimer *m_poll = nullptr;
    QTimer *m_settle = nullptr; ///< a burst of notifications makes one import
};

} // namespace CostGov::Ui

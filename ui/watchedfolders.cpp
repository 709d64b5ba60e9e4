#include "watchedfolders.h"

#include "common/settings.h"

#include <QDir>
#include <QFileDialog>
#include <QFileSystemWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

namespace CostGov::Ui {

WatchedFolders::WatchedFolders(QWidget *parent)
    : QWidget(parent),
      m_folders(Settings::get(SettingKeys::WatchedFolders).split(QLatin1Char('\n'), Qt::SkipEmptyParts)),
      m_watcher(new QFileSystemWatcher(this)),
      m_poll(new QTimer(this)),
      m_settle(new QTimer(this))
{
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *label = new QLabel(tr("&Watched folders:"));
    label->setToolTip(tr("New lines in these folders are imported automatically while Cost Governor runs."));
    layout->addWidget(label, 0, Qt::AlignTop);
    m_list = new QListWidget;
    m_list->setObjectName(QStringLiteral("watchedFolders"));
    m_list->setMaximumHeight(m_list->fontMetrics().height() * 4);
    label->setBuddy(m_list);
    layout->addWidget(m_list, 1);
    auto *buttons = new QVBoxLayout;
    auto *add = new QPushButton(tr("Watch a Folder..."));
    m_remove = new QPushButton(tr("Stop Watching"));
    buttons->addWidget(add);
    buttons->addWidget(m_remove);
    buttons->addStretch(1);
    layout->addLayout(buttons);

    connect(add, &QPushButton::clicked, this, [this] {
        const QString folder = QFileDialog::getExistingDirectory(this, tr("Watch a Folder of Request Logs"),
                                                                 Settings::get(SettingKeys::LastImportFolder));
        if (!folder.isEmpty())
            addFolder(folder);
    });
    connect(m_remove, &QPushButton::clicked, this, [this] {
        if (QListWidgetItem *item = m_list->currentItem())
            removeFolder(item->data(Qt::UserRole).toString());
    });
    connect(m_list, &QListWidget::currentRowChanged, this, [this](int row) { m_remove->setEnabled(row >= 0); });

    m_settle->setSingleShot(true);
    m_settle->setInterval(500);
    connect(m_watcher, &QFileSystemWatcher::directoryChanged, m_settle, qOverload<>(&QTimer::start));
    connect(m_settle, &QTimer::timeout, this, [this] {
        if (!m_folders.isEmpty())
            emit importWanted(m_folders);
    });
    m_poll->setInterval(Settings::get(SettingKeys::WatchIntervalSeconds) * 1000);
    connect(m_poll, &QTimer::timeout, m_settle, qOverload<>(&QTimer::start));
    changed();
}

void WatchedFolders::addFolder(const QString &folder)
{
    const QString path = QDir(folder).absolutePath();
    if (m_folders.contains(path))
        return;
    m_folders.append(path);
    changed();
    m_settle->start(); // what is there already comes in now
}

void WatchedFolders::removeFolder(const QString &folder)
{
    if (m_folders.removeAll(folder) > 0)
        changed();
}

void WatchedFolders::changed()
{
    Settings::set(SettingKeys::WatchedFolders, m_folders.join(QLatin1Char('\n')));
    m_list->clear();
    for (const QString &folder : m_folders) {
        auto *item = new QListWidgetItem(QDir::toNativeSeparators(folder), m_list);
        item->setData(Qt::UserRole, folder);
        if (!QFileInfo(folder).isDir())
            item->setText(tr("%1 (not found)").arg(item->text()));
    }
    m_remove->setEnabled(false);
    if (!m_watcher->directories().isEmpty())
        m_watcher->removePaths(m_watcher->directories());
    for (const QString &folder : m_folders) {
        if (QFileInfo(folder).isDir())
            m_watcher->addPath(folder);
    }
    if (m_folders.isEmpty())
        m_poll->stop();
    else if (!m_poll->isActive())
        m_poll->start();
}

} // namespace CostGov::Ui

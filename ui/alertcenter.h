#pragma once

#include "alerts/alerts.h"
#include "alerts/notifier.h"
#include "common/clock.h"

#include <QObject>
#include <QPointer>
#include <QTimer>

class QSystemTrayIcon;
class QMenu;
class QWidget;

namespace CostGov::Ui {

/// Evaluates the alert rules (after imports and syncs, and every few minutes) and tells the user:
/// a system tray icon that turns red while something is in ALERT, tray messages on transitions
/// (clicking one opens that alert), in-window notices where there is no tray, and an optional
/// webhook (a JSON POST with a Slack-compatible "text", retried, its delivery status shown).
class AlertCenter final : public QObject, public Alerts::Notifier {
    Q_OBJECT

public:
    AlertCenter(const QString &ledgerPath, const Clock &clock, QWidget *window, QObject *parent = nullptr);
    ~AlertCenter() override;

    /// Evaluates now (in the background); a run already going is followed by one more.
    void evaluate();
    /// No notifications before untilMs (the states still move); 0 resumes.
    void pauseUntil(qint64 untilMs);
    qint64 pausedUntilMs() const;
    bool trayShown() const;
    QSystemTrayIcon *tray() const { return m_tray; }
    /// What the webhook last did ("" before any delivery).
    QString webhookStatus() const { return m_webhookStatus; }
    /// The worst state of the last evaluation.
    Alerts::State worst() const { return m_worst; }

signals:
    void evaluated(const Alerts::Evaluation &evaluation);
    /// A notification to show where there is no tray (or always: the window shows it too).
    void notice(const QString &title, const QString &message);
    /// The user clicked a tray message or asked to open the window.
    void openAlert(qint64 ruleId, const QString &group);
    void webhookStatusChanged(const QString &status);
    void quitRequested();

public:
    /// The tray message (or the window's notice) and the webhook, delivered on a worker.
    void notify(const Alerts::Notification &n) override;

private:
    void updateTray();

    QString m_ledgerPath;
    const Clock &m_clock;
    QPointer<QWidget> m_window;
    QTimer m_timer;
    bool m_running = false;
    bool m_again = false;
    QSystemTrayIcon *m_tray = nullptr;
    QMenu *m_menu = nullptr;
    QString m_webhookStatus;
    Alerts::State m_worst = Alerts::State::Ok;
    std::pair<qint64, QString> m_lastMessage; ///< rule and group of the last tray message
};

} // namespace CostGov::Ui

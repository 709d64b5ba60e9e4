#include "alertcenter.h"

#include "background.h"

#include "common/settings.h"
#include "common/timeutil.h"

#include <QApplication>
#include <QDateTime>
#include <QMenu>
#include <QPainter>
#include <QSystemTrayIcon>
#include <QThreadPool>

namespace CostGov::Ui {

namespace {

constexpr int kEvaluateEveryMs = 5 * 60'000;

// The tray icon: a coin with a dollar sign, red while something is in ALERT, grey while paused.
QIcon trayIcon(Alerts::State worst, bool paused)
{
    QPixmap pixmap(64, 64);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing);
    const QColor fill = paused            ? QColor(0x8a, 0x8f, 0x98)
        : worst == Alerts::State::Alert   ? QColor(0xd9, 0x48, 0x3b)
        : worst == Alerts::State::Warning ? QColor(0xe0, 0x9a, 0x1e)
                                          : QColor(0x2e, 0x7d, 0x5b);
    p.setBrush(fill);
    p.setPen(Qt::NoPen);
    p.drawEllipse(QRectF(4, 4, 56, 56));
    QFont font = p.font();
    font.setPixelSize(40);
    font.setBold(true);
    p.setFont(font);
    p.setPen(Qt::white);
    p.drawText(QRectF(0, 0, 64, 64), Qt::AlignCenter, QStringLiteral("$"));
    return QIcon(pixmap);
}

} // namespace

AlertCenter::AlertCenter(const QString &ledgerPath, const Clock &clock, QWidget *window, QObject *parent)
    : QObject(parent), m_ledgerPath(ledgerPath), m_clock(clock), m_window(window)
{
    m_timer.setInterval(kEvaluateEveryMs);
    connect(&m_timer, &QTimer::timeout, this, &AlertCenter::evaluate);
    m_timer.start();
    updateTray();
}

AlertCenter::~AlertCenter()
{
    delete m_menu;
}

bool AlertCenter::trayShown() const
{
    return m_tray && m_tray->isVisible();
}

qint64 AlertCenter::pausedUntilMs() const
{
    const qint64 until = Settings::get(SettingKeys::AlertsPausedUntil);
    return until > m_clock.nowMs() ? until : 0;
}

void AlertCenter::pauseUntil(qint64 untilMs)
{
    Settings::set(SettingKeys::AlertsPausedUntil, untilMs);
    updateTray();
}

void AlertCenter::evaluate()
{
    if (m_running) {
        m_again = true;
        return;
    }
    m_running = true;
    const qint64 now = m_clock.nowMs();
    const bool quiet = pausedUntilMs() > 0; // told once the pause is over
    inBackground(
        this, m_ledgerPath, [now, quiet](Storage::Ledger &ledger) { return Alerts::evaluate(ledger, now, quiet); },
        [this](const Result<Alerts::Evaluation> &result) {
            m_running = false;
            if (result.ok()) {
                m_worst = Alerts::State::Ok;
                for (const Alerts::Finding &f : result->findings)
                    if (f.state == Alerts::State::Alert
                        || (f.state == Alerts::State::Warning && m_worst != Alerts::State::Alert))
                        m_worst = f.state;
                updateTray();
                for (const Alerts::Notification &n : result->notifications)
                    notify(n);
                emit evaluated(*result);
            } else {
                emit notice(tr("Alerts"), tr("The alert rules could not be evaluated: %1").arg(result.error().message));
            }
            if (std::exchange(m_again, false))
                evaluate();
        });
}

void AlertCenter::notify(const Alerts::Notification &n)
{
    const QString title = Alerts::notificationTitle(n);
    if (trayShown()) {
        m_lastMessage = {n.rule.id, n.finding.group};
        m_tray->showMessage(
            title, n.finding.message,
            n.finding.state == Alerts::State::Alert ? QSystemTrayIcon::Critical : QSystemTrayIcon::Warning, 20'000);
    }
    emit notice(title, n.finding.message);

    const QUrl url(Settings::get(SettingKeys::AlertsWebhookUrl).trimmed());
    if (url.isEmpty())
        return;
    // The delivery blocks (it waits between attempts): on a pool thread, reporting back here.
    const QPointer<AlertCenter> self(this);
    auto report = [self](const QString &status) {
        QMetaObject::invokeMethod(QCoreApplication::instance(), [self, status] {
            if (self) {
                self->m_webhookStatus = status;
                emit self->webhookStatusChanged(status);
            }
        });
    };
    const QByteArray payload = Alerts::webhookPayload(n, m_clock.nowMs());
    const Clock *clock = &m_clock;
    QThreadPool::globalInstance()->start([url, payload, report, clock] {
        const Alerts::WebhookDelivery d =
            Alerts::deliverWebhook(url, payload, [&report](int next, const QString &failure) {
                report(tr("Webhook: %1; trying again (attempt %2 of %3)")
                           .arg(failure)
                           .arg(next)
                           .arg(Alerts::kWebhookAttempts));
            });
        const QString when =
            QLocale().toString(QDateTime::fromMSecsSinceEpoch(clock->nowMs()).time(), QLocale::ShortFormat);
        if (!d.delivered)
            report(tr("Webhook: not delivered (%1 after %2 attempts)").arg(d.failure).arg(d.attempts));
        else if (d.attempts == 1)
            report(tr("Webhook: delivered at %1").arg(when));
        else
            report(tr("Webhook: delivered at %1 (attempt %2)").arg(when).arg(d.attempts));
    });
}

void AlertCenter::updateTray()
{
    if (!m_tray && QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(this);
        m_tray->setObjectName(QStringLiteral("alertTray"));
        m_menu = new QMenu;
        m_menu->addAction(tr("&Open Cost Governor"), this, [this] { emit openAlert(0, QString()); });
        m_menu->addSeparator();
        m_menu->addAction(tr("Pause Alerts for 1 &Hour"), this, [this] { pauseUntil(m_clock.nowMs() + 3'600'000); });
        m_menu->addAction(tr("Pause Alerts until &Tomorrow"), this, [this] {
            const QDate tomorrow = QDateTime::fromMSecsSinceEpoch(m_clock.nowMs()).date().addDays(1);
            pauseUntil(QDateTime(tomorrow, QTime(8, 0)).toMSecsSinceEpoch());
        });
        m_menu->addAction(tr("&Resume Alerts"), this, [this] { pauseUntil(0); });
        m_menu->addSeparator();
        m_menu->addAction(tr("&Quit"), this, &AlertCenter::quitRequested);
        m_tray->setContextMenu(m_menu);
        connect(m_tray, &QSystemTrayIcon::messageClicked, this,
                [this] { emit openAlert(m_lastMessage.first, m_lastMessage.second); });
        connect(m_tray, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason reason) {
            if (reason == QSystemTrayIcon::Trigger || reason == QSystemTrayIcon::DoubleClick)
                emit openAlert(0, QString());
        });
        m_tray->show();
    }
    if (!m_tray)
        return;
    const qint64 paused = pausedUntilMs();
    m_tray->setIcon(trayIcon(m_worst, paused > 0));
    const QString state = m_worst == Alerts::State::Alert ? tr("something is in alert")
        : m_worst == Alerts::State::Warning               ? tr("a warning")
                                                          : tr("all clear");
    m_tray->setToolTip(paused > 0
                           ? tr("Cost Governor: alerts paused until %1")
                                 .arg(QLocale().toString(QDateTime::fromMSecsSinceEpoch(paused), QLocale::ShortFormat))
                           : tr("Cost Governor: %1").arg(state));
}

} // namespace CostGov::Ui

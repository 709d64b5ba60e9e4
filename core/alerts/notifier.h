#pragma once

#include "alerts/alerts.h"

#include <QByteArray>
#include <QString>
#include <QUrl>

#include <functional>

namespace CostGov::Alerts {

/// Someone told about alert notifications: the desktop's tray, a webhook.
class Notifier {
public:
    virtual ~Notifier() = default;
    virtual void notify(const Notification &notification) = 0;
};

/// What people read first: "Alert: Search monthly", "Warning: ...", "Still in alert: ...".
QString notificationTitle(const Notification &notification);

/// The JSON a webhook receives: a Slack-compatible "text" and the rule, group, states and figures.
QByteArray webhookPayload(const Notification &notification, qint64 nowMs);

inline constexpr int kWebhookAttempts = 3;

/// What delivering one payload did.
struct WebhookDelivery {
    bool delivered = false;
    int attempts = 0;
    QString failure; ///< the last failure ("HTTP 503", a network error); empty when delivered first time
};

/// Posts a payload to a webhook, trying again after 1 s and then 2 s on network errors and
/// non-2xx answers (kWebhookAttempts in all); onRetry hears each failure before the next attempt.
/// Blocks in its own event loop: for the command line and worker threads.
WebhookDelivery deliverWebhook(const QUrl &url, const QByteArray &payload,
                               const std::function<void(int nextAttempt, const QString &failure)> &onRetry = {});

/// Delivers each notification to a webhook as it comes (blocking), keeping what happened.
class WebhookNotifier final : public Notifier {
public:
    WebhookNotifier(QUrl url, qint64 nowMs) : m_url(std::move(url)), m_nowMs(nowMs) {}
    void notify(const Notification &notification) override;
    const QVector<WebhookDelivery> &deliveries() const { return m_deliveries; }

private:
    QUrl m_url;
    qint64 m_nowMs;
    QVector<WebhookDelivery> m_deliveries;
};

} // namespace CostGov::Alerts

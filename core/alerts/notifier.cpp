#include "notifier.h"

#include "common/timeutil.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QThread>

namespace CostGov::Alerts {

QString notificationTitle(const Notification &n)
{
    if (n.repeat)
        return QCoreApplication::translate("CostGov::Alerts", "Still in alert: %1").arg(n.rule.name);
    return n.finding.state == State::Alert
        ? QCoreApplication::translate("CostGov::Alerts", "Alert: %1").arg(n.rule.name)
        : QCoreApplication::translate("CostGov::Alerts", "Warning: %1").arg(n.rule.name);
}

QByteArray webhookPayload(const Notification &n, qint64 nowMs)
{
    const QJsonObject payload{
        {QStringLiteral("text"), QString(notificationTitle(n) + QStringLiteral(" — ") + n.finding.message)},
        {QStringLiteral("rule_id"), n.rule.id},
        {QStringLiteral("rule"), n.rule.name},
        {QStringLiteral("kind"), kindName(n.rule.kind)},
        {QStringLiteral("group"), n.finding.group},
        {QStringLiteral("state"), stateName(n.finding.state)},
        {QStringLiteral("previous_state"), stateName(n.previous)},
        {QStringLiteral("repeat"), n.repeat},
        {QStringLiteral("message"), n.finding.message},
        {QStringLiteral("at"), isoTimestamp(nowMs)},
        {QStringLiteral("figures"), QJsonDocument::fromJson(n.finding.figuresJson.toUtf8()).object()}};
    return QJsonDocument(payload).toJson(QJsonDocument::Compact);
}

WebhookDelivery deliverWebhook(const QUrl &url, const QByteArray &payload,
                               const std::function<void(int nextAttempt, const QString &failure)> &onRetry)
{
    WebhookDelivery delivery;
    QNetworkAccessManager network;
    for (int attempt = 1; attempt <= kWebhookAttempts; ++attempt) {
        delivery.attempts = attempt;
        QNetworkRequest request(url);
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
        request.setTransferTimeout(15'000);
        QNetworkReply *reply = network.post(request, payload);
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        if (!reply->isFinished())
            loop.exec();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const bool ok = reply->error() == QNetworkReply::NoError && status >= 200 && status < 300;
        delivery.failure = ok ? QString() : status > 0 ? QStringLiteral("HTTP %1").arg(status) : reply->errorString();
        reply->deleteLater();
        if (ok) {
            delivery.delivered = true;
            return delivery;
        }
        if (attempt < kWebhookAttempts) {
            if (onRetry)
                onRetry(attempt + 1, delivery.failure);
            QThread::msleep(1000UL << (attempt - 1));
        }
    }
    return delivery;
}

void WebhookNotifier::notify(const Notification &notification)
{
    m_deliveries.append(deliverWebhook(m_url, webhookPayload(notification, m_nowMs)));
}

} // namespace CostGov::Alerts

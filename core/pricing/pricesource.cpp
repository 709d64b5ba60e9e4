#include "pricesource.h"

#include <QEventLoop>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>
#include <QUrl>

namespace CostGov::Pricing {

Result<QByteArray> readPriceSource(const QString &source, int timeoutMs, const std::atomic_bool *cancelled)
{
    const QUrl url(source);
    const QString scheme = url.scheme().toLower();
    if (scheme != QLatin1String("http") && scheme != QLatin1String("https")) {
        QFile file(url.isLocalFile() ? url.toLocalFile() : source);
        if (!file.open(QIODevice::ReadOnly))
            return makeError(ErrorCode::Io, QStringLiteral("cannot read %1: %2").arg(source, file.errorString()));
        if (file.size() > kMaxPriceFileBytes)
            return makeError(ErrorCode::Data,
                             QStringLiteral("%1 is larger than %2 MB: not a price file")
                                 .arg(source)
                                 .arg(kMaxPriceFileBytes / (1024 * 1024)));
        return file.readAll();
    }

    QNetworkAccessManager network;
    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::NoLessSafeRedirectPolicy);
    request.setTransferTimeout(timeoutMs);
    QNetworkReply *reply = network.get(request);
    QEventLoop loop;
    QByteArray body;
    QString failure;
    QObject::connect(reply, &QNetworkReply::readyRead, &loop, [&] {
        body += reply->readAll();
        if (body.size() > kMaxPriceFileBytes) {
            failure = QStringLiteral("%1 sent more than %2 MB: not a price file")
                          .arg(source)
                          .arg(kMaxPriceFileBytes / (1024 * 1024));
            reply->abort();
        }
    });
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer poll; // a cancel request from another thread
    if (cancelled) {
        QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
            if (cancelled->load()) {
                failure = QStringLiteral("cancelled");
                reply->abort();
            }
        });
        poll.start(100);
    }
    if (!reply->isFinished())
        loop.exec();
    body += reply->readAll();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QNetworkReply::NetworkError error = reply->error();
    const QString errorText = reply->errorString();
    reply->deleteLater();
    if (!failure.isEmpty())
        return makeError(failure == QLatin1String("cancelled") ? ErrorCode::Cancelled : ErrorCode::Data, failure);
    if (status != 0 && status != 200)
        return makeError(ErrorCode::Io, QStringLiteral("%1 answered HTTP %2").arg(source).arg(status));
    if (error != QNetworkReply::NoError)
        return makeError(ErrorCode::Io, QStringLiteral("cannot download %1: %2").arg(source, errorText));
    return body;
}

} // namespace CostGov::Pricing

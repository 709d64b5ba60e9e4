#pragma once

#include <QHash>
#include <QMap>
#include <QTcpServer>
#include <QTcpSocket>
#include <QUrl>
#include <QUrlQuery>
#include <QVector>

#include <functional>

namespace CostGov::Test {

struct HttpRequest {
    QByteArray method;
    QByteArray body;
    QString path;
    QUrlQuery query;
    QMap<QByteArray, QByteArray> headers; ///< lower-case names
};

struct HttpReply {
    HttpReply(int s, QByteArray b, QList<std::pair<QByteArray, QByteArray>> h = {}, bool t = false)
        : status(s), body(std::move(b)), headers(std::move(h)), truncate(t)
    {}
    int status;
    QByteArray body;
    QList<std::pair<QByteArray, QByteArray>> headers;
    bool truncate; ///< announce the whole body, send half, close
};

/// A stand-in for a provider admin API (or a webhook receiver): a one-request-per-connection
/// HTTP/1.1 server on 127.0.0.1; the test decides each answer.
class FakeProvider : public QObject {
public:
    std::function<HttpReply(const HttpRequest &)> handler;
    QVector<HttpRequest> requests;

    FakeProvider()
    {
        m_server.listen(QHostAddress::LocalHost);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { serve(socket); });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }
    QString baseUrl() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()); }

private:
    void serve(QTcpSocket *socket)
    {
        QByteArray &buffer = m_buffers[socket];
        buffer += socket->readAll();
        if (!buffer.contains("\r\n\r\n"))
            return;
        const qsizetype headerEnd = buffer.indexOf("\r\n\r\n") + 4;
        const QList<QByteArray> lines = buffer.left(headerEnd - 4).split('\n');
        HttpRequest request;
        for (const QByteArray &line : lines.mid(1)) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0)
                request.headers.insert(line.left(colon).trimmed().toLower(), line.mid(colon + 1).trimmed());
        }
        const qsizetype length = request.headers.value("content-length").toLongLong();
        if (buffer.size() < headerEnd + length)
            return; // the body is still coming
        request.body = buffer.mid(headerEnd, length);
        m_buffers.remove(socket);
        const QList<QByteArray> first = lines.first().trimmed().split(' ');
        request.method = first.value(0);
        const QUrl url(QString::fromLatin1(first.value(1)));
        request.path = url.path();
        request.query = QUrlQuery(url);
        requests.append(request);
        const HttpReply reply = handler(request);
        QByteArray response = "HTTP/1.1 " + QByteArray::number(reply.status)
            + " X\r\nContent-Type: application/json\r\n" + "Content-Length: " + QByteArray::number(reply.body.size())
            + "\r\nConnection: close\r\n";
        for (const auto &[name, value] : reply.headers)
            response += name + ": " + value + "\r\n";
        response += "\r\n" + (reply.truncate ? reply.body.left(reply.body.size() / 2) : reply.body);
        socket->write(response);
        socket->flush();
        socket->disconnectFromHost();
    }

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
};

} // namespace CostGov::Test

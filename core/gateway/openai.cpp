#include "openai.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

#include <httplib.h>

namespace CostGov::Gateway {

std::string errorBody(const QString &type, const QString &message, const QJsonObject &extra)
{
    QJsonObject error{{QStringLiteral("message"), message}, {QStringLiteral("type"), type}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        error.insert(it.key(), it.value());
    return QJsonDocument(QJsonObject{{QStringLiteral("error"), error}}).toJson(QJsonDocument::Compact).toStdString();
}

void jsonError(httplib::Response &res, int status, const QString &type, const QString &message,
               const QJsonObject &extra)
{
    res.status = status;
    res.set_content(errorBody(type, message, extra), "application/json");
}

void upstreamError(httplib::Response &res, int status, const QString &provider, const std::string &upstreamBody)
{
    // The error type is a code word; it is kept when it is one (a client's retry logic reads it).
    const QJsonObject error = QJsonDocument::fromJson(QByteArray::fromStdString(upstreamBody))
                                  .object()
                                  .value(QStringLiteral("error"))
                                  .toObject();
    static const QRegularExpression word(QStringLiteral("^[a-z_]{1,64}$"));
    QString type = error.value(QStringLiteral("type")).toString();
    if (!word.match(type).hasMatch())
        type = QStringLiteral("upstream_error");
    const QString why = status == 401 || status == 403 ? QStringLiteral("the agent's key for it was not accepted")
        : status == 429                                ? QStringLiteral("it is rate limiting the agent")
        : status >= 500                                ? QStringLiteral("it failed")
                                                       : QStringLiteral("it refused the request");
    jsonError(res, status, type,
              QStringLiteral("the upstream %1 answered HTTP %2: %3").arg(provider).arg(status).arg(why),
              {{QStringLiteral("code"), QStringLiteral("costgov_upstream_%1").arg(status)}});
}

TokenCounts tokensOf(const QJsonObject &usage)
{
    TokenCounts t;
    const qint64 prompt = usage.value(QStringLiteral("prompt_tokens")).toInteger();
    t.cacheRead = usage.value(QStringLiteral("prompt_tokens_details"))
                      .toObject()
                      .value(QStringLiteral("cached_tokens"))
                      .toInteger();
    t.cacheWrite5m = usage.value(QStringLiteral("cache_creation_input_tokens")).toInteger();
    t.input = std::max<qint64>(0, prompt - t.cacheRead - t.cacheWrite5m);
    t.output = usage.value(QStringLiteral("completion_tokens")).toInteger();
    return t;
}

std::string asEvents(const QByteArray &completion, bool withUsage)
{
    const QJsonObject c = QJsonDocument::fromJson(completion).object();
    const QJsonObject choice = c.value(QStringLiteral("choices")).toArray().at(0).toObject();
    const auto chunk = [&c](const QJsonArray &choices, const QJsonValue &usage) {
        QJsonObject o{{QStringLiteral("id"), c.value(QStringLiteral("id"))},
                      {QStringLiteral("object"), QStringLiteral("chat.completion.chunk")},
                      {QStringLiteral("created"), c.value(QStringLiteral("created"))},
                      {QStringLiteral("model"), c.value(QStringLiteral("model"))},
                      {QStringLiteral("choices"), choices}};
        if (!usage.isUndefined())
            o.insert(QStringLiteral("usage"), usage);
        return "data: " + QJsonDocument(o).toJson(QJsonDocument::Compact).toStdString() + "\n\n";
    };
    std::string events =
        chunk(QJsonArray{QJsonObject{{QStringLiteral("index"), 0},
                                     {QStringLiteral("delta"), choice.value(QStringLiteral("message")).toObject()},
                                     {QStringLiteral("finish_reason"), QJsonValue()}}},
              QJsonValue::Undefined);
    events +=
        chunk(QJsonArray{QJsonObject{{QStringLiteral("index"), 0},
                                     {QStringLiteral("delta"), QJsonObject()},
                                     {QStringLiteral("finish_reason"), choice.value(QStringLiteral("finish_reason"))}}},
              QJsonValue::Undefined);
    if (withUsage)
        events += chunk(QJsonArray(), c.value(QStringLiteral("usage")));
    return events + "data: [DONE]\n\n";
}

} // namespace CostGov::Gateway

#include "anthropic.h"

#include "openai.h"
#include "policy/policy.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QStringList>

namespace CostGov::Gateway::Anthropic {

Result<QJsonObject> toMessages(const QJsonObject &chat)
{
    QStringList system;
    QJsonArray messages;
    for (const QJsonValue &v : chat.value(QStringLiteral("messages")).toArray()) {
        const QJsonObject m = v.toObject();
        const QString role = m.value(QStringLiteral("role")).toString();
        if (role == QLatin1String("system") || role == QLatin1String("developer"))
            system.append(Policy::messageText(m.value(QStringLiteral("content"))));
        else if (role == QLatin1String("user") || role == QLatin1String("assistant"))
            messages.append(
                QJsonObject{{QStringLiteral("role"), role},
                            {QStringLiteral("content"), Policy::messageText(m.value(QStringLiteral("content")))}});
        else
            return makeError(ErrorCode::Usage,
                             QStringLiteral("messages with role \"%1\" cannot go to an Anthropic "
                                            "upstream; route tool use to an OpenAI-compatible one")
                                 .arg(role));
    }
    if (!chat.value(QStringLiteral("tools")).toArray().isEmpty())
        return makeError(ErrorCode::Usage,
                         QStringLiteral("tools cannot go to an Anthropic upstream yet; route tool use "
                                        "to an OpenAI-compatible one"));
    QJsonObject out{{QStringLiteral("model"), chat.value(QStringLiteral("model"))},
                    {QStringLiteral("messages"), messages},
                    {QStringLiteral("max_tokens"),
                     chat.value(QStringLiteral("max_completion_tokens"))
                         .toInteger(chat.value(QStringLiteral("max_tokens")).toInteger(4096))}};
    if (!system.isEmpty())
        out.insert(QStringLiteral("system"), system.join(QLatin1Char('\n')));
    for (const char *key : {"temperature", "top_p"})
        if (chat.value(QLatin1String(key)).isDouble())
            out.insert(QLatin1String(key), chat.value(QLatin1String(key)));
    const QJsonValue stop = chat.value(QStringLiteral("stop"));
    if (stop.isString())
        out.insert(QStringLiteral("stop_sequences"), QJsonArray{stop});
    else if (stop.isArray())
        out.insert(QStringLiteral("stop_sequences"), stop);
    return out;
}

QByteArray toChatCompletion(const QJsonObject &m, qint64 createdSecs)
{
    const QString stop = m.value(QStringLiteral("stop_reason")).toString();
    const QJsonObject u = m.value(QStringLiteral("usage")).toObject();
    const qint64 read = u.value(QStringLiteral("cache_read_input_tokens")).toInteger();
    const qint64 write = u.value(QStringLiteral("cache_creation_input_tokens")).toInteger();
    const qint64 prompt = u.value(QStringLiteral("input_tokens")).toInteger() + read + write;
    const qint64 output = u.value(QStringLiteral("output_tokens")).toInteger();
    const QJsonObject out{
        {QStringLiteral("id"), m.value(QStringLiteral("id"))},
        {QStringLiteral("object"), QStringLiteral("chat.completion")},
        {QStringLiteral("created"), createdSecs},
        {QStringLiteral("model"), m.value(QStringLiteral("model"))},
        {QStringLiteral("choices"),
         QJsonArray{QJsonObject{
             {QStringLiteral("index"), 0},
             {QStringLiteral("message"),
              QJsonObject{{QStringLiteral("role"), QStringLiteral("assistant")},
                          {QStringLiteral("content"), Policy::messageText(m.value(QStringLiteral("content")))}}},
             {QStringLiteral("finish_reason"),
              stop == QLatin1String("max_tokens")    ? QStringLiteral("length")
                  : stop == QLatin1String("refusal") ? QStringLiteral("content_filter")
                                                     : QStringLiteral("stop")}}}},
        {QStringLiteral("usage"),
         QJsonObject{{QStringLiteral("prompt_tokens"), prompt},
                     {QStringLiteral("completion_tokens"), output},
                     {QStringLiteral("total_tokens"), prompt + output},
                     {QStringLiteral("prompt_tokens_details"), QJsonObject{{QStringLiteral("cached_tokens"), read}}},
                     {QStringLiteral("cache_creation_input_tokens"), write}}}};
    return QJsonDocument(out).toJson(QJsonDocument::Compact);
}

std::string toOpenAiError(const std::string &body)
{
    const QJsonObject e =
        QJsonDocument::fromJson(QByteArray::fromStdString(body)).object().value(QStringLiteral("error")).toObject();
    return errorBody(e.value(QStringLiteral("type")).toString(QStringLiteral("upstream_error")),
                     e.value(QStringLiteral("message")).toString(QString::fromStdString(body).left(500)));
}

} // namespace CostGov::Gateway::Anthropic

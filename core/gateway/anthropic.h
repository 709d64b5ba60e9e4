#pragma once

#include "common/result.h"

#include <QByteArray>
#include <QJsonObject>

#include <string>

// Anthropic's messages API behind the OpenAI shape: requests one way, answers and errors the other.
namespace CostGov::Gateway::Anthropic {

/// A chat completions request as a messages request, or why it cannot be one.
Result<QJsonObject> toMessages(const QJsonObject &chat);
/// A messages answer as a chat completion made at createdSecs (usage keeps the cache write count).
QByteArray toChatCompletion(const QJsonObject &message, qint64 createdSecs);
/// An Anthropic error body in OpenAI's shape.
std::string toOpenAiError(const std::string &body);

} // namespace CostGov::Gateway::Anthropic

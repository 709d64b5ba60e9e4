#pragma once

#include "common/usagerecord.h"

#include <QJsonObject>
#include <QString>

#include <string>

namespace httplib {
struct Response;
}

// The OpenAI wire shape the agent speaks to its clients, whatever the upstream.
namespace CostGov::Gateway {

/// An OpenAI-style error body: {"error": {"message", "type", ...extra}}.
std::string errorBody(const QString &type, const QString &message, const QJsonObject &extra = {});
/// Answers with status and an errorBody().
void jsonError(httplib::Response &response, int status, const QString &type, const QString &message,
               const QJsonObject &extra = {});

/// Answers for an upstream that refused a request: its status and a short message of the agent's
/// own (an upstream's error text can quote the agent's key, masked or not, and is not passed on).
void upstreamError(httplib::Response &response, int status, const QString &provider, const std::string &upstreamBody);

/// Tokens of an OpenAI usage object (with cache_creation_input_tokens when an Anthropic answer was
/// translated): input excludes cache reads and writes, as the canonical log counts them.
TokenCounts tokensOf(const QJsonObject &usage);

/// A whole chat completion as the server-sent events a stream of it would have been: the content
/// in one chunk, the finish, the usage when asked for, and [DONE].
std::string asEvents(const QByteArray &completion, bool withUsage);

} // namespace CostGov::Gateway

#include "streamrelay.h"

#include "metrics.h"
#include "openai.h"
#include "upstreams.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <httplib.h>

#include <condition_variable>
#include <deque>
#include <thread>

namespace CostGov::Gateway {

using Policy::Target;

namespace {

/// Where the first server-sent event in text ends ("\n\n" or "\r\n\r\n"), with the separator's length.
size_t eventEnd(const std::string &text, size_t &separator)
{
    const size_t lf = text.find("\n\n"), crlf = text.find("\r\n\r\n");
    separator = crlf < lf ? 4 : 2;
    return std::min(lf, crlf);
}

} // namespace

void StreamRelay::relay(QJsonObject body, const QVector<Target> &chain, Record record, httplib::Response &res)
{
    // The upstream call runs on its own thread; the server thread passes on what it delivers.
    struct Shared {
        std::mutex mutex;
        std::condition_variable changed;
        bool headers = false, done = false, clientGone = false;
        int status = 0;
        std::string contentType = "text/event-stream";
        std::deque<std::string> chunks;
    };
    auto shared = std::make_shared<Shared>();
    ++m_streams;
    const bool clientAsked =
        body.value(QStringLiteral("stream_options")).toObject().value(QStringLiteral("include_usage")).toBool();
    QJsonObject options = body.value(QStringLiteral("stream_options")).toObject();
    options.insert(QStringLiteral("include_usage"), true);
    body.insert(QStringLiteral("stream_options"), options);

    std::thread([this, shared, body, chain, record, clientAsked]() mutable {
        std::string pending, failure; // failure: the body of an error answer
        std::string usageJson;
        int finalStatus = 502;
        qint64 receivedChars = 0;
        bool attempted = false;
        for (int attempt = 0; attempt < chain.size(); ++attempt) {
            const Target &target = chain.at(attempt);
            if (!m_upstreams.has(target.provider) || m_upstreams.isAnthropic(target.provider))
                continue; // streams to an Anthropic upstream are answered whole (ChatRoute)
            body.insert(QStringLiteral("model"), target.model);
            std::string prefix;
            auto client = m_upstreams.client(target.provider, prefix);
            httplib::Request request;
            request.method = "POST";
            request.path = prefix + "/v1/chat/completions";
            request.body = QJsonDocument(body).toJson(QJsonDocument::Compact).toStdString();
            request.set_header("Content-Type", "application/json");
            request.set_header("Accept", "text/event-stream");
            int status = 0;
            const bool lastAttempt = attempt + 1 == chain.size();
            request.response_handler = [&](const httplib::Response &r) {
                status = r.status;
                if (retryable(status) && !lastAttempt)
                    return false; // try the next target before the client sees anything
                std::lock_guard lock(shared->mutex);
                shared->status = status;
                if (r.has_header("Content-Type"))
                    shared->contentType = r.get_header_value("Content-Type");
                shared->headers = true;
                shared->changed.notify_all();
                return true;
            };
            request.content_receiver = [&](const char *data, size_t length, uint64_t, uint64_t) {
                if (status != 200) {
                    failure.append(data, length);
                } else {
                    pending.append(data, length);
                    // Whole server-sent events only; the usage chunk is read, and dropped when
                    // the client did not ask for it.
                    for (size_t end, separator; (end = eventEnd(pending, separator)) != std::string::npos;) {
                        std::string event = pending.substr(0, end + separator);
                        pending.erase(0, end + separator);
                        if (event.rfind("data: {", 0) == 0) {
                            const QJsonObject chunk =
                                QJsonDocument::fromJson(QByteArray::fromStdString(event.substr(6))).object();
                            receivedChars += chunk.value(QStringLiteral("choices"))
                                                 .toArray()
                                                 .at(0)
                                                 .toObject()
                                                 .value(QStringLiteral("delta"))
                                                 .toObject()
                                                 .value(QStringLiteral("content"))
                                                 .toString()
                                                 .size();
                            if (chunk.value(QStringLiteral("usage")).isObject()) {
                                usageJson = event.substr(6);
                                if (!clientAsked && chunk.value(QStringLiteral("choices")).toArray().isEmpty())
                                    continue;
                            }
                        }
                        std::lock_guard lock(shared->mutex);
                        shared->chunks.push_back(std::move(event));
                        shared->changed.notify_all();
                    }
                }
                std::lock_guard lock(shared->mutex);
                return !shared->clientGone;
            };
            ++m_counters.upstreamCalls;
            attempted = true;
            const auto result = client->send(request);
            finalStatus = status;
            record.provider = target.provider;
            record.model = target.model;
            if (!result && status == 0) {
                ++m_counters.upstreamErrors;
                if (!lastAttempt) {
                    ++m_counters.fallbacks;
                    continue;
                }
                record.status = QStringLiteral("upstream_unreachable");
                failure = errorBody(QStringLiteral("upstream_error"),
                                    QStringLiteral("no upstream answered: %1")
                                        .arg(QString::fromStdString(httplib::to_string(result.error()))));
                finalStatus = 502;
                break;
            }
            if (retryable(status) && !lastAttempt) {
                ++m_counters.upstreamErrors;
                ++m_counters.fallbacks;
                record.tags.insert(QStringLiteral("fallback_from"), target.model);
                record.tags.insert(QStringLiteral("fallback_reason"), QStringLiteral("HTTP %1").arg(status));
                continue;
            }
            if (result)
                m_upstreams.release(target.provider, std::move(client));
            if (status != 200) {
                record.status = QString::number(status);
                // The upstream's own error text (it can quote the agent's key) is not passed on.
                httplib::Response sanitized;
                upstreamError(sanitized, status, target.provider, failure);
                failure = sanitized.body;
            } else if (!result) {
                std::lock_guard lock(shared->mutex);
                record.status =
                    shared->clientGone ? QStringLiteral("client_closed") : QStringLiteral("upstream_incomplete");
            }
            break;
        }
        if (!attempted) {
            record.status = QStringLiteral("upstream_unreachable");
            failure = errorBody(QStringLiteral("upstream_error"),
                                QStringLiteral("no upstream can stream %1").arg(record.model));
        }
        if (usageJson.empty() && finalStatus == 200) {
            // No usage arrived (the stream broke, or the upstream ignores include_usage): the
            // tokens are estimated rather than logged as free.
            record.tags.insert(QStringLiteral("usage_estimated"), true);
            usageJson = QJsonDocument(
                            QJsonObject{{QStringLiteral("usage"),
                                         QJsonObject{{QStringLiteral("prompt_tokens"), record.view.promptTokens},
                                                     {QStringLiteral("completion_tokens"), (receivedChars + 3) / 4}}}})
                            .toJson(QJsonDocument::Compact)
                            .toStdString();
        }
        if (!pending.empty()) {
            std::lock_guard lock(shared->mutex);
            shared->chunks.push_back(std::move(pending));
        }
        // Logged before the client sees the end, so a client that reads its answer finds it logged.
        m_accounting.finish(record, QByteArray::fromStdString(usageJson));
        {
            std::lock_guard lock(shared->mutex);
            if (!shared->headers) {
                shared->status = finalStatus;
                shared->contentType = "application/json";
                shared->headers = true;
            }
            if (!failure.empty())
                shared->chunks.push_back(failure);
            shared->done = true;
            shared->changed.notify_all();
        }
        --m_streams;
    }).detach();

    std::unique_lock lock(shared->mutex);
    if (!shared->changed.wait_for(lock, m_idleTimeout, [&] { return shared->headers; })) {
        shared->clientGone = true; // the upstream thread stops at its next chunk
        return jsonError(res, 504, QStringLiteral("upstream_error"),
                         QStringLiteral("the upstream sent nothing for %1 s").arg(m_idleTimeout.count()));
    }
    res.status = shared->status;
    const std::string contentType = shared->contentType;
    lock.unlock();
    res.set_chunked_content_provider(
        contentType,
        [shared, idle = m_idleTimeout](size_t, httplib::DataSink &sink) {
            // Timed waits: a silent upstream or a vanished client frees this server thread.
            const auto giveUp = std::chrono::steady_clock::now() + idle;
            std::unique_lock guard(shared->mutex);
            while (!shared->changed.wait_for(guard, std::chrono::seconds(1),
                                             [&] { return !shared->chunks.empty() || shared->done; })) {
                if (!sink.is_writable())
                    return false;
                if (std::chrono::steady_clock::now() >= giveUp) {
                    shared->clientGone = true;
                    guard.unlock();
                    const std::string event = "data: "
                        + errorBody(QStringLiteral("upstream_error"),
                                    QStringLiteral("the upstream sent nothing for %1 s").arg(idle.count()))
                        + "\n\n";
                    sink.write(event.data(), event.size());
                    sink.done();
                    return true;
                }
            }
            while (!shared->chunks.empty()) {
                std::string chunk = std::move(shared->chunks.front());
                shared->chunks.pop_front();
                guard.unlock();
                if (!sink.write(chunk.data(), chunk.size()))
                    return false;
                guard.lock();
            }
            if (shared->done)
                sink.done();
            return true;
        },
        [shared](bool success) {
            std::lock_guard guard(shared->mutex);
            if (!success)
                shared->clientGone = true;
        });
}

void StreamRelay::waitForStreams() const
{
    while (m_streams.load() > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

} // namespace CostGov::Gateway

#pragma once

// A stand-in for an OpenAI-compatible provider on 127.0.0.1, answering at once, faithful to the
// chat completions and embeddings shapes (usage, prompt_tokens_details, server-sent events with
// stream_options.include_usage). What it answers depends on the model asked for:
//   "overloaded"      429 with Retry-After      "broken"     503
//   streams: "no-usage" never sends usage, "crlf-events" separates events with CRLF CRLF
//   "weak-json"       an answer that is not JSON  "truncated"  finish_reason "length"
//   "refuser"         a refusal                   "echo"       the last message's text as the answer
//   "bad-key"         401 quoting the (masked) key, as OpenAI does
//   anything else: a JSON answer naming the model. delayMs delays every chat answer.
//   streams: "stalled" sends one event, then nothing for 8 s (or until the fake closes)
// Usage: prompt_tokens = 1000, completion_tokens = 500, 200 of the prompt cached. POST /v1/messages
// answers as Anthropic does (900 input, 100 cache read, 50 cache write, 500 output tokens).

#include <httplib.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace CostGov::Test {

class FakeUpstream {
public:
    FakeUpstream()
    {
        m_server.new_task_queue = [] { return new httplib::ThreadPool(256); }; // a thread per keep-alive connection
        m_server.set_keep_alive_max_count(1000000);
        m_server.set_tcp_nodelay(true);
        m_server.Post("/v1/chat/completions", [this](const httplib::Request &req, httplib::Response &res) {
            ++calls;
            const QJsonObject body = QJsonDocument::fromJson(QByteArray::fromStdString(req.body)).object();
            const QString model = body.value(QStringLiteral("model")).toString();
            {
                std::lock_guard lock(m_mutex);
                models.push_back(model);
                authorizations.push_back(req.get_header_value("Authorization"));
            }
            if (model == QLatin1String("overloaded")) {
                res.status = 429;
                res.set_header("Retry-After", "2");
                res.set_content(R"({"error":{"message":"Rate limit reached","type":"rate_limit_error"}})",
                                "application/json");
                return;
            }
            if (delayMs.load() > 0)
                std::this_thread::sleep_for(std::chrono::milliseconds(delayMs.load()));
            if (model == QLatin1String("bad-key")) {
                res.status = 401;
                res.set_content(R"({"error":{"message":"Incorrect API key provided: sk-upst*******cret. You can find )"
                                R"(your API key at https://platform.openai.com/account/api-keys.","type":)"
                                R"("invalid_request_error","code":"invalid_api_key"}})",
                                "application/json");
                return;
            }
            if (model == QLatin1String("echo")) {
                const QJsonArray messages = body.value(QStringLiteral("messages")).toArray();
                res.set_content(
                    answer(model, messages.last().toObject().value(QStringLiteral("content")).toString()).toStdString(),
                    "application/json");
                return;
            }
            if (model == QLatin1String("broken")) {
                res.status = 503;
                res.set_content(R"({"error":{"message":"The server is overloaded","type":"server_error"}})",
                                "application/json");
                return;
            }
            if (body.value(QStringLiteral("stream")).toBool() && model == QLatin1String("stalled"))
                return stall(res);
            if (body.value(QStringLiteral("stream")).toBool())
                return stream(body, res);
            res.set_content(answer(model).toStdString(), "application/json");
        });
        // Anthropic's messages API: x-api-key and anthropic-version, or 401; 529 when overloaded.
        m_server.Post("/v1/messages", [this](const httplib::Request &req, httplib::Response &res) {
            ++calls;
            const QJsonObject body = QJsonDocument::fromJson(QByteArray::fromStdString(req.body)).object();
            const QString model = body.value(QStringLiteral("model")).toString();
            {
                std::lock_guard lock(m_mutex);
                models.push_back(model);
                authorizations.push_back(req.get_header_value("x-api-key"));
                anthropicRequests.push_back(body);
            }
            if (!req.has_header("x-api-key") || req.get_header_value("anthropic-version") != "2023-06-01") {
                res.status = 401;
                res.set_content(
                    R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}})",
                    "application/json");
                return;
            }
            if (model == QLatin1String("overloaded")) {
                res.status = 529;
                res.set_content(R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})",
                                "application/json");
                return;
            }
            const QJsonObject out{{QStringLiteral("id"), QStringLiteral("msg_01")},
                                  {QStringLiteral("type"), QStringLiteral("message")},
                                  {QStringLiteral("role"), QStringLiteral("assistant")},
                                  {QStringLiteral("model"), model},
                                  {QStringLiteral("content"),
                                   QJsonArray{QJsonObject{{QStringLiteral("type"), QStringLiteral("text")},
                                                          {QStringLiteral("text"),
                                                           QStringLiteral("{\"answer\":\"from %1\"}").arg(model)}}}},
                                  {QStringLiteral("stop_reason"), QStringLiteral("end_turn")},
                                  {QStringLiteral("stop_sequence"), QJsonValue()},
                                  {QStringLiteral("usage"),
                                   QJsonObject{{QStringLiteral("input_tokens"), 900},
                                               {QStringLiteral("output_tokens"), 500},
                                               {QStringLiteral("cache_creation_input_tokens"), 50},
                                               {QStringLiteral("cache_read_input_tokens"), 100}}}};
            res.set_content(QJsonDocument(out).toJson(QJsonDocument::Compact).toStdString(), "application/json");
        });
        m_server.Post("/v1/embeddings", [this](const httplib::Request &req, httplib::Response &res) {
            ++calls;
            const QJsonObject body = QJsonDocument::fromJson(QByteArray::fromStdString(req.body)).object();
            QJsonArray vector;
            const QString input = body.value(QStringLiteral("input")).toString();
            for (int i = 0; i < 8; ++i)
                vector.append(double(input.count(QChar(u'a' + i))) + 0.5);
            const QJsonObject out{
                {QStringLiteral("object"), QStringLiteral("list")},
                {QStringLiteral("model"), body.value(QStringLiteral("model"))},
                {QStringLiteral("data"),
                 QJsonArray{QJsonObject{{QStringLiteral("object"), QStringLiteral("embedding")},
                                        {QStringLiteral("index"), 0},
                                        {QStringLiteral("embedding"), vector}}}},
                {QStringLiteral("usage"),
                 QJsonObject{{QStringLiteral("prompt_tokens"), 12}, {QStringLiteral("total_tokens"), 12}}}};
            res.set_content(QJsonDocument(out).toJson(QJsonDocument::Compact).toStdString(), "application/json");
        });
        port = m_server.bind_to_any_port("127.0.0.1");
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
    }
    ~FakeUpstream()
    {
        m_closing = true;
        m_server.stop();
        m_thread.join();
    }
    FakeUpstream(const FakeUpstream &) = delete;
    FakeUpstream &operator=(const FakeUpstream &) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
    std::vector<QString> modelsSeen()
    {
        std::lock_guard lock(m_mutex);
        return models;
    }
    void clear()
    {
        std::lock_guard lock(m_mutex);
        models.clear();
        authorizations.clear();
        anthropicRequests.clear();
        calls = 0;
    }

    /// The events a streamed answer is sent as (without the usage event and [DONE]).
    static std::vector<std::string> streamEvents(const QString &model)
    {
        std::vector<std::string> events;
        const QStringList words{QStringLiteral("Streaming "), QStringLiteral("answer "), QStringLiteral("from "),
                                model};
        for (int i = 0; i < words.size(); ++i) {
            const QJsonObject chunk{
                {QStringLiteral("id"), QStringLiteral("chatcmpl-stream")},
                {QStringLiteral("object"), QStringLiteral("chat.completion.chunk")},
                {QStringLiteral("model"), model},
                {QStringLiteral("choices"),
                 QJsonArray{
                     QJsonObject{{QStringLiteral("index"), 0},
                                 {QStringLiteral("delta"), QJsonObject{{QStringLiteral("content"), words.at(i)}}},
                                 {QStringLiteral("finish_reason"),
                                  i + 1 == words.size() ? QJsonValue(QStringLiteral("stop")) : QJsonValue()}}}}};
            events.push_back("data: " + QJsonDocument(chunk).toJson(QJsonDocument::Compact).toStdString() + "\n\n");
        }
        return events;
    }

    int port = 0;
    std::atomic_int calls{0};
    std::atomic_int delayMs{0};
    std::vector<QString> models;
    std::vector<std::string> authorizations;
    std::vector<QJsonObject> anthropicRequests;

private:
    static QByteArray answer(const QString &model, const QString &echo = {})
    {
        QString content = echo.isEmpty() ? QStringLiteral("{\"answer\":\"from %1\"}").arg(model) : echo;
        QString finish = QStringLiteral("stop");
        QJsonObject message{{QStringLiteral("role"), QStringLiteral("assistant")}};
        if (model == QLatin1String("weak-json"))
            content = QStringLiteral("Sure! Here is the answer you wanted, more or less.");
        if (model == QLatin1String("truncated"))
            finish = QStringLiteral("length");
        if (model == QLatin1String("refuser")) {
            content = QString();
            message.insert(QStringLiteral("refusal"), QStringLiteral("I can't help with that."));
        }
        message.insert(QStringLiteral("content"), content);
        const QJsonObject out{{QStringLiteral("id"), QStringLiteral("chatcmpl-%1").arg(model)},
                              {QStringLiteral("object"), QStringLiteral("chat.completion")},
                              {QStringLiteral("model"), model},
                              {QStringLiteral("choices"),
                               QJsonArray{QJsonObject{{QStringLiteral("index"), 0},
                                                      {QStringLiteral("message"), message},
                                                      {QStringLiteral("finish_reason"), finish}}}},
                              {QStringLiteral("usage"),
                               QJsonObject{{QStringLiteral("prompt_tokens"), 1000},
                                           {QStringLiteral("completion_tokens"), 500},
                                           {QStringLiteral("total_tokens"), 1500},
                                           {QStringLiteral("prompt_tokens_details"),
                                            QJsonObject{{QStringLiteral("cached_tokens"), 200}}}}}};
        return QJsonDocument(out).toJson(QJsonDocument::Compact);
    }

    static void stream(const QJsonObject &body, httplib::Response &res)
    {
        const QString model = body.value(QStringLiteral("model")).toString();
        // "no-usage" ignores include_usage; "crlf-events" ends its events with CRLF CRLF.
        const bool usage = model != QLatin1String("no-usage")
            && body.value(QStringLiteral("stream_options")).toObject().value(QStringLiteral("include_usage")).toBool();
        const bool crlf = model == QLatin1String("crlf-events");
        res.set_chunked_content_provider("text/event-stream", [model, usage, crlf](size_t, httplib::DataSink &sink) {
            std::vector<std::string> events = streamEvents(model);
            if (usage)
                events.push_back(usageEvent(model));
            events.push_back("data: [DONE]\n\n");
            for (std::string event : events) {
                if (crlf)
                    event = event.substr(0, event.size() - 2) + "\r\n\r\n";
                sink.write(event.data(), event.size());
            }
            sink.done();
            return true;
        });
    }

    void stall(httplib::Response &res)
    {
        res.set_chunked_content_provider("text/event-stream", [this](size_t, httplib::DataSink &sink) {
            const std::string first = streamEvents(QStringLiteral("stalled")).front();
            sink.write(first.data(), first.size());
            for (int i = 0; i < 160 && !m_closing; ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            return false;
        });
    }

public:
    static std::string usageEvent(const QString &model)
    {
        const QJsonObject chunk{{QStringLiteral("id"), QStringLiteral("chatcmpl-stream")},
                                {QStringLiteral("object"), QStringLiteral("chat.completion.chunk")},
                                {QStringLiteral("model"), model},
                                {QStringLiteral("choices"), QJsonArray()},
                                {QStringLiteral("usage"),
                                 QJsonObject{{QStringLiteral("prompt_tokens"), 40},
                                             {QStringLiteral("completion_tokens"), 4},
                                             {QStringLiteral("total_tokens"), 44}}}};
        return "data: " + QJsonDocument(chunk).toJson(QJsonDocument::Compact).toStdString() + "\n\n";
    }

private:
    httplib::Server m_server;
    std::thread m_thread;
    std::mutex m_mutex;
    std::atomic_bool m_closing{false};
};

} // namespace CostGov::Test

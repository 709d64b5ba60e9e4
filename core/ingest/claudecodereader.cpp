// Claude Code session transcripts (~/.claude/projects/<project>/<session>.jsonl). One API response
// is written as several lines repeating the same usage; the ledger's identity dedupe (message id +
// request id) keeps one of them.
#include "readers.h"

namespace CostGov::Ingest {

namespace {

struct Usage {
    qint64 input = 0, output = 0, cacheRead = 0, cacheCreation = 0, webSearches = 0;
    std::optional<qint64> ephemeral5m, ephemeral1h;
    std::string serviceTier, speed;
};

Usage readUsage(simdjson::ondemand::object usage)
{
    Usage u;
    for (auto field : usage) {
        const std::string_view key = field.unescaped_key();
        simdjson::ondemand::value v = field.value();
        if (key == "input_tokens")
            u.input = countOf(fieldValue(v), "message.usage.input_tokens").value_or(0);
        else if (key == "output_tokens")
            u.output = countOf(fieldValue(v), "message.usage.output_tokens").value_or(0);
        else if (key == "cache_read_input_tokens")
            u.cacheRead = countOf(fieldValue(v), "message.usage.cache_read_input_tokens").value_or(0);
        else if (key == "cache_creation_input_tokens")
            u.cacheCreation = countOf(fieldValue(v), "message.usage.cache_creation_input_tokens").value_or(0);
        else if (key == "service_tier")
            u.serviceTier = textOf(fieldValue(v), key);
        else if (key == "speed")
            u.speed = textOf(fieldValue(v), key);
        else if (key == "cache_creation" && v.type() == simdjson::ondemand::json_type::object) {
            for (auto c : v.get_object()) {
                const std::string_view name = c.unescaped_key();
                if (name == "ephemeral_5m_input_tokens")
                    u.ephemeral5m =
                        countOf(fieldValue(c.value()), "message.usage.cache_creation.ephemeral_5m_input_tokens");
                else if (name == "ephemeral_1h_input_tokens")
                    u.ephemeral1h =
                        countOf(fieldValue(c.value()), "message.usage.cache_creation.ephemeral_1h_input_tokens");
            }
        } else if (key == "server_tool_use" && v.type() == simdjson::ondemand::json_type::object) {
            for (auto s : v.get_object()) {
                if (s.unescaped_key() == std::string_view("web_search_requests"))
                    u.webSearches =
                        countOf(fieldValue(s.value()), "message.usage.server_tool_use.web_search_requests").value_or(0);
            }
        }
    }
    return u;
}

// "/Users/alice/src/app" -> "alice": transcripts collected from several machines keep their owner.
std::string userFromPath(std::string_view cwd)
{
    for (std::string_view home : {"/Users/", "/home/"}) {
        if (cwd.substr(0, home.size()) == home) {
            const std::string_view rest = cwd.substr(home.size());
            return std::string(rest.substr(0, rest.find('/')));
        }
    }
    return {};
}

std::string baseName(std::string_view path)
{
    while (!path.empty() && (path.back() == '/' || path.back() == '\\'))
        path.remove_suffix(1);
    const auto slash = path.find_last_of("/\\");
    return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

class ClaudeCodeReader final : public LogReader {
public:
    ParseResult parse(const Element &element, std::vector<UsageRecord> &out) override
    {
        return parseJsonObject(m_parser, element, out, [&](simdjson::ondemand::object line) -> ParseResult {
            std::string type, timestamp, sessionId, requestId, cwd, version, gitBranch, uuid, messageId, model;
            std::optional<Nano> cost;
            std::optional<Usage> usage;
            bool sidechain = false;
            for (auto field : line) {
                const std::string_view key = field.unescaped_key();
                simdjson::ondemand::value v = field.value();
                if (key == "type")
                    type = textOf(fieldValue(v), key);
                else if (key == "timestamp")
                    timestamp = textOf(fieldValue(v), key);
                else if (key == "sessionId")
                    sessionId = textOf(fieldValue(v), key);
                else if (key == "requestId")
                    requestId = textOf(fieldValue(v), key);
                else if (key == "cwd")
                    cwd = textOf(fieldValue(v), key);
                else if (key == "version")
                    version = textOf(fieldValue(v), key);
                else if (key == "gitBranch")
                    gitBranch = textOf(fieldValue(v), key);
                else if (key == "uuid")
                    uuid = textOf(fieldValue(v), key);
                else if (key == "isSidechain")
                    sidechain = flagOf(fieldValue(v), key);
                else if (key == "costUSD")
                    cost = usdOf(fieldValue(v), key);
                else if (key == "message" && v.type() == simdjson::ondemand::json_type::object) {
                    for (auto m : v.get_object()) {
                        const std::string_view name = m.unescaped_key();
                        simdjson::ondemand::value mv = m.value();
                        if (name == "id")
                            messageId = textOf(fieldValue(mv), "message.id");
                        else if (name == "model")
                            model = textOf(fieldValue(mv), "message.model");
                        else if (name == "usage" && mv.type() == simdjson::ondemand::json_type::object)
                            usage = readUsage(mv.get_object());
                    }
                }
            }
            if (type != "assistant" || !usage)
                return ParseResult{{}, 1, "not a usage line"};
            if (model == "<synthetic>")
                return ParseResult{{}, 1, "API error placeholder"};
            if (model.empty())
                throw FieldError{"missing field 'message.model'"};
            UsageRecord r;
            r.tsMs = timestampOf(FieldValue{FieldValue::Kind::String, timestamp}, "timestamp");
            r.identity = !messageId.empty() ? (requestId.empty() ? messageId : messageId + ":" + requestId)
                : !uuid.empty()             ? uuid
                                            : contentIdentity(element.text);
            r.provider = "anthropic";
            r.model = model;
            r.user = userFromPath(cwd);
            r.project = baseName(cwd);
            r.status = "success";
            const Usage &u = *usage;
            r.tokens.input = u.input;
            r.tokens.output = u.output;
            r.tokens.cacheRead = u.cacheRead;
            if (u.ephemeral5m || u.ephemeral1h) {
                r.tokens.cacheWrite5m = u.ephemeral5m.value_or(0);
                r.tokens.cacheWrite1h = u.ephemeral1h.value_or(0);
            } else {
                r.tokens.cacheWrite5m = u.cacheCreation;
            }
            r.batch = u.serviceTier == "batch";
            r.reportedCost = cost;
            TagWriter tags;
            if (!sessionId.empty())
                tags.addText("session_id", sessionId);
            if (!version.empty())
                tags.addText("claude_code_version", version);
            if (!gitBranch.empty())
                tags.addText("git_branch", gitBranch);
            if (sidechain)
                tags.addRaw("sidechain", "true");
            if (!u.speed.empty() && u.speed != "standard")
                tags.addText("speed", u.speed);
            if (u.webSearches > 0)
                tags.addRaw("web_search_requests", std::to_string(u.webSearches));
            r.tagsJson = tags.finish();
            out.push_back(std::move(r));
            return ParseResult{};
        });
    }

private:
    simdjson::ondemand::parser m_parser;
};

} // namespace

std::unique_ptr<LogReader> createClaudeCodeReader()
{
    return std::make_unique<ClaudeCodeReader>();
}

} // namespace CostGov::Ingest

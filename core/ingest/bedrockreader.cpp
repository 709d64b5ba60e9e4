// Amazon Bedrock model invocation logs (CloudWatch Logs events or S3 objects, one JSON record a line).
#include "readers.h"

namespace CostGov::Ingest {

namespace {

// "arn:aws:sts::123:assumed-role/support-bot-role/i-0a1b" -> "support-bot-role"
std::string roleFromArn(std::string_view arn)
{
    const auto marker = arn.find(":assumed-role/");
    if (marker == std::string_view::npos)
        return {};
    const std::string_view rest = arn.substr(marker + 14);
    return std::string(rest.substr(0, rest.find('/')));
}

class BedrockReader final : public LogReader {
public:
    ParseResult parse(const Element &element, std::vector<UsageRecord> &out) override
    {
        return parseJsonObject(m_parser, element, out, [&](simdjson::ondemand::object log) -> ParseResult {
            UsageRecord r;
            TagWriter tags;
            std::string schemaType, timestamp, arn, account, region, operation, inferenceRegion, errorCode;
            std::optional<qint64> input, output, cacheRead, cacheWrite;
            for (auto field : log) {
                const std::string_view key = field.unescaped_key();
                simdjson::ondemand::value v = field.value();
                if (key == "schemaType")
                    schemaType = textOf(fieldValue(v), key);
                else if (key == "timestamp")
                    timestamp = textOf(fieldValue(v), key);
                else if (key == "requestId")
                    r.identity = textOf(fieldValue(v), key);
                else if (key == "modelId")
                    r.model = textOf(fieldValue(v), key);
                else if (key == "accountId")
                    account = textOf(fieldValue(v), key);
                else if (key == "region")
                    region = textOf(fieldValue(v), key);
                else if (key == "operation")
                    operation = textOf(fieldValue(v), key);
                else if (key == "inferenceRegion")
                    inferenceRegion = textOf(fieldValue(v), key);
                else if (key == "errorCode")
                    errorCode = textOf(fieldValue(v), key);
                else if (key == "identity" && v.type() == simdjson::ondemand::json_type::object) {
                    for (auto i : v.get_object()) {
                        if (i.unescaped_key() == std::string_view("arn"))
                            arn = textOf(fieldValue(i.value()), "identity.arn");
                    }
                } else if (key == "input" && v.type() == simdjson::ondemand::json_type::object) {
                    for (auto i : v.get_object()) {
                        const std::string_view name = i.unescaped_key();
                        if (name == "inputTokenCount")
                            input = countOf(fieldValue(i.value()), "input.inputTokenCount");
                        else if (name == "cacheReadInputTokenCount")
                            cacheRead = countOf(fieldValue(i.value()), "input.cacheReadInputTokenCount");
                        else if (name == "cacheWriteInputTokenCount")
                            cacheWrite = countOf(fieldValue(i.value()), "input.cacheWriteInputTokenCount");
                    }
                } else if (key == "output" && v.type() == simdjson::ondemand::json_type::object) {
                    for (auto o : v.get_object()) {
                        if (o.unescaped_key() == std::string_view("outputTokenCount"))
                            output = countOf(fieldValue(o.value()), "output.outputTokenCount");
                    }
                } else if (key == "requestMetadata" && v.type() == simdjson::ondemand::json_type::object) {
                    for (auto m : v.get_object()) {
                        const std::string_view name = m.unescaped_key();
                        const std::string value = textOf(fieldValue(m.value()), name);
                        if (name == "team")
                            r.team = value;
                        else if (name == "feature")
                            r.feature = value;
                        else if (name == "user")
                            r.user = value;
                        else if (name == "environment" || name == "env")
                            r.environment = value;
                        else if (name == "project")
                            r.project = value;
                        else
                            tags.addText(name, value);
                    }
                }
            }
            if (!schemaType.empty() && schemaType != "ModelInvocationLog")
                return ParseResult{{}, 1, "not a model invocation record"};
            if (timestamp.empty())
                throw FieldError{"missing field 'timestamp'"};
            if (r.model.empty())
                throw FieldError{"missing field 'modelId'"};
            r.tsMs = timestampOf(FieldValue{FieldValue::Kind::String, timestamp}, "timestamp");
            if (r.identity.empty())
                r.identity = contentIdentity(element.text);
            r.provider = "aws.bedrock";
            // inputTokenCount excludes cache reads and writes.
            r.tokens.input = input.value_or(0);
            r.tokens.cacheRead = cacheRead.value_or(0);
            r.tokens.cacheWrite5m = cacheWrite.value_or(0);
            r.tokens.output = output.value_or(0);
            r.error = !errorCode.empty();
            r.status = r.error ? errorCode : std::string("success");
            if (const std::string role = roleFromArn(arn); !role.empty())
                tags.addText("role", role);
            if (!arn.empty())
                tags.addText("caller_arn", arn);
            if (!account.empty())
                tags.addText("account_id", account);
            if (!region.empty())
                tags.addText("region", region);
            if (!inferenceRegion.empty() && inferenceRegion != region)
                tags.addText("inference_region", inferenceRegion);
            if (!operation.empty())
                tags.addText("operation", operation);
            r.tagsJson = tags.finish();
            out.push_back(std::move(r));
            return ParseResult{};
        });
    }

private:
    simdjson::ondemand::parser m_parser;
};

} // namespace

std::unique_ptr<LogReader> createBedrockReader()
{
    return std::make_unique<BedrockReader>();
}

} // namespace CostGov::Ingest

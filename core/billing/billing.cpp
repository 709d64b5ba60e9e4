#include "billing.h"

#include "attribution/attribution.h"
#include "common/clock.h"
#include "common/timeutil.h"
#include "storage/ledger.h"

#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QTimer>
#include <QUrlQuery>

#include <nlohmann/json.hpp>

namespace CostGov::Billing {

using nlohmann::json;

QString providerName(Provider provider)
{
    return provider == Provider::OpenAi ? QStringLiteral("openai") : QStringLiteral("anthropic");
}

QString providerTitle(Provider provider)
{
    return provider == Provider::OpenAi ? QStringLiteral("OpenAI") : QStringLiteral("Anthropic");
}

QString keyVariable(Provider provider)
{
    return provider == Provider::OpenAi ? QStringLiteral("COSTGOV_OPENAI_ADMIN_KEY")
                                        : QStringLiteral("COSTGOV_ANTHROPIC_ADMIN_KEY");
}

namespace {

Error shapeError(const QString &what)
{
    return makeError(ErrorCode::Data, QStringLiteral("the response is not a cost report: %1").arg(what));
}

QString text(const json &object, const char *key)
{
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? QString::fromStdString(it->get<std::string>()) : QString();
}

/// A JSON number or numeric string as an exact decimal scaled by 10^scale.
std::optional<qint64> decimal(const json &value, int scale)
{
    if (value.is_string())
        return parseScaledDecimal(value.get<std::string>(), scale);
    if (value.is_number())
        return parseScaledDecimal(value.dump(), scale); // shortest text that reads back as the number
    return std::nullopt;
}

/// An integer member, 0 when missing (older responses lack the newer token fields).
qint64 count(const json &object, const char *key)
{
    const auto it = object.find(key);
    return it != object.end() && it->is_number_integer() ? it->get<qint64>() : 0;
}

/// The envelope both providers share: data (buckets), has_more, next_page.
Result<json> envelope(const QByteArray &body, std::optional<QString> &nextPage)
{
    json document = json::parse(body.constData(), body.constData() + body.size(), nullptr, false);
    if (document.is_discarded())
        return shapeError(QStringLiteral("not JSON (%1 bytes; cut short?)").arg(body.size()));
    if (!document.is_object() || !document.contains("data") || !document["data"].is_array())
        return shapeError(QStringLiteral("no \"data\" array"));
    const auto more = document.find("has_more");
    if (more == document.end() || !more->is_boolean())
        return shapeError(QStringLiteral("no \"has_more\""));
    if (more->get<bool>()) {
        const QString next = text(document, "next_page");
        if (next.isEmpty())
            return shapeError(QStringLiteral("\"has_more\" without a \"next_page\""));
        nextPage = next;
    }
    return document["data"];
}

/// One page of a report: the envelope, then each(page, startMs, endMs, results) for every bucket,
/// read in the provider's shape: OpenAI's start_time and end_time in Unix seconds, Anthropic's
/// starting_at and ending_at in RFC 3339.
template <class Page, class Each>
Result<Page> readPage(const QByteArray &body, Provider provider, Each each)
{
    Page page;
    const auto data = envelope(body, page.nextPage);
    if (!data.ok())
        return data.error();
    const bool openAi = provider == Provider::OpenAi;
    for (const json &bucket : *data) {
        std::optional<qint64> start, end;
        if (bucket.is_object() && openAi) {
            const auto seconds = [&bucket](const char *key) -> std::optional<qint64> {
                const auto it = bucket.find(key);
                return it != bucket.end() && it->is_number_integer() ? std::optional(it->get<qint64>() * 1000)
                                                                     : std::nullopt;
            };
            start = seconds("start_time");
            end = seconds("end_time");
        } else if (bucket.is_object()) {
            start = parseTimestampMs(text(bucket, "starting_at").toStdString());
            end = parseTimestampMs(text(bucket, "ending_at").toStdString());
        }
        if (!start || !end || !bucket.contains("results") || !bucket["results"].is_array())
            return shapeError(
                QStringLiteral("bucket %1 lacks %2 or results")
                    .arg(page.buckets)
                    .arg(openAi ? QStringLiteral("start_time, end_time") : QStringLiteral("starting_at, ending_at")));
        ++page.buckets;
        if (const Status done = each(page, start.value_or(0), end.value_or(0), bucket["results"]); !done.ok())
            return done.error();
    }
    return page;
}

// "gpt-4o-2024-08-06, cached input" -> model and kind; "priority | gpt-5, output, long context" too;
// "Vector storage", "web search tool calls": no model, the whole text is the kind.
void splitLineItem(const QString &lineItem, BilledCost &row)
{
    QString rest = lineItem;
    if (const qsizetype bar = rest.indexOf(QStringLiteral(" | ")); bar >= 0)
        rest = rest.mid(bar + 3);
    const qsizetype comma = rest.indexOf(QStringLiteral(", "));
    if (comma < 0) {
        row.costType = rest;
        return;
    }
    row.model = rest.left(comma);
    row.costType = rest.mid(comma + 2).section(QStringLiteral(", "), 0, 0);
}

} // namespace

Result<CostPage> parseOpenAiCosts(const QByteArray &body)
{
    return readPage<CostPage>(
        body, Provider::OpenAi, [](CostPage &page, qint64 startMs, qint64 endMs, const json &results) -> Status {
            for (const json &result : results) {
                BilledCost row;
                row.bucketStartMs = startMs;
                row.bucketEndMs = endMs;
                const auto amount = result.find("amount");
                const auto value = amount != result.end() && amount->is_object() && amount->contains("value")
                    ? decimal((*amount)["value"], 9)
                    : std::nullopt;
                if (!value)
                    return shapeError(QStringLiteral("a result of the bucket starting %1 has no amount.value")
                                          .arg(isoDate(utcDay(startMs))));
                if (const QString currency = text(*amount, "currency"); !currency.isEmpty() && currency != u"usd")
                    return shapeError(QStringLiteral("amount in %1, not usd").arg(currency));
                row.amount = *value;
                row.project = text(result, "project_id");
                row.apiKey = text(result, "api_key_id");
                row.lineItem = text(result, "line_item");
                splitLineItem(row.lineItem, row);
                page.rows.append(row);
            }
            return {};
        });
}

Result<CostPage> parseAnthropicCostReport(const QByteArray &body)
{
    return readPage<CostPage>(
        body, Provider::Anthropic, [](CostPage &page, qint64 startMs, qint64 endMs, const json &results) -> Status {
            for (const json &result : results) {
                BilledCost row;
                row.bucketStartMs = startMs;
                row.bucketEndMs = endMs;
                // amount: a decimal string in cents; nano-USD is cents scaled by 10^7.
                const auto cents = result.contains("amount") ? decimal(result["amount"], 7) : std::nullopt;
                if (!cents)
                    return shapeError(QStringLiteral("a result of the bucket starting %1 has no amount")
                                          .arg(isoDate(utcDay(startMs))));
                if (const QString currency = text(result, "currency"); !currency.isEmpty() && currency != u"USD")
                    return shapeError(QStringLiteral("amount in %1, not USD").arg(currency));
                row.amount = *cents;
                row.project = text(result, "workspace_id");
                row.lineItem = text(result, "description");
                row.model = text(result, "model");
                row.costType =
                    text(result, "token_type").isEmpty() ? text(result, "cost_type") : text(result, "token_type");
                page.rows.append(row);
            }
            return {};
        });
}

Result<UsagePage> parseOpenAiUsage(const QByteArray &body, const QString &kind)
{
    return readPage<UsagePage>(
        body, Provider::OpenAi, [&kind](UsagePage &page, qint64 startMs, qint64 endMs, const json &results) -> Status {
            for (const json &result : results) {
                if (!result.is_object() || !result.contains("input_tokens"))
                    return shapeError(QStringLiteral("a usage result has no input_tokens"));
                BilledUsage row;
                row.bucketStartMs = startMs;
                row.bucketEndMs = endMs;
                row.kind = kind;
                row.project = text(result, "project_id");
                row.apiKey = text(result, "api_key_id");
                row.model = text(result, "model");
                const qint64 input = count(result, "input_tokens");
                row.cacheRead = count(result, "input_cached_tokens");
                row.cacheWrite5m = count(result, "input_cache_write_tokens");
                row.inputUncached = result.contains("input_uncached_tokens") ? count(result, "input_uncached_tokens")
                                                                             : input - row.cacheRead - row.cacheWrite5m;
                row.output = count(result, "output_tokens");
                row.requests = count(result, "num_model_requests");
                page.rows.append(row);
            }
            return {};
        });
}

Result<UsagePage> parseAnthropicUsage(const QByteArray &body)
{
    return readPage<UsagePage>(
        body, Provider::Anthropic, [](UsagePage &page, qint64 startMs, qint64 endMs, const json &results) -> Status {
            for (const json &result : results) {
                if (!result.is_object())
                    return shapeError(QStringLiteral("a usage result is not an object"));
                BilledUsage row;
                row.bucketStartMs = startMs;
                row.bucketEndMs = endMs;
                row.kind = QStringLiteral("messages");
                row.project = text(result, "workspace_id");
                row.apiKey = text(result, "api_key_id");
                row.model = text(result, "model");
                row.inputUncached = count(result, "uncached_input_tokens");
                row.cacheRead = count(result, "cache_read_input_tokens");
                if (const auto it = result.find("cache_creation"); it != result.end() && it->is_object()) {
                    row.cacheWrite5m = count(*it, "ephemeral_5m_input_tokens");
                    row.cacheWrite1h = count(*it, "ephemeral_1h_input_tokens");
                }
                row.output = count(result, "output_tokens");
                if (const auto it = result.find("server_tool_use"); it != result.end() && it->is_object())
                    row.webSearches = count(*it, "web_search_requests");
                page.rows.append(row);
            }
            return {};
        });
}

namespace {

/// One GET with the provider's retry rules; the page parsed, or why not.
class Fetcher {
public:
    Fetcher(const SyncOptions &options, SyncSummary &summary) : m_options(options), m_summary(summary) {}

    template <class Page, class Parse>
    Result<Page> page(const QUrl &url, Parse parse)
    {
        const QString title = providerTitle(m_options.provider);
        QString lastReason;
        int delayMs = m_options.backoffMs;
        for (int attempt = 1; attempt <= m_options.maxAttempts; ++attempt) {
            if (attempt > 1) {
                ++m_summary.retries;
                report(QStringLiteral("%1: %2; trying again in %3 s (attempt %4 of %5)")
                           .arg(title, lastReason)
                           .arg(double(delayMs) / 1000.0, 0, 'f', 1)
                           .arg(attempt)
                           .arg(m_options.maxAttempts));
                if (!sleep(delayMs))
                    return makeError(ErrorCode::Cancelled, QStringLiteral("sync cancelled"));
                delayMs = int(std::min<qint64>(qint64(m_options.backoffMs) << std::min(attempt, 10), 60'000));
            }
            const Response response = get(url);
            // Jitter: a quarter more at most, so many clients do not retry in step.
            const int jittered = delayMs + int(QRandomGenerator::global()->bounded(delayMs / 4 + 1));
            if (response.status == 0) {
                lastReason = QStringLiteral("no answer (%1)").arg(response.error);
                delayMs = jittered;
                continue;
            }
            if (response.status == 401 || response.status == 403) {
                return makeError(
                    ErrorCode::Usage,
                    QStringLiteral("%1 refused the admin key (HTTP %2%3). %4 needs an organization admin "
                                   "key with access to usage and costs, in %5 or the keychain.")
                        .arg(title)
                        .arg(response.status)
                        .arg(response.message.isEmpty() ? QString() : QStringLiteral(": ") + response.message,
                             QStringLiteral("Cost sync"), keyVariable(m_options.provider)));
            }
            if (response.status == 429) {
                lastReason = QStringLiteral("rate limited (HTTP 429)");
                delayMs = response.retryAfterMs > 0 ? response.retryAfterMs : jittered;
                continue;
            }
            if (response.status >= 500) {
                lastReason = QStringLiteral("server error (HTTP %1)").arg(response.status);
                delayMs = jittered;
                continue;
            }
            if (response.status != 200) {
                return makeError(
                    ErrorCode::Data,
                    QStringLiteral("%1 answered HTTP %2%3")
                        .arg(title)
                        .arg(response.status)
                        .arg(response.message.isEmpty() ? QString() : QStringLiteral(": ") + response.message));
            }
            Result<Page> parsed = parse(response.body);
            if (parsed.ok())
                return parsed;
            lastReason = parsed.error().message; // a body cut short reads as not JSON: fetch it again
            delayMs = jittered;
        }
        return makeError(ErrorCode::Data,
                         QStringLiteral("%1 cost report failed after %2 attempts: %3")
                             .arg(title)
                             .arg(m_options.maxAttempts)
                             .arg(lastReason));
    }

private:
    struct Response {
        int status = 0; ///< 0: no HTTP answer
        QByteArray body;
        QString message; ///< the error body's message, if any
        QString error;   ///< network error text when status is 0
        int retryAfterMs = 0;
    };

    Response get(const QUrl &url)
    {
        QNetworkRequest request(url);
        request.setTransferTimeout(m_options.timeoutMs);
        request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
        if (m_options.provider == Provider::OpenAi) {
            request.setRawHeader("Authorization", "Bearer " + m_options.key.toUtf8());
        } else {
            request.setRawHeader("x-api-key", m_options.key.toUtf8());
            request.setRawHeader("anthropic-version", "2023-06-01");
        }
        QNetworkReply *reply = m_network.get(request);
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        Response response;
        response.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        response.body = reply->readAll();
        if (response.status == 0) {
            response.error = reply->errorString();
        } else if (response.status != 200) {
            const json error = json::parse(response.body.constData(), response.body.constData() + response.body.size(),
                                           nullptr, false);
            if (error.is_object() && error.contains("error") && error["error"].is_object())
                // Providers quote part of a rejected key ("sk-admin-****abcd"): never pass it on.
                response.message =
                    text(error["error"], "message")
                        .replace(QRegularExpression(QStringLiteral("sk-[A-Za-z0-9_*-]+|\\*{3,}[A-Za-z0-9_-]*")),
                                 QStringLiteral("[key]"));
            bool ok = false;
            const int seconds = reply->rawHeader("Retry-After").toInt(&ok);
            if (ok && seconds >= 0)
                response.retryAfterMs = std::min(seconds, 300) * 1000;
        } else if (reply->error() != QNetworkReply::NoError) {
            response.status = 0; // a 200 cut off mid-body: retried like a reset
            response.error = reply->errorString();
        }
        reply->deleteLater();
        return response;
    }

    bool sleep(int ms) const
    {
        for (int slept = 0; slept < ms; slept += 50) {
            if (m_options.cancel && m_options.cancel->load())
                return false;
            QThread::msleep(std::min(50, ms - slept));
        }
        return true;
    }

    void report(const QString &message) const
    {
        if (m_options.progress)
            m_options.progress(message);
    }

    const SyncOptions &m_options;
    SyncSummary &m_summary;
    QNetworkAccessManager m_network;
};

/// A report URL: the provider's base (or --base-url), the documented path, whole UTC days (the end
/// exclusive), daily buckets, the grouping, and the cursor of the page wanted.
QUrl reportUrl(const SyncOptions &options, const QString &path, const QStringList &groupBy, qint64 fromDay,
               qint64 toDay, const std::optional<QString> &cursor)
{
    const bool openAi = options.provider == Provider::OpenAi;
    QString base = options.baseUrl.isEmpty()
        ? (openAi ? QStringLiteral("https://api.openai.com") : QStringLiteral("https://api.anthropic.com"))
        : options.baseUrl;
    while (base.endsWith(u'/'))
        base.chop(1);
    QUrl url(base + path);
    QUrlQuery query;
    if (openAi) {
        query.addQueryItem(QStringLiteral("start_time"), QString::number(fromDay * kMsPerDay / 1000));
        query.addQueryItem(QStringLiteral("end_time"), QString::number((toDay + 1) * kMsPerDay / 1000));
    } else {
        query.addQueryItem(QStringLiteral("starting_at"), isoDate(fromDay) + QStringLiteral("T00:00:00Z"));
        query.addQueryItem(QStringLiteral("ending_at"), isoDate(toDay + 1) + QStringLiteral("T00:00:00Z"));
    }
    query.addQueryItem(QStringLiteral("bucket_width"), QStringLiteral("1d"));
    for (const QString &group : groupBy) // OpenAI repeats the key, Anthropic names it as an array
        query.addQueryItem(openAi ? QStringLiteral("group_by") : QStringLiteral("group_by[]"), group);
    query.addQueryItem(QStringLiteral("limit"), QStringLiteral("31"));
    if (cursor)
        query.addQueryItem(QStringLiteral("page"), *cursor);
    url.setQuery(query);
    return url;
}

using Storage::dbError;

} // namespace

namespace {

/// The days a sync covers: as asked, else from kRevisionDays before the endpoint's checkpoint
/// (or 30 days back) to today.
/// The admin key goes only over https, or over http to this computer (a stand-in server).
Status checkAddress(const SyncOptions &options)
{
    if (options.baseUrl.isEmpty())
        return {};
    const QUrl url(options.baseUrl);
    const QString host = url.host();
    const bool local =
        host == QLatin1String("127.0.0.1") || host == QLatin1String("localhost") || host == QLatin1String("::1");
    if (url.scheme() == QLatin1String("https") || (url.scheme() == QLatin1String("http") && local))
        return {};
    return makeError(ErrorCode::Usage,
                     QStringLiteral("the admin key is sent only over https (or over http to this "
                                    "computer), not to %1")
                         .arg(options.baseUrl));
}

Status syncRange(Storage::Ledger &ledger, const SyncOptions &options, const Clock &clock, const QString &endpoint,
                 SyncSummary &summary)
{
    if (const Status address = checkAddress(options); !address.ok())
        return address;
    if (options.key.isEmpty())
        return makeError(ErrorCode::Usage,
                         QStringLiteral("no %1 admin key: set %2, or add the provider connection on the "
                                        "desktop's Sources page (it keeps the key in the system keychain)")
                             .arg(providerTitle(options.provider), keyVariable(options.provider)));
    const qint64 today = utcDay(clock.nowMs());
    summary.toDay = options.toDay.value_or(today);
    if (options.fromDay) {
        summary.fromDay = *options.fromDay;
    } else {
        QSqlQuery checkpoint(ledger.db());
        checkpoint.prepare(
            QStringLiteral("SELECT synced_to_day FROM sync_checkpoints WHERE provider = ? AND endpoint = ?"));
        checkpoint.addBindValue(providerName(options.provider));
        checkpoint.addBindValue(endpoint);
        if (!checkpoint.exec())
            return dbError(checkpoint, "read the sync checkpoint");
        summary.fromDay = checkpoint.next() ? checkpoint.value(0).toLongLong() - kRevisionDays : today - 29;
    }
    if (summary.fromDay > summary.toDay)
        return makeError(ErrorCode::Usage, QStringLiteral("--from is after --to"));
    return {};
}

/// Every page of one report; nothing is stored unless all of them arrived.
template <class Page, class Parse>
Status fetchAll(Fetcher &fetcher, const SyncOptions &options, const QString &path, const QStringList &groupBy,
                Parse parse, SyncSummary &summary, decltype(Page::rows) &rows)
{
    std::optional<QString> cursor;
    do {
        if (options.cancel && options.cancel->load())
            return makeError(ErrorCode::Cancelled, QStringLiteral("sync cancelled"));
        auto page =
            fetcher.page<Page>(reportUrl(options, path, groupBy, summary.fromDay, summary.toDay, cursor), parse);
        if (!page.ok())
            return page.error();
        ++summary.pages;
        summary.buckets += page->buckets;
        rows += page->rows;
        cursor = page->nextPage;
        if (options.progress)
            options.progress(QStringLiteral("%1: %2 page %3, %4 buckets so far")
                                 .arg(providerTitle(options.provider), path.section(u'/', -1))
                                 .arg(summary.pages)
                                 .arg(summary.buckets));
    } while (cursor);
    return {};
}

/// In one transaction: the synced days' rows of table replaced by the new ones (insert stores
/// each and returns how many), and the endpoint's checkpoint moved on.
Status replaceDays(Storage::Ledger &ledger, const SyncOptions &options, const Clock &clock, const char *table,
                   const QString &endpoint, SyncSummary &summary, const std::function<Status(QSqlDatabase &)> &insert)
{
    QSqlDatabase db = ledger.db();
    if (!db.transaction())
        return makeError(ErrorCode::Database,
                         QStringLiteral("cannot start the sync transaction: %1").arg(db.lastError().text()));
    auto store = [&]() -> Status {
        QSqlQuery remove(db);
        remove.prepare(
            QStringLiteral("DELETE FROM %1 WHERE provider = ? AND day BETWEEN ? AND ?").arg(QLatin1String(table)));
        remove.addBindValue(providerName(options.provider));
        remove.addBindValue(summary.fromDay);
        remove.addBindValue(summary.toDay);
        if (!remove.exec())
            return dbError(remove, "replace the synced days");
        summary.replaced = remove.numRowsAffected();
        if (const Status inserted = insert(db); !inserted.ok())
            return inserted;
        if (const auto attributed = Attribution::applyBilledRules(db); !attributed.ok())
            return attributed.error();
        QSqlQuery checkpoint(db);
        checkpoint.prepare(QStringLiteral(
            "INSERT INTO sync_checkpoints (provider, endpoint, synced_to_day, synced_ms) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (provider, endpoint) DO UPDATE SET synced_to_day = MAX(synced_to_day, "
            "excluded.synced_to_day), synced_ms = excluded.synced_ms"));
        checkpoint.addBindValue(providerName(options.provider));
        checkpoint.addBindValue(endpoint);
        checkpoint.addBindValue(summary.toDay);
        checkpoint.addBindValue(clock.nowMs());
        if (!checkpoint.exec())
            return dbError(checkpoint, "store the sync checkpoint");
        return {};
    };
    if (const Status stored = store(); !stored.ok() || !db.commit()) {
        db.rollback();
        return stored.ok()
            ? makeError(ErrorCode::Database, QStringLiteral("cannot commit the sync: %1").arg(db.lastError().text()))
            : stored.error();
    }
    return {};
}

/// Text for a NOT NULL column: a missing value is stored as "".
QVariant textValue(const QString &text)
{
    return QVariant(text.isNull() ? QStringLiteral("") : text);
}

} // namespace

std::optional<qint64> lastSyncMs(Storage::Ledger &ledger)
{
    QSqlQuery last(ledger.db());
    if (last.exec(QStringLiteral("SELECT MAX(synced_ms) FROM sync_checkpoints")) && last.next() && !last.isNull(0))
        return last.value(0).toLongLong();
    return std::nullopt;
}

Result<SyncSummary> syncCosts(Storage::Ledger &ledger, const SyncOptions &options, const Clock &clock)
{
    const QString endpoint = QStringLiteral("costs");
    SyncSummary summary;
    if (const Status range = syncRange(ledger, options, clock, endpoint, summary); !range.ok())
        return range.error();
    Fetcher fetcher(options, summary);
    QVector<BilledCost> rows;
    const bool openAi = options.provider == Provider::OpenAi;
    const Status fetched = openAi
        ? fetchAll<CostPage>(fetcher, options, QStringLiteral("/v1/organization/costs"),
                             {QStringLiteral("project_id"), QStringLiteral("line_item")}, parseOpenAiCosts, summary,
                             rows)
        : fetchAll<CostPage>(fetcher, options, QStringLiteral("/v1/organizations/cost_report"),
                             {QStringLiteral("workspace_id"), QStringLiteral("description")}, parseAnthropicCostReport,
                             summary, rows);
    if (!fetched.ok())
        return fetched.error();
    const Status stored =
        replaceDays(ledger, options, clock, "billed_costs", endpoint, summary, [&](QSqlDatabase &db) -> Status {
            QSqlQuery insert(db);
            insert.prepare(QStringLiteral(
                "INSERT INTO billed_costs (provider, day, bucket_start_ms, bucket_end_ms, project, api_key, line_item, "
                "model, cost_type, amount_nano, synced_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
            for (const BilledCost &row : rows) {
                const qint64 day = utcDay(row.bucketStartMs);
                if (day < summary.fromDay || day > summary.toDay)
                    continue; // outside what this sync replaces
                for (const QVariant &value :
                     {QVariant(providerName(options.provider)), QVariant(day), QVariant(row.bucketStartMs),
                      QVariant(row.bucketEndMs), textValue(row.project), textValue(row.apiKey), textValue(row.lineItem),
                      textValue(row.model), textValue(row.costType), QVariant(row.amount), QVariant(clock.nowMs())})
                    insert.addBindValue(value);
                if (!insert.exec())
                    return dbError(insert, "store a billed cost");
                ++summary.inserted;
                summary.total += row.amount;
            }
            return {};
        });
    if (!stored.ok())
        return stored.error();
    return summary;
}

Result<SyncSummary> syncUsage(Storage::Ledger &ledger, const SyncOptions &options, const Clock &clock)
{
    const QString endpoint = QStringLiteral("usage");
    SyncSummary summary;
    if (const Status range = syncRange(ledger, options, clock, endpoint, summary); !range.ok())
        return range.error();
    Fetcher fetcher(options, summary);
    QVector<BilledUsage> rows;
    if (options.provider == Provider::OpenAi) {
        const QStringList groupBy{QStringLiteral("model"), QStringLiteral("project_id"), QStringLiteral("api_key_id")};
        for (const QString &kind : {QStringLiteral("completions"), QStringLiteral("embeddings")}) {
            const Status fetched = fetchAll<UsagePage>(
                fetcher, options, QStringLiteral("/v1/organization/usage/") + kind, groupBy,
                [kind](const QByteArray &body) { return parseOpenAiUsage(body, kind); }, summary, rows);
            if (!fetched.ok())
                return fetched.error();
        }
    } else {
        const Status fetched =
            fetchAll<UsagePage>(fetcher, options, QStringLiteral("/v1/organizations/usage_report/messages"),
                                {QStringLiteral("workspace_id"), QStringLiteral("api_key_id"), QStringLiteral("model")},
                                parseAnthropicUsage, summary, rows);
        if (!fetched.ok())
            return fetched.error();
    }
    const Status stored =
        replaceDays(ledger, options, clock, "billed_usage", endpoint, summary, [&](QSqlDatabase &db) -> Status {
            QSqlQuery insert(db);
            insert.prepare(QStringLiteral(
                "INSERT INTO billed_usage (provider, kind, day, bucket_start_ms, bucket_end_ms, project, api_key, "
                "model, "
                "input_uncached_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, "
                "output_tokens, "
                "requests, web_searches, synced_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
            for (const BilledUsage &row : rows) {
                const qint64 day = utcDay(row.bucketStartMs);
                if (day < summary.fromDay || day > summary.toDay)
                    continue;
                for (const QVariant &value :
                     {QVariant(providerName(options.provider)), textValue(row.kind), QVariant(day),
                      QVariant(row.bucketStartMs), QVariant(row.bucketEndMs), textValue(row.project),
                      textValue(row.apiKey), textValue(row.model), QVariant(row.inputUncached), QVariant(row.cacheRead),
                      QVariant(row.cacheWrite5m), QVariant(row.cacheWrite1h), QVariant(row.output),
                      row.requests ? QVariant(*row.requests) : QVariant(QMetaType::fromType<qint64>()),
                      QVariant(row.webSearches), QVariant(clock.nowMs())})
                    insert.addBindValue(value);
                if (!insert.exec())
                    return dbError(insert, "store billed usage");
                ++summary.inserted;
            }
            return {};
        });
    if (!stored.ok())
        return stored.error();
    return summary;
}

Result<int> testConnection(const SyncOptions &options, const Clock &clock)
{
    if (const Status address = checkAddress(options); !address.ok())
        return address.error();
    if (options.key.isEmpty())
        return makeError(ErrorCode::Usage, QStringLiteral("no %1 admin key").arg(providerTitle(options.provider)));
    SyncSummary summary;
    summary.toDay = utcDay(clock.nowMs());
    summary.fromDay = summary.toDay - 1;
    Fetcher fetcher(options, summary);
    const bool openAi = options.provider == Provider::OpenAi;
    const QString path =
        openAi ? QStringLiteral("/v1/organization/costs") : QStringLiteral("/v1/organizations/cost_report");
    const auto page = fetcher.page<CostPage>(reportUrl(options, path, {}, summary.fromDay, summary.toDay, std::nullopt),
                                             openAi ? parseOpenAiCosts : parseAnthropicCostReport);
    if (!page.ok())
        return page.error();
    return page->buckets;
}

} // namespace CostGov::Billing

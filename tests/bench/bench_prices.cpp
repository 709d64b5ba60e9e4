// Price catalog benchmark: parsing the bundled genai-prices feed, resolving model names through the
// index (beside trying every rule of every provider), cached lookups as the import makes them, and
// a synthetic Claude Code log tree priced by costgovctl beside ccusage's `daily --json --offline`
// on the same files (--ccusage PATH). Prints figures; asserts nothing.
#include "pricing/pricecatalog.h"
#include "pricing/pricefeed.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

using namespace CostGov;
using namespace CostGov::Pricing;

namespace {

struct Named {
    const char *provider;
    const char *model;
};

// Names as logs write them: dated aliases, provider prefixes, Bedrock profiles and ARNs, Vertex.
constexpr Named kNames[] = {
    {"anthropic", "claude-3-5-haiku-20241022"},
    {"anthropic", "claude-opus-4-1-20250805"},
    {"anthropic", "claude-sonnet-4-5-20250929"},
    {"anthropic", "claude-haiku-4-5-20251001"},
    {"", "anthropic/claude-sonnet-4-20250514"},
    {"aws.bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"},
    {"aws.bedrock", "global.anthropic.claude-opus-4-5-20251101-v1:0"},
    {"aws.bedrock", "amazon.nova-pro-v1:0"},
    {"aws.bedrock",
     "arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.anthropic.claude-3-7-sonnet-20250219-v1:0"},
    {"gcp.vertex_ai", "claude-sonnet-4-5@20250929"},
    {"gcp.vertex_ai", "gemini-2.5-pro"},
    {"gcp.gemini", "gemini-2.5-flash-001"},
    {"openai", "gpt-4o-2024-08-06"},
    {"openai", "gpt-4.1-mini"},
    {"", "openai/gpt-5-mini"},
    {"openai", "o3"},
    {"azure.ai.openai", "gpt-4o"},
    {"deepseek", "deepseek-chat"},
    {"mistral_ai", "mistral-large-2512"},
    {"", "acme-large-2"},
};

// Every rule of every provider in file order: what a catalog without an index does per name.
const FeedModel *scanAll(const PriceFeed &feed, const std::string &name)
{
    for (const FeedProvider &p : feed.providers())
        for (const FeedModel &m : p.models)
            if (m.match.matches(name))
                return &m;
    return nullptr;
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// One Claude Code assistant line; no costUSD, as current Claude Code writes them.
QByteArray assistantLine(const QString &session, const QString &ts, const char *model, int i, qint64 in, qint64 out,
                         qint64 read, qint64 write5m, qint64 write1h)
{
    QJsonObject usage{{QStringLiteral("input_tokens"), in},
                      {QStringLiteral("output_tokens"), out},
                      {QStringLiteral("cache_read_input_tokens"), read},
                      {QStringLiteral("cache_creation_input_tokens"), write5m + write1h},
                      {QStringLiteral("cache_creation"),
                       QJsonObject{{QStringLiteral("ephemeral_5m_input_tokens"), write5m},
                                   {QStringLiteral("ephemeral_1h_input_tokens"), write1h}}}};
    QJsonObject message{{QStringLiteral("id"), QStringLiteral("msg_%1_%2").arg(session).arg(i)},
                        {QStringLiteral("type"), QStringLiteral("message")},
                        {QStringLiteral("role"), QStringLiteral("assistant")},
                        {QStringLiteral("model"), QLatin1String(model)},
                        {QStringLiteral("usage"), usage}};
    QJsonObject line{{QStringLiteral("type"), QStringLiteral("assistant")},
                     {QStringLiteral("sessionId"), session},
                     {QStringLiteral("timestamp"), ts},
                     {QStringLiteral("requestId"), QStringLiteral("req_%1_%2").arg(session).arg(i)},
                     {QStringLiteral("message"), message}};
    return QJsonDocument(line).toJson(QJsonDocument::Compact) + '\n';
}

// A ~/.claude/projects tree of `requests` responses over 60 days, 40 projects, sessions of 200;
// one prompt in a hundred is a long-context one (180,000 to 400,000 tokens read from the cache).
void writeClaudeTree(const QString &root, int requests)
{
    static const char *models[] = {"claude-sonnet-4-5-20250929", "claude-3-5-haiku-20241022",
                                   "claude-opus-4-1-20250805",   "claude-sonnet-4-20250514",
                                   "claude-haiku-4-5-20251001",  "claude-opus-4-5-20251101"};
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<int> model(0, 5), input(3, 400), output(20, 4000), read(0, 180'000),
        longRead(180'000, 400'000), write(0, 12'000), second(0, 60 * 86'400 - 1), hour1(0, 9), percent(0, 99);
    QFile file;
    for (int i = 0; i < requests; ++i) {
        if (i % 200 == 0) {
            const QString dir = root + QStringLiteral("/projects/project-%1").arg(i / 200 % 40);
            QDir().mkpath(dir);
            file.close();
            file.setFileName(dir + QStringLiteral("/session-%1.jsonl").arg(i / 200));
            file.open(QIODevice::WriteOnly);
        }
        const qint64 ts = 1'780'000'000'000LL + qint64(second(rng)) * 1000;
        const QString when = QDateTime::fromMSecsSinceEpoch(ts, Qt::UTC).toString(Qt::ISODateWithMs);
        const qint64 w = write(rng);
        const bool longLived = hour1(rng) == 0;
        file.write(assistantLine(QStringLiteral("s%1").arg(i / 200), when, models[model(rng)], i, input(rng),
                                 output(rng), percent(rng) == 0 ? longRead(rng) : read(rng), longLived ? 0 : w,
                                 longLived ? w : 0));
    }
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Price catalog benchmark"));
    parser.addHelpOption();
    parser.addOption({QStringLiteral("requests"), QStringLiteral("Claude Code requests to generate (137842)."),
                      QStringLiteral("N"), QStringLiteral("137842")});
    parser.addOption({QStringLiteral("ccusage"), QStringLiteral("ccusage executable to compare totals with."),
                      QStringLiteral("PATH")});
    parser.process(app);

    QFile resource(QStringLiteral(":/costgov/prices/genai-prices.json"));
    resource.open(QIODevice::ReadOnly);
    const QByteArray json = resource.readAll();
    std::vector<double> parses;
    std::shared_ptr<const PriceFeed> feed;
    for (int i = 0; i < 7; ++i) {
        QElapsedTimer t;
        t.start();
        feed = *PriceFeed::parse(json, QStringLiteral("genai-prices (bundled)"));
        parses.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    std::printf("catalog: %d providers, %d models, %lld bytes\n", int(feed->providers().size()), feed->modelCount(),
                qlonglong(json.size()));
    std::printf("parse and index the feed: %.1f ms (median of 7)\n", median(parses));

    // First resolution of a name: through the index, and by trying every rule.
    const int rounds = 200;
    QElapsedTimer t;
    t.start();
    int found = 0;
    for (int r = 0; r < rounds; ++r)
        for (const Named &n : kNames)
            found += feed->find(n.provider, n.model) != nullptr;
    const double indexed = double(t.nsecsElapsed()) / 1e3 / (rounds * std::size(kNames));
    t.restart();
    int scanned = 0;
    for (int r = 0; r < rounds; ++r)
        for (const Named &n : kNames)
            scanned += scanAll(*feed, n.model) != nullptr;
    const double linear = double(t.nsecsElapsed()) / 1e3 / (rounds * std::size(kNames));
    std::printf("resolve a new name: %.1f us with the index (%d of %zu priced), %.1f us trying all %d rules\n", indexed,
                found / rounds, std::size(kNames), linear, feed->modelCount());

    // What the import does per record: a cached (provider, model) lookup and the price at its time.
    PriceCatalog catalog;
    catalog.setFeed(feed);
    const qint64 lookups = 10'000'000;
    t.restart();
    qint64 priced = 0;
    for (qint64 i = 0; i < lookups; ++i) {
        const Named &n = kNames[size_t(i) % std::size(kNames)];
        priced += catalog.find(n.provider, n.model, 1'780'000'000'000LL + i) != nullptr;
    }
    std::printf("lookups as the import makes them: %.0f ns each (%lld of %lld priced)\n",
                double(t.nsecsElapsed()) / double(lookups), qlonglong(priced), qlonglong(lookups));

    // A Claude Code tree priced by costgovctl and by ccusage.
    QTemporaryDir dir;
    const int requests = parser.value(QStringLiteral("requests")).toInt();
    writeClaudeTree(dir.path(), requests);
    QProcess ctl;
    ctl.start(QStringLiteral(COSTGOV_CTL),
              {QStringLiteral("--db"), dir.filePath(QStringLiteral("ledger.sqlite")), QStringLiteral("import"),
               QStringLiteral("--quiet"), QStringLiteral("--json"), dir.filePath(QStringLiteral("projects"))});
    ctl.waitForFinished(-1);
    QProcess report;
    report.start(QStringLiteral(COSTGOV_CTL),
                 {QStringLiteral("--db"), dir.filePath(QStringLiteral("ledger.sqlite")), QStringLiteral("report"),
                  QStringLiteral("--format"), QStringLiteral("json")});
    report.waitForFinished(-1);
    const QJsonObject totals =
        QJsonDocument::fromJson(report.readAllStandardOutput()).object()[QStringLiteral("totals")].toObject();
    const double ours = totals[QStringLiteral("cost_usd")].toDouble();
    std::printf("Claude Code tree: %d requests, costgovctl $%.2f, %lld unpriced\n", requests, ours,
                qlonglong(totals[QStringLiteral("unpriced_requests")].toInteger()));
    if (parser.isSet(QStringLiteral("ccusage"))) {
        QProcess ccusage;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("CLAUDE_CONFIG_DIR"), dir.path());
        ccusage.setProcessEnvironment(env);
        ccusage.start(parser.value(QStringLiteral("ccusage")),
                      {QStringLiteral("daily"), QStringLiteral("--json"), QStringLiteral("--offline")});
        ccusage.waitForFinished(-1);
        const double theirs = QJsonDocument::fromJson(ccusage.readAllStandardOutput())
                                  .object()[QStringLiteral("totals")]
                                  .toObject()[QStringLiteral("totalCost")]
                                  .toDouble();
        std::printf("ccusage daily --json --offline: $%.2f (difference %+.3f%%)\n", theirs,
                    theirs > 0 ? (ours - theirs) / theirs * 100 : 0.0);
    }
    return 0;
}

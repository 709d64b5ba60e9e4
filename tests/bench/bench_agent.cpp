// costgov-agent load benchmark on loopback: added latency (p50 / p99) and throughput of the agent
// against calling a fake upstream that answers at once, on cache misses and on cache hits; with
// Portkey's open-source gateway as the peer in the same run when it is installed; and a memory soak.
//
//   costgov_agentbench [--rate 1000] [--seconds 20] [--connections 32] [--portkey DIR] [--soak SECONDS]
//
// --portkey names a folder where `npm install @portkey-ai/gateway` ran (or COSTGOV_PORTKEY_DIR).
// Latency is measured from each request's scheduled send time (open loop), so falling behind the
// rate shows in the figures instead of hiding.

#include "../support/fakeupstream.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

using Clock = std::chrono::steady_clock;

namespace {

struct Target {
    const char *name;
    int port = 0;
    httplib::Headers headers;
};

struct Figures {
    std::vector<double> latenciesMs;
    int errors = 0;
    double seconds = 0;
    int cacheHits = 0;
    double percentile(double p)
    {
        if (latenciesMs.empty())
            return 0;
        std::sort(latenciesMs.begin(), latenciesMs.end());
        return latenciesMs[std::min(latenciesMs.size() - 1, size_t(p * double(latenciesMs.size())))];
    }
};

enum class Kind { Miss, Hit, Rotating };

std::string body(Kind kind, int i)
{
    // A miss asks at the default temperature (never cached); a hit repeats one prompt at temperature 0;
    // rotating asks 20,000 prompts in turn at temperature 0, more than the cache keeps, so entries
    // are added and evicted all the time.
    switch (kind) {
    case Kind::Hit:
        return R"({"model":"gpt-4o-mini","temperature":0,"messages":[{"role":"user","content":"What is the capital of France?"}]})";
    case Kind::Rotating:
        return R"({"model":"gpt-4o-mini","temperature":0,"messages":[{"role":"user","content":"Question )"
            + std::to_string(i % 20000) + R"(: what is the capital of France?"}]})";
    case Kind::Miss:
        break;
    }
    return R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"Request )" + std::to_string(i)
        + R"(: summarise the attached paragraph in one sentence."}]})";
}

Kind kindOf(bool cacheable)
{
    return cacheable ? Kind::Hit : Kind::Miss;
}

void keepAlive(httplib::Client &client)
{
    client.set_keep_alive(true);
    client.set_tcp_nodelay(true);
    client.set_read_timeout(10, 0);
}

/// Open loop: `rate` requests a second over `seconds`, spread over `connections` keep-alive clients.
Figures openLoop(const Target &t, int rate, double seconds, int connections, Kind kind)
{
    Figures f;
    std::mutex mutex;
    const auto start = Clock::now() + std::chrono::milliseconds(50);
    const int total = int(rate * seconds);
    std::vector<std::thread> threads;
    for (int c = 0; c < connections; ++c) {
        threads.emplace_back([&, c] {
            httplib::Client client("127.0.0.1", t.port);
            keepAlive(client);
            std::vector<double> mine;
            int errors = 0, hits = 0;
            for (int i = c; i < total; i += connections) {
                const auto scheduled = start + std::chrono::nanoseconds(qint64(1e9 * i / rate));
                std::this_thread::sleep_until(scheduled);
                const auto r = client.Post("/v1/chat/completions", t.headers, body(kind, i), "application/json");
                const double ms = std::chrono::duration<double, std::milli>(Clock::now() - scheduled).count();
                if (!r || r->status != 200)
                    ++errors;
                else
                    mine.push_back(ms);
                if (r && (r->has_header("x-costgov-cache") || r->get_header_value("x-portkey-cache-status") == "HIT"))
                    ++hits;
            }
            std::lock_guard lock(mutex);
            f.latenciesMs.insert(f.latenciesMs.end(), mine.begin(), mine.end());
            f.errors += errors;
            f.cacheHits += hits;
        });
    }
    for (auto &th : threads)
        th.join();
    f.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return f;
}

/// Closed loop: as fast as `connections` clients go, for `seconds`.
double closedLoop(const Target &t, double seconds, int connections, bool cacheable)
{
    std::atomic<qint64> done{0};
    const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    std::vector<std::thread> threads;
    for (int c = 0; c < connections; ++c) {
        threads.emplace_back([&, c] {
            httplib::Client client("127.0.0.1", t.port);
            keepAlive(client);
            for (int i = c; Clock::now() < end; i += connections) {
                const auto r =
                    client.Post("/v1/chat/completions", t.headers, body(kindOf(cacheable), i), "application/json");
                if (r && r->status == 200)
                    ++done;
            }
        });
    }
    for (auto &th : threads)
        th.join();
    return double(done) / seconds;
}

/// The same with wrk when it is installed (apt-get install wrk): a C load generator on epoll takes
/// far less of the machine's two cores than these client threads, so more is left to what is measured.
/// Returns -1 without wrk.
double closedLoopWrk(const Target &t, double seconds, int connections, bool cacheable, const QString &scriptDir)
{
    const QString wrk = QStandardPaths::findExecutable(QStringLiteral("wrk"));
    if (wrk.isEmpty())
        return -1;
    QString script = QStringLiteral("wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n");
    for (const auto &[name, value] : t.headers)
        script += QStringLiteral("wrk.headers[\"%1\"] = [[%2]]\n")
                      .arg(QString::fromStdString(name), QString::fromStdString(value));
    if (cacheable) {
        script += QStringLiteral("wrk.body = [[%1]]\n").arg(QString::fromStdString(body(Kind::Hit, 0)));
    } else {
        // Every request its own prompt: never a cache hit.
        script += QStringLiteral(
            "local n = 0\nrequest = function()\n  n = n + 1\n  return wrk.format(nil, nil, nil, "
            "[[{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Request ]] .. n .. "
            "[[: summarise the attached paragraph in one sentence.\"}]}]])\nend\n");
    }
    const QString path = QDir(scriptDir).filePath(QStringLiteral("load.lua"));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return -1;
    file.write(script.toUtf8());
    file.close();
    QProcess p;
    p.start(wrk,
            {QStringLiteral("-t1"), QStringLiteral("-c%1").arg(connections), QStringLiteral("-d%1s").arg(int(seconds)),
             QStringLiteral("-s"), path, QStringLiteral("http://127.0.0.1:%1/v1/chat/completions").arg(t.port)});
    p.waitForFinished(int(seconds * 1000) + 30000);
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    const auto m = QRegularExpression(QStringLiteral("Requests/sec:\\s+([0-9.]+)")).match(out);
    if (out.contains(QLatin1String("Non-2xx")))
        std::fprintf(stderr, "wrk saw errors:\n%s\n", qPrintable(out));
    return m.hasMatch() ? m.captured(1).toDouble() : -1;
}

qint64 rssKiB(qint64 pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    const auto m = QRegularExpression(QStringLiteral("VmRSS:\\s+(\\d+)")).match(QString::fromLatin1(status.readAll()));
    return m.hasMatch() ? m.captured(1).toLongLong() : -1;
}

bool waitForPort(int port, int timeoutMs)
{
    for (int waited = 0; waited < timeoutMs; waited += 100) {
        httplib::Client c("127.0.0.1", port);
        c.set_connection_timeout(0, 200000);
        if (c.Get("/"))
            return true;
        QThread::msleep(100);
    }
    return false;
}

void print(const char *what, Figures &f, int rate)
{
    std::printf("  %-34s p50 %7.3f ms  p99 %7.3f ms  %7.0f req/s  errors %d%s\n", what, f.percentile(0.50),
                f.percentile(0.99), double(f.latenciesMs.size()) / f.seconds, f.errors,
                double(f.latenciesMs.size()) / f.seconds < 0.95 * rate ? "  (behind the rate)" : "");
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("costgov-agent load benchmark"));
    parser.addHelpOption();
    parser.addOption({QStringLiteral("rate"), QStringLiteral("Requests per second (open loop)."), QStringLiteral("N"),
                      QStringLiteral("1000")});
    parser.addOption({QStringLiteral("seconds"), QStringLiteral("Seconds per measurement."), QStringLiteral("S"),
                      QStringLiteral("20")});
    parser.addOption({QStringLiteral("connections"), QStringLiteral("Client connections."), QStringLiteral("N"),
                      QStringLiteral("32")});
    parser.addOption({QStringLiteral("portkey"), QStringLiteral("Folder with node_modules/@portkey-ai/gateway."),
                      QStringLiteral("DIR")});
    parser.addOption({QStringLiteral("soak"),
                      QStringLiteral("Seconds of soak at the rate, sampling the agent's memory."), QStringLiteral("S"),
                      QStringLiteral("0")});
    parser.process(app);
    const int rate = parser.value(QStringLiteral("rate")).toInt();
    const double seconds = parser.value(QStringLiteral("seconds")).toDouble();
    const int connections = parser.value(QStringLiteral("connections")).toInt();
    const int soak = parser.value(QStringLiteral("soak")).toInt();
    QString portkeyDir = parser.value(QStringLiteral("portkey"));
    if (portkeyDir.isEmpty())
        portkeyDir = qEnvironmentVariable("COSTGOV_PORTKEY_DIR");

    CostGov::Test::FakeUpstream upstream;
    QTemporaryDir dir;
    const QString policy = QStringLiteral(R"({"schema":"costgov.policy/1","name":"bench",
        "cache":{"hit_header":true,"exact":{"enabled":true,"ttl_seconds":3600,"max_entries":10000,"scope":["team"]}}})");
    {
        QFile p(dir.filePath(QStringLiteral("policy.json")));
        p.open(QIODevice::WriteOnly);
        p.write(policy.toUtf8());
    }
    const QJsonObject config{
        {QStringLiteral("listen"), QStringLiteral("127.0.0.1:0")},
        {QStringLiteral("management_listen"), QStringLiteral("127.0.0.1:0")},
        {QStringLiteral("management_token_env"), QStringLiteral("BENCH_TOKEN")},
        {QStringLiteral("state_dir"), QStringLiteral("state")},
        {QStringLiteral("log_dir"), QStringLiteral("logs")},
        {QStringLiteral("policy_file"), QStringLiteral("policy.json")},
        {QStringLiteral("threads"), std::max(64, connections + 8)},
        {QStringLiteral("upstreams"),
         QJsonArray{QJsonObject{{QStringLiteral("provider"), QStringLiteral("openai")},
                                {QStringLiteral("base_url"), QString::fromStdString(upstream.url())},
                                {QStringLiteral("key_env"), QStringLiteral("BENCH_KEY")}}}}};
    {
        QFile c(dir.filePath(QStringLiteral("agent.json")));
        c.open(QIODevice::WriteOnly);
        c.write(QJsonDocument(config).toJson());
    }
    QProcess agent;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("BENCH_TOKEN"), QStringLiteral("bench-token-0123456789"));
    env.insert(QStringLiteral("BENCH_KEY"), QStringLiteral("sk-bench"));
    agent.setProcessEnvironment(env);
    agent.start(QStringLiteral(COSTGOV_AGENT),
                {QStringLiteral("--config"), dir.filePath(QStringLiteral("agent.json"))});
    agent.waitForReadyRead(10000);
    const auto ports = QRegularExpression(QStringLiteral("proxy on port (\\d+)"))
                           .match(QString::fromUtf8(agent.readAllStandardOutput()));
    if (!ports.hasMatch()) {
        std::fprintf(stderr, "the agent did not start: %s\n", agent.readAllStandardError().constData());
        return 1;
    }
    Target direct{"direct to the upstream", upstream.port, {}};
    Target viaAgent{"through costgov-agent", ports.captured(1).toInt(), {}};

    QProcess portkey;
    Target viaPortkey{"through Portkey gateway", 0, {}};
    if (!portkeyDir.isEmpty()) {
        const QString script =
            QDir(portkeyDir).filePath(QStringLiteral("node_modules/@portkey-ai/gateway/build/start-server.js"));
        const int port = 18000 + int(QCoreApplication::applicationPid() % 1000);
        portkey.start(QStringLiteral("node"),
                      {script, QStringLiteral("--port=%1").arg(port), QStringLiteral("--headless")});
        if (portkey.waitForStarted() && waitForPort(port, 20000)) {
            viaPortkey.port = port;
            viaPortkey.headers = {{"x-portkey-provider", "openai"},
                                  {"x-portkey-custom-host", upstream.url() + "/v1"},
                                  {"Authorization", "Bearer sk-bench"},
                                  {"x-portkey-config", R"({"cache":{"mode":"simple"}})"}};
        } else {
            std::fprintf(stderr, "Portkey did not start from %s\n", qPrintable(script));
        }
    }

    std::printf("costgov-agent benchmark: %d req/s open loop, %.0f s each, %d connections, %d cores\n", rate, seconds,
                connections, int(std::thread::hardware_concurrency()));
    // Warm up every path (connections, pools, the cache entry for hits).
    for (const Target *t : {&direct, &viaAgent, &viaPortkey})
        if (t->port)
            openLoop(*t, 200, 1.0, connections, Kind::Hit), openLoop(*t, 200, 1.0, connections, Kind::Miss);

    std::printf("Cache misses (every request reaches the upstream):\n");
    Figures d = openLoop(direct, rate, seconds, connections, Kind::Miss);
    print(direct.name, d, rate);
    Figures a = openLoop(viaAgent, rate, seconds, connections, Kind::Miss);
    print(viaAgent.name, a, rate);
    std::printf("  added by costgov-agent:            p50 %7.3f ms  p99 %7.3f ms\n",
                a.percentile(0.5) - d.percentile(0.5), a.percentile(0.99) - d.percentile(0.99));
    if (viaPortkey.port) {
        Figures p = openLoop(viaPortkey, rate, seconds, connections, Kind::Miss);
        print(viaPortkey.name, p, rate);
        std::printf("  added by Portkey:                  p50 %7.3f ms  p99 %7.3f ms\n",
                    p.percentile(0.5) - d.percentile(0.5), p.percentile(0.99) - d.percentile(0.99));
    }
    if (viaPortkey.port) {
        // At a rate the peer keeps up with, for an even comparison.
        const int low = 100;
        std::printf("Cache misses at %d req/s:\n", low);
        Figures dl = openLoop(direct, low, seconds, connections, Kind::Miss);
        print(direct.name, dl, low);
        Figures al = openLoop(viaAgent, low, seconds, connections, Kind::Miss);
        print(viaAgent.name, al, low);
        Figures pl = openLoop(viaPortkey, low, seconds, connections, Kind::Miss);
        print(viaPortkey.name, pl, low);
        std::printf("  added: costgov-agent p50 %.3f ms p99 %.3f ms; Portkey p50 %.3f ms p99 %.3f ms\n",
                    al.percentile(0.5) - dl.percentile(0.5), al.percentile(0.99) - dl.percentile(0.99),
                    pl.percentile(0.5) - dl.percentile(0.5), pl.percentile(0.99) - dl.percentile(0.99));
    }
    std::printf("Cache hits (the same prompt at temperature 0):\n");
    upstream.calls = 0;
    Figures h = openLoop(viaAgent, rate, seconds, connections, Kind::Hit);
    print(viaAgent.name, h, rate);
    std::printf("  answered from the cache: %d of %zu; upstream calls during the run: %d\n", h.cacheHits,
                h.latenciesMs.size(), upstream.calls.load());
    // Throughput: wrk when installed, else the benchmark's own client threads.
    const bool haveWrk = closedLoopWrk(direct, 1, connections, false, dir.path()) > 0;
    const auto throughput = [&](const Target &t, bool cacheable) {
        return haveWrk ? closedLoopWrk(t, seconds, connections, cacheable, dir.path())
                       : closedLoop(t, seconds, connections, cacheable);
    };
    std::printf("Throughput, closed loop with %d connections (%s):\n", connections,
                haveWrk ? "wrk" : "the benchmark's client threads; install wrk for less load from the client");
    std::printf("  direct to the upstream             %8.0f req/s\n", throughput(direct, false));
    std::printf("  costgov-agent, misses              %8.0f req/s\n", throughput(viaAgent, false));
    std::printf("  costgov-agent, cache hits          %8.0f req/s\n", throughput(viaAgent, true));
    if (viaPortkey.port) {
        std::printf("  Portkey gateway, misses            %8.0f req/s\n", throughput(viaPortkey, false));
        upstream.calls = 0;
        Figures ph = openLoop(viaPortkey, 200, 2.0, connections, Kind::Hit);
        std::printf("  Portkey with cache mode simple: %d of %zu answered from its cache\n", ph.cacheHits,
                    ph.latenciesMs.size());
    }
    std::printf("Agent memory after the runs: %lld KiB resident\n", rssKiB(agent.processId()));

    if (soak > 0) {
        std::printf("Soak: %d req/s for %d s (half misses, half 20,000 prompts in turn at temperature 0 against a "
                    "cache of 10,000 entries), resident memory every 30 s:\n",
                    rate, soak);
        qint64 first = -1, peak = 0;
        for (int elapsed = 0; elapsed < soak; elapsed += 30) {
            std::thread hits([&] { openLoop(viaAgent, rate / 2, 30, connections / 2, Kind::Rotating); });
            Figures m = openLoop(viaAgent, rate / 2, 30, connections / 2, Kind::Miss);
            hits.join();
            const qint64 rss = rssKiB(agent.processId());
            first = first < 0 ? rss : first;
            peak = std::max(peak, rss);
            std::printf("  %4d s  %7lld KiB  misses p99 %.3f ms  errors %d\n", elapsed + 30, rss, m.percentile(0.99),
                        m.errors);
            std::fflush(stdout);
        }
        const qint64 last = rssKiB(agent.processId());
        std::printf("  first %lld KiB, last %lld KiB, peak %lld KiB: %s\n", first, last, peak,
                    last <= first * 11 / 10 ? "flat (within 10 %)" : "GROWING");
    }
    agent.terminate();
    agent.waitForFinished(5000);
    if (portkey.state() != QProcess::NotRunning) {
        portkey.kill();
        portkey.waitForFinished(5000);
    }
    return 0;
}

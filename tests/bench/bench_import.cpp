// Import and report benchmark: synthetic canonical logs with realistic skew (30 teams, 80 features,
// 12 models, 5,000 users, 90 days), imported by costgovctl in a child process (rows/s, peak RSS),
// reports timed in process, and the sqlite3 CLI's .import of the same rows as the baseline a user
// could script. With --shuffle the same rows are also imported in random order (as merged exports
// and concatenated logs of several agents come), beside the same baseline. Prints figures; asserts
// nothing but that every ledger holds every row.
#include "common/clock.h"
#include "common/timeutil.h"
#include "storage/ledger.h"
#include "storage/spendquery.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>

#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <numeric>
#include <random>
#include <vector>

extern char **environ;

using namespace CostGov;

namespace {

struct Model {
    const char *name;
    const char *provider;
};

constexpr Model kModels[] = {
    {"gpt-4o", "openai"},
    {"gpt-4o-mini", "openai"},
    {"claude-sonnet-4-6", "anthropic"},
    {"gpt-4.1-mini", "openai"},
    {"claude-haiku-4-5", "anthropic"},
    {"gemini-2.5-flash", "gcp.gemini"},
    {"gpt-5-mini", "openai"},
    {"gpt-4.1", "openai"},
    {"claude-opus-4-7", "anthropic"},
    {"gemini-2.5-pro", "gcp.gemini"},
    {"gpt-5", "openai"},
    {"text-embedding-3-small", "openai"},
};

/// Picks index i with probability proportional to 1 / (i + 1)^s.
class Zipf {
public:
    Zipf(int n, double s)
    {
        double total = 0;
        for (int i = 0; i < n; ++i) {
            total += 1.0 / std::pow(i + 1, s);
            m_cdf.push_back(total);
        }
        for (double &c : m_cdf)
            c /= total;
    }
    int operator()(std::mt19937_64 &rng) const
    {
        const double u = std::uniform_real_distribution<double>(0, 1)(rng);
        return int(std::lower_bound(m_cdf.begin(), m_cdf.end(), u) - m_cdf.begin());
    }

private:
    std::vector<double> m_cdf;
};

const qint64 kStartMs = *parseTimestampMs("2026-05-01T00:00:00Z");
constexpr qint64 kDays = 90;

bool generate(qint64 rows, const QString &jsonlPath, const QString &csvPath)
{
    FILE *jsonl = std::fopen(QFile::encodeName(jsonlPath).constData(), "wb");
    FILE *csv = std::fopen(QFile::encodeName(csvPath).constData(), "wb");
    if (!jsonl || !csv)
        return false;
    std::fputs("ts,request_id,provider,model,input_tokens,output_tokens,cache_read_tokens,team,feature,user,"
               "environment,project,latency_ms\n",
               csv);
    std::mt19937_64 rng(42);
    const Zipf models(12, 1.1), features(80, 0.9), users(5000, 1.05);
    std::lognormal_distribution<double> input(std::log(1500.0), 0.6), output(std::log(300.0), 0.7);
    std::uniform_int_distribution<int> percent(0, 99);
    const qint64 spanMs = kDays * kMsPerDay;
    char line[512];
    for (qint64 i = 0; i < rows; ++i) {
        const qint64 ts = kStartMs + spanMs * i / rows;
        const qint64 day = utcDay(ts);
        const CivilDate d = civilFromDays(day);
        const qint64 msOfDay = ts - day * kMsPerDay;
        const Model &model = kModels[models(rng)];
        const int feature = features(rng);
        const int team = feature % 30;
        const int user = users(rng);
        const int envRoll = percent(rng);
        const char *environment = envRoll < 80 ? "prod" : envRoll < 95 ? "staging" : "dev";
        const qint64 in = qint64(input(rng));
        const qint64 out = model.name[0] == 't' ? 0 : qint64(output(rng));
        const qint64 cached = percent(rng) < 40 ? in / 2 : 0;
        const qint64 latency = 200 + qint64(out * 12);
        char ts_text[40];
        std::snprintf(ts_text, sizeof ts_text, "%04d-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ", d.year, d.month, d.day,
                      msOfDay / 3600000, msOfDay / 60000 % 60, msOfDay / 1000 % 60, msOfDay % 1000);
        const unsigned long long id = 0x9E3779B97F4A7C15ULL * quint64(i + 1);
        int n = std::snprintf(line, sizeof line,
                              "{\"ts\":\"%s\",\"request_id\":\"req-%016llx\",\"provider\":\"%s\",\"model\":\"%s\","
                              "\"input_tokens\":%lld,\"output_tokens\":%lld,\"cache_read_tokens\":%lld,"
                              "\"team\":\"team-%02d\",\"feature\":\"feature-%02d\",\"user\":\"user-%04d\","
                              "\"environment\":\"%s\",\"project\":\"project-%02d\",\"latency_ms\":%lld}\n",
                              ts_text, id, model.provider, model.name, in - cached, out, cached, team, feature, user,
                              environment, team, latency);
        std::fwrite(line, 1, size_t(n), jsonl);
        n = std::snprintf(line, sizeof line,
                          "%s,req-%016llx,%s,%s,%lld,%lld,%lld,team-%02d,feature-%02d,user-%04d,%s,project-%02d,%lld\n",
                          ts_text, id, model.provider, model.name, in - cached, out, cached, team, feature, user,
                          environment, team, latency);
        std::fwrite(line, 1, size_t(n), csv);
    }
    return std::fclose(jsonl) == 0 && std::fclose(csv) == 0;
}

/// Writes the lines of from in a random (but reproducible) order to to.
bool shuffleLines(const QString &from, const QString &to)
{
    const int fd = ::open(QFile::encodeName(from).constData(), O_RDONLY);
    if (fd < 0)
        return false;
    struct stat st {};
    ::fstat(fd, &st);
    const size_t size = size_t(st.st_size);
    void *mapped = size > 0 ? ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0) : nullptr;
    ::close(fd);
    if (mapped == MAP_FAILED)
        return false;
    const char *text = static_cast<const char *>(mapped);
    std::vector<quint64> starts{0};
    for (const char *p = text, *end = text + size;
         (p = static_cast<const char *>(std::memchr(p, '\n', size_t(end - p))));)
        starts.push_back(quint64(++p - text));
    if (starts.back() == size)
        starts.pop_back();
    std::vector<quint32> order(starts.size());
    std::iota(order.begin(), order.end(), 0u);
    std::shuffle(order.begin(), order.end(), std::mt19937_64(7));
    FILE *out = std::fopen(QFile::encodeName(to).constData(), "wb");
    if (!out) {
        ::munmap(mapped, size);
        return false;
    }
    for (quint32 i : order) {
        const quint64 end = i + 1 < starts.size() ? starts[i + 1] : size;
        std::fwrite(text + starts[i], 1, size_t(end - starts[i]), out);
    }
    ::munmap(mapped, size);
    return std::fclose(out) == 0;
}

struct ChildRun {
    int status = -1;
    double seconds = 0;
    long peakRssKb = 0; ///< sampled every 5 ms
};

ChildRun runChild(const std::vector<std::string> &argv, const QString &stdinPath = QString())
{
    std::vector<char *> args;
    for (const std::string &a : argv)
        args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    if (!stdinPath.isEmpty())
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, QFile::encodeName(stdinPath).constData(), O_RDONLY, 0);
    QElapsedTimer timer;
    timer.start();
    pid_t pid = 0;
    ChildRun run;
    if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ) != 0)
        return run;
    // The child's own high-water mark (VmHWM), read while it runs: its ru_maxrss would also
    // count this process's peak, which a spawned child inherits at exec.
    const QByteArray statusPath = "/proc/" + QByteArray::number(pid) + "/status";
    int status = 0;
    for (;;) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            break;
        QFile procStatus(QString::fromLatin1(statusPath));
        if (procStatus.open(QIODevice::ReadOnly)) {
            for (const QByteArray &line : procStatus.readAll().split('\n')) {
                if (line.startsWith("VmHWM:"))
                    run.peakRssKb = std::max(run.peakRssKb, line.mid(6).trimmed().split(' ').first().toLong());
            }
        }
        usleep(5'000);
    }
    run.seconds = double(timer.nsecsElapsed()) / 1e9;
    run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    posix_spawn_file_actions_destroy(&actions);
    return run;
}

double medianMs(const std::function<void()> &work)
{
    work(); // warm the caches once, as a dashboard that is already open
    std::vector<double> samples;
    for (int i = 0; i < 7; ++i) {
        QElapsedTimer timer;
        timer.start();
        work();
        samples.push_back(double(timer.nsecsElapsed()) / 1e6);
    }
    std::sort(samples.begin(), samples.end());
    return samples[samples.size() / 2];
}

QString human(qint64 n)
{
    return n >= 1'000'000 ? QStringLiteral("%1M").arg(double(n) / 1e6) : QStringLiteral("%1k").arg(double(n) / 1e3);
}

/// One import of a log into a fresh ledger, and the reports on it.
struct ImportRun {
    ChildRun import;
    double dayTeam = 0, featureMonth = 0, ledgerMb = 0;
    qint64 requests = 0;
    Nano cost = 0;
};

bool importAndReport(const std::string &ctl, const QString &jsonl, const QString &db, ImportRun &run)
{
    for (const QString &f : QStringList{db, db + QStringLiteral("-wal"), db + QStringLiteral("-shm")})
        QFile::remove(f);
    run.import = runChild({ctl, "--db", db.toStdString(), "import", "--quiet", jsonl.toStdString()});
    if (run.import.status != 0) {
        std::fprintf(stderr, "costgovctl import of %s failed with status %d\n", qPrintable(jsonl), run.import.status);
        return false;
    }
    auto ledger = Storage::Ledger::open(db);
    if (!ledger.ok()) {
        std::fprintf(stderr, "%s\n", qPrintable(ledger.error().message));
        return false;
    }
    Storage::SpendQuery byDayTeam;
    byDayTeam.fromDay = utcDay(kStartMs);
    byDayTeam.toDay = utcDay(kStartMs) + kDays - 1;
    byDayTeam.groupBy = {Storage::Dimension::Day, Storage::Dimension::Team};
    Storage::SpendQuery byFeature;
    byFeature.fromDay = *parseDate("2026-06-01");
    byFeature.toDay = *parseDate("2026-06-30");
    byFeature.groupBy = {Storage::Dimension::Feature};
    run.dayTeam = medianMs([&] {
        const Storage::SpendReport report = *Storage::runSpendQuery(**ledger, byDayTeam);
        run.requests = report.totals.requests;
        run.cost = report.totals.costNano;
    });
    run.featureMonth = medianMs([&] { (void)Storage::runSpendQuery(**ledger, byFeature); });
    run.ledgerMb = double(QFileInfo(db).size() + QFileInfo(db + QStringLiteral("-wal")).size()) / 1048576.0;
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Cost Governor import and report benchmark"));
    parser.addHelpOption();
    parser.addOption({QStringLiteral("rows"), QStringLiteral("Row counts, comma separated."), QStringLiteral("N,..."),
                      QStringLiteral("1000000,10000000")});
    parser.addOption({QStringLiteral("dir"), QStringLiteral("Work folder (large files; default: a temporary one)."),
                      QStringLiteral("DIR")});
    parser.addOption({QStringLiteral("no-baseline"), QStringLiteral("Skip the sqlite3 CLI baseline.")});
    parser.addOption({QStringLiteral("shuffle"),
                      QStringLiteral("Also import the same rows in random order (a second line per row count).")});
    parser.addOption({QStringLiteral("costgovctl"),
                      QStringLiteral("The costgovctl to measure (default: the one built with this benchmark)."),
                      QStringLiteral("PATH"), QStringLiteral(COSTGOV_CTL)});
    parser.process(app);
    const std::string ctl = QFile::encodeName(parser.value(QStringLiteral("costgovctl"))).toStdString();

    QTemporaryDir temporary;
    const QString dir = parser.isSet(QStringLiteral("dir")) ? parser.value(QStringLiteral("dir")) : temporary.path();
    QDir().mkpath(dir);
    const bool shuffle = parser.isSet(QStringLiteral("shuffle"));
    std::printf("%-8s %-9s %14s %10s %10s %16s %16s %10s %16s %8s\n", "rows", "order", "import rows/s", "import s",
                "peak RSS", "day x team 90d", "feature 1 month", "ledger MB", "sqlite3 rows/s", "ratio");
    for (const QString &count : parser.value(QStringLiteral("rows")).split(QLatin1Char(','))) {
        const qint64 rows = count.toLongLong();
        const QString jsonl = dir + QStringLiteral("/bench-%1.jsonl").arg(rows);
        const QString shuffled = dir + QStringLiteral("/bench-%1-shuffled.jsonl").arg(rows);
        const QString csv = dir + QStringLiteral("/bench-%1.csv").arg(rows);
        const QString baseDb = dir + QStringLiteral("/baseline-%1.sqlite").arg(rows);
        QFile::remove(baseDb);
        if (!QFileInfo::exists(jsonl) || !QFileInfo::exists(csv)) {
            QFile::remove(shuffled);
            if (!generate(rows, jsonl, csv)) {
                std::fprintf(stderr, "cannot write the benchmark files in %s\n", qPrintable(dir));
                return 1;
            }
        }
        if (shuffle && !QFileInfo::exists(shuffled) && !shuffleLines(jsonl, shuffled)) {
            std::fprintf(stderr, "cannot write %s\n", qPrintable(shuffled));
            return 1;
        }
        struct Case {
            const char *order;
            QString log, db;
        };
        const Case cases[] = {{"time", jsonl, dir + QStringLiteral("/bench-%1.sqlite").arg(rows)},
                              {"shuffled", shuffled, dir + QStringLiteral("/bench-%1-shuffled.sqlite").arg(rows)}};
        const size_t caseCount = shuffle ? 2 : 1;
        std::vector<ImportRun> runs(caseCount);
        for (size_t i = 0; i < caseCount; ++i) {
            if (!importAndReport(ctl, cases[i].log, cases[i].db, runs[i]))
                return 1;
            if (runs[i].requests != rows || runs[i].cost != runs[0].cost) {
                std::fprintf(stderr, "the %s ledger counts %lld requests and %lld nano-USD, expected %lld and %lld\n",
                             cases[i].order, runs[i].requests, qint64(runs[i].cost), rows, qint64(runs[0].cost));
                return 1;
            }
        }
        // The baseline once a row count, after the imports (the same run, the same machine state).
        double baselineRate = 0;
        if (!parser.isSet(QStringLiteral("no-baseline"))) {
            const QString script = dir + QStringLiteral("/baseline.sql");
            QFile sql(script);
            sql.open(QIODevice::WriteOnly | QIODevice::Truncate);
            sql.write(
                "CREATE TABLE requests (ts TEXT, request_id TEXT, provider TEXT, model TEXT, input_tokens INTEGER, "
                "output_tokens INTEGER, cache_read_tokens INTEGER, team TEXT, feature TEXT, user TEXT, "
                "environment TEXT, project TEXT, latency_ms INTEGER, UNIQUE (request_id));\n"
                ".import --csv --skip 1 "
                + QFile::encodeName(csv) + " requests\n");
            sql.close();
            const ChildRun baseline = runChild({"/usr/bin/sqlite3", baseDb.toStdString()}, script);
            if (baseline.status == 0)
                baselineRate = double(rows) / baseline.seconds;
            else
                std::fprintf(stderr, "sqlite3 baseline failed (status %d): is the sqlite3 package installed?\n",
                             baseline.status);
            QFile::remove(baseDb);
        }
        for (size_t i = 0; i < caseCount; ++i) {
            const ImportRun &r = runs[i];
            const double rate = double(rows) / r.import.seconds;
            std::printf("%-8s %-9s %14.0f %10.2f %7ld MB %13.2f ms %13.2f ms %10.0f %16.0f %7.2fx\n",
                        qPrintable(human(rows)), cases[i].order, rate, r.import.seconds, r.import.peakRssKb / 1024,
                        r.dayTeam, r.featureMonth, r.ledgerMb, baselineRate,
                        baselineRate > 0 ? rate / baselineRate : 0.0);
        }
        std::fflush(stdout);
    }
    return 0;
}

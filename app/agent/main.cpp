// costgov-agent: the policy-enforcing proxy. Thin main: the agent lives in core/gateway.
#include "gateway/agent.h"

#include <csignal>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <cstdio>

namespace {

int usage(FILE *out, int code)
{
    std::fputs("Usage: costgov-agent --config FILE [--check]\n"
               "An OpenAI-compatible proxy that enforces a Cost Governor routing and caching policy.\n"
               "  --config FILE  the agent's JSON config (see the README, \"costgov-agent\")\n"
               "  --check        read the config and the kept policy, then exit\n",
               out);
    return code;
}

} // namespace

int main(int argc, char **argv)
{
    QString config;
    bool check = false;
    for (int i = 1; i < argc; ++i) {
        const QString arg = QString::fromLocal8Bit(argv[i]);
        if (arg == QLatin1String("--config") && i + 1 < argc)
            config = QString::fromLocal8Bit(argv[++i]);
        else if (arg == QLatin1String("--check"))
            check = true;
        else if (arg == QLatin1String("--help") || arg == QLatin1String("-h"))
            return usage(stdout, 0);
        else if (arg == QLatin1String("--version")) {
            std::puts("costgov-agent " COSTGOV_VERSION);
            return 0;
        } else {
            std::fprintf(stderr, "costgov-agent: unknown argument %s\n", argv[i]);
            return usage(stderr, 1);
        }
    }
    if (config.isEmpty())
        return usage(stderr, 1);
    auto parsed = CostGov::Gateway::readConfig(config);
    if (!parsed.ok()) {
        std::fprintf(stderr, "costgov-agent: %s\n", qPrintable(parsed.error().message));
        return 2;
    }
#ifdef __GLIBC__
    // A malloc arena per thread (up to 8 per core) fragments under cache churn; four serve two
    // cores' worth of server threads without contention worth measuring.
    mallopt(M_ARENA_MAX, 4);
#endif
    // Signals are taken by sigwait below; every thread the agent starts inherits the mask.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGINT);
    sigaddset(&stopSignals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    CostGov::Gateway::Agent agent(*parsed);
    if (CostGov::Status s = check ? agent.prepare() : agent.start(); !s) {
        std::fprintf(stderr, "costgov-agent: %s\n", qPrintable(s.error().message));
        return 3;
    }
    if (check) {
        std::puts("costgov-agent: config and policy are valid");
        return 0;
    }
    std::printf("costgov-agent: proxy on port %d, management on port %d\n", agent.port(), agent.managementPort());
    std::fflush(stdout);
    int received = 0;
    sigwait(&stopSignals, &received);
    agent.stop();
    return 0;
}

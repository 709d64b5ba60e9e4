#include "syncservice.h"

#include "background.h"
#include "common/money.h"

#include "billing/keychain.h"
#include "common/timeutil.h"

#include <QLocale>
#include <QPointer>
#include <QSettings>

namespace CostGov::Ui {

namespace {

constexpr Billing::Provider kProviders[] = {Billing::Provider::OpenAi, Billing::Provider::Anthropic};

QString group(Billing::Provider provider)
{
    return QStringLiteral("connections/") + Billing::providerName(provider);
}

QString environmentKey(Billing::Provider provider)
{
    return qEnvironmentVariable(Billing::keyVariable(provider).toLatin1().constData());
}

// Saves what a sync or test said on the provider's connection, when there is one.
void recordResult(Billing::Provider provider, bool ok, const QString &message)
{
    QSettings settings;
    settings.beginGroup(group(provider));
    if (!settings.contains(QStringLiteral("everyHours")))
        return;
    settings.setValue(QStringLiteral("lastResult"), message);
    settings.setValue(QStringLiteral("lastFailed"), !ok);
}

} // namespace

SyncService::SyncService(const QString &ledgerPath, const Clock &clock, QObject *parent)
    : QObject(parent), m_ledgerPath(ledgerPath), m_clock(clock)
{
    m_schedule.setInterval(60'000);
    connect(&m_schedule, &QTimer::timeout, this, &SyncService::runDueSyncs);
    m_schedule.start();
}

QVector<Connection> SyncService::connections()
{
    QVector<Connection> result;
    QSettings settings;
    for (const auto provider : kProviders) {
        settings.beginGroup(group(provider));
        if (settings.contains(QStringLiteral("everyHours"))) {
            Connection c;
            c.provider = provider;
            c.baseUrl = settings.value(QStringLiteral("baseUrl")).toString();
            c.everyHours = settings.value(QStringLiteral("everyHours")).toInt();
            c.lastAttemptMs = settings.value(QStringLiteral("lastAttemptMs")).toLongLong();
            c.lastResult = settings.value(QStringLiteral("lastResult")).toString();
            c.lastFailed = settings.value(QStringLiteral("lastFailed")).toBool();
            result.append(c);
        }
        settings.endGroup();
    }
    return result;
}

void SyncService::saveConnection(const Connection &c)
{
    QSettings settings;
    settings.beginGroup(group(c.provider));
    settings.setValue(QStringLiteral("baseUrl"), c.baseUrl);
    settings.setValue(QStringLiteral("everyHours"), c.everyHours);
}

void SyncService::removeConnection(Billing::Provider provider)
{
    QSettings settings;
    settings.remove(group(provider));
}

bool SyncService::syncNow(QVector<Billing::Provider> providers)
{
    if (m_running)
        return false;
    const QVector<Connection> configured = connections();
    if (providers.isEmpty()) {
        for (const auto provider : kProviders) {
            const bool hasConnection = std::any_of(configured.begin(), configured.end(),
                                                   [provider](const Connection &c) { return c.provider == provider; });
            if (hasConnection || !environmentKey(provider).isEmpty())
                providers.append(provider);
        }
    }
    if (providers.isEmpty()) {
        emit syncFinished(false,
                          tr("No provider connection: add one on the Sources page (or set "
                             "COSTGOV_OPENAI_ADMIN_KEY or COSTGOV_ANTHROPIC_ADMIN_KEY)."));
        return false;
    }
    QVector<Job> jobs;
    QSettings settings;
    for (const auto provider : providers) {
        Job job{provider, {}, {}, {}};
        for (const Connection &c : configured)
            if (c.provider == provider)
                job.baseUrl = c.baseUrl;
        settings.setValue(group(provider) + QStringLiteral("/lastAttemptMs"), m_clock.nowMs());
        jobs.append(job);
    }
    m_running = true;
    m_cancel = std::make_shared<std::atomic_bool>(false);
    emit progress(tr("Syncing..."));
    withKeys(jobs, 0, [this](const QVector<Job> &ready) { runSync(ready); });
    return true;
}

bool SyncService::test(Billing::Provider provider, const QString &key, const QString &baseUrl)
{
    if (m_running)
        return false;
    m_running = true;
    m_cancel = std::make_shared<std::atomic_bool>(false);
    emit progress(tr("Testing the %1 connection...").arg(Billing::providerTitle(provider)));
    withKeys({{provider, baseUrl, key, {}}}, 0, [this](const QVector<Job> &ready) {
        const Job job = ready.first();
        const Clock *clock = &m_clock;
        const auto cancel = m_cancel;
        inBackground(
            this, m_ledgerPath,
            [job, clock, cancel](Storage::Ledger &) -> Result<int> {
                if (job.key.isEmpty())
                    return makeError(ErrorCode::Usage, job.keyError);
                Billing::SyncOptions options;
                options.provider = job.provider;
                options.baseUrl = job.baseUrl;
                options.key = job.key;
                options.maxAttempts = 2;
                options.timeoutMs = 15'000;
                options.cancel = cancel.get();
                return Billing::testConnection(options, *clock);
            },
            [this, provider = job.provider](const Result<int> &result) {
                const QString message = result.ok()
                    ? tr("Connected: the %1 cost report answered (%2 daily buckets for yesterday and today).")
                          .arg(Billing::providerTitle(provider))
                          .arg(*result)
                    : result.error().message;
                recordResult(provider, result.ok(), message);
                finish();
                emit testFinished(provider, result.ok(), message);
                emit connectionsChanged();
            });
    });
    return true;
}

void SyncService::cancel()
{
    if (m_cancel)
        m_cancel->store(true);
}

void SyncService::runDueSyncs()
{
    if (m_running)
        return;
    QVector<Billing::Provider> due;
    const qint64 now = m_clock.nowMs();
    for (const Connection &c : connections()) {
        if (c.everyHours > 0 && (c.lastAttemptMs == 0 || now - c.lastAttemptMs >= qint64(c.everyHours) * 3'600'000))
            due.append(c.provider);
    }
    if (!due.isEmpty())
        syncNow(due);
}

// Fills each job's key in turn: the environment variable, else the keychain (asynchronous).
void SyncService::withKeys(QVector<Job> jobs, int next, std::function<void(QVector<Job>)> then)
{
    if (next == jobs.size()) {
        then(jobs);
        return;
    }
    Job &job = jobs[next];
    if (job.key.isEmpty())
        job.key = environmentKey(job.provider);
    if (!job.key.isEmpty()) {
        withKeys(jobs, next + 1, then);
        return;
    }
    Billing::readKeychainKey(job.provider, this, [this, jobs, next, then](const Result<QString> &key) mutable {
        Job &filled = jobs[next];
        if (!key.ok())
            filled.keyError = key.error().message;
        else if (key->isEmpty())
            filled.keyError = tr("no %1 admin key: add it to the connection on the Sources page, or set %2")
                                  .arg(Billing::providerTitle(filled.provider), Billing::keyVariable(filled.provider));
        else
            filled.key = *key;
        withKeys(jobs, next + 1, then);
    });
}

void SyncService::runSync(const QVector<Job> &jobs)
{
    struct Outcome {
        Billing::Provider provider;
        bool ok;
        QString message;
    };
    const Clock *clock = &m_clock;
    const auto cancel = m_cancel;
    QPointer<SyncService> self(this);
    inBackground(
        this, m_ledgerPath,
        [jobs, clock, cancel, self](Storage::Ledger &ledger) -> Result<QVector<Outcome>> {
            QVector<Outcome> outcomes;
            for (const Job &job : jobs) {
                if (job.key.isEmpty()) {
                    outcomes.append({job.provider, false, job.keyError});
                    continue;
                }
                Billing::SyncOptions options;
                options.provider = job.provider;
                options.baseUrl = job.baseUrl;
                options.key = job.key;
                options.cancel = cancel.get();
                options.progress = [self](const QString &message) {
                    QMetaObject::invokeMethod(qApp, [self, message] {
                        if (self)
                            emit self->progress(message);
                    });
                };
                const auto costs = Billing::syncCosts(ledger, options, *clock);
                const auto usage = costs.ok() ? Billing::syncUsage(ledger, options, *clock) : costs;
                if (!costs.ok() || !usage.ok()) {
                    outcomes.append({job.provider, false, (costs.ok() ? usage : costs).error().message});
                    continue;
                }
                outcomes.append(
                    {job.provider, true,
                     tr("%1 – %2: %3 cost and %4 usage rows stored, $%5 billed")
                         .arg(isoDate(costs->fromDay), isoDate(costs->toDay), QLocale().toString(costs->inserted),
                              QLocale().toString(usage->inserted), usdText(costs->total))});
            }
            return outcomes;
        },
        [this](const Result<QVector<Outcome>> &result) {
            finish();
            if (!result.ok()) {
                emit syncFinished(false, result.error().message);
                return;
            }
            QStringList lines;
            bool ok = true;
            for (const Outcome &o : *result) {
                recordResult(o.provider, o.ok, o.message);
                lines.append(Billing::providerTitle(o.provider) + QStringLiteral(": ") + o.message);
                ok = ok && o.ok;
            }
            emit connectionsChanged();
            emit syncFinished(ok, lines.join(QStringLiteral("; ")));
        });
}

void SyncService::finish()
{
    m_running = false;
}

} // namespace CostGov::Ui

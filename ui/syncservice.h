#pragma once

#include "billing/billing.h"
#include "common/clock.h"

#include <QObject>
#include <QTimer>
#include <QVector>

#include <atomic>
#include <memory>

namespace CostGov::Ui {

/// A provider connection as the settings keep it (its admin key lives in the OS keychain).
struct Connection {
    Billing::Provider provider = Billing::Provider::OpenAi;
    QString baseUrl;          ///< "" for the provider's own address
    int everyHours = 0;       ///< sync schedule while the app runs; 0 = only on demand
    qint64 lastAttemptMs = 0; ///< when the last sync started; 0 = never
    QString lastResult;       ///< what the last sync or test said
    bool lastFailed = false;
};

/// Billing syncs of the desktop: on demand, on each connection's schedule, one at a time, with
/// progress and cancel. Keys come from the environment variable when set, else the keychain.
class SyncService final : public QObject {
    Q_OBJECT

public:
    SyncService(const QString &ledgerPath, const Clock &clock, QObject *parent = nullptr);

    /// The configured connections, OpenAI first.
    static QVector<Connection> connections();
    static void saveConnection(const Connection &connection);
    static void removeConnection(Billing::Provider provider);

    bool isRunning() const { return m_running; }
    /// Syncs the providers given, or every configured one and every one with a key in the
    /// environment. Refused (false) while a sync or test runs.
    bool syncNow(QVector<Billing::Provider> providers = {});
    /// Reads one page of the provider's bill with the key given (the stored one when empty).
    bool test(Billing::Provider provider, const QString &key, const QString &baseUrl);
    void cancel();
    /// Starts the syncs whose schedule is due (a timer calls this every minute).
    void runDueSyncs();

signals:
    void progress(const QString &message);
    void testFinished(Billing::Provider provider, bool ok, const QString &message);
    /// After a sync of one or more providers; ok when every one succeeded.
    void syncFinished(bool ok, const QString &summary);
    void connectionsChanged();

private:
    struct Job {
        Billing::Provider provider;
        QString baseUrl;
        QString key;
        QString keyError; ///< why there is no key
    };
    void withKeys(QVector<Job> jobs, int next, std::function<void(QVector<Job>)> then);
    void runSync(const QVector<Job> &jobs);
    void finish();

    QString m_ledgerPath;
    const Clock &m_clock;
    QTimer m_schedule;
    bool m_running = false;
    std::shared_ptr<std::atomic_bool> m_cancel;
};

} // namespace CostGov::Ui

#include "keychain.h"

#include <QEventLoop>

#include <qt6keychain/keychain.h>

namespace CostGov::Billing {

namespace {

const QString kService = QStringLiteral("Cost Governor");

QString entryName(Provider provider)
{
    return providerName(provider) + QStringLiteral("-admin-key");
}

Error keychainError(const QKeychain::Job &job, const QString &variable)
{
    return makeError(
        ErrorCode::Usage,
        QStringLiteral("the keychain is not available (%1); set %2 instead").arg(job.errorString(), variable));
}

template <class Job, class Done>
void run(Job *job, const QString &entry, QObject *context, Done done)
{
    job->setKey(entry);
    job->setAutoDelete(true);
    // The context as receiver: the callback is dropped if the context is gone.
    QObject::connect(job, &QKeychain::Job::finished, context, [job, done] { done(*job); });
    job->start();
}

QString providerVariable(Provider provider)
{
    return QStringLiteral("the %1 key in %2").arg(providerTitle(provider), keyVariable(provider));
}

} // namespace

void readKeychainSecret(const QString &entry, const QString &variable, QObject *context,
                        std::function<void(const Result<QString> &)> done)
{
    run(new QKeychain::ReadPasswordJob(kService), entry, context, [done, variable](const QKeychain::Job &job) {
        if (job.error() == QKeychain::EntryNotFound)
            done(QString());
        else if (job.error() != QKeychain::NoError)
            done(keychainError(job, variable));
        else
            done(static_cast<const QKeychain::ReadPasswordJob &>(job).textData());
    });
}

namespace {

// Waits on an event loop for the keychain (costgovctl).
Result<QString> readNow(const QString &entry, const QString &variable)
{
    QEventLoop loop;
    Result<QString> secret = QString();
    readKeychainSecret(entry, variable, &loop, [&](const Result<QString> &read) {
        secret = read;
        loop.quit();
    });
    loop.exec();
    return secret;
}

} // namespace

void writeKeychainSecret(const QString &entry, const QString &variable, const QString &secret, QObject *context,
                         std::function<void(const Status &)> done)
{
    auto *job = new QKeychain::WritePasswordJob(kService);
    job->setTextData(secret);
    run(job, entry, context, [done, variable](const QKeychain::Job &finished) {
        done(finished.error() == QKeychain::NoError ? Status() : Status(keychainError(finished, variable)));
    });
}

void deleteKeychainSecret(const QString &entry, const QString &variable, QObject *context,
                          std::function<void(const Status &)> done)
{
    run(new QKeychain::DeletePasswordJob(kService), entry, context, [done, variable](const QKeychain::Job &job) {
        const bool gone = job.error() == QKeychain::NoError || job.error() == QKeychain::EntryNotFound;
        done(gone ? Status() : Status(keychainError(job, variable)));
    });
}

Result<QString> secretNow(const QString &entry, const QString &variable)
{
    const QByteArray name = variable.toLatin1();
    if (!qEnvironmentVariableIsEmpty(name.constData()))
        return qEnvironmentVariable(name.constData());
    return readNow(entry, variable);
}

void readKeychainKey(Provider provider, QObject *context, std::function<void(const Result<QString> &)> done)
{
    readKeychainSecret(entryName(provider), providerVariable(provider), context, std::move(done));
}

void writeKeychainKey(Provider provider, const QString &key, QObject *context, std::function<void(const Status &)> done)
{
    writeKeychainSecret(entryName(provider), providerVariable(provider), key, context, std::move(done));
}

void deleteKeychainKey(Provider provider, QObject *context, std::function<void(const Status &)> done)
{
    deleteKeychainSecret(entryName(provider), providerVariable(provider), context, std::move(done));
}

Result<QString> adminKeyNow(Provider provider)
{
    const QByteArray variable = keyVariable(provider).toLatin1();
    if (!qEnvironmentVariableIsEmpty(variable.constData()))
        return qEnvironmentVariable(variable.constData());
    return readNow(entryName(provider), providerVariable(provider));
}

} // namespace CostGov::Billing

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

Error keychainError(const QKeychain::Job &job, Provider provider)
{
    return makeError(ErrorCode::Usage,
                     QStringLiteral("the keychain is not available (%1); set the %2 key in %3 instead")
                         .arg(job.errorString(), providerTitle(provider), keyVariable(provider)));
}

template <class Job, class Done>
void run(Job *job, Provider provider, QObject *context, Done done)
{
    job->setKey(entryName(provider));
    job->setAutoDelete(true);
    // The context as receiver: the callback is dropped if the context is gone.
    QObject::connect(job, &QKeychain::Job::finished, context, [job, done] { done(*job); });
    job->start();
}

} // namespace

void readKeychainKey(Provider provider, QObject *context, std::function<void(const Result<QString> &)> done)
{
    run(new QKeychain::ReadPasswordJob(kService), provider, context, [done, provider](const QKeychain::Job &job) {
        if (job.error() == QKeychain::EntryNotFound)
            done(QString());
        else if (job.error() != QKeychain::NoError)
            done(keychainError(job, provider));
        else
            done(static_cast<const QKeychain::ReadPasswordJob &>(job).textData());
    });
}

void writeKeychainKey(Provider provider, const QString &key, QObject *context, std::function<void(const Status &)> done)
{
    auto *job = new QKeychain::WritePasswordJob(kService);
    job->setTextData(key);
    run(job, provider, context, [done, provider](const QKeychain::Job &finished) {
        done(finished.error() == QKeychain::NoError ? Status() : Status(keychainError(finished, provider)));
    });
}

void deleteKeychainKey(Provider provider, QObject *context, std::function<void(const Status &)> done)
{
    run(new QKeychain::DeletePasswordJob(kService), provider, context, [done, provider](const QKeychain::Job &job) {
        const bool gone = job.error() == QKeychain::NoError || job.error() == QKeychain::EntryNotFound;
        done(gone ? Status() : Status(keychainError(job, provider)));
    });
}

Result<QString> adminKeyNow(Provider provider)
{
    const QByteArray variable = keyVariable(provider).toLatin1();
    if (!qEnvironmentVariableIsEmpty(variable.constData()))
        return qEnvironmentVariable(variable.constData());
    QEventLoop loop;
    Result<QString> key = QString();
    readKeychainKey(provider, &loop, [&](const Result<QString> &read) {
        key = read;
        loop.quit();
    });
    loop.exec();
    return key;
}

} // namespace CostGov::Billing

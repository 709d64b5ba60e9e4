#include "testsupport.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

namespace CostGov::Test {

QString dataPath(const QString &relative)
{
    return QDir(QStringLiteral(COSTGOV_TEST_DATA)).filePath(relative);
}

QByteArray readData(const QString &relative)
{
    QFile file(dataPath(relative));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("missing test data %s", qPrintable(relative));
    return file.readAll();
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

Storage::SpendReport report(Storage::Ledger &ledger, QVector<Storage::Dimension> groupBy,
                            QVector<Storage::SpendFilter> filters)
{
    Storage::SpendQuery query;
    query.groupBy = groupBy;
    query.filters = filters;
    auto result = Storage::runSpendQuery(ledger, query);
    if (!result.ok())
        qFatal("%s", qPrintable(result.error().message));
    return *result;
}

Nano usd(const char *decimal)
{
    const auto value = parseUsd(decimal);
    if (!value)
        qFatal("bad USD literal %s", decimal);
    return *value;
}

TempDir::TempDir()
{
    if (!m_dir.isValid())
        qFatal("cannot create a temporary folder");
}

QString TempDir::write(const QString &name, const QByteArray &bytes) const
{
    const QString path = file(name);
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(bytes) != bytes.size())
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

// The bundled feed with claude-sonnet-4-5's input at $2.50 and one model added.
QByteArray changedBundledCatalog()
{
    QFile bundled(QStringLiteral(":/costgov/prices/genai-prices.json"));
    if (!bundled.open(QIODevice::ReadOnly))
        qFatal("no bundled catalog");
    QJsonArray providers = QJsonDocument::fromJson(bundled.readAll()).array();
    for (qsizetype p = 0; p < providers.size(); ++p) {
        QJsonObject provider = providers[p].toObject();
        if (provider[QStringLiteral("id")].toString() != QLatin1String("anthropic"))
            continue;
        QJsonArray models = provider[QStringLiteral("models")].toArray();
        for (qsizetype m = 0; m < models.size(); ++m) {
            QJsonObject model = models[m].toObject();
            if (model[QStringLiteral("id")].toString() != QLatin1String("claude-sonnet-4-5"))
                continue;
            QJsonObject prices = model[QStringLiteral("prices")].toObject();
            prices[QStringLiteral("input_mtok")] = 2.5;
            model[QStringLiteral("prices")] = prices;
            models[m] = model;
        }
        models.append(QJsonObject{
            {QStringLiteral("id"), QStringLiteral("claude-opus-9")},
            {QStringLiteral("match"), QJsonObject{{QStringLiteral("equals"), QStringLiteral("claude-opus-9")}}},
            {QStringLiteral("prices"),
             QJsonObject{{QStringLiteral("input_mtok"), 4}, {QStringLiteral("output_mtok"), 20}}}});
        provider[QStringLiteral("models")] = models;
        providers[p] = provider;
    }
    return QJsonDocument(providers).toJson(QJsonDocument::Compact);
}

CtlRun runCtl(const QStringList &arguments, int timeoutMs)
{
    QProcess process;
    process.start(QStringLiteral(COSTGOV_CTL), arguments);
    CtlRun run;
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        run.err = "timed out";
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

CtlRun runCtlServing(const QStringList &arguments)
{
    QProcess process;
    process.start(QStringLiteral(COSTGOV_CTL), arguments);
    CtlRun run;
    QDeadlineTimer deadline(60'000);
    while (!process.waitForFinished(20)) {
        if (deadline.hasExpired()) {
            process.kill();
            process.waitForFinished();
            run.err = "timed out";
            return run;
        }
        QCoreApplication::processEvents();
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

void useDisplayOrOffscreen()
{
    if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
}

} // namespace CostGov::Test

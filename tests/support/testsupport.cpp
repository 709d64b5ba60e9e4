#include "testsupport.h"

#include <QDir>
#include <QFile>
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

void useDisplayOrOffscreen()
{
    if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
}

} // namespace CostGov::Test

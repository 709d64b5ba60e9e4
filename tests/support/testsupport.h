#pragma once

#include "common/money.h"
#include "storage/spendquery.h"

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

namespace CostGov::Test {

/// A file under tests/data.
QString dataPath(const QString &relative);
QByteArray readData(const QString &relative);
/// The whole of a file (empty when it cannot be read).
QByteArray readFile(const QString &path);

/// A spend report over all days; fails the test when the query fails.
Storage::SpendReport report(Storage::Ledger &ledger, QVector<Storage::Dimension> groupBy,
                            QVector<Storage::SpendFilter> filters = {});

/// Nano-USD of an exact decimal USD text; fails the test on bad text.
Nano usd(const char *decimal);

/// A fresh folder for one test, removed afterwards.
class TempDir {
public:
    TempDir();
    QString path() const { return m_dir.path(); }
    QString file(const QString &name) const { return m_dir.filePath(name); }
    /// Writes bytes to a file in the folder and returns its path.
    QString write(const QString &name, const QByteArray &bytes) const;
    QString ledgerPath() const { return file(QStringLiteral("ledger.sqlite")); }

private:
    QTemporaryDir m_dir;
};

/// What a costgovctl run printed and returned.
struct CtlRun {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

/// For GUI tests, before the application starts: a real X display when there is one (packaging/dev.sh
/// test starts Xvfb and trayer), else the offscreen platform.
void useDisplayOrOffscreen();

/// The bundled genai-prices catalog with claude-sonnet-4-5's input at $2.50 and claude-opus-9 added.
QByteArray changedBundledCatalog();

/// Runs the built costgovctl with arguments and waits for it.
CtlRun runCtl(const QStringList &arguments, int timeoutMs = 60000);
/// The same while this process's event loop keeps running (a fake server here answers it).
CtlRun runCtlServing(const QStringList &arguments);

} // namespace CostGov::Test

#include "requestlog.h"

#include "common/logging.h"
#include "common/timeutil.h"
#include "ingest/canonicalwriter.h"
#include "ingest/elementreader.h"
#include "ingest/logreader.h"

#include <QDir>
#include <QFileInfo>

#include <unistd.h>

namespace CostGov::Gateway {

void RequestLog::write(qint64 nowMs, const UsageRecord &record)
{
    const QByteArray line = Ingest::canonicalLine(record);
    std::lock_guard lock(m_mutex);
    const qint64 day = utcDay(nowMs);
    if (!m_file.isOpen() || day != m_day || m_file.size() + line.size() > m_limits.partBytes) {
        m_file.close();
        if (day != m_day) {
            // The day's last part so far (after a restart, parts may exist already).
            m_day = day;
            m_part = 1;
            while (QFile::exists(partPath(m_part + 1)))
                ++m_part;
        }
        while (QFileInfo(partPath(m_part)).size() > 0
               && QFileInfo(partPath(m_part)).size() + line.size() > m_limits.partBytes)
            ++m_part;
        prune(day);
        if (!openPart())
            return;
    }
    m_file.write(line);
    m_file.flush();
}

bool RequestLog::openPart()
{
    m_file.setFileName(partPath(m_part));
    const QFileDevice::Permissions owner = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
    const QFileDevice::Permissions permissions = m_limits.groupId >= 0 ? owner | QFileDevice::ReadGroup : owner;
    // Created with these permissions, never readable by others in between.
    if (!m_file.open(QIODevice::Append, permissions)) {
        qCWarning(lcGateway, "cannot write %s: %s", qPrintable(m_file.fileName()), qPrintable(m_file.errorString()));
        return false;
    }
    if (m_limits.groupId >= 0 && ::fchown(m_file.handle(), uid_t(-1), gid_t(m_limits.groupId)) != 0)
        qCWarning(lcGateway, "cannot give %s to the log group", qPrintable(m_file.fileName()));
    return true;
}

void RequestLog::prune(qint64 today) const
{
    const QDir dir(m_dir);
    const QString oldestKept = QStringLiteral("requests-%1").arg(isoDate(today - m_limits.retentionDays + 1));
    const QString current = QFileInfo(partPath(m_part)).fileName();
    QFileInfoList files = dir.entryInfoList({QStringLiteral("requests-*.jsonl")}, QDir::Files, QDir::Name);
    qint64 total = 0;
    for (const QFileInfo &f : files)
        total += f.size();
    // Names sort by date and part: the oldest first. The part being written is never deleted.
    for (const QFileInfo &f : files) {
        if (f.fileName() == current)
            continue;
        if (f.fileName() < oldestKept || total > m_limits.totalBytes - m_limits.partBytes) {
            total -= f.size();
            QFile::remove(f.filePath());
        }
    }
}

void RequestLog::readSince(qint64 fromMs, const std::function<void(const UsageRecord &)> &onRecord) const
{
    const QString firstFile = QStringLiteral("requests-%1").arg(isoDate(utcDay(fromMs)));
    const QDir dir(m_dir);
    std::vector<UsageRecord> records;
    for (const QString &name : dir.entryList({QStringLiteral("requests-*.jsonl")}, QDir::Files, QDir::Name)) {
        if (name < firstFile)
            continue;
        QFile file(dir.filePath(name));
        if (!file.open(QIODevice::ReadOnly))
            continue;
        Ingest::ElementReader elements(&file, Ingest::Framing::Lines, 0, 0);
        const auto reader = Ingest::createReader(Ingest::Format::Canonical, Ingest::Framing::Lines);
        Ingest::Element element;
        while (elements.next(element)) {
            records.clear();
            Ingest::parseElement(*reader, element, records); // a torn or foreign line counts nothing
            for (const UsageRecord &r : records)
                if (r.tsMs >= fromMs)
                    onRecord(r);
        }
    }
}

QString RequestLog::partPath(int part) const
{
    return QDir(m_dir).filePath(
        QStringLiteral("requests-%1-%2.jsonl").arg(isoDate(m_day)).arg(part, 3, 10, QLatin1Char('0')));
}

} // namespace CostGov::Gateway

#include "requestlog.h"

#include "common/logging.h"
#include "common/timeutil.h"
#include "ingest/canonicalwriter.h"
#include "ingest/elementreader.h"
#include "ingest/logreader.h"

#include <QDir>
#include <QFileInfo>

namespace CostGov::Gateway {

void RequestLog::write(qint64 nowMs, const UsageRecord &record)
{
    const QByteArray line = Ingest::canonicalLine(record);
    std::lock_guard lock(m_mutex);
    const qint64 day = utcDay(nowMs);
    if (!m_file.isOpen() || day != m_day || m_file.size() + line.size() > m_maxBytes) {
        m_file.close();
        if (day != m_day) {
            // The day's last part so far (after a restart, parts may exist already).
            m_day = day;
            m_part = 1;
            while (QFile::exists(partPath(m_part + 1)))
                ++m_part;
        }
        while (QFileInfo(partPath(m_part)).size() > 0 && QFileInfo(partPath(m_part)).size() + line.size() > m_maxBytes)
            ++m_part;
        m_file.setFileName(partPath(m_part));
        if (!m_file.open(QIODevice::Append)) {
            qCWarning(lcGateway, "cannot write %s: %s", qPrintable(m_file.fileName()),
                      qPrintable(m_file.errorString()));
            return;
        }
    }
    m_file.write(line);
    m_file.flush();
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

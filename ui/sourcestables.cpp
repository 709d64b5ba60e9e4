#include "sourcestables.h"

#include "background.h"
#include "readonlytable.h"

#include "common/timeutil.h"
#include "storage/ledgerqueries.h"

#include <QHeaderView>
#include <QLocale>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QTableWidget>

namespace CostGov::Ui {

namespace {

void setRow(QTableWidget *t, int row, const QStringList &cells, int numbersFrom)
{
    for (int c = 0; c < int(cells.size()); ++c) {
        auto *item = new QTableWidgetItem(cells[c]);
        if (c >= numbersFrom)
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        t->setItem(row, c, item);
    }
}

struct Record {
    QVector<Storage::ImportRun> runs;
    QVector<Storage::QuarantinedLine> quarantine;
};

} // namespace

SourcesTables::SourcesTables(const QString &ledgerPath, QWidget *parent)
    : QTabWidget(parent),
      m_ledgerPath(ledgerPath),
      m_log(new QPlainTextEdit),
      m_history(readOnlyTable(QStringLiteral("importHistory"),
                              {tr("Started"), tr("Status"), tr("Source"), tr("Paths"), tr("Lines"), tr("Imported"),
                               tr("Duplicates"), tr("Quarantined")})),
      m_quarantine(readOnlyTable(QStringLiteral("quarantineTable"), {tr("File"), tr("Line"), tr("Reason")})),
      m_raw(new QPlainTextEdit)
{
    m_log->setObjectName(QStringLiteral("importLog"));
    m_log->setReadOnly(true);
    m_log->setPlaceholderText(tr("Import summaries appear here."));
    m_history->horizontalHeader()->setSectionResizeMode(3, QHeaderView::Stretch);
    m_history->horizontalHeader()->setStretchLastSection(false);
    m_raw->setObjectName(QStringLiteral("quarantineRaw"));
    m_raw->setReadOnly(true);
    m_raw->setPlaceholderText(tr("Select a line to see it as it was read."));
    auto *split = new QSplitter(Qt::Vertical);
    split->addWidget(m_quarantine);
    split->addWidget(m_raw);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    addTab(m_log, tr("Log"));
    addTab(m_history, tr("History"));
    addTab(split, tr("Quarantine"));
    setCurrentWidget(m_history); // the log fills once something is imported in this session
    connect(m_quarantine, &QTableWidget::currentCellChanged, this, [this](int row) {
        m_raw->setPlainText(row >= 0 && row < m_rawLines.size() ? QString::fromUtf8(m_rawLines[row]) : QString());
    });
}

void SourcesTables::refresh()
{
    const int ticket = m_latest.next();
    inBackground(
        this, m_ledgerPath,
        [](Storage::Ledger &ledger) -> Result<Record> {
            Record record;
            auto runs = Storage::listImports(ledger, 200);
            if (!runs.ok())
                return runs.error();
            auto quarantine = Storage::listQuarantine(ledger, 5000);
            if (!quarantine.ok())
                return quarantine.error();
            record.runs = *runs;
            record.quarantine = *quarantine;
            return record;
        },
        [this, ticket](const Result<Record> &record) {
            if (!m_latest.isCurrent(ticket))
                return;
            if (!record.ok())
                m_log->appendPlainText(tr("The import history cannot be read: %1").arg(record.error().message));
            if (record.ok()) {
                const QLocale locale;
                m_history->setRowCount(int(record->runs.size()));
                for (int r = 0; r < int(record->runs.size()); ++r) {
                    const Storage::ImportRun &run = record->runs[r];
                    const Storage::ImportCounters &c = run.counters;
                    setRow(m_history, r,
                           {isoTimestamp(run.startedMs).left(19).replace(QLatin1Char('T'), QLatin1Char(' ')),
                            run.status, run.source, run.paths.join(QStringLiteral(", ")), locale.toString(c.lines),
                            locale.toString(c.imported), locale.toString(c.duplicates), locale.toString(c.quarantined)},
                           4);
                }
                m_quarantine->setRowCount(int(record->quarantine.size()));
                m_rawLines.clear();
                for (int r = 0; r < int(record->quarantine.size()); ++r) {
                    const Storage::QuarantinedLine &q = record->quarantine[r];
                    setRow(m_quarantine, r, {q.path, locale.toString(q.line), q.reason}, 1);
                    m_rawLines.append(q.raw);
                }
                setTabText(2, tr("Quarantine (%1)").arg(locale.toString(record->quarantine.size())));
            }
            emit refreshed();
        });
}

} // namespace CostGov::Ui

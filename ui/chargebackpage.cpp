#include "chargebackpage.h"

#include "readonlytable.h"

#include "chargeback/statementpdf.h"
#include "common/money.h"
#include "common/timeutil.h"
#include "storage/ledger.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHorizontalBarSeries>
#include <QInputDialog>
#include <QLabel>
#include <QMap>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>
#include <QValueAxis>

namespace CostGov::Ui {

namespace {

// The options with what the chosen files add (the same files costgovctl reads).
Result<Chargeback::Options> withFiles(Chargeback::Options o, const QString &fixed, const QString &centres)
{
    if (!fixed.isEmpty())
        if (const Status read = Chargeback::readFixedPercent(fixed, o); !read.ok())
            return read.error();
    if (!centres.isEmpty())
        if (const Status read = Chargeback::readCentres(centres, o); !read.ok())
            return read.error();
    return o;
}

QString usd(qint64 cents)
{
    return QStringLiteral("$") + Chargeback::centsText(cents);
}

} // namespace

ChargebackPage::ChargebackPage(const QString &ledgerPath, const Clock &clock, QWidget *parent)
    : QWidget(parent), m_ledgerPath(ledgerPath), m_clock(clock)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *bar = new QHBoxLayout;
    m_month = new QComboBox;
    m_month->setObjectName(QStringLiteral("chargebackMonth"));
    const qint64 today = utcDay(m_clock.nowMs());
    for (qint64 first = today - (civilFromDays(today).day - 1), i = 0; i < 13; ++i) {
        m_month->addItem(isoMonth(monthKey(first)), first);
        const qint64 last = first - 1;
        first = last - (civilFromDays(last).day - 1);
    }
    m_month->setCurrentIndex(1); // last month: the one being closed
    m_by = new QComboBox;
    for (const auto d : {Storage::Dimension::Team, Storage::Dimension::Feature, Storage::Dimension::Project,
                         Storage::Dimension::Environment})
        m_by->addItem(Storage::dimensionName(d), Storage::dimensionName(d));
    m_shared = new QComboBox;
    m_shared->setObjectName(QStringLiteral("chargebackShared"));
    m_shared->addItem(tr("Proportional to direct spend"), int(Chargeback::SharedRule::Proportional));
    m_shared->addItem(tr("Evenly"), int(Chargeback::SharedRule::Even));
    m_shared->addItem(tr("Fixed percentages from a file..."), int(Chargeback::SharedRule::Fixed));
    m_shared->addItem(tr("Not split (an Unallocated line)"), int(Chargeback::SharedRule::None));
    auto label = [](const QString &text, QWidget *buddy) {
        auto *l = new QLabel(text);
        l->setBuddy(buddy);
        return l;
    };
    bar->addWidget(label(tr("&Month:"), m_month));
    bar->addWidget(m_month);
    bar->addWidget(label(tr("Cost centre &by:"), m_by));
    bar->addWidget(m_by);
    bar->addWidget(label(tr("S&hared cost:"), m_shared));
    bar->addWidget(m_shared);
    auto *centres = new QPushButton(tr("Cost Centres..."));
    centres->setToolTip(tr("Map values to cost centres and owners from a CSV file (value,cost centre,owner e-mail). "
                           "Cancel the file dialog to map nothing."));
    connect(centres, &QPushButton::clicked, this, [this, centres] {
        m_centresFile = QFileDialog::getOpenFileName(this, tr("Cost Centres"), QString(),
                                                     tr("CSV (value,cost centre,owner) (*.csv *.txt)"));
        centres->setText(m_centresFile.isEmpty() ? tr("Cost Centres...")
                                                 : tr("Cost Centres: %1").arg(QFileInfo(m_centresFile).fileName()));
        refresh();
    });
    bar->addWidget(centres);
    bar->addStretch(1);
    layout->addLayout(bar);
    connect(m_month, &QComboBox::currentIndexChanged, this, &ChargebackPage::refresh);
    connect(m_by, &QComboBox::currentIndexChanged, this, &ChargebackPage::refresh);
    connect(m_shared, &QComboBox::activated, this, [this] {
        if (Chargeback::SharedRule(m_shared->currentData().toInt()) == Chargeback::SharedRule::Fixed) {
            const QString file = QFileDialog::getOpenFileName(this, tr("Fixed Percentages"), QString(),
                                                              tr("CSV (cost centre,percent) (*.csv *.txt)"));
            if (file.isEmpty()) {
                m_shared->setCurrentIndex(0);
            } else {
                m_fixedFile = file;
            }
        }
        refresh();
    });

    // The line that proves the statement adds up.
    m_check = new QLabel;
    m_check->setObjectName(QStringLiteral("chargebackCheck"));
    m_check->setWordWrap(true);
    layout->addWidget(m_check);

    auto *split = new QSplitter;
    m_lines = readOnlyTable(QStringLiteral("chargebackLines"),
                            {tr("Cost centre"), tr("Provider"), tr("Model"), tr("Basis"), tr("Requests"), tr("Tokens"),
                             tr("Amount"), tr("Share")});
    split->addWidget(m_lines);
    m_chart = new QChartView;
    m_chart->setMinimumWidth(320);
    m_chart->chart()->setMargins(QMargins(4, 4, 4, 4));
    m_chart->chart()->legend()->hide();
    split->addWidget(m_chart);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    layout->addWidget(split, 1);

    auto *buttons = new QHBoxLayout;
    auto exportButton = [this](const QString &text, const QString &format) {
        auto *b = new QPushButton(text);
        connect(b, &QPushButton::clicked, this, [this, format] {
            const QString month = isoMonth(monthKey(m_statement.month.from));
            QString path;
            if (format == QLatin1String("pdf")) {
                path = QFileDialog::getExistingDirectory(this, tr("Folder for the PDF Statements"));
            } else {
                path = QFileDialog::getSaveFileName(
                    this, tr("Export"),
                    QDir::home().filePath(
                        QStringLiteral("chargeback-%1%2.csv")
                            .arg(month, format == QLatin1String("focus") ? QStringLiteral("-focus") : QString())),
                    tr("CSV (*.csv)"));
            }
            if (path.isEmpty())
                return;
            const Status done = exportTo(path, format);
            m_status->setText(done.ok() ? tr("Exported to %1.").arg(path) : done.error().message);
        });
        return b;
    };
    buttons->addWidget(exportButton(tr("Export &CSV..."), QStringLiteral("csv")));
    buttons->addWidget(exportButton(tr("Export &FOCUS..."), QStringLiteral("focus")));
    buttons->addWidget(exportButton(tr("Export &PDFs..."), QStringLiteral("pdf")));
    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("chargebackStatus"));
    buttons->addWidget(m_status, 1);
    m_close = new QPushButton(tr("C&lose Month..."));
    m_close->setObjectName(QStringLiteral("closeMonth"));
    connect(m_close, &QPushButton::clicked, this, [this] {
        const auto answer = QMessageBox::question(
            this, tr("Close Month"),
            tr("Close %1? Its statement stays as issued; data that arrives later for it becomes adjustments in the "
               "next open month.")
                .arg(m_month->currentText()));
        if (answer == QMessageBox::Yes)
            closeMonth();
    });
    m_reopen = new QPushButton(tr("&Re-open Month..."));
    connect(m_reopen, &QPushButton::clicked, this, [this] {
        bool ok = false;
        const QString reason = QInputDialog::getText(this, tr("Re-open Month"),
                                                     tr("Why is %1 re-opened? (recorded)").arg(m_month->currentText()),
                                                     QLineEdit::Normal, QString(), &ok);
        if (ok && !reason.trimmed().isEmpty())
            reopenMonth(reason);
    });
    buttons->addWidget(m_close);
    buttons->addWidget(m_reopen);
    layout->addLayout(buttons);
}

Chargeback::Options ChargebackPage::options() const
{
    Chargeback::Options o;
    const qint64 first = m_month->currentData().toLongLong();
    o.month = {first, first + daysInMonth(first) - 1};
    o.by = *Storage::dimensionFromName(m_by->currentData().toString());
    o.shared = Chargeback::SharedRule(m_shared->currentData().toInt());
    return o;
}

void ChargebackPage::refresh()
{
    Chargeback::Options o = options();
    const QString fixed = o.shared == Chargeback::SharedRule::Fixed ? m_fixedFile : QString();
    const int ticket = m_latest.next();
    inBackground(
        this, m_ledgerPath,
        [o, fixed, centres = m_centresFile](Storage::Ledger &ledger) -> Result<Chargeback::Statement> {
            const auto options = withFiles(o, fixed, centres);
            if (!options.ok())
                return options.error();
            return Chargeback::allocate(ledger, *options);
        },
        [this, ticket](const Result<Chargeback::Statement> &result) {
            if (!m_latest.isCurrent(ticket))
                return;
            if (result.ok()) {
                m_statement = *result;
                display();
            } else {
                m_check->setText(result.error().message);
            }
            emit refreshed();
        });
}

void ChargebackPage::display()
{
    const Chargeback::Statement &s = m_statement;
    qint64 sum = 0;
    m_lines->setRowCount(int(s.lines.size()));
    QMap<QString, qint64> byCentre;
    for (int row = 0; row < s.lines.size(); ++row) {
        const Chargeback::Line &l = s.lines[row];
        sum += l.cents;
        byCentre[l.costCentre] += l.cents;
        const double share = s.totalCents == 0 ? 0.0 : double(l.cents) * 100.0 / double(s.totalCents);
        const QString cells[] = {l.costCentre,
                                 l.provider,
                                 l.model,
                                 l.basis,
                                 QLocale().toString(l.requests),
                                 QLocale().toString(l.tokens),
                                 usd(l.cents),
                                 QStringLiteral("%1 %").arg(QLocale().toString(share, 'f', 1))};
        for (int c = 0; c < 8; ++c) {
            auto *item = new QTableWidgetItem(cells[c]);
            item->setToolTip(c == 3 ? l.detail : cells[c]);
            if (c >= 4)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_lines->setItem(row, c, item);
        }
    }
    // What the period cost (bills, and metered cost where there is none) to the cent, plus the
    // adjustments for closed months: the lines must add up to exactly that.
    qint64 adjustments = 0;
    for (const Chargeback::Line &l : s.lines)
        if (l.basis == QLatin1String("adjustment"))
            adjustments += l.cents;
    const qint64 expected = Chargeback::centsOf(s.billedNano + s.meteredNano) + adjustments;
    const qint64 difference = sum - expected;
    QString check = tr("Allocated %1 = period total %2 (billed %3, metered where no bill %4): difference %5.")
                        .arg(usd(sum), usd(expected), QStringLiteral("$") + usdFixed(s.billedNano, 2),
                             QStringLiteral("$") + usdFixed(s.meteredNano, 2), usd(difference));
    if (s.issued)
        check += QLatin1Char(' ')
            + tr("Closed %1: shown as issued.")
                  .arg(QLocale().toString(QDateTime::fromMSecsSinceEpoch(s.closedMs), QLocale::ShortFormat));
    if (s.unpricedRequests > 0)
        check += QLatin1Char(' ') + tr("%1 requests have no price and are not included.").arg(s.unpricedRequests);
    m_check->setText(check);
    m_check->setStyleSheet(difference == 0 ? QStringLiteral("color: #2e7d5b;") : QStringLiteral("color: #d9483b;"));
    m_close->setEnabled(!s.issued);
    m_reopen->setEnabled(s.issued);

    // Cost centres as bars, largest on top.
    QChart *chart = m_chart->chart();
    chart->removeAllSeries();
    for (QAbstractAxis *axis : chart->axes())
        chart->removeAxis(axis);
    QVector<std::pair<QString, qint64>> centres(byCentre.keyValueBegin(), byCentre.keyValueEnd());
    std::sort(centres.begin(), centres.end(), [](const auto &a, const auto &b) { return a.second < b.second; });
    auto *set = new QBarSet(tr("Amount"));
    set->setColor(QColor(0x2e, 0x7d, 0x5b));
    set->setLabelColor(palette().color(QPalette::WindowText)); // labels sit right of the bars
    QStringList names;
    for (const auto &[name, cents] : centres) {
        names.append(name);
        *set << double(cents) / 100.0;
    }
    auto *series = new QHorizontalBarSeries;
    series->append(set);
    series->setLabelsVisible(true);
    series->setLabelsFormat(QStringLiteral("$@value"));
    series->setLabelsPosition(QAbstractBarSeries::LabelsOutsideEnd);
    series->setLabelsPrecision(9);
    chart->addSeries(series);
    auto *y = new QBarCategoryAxis;
    y->append(names);
    auto *x = new QValueAxis;
    x->setLabelFormat(QStringLiteral("$%.0f"));
    // Room right of the largest bar for its label; few ticks so their labels never meet.
    x->setRange(0, centres.isEmpty() ? 1.0 : double(centres.last().second) / 100.0 * 1.35);
    x->setTickCount(3);
    chart->addAxis(y, Qt::AlignLeft);
    chart->addAxis(x, Qt::AlignBottom);
    series->attachAxis(y);
    series->attachAxis(x);
    chart->setTitle(tr("%1 by %2").arg(m_month->currentText(), s.by));
}

Status ChargebackPage::exportTo(const QString &path, const QString &format)
{
    if (format == QLatin1String("pdf")) {
        QMap<QString, bool> centres;
        for (const Chargeback::Line &l : m_statement.lines)
            centres.insert(l.costCentre, true);
        for (auto it = centres.cbegin(); it != centres.cend(); ++it) {
            const QString file =
                QDir(path).filePath(Chargeback::statementFileName(m_statement, it.key(), QStringLiteral("pdf")));
            if (const Status s = Chargeback::writeExport(file, Chargeback::statementPdf(m_statement, it.key()));
                !s.ok())
                return s;
        }
        return {};
    }
    return Chargeback::writeExport(path,
                                   format == QLatin1String("focus")
                                       ? Chargeback::focusCsv(m_statement, QStringLiteral("organization"))
                                       : Chargeback::statementCsv(m_statement, true));
}

void ChargebackPage::closeMonth()
{
    const Chargeback::Options o = options();
    const QString fixed = o.shared == Chargeback::SharedRule::Fixed ? m_fixedFile : QString();
    const qint64 now = m_clock.nowMs();
    inBackground(
        this, m_ledgerPath,
        [o, fixed, centres = m_centresFile, now](Storage::Ledger &ledger) -> Result<bool> {
            const auto options = withFiles(o, fixed, centres); // the statement issued is the one shown
            if (!options.ok())
                return options.error();
            const Status s = Chargeback::closePeriod(ledger, *options, now);
            if (!s.ok())
                return s.error();
            return true;
        },
        [this](const Result<bool> &done) {
            m_status->setText(done.ok() ? tr("%1 closed.").arg(m_month->currentText()) : done.error().message);
            refresh();
        });
}

void ChargebackPage::reopenMonth(const QString &reason)
{
    const qint64 first = m_month->currentData().toLongLong();
    const qint64 now = m_clock.nowMs();
    inBackground(
        this, m_ledgerPath,
        [first, reason, now](Storage::Ledger &ledger) -> Result<bool> {
            const Status s = Chargeback::reopenPeriod(ledger, first, reason, now);
            if (!s.ok())
                return s.error();
            return true;
        },
        [this](const Result<bool> &done) {
            m_status->setText(done.ok() ? tr("%1 re-opened.").arg(m_month->currentText()) : done.error().message);
            refresh();
        });
}

} // namespace CostGov::Ui

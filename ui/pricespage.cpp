#include "pricespage.h"

#include "background.h"
#include "readonlytable.h"

#include "common/clock.h"
#include "common/money.h"
#include "common/timeutil.h"
#include "storage/ledgerqueries.h"
#include "storage/pricestore.h"
#include "storage/repricer.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace CostGov::Ui {

namespace {

QString perMillion(const std::optional<Pricing::PicoPerToken> &price)
{
    return price ? QLatin1Char('$') + scaledDecimalText(*price, 6) : QString();
}

struct Catalog {
    QVector<Storage::UnpricedModel> unpriced;
    QVector<Pricing::PriceEntry> entries;
};

} // namespace

PricesPage::PricesPage(const QString &ledgerPath, const Clock &clock, QWidget *parent)
    : QWidget(parent),
      m_ledgerPath(ledgerPath),
      m_clock(clock),
      m_unpriced(readOnlyTable(QStringLiteral("unpricedModels"), {tr("Model"), tr("Provider"), tr("Requests")})),
      m_addPrice(new QPushButton(tr("&Add Price..."))),
      m_result(new QLabel),
      m_filter(new QLineEdit),
      m_catalog(readOnlyTable(QStringLiteral("priceCatalog"),
                              {tr("Model"), tr("Provider"), tr("From"), tr("Input"), tr("Output"), tr("Cache read"),
                               tr("Cache write 5 min"), tr("Cache write 1 h"), tr("Source")}))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new QLabel(tr("<b>Models without a price</b> (their requests are not in any total)")));
    m_unpriced->setMaximumHeight(160);
    m_unpriced->horizontalHeader()->setStretchLastSection(false);
    m_unpriced->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    layout->addWidget(m_unpriced);
    auto *actions = new QHBoxLayout;
    m_addPrice->setObjectName(QStringLiteral("addPrice"));
    m_addPrice->setEnabled(false);
    actions->addWidget(m_addPrice);
    m_result->setObjectName(QStringLiteral("repriceResult"));
    m_result->setWordWrap(true);
    actions->addWidget(m_result, 1);
    layout->addLayout(actions);
    layout->addWidget(new QLabel(tr("<b>Price catalog</b> (USD per million tokens; a price applies from its "
                                    "date until the next one)")));
    m_filter->setPlaceholderText(tr("Filter models"));
    m_filter->setClearButtonEnabled(true);
    layout->addWidget(m_filter);
    layout->addWidget(m_catalog, 1);
    for (int c = 3; c <= 7; ++c)
        m_catalog->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);

    connect(m_unpriced, &QTableWidget::itemSelectionChanged, this,
            [this] { m_addPrice->setEnabled(!m_unpriced->selectedItems().isEmpty()); });
    connect(m_addPrice, &QPushButton::clicked, this, &PricesPage::askForPrice);
    connect(m_filter, &QLineEdit::textChanged, this, &PricesPage::applyFilter);
}

void PricesPage::refresh()
{
    const int ticket = m_latest.next();
    inBackground(
        this, m_ledgerPath,
        [](Storage::Ledger &ledger) -> Result<Catalog> {
            Catalog catalog;
            auto unpriced = Storage::unpricedModels(ledger);
            if (!unpriced.ok())
                return unpriced.error();
            auto prices = Storage::loadPriceCatalog(ledger);
            if (!prices.ok())
                return prices.error();
            catalog.unpriced = *unpriced;
            catalog.entries = prices->entries();
            return catalog;
        },
        [this, ticket](const Result<Catalog> &catalog) {
            if (!m_latest.isCurrent(ticket))
                return;
            if (!catalog.ok())
                m_result->setText(tr("The catalog cannot be read: %1").arg(catalog.error().message));
            if (catalog.ok()) {
                const QLocale locale;
                m_unpriced->setRowCount(int(catalog->unpriced.size()));
                for (int r = 0; r < int(catalog->unpriced.size()); ++r) {
                    const Storage::UnpricedModel &m = catalog->unpriced[r];
                    m_unpriced->setItem(r, 0, new QTableWidgetItem(m.model));
                    m_unpriced->setItem(r, 1, new QTableWidgetItem(m.provider));
                    auto *count = new QTableWidgetItem(locale.toString(m.requests));
                    count->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
                    m_unpriced->setItem(r, 2, count);
                }
                QVector<Pricing::PriceEntry> entries = catalog->entries;
                std::sort(entries.begin(), entries.end(), [](const auto &a, const auto &b) {
                    return a.model != b.model ? a.model < b.model : a.effectiveFromMs < b.effectiveFromMs;
                });
                m_catalog->setRowCount(int(entries.size()));
                for (int r = 0; r < int(entries.size()); ++r) {
                    const Pricing::PriceEntry &e = entries[r];
                    const Pricing::TokenPrices &p = e.prices;
                    const QStringList cells{e.model,
                                            e.provider,
                                            e.effectiveFromMs == 0 ? tr("always") : isoDate(utcDay(e.effectiveFromMs)),
                                            perMillion(p.input),
                                            perMillion(p.output),
                                            perMillion(p.cacheRead),
                                            perMillion(p.cacheWrite5m),
                                            perMillion(p.cacheWrite1h),
                                            e.source};
                    for (int c = 0; c < int(cells.size()); ++c) {
                        auto *item = new QTableWidgetItem(cells[c]);
                        if (c >= 3 && c <= 7)
                            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
                        m_catalog->setItem(r, c, item);
                    }
                }
            }
            applyFilter();
            emit refreshed();
        });
}

void PricesPage::applyFilter()
{
    const QString text = m_filter->text();
    for (int r = 0; r < m_catalog->rowCount(); ++r)
        m_catalog->setRowHidden(r, !m_catalog->item(r, 0)->text().contains(text, Qt::CaseInsensitive));
}

void PricesPage::askForPrice()
{
    const int row = m_unpriced->currentRow();
    if (row < 0)
        return;
    const QString model = m_unpriced->item(row, 0)->text();
    const QString provider = m_unpriced->item(row, 1)->text();
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Add a Price for %1").arg(model));
    auto *form = new QFormLayout(&dialog);
    form->addRow(new QLabel(tr("USD per million tokens. The price applies to all of this model's requests, "
                               "past and future.")));
    QLineEdit *fields[4];
    const QString labels[] = {tr("&Input:"), tr("&Output:"), tr("Cache &read:"), tr("Cache &write:")};
    for (int i = 0; i < 4; ++i) {
        fields[i] = new QLineEdit;
        fields[i]->setPlaceholderText(i < 2 ? tr("required, e.g. 2.50") : tr("optional"));
        form->addRow(labels[i], fields[i]);
    }
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    Pricing::TokenPrices prices;
    connect(buttons, &QDialogButtonBox::accepted, &dialog, [&] {
        std::optional<Pricing::PicoPerToken> *targets[] = {&prices.input, &prices.output, &prices.cacheRead,
                                                           &prices.cacheWrite5m};
        for (int i = 0; i < 4; ++i) {
            const QString text = fields[i]->text().trimmed();
            if (text.isEmpty() && i >= 2)
                continue;
            const auto value = parseScaledDecimal(text.toStdString(), 6); // pico-USD per token
            if (!value || *value < 0) {
                QMessageBox::warning(
                    &dialog, tr("Not a Price"),
                    tr("%1 needs an amount in USD like 2.50.").arg(QString(labels[i]).remove(QLatin1Char('&'))));
                fields[i]->setFocus();
                return;
            }
            *targets[i] = *value;
        }
        dialog.accept();
    });
    if (dialog.exec() == QDialog::Accepted)
        addPrice(model, provider, prices);
}

void PricesPage::addPrice(const QString &model, const QString &provider, const Pricing::TokenPrices &prices)
{
    m_addPrice->setEnabled(false);
    m_result->setText(tr("Re-rating history..."));
    Pricing::PriceEntry entry;
    entry.model = model;
    entry.provider = provider;
    entry.prices = prices;
    entry.source = QStringLiteral("manual");
    inBackground(
        this, m_ledgerPath,
        [entry, clock = &m_clock](Storage::Ledger &ledger) -> Result<Storage::RepriceReport> {
            const auto updated = Storage::updatePrices(ledger, {entry}, qint64(0), clock->nowMs()); // all of history
            if (!updated.ok())
                return updated.error();
            const auto catalog = Storage::loadPriceCatalog(ledger);
            if (!catalog.ok())
                return catalog.error();
            return Storage::repriceHistory(ledger, *catalog);
        },
        [this, model](const Result<Storage::RepriceReport> &report) {
            if (!report.ok()) {
                m_result->setText(tr("The price was not stored: %1").arg(report.error().message));
                refresh();
                return;
            }
            const QLocale locale;
            const QString summary = tr("%1 priced: %2 requests re-rated, spend %3$%4.")
                                        .arg(model, locale.toString(report->changed),
                                             report->delta >= 0 ? QStringLiteral("+") : QStringLiteral("-"),
                                             usdText(std::abs(report->delta)));
            m_result->setText(summary);
            emit pricesChanged(summary);
        });
}

} // namespace CostGov::Ui

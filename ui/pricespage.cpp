#include "pricespage.h"

#include "background.h"
#include "readonlytable.h"

#include "common/clock.h"
#include "common/money.h"
#include "common/timeutil.h"
#include "pricing/pricesource.h"
#include "storage/ledgerqueries.h"
#include "storage/pricestore.h"
#include "storage/repricer.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGuiApplication>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QPalette>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QTime>
#include <QVBoxLayout>

namespace CostGov::Ui {

namespace {

QString perMillion(const std::optional<Pricing::PicoPerToken> &price)
{
    return price ? QLatin1Char('$') + scaledDecimalText(*price, 6) : QString();
}

struct Catalog {
    QVector<Storage::UnpricedModel> unpriced;
    QVector<Pricing::CatalogRow> rows;
    QString feedSource;
    int feedModels = 0;
};

QString whenText(const Pricing::PriceCondition &c)
{
    if (c.startDay >= 0)
        return isoDate(c.startDay);
    if (c.startMsOfDay >= 0)
        return PricesPage::tr("%1-%2 UTC")
            .arg(QTime::fromMSecsSinceStartOfDay(int(c.startMsOfDay)).toString(QStringLiteral("HH:mm")),
                 QTime::fromMSecsSinceStartOfDay(int(c.endMsOfDay)).toString(QStringLiteral("HH:mm")));
    return PricesPage::tr("always");
}

QString tiersText(const Pricing::TokenPrices &p)
{
    QStringList parts;
    const QLocale locale;
    for (const Pricing::PriceTier &t : p.tiers)
        parts.append(PricesPage::tr("above %1: %2 / %3")
                         .arg(locale.toString(t.start), perMillion(t.input), perMillion(t.output)));
    return parts.join(QStringLiteral("; "));
}

QString layerText(Pricing::PriceLayer layer)
{
    switch (layer) {
    case Pricing::PriceLayer::Manual:
        return PricesPage::tr("set by hand");
    case Pricing::PriceLayer::Imported:
        return PricesPage::tr("imported");
    case Pricing::PriceLayer::Catalog:
        break;
    }
    return PricesPage::tr("catalog");
}

} // namespace

PricesPage::PricesPage(const QString &ledgerPath, const Clock &clock, QWidget *parent)
    : QWidget(parent),
      m_ledgerPath(ledgerPath),
      m_clock(clock),
      m_unpriced(readOnlyTable(QStringLiteral("unpricedModels"), {tr("Model"), tr("Provider"), tr("Requests")})),
      m_addPrice(new QPushButton(tr("&Add Price..."))),
      m_update(new QPushButton(tr("&Update Catalog..."))),
      m_cancelUpdate(new QPushButton(tr("Cancel"))),
      m_result(new QLabel),
      m_catalogSource(new QLabel),
      m_unpricedHeading(new QLabel),
      m_filter(new QLineEdit),
      m_catalog(readOnlyTable(QStringLiteral("priceCatalog"),
                              {tr("Model"), tr("Provider"), tr("From"), tr("Input"), tr("Output"), tr("Cache read"),
                               tr("Cache write 5 min"), tr("Cache write 1 h"), tr("Long context"), tr("Layer"),
                               tr("Source")}))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_unpricedHeading->setObjectName(QStringLiteral("unpricedHeading"));
    layout->addWidget(m_unpricedHeading);
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
    auto *catalogHeading = new QLabel(tr("<b>Price catalog</b> (USD per million tokens; a price applies from its "
                                         "date until the next one; set by hand wins over imported, imported over "
                                         "the catalog)"));
    catalogHeading->setWordWrap(true); // whole at 1024 pixels too
    layout->addWidget(catalogHeading);
    auto *catalogBar = new QHBoxLayout;
    m_catalogSource->setObjectName(QStringLiteral("catalogSource"));
    m_catalogSource->setWordWrap(true);
    m_catalogSource->setTextInteractionFlags(Qt::TextBrowserInteraction);
    m_catalogSource->setOpenExternalLinks(true);
    catalogBar->addWidget(m_catalogSource, 1);
    m_update->setObjectName(QStringLiteral("updateCatalog"));
    m_update->setToolTip(tr("Load a newer genai-prices catalog, see what changes, then apply it"));
    catalogBar->addWidget(m_update);
    m_cancelUpdate->setObjectName(QStringLiteral("cancelUpdate"));
    m_cancelUpdate->hide();
    catalogBar->addWidget(m_cancelUpdate);
    layout->addLayout(catalogBar);
    m_filter->setPlaceholderText(tr("Filter models"));
    m_filter->setClearButtonEnabled(true);
    layout->addWidget(m_filter);
    layout->addWidget(m_catalog, 1);
    // Prices sized to their contents; names and sources at a readable width (1,466 rows would
    // otherwise size the model column to its longest name), the full text in a tooltip.
    const std::pair<int, int> widths[] = {{0, 260}, {1, 120}, {2, 90}, {8, 150}, {9, 80}};
    for (const auto &[column, width] : widths) {
        m_catalog->horizontalHeader()->setSectionResizeMode(column, QHeaderView::Interactive);
        m_catalog->setColumnWidth(column, width);
    }

    connect(m_unpriced, &QTableWidget::itemSelectionChanged, this,
            [this] { m_addPrice->setEnabled(!m_unpriced->selectedItems().isEmpty()); });
    connect(m_addPrice, &QPushButton::clicked, this, &PricesPage::askForPrice);
    connect(m_update, &QPushButton::clicked, this, &PricesPage::askForUpdate);
    connect(m_cancelUpdate, &QPushButton::clicked, this, [this] {
        if (m_cancel)
            m_cancel->store(true);
    });
    connect(m_filter, &QLineEdit::textChanged, this, &PricesPage::applyFilter);
}

void PricesPage::refresh()
{
    const int ticket = m_latest.next();
    inBackground(
        this, m_ledgerPath,
        [clock = &m_clock](Storage::Ledger &ledger) -> Result<Catalog> {
            Catalog catalog;
            auto unpriced = Storage::unpricedModels(ledger);
            if (!unpriced.ok())
                return unpriced.error();
            auto prices = Storage::loadPriceCatalog(ledger);
            if (!prices.ok())
                return prices.error();
            catalog.unpriced = *unpriced;
            catalog.rows = Pricing::catalogRows(*prices, clock->nowMs(), false);
            if (const Pricing::PriceFeed *feed = prices->feed()) {
                catalog.feedSource = feed->source();
                catalog.feedModels = feed->modelCount();
            }
            return catalog;
        },
        [this, ticket](const Result<Catalog> &catalog) {
            if (!m_latest.isCurrent(ticket))
                return;
            if (!catalog.ok())
                m_result->setText(tr("The catalog cannot be read: %1").arg(catalog.error().message));
            if (catalog.ok()) {
                const QLocale locale;
                const bool unpriced = !catalog->unpriced.isEmpty();
                m_unpricedHeading->setText(
                    unpriced ? tr("<b>Models without a price</b> (their requests are not in any total)")
                             : tr("<b>Models without a price:</b> none, every request has a price."));
                m_unpriced->setVisible(unpriced);
                m_addPrice->setVisible(unpriced);
                m_unpriced->setRowCount(int(catalog->unpriced.size()));
                for (int r = 0; r < int(catalog->unpriced.size()); ++r) {
                    const Storage::UnpricedModel &m = catalog->unpriced[r];
                    m_unpriced->setItem(r, 0, new QTableWidgetItem(m.model));
                    m_unpriced->setItem(r, 1, new QTableWidgetItem(m.provider));
                    auto *count = new QTableWidgetItem(locale.toString(m.requests));
                    count->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
                    m_unpriced->setItem(r, 2, count);
                }
                m_catalogSource->setText(
                    tr("Catalog: %1, %2 models. Price data from "
                       "<a href=\"https://github.com/pydantic/genai-prices\">pydantic/genai-prices</a> (MIT).")
                        .arg(catalog->feedSource.toHtmlEscaped(), locale.toString(catalog->feedModels)));
                const QVector<Pricing::CatalogRow> &rows = catalog->rows;
                m_catalog->setRowCount(int(rows.size()));
                const QColor shadowed = palette().color(QPalette::Disabled, QPalette::Text);
                for (int r = 0; r < int(rows.size()); ++r) {
                    const Pricing::CatalogRow &row = rows[r];
                    const Pricing::TokenPrices &p = row.entry.prices;
                    const QStringList cells{row.entry.model,
                                            row.entry.provider,
                                            whenText(row.when),
                                            perMillion(p.input),
                                            perMillion(p.output),
                                            perMillion(p.cacheRead),
                                            perMillion(p.cacheWrite5m),
                                            perMillion(p.cacheWrite1h),
                                            tiersText(p),
                                            layerText(row.layer),
                                            row.entry.source};
                    for (int c = 0; c < int(cells.size()); ++c) {
                        auto *item = new QTableWidgetItem(cells[c]);
                        if (c >= 3 && c <= 7)
                            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
                        if (!row.overriddenBy.isEmpty()) {
                            item->setForeground(shadowed);
                            item->setToolTip(tr("Not in use: overridden by %1").arg(row.overriddenBy));
                        } else if (c == 0 || c == 8 || c == 10) {
                            item->setToolTip(cells[c]);
                        }
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

void PricesPage::askForUpdate()
{
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Update the Price Catalog"));
    auto *form = new QFormLayout(&dialog);
    auto *hint = new QLabel(tr("A genai-prices data.json, from the web or a file. You will see what changes "
                               "before anything is applied."));
    hint->setWordWrap(true);
    form->addRow(hint);
    auto *source = new QLineEdit(QLatin1String(Pricing::kGenaiPricesUrl));
    source->setMinimumWidth(520);
    auto *browse = new QPushButton(tr("&Choose File..."));
    auto *row = new QHBoxLayout;
    row->addWidget(source, 1);
    row->addWidget(browse);
    form->addRow(tr("&From:"), row);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("&Load"));
    form->addRow(buttons);
    connect(browse, &QPushButton::clicked, &dialog, [&dialog, source] {
        const QString file = QFileDialog::getOpenFileName(&dialog, tr("Price Catalog"), QString(),
                                                          tr("JSON files (*.json);;All files (*)"));
        if (!file.isEmpty())
            source->setText(file);
    });
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    if (dialog.exec() == QDialog::Accepted && !source->text().trimmed().isEmpty())
        updateCatalog(source->text().trimmed());
}

void PricesPage::updateCatalog(const QString &source)
{
    m_update->setEnabled(false);
    m_cancelUpdate->show();
    m_cancel = std::make_shared<std::atomic_bool>(false);
    m_result->setText(tr("Loading %1...").arg(source));
    inBackground(
        this, m_ledgerPath,
        [source, cancel = m_cancel](Storage::Ledger &ledger) -> Result<Storage::CatalogUpdate> {
            const auto content = Pricing::readPriceSource(source, 60'000, cancel.get());
            if (!content.ok())
                return content.error();
            return Storage::prepareCatalogUpdate(ledger, source, *content);
        },
        [this](const Result<Storage::CatalogUpdate> &update) {
            m_cancelUpdate->hide();
            m_update->setEnabled(true);
            if (!update.ok()) {
                m_result->setText(update.error().code == ErrorCode::Cancelled
                                      ? tr("Update cancelled; the catalog is unchanged.")
                                      : tr("The catalog was not updated: %1").arg(update.error().message));
                return;
            }
            if (update->changes.isEmpty()) {
                m_result->setText(tr("The catalog is up to date."));
                emit updateShown(0);
                return;
            }
            m_result->clear();
            showUpdate(*update);
        });
}

void PricesPage::showUpdate(const Storage::CatalogUpdate &update)
{
    int added = 0, removed = 0;
    QStringList lines;
    for (const Pricing::FeedChange &c : update.changes) {
        const QString name = c.provider + u'/' + c.model;
        if (c.before.isEmpty()) {
            ++added;
            lines.append(tr("+ %1: %2").arg(name, c.after));
        } else if (c.after.isEmpty()) {
            ++removed;
            lines.append(tr("- %1: %2").arg(name, c.before));
        } else {
            lines.append(tr("~ %1: %2\n    now %3").arg(name, c.before, c.after));
        }
    }
    auto *dialog = new QDialog(this);
    dialog->setObjectName(QStringLiteral("catalogUpdate"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Price Catalog Update"));
    dialog->resize(820, 520);
    auto *layout = new QVBoxLayout(dialog);
    auto *summary = new QLabel(tr("%1: %2 models added, %3 prices changed, %4 models removed. Applying it "
                                  "re-rates the requests priced from the catalog.")
                                   .arg(update.name)
                                   .arg(added)
                                   .arg(update.changes.size() - added - removed)
                                   .arg(removed));
    summary->setWordWrap(true);
    layout->addWidget(summary);
    auto *list = new QPlainTextEdit(lines.join(u'\n'));
    list->setObjectName(QStringLiteral("changes"));
    list->setReadOnly(true);
    list->setLineWrapMode(QPlainTextEdit::NoWrap);
    layout->addWidget(list, 1);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Apply | QDialogButtonBox::Cancel);
    layout->addWidget(buttons);
    connect(buttons->button(QDialogButtonBox::Apply), &QPushButton::clicked, dialog, [this, dialog, update] {
        dialog->accept();
        applyUpdate(update);
    });
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    dialog->open();
    emit updateShown(int(update.changes.size()));
}

void PricesPage::applyUpdate(const Storage::CatalogUpdate &update)
{
    m_update->setEnabled(false);
    m_result->setText(tr("Applying the catalog and re-rating history..."));
    inBackground(
        this, m_ledgerPath,
        [update, clock = &m_clock](Storage::Ledger &ledger) {
            return Storage::applyCatalogUpdate(ledger, update, clock->nowMs());
        },
        [this](const Result<Storage::RepriceReport> &report) {
            m_update->setEnabled(true);
            if (!report.ok()) {
                m_result->setText(tr("The catalog was not updated: %1").arg(report.error().message));
                refresh();
                return;
            }
            const QString summary = tr("Catalog updated: %1 requests re-rated, spend %2$%3.")
                                        .arg(QLocale().toString(report->changed),
                                             report->delta >= 0 ? QStringLiteral("+") : QStringLiteral("-"),
                                             usdText(std::abs(report->delta)));
            m_result->setText(summary);
            emit pricesChanged(summary);
        });
}

} // namespace CostGov::Ui

#pragma once

#include "common/clock.h"
#include "pricing/pricecatalog.h"
#include "storage/pricestore.h"

#include "background.h"

#include <QWidget>

#include <atomic>
#include <memory>

class QDialog;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace CostGov::Ui {

/// The price catalog with its effective dates and where each price comes from, the models that
/// have requests but no price, with an action to price one, and catalog updates shown as a diff
/// before they apply: history is re-rated and the window's figures follow.
class PricesPage final : public QWidget {
    Q_OBJECT

public:
    /// clock: "today" for a changed price (outlives the page).
    PricesPage(const QString &ledgerPath, const Clock &clock, QWidget *parent = nullptr);

    void refresh();
    /// Adds a manual price for a model (for all of history when the model had none, else from
    /// today) and re-rates the requests; emits pricesChanged when done.
    void addPrice(const QString &model, const QString &provider, const Pricing::TokenPrices &prices);

    /// Loads a genai-prices feed from a file or an http(s) URL on a worker and opens the list of
    /// what it changes (the "catalogUpdate" dialog); Apply makes it the catalog and re-rates history.
    void updateCatalog(const QString &source);

signals:
    void refreshed();
    /// The differences of an update are shown (changes: how many models differ).
    void updateShown(int changes);
    /// The catalog changed and history was re-rated: every figure may have moved.
    void pricesChanged(const QString &summary);

private:
    LatestOnly m_latest;
    void askForPrice();
    void askForUpdate();
    void showUpdate(const Storage::CatalogUpdate &update);
    void applyUpdate(const Storage::CatalogUpdate &update);
    void applyFilter();

    QString m_ledgerPath;
    const Clock &m_clock;
    QTableWidget *m_unpriced;
    QPushButton *m_addPrice;
    QPushButton *m_update;
    QPushButton *m_cancelUpdate;
    std::shared_ptr<std::atomic_bool> m_cancel;
    QLabel *m_result;
    QLabel *m_catalogSource;
    QLabel *m_unpricedHeading;
    QLineEdit *m_filter;
    QTableWidget *m_catalog;
};

} // namespace CostGov::Ui

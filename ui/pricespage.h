#pragma once

#include "common/clock.h"
#include "pricing/pricecatalog.h"

#include "background.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace CostGov::Ui {

/// The price catalog with its effective dates, and the models that have requests but no price,
/// with an action to price one: history is re-rated and the window's figures follow.
class PricesPage final : public QWidget {
    Q_OBJECT

public:
    /// clock: "today" for a changed price (outlives the page).
    PricesPage(const QString &ledgerPath, const Clock &clock, QWidget *parent = nullptr);

    void refresh();
    /// Adds a manual price for a model (for all of history when the model had none, else from
    /// today) and re-rates the requests; emits pricesChanged when done.
    void addPrice(const QString &model, const QString &provider, const Pricing::TokenPrices &prices);

signals:
    void refreshed();
    /// The catalog changed and history was re-rated: every figure may have moved.
    void pricesChanged(const QString &summary);

private:
    LatestOnly m_latest;
    void askForPrice();
    void applyFilter();

    QString m_ledgerPath;
    const Clock &m_clock;
    QTableWidget *m_unpriced;
    QPushButton *m_addPrice;
    QLabel *m_result;
    QLineEdit *m_filter;
    QTableWidget *m_catalog;
};

} // namespace CostGov::Ui

#pragma once

#include "pricing/pricecatalog.h"

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
    explicit PricesPage(const QString &ledgerPath, QWidget *parent = nullptr);

    void refresh();
    /// Adds a manual price for a model (for all of history when the model had none, else from
    /// today) and re-rates the requests; emits pricesChanged when done.
    void addPrice(const QString &model, const QString &provider, const Pricing::TokenPrices &prices);

signals:
    void refreshed();
    /// The catalog changed and history was re-rated: every figure may have moved.
    void pricesChanged(const QString &summary);

private:
    void askForPrice();

    QString m_ledgerPath;
    QTableWidget *m_unpriced;
    QPushButton *m_addPrice;
    QLabel *m_result;
    QLineEdit *m_filter;
    QTableWidget *m_catalog;
};

} // namespace CostGov::Ui

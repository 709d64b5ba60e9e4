#pragma once

#include "background.h"

#include "chargeback/chargeback.h"
#include "common/clock.h"

#include <QWidget>

class QChartView;
class QComboBox;
class QLabel;
class QPushButton;
class QTableWidget;

namespace CostGov::Ui {

/// Month-end chargebacks: pick the month, what a cost centre is and how shared cost is split,
/// and see the statement at once (lines and a chart by cost centre) with the line that proves it
/// adds up to the period's total; export CSV, FOCUS or one PDF per cost centre; close or re-open
/// the month.
class ChargebackPage final : public QWidget {
    Q_OBJECT

public:
    ChargebackPage(const QString &ledgerPath, const Clock &clock, QWidget *parent = nullptr);

    /// Allocates the chosen month again (in the background).
    void refresh();
    /// The statement shown.
    const Chargeback::Statement &statement() const { return m_statement; }
    /// What the export buttons do once a path is chosen.
    Status exportTo(const QString &path, const QString &format);
    /// What Close Month and Re-open Month do once confirmed.
    void closeMonth();
    void reopenMonth(const QString &reason);

signals:
    void refreshed();

private:
    Chargeback::Options options() const;
    void display();

    QString m_ledgerPath;
    const Clock &m_clock;
    QComboBox *m_month = nullptr;
    QComboBox *m_by = nullptr;
    QComboBox *m_shared = nullptr;
    QString m_fixedFile;
    QString m_centresFile; ///< value,cost centre,owner e-mail (as costgovctl chargeback --centres)
    QLabel *m_check = nullptr;
    QLabel *m_status = nullptr;
    QTableWidget *m_lines = nullptr;
    QChartView *m_chart = nullptr;
    QPushButton *m_close = nullptr;
    QPushButton *m_reopen = nullptr;
    Chargeback::Statement m_statement;
    LatestOnly m_latest;
};

} // namespace CostGov::Ui

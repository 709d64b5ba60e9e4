#pragma once

#include "common/daterange.h"
#include "storage/spendquery.h"

#include <QWidget>

class QHBoxLayout;
class QToolButton;

namespace CostGov::Ui {

/// The window's filters: any dimension, several values each, shown as chips that edit or remove
/// them, remembered between runs. Every page shows only what passes them.
class FilterBar final : public QWidget {
    Q_OBJECT

public:
    explicit FilterBar(const QString &ledgerPath, QWidget *parent = nullptr);

    const QVector<Storage::SpendFilter> &filters() const { return m_filters; }
    /// Keeps requests whose dimension has one of the values; no values removes the filter.
    void setValues(Storage::Dimension dimension, const QStringList &values);
    void clear();
    /// The range the value picker lists values (with their spend) for.
    void setRange(const DayRange &range) { m_range = range; }
    /// Opens the value picker of a dimension (what "Add filter" does).
    void editFilter(Storage::Dimension dimension);

    /// Filters as stored in the settings, and back (unknown dimensions are dropped).
    static QString toText(const QVector<Storage::SpendFilter> &filters);
    static QVector<Storage::SpendFilter> fromText(const QString &text);

signals:
    void changed();

private:
    void rebuild();

    QString m_ledgerPath;
    DayRange m_range;
    QVector<Storage::SpendFilter> m_filters;
    QHBoxLayout *m_chips = nullptr;
    QToolButton *m_add = nullptr;
    QToolButton *m_clear = nullptr;
};

} // namespace CostGov::Ui

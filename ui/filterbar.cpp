#include "filterbar.h"

#include "background.h"
#include "moneytext.h"
#include "spendtablemodel.h"

#include "common/settings.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QMenu>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

namespace CostGov::Ui {

using Storage::Dimension;

namespace {

QString valueText(const QString &value)
{
    return value.isEmpty() ? SpendTableModel::tr("(none)") : value;
}

/// Checkable values of one dimension, biggest spend in the range first, with a search field.
class ValuePicker final : public QDialog {
public:
    ValuePicker(const QString &ledgerPath, const Storage::SpendQuery &query, const QStringList &selected,
                QWidget *parent)
        : QDialog(parent), m_selected(selected)
    {
        const Dimension dimension = query.groupBy.first();
        setWindowTitle(FilterBar::tr("Filter by %1").arg(SpendTableModel::dimensionLabel(dimension)));
        auto *layout = new QVBoxLayout(this);
        m_search = new QLineEdit;
        m_search->setPlaceholderText(FilterBar::tr("Search values"));
        m_search->setClearButtonEnabled(true);
        layout->addWidget(m_search);
        m_list = new QListWidget;
        m_list->setObjectName(QStringLiteral("filterValues"));
        m_list->setMinimumSize(360, 320);
        layout->addWidget(m_list, 1);
        m_status = new QLabel(FilterBar::tr("Loading values..."));
        layout->addWidget(m_status);
        auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
        QPushButton *all = buttons->addButton(FilterBar::tr("Check &All Shown"), QDialogButtonBox::ResetRole);
        QPushButton *none = buttons->addButton(FilterBar::tr("Check &None"), QDialogButtonBox::ResetRole);
        layout->addWidget(buttons);
        connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
        connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
        connect(all, &QPushButton::clicked, this, [this] { checkShown(Qt::Checked); });
        connect(none, &QPushButton::clicked, this, [this] {
            for (int i = 0; i < m_list->count(); ++i)
                m_list->item(i)->setCheckState(Qt::Unchecked);
        });
        connect(m_search, &QLineEdit::textChanged, this, [this](const QString &text) {
            for (int i = 0; i < m_list->count(); ++i)
                m_list->item(i)->setHidden(!m_list->item(i)->text().contains(text, Qt::CaseInsensitive));
        });
        inBackground(
            this, ledgerPath, [query](Storage::Ledger &ledger) { return Storage::runSpendQuery(ledger, query); },
            [this](const Result<Storage::SpendReport> &report) { fill(report); });
    }

    QStringList checkedValues() const
    {
        QStringList values;
        for (int i = 0; i < m_list->count(); ++i) {
            if (m_list->item(i)->checkState() == Qt::Checked)
                values.append(m_list->item(i)->data(Qt::UserRole).toString());
        }
        return values;
    }

private:
    void fill(const Result<Storage::SpendReport> &report)
    {
        const QLocale locale;
        QStringList listed;
        auto add = [this, &listed](const QString &value, const QString &text) {
            auto *item = new QListWidgetItem(text, m_list);
            item->setData(Qt::UserRole, value);
            item->setCheckState(m_selected.contains(value) ? Qt::Checked : Qt::Unchecked);
            listed.append(value);
        };
        if (!report.ok()) {
            m_status->setText(FilterBar::tr("The ledger cannot be read: %1").arg(report.error().message));
        } else {
            for (const Storage::SpendRow &row : report->rows) {
                const Storage::SpendMetrics &m = row.metrics;
                add(row.keys.first(),
                    QStringLiteral("%1    %2")
                        .arg(valueText(row.keys.first()),
                             m.costUnknown() ? FilterBar::tr("unpriced") : moneyText(locale, m.costNano)));
            }
            m_status->setText(
                FilterBar::tr("Values with requests in the range: %1").arg(QLocale().toString(report->rows.size())));
        }
        for (const QString &value : m_selected) {
            if (!listed.contains(value))
                add(value, FilterBar::tr("%1    (nothing in the range)").arg(valueText(value)));
        }
        m_search->setFocus();
    }

    void checkShown(Qt::CheckState state)
    {
        for (int i = 0; i < m_list->count(); ++i) {
            if (!m_list->item(i)->isHidden())
                m_list->item(i)->setCheckState(state);
        }
    }

    QStringList m_selected;
    QLineEdit *m_search = nullptr;
    QListWidget *m_list = nullptr;
    QLabel *m_status = nullptr;
};

} // namespace

FilterBar::FilterBar(const QString &ledgerPath, QWidget *parent)
    : QWidget(parent), m_ledgerPath(ledgerPath), m_filters(fromText(Settings::get(SettingKeys::Filters)))
{
    m_chips = new QHBoxLayout(this);
    m_chips->setContentsMargins(0, 0, 0, 0);
    m_chips->addWidget(new QLabel(tr("Filters:")));
    m_add = new QToolButton;
    m_add->setObjectName(QStringLiteral("addFilter"));
    m_add->setText(tr("&Add Filter"));
    m_add->setPopupMode(QToolButton::InstantPopup);
    auto *menu = new QMenu(m_add);
    for (int d = int(Dimension::Provider); d <= int(Dimension::Source); ++d) {
        menu->addAction(SpendTableModel::dimensionLabel(Dimension(d)), this, [this, d] { editFilter(Dimension(d)); });
    }
    m_add->setMenu(menu);
    m_clear = new QToolButton;
    m_clear->setText(tr("Clear Filters"));
    connect(m_clear, &QToolButton::clicked, this, &FilterBar::clear);
    rebuild();
}

void FilterBar::setValues(Dimension dimension, const QStringList &values)
{
    const auto it = std::find_if(m_filters.begin(), m_filters.end(),
                                 [dimension](const Storage::SpendFilter &f) { return f.dimension == dimension; });
    if (values.isEmpty()) {
        if (it == m_filters.end())
            return;
        m_filters.erase(it);
    } else if (it != m_filters.end()) {
        if (it->values == values)
            return;
        it->values = values;
    } else {
        m_filters.append({dimension, values});
    }
    rebuild();
    Settings::set(SettingKeys::Filters, toText(m_filters));
    emit changed();
}

void FilterBar::clear()
{
    if (m_filters.isEmpty())
        return;
    m_filters.clear();
    rebuild();
    Settings::set(SettingKeys::Filters, QString());
    emit changed();
}

void FilterBar::editFilter(Dimension dimension)
{
    Storage::SpendQuery query;
    query.fromDay = m_range.from;
    query.toDay = m_range.to;
    query.groupBy = {dimension};
    QStringList selected;
    for (const Storage::SpendFilter &f : m_filters) {
        if (f.dimension == dimension)
            selected = f.values;
        else
            query.filters.append(f); // what the other filters leave
    }
    ValuePicker picker(m_ledgerPath, query, selected, window());
    if (picker.exec() == QDialog::Accepted)
        setValues(dimension, picker.checkedValues());
}

void FilterBar::rebuild()
{
    // Everything after the "Filters:" label is made anew.
    while (m_chips->count() > 1) {
        QLayoutItem *item = m_chips->takeAt(1);
        if (QWidget *w = item->widget(); w && w != m_add && w != m_clear)
            w->deleteLater();
        delete item;
    }
    for (const Storage::SpendFilter &f : m_filters) {
        QStringList values;
        for (const QString &v : f.values)
            values.append(valueText(v));
        QString text = SpendTableModel::dimensionLabel(f.dimension) + QStringLiteral(": ")
            + values.mid(0, 2).join(QStringLiteral(", "));
        if (f.values.size() > 2)
            text += tr(" +%1").arg(f.values.size() - 2);
        auto *chip = new QToolButton;
        chip->setObjectName(QStringLiteral("filter-") + Storage::dimensionName(f.dimension));
        chip->setText(text);
        chip->setToolTip(tr("Showing only %1: %2. Click to change.")
                             .arg(SpendTableModel::dimensionLabel(f.dimension), values.join(QStringLiteral(", "))));
        const Dimension dimension = f.dimension;
        connect(chip, &QToolButton::clicked, this, [this, dimension] { editFilter(dimension); });
        auto *remove = new QToolButton;
        remove->setText(QStringLiteral("×"));
        remove->setAutoRaise(true);
        remove->setToolTip(tr("Remove this filter"));
        remove->setAccessibleName(tr("Remove the %1 filter").arg(SpendTableModel::dimensionLabel(dimension)));
        connect(remove, &QToolButton::clicked, this, [this, dimension] { setValues(dimension, {}); });
        m_chips->addWidget(chip);
        m_chips->addWidget(remove);
    }
    m_chips->addWidget(m_add);
    m_chips->addWidget(m_clear);
    m_clear->setVisible(!m_filters.isEmpty());
    m_chips->addStretch(1);
}

QString FilterBar::toText(const QVector<Storage::SpendFilter> &filters)
{
    QJsonObject object;
    for (const Storage::SpendFilter &f : filters)
        object.insert(Storage::dimensionName(f.dimension), QJsonArray::fromStringList(f.values));
    return filters.isEmpty() ? QString() : QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QVector<Storage::SpendFilter> FilterBar::fromText(const QString &text)
{
    QVector<Storage::SpendFilter> filters;
    const QJsonObject object = QJsonDocument::fromJson(text.toUtf8()).object();
    for (auto it = object.begin(); it != object.end(); ++it) {
        const auto dimension = Storage::dimensionFromName(it.key());
        QStringList values;
        for (const QJsonValue &v : it.value().toArray())
            values.append(v.toString());
        if (dimension && !Storage::isTimeDimension(*dimension) && !values.isEmpty())
            filters.append({*dimension, values});
    }
    return filters;
}

} // namespace CostGov::Ui

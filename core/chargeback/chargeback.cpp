#include "chargeback.h"

#include "attribution/attribution.h"
#include "common/csvwriter.h"
#include "common/timeutil.h"
#include "pricing/pricecatalog.h"
#include "storage/ledger.h"
#include "storage/pricestore.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>
#include <numeric>

namespace CostGov::Chargeback {

namespace {

constexpr qint64 kNanoPerCent = 10'000'000;

// An amount split by weights, exactly: the parts add up to the amount (largest remainder at the
// unit given: 1 for nano-USD, kNanoPerCent for cents).
QVector<qint64> splitExactly(qint64 amount, const QVector<qint64> &weights, qint64 unit)
{
    QVector<qint64> parts(weights.size(), 0);
    const Int128 total = std::accumulate(weights.begin(), weights.end(), Int128(0));
    if (weights.isEmpty() || total <= 0)
        return parts;
    const qint64 units = amount >= 0 ? (amount + unit / 2) / unit : -((-amount + unit / 2) / unit);
    QVector<std::pair<Int128, int>> remainders;
    qint64 given = 0;
    for (int i = 0; i < weights.size(); ++i) {
        const Int128 exact = Int128(units) * weights[i];
        parts[i] = qint64(exact / total);
        given += parts[i];
        remainders.append({exact % total, i});
    }
    std::stable_sort(remainders.begin(), remainders.end(),
                     [](const auto &a, const auto &b) { return a.first > b.first; });
    for (qint64 k = 0; k < units - given; ++k)
        ++parts[remainders[int(k % remainders.size())].second];
    return parts;
}

QString providerTitle(const QString &provider)
{
    if (provider == QLatin1String("openai"))
        return QStringLiteral("OpenAI");
    if (provider == QLatin1String("anthropic"))
        return QStringLiteral("Anthropic");
    return provider;
}

QString centsText(qint64 cents)
{
    return usdFixed(cents * kNanoPerCent, 2);
}

struct Metered {
    QString centre, provider, project, model;
    Storage::SpendMetrics metrics;
};

struct Shared {
    QString provider;
    QString reason;
    Nano amount = 0;
};

} // namespace

QString unallocated()
{
    return QStringLiteral("Unallocated");
}

QVector<qint64> splitCents(Nano amount, const QVector<Nano> &weights)
{
    return splitExactly(amount, weights, kNanoPerCent);
}

Status readCentres(const QString &path, Options &options)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return makeError(ErrorCode::Usage, QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    int line = 0;
    while (!file.atEnd()) {
        ++line;
        const QString text = QString::fromUtf8(file.readLine()).trimmed();
        if (text.isEmpty() || text.startsWith(u'#'))
            continue;
        const QStringList cells = text.split(u',');
        if (cells.size() < 2 || cells.size() > 3 || cells[0].trimmed().isEmpty() || cells[1].trimmed().isEmpty())
            return makeError(ErrorCode::Usage,
                             QStringLiteral("%1 line %2: expected \"value,cost centre[,owner e-mail]\", not \"%3\"")
                                 .arg(path)
                                 .arg(line)
                                 .arg(text));
        options.centreOf.insert(cells[0].trimmed(), cells[1].trimmed());
        if (cells.size() == 3 && !cells[2].trimmed().isEmpty())
            options.ownerOf.insert(cells[1].trimmed(), cells[2].trimmed());
    }
    return {};
}

Result<Statement> allocate(Storage::Ledger &ledger, const Options &options)
{
    Statement s;
    s.ownerOf = options.ownerOf;
    s.month = options.month;
    s.by = Storage::dimensionName(options.by);
    s.sharedRule = options.shared == SharedRule::Proportional ? QStringLiteral("proportional")
        : options.shared == SharedRule::Even                  ? QStringLiteral("even")
        : options.shared == SharedRule::Fixed                 ? QStringLiteral("fixed")
                                                              : QStringLiteral("none");

    // What the logs say: cost by cost centre, provider, project and model.
    Storage::SpendQuery q;
    q.fromDay = options.month.from;
    q.toDay = options.month.to;
    q.groupBy = {options.by, Storage::Dimension::Provider, Storage::Dimension::Project, Storage::Dimension::Model};
    const auto metered = Storage::runSpendQuery(ledger, q);
    if (!metered.ok())
        return metered.error();
    QVector<Metered> rows;
    auto centreOf = [&options](const QString &value) { return options.centreOf.value(value, value); };
    for (const Storage::SpendRow &r : metered->rows)
        rows.append(
            {r.keys[0].isEmpty() ? QString() : centreOf(r.keys[0]), r.keys[1], r.keys[2], r.keys[3], r.metrics});

    // What the providers billed, by provider, project, attributed team and feature, and model.
    QSqlQuery billed(ledger.db());
    billed.prepare(QStringLiteral("SELECT provider, project, team, feature, model, SUM(amount_nano) FROM billed_costs "
                                  "WHERE day BETWEEN ? AND ? GROUP BY provider, project, team, feature, model "
                                  "ORDER BY provider, project, team, feature, model"));
    billed.addBindValue(options.month.from);
    billed.addBindValue(options.month.to);
    if (!billed.exec())
        return makeError(ErrorCode::Database,
                         QStringLiteral("cannot read the billed costs: %1").arg(billed.lastError().text()));

    // Lines by cost centre, provider, model and basis.
    QMap<std::tuple<QString, QString, QString, QString>, Line> lines;
    auto add = [&lines](const QString &centre, const QString &provider, const QString &model, const QString &basis,
                        const QString &detail, Nano amount) {
        Line &l = lines[{centre, provider, model, basis}];
        l.costCentre = centre;
        l.provider = provider;
        l.model = model;
        l.basis = basis;
        if (!l.detail.contains(detail))
            l.detail = l.detail.isEmpty() ? detail : l.detail + QStringLiteral("; ") + detail;
        l.exactNano += amount;
    };
    QVector<Shared> shared;
    QSet<QString> billedProviders;
    while (billed.next()) {
        const QString provider = billed.value(0).toString(), project = billed.value(1).toString();
        const QString team = billed.value(2).toString(), feature = billed.value(3).toString();
        const QString model = billed.value(4).toString();
        const Nano amount = billed.value(5).toLongLong();
        billedProviders.insert(provider);
        s.billedNano += amount;
        // An attribution rule named the cost centre.
        const QString ruled = options.by == Storage::Dimension::Team ? team
            : options.by == Storage::Dimension::Feature              ? feature
                                                                     : Attribution::unallocated();
        if (ruled != Attribution::unallocated()) {
            add(centreOf(ruled), provider, model, QStringLiteral("billed"),
                QStringLiteral("attribution rule for %1")
                    .arg(project.isEmpty() ? QStringLiteral("the organization") : project),
                amount);
            continue;
        }
        if (model.isEmpty()) {
            shared.append({provider, QStringLiteral("tools and storage"), amount});
            continue;
        }
        // By metered share: the project and model, else the project.
        QVector<const Metered *> matches;
        for (const bool withModel : {true, false}) {
            for (const Metered &m : rows)
                if (m.provider == provider && !project.isEmpty() && m.project == project && !m.centre.isEmpty()
                    && (!withModel || m.model == model) && m.metrics.costNano > 0)
                    matches.append(&m);
            if (!matches.isEmpty())
                break;
        }
        if (matches.isEmpty()) {
            shared.append({provider,
                           project.isEmpty() ? QStringLiteral("billed without a project")
                                             : QStringLiteral("billed project %1 no request names").arg(project),
                           amount});
            continue;
        }
        QVector<qint64> weights;
        for (const Metered *m : matches)
            weights.append(m->metrics.costNano);
        const QVector<qint64> parts = splitExactly(amount, weights, 1);
        for (int i = 0; i < matches.size(); ++i)
            add(matches[i]->centre, provider, matches[i]->model, QStringLiteral("billed"),
                QStringLiteral("split by metered share in %1").arg(project), parts[i]);
    }
    // Providers without a bill: the metered cost itself; untagged requests are shared.
    for (const Metered &m : rows) {
        if (billedProviders.contains(m.provider))
            continue;
        s.meteredNano += m.metrics.costNano;
        s.unpricedRequests += m.metrics.unpricedRequests;
        if (m.centre.isEmpty())
            shared.append({m.provider, QStringLiteral("requests without a %1").arg(s.by), m.metrics.costNano});
        else
            add(m.centre, m.provider, m.model, QStringLiteral("metered"), QStringLiteral("metered cost"),
                m.metrics.costNano);
    }

    // The shared pool, split by the rule across the cost centres with direct spend.
    QMap<QString, Nano> direct;
    for (const Line &l : lines)
        direct[l.costCentre] += l.exactNano;
    QStringList centres = direct.keys();
    QVector<qint64> weights;
    if (options.shared == SharedRule::Fixed) {
        centres = options.fixedPercent.keys();
        centres.sort();
        for (const QString &c : centres)
            weights.append(qint64(options.fixedPercent.value(c) * 1e6));
    } else {
        for (const QString &c : centres)
            weights.append(options.shared == SharedRule::Even ? 1 : direct.value(c));
    }
    const bool keep =
        options.shared == SharedRule::None || std::accumulate(weights.begin(), weights.end(), qint64(0)) <= 0;
    for (const Shared &pool : shared) {
        if (pool.amount == 0)
            continue;
        if (keep) {
            add(unallocated(), pool.provider, QString(), QStringLiteral("unallocated"), pool.reason, pool.amount);
            continue;
        }
        const QVector<qint64> parts = splitExactly(pool.amount, weights, 1);
        for (int i = 0; i < centres.size(); ++i)
            if (parts[i] != 0)
                add(centres[i], pool.provider, QString(), QStringLiteral("shared"),
                    QStringLiteral("%1, split %2").arg(pool.reason, s.sharedRule), parts[i]);
    }

    // Requests and tokens from the logs for each line's cost centre, provider and model.
    for (auto it = lines.begin(); it != lines.end(); ++it) {
        if (it->basis == QLatin1String("shared") || it->basis == QLatin1String("unallocated"))
            continue;
        for (const Metered &m : rows) {
            if (m.centre == it->costCentre && m.provider == it->provider && m.model == it->model) {
                it->requests += m.metrics.requests;
                it->tokens += m.metrics.inputTokens + m.metrics.outputTokens + m.metrics.cacheReadTokens
                    + m.metrics.cacheWriteTokens;
            }
        }
    }

    // Cache savings, for information: cached tokens at the input price less the cache read price.
    const auto catalog = Storage::loadPriceCatalog(ledger);
    if (!catalog.ok())
        return catalog.error();
    const qint64 midMonth = (options.month.from + (options.month.to - options.month.from) / 2) * kMsPerDay;
    QMap<std::pair<QString, QString>, Saving> savings;
    for (const Metered &m : rows) {
        const Pricing::PriceEntry *price = catalog->find(m.model.toStdString(), midMonth);
        if (m.centre.isEmpty() || m.metrics.cacheReadTokens == 0 || !price || !price->prices.input
            || !price->prices.cacheRead)
            continue;
        Saving &saving = savings[{m.centre, m.model}];
        saving.costCentre = m.centre;
        saving.model = m.model;
        saving.cachedTokens += m.metrics.cacheReadTokens;
        saving.nano += m.metrics.cacheReadTokens * (*price->prices.input - *price->prices.cacheRead) / 1000;
    }
    s.savings = savings.values().toVector();

    s.lines = lines.values().toVector();
    QVector<Nano> exact;
    for (const Line &l : s.lines) {
        exact.append(l.exactNano);
        s.totalNano += l.exactNano;
    }
    const QVector<qint64> cents = splitCents(s.totalNano, exact);
    for (int i = 0; i < s.lines.size(); ++i)
        s.lines[i].cents = cents[i];
    s.totalCents = std::accumulate(cents.begin(), cents.end(), qint64(0));
    std::stable_sort(s.lines.begin(), s.lines.end(), [](const Line &a, const Line &b) {
        if (a.costCentre != b.costCentre)
            return a.costCentre < b.costCentre;
        return a.cents > b.cents;
    });
    return s;
}

QByteArray statementCsv(const Statement &s, bool byteOrderMark)
{
    CsvWriter csv;
    csv.row({QStringLiteral("cost_centre"), QStringLiteral("owner"), QStringLiteral("provider"),
             QStringLiteral("model"), QStringLiteral("basis"), QStringLiteral("detail"), QStringLiteral("requests"),
             QStringLiteral("tokens"), QStringLiteral("amount_usd"), QStringLiteral("share_percent")});
    const QVector<bool> numeric{false, false, false, false, false, false, true, true, true, true};
    for (const Line &l : s.lines) {
        const double share = s.totalCents == 0 ? 0.0 : double(l.cents) * 100.0 / double(s.totalCents);
        csv.row({l.costCentre, s.ownerOf.value(l.costCentre), l.provider, l.model, l.basis, l.detail,
                 QString::number(l.requests), QString::number(l.tokens), centsText(l.cents),
                 QString::number(share, 'f', 2)},
                numeric);
    }
    csv.row({QStringLiteral("TOTAL"), QString(), QString(), QString(), QString(),
             QStringLiteral("%1 to %2, shared split %3%4")
                 .arg(isoDate(s.month.from), isoDate(s.month.to), s.sharedRule,
                      s.unpricedRequests == 0
                          ? QString()
                          : QStringLiteral("; %1 requests without a price are not included").arg(s.unpricedRequests)),
             QString(), QString(), centsText(s.totalCents), QStringLiteral("100.00")},
            numeric);
    // Information after the total: what prompt caching saved (not charged, not in the total).
    for (const Saving &saving : s.savings)
        csv.row({saving.costCentre, s.ownerOf.value(saving.costCentre), QString(), saving.model,
                 QStringLiteral("information"), QStringLiteral("saved by prompt caching (not charged)"), QString(),
                 QString::number(saving.cachedTokens), usdFixed(saving.nano, 2), QString()},
                numeric);
    return (byteOrderMark ? QByteArray("\xEF\xBB\xBF") : QByteArray()) + csv.data();
}

QStringList focusMandatoryColumns()
{
    return {
        QStringLiteral("BilledCost"),        QStringLiteral("ListCost"),           QStringLiteral("EffectiveCost"),
        QStringLiteral("ContractedCost"),    QStringLiteral("BillingAccountId"),   QStringLiteral("BillingAccountName"),
        QStringLiteral("BillingCurrency"),   QStringLiteral("BillingPeriodStart"), QStringLiteral("BillingPeriodEnd"),
        QStringLiteral("ChargePeriodStart"), QStringLiteral("ChargePeriodEnd"),    QStringLiteral("ChargeCategory"),
        QStringLiteral("ChargeClass"),       QStringLiteral("ChargeDescription"),  QStringLiteral("InvoiceIssuerName"),
        QStringLiteral("ProviderName"),      QStringLiteral("PublisherName"),      QStringLiteral("ServiceCategory"),
        QStringLiteral("ServiceName"),       QStringLiteral("PricingQuantity"),    QStringLiteral("PricingUnit")};
}

QByteArray focusCsv(const Statement &s, const QString &billingAccount)
{
    CsvWriter csv;
    QStringList header = focusMandatoryColumns();
    header += {QStringLiteral("ChargeFrequency"),  QStringLiteral("SubAccountId"),
               QStringLiteral("SubAccountName"),   QStringLiteral("SkuId"),
               QStringLiteral("ConsumedQuantity"), QStringLiteral("ConsumedUnit"),
               QStringLiteral("PricingCategory"),  QStringLiteral("Tags")};
    csv.row(header);
    QVector<bool> numeric(header.size(), false);
    for (int i : {0, 1, 2, 3, 19, 25})
        numeric[i] = true;
    const QString periodStart = isoDate(s.month.from) + QStringLiteral("T00:00:00Z");
    const QString periodEnd = isoDate(s.month.to + 1) + QStringLiteral("T00:00:00Z"); // exclusive
    for (const Line &l : s.lines) {
        const QString amount = centsText(l.cents);
        const QString provider = providerTitle(l.provider);
        const QString tags = QString::fromUtf8(QJsonDocument(QJsonObject{{s.by, l.costCentre},
                                                                         {QStringLiteral("cost_centre"), l.costCentre},
                                                                         {QStringLiteral("basis"), l.basis}})
                                                   .toJson(QJsonDocument::Compact));
        const bool usage = l.tokens > 0;
        csv.row({amount,
                 amount,
                 amount,
                 amount,
                 billingAccount,
                 billingAccount,
                 QStringLiteral("USD"),
                 periodStart,
                 periodEnd,
                 periodStart,
                 periodEnd,
                 QStringLiteral("Usage"),
                 QString(),
                 QStringLiteral("%1 %2 for %3 (%4: %5)")
                     .arg(provider, l.model.isEmpty() ? QStringLiteral("shared cost") : l.model, l.costCentre, l.basis,
                          l.detail),
                 provider,
                 provider,
                 provider,
                 QStringLiteral("AI and Machine Learning"),
                 provider + QStringLiteral(" API"),
                 usage ? QString::number(l.tokens) : QString(),
                 usage ? QStringLiteral("Tokens") : QString(),
                 QStringLiteral("Usage-Based"),
                 l.costCentre,
                 l.costCentre,
                 l.model,
                 usage ? QString::number(l.tokens) : QString(),
                 usage ? QStringLiteral("Tokens") : QString(),
                 QStringLiteral("Standard"),
                 tags},
                numeric);
    }
    return csv.data();
}

} // namespace CostGov::Chargeback

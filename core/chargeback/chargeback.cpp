#include "chargeback.h"

#include "attribution/attribution.h"
#include "common/csvwriter.h"
#include "common/timeutil.h"
#include "pricing/pricecatalog.h"
#include "storage/ledger.h"
#include "storage/pricestore.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QSaveFile>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>
#include <functional>
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
    if (amount < 0) { // a credit: split what it takes away, the same way
        parts = splitExactly(-amount, weights, unit);
        for (qint64 &p : parts)
            p = -p;
        return parts;
    }
    const qint64 units = (amount + unit / 2) / unit;
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

qint64 centsOf(Nano nano)
{
    return nano >= 0 ? (nano + kNanoPerCent / 2) / kNanoPerCent : -((-nano + kNanoPerCent / 2) / kNanoPerCent);
}

QString centsText(qint64 cents)
{
    return usdFixed(cents * kNanoPerCent, 2);
}

Status writeExport(const QString &path, const QByteArray &bytes)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        return makeError(ErrorCode::Io, QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    return {};
}

QVector<qint64> splitCents(Nano amount, const QVector<Nano> &weights)
{
    return splitExactly(amount, weights, kNanoPerCent);
}

namespace {

// Calls each(fields) for the lines of a small settings CSV that are not empty or '#' comments;
// each returns false for a line it cannot read, which fails naming the file, line and format.
Status readSettingsLines(const QString &path, const char *format, const std::function<bool(const QStringList &)> &each)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return makeError(ErrorCode::Usage, QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    for (int line = 1; !file.atEnd(); ++line) {
        const QString text = QString::fromUtf8(file.readLine()).trimmed();
        if (text.isEmpty() || text.startsWith(u'#'))
            continue;
        QStringList fields = text.split(u',');
        for (QString &f : fields)
            f = f.trimmed();
        if (!each(fields))
            return makeError(ErrorCode::Usage,
                             QStringLiteral("%1 line %2: expected \"%3\", not \"%4\"")
                                 .arg(path)
                                 .arg(line)
                                 .arg(QLatin1String(format), text));
    }
    return {};
}

} // namespace

Status readFixedPercent(const QString &path, Options &options)
{
    QHash<QString, double> percent;
    double total = 0;
    const Status read = readSettingsLines(path, "cost centre,percent", [&](const QStringList &fields) {
        bool ok = false;
        const double value = fields.last().toDouble(&ok);
        const QString centre = fields.mid(0, fields.size() - 1).join(u',');
        if (!ok || centre.isEmpty() || value < 0)
            return false;
        percent[centre] += value;
        total += value;
        return true;
    });
    if (!read.ok())
        return read;
    if (std::abs(total - 100.0) > 1e-6)
        return makeError(ErrorCode::Usage,
                         QStringLiteral("%1: the percentages add up to %2, not 100").arg(path).arg(total));
    options.fixedPercent = percent;
    return {};
}

Status readCentres(const QString &path, Options &options)
{
    return readSettingsLines(path, "value,cost centre[,owner e-mail]", [&](const QStringList &fields) {
        if (fields.size() < 2 || fields.size() > 3 || fields[0].isEmpty() || fields[1].isEmpty())
            return false;
        options.centreOf.insert(fields[0], fields[1]);
        if (fields.size() == 3 && !fields[2].isEmpty())
            options.ownerOf.insert(fields[1], fields[2]);
        return true;
    });
}

namespace {

// The month as the data is now, without periods.
Result<Statement> allocateLive(Storage::Ledger &ledger, const Options &options)
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
                if (m.provider == provider && !project.isEmpty() && m.project == project
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
        for (int i = 0; i < matches.size(); ++i) {
            if (matches[i]->centre.isEmpty()) // the share of requests without a cost centre is shared cost
                shared.append({provider, QStringLiteral("requests without a %1 in %2").arg(s.by, project), parts[i]});
            else
                add(matches[i]->centre, provider, matches[i]->model, QStringLiteral("billed"),
                    QStringLiteral("split by metered share in %1").arg(project), parts[i]);
        }
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
        saving.nano +=
            qint64(Int128(m.metrics.cacheReadTokens) * (*price->prices.input - *price->prices.cacheRead) / 1000);
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

using Storage::dbError;

QJsonObject toJson(const QHash<QString, QString> &map)
{
    QJsonObject o;
    for (auto it = map.cbegin(); it != map.cend(); ++it)
        o.insert(it.key(), it.value());
    return o;
}

// The statement as issued, with the options it was allocated with (late data for the month is
// measured with the same ones).
QByteArray toJson(const Statement &s, const Options &options)
{
    QJsonObject fixed;
    for (auto it = options.fixedPercent.cbegin(); it != options.fixedPercent.cend(); ++it)
        fixed.insert(it.key(), it.value());
    const QJsonObject optionsJson{{QStringLiteral("by"), Storage::dimensionName(options.by)},
                                  {QStringLiteral("shared"), int(options.shared)},
                                  {QStringLiteral("fixed"), fixed},
                                  {QStringLiteral("centres"), toJson(options.centreOf)},
                                  {QStringLiteral("owners"), toJson(options.ownerOf)}};
    QJsonArray lines;
    for (const Line &l : s.lines)
        lines.append(QJsonObject{{QStringLiteral("cost_centre"), l.costCentre},
                                 {QStringLiteral("provider"), l.provider},
                                 {QStringLiteral("model"), l.model},
                                 {QStringLiteral("basis"), l.basis},
                                 {QStringLiteral("detail"), l.detail},
                                 {QStringLiteral("requests"), l.requests},
                                 {QStringLiteral("tokens"), l.tokens},
                                 {QStringLiteral("exact_nano"), QString::number(l.exactNano)},
                                 {QStringLiteral("cents"), l.cents}});
    QJsonArray savings;
    for (const Saving &v : s.savings)
        savings.append(QJsonObject{{QStringLiteral("cost_centre"), v.costCentre},
                                   {QStringLiteral("model"), v.model},
                                   {QStringLiteral("cached_tokens"), v.cachedTokens},
                                   {QStringLiteral("nano"), QString::number(v.nano)}});
    QJsonObject owners;
    for (auto it = s.ownerOf.cbegin(); it != s.ownerOf.cend(); ++it)
        owners.insert(it.key(), it.value());
    return QJsonDocument(QJsonObject{{QStringLiteral("by"), s.by},
                                     {QStringLiteral("shared"), s.sharedRule},
                                     {QStringLiteral("total_nano"), QString::number(s.totalNano)},
                                     {QStringLiteral("total_cents"), s.totalCents},
                                     {QStringLiteral("billed_nano"), QString::number(s.billedNano)},
                                     {QStringLiteral("metered_nano"), QString::number(s.meteredNano)},
                                     {QStringLiteral("unpriced_requests"), s.unpricedRequests},
                                     {QStringLiteral("owners"), owners},
                                     {QStringLiteral("lines"), lines},
                                     {QStringLiteral("savings"), savings},
                                     {QStringLiteral("options"), optionsJson}})
        .toJson(QJsonDocument::Compact);
}

Statement fromJson(const QByteArray &json)
{
    const QJsonObject o = QJsonDocument::fromJson(json).object();
    Statement s;
    s.by = o.value(QStringLiteral("by")).toString();
    s.sharedRule = o.value(QStringLiteral("shared")).toString();
    s.totalNano = o.value(QStringLiteral("total_nano")).toString().toLongLong();
    s.totalCents = o.value(QStringLiteral("total_cents")).toInteger();
    s.billedNano = o.value(QStringLiteral("billed_nano")).toString().toLongLong();
    s.meteredNano = o.value(QStringLiteral("metered_nano")).toString().toLongLong();
    s.unpricedRequests = o.value(QStringLiteral("unpriced_requests")).toInteger();
    const QJsonObject owners = o.value(QStringLiteral("owners")).toObject();
    for (auto it = owners.begin(); it != owners.end(); ++it)
        s.ownerOf.insert(it.key(), it.value().toString());
    for (const QJsonValue &v : o.value(QStringLiteral("lines")).toArray()) {
        const QJsonObject l = v.toObject();
        s.lines.append({l.value(QStringLiteral("cost_centre")).toString(),
                        l.value(QStringLiteral("provider")).toString(), l.value(QStringLiteral("model")).toString(),
                        l.value(QStringLiteral("basis")).toString(), l.value(QStringLiteral("detail")).toString(),
                        l.value(QStringLiteral("requests")).toInteger(), l.value(QStringLiteral("tokens")).toInteger(),
                        l.value(QStringLiteral("exact_nano")).toString().toLongLong(),
                        l.value(QStringLiteral("cents")).toInteger()});
    }
    for (const QJsonValue &v : o.value(QStringLiteral("savings")).toArray()) {
        const QJsonObject l = v.toObject();
        s.savings.append({l.value(QStringLiteral("cost_centre")).toString(),
                          l.value(QStringLiteral("model")).toString(),
                          l.value(QStringLiteral("cached_tokens")).toInteger(),
                          l.value(QStringLiteral("nano")).toString().toLongLong()});
    }
    return s;
}

Options optionsFrom(const QByteArray &statementJson, qint64 monthFirstDay)
{
    const QJsonObject o = QJsonDocument::fromJson(statementJson).object().value(QStringLiteral("options")).toObject();
    Options options;
    options.month = {monthFirstDay, monthFirstDay + daysInMonth(monthFirstDay) - 1};
    options.by =
        Storage::dimensionFromName(o.value(QStringLiteral("by")).toString()).value_or(Storage::Dimension::Team);
    options.shared = SharedRule(o.value(QStringLiteral("shared")).toInt());
    const QJsonObject fixed = o.value(QStringLiteral("fixed")).toObject();
    for (auto it = fixed.begin(); it != fixed.end(); ++it)
        options.fixedPercent.insert(it.key(), it.value().toDouble());
    for (const auto &[key, map] : {std::pair{QStringLiteral("centres"), &options.centreOf},
                                   std::pair{QStringLiteral("owners"), &options.ownerOf}}) {
        const QJsonObject values = o.value(key).toObject();
        for (auto it = values.begin(); it != values.end(); ++it)
            map->insert(it.key(), it.value().toString());
    }
    return options;
}

// Each cost centre's share of a statement, adjustments left out.
QHash<QString, Nano> shares(const Statement &s)
{
    QHash<QString, Nano> byCentre;
    for (const Line &l : s.lines)
        if (l.basis != QLatin1String("adjustment"))
            byCentre[l.costCentre] += l.exactNano;
    return byCentre;
}

QByteArray sharesJson(const QHash<QString, Nano> &byCentre)
{
    QJsonObject o;
    for (auto it = byCentre.cbegin(); it != byCentre.cend(); ++it)
        o.insert(it.key(), QString::number(it.value()));
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

qint64 previousMonth(qint64 firstDay)
{
    const qint64 last = firstDay - 1;
    return last - (civilFromDays(last).day - 1);
}

struct Period {
    qint64 closedMs = 0;
    QByteArray statement;
    QHash<QString, Nano> baseline;
};

Result<std::optional<Period>> period(Storage::Ledger &ledger, qint64 firstDay)
{
    QSqlQuery q(ledger.db());
    q.prepare(QStringLiteral("SELECT closed_ms, statement, baseline FROM chargeback_periods WHERE month_day = ?"));
    q.addBindValue(firstDay);
    if (!q.exec())
        return dbError(q, "read the closed months");
    if (!q.next())
        return std::optional<Period>();
    Period p;
    p.closedMs = q.value(0).toLongLong();
    p.statement = q.value(1).toString().toUtf8();
    const QJsonObject baseline = QJsonDocument::fromJson(q.value(2).toString().toUtf8()).object();
    for (auto it = baseline.begin(); it != baseline.end(); ++it)
        p.baseline.insert(it.key(), it.value().toString().toLongLong());
    return std::optional<Period>(p);
}

Status recordEvent(QSqlDatabase &db, qint64 firstDay, const char *action, qint64 atMs, const QString &note)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT INTO chargeback_events (month_day, action, at_ms, note) VALUES (?, ?, ?, ?)"));
    for (const QVariant &v : {QVariant(firstDay), QVariant(QLatin1String(action)), QVariant(atMs), QVariant(note)})
        q.addBindValue(v);
    return q.exec() ? Status() : Status(dbError(q, "record the period change"));
}

} // namespace

Result<Statement> allocate(Storage::Ledger &ledger, const Options &options)
{
    const auto closed = period(ledger, options.month.from);
    if (!closed.ok())
        return closed.error();
    if (*closed) {
        Statement s = fromJson((*closed)->statement);
        s.month = options.month;
        s.issued = true;
        s.closedMs = (*closed)->closedMs;
        return s;
    }
    auto s = allocateLive(ledger, options);
    if (!s.ok())
        return s;
    // Late data for the closed months right before this one: adjustment lines per cost centre.
    for (qint64 month = previousMonth(options.month.from);; month = previousMonth(month)) {
        const auto before = period(ledger, month);
        if (!before.ok())
            return before.error();
        if (!*before)
            break;
        const auto now = allocateLive(ledger, optionsFrom((*before)->statement, month));
        if (!now.ok())
            return now.error();
        const QHash<QString, Nano> current = shares(*now);
        QSet<QString> centres(current.keyBegin(), current.keyEnd());
        for (auto it = (*before)->baseline.cbegin(); it != (*before)->baseline.cend(); ++it)
            centres.insert(it.key());
        QStringList sorted(centres.begin(), centres.end());
        sorted.sort();
        for (const QString &centre : sorted) {
            const Nano delta = current.value(centre) - (*before)->baseline.value(centre);
            if (delta == 0)
                continue;
            Line l;
            l.costCentre = centre;
            l.basis = QStringLiteral("adjustment");
            l.detail = QStringLiteral("late data for %1 (closed)").arg(isoMonth(monthKey(month)));
            l.exactNano = delta;
            l.cents = centsOf(delta);
            s->lines.append(l);
            s->totalNano += delta;
            s->totalCents += l.cents;
        }
        s->adjusted.insert(month, current);
    }
    return s;
}

Status closePeriod(Storage::Ledger &ledger, const Options &options, qint64 nowMs)
{
    const auto s = allocate(ledger, options);
    if (!s.ok())
        return s.error();
    if (s->issued)
        return makeError(ErrorCode::Usage,
                         QStringLiteral("%1 is already closed (since %2)")
                             .arg(isoMonth(monthKey(options.month.from)), isoTimestamp(s->closedMs)));
    QSqlDatabase db = ledger.db();
    if (!db.transaction())
        return makeError(ErrorCode::Database, db.lastError().text());
    auto write = [&]() -> Status {
        // The baselines this month moves, as they were: re-opening it puts them back.
        QJsonObject restores;
        for (auto it = s->adjusted.cbegin(); it != s->adjusted.cend(); ++it) {
            const auto before = period(ledger, it.key());
            if (!before.ok())
                return before.error();
            restores.insert(QString::number(it.key()),
                            QJsonDocument::fromJson(sharesJson((*before)->baseline)).object());
        }
        QSqlQuery insert(db);
        insert.prepare(QStringLiteral("INSERT INTO chargeback_periods (month_day, closed_ms, statement, baseline, "
                                      "restores) VALUES (?, ?, ?, ?, ?)"));
        for (const QVariant &v :
             {QVariant(options.month.from), QVariant(nowMs), QVariant(QString::fromUtf8(toJson(*s, options))),
              QVariant(QString::fromUtf8(sharesJson(shares(*s)))),
              QVariant(QString::fromUtf8(QJsonDocument(restores).toJson(QJsonDocument::Compact)))})
            insert.addBindValue(v);
        if (!insert.exec())
            return dbError(insert, "close the month");
        // The late data booked here is no longer late for those months.
        for (auto it = s->adjusted.cbegin(); it != s->adjusted.cend(); ++it) {
            QSqlQuery update(db);
            update.prepare(QStringLiteral("UPDATE chargeback_periods SET baseline = ? WHERE month_day = ?"));
            update.addBindValue(QString::fromUtf8(sharesJson(it.value())));
            update.addBindValue(it.key());
            if (!update.exec())
                return dbError(update, "book the adjustments");
        }
        return recordEvent(db, options.month.from, "close", nowMs,
                           QStringLiteral("$%1 issued").arg(centsText(s->totalCents)));
    };
    if (const Status w = write(); !w.ok() || !db.commit()) {
        db.rollback();
        return w.ok() ? Status(makeError(ErrorCode::Database, db.lastError().text())) : w;
    }
    return {};
}

Status reopenPeriod(Storage::Ledger &ledger, qint64 monthFirstDay, const QString &reason, qint64 nowMs)
{
    if (reason.trimmed().isEmpty())
        return makeError(ErrorCode::Usage, QStringLiteral("re-opening a month needs a reason"));
    const auto months = closedMonths(ledger);
    if (!months.ok())
        return months.error();
    const QString name = isoMonth(monthKey(monthFirstDay));
    if (!months->contains(monthFirstDay))
        return makeError(ErrorCode::Usage, QStringLiteral("%1 is not closed").arg(name));
    if (months->last() != monthFirstDay)
        return makeError(
            ErrorCode::Usage,
            QStringLiteral("re-open %1 first: it is closed after %2").arg(isoMonth(monthKey(months->last())), name));
    QSqlDatabase db = ledger.db();
    if (!db.transaction())
        return makeError(ErrorCode::Database, db.lastError().text());
    auto reopen = [&]() -> Status {
        // The months whose late data it booked count it from where they were before.
        QSqlQuery restores(db);
        restores.prepare(QStringLiteral("SELECT restores FROM chargeback_periods WHERE month_day = ?"));
        restores.addBindValue(monthFirstDay);
        if (!restores.exec() || !restores.next())
            return dbError(restores, "read the closed month");
        const QJsonObject before = QJsonDocument::fromJson(restores.value(0).toString().toUtf8()).object();
        for (auto it = before.begin(); it != before.end(); ++it) {
            QSqlQuery update(db);
            update.prepare(QStringLiteral("UPDATE chargeback_periods SET baseline = ? WHERE month_day = ?"));
            update.addBindValue(QString::fromUtf8(QJsonDocument(it.value().toObject()).toJson(QJsonDocument::Compact)));
            update.addBindValue(it.key().toLongLong());
            if (!update.exec())
                return dbError(update, "restore an adjustment baseline");
        }
        QSqlQuery remove(db);
        remove.prepare(QStringLiteral("DELETE FROM chargeback_periods WHERE month_day = ?"));
        remove.addBindValue(monthFirstDay);
        if (!remove.exec())
            return dbError(remove, "re-open the month");
        return recordEvent(db, monthFirstDay, "reopen", nowMs, reason.trimmed());
    };
    Status done = reopen();
    if (!done.ok() || !db.commit()) {
        db.rollback();
        return done.ok() ? Status(makeError(ErrorCode::Database, db.lastError().text())) : done;
    }
    return {};
}

Result<QVector<PeriodEvent>> periodHistory(Storage::Ledger &ledger)
{
    QSqlQuery q(ledger.db());
    if (!q.exec(QStringLiteral(
            "SELECT month_day, action, at_ms, note FROM chargeback_events ORDER BY at_ms DESC, id DESC")))
        return dbError(q, "read the period history");
    QVector<PeriodEvent> events;
    while (q.next())
        events.append({q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toLongLong(), q.value(3).toString()});
    return events;
}

Result<QVector<qint64>> closedMonths(Storage::Ledger &ledger)
{
    QSqlQuery q(ledger.db());
    if (!q.exec(QStringLiteral("SELECT month_day FROM chargeback_periods ORDER BY month_day")))
        return dbError(q, "read the closed months");
    QVector<qint64> months;
    while (q.next())
        months.append(q.value(0).toLongLong());
    return months;
}

QString statementFileName(const Statement &s, const QString &costCentre, const QString &extension)
{
    QString safe;
    for (const QChar c : costCentre)
        safe += c.isLetterOrNumber() || c == u'-' || c == u'_' ? c : u'_';
    return QStringLiteral("chargeback-%1-%2.%3")
        .arg(isoMonth(monthKey(s.month.from)), safe.isEmpty() ? QStringLiteral("_") : safe, extension);
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
             QStringLiteral("%1 to %2, shared split %3%4%5")
                 .arg(isoDate(s.month.from), isoDate(s.month.to), s.sharedRule,
                      s.unpricedRequests == 0
                          ? QString()
                          : QStringLiteral("; %1 requests without a price are not included").arg(s.unpricedRequests),
                      s.issued ? QStringLiteral("; closed %1, as issued").arg(isoTimestamp(s.closedMs)) : QString()),
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

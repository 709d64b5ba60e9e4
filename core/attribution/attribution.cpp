#include "attribution.h"

#include "storage/ledger.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

namespace CostGov::Attribution {

namespace {

Error dbError(const QSqlQuery &query, const char *what)
{
    return makeError(ErrorCode::Database,
                     QStringLiteral("cannot %1: %2").arg(QLatin1String(what), query.lastError().text()));
}

Result<QVector<Rule>> rulesOn(QSqlDatabase &db)
{
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT id, position, provider, field, pattern, team, feature FROM attribution_rules "
                               "ORDER BY position, id")))
        return dbError(q, "read the attribution rules");
    QVector<Rule> rules;
    while (q.next()) {
        Rule r;
        r.id = q.value(0).toLongLong();
        r.position = q.value(1).toInt();
        r.provider = q.value(2).toString();
        r.field = q.value(3).toString();
        r.pattern = q.value(4).toString();
        r.team = q.value(5).toString();
        r.feature = q.value(6).toString();
        rules.append(r);
    }
    return rules;
}

} // namespace

QString unallocated()
{
    return QStringLiteral("unallocated");
}

bool Rule::matches(const QString &rowProvider, const QString &project, const QString &apiKey) const
{
    if (!provider.isEmpty() && provider != rowProvider)
        return false;
    const QString &value = field == QLatin1String("api_key") ? apiKey : project;
    return pattern.endsWith(u'*') ? value.startsWith(pattern.chopped(1)) : value == pattern;
}

Result<QVector<Rule>> listRules(Storage::Ledger &ledger)
{
    QSqlDatabase db = ledger.db();
    return rulesOn(db);
}

Result<qint64> addRule(Storage::Ledger &ledger, const Rule &rule)
{
    if (rule.field != QLatin1String("project") && rule.field != QLatin1String("api_key"))
        return makeError(ErrorCode::Usage, QStringLiteral("a rule matches a project or an api_key"));
    if (rule.pattern.isEmpty() || rule.team.isEmpty())
        return makeError(ErrorCode::Usage, QStringLiteral("a rule needs a value to match and a team"));
    QSqlDatabase db = ledger.db();
    if (!db.transaction())
        return makeError(ErrorCode::Database, db.lastError().text());
    auto add = [&]() -> Result<qint64> {
        QSqlQuery q(db);
        if (!q.exec(QStringLiteral("SELECT COALESCE(MAX(position), 0) FROM attribution_rules")) || !q.next())
            return dbError(q, "read the attribution rules");
        const int last = q.value(0).toInt();
        const int position = rule.position <= 0 || rule.position > last ? last + 1 : rule.position;
        QSqlQuery shift(db);
        shift.prepare(QStringLiteral("UPDATE attribution_rules SET position = position + 1 WHERE position >= ?"));
        shift.addBindValue(position);
        if (!shift.exec())
            return dbError(shift, "make room for the rule");
        QSqlQuery insert(db);
        insert.prepare(QStringLiteral("INSERT INTO attribution_rules (position, provider, field, pattern, team, "
                                      "feature) VALUES (?, ?, ?, ?, ?, ?)"));
        for (const QVariant &v :
             {QVariant(position), QVariant(rule.provider.isNull() ? QStringLiteral("") : rule.provider),
              QVariant(rule.field), QVariant(rule.pattern), QVariant(rule.team),
              QVariant(rule.feature.isEmpty() ? unallocated() : rule.feature)})
            insert.addBindValue(v);
        if (!insert.exec())
            return dbError(insert, "store the rule");
        return insert.lastInsertId().toLongLong();
    };
    const auto id = add();
    if (!id.ok() || !db.commit()) {
        db.rollback();
        return id.ok() ? makeError(ErrorCode::Database, db.lastError().text()) : id.error();
    }
    return id;
}

Result<bool> removeRule(Storage::Ledger &ledger, qint64 id)
{
    QSqlQuery q(ledger.db());
    q.prepare(QStringLiteral("DELETE FROM attribution_rules WHERE id = ?"));
    q.addBindValue(id);
    if (!q.exec())
        return dbError(q, "remove the rule");
    return q.numRowsAffected() > 0;
}

Result<Moved> applyRules(QSqlDatabase &db)
{
    const auto rules = rulesOn(db);
    if (!rules.ok())
        return rules.error();
    Moved moved;
    for (const char *table : {"billed_costs", "billed_usage"}) {
        // Rules look at provider, project and key only: decide once for each distinct combination.
        QSqlQuery combos(db);
        if (!combos.exec(
                QStringLiteral("SELECT DISTINCT provider, project, api_key FROM %1").arg(QLatin1String(table))))
            return dbError(combos, "read the billed rows");
        QVector<std::array<QString, 3>> keys;
        while (combos.next())
            keys.append({combos.value(0).toString(), combos.value(1).toString(), combos.value(2).toString()});
        const bool costs = qstrcmp(table, "billed_costs") == 0;
        for (const auto &[provider, project, apiKey] : keys) {
            QString team = unallocated(), feature = unallocated();
            for (const Rule &rule : *rules) {
                if (rule.matches(provider, project, apiKey)) {
                    team = rule.team;
                    feature = rule.feature;
                    break;
                }
            }
            const QString where =
                QStringLiteral("provider = ? AND project = ? AND api_key = ? AND (team <> ? OR feature <> ?)");
            if (costs) {
                QSqlQuery amount(db);
                amount.prepare(QStringLiteral("SELECT COALESCE(SUM(amount_nano), 0) FROM billed_costs WHERE ") + where);
                for (const QString &v : {provider, project, apiKey, team, feature})
                    amount.addBindValue(v);
                if (!amount.exec() || !amount.next())
                    return dbError(amount, "read the billed costs");
                moved.amount += amount.value(0).toLongLong();
            }
            QSqlQuery update(db);
            update.prepare(QStringLiteral("UPDATE %1 SET team = ?, feature = ? WHERE ").arg(QLatin1String(table))
                           + where);
            for (const QString &v : {team, feature, provider, project, apiKey, team, feature})
                update.addBindValue(v);
            if (!update.exec())
                return dbError(update, "attribute the billed rows");
            moved.rows += update.numRowsAffected();
        }
    }
    return moved;
}

Result<Moved> applyRules(Storage::Ledger &ledger)
{
    QSqlDatabase db = ledger.db();
    if (!db.transaction())
        return makeError(ErrorCode::Database, db.lastError().text());
    auto moved = applyRules(db);
    if (!moved.ok() || !db.commit()) {
        db.rollback();
        return moved.ok() ? makeError(ErrorCode::Database, db.lastError().text()) : moved.error();
    }
    return moved;
}

} // namespace CostGov::Attribution

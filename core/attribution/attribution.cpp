#include "attribution.h"

#include "storage/ledger.h"
#include "storage/rollups.h"
#include "storage/sqlitestatement.h"

#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

#include <map>
#include <unordered_map>

namespace CostGov::Attribution {

namespace {

using Storage::dbError;

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

bool Rule::forBilled() const
{
    return field == QLatin1String("project") || field == QLatin1String("api_key");
}

bool Rule::forRequests() const
{
    return field == QLatin1String("project") || field == QLatin1String("team") || field == QLatin1String("service")
        || field == QLatin1String("tag");
}

RequestRules::RequestRules(const QVector<Rule> &rules)
{
    for (const Rule &rule : rules) {
        if (!rule.forRequests())
            continue;
        Compiled c;
        c.provider = rule.provider.toStdString();
        QString value = rule.pattern;
        if (rule.field == QLatin1String("tag")) {
            c.field = Field::Tag;
            const qsizetype eq = value.indexOf(u'=');
            c.key = value.left(eq).toStdString();
            value = value.mid(eq + 1);
        } else if (rule.field == QLatin1String("service")) {
            c.field = Field::Service;
            c.key = "service_name";
        } else {
            c.field = rule.field == QLatin1String("team") ? Field::Team : Field::Project;
        }
        // (A team rule reads tags too: a LiteLLM team id is kept as the team_id tag.)
        m_readsTags = m_readsTags || c.field != Field::Project;
        c.prefix = value.endsWith(u'*');
        c.value = (c.prefix ? value.chopped(1) : value).toStdString();
        c.target = {rule.team.toStdString(), rule.feature.toStdString()};
        m_rules.push_back(std::move(c));
    }
}

const RequestRules::Target *RequestRules::match(const RequestFacts &facts) const
{
    for (const Compiled &c : m_rules) {
        if (!c.provider.empty() && c.provider != facts.provider)
            continue;
        auto matches = [&c](std::string_view value) {
            return c.prefix ? value.substr(0, c.value.size()) == c.value : value == c.value;
        };
        bool hit = false;
        switch (c.field) {
        case Field::Project:
            hit = matches(facts.project);
            break;
        case Field::Team: {
            // A LiteLLM team is named by its alias; its id is kept as a tag and matches too.
            hit = matches(facts.team);
            if (!hit && !facts.tagsJson.empty())
                if (const auto id = tagValue(facts.tagsJson, "team_id"))
                    hit = matches(*id);
            break;
        }
        case Field::Service:
        case Field::Tag:
            if (!facts.tagsJson.empty())
                if (const auto v = tagValue(facts.tagsJson, c.key))
                    hit = matches(*v);
            break;
        }
        if (hit)
            return &c.target;
    }
    return nullptr;
}

namespace {

// A tiny reader of the flat tags object: strings are read, other values skipped.
class TagScanner {
public:
    explicit TagScanner(std::string_view text) : m_s(text) {}

    std::optional<std::string> find(std::string_view key)
    {
        skipSpace();
        if (!eat('{'))
            return std::nullopt;
        for (;;) {
            skipSpace();
            std::string name;
            if (!readString(name))
                return std::nullopt;
            skipSpace();
            if (!eat(':'))
                return std::nullopt;
            skipSpace();
            if (peek() == '"') {
                std::string value;
                if (!readString(value))
                    return std::nullopt;
                if (name == key)
                    return value;
            } else if (!skipValue()) {
                return std::nullopt;
            }
            skipSpace();
            if (!eat(','))
                return std::nullopt;
        }
    }

private:
    char peek() const { return m_i < m_s.size() ? m_s[m_i] : '\0'; }
    bool eat(char c)
    {
        if (peek() != c)
            return false;
        ++m_i;
        return true;
    }
    void skipSpace()
    {
        while (m_i < m_s.size() && (m_s[m_i] == ' ' || m_s[m_i] == '\n' || m_s[m_i] == '\t' || m_s[m_i] == '\r'))
            ++m_i;
    }
    bool readString(std::string &out)
    {
        if (!eat('"'))
            return false;
        while (m_i < m_s.size()) {
            const char c = m_s[m_i++];
            if (c == '"')
                return true;
            if (c == '\\' && m_i < m_s.size()) {
                const char e = m_s[m_i++];
                out.push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e); // \uXXXX stays as written
            } else {
                out.push_back(c);
            }
        }
        return false;
    }
    // A number, literal, array or object: to the next top-level comma or closing brace.
    bool skipValue()
    {
        int depth = 0;
        while (m_i < m_s.size()) {
            const char c = m_s[m_i];
            if (c == '"') {
                std::string ignored;
                if (!readString(ignored))
                    return false;
                continue;
            }
            if (depth == 0 && (c == ',' || c == '}'))
                return true;
            if (c == '[' || c == '{')
                ++depth;
            else if (c == ']' || c == '}')
                --depth;
            ++m_i;
        }
        return false;
    }

    std::string_view m_s;
    size_t m_i = 0;
};

} // namespace

std::optional<std::string> tagValue(std::string_view tagsJson, std::string_view key)
{
    return TagScanner(tagsJson).find(key);
}

Result<QVector<Rule>> listRules(Storage::Ledger &ledger)
{
    QSqlDatabase db = ledger.db();
    return rulesOn(db);
}

Result<qint64> addRule(Storage::Ledger &ledger, const Rule &rule)
{
    if (!rule.forBilled() && !rule.forRequests())
        return makeError(
            ErrorCode::Usage,
            QStringLiteral("a rule matches a project, api_key, team, service or tag, not \"%1\"").arg(rule.field));
    if (rule.pattern.isEmpty() || rule.team.isEmpty())
        return makeError(ErrorCode::Usage, QStringLiteral("a rule needs a value to match and a team"));
    if (rule.field == QLatin1String("tag") && rule.pattern.indexOf(u'=') <= 0)
        return makeError(ErrorCode::Usage,
                         QStringLiteral("a tag rule matches key=value (for example api_key_alias=search-prod), not "
                                        "\"%1\"")
                             .arg(rule.pattern));
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
              QVariant(rule.feature.isNull() ? QStringLiteral("") : rule.feature)})
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

Result<Moved> applyBilledRules(QSqlDatabase &db)
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
                if (!rule.forBilled() || (!rule.provider.isEmpty() && rule.provider != provider))
                    continue;
                const QString &value = rule.field == QLatin1String("api_key") ? apiKey : project;
                if (rule.pattern.endsWith(u'*') ? value.startsWith(rule.pattern.chopped(1)) : value == rule.pattern) {
                    team = rule.team;
                    feature = rule.feature.isEmpty() ? unallocated() : rule.feature;
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

namespace {

constexpr qint64 kChunk = 100'000;

// Moves metered requests to the dimension combination the rules give them, from what their
// sources said (dimsets.source_team and source_feature). Inside the caller's transaction.
class RequestReattribution {
public:
    RequestReattribution(Storage::Ledger &ledger, const RequestRules &rules)
        : m_ledger(ledger), m_db(ledger.handle()), m_rules(rules)
    {}

    Status run(Moved &moved)
    {
        if (Status s = prepare(); !s.ok())
            return s;
        if (Status s = loadDimsets(); !s.ok())
            return s;
        // Without tag rules a request's target depends on its dimset alone.
        std::unordered_map<qint64, qint64> byDimset;
        bool anyChange = m_rules.readsTags();
        std::vector<qint64> ids; // targetOf adds dimsets: do not iterate the map it changes
        for (const auto &entry : m_dimsets)
            ids.push_back(entry.first);
        for (const qint64 id : ids) {
            const auto target = targetOf(id, {});
            if (!target.ok())
                return target.error();
            byDimset.emplace(id, *target);
            anyChange = anyChange || *target != id;
        }
        if (!anyChange)
            return {};

        QSet<qint64> days;
        qint64 lastId = 0;
        for (;;) {
            struct Change {
                qint64 id, dimset;
            };
            std::vector<Change> changes;
            qint64 read = 0;
            m_select.bind(1, lastId);
            m_select.bind(2, kChunk);
            while (m_select.step() == SQLITE_ROW) {
                ++read;
                lastId = m_select.columnInt(0);
                const qint64 dimset = m_select.columnInt(2);
                qint64 target = byDimset.at(dimset);
                if (m_rules.readsTags() && !m_select.columnIsNull(4)) {
                    const auto tagged = targetOf(dimset, m_select.columnText(4));
                    if (!tagged.ok()) {
                        m_select.reset();
                        return tagged.error();
                    }
                    target = *tagged;
                }
                if (target == dimset)
                    continue;
                changes.push_back({lastId, target});
                days.insert(m_select.columnInt(1));
                ++moved.requests;
                moved.requestCost += m_select.columnInt(3);
            }
            m_select.reset();
            for (const Change &c : changes) {
                m_update.bind(1, c.id);
                m_update.bind(2, c.dimset);
                if (!m_update.run())
                    return fail("move a request to its team");
            }
            if (read < kChunk)
                break;
        }
        if (days.isEmpty())
            return {};
        return Storage::rebuildAllRollups(m_ledger, QVector<qint64>(days.begin(), days.end()));
    }

private:
    // Label ids: source, provider, model, requested_model, team, feature, environment, project,
    // route, status, source_team, source_feature.
    using Ids = std::array<qint64, 12>;
    enum Column { Provider = 1, Team = 4, Feature = 5, Project = 7, SourceTeam = 10, SourceFeature = 11 };
    struct Dimset {
        Ids ids;
        std::string provider, project, sourceTeam;
    };

    Status prepare()
    {
        const std::pair<Storage::SqliteStatement *, const char *> statements[] = {
            {&m_select,
             "SELECT id, day, dimset, COALESCE(cost_nano, 0), tags FROM requests WHERE id > ?1 "
             "ORDER BY id LIMIT ?2"},
            {&m_update, "UPDATE requests SET dimset = ?2 WHERE id = ?1"},
            {&m_findLabel, "SELECT id FROM labels WHERE kind = ?1 AND value = ?2"},
            {&m_insertLabel, "INSERT INTO labels (kind, value) VALUES (?1, ?2)"},
            {&m_insertDimset,
             "INSERT INTO dimsets (source, provider, model, requested_model, team, feature, environment, project, "
             "route, status, source_team, source_feature) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"},
        };
        for (const auto &[statement, sql] : statements)
            if (!statement->prepare(m_db, sql))
                return fail("prepare re-attribution");
        return {};
    }

    Status loadDimsets()
    {
        Storage::SqliteStatement q;
        if (!q.prepare(m_db,
                       "SELECT d.id, d.source, d.provider, d.model, d.requested_model, d.team, d.feature, "
                       "d.environment, d.project, d.route, d.status, d.source_team, d.source_feature, p.value, "
                       "j.value, t.value FROM dimsets d JOIN labels p ON p.id = d.provider "
                       "JOIN labels j ON j.id = d.project JOIN labels t ON t.id = d.source_team"))
            return fail("read the dimension combinations");
        while (q.step() == SQLITE_ROW) {
            Dimset d;
            for (size_t i = 0; i < d.ids.size(); ++i)
                d.ids[i] = q.columnInt(int(i) + 1);
            d.provider = q.columnText(13);
            d.project = q.columnText(14);
            d.sourceTeam = q.columnText(15);
            const qint64 id = q.columnInt(0);
            m_byIds.emplace(d.ids, id);
            m_dimsets.emplace(id, std::move(d));
        }
        return {};
    }

    // The dimset a request of this dimset (and tags) belongs in; created when new.
    Result<qint64> targetOf(qint64 dimsetId, std::string_view tags)
    {
        const Dimset &d = m_dimsets.at(dimsetId);
        const RequestRules::Target *target = m_rules.match({d.provider, d.project, d.sourceTeam, tags});
        Ids ids = d.ids;
        ids[Team] = d.ids[SourceTeam];
        ids[Feature] = d.ids[SourceFeature];
        if (target) {
            const auto team = labelId(Storage::LabelKind::Team, target->team);
            if (!team.ok())
                return team.error();
            ids[Team] = *team;
            if (!target->feature.empty()) {
                const auto feature = labelId(Storage::LabelKind::Feature, target->feature);
                if (!feature.ok())
                    return feature.error();
                ids[Feature] = *feature;
            }
        }
        if (ids == d.ids)
            return dimsetId;
        if (const auto it = m_byIds.find(ids); it != m_byIds.end())
            return it->second;
        for (size_t i = 0; i < ids.size(); ++i)
            m_insertDimset.bind(int(i) + 1, ids[i]);
        if (!m_insertDimset.run())
            return fail("store a dimension combination").error();
        const qint64 id = sqlite3_last_insert_rowid(m_db);
        Dimset copy = d;
        copy.ids = ids;
        m_byIds.emplace(ids, id);
        m_dimsets.emplace(id, std::move(copy));
        return id;
    }

    Result<qint64> labelId(Storage::LabelKind kind, const std::string &value)
    {
        const auto key = std::make_pair(int(kind), value);
        if (const auto it = m_labels.find(key); it != m_labels.end())
            return it->second;
        m_findLabel.bind(1, qint64(kind));
        m_findLabel.bind(2, std::string_view(value));
        qint64 id = m_findLabel.step() == SQLITE_ROW ? m_findLabel.columnInt(0) : 0;
        m_findLabel.reset();
        if (id == 0) {
            m_insertLabel.bind(1, qint64(kind));
            m_insertLabel.bind(2, std::string_view(value));
            if (!m_insertLabel.run())
                return fail("store a team or feature").error();
            id = sqlite3_last_insert_rowid(m_db);
        }
        m_labels.emplace(key, id);
        return id;
    }

    Status fail(const char *what) const
    {
        return makeError(ErrorCode::Database,
                         QStringLiteral("cannot %1: %2").arg(QLatin1String(what), Storage::sqliteError(m_db)));
    }

    Storage::Ledger &m_ledger;
    sqlite3 *m_db;
    const RequestRules &m_rules;
    Storage::SqliteStatement m_select, m_update, m_findLabel, m_insertLabel, m_insertDimset;
    std::unordered_map<qint64, Dimset> m_dimsets;
    std::map<Ids, qint64> m_byIds;
    std::map<std::pair<int, std::string>, qint64> m_labels;
};

} // namespace

Result<Moved> applyRules(Storage::Ledger &ledger)
{
    sqlite3 *handle = ledger.handle();
    if (sqlite3_exec(handle, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
        return makeError(ErrorCode::Database,
                         QStringLiteral("cannot start applying the rules: %1").arg(Storage::sqliteError(handle)));
    QSqlDatabase db = ledger.db();
    auto apply = [&]() -> Result<Moved> {
        auto moved = applyBilledRules(db);
        if (!moved.ok())
            return moved;
        const auto rules = rulesOn(db);
        if (!rules.ok())
            return rules.error();
        const RequestRules requestRules(*rules);
        if (Status s = RequestReattribution(ledger, requestRules).run(*moved); !s.ok())
            return s.error();
        return moved;
    };
    auto moved = apply();
    if (!moved.ok() || sqlite3_exec(handle, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
        const Error error = moved.ok() ? makeError(ErrorCode::Database, Storage::sqliteError(handle)) : moved.error();
        sqlite3_exec(handle, "ROLLBACK", nullptr, nullptr, nullptr);
        return error;
    }
    return moved;
}

} // namespace CostGov::Attribution

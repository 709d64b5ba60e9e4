#include "policy.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTimeZone>

#include <set>

namespace CostGov::Policy {

namespace {

const QString kSchema = QStringLiteral("costgov.policy/1");

// Reads one JSON object, recording problems with their paths and refusing unknown keys.
class Reader {
public:
    Reader(QVector<Problem> &problems, QJsonObject object, QString path)
        : m_problems(problems), m_object(std::move(object)), m_path(std::move(path))
    {}
    ~Reader()
    {
        for (auto it = m_object.begin(); it != m_object.end(); ++it)
            if (!m_known.count(it.key()))
                m_problems.append({at(it.key()), QStringLiteral("unknown field")});
    }
    Reader(const Reader &) = delete;
    Reader &operator=(const Reader &) = delete;

    QString at(const QString &key) const { return m_path.isEmpty() ? key : m_path + QLatin1Char('.') + key; }
    void problem(const QString &key, const QString &message) { m_problems.append({at(key), message}); }
    bool has(const QString &key)
    {
        m_known.insert(key);
        return m_object.contains(key) && !m_object.value(key).isNull();
    }

    QString text(const QString &key, const QString &fallback = {})
    {
        if (!has(key))
            return fallback;
        const QJsonValue v = m_object.value(key);
        if (!v.isString()) {
            problem(key, QStringLiteral("must be a string"));
            return fallback;
        }
        return v.toString();
    }
    bool boolean(const QString &key, bool fallback)
    {
        if (!has(key))
            return fallback;
        const QJsonValue v = m_object.value(key);
        if (!v.isBool()) {
            problem(key, QStringLiteral("must be true or false"));
            return fallback;
        }
        return v.toBool();
    }
    std::optional<bool> optionalBool(const QString &key)
    {
        if (!has(key))
            return std::nullopt;
        return boolean(key, false);
    }
    std::optional<qint64> integer(const QString &key, qint64 min = 0, qint64 max = std::numeric_limits<qint32>::max())
    {
        if (!has(key))
            return std::nullopt;
        const QJsonValue v = m_object.value(key);
        const double d = v.toDouble(-1.5);
        if (!v.isDouble() || d != std::floor(d) || d < double(min) || d > double(max)) {
            problem(key, QStringLiteral("must be a whole number from %1 to %2").arg(min).arg(max));
            return std::nullopt;
        }
        return qint64(d);
    }
    std::optional<double> number(const QString &key, double min, double max)
    {
        if (!has(key))
            return std::nullopt;
        const QJsonValue v = m_object.value(key);
        if (!v.isDouble() || v.toDouble() < min || v.toDouble() > max) {
            problem(key, QStringLiteral("must be a number from %1 to %2").arg(min).arg(max));
            return std::nullopt;
        }
        return v.toDouble();
    }
    /// A string or a list of strings.
    QStringList strings(const QString &key)
    {
        if (!has(key))
            return {};
        const QJsonValue v = m_object.value(key);
        if (v.isString() && !v.toString().isEmpty())
            return {v.toString()};
        QStringList out;
        if (v.isArray()) {
            for (const QJsonValue &item : v.toArray()) {
                if (!item.isString() || item.toString().isEmpty()) {
                    problem(key, QStringLiteral("must hold non-empty strings"));
                    return {};
                }
                out.append(item.toString());
            }
            return out;
        }
        problem(key, QStringLiteral("must be a non-empty string or a list of them"));
        return {};
    }
    std::optional<QJsonObject> object(const QString &key)
    {
        if (!has(key))
            return std::nullopt;
        if (!m_object.value(key).isObject()) {
            problem(key, QStringLiteral("must be an object"));
            return std::nullopt;
        }
        return m_object.value(key).toObject();
    }
    QJsonArray array(const QString &key)
    {
        if (!has(key))
            return {};
        if (!m_object.value(key).isArray()) {
            problem(key, QStringLiteral("must be a list"));
            return {};
        }
        return m_object.value(key).toArray();
    }
    /// An amount in USD as a decimal string ("100.00") or a number.
    std::optional<Nano> usd(const QString &key)
    {
        if (!has(key))
            return std::nullopt;
        const QJsonValue v = m_object.value(key);
        const QByteArray text = v.isString() ? v.toString().toUtf8()
            : v.isDouble()                   ? QByteArray::number(v.toDouble(), 'f', 9)
                                             : QByteArray();
        const auto nano = parseUsd(std::string_view(text.constData(), size_t(text.size())));
        if (!nano || *nano < 0) {
            problem(key, QStringLiteral("must be an amount in USD, such as \"100.00\""));
            return std::nullopt;
        }
        return nano;
    }

private:
    QVector<Problem> &m_problems;
    QJsonObject m_object;
    QString m_path;
    std::set<QString> m_known;
};

QString indexed(const QString &path, int i)
{
    return path + QLatin1Char('[') + QString::number(i) + QLatin1Char(']');
}

std::optional<Target> readTarget(QVector<Problem> &problems, const QJsonValue &value, const QString &path)
{
    if (!value.isObject()) {
        problems.append({path, QStringLiteral("must be an object with provider and model")});
        return std::nullopt;
    }
    Reader r(problems, value.toObject(), path);
    Target t{r.text(QStringLiteral("provider")), r.text(QStringLiteral("model"))};
    if (t.model.isEmpty())
        r.problem(QStringLiteral("model"), QStringLiteral("is required"));
    if (t.provider.isEmpty())
        r.problem(QStringLiteral("provider"), QStringLiteral("is required"));
    return t;
}

QVector<Target> readTargets(QVector<Problem> &problems, Reader &r, const QString &key)
{
    QVector<Target> out;
    const QJsonArray list = r.array(key);
    for (int i = 0; i < list.size(); ++i)
        if (auto t = readTarget(problems, list.at(i), indexed(r.at(key), i)))
            out.append(*t);
    return out;
}

Match readMatch(QVector<Problem> &problems, const QJsonObject &object, const QString &path)
{
    Reader r(problems, object, path);
    Match m;
    m.models = r.strings(QStringLiteral("models"));
    m.minPromptTokens = r.integer(QStringLiteral("min_prompt_tokens"), 0, 100'000'000);
    m.maxPromptTokens = r.integer(QStringLiteral("max_prompt_tokens"), 0, 100'000'000);
    if (m.minPromptTokens && m.maxPromptTokens && *m.minPromptTokens > *m.maxPromptTokens)
        r.problem(QStringLiteral("max_prompt_tokens"), QStringLiteral("is below min_prompt_tokens"));
    m.keywords = r.strings(QStringLiteral("keywords"));
    m.regex = r.text(QStringLiteral("regex"));
    if (!m.regex.isEmpty()) {
        m.compiledRegex = QRegularExpression(m.regex, QRegularExpression::CaseInsensitiveOption);
        if (!m.compiledRegex.isValid())
            r.problem(QStringLiteral("regex"),
                      QStringLiteral("is not a valid regular expression: %1 at offset %2")
                          .arg(m.compiledRegex.errorString())
                          .arg(m.compiledRegex.patternErrorOffset()));
        else
            m.compiledRegex.optimize();
    }
    m.teams = r.strings(QStringLiteral("team"));
    m.features = r.strings(QStringLiteral("feature"));
    m.users = r.strings(QStringLiteral("user"));
    m.environments = r.strings(QStringLiteral("environment"));
    m.tools = r.optionalBool(QStringLiteral("tools"));
    m.responseFormat = r.text(QStringLiteral("response_format"));
    if (!m.responseFormat.isEmpty() && m.responseFormat != QLatin1String("json")
        && m.responseFormat != QLatin1String("text"))
        r.problem(QStringLiteral("response_format"), QStringLiteral("must be \"json\" or \"text\""));
    m.maxTokensAtMost = r.integer(QStringLiteral("max_tokens_at_most"), 1, 10'000'000);
    return m;
}

Rule readRule(QVector<Problem> &problems, const QJsonValue &value, const QString &path)
{
    Rule rule;
    if (!value.isObject()) {
        problems.append({path, QStringLiteral("must be an object")});
        return rule;
    }
    Reader r(problems, value.toObject(), path);
    rule.name = r.text(QStringLiteral("name"));
    if (rule.name.isEmpty())
        r.problem(QStringLiteral("name"), QStringLiteral("is required"));
    if (auto m = r.object(QStringLiteral("match")))
        rule.match = readMatch(problems, *m, r.at(QStringLiteral("match")));
    if (r.has(QStringLiteral("route")) == r.has(QStringLiteral("cascade"))) {
        r.problem(QStringLiteral("route"), QStringLiteral("a rule needs either route or cascade"));
    } else if (r.has(QStringLiteral("route"))) {
        if (auto t =
                readTarget(problems, value.toObject().value(QStringLiteral("route")), r.at(QStringLiteral("route"))))
            rule.targets.append(*t);
    } else if (auto c = r.object(QStringLiteral("cascade"))) {
        rule.cascade = true;
        Reader cr(problems, *c, r.at(QStringLiteral("cascade")));
        rule.targets = readTargets(problems, cr, QStringLiteral("models"));
        if (rule.targets.size() < 2)
            cr.problem(QStringLiteral("models"), QStringLiteral("a cascade needs at least two models, cheapest first"));
        if (auto checks = cr.object(QStringLiteral("checks"))) {
            Reader k(problems, *checks, cr.at(QStringLiteral("checks")));
            rule.checks.validJson = k.boolean(QStringLiteral("valid_json"), true);
            rule.checks.minOutputTokens = k.integer(QStringLiteral("min_output_tokens"), 0, 1'000'000).value_or(1);
            rule.checks.finishLength = k.boolean(QStringLiteral("finish_length"), true);
            rule.checks.refusal = k.boolean(QStringLiteral("refusal"), true);
        }
    }
    rule.fallbacks = readTargets(problems, r, QStringLiteral("fallbacks"));
    if (auto cache = r.object(QStringLiteral("cache"))) {
        Reader cr(problems, *cache, r.at(QStringLiteral("cache")));
        rule.exactCache = cr.optionalBool(QStringLiteral("exact"));
        rule.semanticCache = cr.optionalBool(QStringLiteral("semantic"));
    }
    return rule;
}

const QStringList kScopeDimensions{QStringLiteral("team"), QStringLiteral("feature"), QStringLiteral("user"),
                                   QStringLiteral("environment"), QStringLiteral("client")};

QStringList readScope(Reader &r, const QString &key, const QStringList &fallback)
{
    if (!r.has(key))
        return fallback;
    const QStringList scope = r.strings(key);
    for (const QString &d : scope)
        if (!kScopeDimensions.contains(d))
            r.problem(key, QStringLiteral("\"%1\" is not one of team, feature, user, environment, client").arg(d));
    return scope;
}

void readCache(QVector<Problem> &problems, Policy &p, const QJsonObject &object)
{
    Reader r(problems, object, QStringLiteral("cache"));
    p.cacheNondeterministic = r.boolean(QStringLiteral("cache_nondeterministic"), false);
    p.cacheHitHeader = r.boolean(QStringLiteral("hit_header"), false);
    if (auto e = r.object(QStringLiteral("exact"))) {
        Reader er(problems, *e, QStringLiteral("cache.exact"));
        p.exact.enabled = er.boolean(QStringLiteral("enabled"), true);
        p.exact.ttlSeconds = er.integer(QStringLiteral("ttl_seconds"), 1, 365 * 86400).value_or(p.exact.ttlSeconds);
        p.exact.maxEntries = er.integer(QStringLiteral("max_entries"), 1, 100'000'000).value_or(p.exact.maxEntries);
        p.exact.maxBytes = er.integer(QStringLiteral("max_bytes"), 1024, std::numeric_limits<qint64>::max() / 2)
                               .value_or(p.exact.maxBytes);
        p.exact.scope = readScope(er, QStringLiteral("scope"), p.exact.scope);
    }
    if (auto s = r.object(QStringLiteral("semantic"))) {
        Reader sr(problems, *s, QStringLiteral("cache.semantic"));
        p.semantic.enabled = sr.boolean(QStringLiteral("enabled"), true);
        p.semantic.threshold = sr.number(QStringLiteral("threshold"), 0.5, 1.0).value_or(p.semantic.threshold);
        p.semantic.metadata = readScope(sr, QStringLiteral("metadata"), p.semantic.metadata);
        p.semantic.embedding = sr.text(QStringLiteral("embedding"), p.semantic.embedding);
        if (p.semantic.embedding == QLatin1String("upstream")) {
            p.semantic.embeddingTarget = {sr.text(QStringLiteral("embedding_provider")),
                                          sr.text(QStringLiteral("embedding_model"))};
            if (p.semantic.embeddingTarget.provider.isEmpty() || p.semantic.embeddingTarget.model.isEmpty())
                sr.problem(QStringLiteral("embedding"),
                           QStringLiteral("\"upstream\" needs embedding_provider and embedding_model"));
        } else if (p.semantic.embedding != QLatin1String("local")) {
            sr.problem(QStringLiteral("embedding"), QStringLiteral("must be \"local\" or \"upstream\""));
        } else {
            sr.has(QStringLiteral("embedding_provider"));
            sr.has(QStringLiteral("embedding_model"));
        }
        p.semantic.ttlSeconds =
            sr.integer(QStringLiteral("ttl_seconds"), 1, 365 * 86400).value_or(p.semantic.ttlSeconds);
        p.semantic.maxEntries = sr.integer(QStringLiteral("max_entries"), 1, 1'000'000).value_or(p.semantic.maxEntries);
        p.semantic.maxBytes = sr.integer(QStringLiteral("max_bytes"), 1024, std::numeric_limits<qint64>::max() / 2)
                                  .value_or(p.semantic.maxBytes);
    }
}

Budget readBudget(QVector<Problem> &problems, const QJsonValue &value, const QString &path)
{
    Budget b;
    if (!value.isObject()) {
        problems.append({path, QStringLiteral("must be an object")});
        return b;
    }
    Reader r(problems, value.toObject(), path);
    b.name = r.text(QStringLiteral("name"));
    if (b.name.isEmpty())
        r.problem(QStringLiteral("name"), QStringLiteral("is required"));
    b.team = r.text(QStringLiteral("team"));
    b.feature = r.text(QStringLiteral("feature"));
    b.user = r.text(QStringLiteral("user"));
    b.environment = r.text(QStringLiteral("environment"));
    b.model = r.text(QStringLiteral("model"));
    b.window = r.text(QStringLiteral("window"), b.window);
    if (!QStringList{QStringLiteral("day"), QStringLiteral("week"), QStringLiteral("month"), QStringLiteral("quarter")}
             .contains(b.window))
        r.problem(QStringLiteral("window"), QStringLiteral("must be day, week, month or quarter"));
    b.timeZone = r.text(QStringLiteral("time_zone"), b.timeZone);
    const auto limit = r.usd(QStringLiteral("limit_usd"));
    if (!limit || *limit == 0)
        r.problem(QStringLiteral("limit_usd"), QStringLiteral("is required and above zero"));
    b.limit = limit.value_or(0);
    b.each = r.text(QStringLiteral("each"));
    if (!b.each.isEmpty() && b.each != QLatin1String("team") && b.each != QLatin1String("feature"))
        r.problem(QStringLiteral("each"), QStringLiteral("must be \"team\" or \"feature\""));
    if (!QTimeZone(b.timeZone.toUtf8()).isValid())
        r.problem(QStringLiteral("time_zone"),
                  QStringLiteral("\"%1\" is not an IANA time zone such as Europe/Berlin").arg(b.timeZone));
    b.spentAtPush = r.usd(QStringLiteral("spent_usd")).value_or(0);
    if (auto by = r.object(QStringLiteral("spent_usd_by"))) {
        Reader br(problems, *by, r.at(QStringLiteral("spent_usd_by")));
        for (const QString &group : by->keys())
            b.spentByGroup.insert(group, br.usd(group).value_or(0));
    }
    b.spentAsOfMs = r.integer(QStringLiteral("spent_as_of_ms"), 0, std::numeric_limits<qint64>::max() / 2).value_or(0);
    return b;
}

QJsonValue listOrNothing(const QStringList &list)
{
    return list.isEmpty() ? QJsonValue() : QJsonValue(QJsonArray::fromStringList(list));
}

QJsonObject targetJson(const Target &t)
{
    return {{QStringLiteral("provider"), t.provider}, {QStringLiteral("model"), t.model}};
}

QJsonArray targetsJson(const QVector<Target> &targets)
{
    QJsonArray out;
    for (const Target &t : targets)
        out.append(targetJson(t));
    return out;
}

void putIf(QJsonObject &o, const QString &key, const QJsonValue &v)
{
    if (!v.isNull() && !v.isUndefined() && !(v.isString() && v.toString().isEmpty()))
        o.insert(key, v);
}

bool listMatches(const QStringList &list, const QString &value)
{
    return list.isEmpty() || list.contains(value);
}

bool modelMatches(const QStringList &models, const QString &model)
{
    if (models.isEmpty())
        return true;
    for (const QString &m : models) {
        if (m.endsWith(QLatin1Char('*')) ? model.startsWith(QStringView(m).chopped(1)) : m == model)
            return true;
    }
    return false;
}

} // namespace

QString messageText(const QJsonValue &content)
{
    if (content.isString())
        return content.toString();
    QString text;
    for (const QJsonValue &part : content.toArray())
        if (part.toObject().value(QStringLiteral("type")).toString() == QLatin1String("text"))
            text += part.toObject().value(QStringLiteral("text")).toString();
    return text;
}

QString problemsText(const QVector<Problem> &problems)
{
    QStringList lines;
    for (const Problem &p : problems)
        lines.append(p.path.isEmpty() ? p.message : p.path + QStringLiteral(": ") + p.message);
    return lines.join(QLatin1Char('\n'));
}

Parsed parse(const QByteArray &json)
{
    Parsed out;
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError) {
        const int line = int(json.left(error.offset).count('\n')) + 1;
        out.problems.append(
            {QString(), QStringLiteral("not valid JSON at line %1: %2").arg(line).arg(error.errorString())});
        return out;
    }
    if (!doc.isObject()) {
        out.problems.append({QString(), QStringLiteral("a policy is a JSON object")});
        return out;
    }
    Policy &p = out.policy;
    {
        Reader r(out.problems, doc.object(), QString());
        const QString schema = r.text(QStringLiteral("schema"));
        if (schema != kSchema)
            r.problem(QStringLiteral("schema"), QStringLiteral("must be \"%1\"").arg(kSchema));
        p.version = r.integer(QStringLiteral("version"), 0, std::numeric_limits<qint32>::max()).value_or(0);
        p.name = r.text(QStringLiteral("name"));
        p.description = r.text(QStringLiteral("description"));
        if (auto routing = r.object(QStringLiteral("routing"))) {
            Reader rr(out.problems, *routing, QStringLiteral("routing"));
            const QJsonArray rules = rr.array(QStringLiteral("rules"));
            QSet<QString> names;
            for (int i = 0; i < rules.size(); ++i) {
                p.rules.append(readRule(out.problems, rules.at(i), indexed(QStringLiteral("routing.rules"), i)));
                const QString &name = p.rules.last().name;
                if (!name.isEmpty() && names.contains(name))
                    out.problems.append({indexed(QStringLiteral("routing.rules"), i) + QStringLiteral(".name"),
                                         QStringLiteral("\"%1\" is used by an earlier rule").arg(name)});
                names.insert(name);
            }
            p.defaultFallbacks = readTargets(out.problems, rr, QStringLiteral("fallbacks"));
        }
        if (auto cache = r.object(QStringLiteral("cache")))
            readCache(out.problems, p, *cache);
        const QJsonArray budgets = r.array(QStringLiteral("budgets"));
        QSet<QString> budgetNames;
        for (int i = 0; i < budgets.size(); ++i) {
            p.budgets.append(readBudget(out.problems, budgets.at(i), indexed(QStringLiteral("budgets"), i)));
            const QString &name = p.budgets.last().name;
            if (!name.isEmpty() && budgetNames.contains(name))
                out.problems.append({indexed(QStringLiteral("budgets"), i) + QStringLiteral(".name"),
                                     QStringLiteral("\"%1\" is used by an earlier budget").arg(name)});
            budgetNames.insert(name);
        }
    }
    return out;
}

QJsonObject toJson(const Policy &p)
{
    QJsonArray rules;
    for (const Rule &rule : p.rules) {
        QJsonObject match;
        const Match &m = rule.match;
        putIf(match, QStringLiteral("models"), listOrNothing(m.models));
        if (m.minPromptTokens)
            match.insert(QStringLiteral("min_prompt_tokens"), *m.minPromptTokens);
        if (m.maxPromptTokens)
            match.insert(QStringLiteral("max_prompt_tokens"), *m.maxPromptTokens);
        putIf(match, QStringLiteral("keywords"), listOrNothing(m.keywords));
        putIf(match, QStringLiteral("regex"), m.regex);
        putIf(match, QStringLiteral("team"), listOrNothing(m.teams));
        putIf(match, QStringLiteral("feature"), listOrNothing(m.features));
        putIf(match, QStringLiteral("user"), listOrNothing(m.users));
        putIf(match, QStringLiteral("environment"), listOrNothing(m.environments));
        if (m.tools)
            match.insert(QStringLiteral("tools"), *m.tools);
        putIf(match, QStringLiteral("response_format"), m.responseFormat);
        if (m.maxTokensAtMost)
            match.insert(QStringLiteral("max_tokens_at_most"), *m.maxTokensAtMost);
        QJsonObject r{{QStringLiteral("name"), rule.name}};
        if (!match.isEmpty())
            r.insert(QStringLiteral("match"), match);
        if (rule.cascade) {
            r.insert(QStringLiteral("cascade"),
                     QJsonObject{{QStringLiteral("models"), targetsJson(rule.targets)},
                                 {QStringLiteral("checks"),
                                  QJsonObject{{QStringLiteral("valid_json"), rule.checks.validJson},
                                              {QStringLiteral("min_output_tokens"), rule.checks.minOutputTokens},
                                              {QStringLiteral("finish_length"), rule.checks.finishLength},
                                              {QStringLiteral("refusal"), rule.checks.refusal}}}});
        } else if (!rule.targets.isEmpty()) {
            r.insert(QStringLiteral("route"), targetJson(rule.targets.first()));
        }
        if (!rule.fallbacks.isEmpty())
            r.insert(QStringLiteral("fallbacks"), targetsJson(rule.fallbacks));
        QJsonObject cache;
        if (rule.exactCache)
            cache.insert(QStringLiteral("exact"), *rule.exactCache);
        if (rule.semanticCache)
            cache.insert(QStringLiteral("semantic"), *rule.semanticCache);
        if (!cache.isEmpty())
            r.insert(QStringLiteral("cache"), cache);
        rules.append(r);
    }
    QJsonObject routing{{QStringLiteral("rules"), rules}};
    if (!p.defaultFallbacks.isEmpty())
        routing.insert(QStringLiteral("fallbacks"), targetsJson(p.defaultFallbacks));
    QJsonObject semantic{{QStringLiteral("enabled"), p.semantic.enabled},
                         {QStringLiteral("threshold"), p.semantic.threshold},
                         {QStringLiteral("metadata"), QJsonArray::fromStringList(p.semantic.metadata)},
                         {QStringLiteral("embedding"), p.semantic.embedding},
                         {QStringLiteral("ttl_seconds"), p.semantic.ttlSeconds},
                         {QStringLiteral("max_entries"), p.semantic.maxEntries},
                         {QStringLiteral("max_bytes"), p.semantic.maxBytes}};
    if (p.semantic.embedding == QLatin1String("upstream")) {
        semantic.insert(QStringLiteral("embedding_provider"), p.semantic.embeddingTarget.provider);
        semantic.insert(QStringLiteral("embedding_model"), p.semantic.embeddingTarget.model);
    }
    QJsonArray budgets;
    for (const Budget &b : p.budgets) {
        QJsonObject o{{QStringLiteral("name"), b.name},
                      {QStringLiteral("window"), b.window},
                      {QStringLiteral("time_zone"), b.timeZone},
                      {QStringLiteral("limit_usd"), usdText(b.limit)}};
        putIf(o, QStringLiteral("team"), b.team);
        putIf(o, QStringLiteral("feature"), b.feature);
        putIf(o, QStringLiteral("user"), b.user);
        putIf(o, QStringLiteral("environment"), b.environment);
        putIf(o, QStringLiteral("model"), b.model);
        putIf(o, QStringLiteral("each"), b.each);
        if (b.spentAsOfMs > 0) {
            o.insert(QStringLiteral("spent_usd"), usdText(b.spentAtPush));
            o.insert(QStringLiteral("spent_as_of_ms"), b.spentAsOfMs);
            QJsonObject by;
            for (auto it = b.spentByGroup.begin(); it != b.spentByGroup.end(); ++it)
                by.insert(it.key(), usdText(it.value()));
            if (!by.isEmpty())
                o.insert(QStringLiteral("spent_usd_by"), by);
        }
        budgets.append(o);
    }
    QJsonObject doc{
        {QStringLiteral("schema"), kSchema},
        {QStringLiteral("version"), p.version},
        {QStringLiteral("routing"), routing},
        {QStringLiteral("cache"),
         QJsonObject{{QStringLiteral("cache_nondeterministic"), p.cacheNondeterministic},
                     {QStringLiteral("hit_header"), p.cacheHitHeader},
                     {QStringLiteral("exact"),
                      QJsonObject{{QStringLiteral("enabled"), p.exact.enabled},
                                  {QStringLiteral("ttl_seconds"), p.exact.ttlSeconds},
                                  {QStringLiteral("max_entries"), p.exact.maxEntries},
                                  {QStringLiteral("max_bytes"), p.exact.maxBytes},
                                  {QStringLiteral("scope"), QJsonArray::fromStringList(p.exact.scope)}}},
                     {QStringLiteral("semantic"), semantic}}},
        {QStringLiteral("budgets"), budgets},
    };
    putIf(doc, QStringLiteral("name"), p.name);
    putIf(doc, QStringLiteral("description"), p.description);
    return doc;
}

namespace {

// Keys in the order a reader expects (what a rule is called before what it does); others after,
// alphabetically.
int keyRank(const QString &key)
{
    static const QStringList order{
        QStringLiteral("schema"),  QStringLiteral("version"),   QStringLiteral("name"),  QStringLiteral("description"),
        QStringLiteral("routing"), QStringLiteral("rules"),     QStringLiteral("match"), QStringLiteral("route"),
        QStringLiteral("cascade"), QStringLiteral("provider"),  QStringLiteral("model"), QStringLiteral("models"),
        QStringLiteral("checks"),  QStringLiteral("fallbacks"), QStringLiteral("cache"), QStringLiteral("enabled"),
        QStringLiteral("budgets")};
    const qsizetype i = order.indexOf(key);
    return i < 0 ? int(order.size()) : int(i);
}

void writeValue(QByteArray &out, const QJsonValue &value, int indent)
{
    const QByteArray pad(indent * 2, ' '), inner((indent + 1) * 2, ' ');
    if (value.isObject()) {
        const QJsonObject o = value.toObject();
        QStringList keys = o.keys();
        std::stable_sort(keys.begin(), keys.end(),
                         [](const QString &a, const QString &b) { return keyRank(a) < keyRank(b); });
        if (keys.isEmpty()) {
            out += "{}";
            return;
        }
        // A target ({"provider", "model"}) stays on one line.
        if (keys.size() <= 2 && std::none_of(keys.begin(), keys.end(), [&o](const QString &k) {
                return o.value(k).isObject() || o.value(k).isArray();
            })) {
            QByteArray line = "{";
            for (qsizetype i = 0; i < keys.size(); ++i) {
                line += (i ? ", " : "")
                    + QJsonDocument(QJsonArray{keys.at(i)}).toJson(QJsonDocument::Compact).chopped(1).mid(1) + ": ";
                writeValue(line, o.value(keys.at(i)), 0);
            }
            out += line + '}';
            return;
        }
        out += "{\n";
        for (qsizetype i = 0; i < keys.size(); ++i) {
            out +=
                inner + QJsonDocument(QJsonArray{keys.at(i)}).toJson(QJsonDocument::Compact).chopped(1).mid(1) + ": ";
            writeValue(out, o.value(keys.at(i)), indent + 1);
            out += i + 1 < keys.size() ? ",\n" : "\n";
        }
        out += pad + '}';
    } else if (value.isArray()) {
        const QJsonArray a = value.toArray();
        // Lists of plain values stay on one line.
        if (std::none_of(a.begin(), a.end(), [](const QJsonValue &v) { return v.isObject() || v.isArray(); })) {
            out += QJsonDocument(a).toJson(QJsonDocument::Compact).replace(",", ", ");
            return;
        }
        out += "[\n";
        for (qsizetype i = 0; i < a.size(); ++i) {
            out += inner;
            writeValue(out, a.at(i), indent + 1);
            out += i + 1 < a.size() ? ",\n" : "\n";
        }
        out += pad + ']';
    } else {
        out += QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact).chopped(1).mid(1);
    }
}

} // namespace

QByteArray toDocument(const Policy &policy)
{
    QByteArray out;
    writeValue(out, toJson(policy), 0);
    return out + '\n';
}

QString contentHash(const Policy &policy)
{
    // QJsonObject keeps keys sorted, so the compact form is canonical.
    const QByteArray compact = QJsonDocument(toJson(policy)).toJson(QJsonDocument::Compact);
    return QString::fromLatin1(QCryptographicHash::hash(compact, QCryptographicHash::Sha256).toHex().left(16));
}

qint64 estimateTokens(const QJsonArray &messages)
{
    qint64 chars = 0;
    for (const QJsonValue &m : messages)
        chars += messageText(m.toObject().value(QStringLiteral("content"))).size();
    return (chars + 3) / 4;
}

RequestView viewOfChat(const QJsonObject &body)
{
    RequestView v;
    v.model = body.value(QStringLiteral("model")).toString();
    const QJsonArray messages = body.value(QStringLiteral("messages")).toArray();
    v.promptTokens = estimateTokens(messages);
    for (qsizetype i = messages.size() - 1; i >= 0; --i) {
        const QJsonObject m = messages.at(i).toObject();
        if (m.value(QStringLiteral("role")).toString() == QLatin1String("user")) {
            v.lastUserMessage = messageText(m.value(QStringLiteral("content")));
            break;
        }
    }
    v.tools = !body.value(QStringLiteral("tools")).toArray().isEmpty()
        || !body.value(QStringLiteral("functions")).toArray().isEmpty();
    const QString format =
        body.value(QStringLiteral("response_format")).toObject().value(QStringLiteral("type")).toString();
    v.responseFormat = format.startsWith(QLatin1String("json")) ? QStringLiteral("json") : QStringLiteral("text");
    for (const char *key : {"max_completion_tokens", "max_tokens"}) {
        const QJsonValue t = body.value(QLatin1String(key));
        if (t.isDouble()) {
            v.maxTokens = qint64(t.toDouble());
            break;
        }
    }
    // OpenAI's default temperature is 1: only an explicit 0 is deterministic enough to cache.
    v.deterministic =
        body.value(QStringLiteral("temperature")).toDouble(1.0) == 0.0 && body.value(QStringLiteral("n")).toInt(1) <= 1;
    return v;
}

MatchResult matches(const Match &m, const RequestView &r)
{
    if (!modelMatches(m.models, r.model))
        return MatchResult::No;
    if ((m.minPromptTokens && r.promptTokens < *m.minPromptTokens)
        || (m.maxPromptTokens && r.promptTokens > *m.maxPromptTokens))
        return MatchResult::No;
    if (!listMatches(m.teams, r.team) || !listMatches(m.features, r.feature) || !listMatches(m.users, r.user)
        || !listMatches(m.environments, r.environment))
        return MatchResult::No;
    bool unknown = false;
    if (m.needsParameters()) {
        if (!r.parametersKnown) {
            unknown = true;
        } else if ((m.tools && *m.tools != r.tools)
                   || (!m.responseFormat.isEmpty() && m.responseFormat != r.responseFormat)
                   || (m.maxTokensAtMost && (!r.maxTokens || *r.maxTokens > *m.maxTokensAtMost))) {
            return MatchResult::No;
        }
    }
    if (m.needsText()) {
        if (!r.textKnown) {
            unknown = true;
        } else {
            if (!m.keywords.isEmpty() && std::none_of(m.keywords.begin(), m.keywords.end(), [&](const QString &k) {
                    return r.lastUserMessage.contains(k, Qt::CaseInsensitive);
                }))
                return MatchResult::No;
            if (!m.regex.isEmpty() && !m.compiledRegex.match(r.lastUserMessage).hasMatch())
                return MatchResult::No;
        }
    }
    return unknown ? MatchResult::Unknown : MatchResult::Yes;
}

Decision decide(const Policy &policy, const RequestView &request)
{
    Decision d;
    d.fallbacks = policy.defaultFallbacks;
    bool exact = policy.exact.enabled;
    bool semantic = policy.semantic.enabled;
    for (int i = 0; i < policy.rules.size(); ++i) {
        const Rule &rule = policy.rules.at(i);
        if (matches(rule.match, request) != MatchResult::Yes)
            continue;
        d.rule = i;
        d.ruleName = rule.name;
        d.cascade = rule.cascade;
        d.targets = rule.targets;
        d.checks = rule.checks;
        if (!rule.fallbacks.isEmpty())
            d.fallbacks = rule.fallbacks;
        exact = rule.exactCache.value_or(exact);
        semantic = rule.semanticCache.value_or(semantic);
        break;
    }
    const bool cacheable = request.deterministic || policy.cacheNondeterministic;
    d.exactCache = exact && cacheable;
    d.semanticCache = semantic && cacheable;
    return d;
}

QString failedCheck(const Checks &checks, bool jsonAsked, const QJsonObject &response)
{
    const QJsonObject choice = response.value(QStringLiteral("choices")).toArray().at(0).toObject();
    const QJsonObject message = choice.value(QStringLiteral("message")).toObject();
    const QString content = message.value(QStringLiteral("content")).toString();
    const bool hasToolCalls = !message.value(QStringLiteral("tool_calls")).toArray().isEmpty();
    if (checks.finishLength && choice.value(QStringLiteral("finish_reason")).toString() == QLatin1String("length"))
        return QStringLiteral("finish_reason length");
    if (checks.refusal && message.value(QStringLiteral("refusal")).isString()
        && !message.value(QStringLiteral("refusal")).toString().isEmpty())
        return QStringLiteral("refusal");
    if (hasToolCalls)
        return {};
    const qint64 outputTokens = response.value(QStringLiteral("usage"))
                                    .toObject()
                                    .value(QStringLiteral("completion_tokens"))
                                    .toInteger((content.size() + 3) / 4);
    if (content.trimmed().isEmpty() || outputTokens < checks.minOutputTokens)
        return QStringLiteral("answer shorter than %1 tokens").arg(checks.minOutputTokens);
    if (checks.validJson && jsonAsked) {
        QJsonParseError error{};
        QJsonDocument::fromJson(content.toUtf8(), &error);
        if (error.error != QJsonParseError::NoError)
            return QStringLiteral("not valid JSON");
    }
    return {};
}

bool inScope(const Budget &b, const RequestView &r)
{
    const auto ok = [](const QString &want, const QString &have) { return want.isEmpty() || want == have; };
    return ok(b.team, r.team) && ok(b.feature, r.feature) && ok(b.user, r.user) && ok(b.environment, r.environment)
        && ok(b.model, r.model);
}

QString groupOf(const Budget &b, const RequestView &r)
{
    return b.each == QLatin1String("team") ? r.team : b.each == QLatin1String("feature") ? r.feature : QString();
}

QString countedGroup(const Policy &policy, const Budget &budget, const QString &value, const QSet<QString> &listed)
{
    if (budget.each.isEmpty() || listed.contains(value) || budget.spentByGroup.contains(value))
        return value;
    const bool byTeam = budget.each == QLatin1String("team");
    for (const Budget &b : policy.budgets)
        if ((byTeam ? b.team : b.feature) == value && !value.isEmpty())
            return value;
    for (const Rule &r : policy.rules)
        if ((byTeam ? r.match.teams : r.match.features).contains(value))
            return value;
    return kUnattributed;
}

} // namespace CostGov::Policy

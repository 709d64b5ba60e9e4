#include "cache.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>

#include "common/stablehash.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace CostGov::Policy {

namespace {

QString normalised(const QString &text)
{
    return text.simplified();
}

/// The messages with role, name, tool calls and whitespace-normalised text.
QJsonArray normalisedMessages(const QJsonObject &body)
{
    QJsonArray out;
    for (const QJsonValue &value : body.value(QStringLiteral("messages")).toArray()) {
        QJsonObject m = value.toObject();
        const QJsonValue content = m.value(QStringLiteral("content"));
        if (content.isString()) {
            m.insert(QStringLiteral("content"), normalised(content.toString()));
        } else if (content.isArray()) {
            QJsonArray parts;
            for (const QJsonValue &part : content.toArray()) {
                QJsonObject p = part.toObject();
                if (p.value(QStringLiteral("type")).toString() == QLatin1String("text"))
                    p.insert(QStringLiteral("text"), normalised(p.value(QStringLiteral("text")).toString()));
                parts.append(p);
            }
            m.insert(QStringLiteral("content"), parts);
        }
        out.append(m);
    }
    return out;
}

QByteArray sha256Hex(const QByteArray &bytes)
{
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex();
}

} // namespace

Fingerprint fingerprint(const QJsonObject &body)
{
    QJsonObject parameters = body;
    for (const char *ignored : {"model", "messages", "stream", "stream_options", "user", "metadata", "store"})
        parameters.remove(QLatin1String(ignored));
    QJsonArray messages = normalisedMessages(body);
    const QByteArray all = QJsonDocument(messages).toJson(QJsonDocument::Compact);
    if (!messages.isEmpty())
        messages.removeLast();
    return {all, QJsonDocument(parameters).toJson(QJsonDocument::Compact),
            QJsonDocument(messages).toJson(QJsonDocument::Compact)};
}

QByteArray exactKey(const Fingerprint &f, const QString &model, const QString &scope)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    for (const QByteArray &part : {f.messages, f.parameters, model.toUtf8(), scope.toUtf8()}) {
        hash.addData(QByteArray(QByteArray::number(part.size()) + ':')); // length-prefixed: no two splits collide
        hash.addData(part);
    }
    return hash.result().toHex();
}

QString promptHash(const Fingerprint &f)
{
    return QString::fromLatin1(sha256Hex(f.messages).left(16));
}

QString conversationText(const QJsonObject &body)
{
    QString text;
    for (const QJsonValue &value : normalisedMessages(body)) {
        const QJsonObject m = value.toObject();
        text += m.value(QStringLiteral("role")).toString() + QLatin1String(": ");
        text += messageText(m.value(QStringLiteral("content"))) + QLatin1Char('\n');
    }
    return text;
}

QString scopeOf(const QStringList &dimensions, const RequestView &r)
{
    QStringList values;
    for (const QString &d : dimensions) {
        if (d == QLatin1String("team"))
            values.append(r.team);
        else if (d == QLatin1String("feature"))
            values.append(r.feature);
        else if (d == QLatin1String("user"))
            values.append(r.user);
        else if (d == QLatin1String("environment"))
            values.append(r.environment);
        else if (d == QLatin1String("client"))
            values.append(r.client);
    }
    return values.join(QChar(0x1f));
}

QString cacheScope(const QStringList &dimensions, const RequestView &r)
{
    const QChar sep(0x1f);
    const QString scope = scopeOf(dimensions, r);
    if (r.attributedByKey)
        return QStringLiteral("key") + sep + scope;
    return QStringLiteral("header") + sep + r.client + sep + scope;
}

QString lastMessageText(const QJsonObject &body)
{
    const QJsonArray messages = body.value(QStringLiteral("messages")).toArray();
    return messages.isEmpty() ? QString()
                              : normalised(messageText(messages.last().toObject().value(QStringLiteral("content"))));
}

namespace {

QStringList wordsOf(const QString &text)
{
    QStringList words;
    QString word;
    const QString padded = text.toLower() + QLatin1Char(' ');
    for (const QChar c : padded) {
        if (c.isLetterOrNumber()) {
            word += c;
        } else if (!word.isEmpty()) {
            words.append(word);
            word.clear();
        }
    }
    return words;
}

quint64 hashOf(const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    return stableHash64(std::string_view(bytes.constData(), size_t(bytes.size())));
}

} // namespace

Embedding lexicalEmbedding(const QString &text)
{
    Embedding e(256, 0.0f);
    const QStringList words = wordsOf(text);
    QSet<QString> seen;
    const auto add = [&](const QString &feature, float weight) {
        if (seen.contains(feature))
            return;
        seen.insert(feature);
        const quint64 h = hashOf(feature);
        e[h % e.size()] += (h >> 63) ? weight : -weight;
    };
    for (qsizetype i = 0; i < words.size(); ++i) {
        add(words.at(i), 1.0f);
        if (i + 1 < words.size())
            add(words.at(i) + QLatin1Char(' ') + words.at(i + 1), 0.5f);
    }
    normalise(e);
    return e;
}

WordSet wordSet(const QString &text)
{
    WordSet out;
    for (const QString &w : wordsOf(text))
        out.push_back(hashOf(w));
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

void normalise(Embedding &e)
{
    float norm = 0;
    for (float v : e)
        norm += v * v;
    if (norm > 0) {
        norm = std::sqrt(norm);
        for (float &v : e)
            v /= norm;
    }
}

float cosine(const Embedding &a, const Embedding &b)
{
    if (a.size() != b.size())
        return 0;
    float dot = 0;
    for (size_t i = 0; i < a.size(); ++i)
        dot += a[i] * b[i];
    return dot;
}

void ResponseCache::configure(const ExactCache &exact, const SemanticCache &semantic)
{
    std::lock_guard lock(m_mutex);
    m_exactConfig = exact;
    m_semanticConfig = semantic;
    evictExact();
    evictSemantic(std::numeric_limits<qint64>::min());
}

void ResponseCache::clear()
{
    std::lock_guard lock(m_mutex);
    m_lru.clear();
    m_byKey.clear();
    m_buckets.clear();
    m_semanticCount = 0;
    m_stats.exactEntries = m_stats.exactBytes = m_stats.semanticEntries = m_stats.semanticBytes = 0;
}

std::optional<QByteArray> ResponseCache::exact(const QByteArray &key, qint64 nowMs)
{
    std::lock_guard lock(m_mutex);
    const auto it = m_byKey.find(key);
    if (it == m_byKey.end() || it.value()->expiresMs <= nowMs) {
        ++m_stats.exactMisses;
        return std::nullopt;
    }
    m_lru.splice(m_lru.begin(), m_lru, it.value());
    ++m_stats.exactHits;
    return m_lru.front().response;
}

void ResponseCache::putExact(const QByteArray &key, const QByteArray &response, qint64 nowMs)
{
    std::lock_guard lock(m_mutex);
    if (response.size() + key.size() > m_exactConfig.maxBytes)
        return; // it would push out everything else, and itself
    if (const auto it = m_byKey.find(key); it != m_byKey.end()) {
        m_stats.exactBytes -= it.value()->response.size() + it.value()->key.size();
        m_lru.erase(it.value());
        m_byKey.erase(it);
        --m_stats.exactEntries;
    }
    m_lru.push_front({key, response, nowMs + m_exactConfig.ttlSeconds * 1000});
    m_byKey.insert(key, m_lru.begin());
    m_stats.exactBytes += response.size() + key.size();
    ++m_stats.exactEntries;
    evictExact();
}

void ResponseCache::evictExact()
{
    while (!m_lru.empty()
           && (m_stats.exactEntries > m_exactConfig.maxEntries || m_stats.exactBytes > m_exactConfig.maxBytes)) {
        const ExactEntry &last = m_lru.back();
        m_stats.exactBytes -= last.response.size() + last.key.size();
        m_byKey.remove(last.key);
        m_lru.pop_back();
        --m_stats.exactEntries;
        ++m_stats.evictions;
    }
}

std::optional<ResponseCache::SemanticHit> ResponseCache::semantic(const QString &bucket, const Embedding &embedding,
                                                                  const WordSet &words, qint64 nowMs)
{
    std::lock_guard lock(m_mutex);
    const auto it = m_buckets.find(bucket);
    const SemanticEntry *best = nullptr;
    float bestScore = float(m_semanticConfig.threshold);
    if (it != m_buckets.end()) {
        for (const SemanticEntry &entry : it.value()) {
            if (entry.expiresMs <= nowMs)
                continue;
            const float score = cosine(entry.embedding, embedding);
            if (score >= bestScore
                && std::includes(words.begin(), words.end(), entry.words.begin(), entry.words.end())) {
                bestScore = score;
                best = &entry;
            }
        }
    }
    if (!best) {
        ++m_stats.semanticMisses;
        return std::nullopt;
    }
    ++m_stats.semanticHits;
    return SemanticHit{best->response, bestScore};
}

void ResponseCache::putSemantic(const QString &bucket, const Embedding &embedding, const WordSet &words,
                                const QByteArray &response, qint64 nowMs)
{
    std::lock_guard lock(m_mutex);
    const qint64 bytes = response.size() + qint64(embedding.size() * sizeof(float) + words.size() * sizeof(quint64))
        + bucket.size() * 2 + qint64(sizeof(SemanticEntry));
    if (bytes > m_semanticConfig.maxBytes)
        return;
    m_buckets[bucket].push_back(
        {embedding, words, response, nowMs + m_semanticConfig.ttlSeconds * 1000, ++m_serial, bytes});
    ++m_semanticCount;
    m_stats.semanticBytes += bytes;
    evictSemantic(nowMs);
}

void ResponseCache::evictSemantic(qint64 nowMs)
{
    // Expired entries first, then the oldest of any bucket; a bucket left empty goes too (bucket
    // keys hold whatever parameters clients send, so empty ones would pile up).
    for (auto b = m_buckets.begin(); b != m_buckets.end();) {
        const qint64 before = qint64(b.value().size());
        std::erase_if(b.value(), [&](const SemanticEntry &e) {
            if (e.expiresMs > nowMs)
                return false;
            m_stats.semanticBytes -= e.bytes;
            return true;
        });
        m_semanticCount -= before - qint64(b.value().size());
        b = b.value().empty() ? m_buckets.erase(b) : std::next(b);
    }
    while (m_semanticCount > m_semanticConfig.maxEntries || m_stats.semanticBytes > m_semanticConfig.maxBytes) {
        auto oldestBucket = m_buckets.end();
        size_t oldestIndex = 0;
        for (auto b = m_buckets.begin(); b != m_buckets.end(); ++b)
            for (size_t i = 0; i < b.value().size(); ++i)
                if (oldestBucket == m_buckets.end() || b.value()[i].serial < oldestBucket.value()[oldestIndex].serial) {
                    oldestBucket = b;
                    oldestIndex = i;
                }
        if (oldestBucket == m_buckets.end())
            break;
        m_stats.semanticBytes -= oldestBucket.value()[oldestIndex].bytes;
        oldestBucket.value().erase(oldestBucket.value().begin() + qsizetype(oldestIndex));
        if (oldestBucket.value().empty())
            m_buckets.erase(oldestBucket);
        --m_semanticCount;
        ++m_stats.evictions;
    }
}

CacheStats ResponseCache::stats() const
{
    std::lock_guard lock(m_mutex);
    CacheStats s = m_stats;
    s.semanticEntries = m_semanticCount;
    return s;
}

} // namespace CostGov::Policy

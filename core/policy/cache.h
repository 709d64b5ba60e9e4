#pragma once

#include "policy.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QString>

#include <list>
#include <mutex>
#include <optional>
#include <vector>

// The agent's response caches: exact match and semantic (by embedding similarity). Thread-safe.
namespace CostGov::Policy {

/// What identifies a chat request's answer, serialized once per request: the messages with their
/// text whitespace-normalised, and the parameters that change the answer (all but the model, the
/// messages, stream options, user and metadata).
struct Fingerprint {
    QByteArray messages;
    QByteArray parameters;
    QByteArray context; ///< the messages before the last one (system text, earlier turns)
};
Fingerprint fingerprint(const QJsonObject &body);
/// The exact-match key: fingerprint, the model the request goes to and the scope values (hex SHA-256).
QByteArray exactKey(const Fingerprint &fingerprint, const QString &model, const QString &scope);
/// The prompt hash the agent logs: SHA-256 of the normalised messages only (hex, 16 chars).
QString promptHash(const Fingerprint &fingerprint);
/// The conversation as text for an embedding: "role: text" a line, text parts joined.
QString conversationText(const QJsonObject &body);
/// The values of the given dimensions ("team", "feature", ..., "client") of a request, joined.
QString scopeOf(const QStringList &dimensions, const RequestView &request);
/// The scope a cache entry is kept under: scopeOf(), and the client's identity whenever the
/// attribution came from headers (anyone can send those, so such entries are never shared).
QString cacheScope(const QStringList &dimensions, const RequestView &request);
/// The last message's text, what a semantic lookup compares (the rest must match exactly).
QString lastMessageText(const QJsonObject &body);

/// A built-in lexical embedding (no model weights): the presence of word unigrams and bigrams
/// hashed into 256 buckets, L2-normalised. Each term counts once, so repeating words cannot pull
/// a text towards another. Paraphrases that share most words score high; unrelated text low.
/// Upstream embeddings are normalised to the same form by normalise().
using Embedding = std::vector<float>;
Embedding lexicalEmbedding(const QString &text);
void normalise(Embedding &embedding);
/// Cosine similarity of two normalised embeddings (0 when their sizes differ).
float cosine(const Embedding &a, const Embedding &b);
/// A text's distinct words (lower case, letters and digits), hashed and sorted.
using WordSet = std::vector<quint64>;
WordSet wordSet(const QString &text);

struct CacheStats {
    qint64 exactHits = 0, exactMisses = 0, semanticHits = 0, semanticMisses = 0;
    qint64 exactEntries = 0, exactBytes = 0, semanticEntries = 0, semanticBytes = 0, evictions = 0;
};

class ResponseCache {
public:
    void configure(const ExactCache &exact, const SemanticCache &semantic);
    void clear();

    std::optional<QByteArray> exact(const QByteArray &key, qint64 nowMs);
    void putExact(const QByteArray &key, const QByteArray &response, qint64 nowMs);

    struct SemanticHit {
        QByteArray response;
        float similarity = 0;
    };
    /// The most similar live entry in the bucket (model, scope, parameters, earlier messages) at or
    /// above the threshold whose words all occur in the asked text: an answer made for a question
    /// with words added (an instruction) never goes to the question without them.
    std::optional<SemanticHit> semantic(const QString &bucket, const Embedding &embedding, const WordSet &words,
                                        qint64 nowMs);
    void putSemantic(const QString &bucket, const Embedding &embedding, const WordSet &words,
                     const QByteArray &response, qint64 nowMs);

    CacheStats stats() const;

private:
    struct ExactEntry {
        QByteArray key;
        QByteArray response;
        qint64 expiresMs = 0;
    };
    struct SemanticEntry {
        Embedding embedding;
        WordSet words;
        QByteArray response;
        qint64 expiresMs = 0;
        qint64 serial = 0;
        qint64 bytes = 0;
    };
    void evictExact();
    void evictSemantic(qint64 nowMs);

    mutable std::mutex m_mutex;
    ExactCache m_exactConfig;
    SemanticCache m_semanticConfig;
    std::list<ExactEntry> m_lru; // most recent first
    QHash<QByteArray, std::list<ExactEntry>::iterator> m_byKey;
    QHash<QString, std::vector<SemanticEntry>> m_buckets;
    qint64 m_semanticCount = 0;
    qint64 m_serial = 0;
    CacheStats m_stats;
};

} // namespace CostGov::Policy

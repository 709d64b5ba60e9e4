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
};
Fingerprint fingerprint(const QJsonObject &body);
/// The exact-match key: fingerprint, the model the request goes to and the scope values (hex SHA-256).
QByteArray exactKey(const Fingerprint &fingerprint, const QString &model, const QString &scope);
/// The prompt hash the agent logs: SHA-256 of the normalised messages only (hex, 16 chars).
QString promptHash(const Fingerprint &fingerprint);
/// The conversation as text for an embedding: "role: text" a line, text parts joined.
QString conversationText(const QJsonObject &body);
/// The values of the given dimensions ("team", "feature", ...) of a request, joined.
QString scopeOf(const QStringList &dimensions, const RequestView &request);

/// A built-in lexical embedding (no model weights): word unigrams and bigrams hashed into 256
/// buckets, L2-normalised. Paraphrases that share most words score high; unrelated text low.
/// Upstream embeddings are normalised to the same form by normalise().
using Embedding = std::vector<float>;
Embedding lexicalEmbedding(const QString &text);
void normalise(Embedding &embedding);
/// Cosine similarity of two normalised embeddings (0 when their sizes differ).
float cosine(const Embedding &a, const Embedding &b);

struct CacheStats {
    qint64 exactHits = 0, exactMisses = 0, semanticHits = 0, semanticMisses = 0;
    qint64 exactEntries = 0, exactBytes = 0, semanticEntries = 0, evictions = 0;
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
    /// The most similar live entry in the bucket (model and metadata) at or above the threshold.
    std::optional<SemanticHit> semantic(const QString &bucket, const Embedding &embedding, qint64 nowMs);
    void putSemantic(const QString &bucket, const Embedding &embedding, const QByteArray &response, qint64 nowMs);

    CacheStats stats() const;

private:
    struct ExactEntry {
        QByteArray key;
        QByteArray response;
        qint64 expiresMs = 0;
    };
    struct SemanticEntry {
        Embedding embedding;
        QByteArray response;
        qint64 expiresMs = 0;
        qint64 serial = 0;
    };
    void evictExact();

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

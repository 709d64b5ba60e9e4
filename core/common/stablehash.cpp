#include "stablehash.h"

#include <cstring>

namespace CostGov {

namespace {

constexpr quint64 P1 = 11400714785074694791ULL;
constexpr quint64 P2 = 14029467366897019727ULL;
constexpr quint64 P3 = 1609587929392839161ULL;
constexpr quint64 P4 = 9650029242287828579ULL;
constexpr quint64 P5 = 2870177450012600261ULL;

inline quint64 rotl(quint64 x, int r)
{
    return (x << r) | (x >> (64 - r));
}

// Little-endian loads, so the value is the same on every platform.
inline quint64 read64(const unsigned char *p)
{
    quint64 v = 0;
    for (int i = 7; i >= 0; --i)
        v = (v << 8) | p[i];
    return v;
}

inline quint32 read32(const unsigned char *p)
{
    return quint32(p[0]) | (quint32(p[1]) << 8) | (quint32(p[2]) << 16) | (quint32(p[3]) << 24);
}

inline quint64 round(quint64 acc, quint64 input)
{
    acc += input * P2;
    acc = rotl(acc, 31);
    return acc * P1;
}

inline quint64 mergeRound(quint64 acc, quint64 val)
{
    acc ^= round(0, val);
    return acc * P1 + P4;
}

} // namespace

quint64 stableHash64(std::string_view bytes, quint64 seed)
{
    const auto *p = reinterpret_cast<const unsigned char *>(bytes.data());
    const size_t len = bytes.size();
    const unsigned char *const end = p + len;
    quint64 h;
    if (len >= 32) {
        const unsigned char *const limit = end - 32;
        quint64 v1 = seed + P1 + P2;
        quint64 v2 = seed + P2;
        quint64 v3 = seed;
        quint64 v4 = seed - P1;
        do {
            v1 = round(v1, read64(p));
            v2 = round(v2, read64(p + 8));
            v3 = round(v3, read64(p + 16));
            v4 = round(v4, read64(p + 24));
            p += 32;
        } while (p <= limit);
        h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
        h = mergeRound(h, v1);
        h = mergeRound(h, v2);
        h = mergeRound(h, v3);
        h = mergeRound(h, v4);
    } else {
        h = seed + P5;
    }
    h += quint64(len);
    while (p + 8 <= end) {
        h ^= round(0, read64(p));
        h = rotl(h, 27) * P1 + P4;
        p += 8;
    }
    if (p + 4 <= end) {
        h ^= quint64(read32(p)) * P1;
        h = rotl(h, 23) * P2 + P3;
        p += 4;
    }
    while (p < end) {
        h ^= quint64(*p) * P5;
        h = rotl(h, 11) * P1;
        ++p;
    }
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

} // namespace CostGov

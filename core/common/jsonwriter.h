#pragma once

#include <QByteArray>
#include <QString>
#include <QVector>

namespace CostGov {

/// Writes compact JSON with exact decimal numbers (money never passes through a double).
class JsonWriter {
public:
    JsonWriter &beginObject();
    JsonWriter &endObject();
    JsonWriter &beginArray();
    JsonWriter &endArray();
    /// The next member's name (inside an object).
    JsonWriter &key(const QString &name);
    JsonWriter &value(const QString &text);
    JsonWriter &value(const char *text) { return value(QString::fromUtf8(text)); }
    JsonWriter &value(qint64 number);
    JsonWriter &value(int number) { return value(qint64(number)); }
    JsonWriter &value(bool flag);
    /// A number given as its decimal text, e.g. usdText(nano).
    JsonWriter &number(const QString &decimalText);
    JsonWriter &number(double value, int decimals);
    JsonWriter &null();
    /// Already-serialized JSON (a stored tags object).
    JsonWriter &raw(const QByteArray &json);

    QByteArray data() const { return m_out; }

private:
    void separate();
    QByteArray m_out;
    QVector<bool> m_first; // per open container: nothing written yet
    bool m_afterKey = false;
};

} // namespace CostGov

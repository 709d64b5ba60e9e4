#include "common/money.h"
#include "common/stablehash.h"
#include "common/timeutil.h"

#include <QTest>

using namespace CostGov;

class TestMoney : public QObject {
    Q_OBJECT

private slots:
    void parsesDecimals_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("scale");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<qint64>("expected");
        QTest::newRow("plain") << "0.0249075" << 9 << true << qint64(24'907'500);
        QTest::newRow("integer") << "3" << 9 << true << qint64(3'000'000'000);
        QTest::newRow("negative") << "-1.5" << 9 << true << qint64(-1'500'000'000);
        QTest::newRow("exponent") << "2.5e-06" << 12 << true << qint64(2'500'000);
        QTest::newRow("exponent upper") << "1E-05" << 12 << true << qint64(10'000'000);
        QTest::newRow("tiny price") << "5e-09" << 12 << true << qint64(5'000);
        QTest::newRow("positive exponent") << "12.5e+2" << 0 << true << qint64(1250);
        QTest::newRow("round half up") << "0.0000000015" << 9 << true << qint64(2);
        QTest::newRow("round down") << "0.0000000014999" << 9 << true << qint64(1);
        QTest::newRow("round half away negative") << "-0.0000000025" << 9 << true << qint64(-3);
        QTest::newRow("cents string") << "89.523" << 7 << true << qint64(895'230'000);
        QTest::newRow("many digits") << "0.123456789012345678901234567890123456789" << 9 << true << qint64(123'456'789);
        QTest::newRow("leading dot") << ".5" << 1 << true << qint64(5);
        QTest::newRow("trailing dot") << "5." << 1 << true << qint64(50);
        QTest::newRow("spaces") << " 1.25 " << 2 << true << qint64(125);
        QTest::newRow("empty") << "" << 9 << false << qint64(0);
        QTest::newRow("letters") << "abc" << 9 << false << qint64(0);
        QTest::newRow("two dots") << "1.2.3" << 9 << false << qint64(0);
        QTest::newRow("bare exponent") << "1e" << 9 << false << qint64(0);
        QTest::newRow("overflow") << "99999999999" << 9 << false << qint64(0);
        QTest::newRow("huge exponent") << "1e400" << 9 << false << qint64(0);
        QTest::newRow("vanishing") << "1e-400" << 9 << true << qint64(0);
    }
    void parsesDecimals()
    {
        QFETCH(QString, text);
        QFETCH(int, scale);
        QFETCH(bool, valid);
        QFETCH(qint64, expected);
        const QByteArray utf8 = text.toUtf8();
        const auto value = parseScaledDecimal(std::string_view(utf8.constData(), size_t(utf8.size())), scale);
        QCOMPARE(value.has_value(), valid);
        if (valid)
            QCOMPARE(*value, expected);
    }

    void printsExactly()
    {
        QCOMPARE(usdText(494'950'740), QStringLiteral("0.49495074"));
        QCOMPARE(usdText(3'000'000'000), QStringLiteral("3"));
        QCOMPARE(usdText(-5), QStringLiteral("-0.000000005"));
        QCOMPARE(usdText(std::numeric_limits<qint64>::min()), QStringLiteral("-9223372036.854775808"));
        QCOMPARE(usdFixed(1'234'565'000'000, 2), QStringLiteral("1234.57"));
        QCOMPARE(usdFixed(-4'999'999, 2), QStringLiteral("0.00"));
        QCOMPARE(usdFixed(-5'000'000, 2), QStringLiteral("-0.01"));
        QCOMPARE(divideRounded(7, 2), qint64(4));
        QCOMPARE(divideRounded(-7, 2), qint64(-4));
        QCOMPARE(divideRounded(5, 3), qint64(2));
    }

    void hashIsXxh64()
    {
        // Reference values of XXH64 with seed 0: identities stored in ledgers depend on them.
        QCOMPARE(stableHash64(""), 0xEF46DB3751D8E999ULL);
        QCOMPARE(stableHash64("a"), 0xD24EC4F1A98C6E5BULL);
        QCOMPARE(stableHash64("abc"), 0x44BC2CF5AD770999ULL);
        QCOMPARE(stableHash64("Nobody inspects the spammish repetition"), 0xFBCEA83C8A378BF1ULL);
    }

    void parsesTimestamps_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("expected"); // -1 = invalid
        QTest::newRow("zulu micros") << "2026-07-08T14:53:35.624000Z" << qint64(1783522415624);
        QTest::newRow("offset") << "2026-07-08T16:53:35.624+02:00" << qint64(1783522415624);
        QTest::newRow("negative offset") << "2026-07-08T09:53:35.624-0500" << qint64(1783522415624);
        QTest::newRow("postgres csv") << "2026-07-08 14:53:35.624" << qint64(1783522415624);
        QTest::newRow("seconds") << "2026-07-09T06:00:27Z" << qint64(1783576827000);
        QTest::newRow("date only") << "2026-07-09" << qint64(1783555200000);
        QTest::newRow("no seconds") << "2026-07-09T06:00Z" << qint64(1783576800000);
        QTest::newRow("leap day") << "2024-02-29T00:00:00Z" << qint64(1709164800000);
        QTest::newRow("bad leap day") << "2026-02-29T00:00:00Z" << qint64(-1);
        QTest::newRow("bad month") << "2026-13-01T00:00:00Z" << qint64(-1);
        QTest::newRow("garbage tail") << "2026-07-09T06:00:27Zx" << qint64(-1);
        QTest::newRow("not a date") << "yesterday" << qint64(-1);
        QTest::newRow("empty fraction") << "2026-07-09T06:00:27.Z" << qint64(-1);
    }
    void parsesTimestamps()
    {
        QFETCH(QString, text);
        QFETCH(qint64, expected);
        const QByteArray utf8 = text.toUtf8();
        const auto ts = parseTimestampMs(std::string_view(utf8.constData(), size_t(utf8.size())));
        if (expected < 0) {
            QVERIFY(!ts);
        } else {
            QVERIFY(ts);
            QCOMPARE(*ts, expected);
        }
    }

    void calendar()
    {
        for (qint64 day = -800; day < 30000; day += 13) {
            const CivilDate d = civilFromDays(day);
            QCOMPARE(daysFromCivil(d.year, d.month, d.day), day);
        }
        const qint64 day = *parseDate("2026-07-08"); // a Wednesday
        QCOMPARE(isoDate(weekStart(day)), QStringLiteral("2026-07-06"));
        QCOMPARE(isoDate(weekStart(day - 2)), QStringLiteral("2026-07-06"));
        QCOMPARE(isoDate(weekStart(day - 3)), QStringLiteral("2026-06-29"));
        QCOMPARE(monthKey(day), 202607);
        QCOMPARE(isoMonth(202607), QStringLiteral("2026-07"));
        QCOMPARE(utcDay(-1), qint64(-1));
        QCOMPARE(isoTimestamp(1783522415624), QStringLiteral("2026-07-08T14:53:35.624Z"));
    }
};

QTEST_GUILESS_MAIN(TestMoney)
#include "tst_money.moc"

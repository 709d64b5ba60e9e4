#pragma once

#include "storage/ledger.h"

#include <QCoreApplication>
#include <QPointer>
#include <QThreadPool>

namespace CostGov::Ui {

/// Runs work on a pool thread with its own ledger connection and hands the result back to the
/// GUI thread, unless the receiver is gone by then.
template <typename Work, typename Done>
void inBackground(QObject *receiver, const QString &ledgerPath, Work work, Done done)
{
    QPointer<QObject> guard(receiver);
    QThreadPool::globalInstance()->start([guard, ledgerPath, work, done]() {
        auto ledger = Storage::Ledger::open(ledgerPath);
        auto result = ledger.ok() ? work(**ledger) : decltype(work(**ledger))(ledger.error());
        ledger = makeError(ErrorCode::Database, QString()); // close the connection on this thread
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [guard, done, result]() {
                if (guard)
                    done(result);
            },
            Qt::QueuedConnection);
    });
}

/// Tickets for repeated background queries of one view: only the newest one's result is shown, so
/// a slow old query can never overwrite a newer one.
class LatestOnly {
public:
    int next() { return ++m_latest; }
    bool isCurrent(int ticket) const { return ticket == m_latest; }

private:
    int m_latest = 0;
};

} // namespace CostGov::Ui

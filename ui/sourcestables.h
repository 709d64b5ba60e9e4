#pragma once

#include "background.h"

#include <QTabWidget>

class QPlainTextEdit;
class QTableWidget;

namespace CostGov::Ui {

/// The Sources page's record: the import log of this session, the import history and the
/// quarantine (file, line, reason, and the raw line of the selected entry).
class SourcesTables final : public QTabWidget {
    Q_OBJECT

public:
    explicit SourcesTables(const QString &ledgerPath, QWidget *parent = nullptr);

    QPlainTextEdit *log() const { return m_log; }
    /// Reads the history and the quarantine again (in the background).
    void refresh();

signals:
    void refreshed();

private:
    LatestOnly m_latest;
    QString m_ledgerPath;
    QPlainTextEdit *m_log;
    QTableWidget *m_history;
    QTableWidget *m_quarantine;
    QPlainTextEdit *m_raw;
    QList<QByteArray> m_rawLines; ///< of the quarantine rows, in order
};

} // namespace CostGov::Ui

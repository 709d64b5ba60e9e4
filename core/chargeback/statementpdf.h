#pragma once

#include "chargeback.h"

#include <QByteArray>

namespace CostGov::Chargeback {

/// One cost centre's statement as a PDF: the period, its total and basis, the lines by provider
/// and model with requests and tokens, the shared-cost rule, a bar chart of its spend by model,
/// and the cache savings. Needs a QGuiApplication (fonts); costgovctl starts one offscreen.
QByteArray statementPdf(const Statement &statement, const QString &costCentre);

} // namespace CostGov::Chargeback

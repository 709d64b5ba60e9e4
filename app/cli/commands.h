#pragma once

#include <QStringList>

namespace CostGov::Cli {

/// Exit codes of costgovctl.
enum ExitCode { Ok = 0, UsageError = 1, DataError = 2, Interrupted = 130 };

/// Runs costgovctl with its arguments (without the program name); returns the exit code.
int run(const QStringList &arguments);

} // namespace CostGov::Cli

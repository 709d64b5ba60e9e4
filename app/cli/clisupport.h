#pragma once

#include "commands.h"

#include "common/result.h"
#include "storage/ledger.h"

#include <QCommandLineParser>
#include <QTextStream>

#include <memory>
#include <optional>

namespace CostGov::Cli {

// What the commands share (commands.cpp).
QTextStream &out();
QTextStream &err();
/// Prints a usage error (and where to get help); returns UsageError.
int usage(const QString &message, const QString &command = QString());
/// Prints an error about the data; returns DataError.
int dataError(const QString &message);
int fromError(const Error &error);
/// Parses a command's options; prints usage errors. nullopt means: go on; else return the exit code.
std::optional<int> parseOptions(QCommandLineParser &parser, const QStringList &args, const char *command,
                                const char *help);
/// The ledger named by the command's --db (which may follow the command) or else the global one.
std::unique_ptr<Storage::Ledger> openLedger(const QCommandLineParser &parser, const QString &dbPath, int &exitCode);
/// 1,234,567
QString grouped(qint64 n);
/// The --format value if it is one of allowed (the first is the default).
std::optional<QString> formatOption(const QCommandLineParser &parser, const QStringList &allowed, const char *command,
                                    int &exitCode);

// alertcommands.cpp
extern const char *const kAlertsHelp;
extern const char *const kBudgetsHelp;
int alertsCommand(const QStringList &args, const QString &dbPath);
int budgetsCommand(const QStringList &args, const QString &dbPath);

// chargebackcommand.cpp
extern const char *const kChargebackHelp;
int chargebackCommand(const QStringList &args, const QString &dbPath);
extern const char *const kPeriodHelp;
int periodCommand(const QStringList &args, const QString &dbPath);

// policycommand.cpp
extern const char *const kPolicyHelp;
int policyCommand(const QStringList &args, const QString &dbPath);

// pricescommand.cpp
extern const char *const kPricesHelp;
int pricesCommand(const QStringList &args, const QString &dbPath);
extern const char *const kRepriceHelp;
int repriceCommand(const QStringList &args, const QString &dbPath);

} // namespace CostGov::Cli

#include "mainwindow.h"

#include "storage/ledger.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QGuiApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

#include <cstdio>
#include <cstdlib>

namespace {

// Qt aborts when no display can be reached; say what to do instead.
bool displayAvailable()
{
    if (qEnvironmentVariableIsSet("QT_QPA_PLATFORM"))
        return true;
    return qEnvironmentVariableIsSet("DISPLAY") || qEnvironmentVariableIsSet("WAYLAND_DISPLAY");
}

} // namespace

int main(int argc, char *argv[])
{
    if (!displayAvailable()) {
        std::fprintf(stderr,
                     "costgov: no display found (neither DISPLAY nor WAYLAND_DISPLAY is set).\n"
                     "  Run it in a virtual X server:  xvfb-run -a %s\n"
                     "  or use the command line:        costgovctl --help\n",
                     argv[0]);
        return 1;
    }
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("CostGov"));
    QApplication::setApplicationName(QStringLiteral("costgov"));
    QApplication::setApplicationDisplayName(QStringLiteral("Cost Governor"));
    QApplication::setApplicationVersion(QStringLiteral(COSTGOV_VERSION));
    QGuiApplication::setDesktopFileName(QStringLiteral("costgov"));

    // Qt's own strings (dialog buttons) and ours, in the user's language when a translation exists.
    QTranslator qtTranslator;
    if (qtTranslator.load(QLocale(), QStringLiteral("qtbase"), QStringLiteral("_"),
                          QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QApplication::installTranslator(&qtTranslator);
    QTranslator appTranslator;
    if (appTranslator.load(QLocale(), QStringLiteral("costgov"), QStringLiteral("_"), QStringLiteral(":/i18n")))
        QApplication::installTranslator(&appTranslator);

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate("main", "See, govern and cut LLM API spend."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption dbOption(QStringLiteral("db"), QApplication::translate("main", "The ledger file."),
                                      QStringLiteral("PATH"), CostGov::Storage::Ledger::defaultPath());
    parser.addOption(dbOption);
    parser.process(app);

    CostGov::Ui::MainWindow window(parser.value(dbOption));
    window.show();
    return QApplication::exec();
}

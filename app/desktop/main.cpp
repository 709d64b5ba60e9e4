#include "mainwindow.h"

#include "storage/ledger.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QGuiApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

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
    // A screenshot needs no screen: render offscreen when there is none.
    const bool screenshot = std::any_of(argv + 1, argv + argc, [](const char *a) {
        return std::strcmp(a, "--screenshot") == 0 || std::strncmp(a, "--screenshot=", 13) == 0;
    });
    if (screenshot && !displayAvailable())
        qputenv("QT_QPA_PLATFORM", "offscreen");
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
    const QCommandLineOption pageOption(
        QStringLiteral("page"),
        QApplication::translate("main", "The page to show: overview, explorer, requests, sources, prices or billing."),
        QStringLiteral("PAGE"));
    const QCommandLineOption sizeOption(QStringLiteral("size"),
                                        QApplication::translate("main", "The window size, e.g. 1440x900."),
                                        QStringLiteral("WxH"));
    const QCommandLineOption screenshotOption(
        QStringLiteral("screenshot"),
        QApplication::translate("main", "Render the window to a PNG file once its figures are shown, then exit."),
        QStringLiteral("FILE"));
    parser.addOptions({pageOption, sizeOption, screenshotOption});
    parser.process(app);

    CostGov::Ui::MainWindow window(parser.value(dbOption));
    if (parser.isSet(pageOption) && !window.showPage(parser.value(pageOption))) {
        std::fprintf(stderr, "costgov: unknown page '%s' (overview, explorer, requests, sources, prices, billing)\n",
                     qPrintable(parser.value(pageOption)));
        return 1;
    }
    if (parser.isSet(sizeOption)) {
        const QStringList parts = parser.value(sizeOption).split(QLatin1Char('x'));
        const int width = parts.value(0).toInt(), height = parts.value(1).toInt();
        if (parts.size() != 2 || width < 200 || height < 200) {
            std::fprintf(stderr, "costgov: --size needs WIDTHxHEIGHT, e.g. 1440x900\n");
            return 1;
        }
        window.resize(width, height);
    }
    if (parser.isSet(screenshotOption)) {
        const QString file = parser.value(screenshotOption);
        QObject::connect(&window, &CostGov::Ui::MainWindow::ledgerRefreshed, &app, [&window, file] {
            QCoreApplication::processEvents(); // let the layout settle
            if (!window.grab().save(file, "PNG")) {
                std::fprintf(stderr, "costgov: cannot write the screenshot %s\n", qPrintable(file));
                QCoreApplication::exit(2);
                return;
            }
            QCoreApplication::exit(0);
        });
    }
    window.show();
    return QApplication::exec();
}

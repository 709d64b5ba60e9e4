#include "commands.h"

#include <QGuiApplication>

#include <cstring>
#include <memory>

int main(int argc, char *argv[])
{
    // PDF statements need fonts, so a GUI application (offscreen); everything else a core one.
    bool pdf = false;
    for (int i = 1; i < argc; ++i)
        pdf = pdf || std::strcmp(argv[i], "--format=pdf") == 0
            || (std::strcmp(argv[i], "--format") == 0 && i + 1 < argc && std::strcmp(argv[i + 1], "pdf") == 0);
    if (pdf && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    const std::unique_ptr<QCoreApplication> app(pdf ? new QGuiApplication(argc, argv)
                                                    : new QCoreApplication(argc, argv));
    QCoreApplication::setOrganizationName(QStringLiteral("CostGov"));
    QCoreApplication::setApplicationName(QStringLiteral("costgovctl"));
    QCoreApplication::setApplicationVersion(QStringLiteral(COSTGOV_VERSION));
    return CostGov::Cli::run(QCoreApplication::arguments().mid(1));
}

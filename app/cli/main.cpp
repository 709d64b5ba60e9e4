#include "commands.h"

#include <QCoreApplication>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("CostGov"));
    QCoreApplication::setApplicationName(QStringLiteral("costgovctl"));
    QCoreApplication::setApplicationVersion(QStringLiteral(COSTGOV_VERSION));
    return CostGov::Cli::run(QCoreApplication::arguments().mid(1));
}

#include "logging.h"

Q_LOGGING_CATEGORY(lcStorage, "costgov.storage", QtWarningMsg)
Q_LOGGING_CATEGORY(lcIngest, "costgov.ingest", QtWarningMsg)
Q_LOGGING_CATEGORY(lcPricing, "costgov.pricing", QtWarningMsg)
Q_LOGGING_CATEGORY(lcGateway, "costgov.gateway", QtWarningMsg)

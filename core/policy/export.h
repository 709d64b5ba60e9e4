#pragma once

#include "policy.h"

#include <QByteArray>
#include <QStringList>

// Compiles a policy for teams on other gateways, listing what has no equivalent there.
namespace CostGov::Policy {

struct Export {
    QByteArray text;          ///< the config fragment
    QStringList untranslated; ///< one line per rule part or setting that does not translate
};

/// A LiteLLM proxy config.yaml fragment: router_settings (model_group_alias, fallbacks) and
/// litellm_settings.cache_params.
Export toLiteLlm(const Policy &policy);
/// A Portkey gateway config: strategy (conditional on metadata and params), targets, cache.
Export toPortkey(const Policy &policy);

} // namespace CostGov::Policy

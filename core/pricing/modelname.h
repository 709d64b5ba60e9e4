#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace CostGov::Pricing {

/// The names a logged model name may be listed under, most specific first: as given, then
/// without provider prefixes ("openai/", "bedrock/us-east-1/", an ARN's path), Bedrock region and
/// vendor prefixes ("us.", "anthropic."), version suffixes ("-v1:0", "@001") and date suffixes
/// ("-2024-08-06", "-20250514").
std::vector<std::string> candidateNames(std::string_view model);

/// The provider a model name is prefixed with ("vertex_ai" of "vertex_ai/gemini-2.5-pro"), or empty.
std::string_view providerPrefix(std::string_view model);

} // namespace CostGov::Pricing

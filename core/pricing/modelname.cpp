#include "modelname.h"

#include <algorithm>
#include <cctype>

namespace CostGov::Pricing {

namespace {

std::string lowered(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return out;
}

bool allDigits(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool startsWith(std::string_view s, std::string_view prefix)
{
    return s.substr(0, prefix.size()) == prefix;
}

// "-v1:0", "-v2"
bool stripVersionSuffix(std::string &s)
{
    const auto pos = s.rfind("-v");
    if (pos == std::string::npos)
        return false;
    std::string_view rest = std::string_view(s).substr(pos + 2);
    const auto colon = rest.find(':');
    const std::string_view major = rest.substr(0, colon);
    if (!allDigits(major) || (colon != std::string_view::npos && !allDigits(rest.substr(colon + 1))))
        return false;
    s.resize(pos);
    return true;
}

// "@20250929", "@001", "@latest" (Vertex AI)
bool stripAtSuffix(std::string &s)
{
    const auto pos = s.rfind('@');
    if (pos == std::string::npos || pos == 0)
        return false;
    s.resize(pos);
    return true;
}

// "-2024-08-06", "-20250514", "-001", "-latest"
bool stripDateSuffix(std::string &s)
{
    std::string_view v(s);
    if (v.size() > 11 && v[v.size() - 11] == '-' && v[v.size() - 6] == '-' && v[v.size() - 3] == '-'
        && allDigits(v.substr(v.size() - 10, 4)) && allDigits(v.substr(v.size() - 5, 2))
        && allDigits(v.substr(v.size() - 2, 2))) {
        s.resize(s.size() - 11);
        return true;
    }
    const auto dash = v.rfind('-');
    if (dash == std::string_view::npos || dash == 0)
        return false;
    const std::string_view tail = v.substr(dash + 1);
    if ((allDigits(tail) && (tail.size() == 8 || tail.size() == 3 || tail.size() == 4)) || tail == "latest") {
        s.resize(dash);
        return true;
    }
    return false;
}

} // namespace

std::vector<std::string> candidateNames(std::string_view model)
{
    std::vector<std::string> out;
    auto push = [&out](const std::string &s) {
        if (!s.empty() && std::find(out.begin(), out.end(), s) == out.end())
            out.push_back(s);
    };
    push(std::string(model));
    std::string s = lowered(model);
    push(s);
    for (auto slash = s.find('/'); slash != std::string::npos; slash = s.find('/')) {
        s = s.substr(slash + 1);
        push(s);
    }
    static constexpr std::string_view regions[] = {"global.", "us.", "eu.", "apac.", "jp.", "au.", "ca.", "us-gov."};
    for (std::string_view region : regions) {
        if (startsWith(s, region)) {
            s = s.substr(region.size());
            push(s);
            break;
        }
    }
    // Bedrock vendor prefixes: the catalog keys some models with them (amazon., meta.) and some without.
    static constexpr std::string_view vendors[] = {"anthropic.", "openai.",   "mistral.", "cohere.",
                                                   "ai21.",      "deepseek.", "qwen.",    "writer."};
    for (std::string_view vendor : vendors) {
        if (startsWith(s, vendor)) {
            s = s.substr(vendor.size());
            push(s);
            break;
        }
    }
    if (stripVersionSuffix(s))
        push(s);
    if (stripAtSuffix(s))
        push(s);
    while (stripDateSuffix(s))
        push(s);
    return out;
}

std::string_view providerPrefix(std::string_view model)
{
    const auto slash = model.find('/');
    return slash == std::string_view::npos ? std::string_view() : model.substr(0, slash);
}

} // namespace CostGov::Pricing

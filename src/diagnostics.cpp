#include <cctype>
#include <map>

#include "errors.hpp"

namespace mediaview {
namespace {

// The message with every run of digits replaced by '#'.
std::string kind_of(const std::string& message) {
    std::string kind;
    for (std::size_t i = 0; i < message.size(); ++i) {
        if (std::isdigit(static_cast<unsigned char>(message[i]))) {
            if (kind.empty() || kind.back() != '#') kind += '#';
        } else {
            kind += message[i];
        }
    }
    return kind;
}

}  // namespace

std::vector<std::string> Diagnostics::by_kind() const {
    std::vector<std::string> firsts;
    std::vector<std::size_t> counts;
    std::map<std::string, std::size_t> index;
    for (const std::string& message : warnings) {
        auto [it, fresh] = index.emplace(kind_of(message), firsts.size());
        if (fresh) {
            firsts.push_back(message);
            counts.push_back(0);
        }
        ++counts[it->second];
    }
    for (std::size_t i = 0; i < firsts.size(); ++i)
        if (counts[i] > 1) firsts[i] += " (" + std::to_string(counts[i]) + " times)";
    return firsts;
}

}  // namespace mediaview

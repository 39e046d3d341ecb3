#include "request_option.hpp"

#include <cmath>
#include <limits>

namespace mediaview {
namespace {

const char* kind_name(const OptionInput& value) {
    switch (value.index()) {
        case 0: return "None";
        case 1: return "bool";
        case 2: return "int";
        case 3: return "float";
        case 4: return "str";
        case 5: return "bytes";
        default: return "a sequence";
    }
}

[[noreturn]] void wrong_kind(const OptionInput& value, const char* name, const char* wanted) {
    throw ArgumentTypeError(name, std::string(name) + " must be " + wanted + ", not " + kind_name(value));
}

}  // namespace

bool is_none(const OptionInput& value) { return std::holds_alternative<std::monostate>(value); }

bool bool_value(const OptionInput& value, const char* name) {
    if (auto b = std::get_if<bool>(&value)) return *b;
    wrong_kind(value, name, "True or False");
}

std::int64_t int_value(const OptionInput& value, const char* name, std::int64_t min, std::int64_t max) {
    std::int64_t n = 0;
    if (auto i = std::get_if<std::int64_t>(&value)) {
        n = *i;
    } else if (auto d = std::get_if<double>(&value); d && std::isfinite(*d) && std::floor(*d) == *d &&
                                                     std::fabs(*d) < 9.2e18) {
        n = static_cast<std::int64_t>(*d);
    } else if (auto d2 = std::get_if<double>(&value); d2 && std::isfinite(*d2) && std::fabs(*d2) < 9.2e18) {
        throw ArgumentTypeError(name, std::string(name) + " must be a whole number, not " + describe(value));
    } else if (std::holds_alternative<double>(value)) {
        throw ArgumentError(name, std::string(name) + " " + describe(value) + " is out of range");
    } else {
        wrong_kind(value, name, "an integer");
    }
    if (n < min || n > max) {
        std::string range = max >= std::numeric_limits<int>::max()
                                ? std::to_string(min) + " or more"
                                : std::to_string(min) + ".." + std::to_string(max);
        throw ArgumentError(name, std::string(name) + " must be " + range + ", not " + std::to_string(n));
    }
    return n;
}

double number_value(const OptionInput& value, const char* name) {
    if (auto i = std::get_if<std::int64_t>(&value)) return static_cast<double>(*i);
    if (auto d = std::get_if<double>(&value)) return *d;
    wrong_kind(value, name, "a number");
}

std::string text_value(const OptionInput& value, const char* name) {
    if (auto s = std::get_if<std::string>(&value)) return *s;
    wrong_kind(value, name, "a str");
}

std::vector<std::int64_t> int_list(const OptionInput& value, const char* name, std::size_t count,
                                   std::int64_t min, std::int64_t max) {
    const auto* list = std::get_if<OptionList>(&value);
    if (!list || (count && list->items.size() != count))
        throw ArgumentError(name, std::string(name) + " must be a sequence of " +
                                      (count ? std::to_string(count) + " " : std::string()) + "integers, not " +
                                      describe(value));
    std::vector<std::int64_t> out;
    for (const OptionInput& item : list->items) out.push_back(int_value(item, name, min, max));
    return out;
}

std::vector<double> number_list(const OptionInput& value, const char* name) {
    const auto* list = std::get_if<OptionList>(&value);
    if (!list) wrong_kind(value, name, "a sequence of numbers");
    std::vector<double> out;
    for (const OptionInput& item : list->items) out.push_back(number_value(item, name));
    return out;
}

std::string describe(const OptionInput& value) {
    struct Visitor {
        std::string operator()(std::monostate) const { return "None"; }
        std::string operator()(bool b) const { return b ? "True" : "False"; }
        std::string operator()(std::int64_t i) const { return std::to_string(i); }
        std::string operator()(double d) const {
            std::string s = std::to_string(d);
            s.erase(s.find_last_not_of('0') + 1);
            return s.back() == '.' ? s + "0" : s;
        }
        std::string operator()(const std::string& s) const { return "'" + s + "'"; }
        std::string operator()(const OptionBytes& b) const { return "<" + std::to_string(b.data.size()) + " bytes>"; }
        std::string operator()(const OptionList& l) const {
            std::string s = "(";
            for (std::size_t i = 0; i < l.items.size(); ++i) s += (i ? ", " : "") + std::visit(*this, l.items[i]);
            return s + (l.items.size() == 1 ? ",)" : ")");
        }
    };
    return std::visit(Visitor{}, value);
}

}  // namespace mediaview

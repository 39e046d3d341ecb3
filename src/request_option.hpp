// One request option's value as any front end hands it over (Python keywords,
// CLI flags), before the request's own checks: the bindings translate types
// into this, and only this; every range, choice and combination is checked
// by the request (src/image_request.cpp, src/audio_request.cpp), so an
// option means the same and fails the same way wherever it is given.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "errors.hpp"

namespace mediaview {

// Bytes, as opposed to text (an ICC profile rather than a profile's name).
struct OptionBytes {
    std::string data;
};
// A sequence: (x, y, width, height), per-channel values, a matrix's rows.
struct OptionList;
using OptionInput = std::variant<std::monostate, bool, std::int64_t, double, std::string, OptionBytes, OptionList>;
struct OptionList {
    std::vector<OptionInput> items;
};

// How a request option is declared: its name, what it means (the docs and
// the CLI's help read it), and how a value sets it on the request.
template <class Request>
struct RequestOption {
    const char* name;
    const char* doc;
    void (*set)(Request& request, const OptionInput& value);
};

// The readers each option's setter uses: a value of another kind is an
// ArgumentTypeError naming the option, one out of range an ArgumentError.
bool is_none(const OptionInput& value);
bool bool_value(const OptionInput& value, const char* name);
// An integer (an integral float too: 44100.0) in [min, max].
std::int64_t int_value(const OptionInput& value, const char* name, std::int64_t min, std::int64_t max);
double number_value(const OptionInput& value, const char* name);
std::string text_value(const OptionInput& value, const char* name);
// A sequence of integers; `count` > 0: exactly that many.
std::vector<std::int64_t> int_list(const OptionInput& value, const char* name, std::size_t count,
                                   std::int64_t min, std::int64_t max);
std::vector<double> number_list(const OptionInput& value, const char* name);
// A name lookup of the core's (pixel_mode_from_name, fit_from_name, ...),
// its std::invalid_argument rethrown as the option's ArgumentError.
template <class Parse>
auto by_name(const OptionInput& value, const char* name, Parse parse) {
    std::string text = text_value(value, name);
    try {
        return parse(text);
    } catch (const ArgumentError&) {
        throw;
    } catch (const ArgumentTypeError&) {
        throw;
    } catch (const std::invalid_argument& e) {
        throw ArgumentError(name, e.what());
    }
}

// What the value is, for messages: "None", "True", "12", "'RGB'", "(1, 2)".
std::string describe(const OptionInput& value);

// The option named `name` in `options`, or an ArgumentTypeError listing them.
template <class Request>
const RequestOption<Request>& find_option(const std::vector<RequestOption<Request>>& options, std::string_view name,
                                          const char* what) {
    for (const auto& option : options)
        if (name == option.name) return option;
    std::string known;
    for (const auto& option : options) known += std::string(known.empty() ? "" : ", ") + option.name;
    throw ArgumentTypeError(std::string(name),
                            "unknown " + std::string(what) + " option '" + std::string(name) + "' (options: " + known + ")");
}

}  // namespace mediaview

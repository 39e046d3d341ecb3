// C++ exceptions thrown by the core and the decoders. The Python binding layer
// translates each to the mediaview exception of the same name; decoders never
// include Python headers.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace mediaview {

// The option an error message advises or blames ("pass allow_truncated=True
// to get the partial image", "(strict=True)", "above max_pixels=N"), kept
// beside the text so a front end words it its own way (the CLI names
// --allow-truncated) without parsing the message: the message is
// detail + lead + option=value + tail.
struct Advice {
    std::string lead, option, value, tail;
    std::string api_words() const { return option.empty() ? "" : lead + option + "=" + value + tail; }
};

// "; pass allow_truncated=True <purpose>"
inline Advice pass_allow_truncated(const std::string& purpose) {
    return {"; pass ", "allow_truncated", "True", " " + purpose};
}
// " (strict=True)": a warning turned into an error.
inline Advice because_strict() { return {" (", "strict", "True", ")"}; }
// ", above max_pixels=N<tail>"
inline Advice above_limit(const std::string& option, unsigned long long limit, const std::string& tail = "") {
    return {", above ", option, std::to_string(limit), tail};
}

struct Error : std::runtime_error {
    using std::runtime_error::runtime_error;
    Error(const std::string& what, Advice a)
        : std::runtime_error(what + a.api_words()), detail(what), advice(std::move(a)) {}
    std::string detail;  // the message without its advice (set with it)
    Advice advice;
};

// The data is damaged or truncated beyond what the policy allows.
struct DecodeError : Error {
    using Error::Error;
};

// No decoder recognises the content, or it uses a feature the library lacks.
struct UnsupportedFormatError : Error {
    using Error::Error;
};

// A header asks for more than the configured limits allow.
struct LimitError : Error {
    using Error::Error;
};

// An argument of the wrong kind (a float where an integer is needed, samples
// of an element type no codec takes): TypeError in Python. Other bad
// arguments are std::invalid_argument (ValueError), or ArgumentError when
// the check knows which argument it was.
struct ArgumentTypeError : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
    ArgumentTypeError(std::string name, const std::string& message)
        : std::invalid_argument(message), argument(std::move(name)) {}
    std::string argument;  // the option's name ("mode"), empty when not one option's fault
};

// A request option's value is out of its range or choices: ValueError in
// Python, with `argument` as a field so a front end (the CLI) names its own
// spelling of it (--mode) without parsing the message.
struct ArgumentError : std::invalid_argument {
    ArgumentError(std::string name, const std::string& message)
        : std::invalid_argument(message), argument(std::move(name)) {}
    std::string argument;
};

// Recoverable problems found while decoding. The binding layer turns each
// message into a DecodeWarning once the GIL is held again.
struct Diagnostics {
    std::vector<std::string> warnings;
    void warn(std::string message) { warnings.push_back(std::move(message)); }
    // One message per kind, in first-seen order: messages that differ only
    // in their numbers ("Corrupt JPEG data: 12 extraneous bytes ...") are one
    // kind, given as the first of them with "(N times)" when repeated. A
    // damaged file can make a library warn hundreds of times; the caller
    // hears once per kind.
    std::vector<std::string> by_kind() const;
};

}  // namespace mediaview

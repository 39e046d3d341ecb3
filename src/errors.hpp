// C++ exceptions thrown by the core and the decoders. The Python binding layer
// translates each to the mediaview exception of the same name; decoders never
// include Python headers.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace mediaview {

struct Error : std::runtime_error {
    using std::runtime_error::runtime_error;
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

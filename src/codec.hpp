// What every codec is, whatever it decodes: a name, its kind, the file
// extensions it claims, the library behind it, and a sniffer. Codecs live in
// decoders/<codec>/ and are listed once, in decoders/table.cpp; the core only
// sees them through these interfaces (image_codec.hpp, audio_codec.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "errors.hpp"

namespace mediaview {

// Encoded bytes the caller keeps alive for the duration of a call.
struct ByteSpan {
    const std::uint8_t* data = nullptr;
    std::size_t size = 0;
};

enum class MediaKind { Image, Audio };

// One option a codec takes when writing (e.g. JPEG's quality), declared by
// the codec so that the bindings convert, the CLI offers and everyone checks
// the same names: a misspelled option is an error, never silently ignored.
struct OptionSpec {
    enum class Kind { Int, Bool, Text };
    std::string name;
    Kind kind = Kind::Int;
    std::string doc;
    std::vector<std::string> choices;  // Text: the accepted values (empty: any)
    std::int64_t min = 0, max = 0;     // Int: the accepted range when min < max
};
using OptionValue = std::variant<std::int64_t, bool, std::string>;
using Options = std::map<std::string, OptionValue>;

// A described value, e.g. one field of an ImageInfo or AudioInfo; monostate
// is "unknown" (None in Python, null in JSON). One ordered list of them is
// the single description behind attributes, as_dict, repr and the CLI.
using FieldValue = std::variant<std::monostate, bool, std::int64_t, double, std::string>;
using Fields = std::vector<std::pair<std::string, FieldValue>>;

// Throws ArgumentTypeError (TypeError) for an option not in `specs` or of the
// wrong kind, std::invalid_argument for one out of its range or choices.
void check_options(const std::vector<OptionSpec>& specs, const Options& options, std::string_view codec);

// The option's value, or `fallback` when the caller did not give it.
std::int64_t int_option(const Options& options, const std::string& name, std::int64_t fallback);
bool bool_option(const Options& options, const std::string& name, bool fallback);
std::string text_option(const Options& options, const std::string& name, const std::string& fallback);

class Codec {
public:
    virtual ~Codec() = default;
    virtual std::string_view name() const = 0;
    virtual MediaKind kind() const = 0;
    virtual std::string description() const = 0;
    virtual std::vector<std::string> extensions() const = 0;  // lower case, without the dot
    virtual std::string library_version() const = 0;
    // True when the first bytes of a file look like this codec's format.
    virtual bool sniff(ByteSpan head) const = 0;
};

}  // namespace mediaview

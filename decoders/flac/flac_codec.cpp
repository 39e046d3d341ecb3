// The FLAC codec: the entry in the codec table. The stream itself is read by
// detail::Handle (flac_handle.hpp), sniffing is in flac_sniff.cpp.
#include "flac_codec.hpp"

#include <FLAC/format.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "flac_handle.hpp"

namespace mediaview::flac {

namespace {

class FlacCodec final : public AudioCodec {
public:
    std::string_view name() const override { return "flac"; }
    std::string description() const override {
        return "FLAC and Ogg FLAC through libFLAC: 4-32 bits, 1-8 channels, sample-exact seeking, MD5 verification";
    }
    // Ogg FLAC is found by its content; ".oga" and ".ogg" stay libsndfile's.
    std::vector<std::string> extensions() const override { return {"flac"}; }
    std::string library_version() const override { return std::string("libFLAC ") + FLAC__VERSION_STRING; }

    bool sniff(ByteSpan head) const override {
        if (head.size >= 4 && std::memcmp(head.data, "fLaC", 4) == 0) return true;
        return is_ogg_flac(head.data, head.size) || is_frame_header(head.data, head.size);
    }

    std::unique_ptr<AudioHandle> open(const AudioSource& source) const override {
        return std::make_unique<detail::Handle>(source);
    }

    std::optional<PcmLayout> pcm_layout(const AudioSource&, const AudioInfo&, DType, ByteSpan,
                                        std::string& why_not) const override {
        why_not = "FLAC is not a plain PCM container: its samples are compressed and must be decoded";
        return std::nullopt;
    }
    std::optional<DType> exact_dtype(const std::string& subtype) const override {
        if (subtype == "PCM_S8" || subtype == "PCM_16") return DType::I16;
        if (subtype.rfind("PCM_", 0) != 0) return std::nullopt;
        int bits = std::atoi(subtype.c_str() + 4);
        if (bits >= 4 && bits <= 16) return DType::I16;
        if (bits > 16 && bits <= 32) return DType::I32;
        return std::nullopt;
    }
    // Read-only: FLAC files are written by the libsndfile codec.
};

}  // namespace

std::string subtype_for_bits(unsigned bits) {
    if (bits == 8) return "PCM_S8";
    return "PCM_" + std::to_string(bits);
}

const AudioCodec& codec() {
    static const FlacCodec instance;
    return instance;
}

}  // namespace mediaview::flac

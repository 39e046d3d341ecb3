// Writing through libsndfile, with python-soundfile's defaults.
#include <sndfile.h>

#include <map>

#include "format_names.hpp"
#include "sndfile_decoder.hpp"

namespace mediaview::sndfile {
namespace {

struct CloseSndfile {
    void operator()(SNDFILE* f) const { sf_close(f); }
};

const std::map<std::string, int> kTagIds = {
    {"title", SF_STR_TITLE},     {"artist", SF_STR_ARTIST},   {"album", SF_STR_ALBUM},
    {"date", SF_STR_DATE},       {"comment", SF_STR_COMMENT}, {"genre", SF_STR_GENRE},
    {"tracknumber", SF_STR_TRACKNUMBER}, {"copyright", SF_STR_COPYRIGHT}, {"software", SF_STR_SOFTWARE},
    {"license", SF_STR_LICENSE},
};

SF_INFO checked_format(const WriteRequest& r) {
    int major = major_from_name(r.format);
    if (!major) throw std::invalid_argument("unknown audio format '" + r.format + "'");
    std::string subtype_text = r.subtype.empty() ? default_subtype(r.format) : r.subtype;
    int subtype = subtype_from_name(subtype_text);
    if (!subtype) throw std::invalid_argument("unknown or missing subtype '" + subtype_text + "' for " + r.format);
    SF_INFO info{};
    info.format = major | subtype;
    info.samplerate = r.samplerate;
    info.channels = r.channels;
    if (r.samplerate <= 0 || r.channels <= 0) throw std::invalid_argument("samplerate and channels must be positive");
    if (!sf_format_check(&info))
        throw std::invalid_argument("libsndfile cannot write " + r.format + " with subtype " + subtype_text +
                                    " at " + std::to_string(r.samplerate) + " Hz, " + std::to_string(r.channels) +
                                    " channels");
    return info;
}

sf_count_t write_frames(SNDFILE* f, const WriteRequest& r) {
    switch (r.dtype) {
        case DType::I16: return sf_writef_short(f, static_cast<const short*>(r.interleaved), r.frames);
        case DType::I32: return sf_writef_int(f, static_cast<const int*>(r.interleaved), r.frames);
        case DType::F32: return sf_writef_float(f, static_cast<const float*>(r.interleaved), r.frames);
        case DType::F64: return sf_writef_double(f, static_cast<const double*>(r.interleaved), r.frames);
        default: throw std::invalid_argument("audio data must be int16, int32, float32 or float64");
    }
}

}  // namespace

std::string default_subtype(const std::string& format) {
    static const std::map<std::string, std::string> defaults = {
        {"WAV", "PCM_16"},  {"AIFF", "PCM_16"}, {"AU", "PCM_16"},   {"PAF", "PCM_16"},  {"SVX", "PCM_16"},
        {"NIST", "PCM_16"}, {"VOC", "PCM_16"},  {"IRCAM", "PCM_16"}, {"W64", "PCM_16"}, {"MAT4", "DOUBLE"},
        {"MAT5", "DOUBLE"}, {"PVF", "PCM_16"},  {"XI", "DPCM_16"},  {"HTK", "PCM_16"},  {"SDS", "PCM_16"},
        {"AVR", "PCM_16"},  {"WAVEX", "PCM_16"}, {"SD2", "PCM_16"}, {"FLAC", "PCM_16"}, {"CAF", "PCM_16"},
        {"WVE", "ALAW"},    {"OGG", "VORBIS"},  {"MPC2K", "PCM_16"}, {"RF64", "PCM_16"}, {"MP3", "MPEG_LAYER_III"},
    };
    auto it = defaults.find(format);
    return it == defaults.end() ? "" : it->second;
}

void write_file(const WriteRequest& r) {
    SF_INFO info = checked_format(r);
    std::unique_ptr<SNDFILE, CloseSndfile> file;
    {
        std::lock_guard<std::mutex> lock(global_error_mutex());
        file.reset(sf_open(r.path.c_str(), SFM_WRITE, &info));
        if (!file) throw Error("cannot write " + r.path + ": " + sf_strerror(nullptr));
    }
    sf_command(file.get(), SFC_SET_CLIPPING, nullptr, SF_TRUE);
    // Some containers (WAV's LIST chunk, Vorbis comments) take strings only
    // before the first sample is written.
    for (const auto& [key, value] : r.tags) {
        auto id = kTagIds.find(key);
        if (id == kTagIds.end()) throw std::invalid_argument("unknown tag '" + key + "'");
        sf_set_string(file.get(), id->second, value.c_str());  // formats without tags ignore them
    }
    if (write_frames(file.get(), r) != r.frames)
        throw Error("cannot write " + r.path + ": " + sf_strerror(file.get()));
    SNDFILE* raw = file.release();
    if (sf_close(raw) != 0) throw Error("cannot finish " + r.path + ": " + sf_strerror(nullptr));
}

}  // namespace mediaview::sndfile

// The write side of the libsndfile codec: a file opened for writing, blocks
// of any layout handed to libsndfile as they come, tags, and the close that
// flushes the encoders.
#include <sndfile.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <mutex>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "sndfile_codec.hpp"
#include "sndfile_detail.hpp"

namespace mediaview::sndfile::detail {

namespace {

template <typename T>
sf_count_t write_block(SNDFILE* f, const T* data, sf_count_t frames);
template <>
sf_count_t write_block(SNDFILE* f, const short* d, sf_count_t n) { return sf_writef_short(f, d, n); }
template <>
sf_count_t write_block(SNDFILE* f, const int* d, sf_count_t n) { return sf_writef_int(f, d, n); }
template <>
sf_count_t write_block(SNDFILE* f, const float* d, sf_count_t n) { return sf_writef_float(f, d, n); }
template <>
sf_count_t write_block(SNDFILE* f, const double* d, sf_count_t n) { return sf_writef_double(f, d, n); }

// Interleaved input goes to libsndfile as it is; any other layout (planar,
// strided) is gathered block by block into a small interleaved buffer. With
// `as_float`, integer samples are handed over as float in [-1, 1) instead:
// libsndfile's MP3 encoder (1.2.0 and 1.2.2) mis-scales short and int input,
// so the encoded signal clips (correlation with the input about 0.45).
template <typename T>
void write_samples(SNDFILE* f, const AudioWriteRequest& r, bool as_float) {
    constexpr std::int64_t block = 8192;
    const Index item = sizeof(T);
    const bool interleaved = (r.channels == 1 || r.channel_stride == item) && r.frame_stride == item * r.channels;
    const bool convert = as_float && std::is_integral_v<T>;
    const float scale = convert ? 1.0f / (sizeof(T) == 2 ? 32768.0f : 2147483648.0f) : 1.0f;
    std::vector<T> gather(interleaved ? 0 : static_cast<std::size_t>(block * r.channels));
    std::vector<float> floats(convert ? static_cast<std::size_t>(block * r.channels) : 0);
    for (std::int64_t done = 0; done < r.frames; done += block) {
        std::int64_t n = std::min(block, r.frames - done);
        const std::uint8_t* base = r.data + done * r.frame_stride;
        const T* src = reinterpret_cast<const T*>(base);
        if (!interleaved) {
            for (std::int64_t i = 0; i < n; ++i)
                for (int c = 0; c < r.channels; ++c)
                    std::memcpy(&gather[i * r.channels + c], base + i * r.frame_stride + c * r.channel_stride, item);
            src = gather.data();
        }
        sf_count_t written = 0;
        if (convert) {
            for (std::int64_t i = 0; i < n * r.channels; ++i) floats[i] = static_cast<float>(src[i]) * scale;
            written = write_block(f, floats.data(), n);
        } else {
            written = write_block(f, src, n);
        }
        if (written != n) throw Error(std::string("writing audio failed: ") + sf_strerror(f));
    }
}

SndfilePtr open_for_writing(const AudioWriteRequest& r, int format) {
    SF_INFO sfinfo{};
    sfinfo.samplerate = r.samplerate;
    sfinfo.channels = r.channels;
    sfinfo.format = format;
    std::lock_guard<std::mutex> lock(global_error_mutex());
    if (!sf_format_check(&sfinfo))
        throw UnsupportedFormatError("libsndfile cannot write " + subtype_name(format) + " in " + major_name(format) +
                                     " with " + std::to_string(r.channels) + " channels at " +
                                     std::to_string(r.samplerate) + " Hz");
    SNDFILE* f = sf_open(r.path.c_str(), SFM_WRITE, &sfinfo);
    if (!f) {
        int code = sf_error(nullptr);
        std::string message = "cannot write " + (r.name.empty() ? r.path : r.name) + ": " + sf_strerror(nullptr);
        if (code == SF_ERR_UNSUPPORTED_ENCODING) throw UnsupportedFormatError(message);
        throw Error(message);
    }
    return SndfilePtr(f);
}

void set_tags(SNDFILE* f, const AudioWriteRequest& r) {
    for (const auto& tag : r.tags) {
        const std::string& key = tag.first;
        const std::string& value = tag.second;
        // (A named variable, not a structured binding: lambdas may capture
        // those only from C++20 on, and clang holds C++17 to that.)
        auto it = std::find_if(std::begin(tag_names), std::end(tag_names),
                               [&key](const auto& t) { return key == t.second; });
        if (it == std::end(tag_names)) throw std::invalid_argument("unknown audio tag '" + key + "'");
        if (sf_set_string(f, it->first, value.c_str()) != 0)
            throw UnsupportedFormatError("cannot store tag '" + key + "': " + sf_strerror(f));
    }
}

// One file being written: blocks go to libsndfile as they come.
class Writer final : public AudioWriter {
public:
    Writer(const AudioWriteRequest& r, SndfilePtr f, bool as_float)
        : f_(std::move(f)), name_(r.name.empty() ? r.path : r.name), dtype_(r.dtype), channels_(r.channels),
          as_float_(as_float) {
        sf_command(f_.get(), SFC_SET_CLIPPING, nullptr, SF_TRUE);
        set_tags(f_.get(), r);
    }

    void append(const AudioWriteRequest& block) override {
        if (!f_) throw Error("writing " + name_ + " after it was closed");
        if (block.dtype != dtype_ || block.channels != channels_)
            throw std::invalid_argument("every block must have the dtype and channels the file was opened with");
        switch (dtype_) {
            case DType::I16: write_samples<short>(f_.get(), block, as_float_); break;
            case DType::I32: write_samples<int>(f_.get(), block, as_float_); break;
            case DType::F32: write_samples<float>(f_.get(), block, as_float_); break;
            case DType::F64: write_samples<double>(f_.get(), block, as_float_); break;
            default: throw std::invalid_argument("audio data must be int16, int32, float32 or float64");
        }
    }

    void close() override {
        // Encoders (Vorbis, Opus, MP3, FLAC) flush their last blocks on close.
        int rc = sf_close(f_.release());
        if (rc != 0) throw Error("finishing " + name_ + " failed: " + sf_error_number(rc));
    }

private:
    SndfilePtr f_;
    std::string name_;
    DType dtype_;
    int channels_;
    bool as_float_;
};

}  // namespace

std::unique_ptr<AudioWriter> open_file_writer(const AudioWriteRequest& r, int format, bool as_float) {
    return std::make_unique<Writer>(r, open_for_writing(r, format), as_float);
}

}  // namespace mediaview::sndfile::detail

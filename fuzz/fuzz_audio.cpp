// libFuzzer target: the libsndfile codec reading from memory, with the
// sample type and range taken from the input.
//
// Input layout: 4 option bytes, then the bytes handed to the codec.
//   [0] bits 0-1 dtype (int16, int32, float32, float64), bit 2 seek first
//   [1] start as a fraction (b / 256) of the reported length
//   [2] [3] frames to read: 64 * (b2 + 1), at most 16,384 frames
// A handle must either throw a mediaview::Error (or std::invalid_argument
// for a rejected request) or report a sane header, seek inside it, read
// at most what it is asked into the buffer given, and map only inside the
// bytes it was given.
#include <cstdlib>
#include <vector>

#include "decoders/sndfile/sndfile_codec.hpp"

using namespace mediaview;

namespace {

constexpr std::size_t kOptionBytes = 4;
constexpr int kMaxChannels = 1024;  // more than libsndfile accepts: its own limit holds

void check(bool ok) {
    if (!ok) std::abort();
}

void exercise(const std::uint8_t* o, ByteSpan bytes) {
    static const DType dtypes[] = {DType::I16, DType::I32, DType::F32, DType::F64};
    DType dtype = dtypes[o[0] & 3];
    AudioSource source;
    source.bytes = bytes;
    const AudioCodec& decoder = sndfile::codec();
    std::unique_ptr<AudioHandle> handle = decoder.open(source);
    const AudioInfo& info = handle->info();
    check(info.channels > 0 && info.channels <= kMaxChannels && info.samplerate > 0);
    std::string why;
    if (auto layout = decoder.pcm_layout(source, info, dtype, bytes, why))
        check(layout->data_offset <= bytes.size);
    std::int64_t frames = 64 * (static_cast<std::int64_t>(o[2]) + 1);
    if (o[0] & 4 && info.seekable && info.exact_length && info.frames > 0) {
        std::int64_t start = info.frames * o[1] / 256;
        handle->seek(start);
    }
    // One frame of slack after the asked-for frames: a read that writes past
    // what it reports overwrites the guard value.
    std::size_t frame_bytes = itemsize(dtype) * static_cast<std::size_t>(info.channels);
    std::vector<std::uint8_t> buffer(static_cast<std::size_t>(frames + 1) * frame_bytes, 0xA5);
    std::int64_t got = handle->read(dtype, buffer.data(), frames);
    check(got >= 0 && got <= frames);
    for (std::size_t i = static_cast<std::size_t>(frames) * frame_bytes; i < buffer.size(); ++i)
        check(buffer[i] == 0xA5);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < kOptionBytes) return 0;
    try {
        exercise(data, {data + kOptionBytes, size - kOptionBytes});
    } catch (const Error&) {
    } catch (const std::invalid_argument&) {
    }
    return 0;  // anything else escaping is a crash libFuzzer reports
}

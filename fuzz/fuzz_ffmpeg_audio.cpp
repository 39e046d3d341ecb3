// libFuzzer target: the FFmpeg codec (decoders/ffmpeg) reading from memory,
// over every container it accepts (MP4/MOV, ADTS, ASF, AC-3, E-AC-3,
// Matroska/WebM: the demuxer follows the content's first bytes), with the
// sample type, stream, seek and read length taken from the input.
//
// Input layout: 4 option bytes, then the bytes handed to the codec.
//   [0] bits 0-1 dtype (int16, int32, float32, float64), bit 2 seek first,
//       bit 3 strict, bit 4 read a second block after the first
//   [1] start as a fraction (b / 256) of the reported length
//   [2] frames to read: 64 * (b + 1), at most 16,384 frames
//   [3] the stream: 255 the default ("best" audio), else b % 8
// A handle must either throw a mediaview::Error (or std::invalid_argument
// for a rejected request) or report a sane header, seek inside it, and
// read at most what it is asked into the buffer given. libav* must print
// nothing (stderr is checked by tests/test_ffmpeg_audio.py; here a crash,
// a leak or an overflow is what fails).
#include <cstdlib>
#include <vector>

#include "decoders/ffmpeg/ffmpeg_codec.hpp"

using namespace mediaview;

namespace {

constexpr std::size_t kOptionBytes = 4;

void check(bool ok) {
    if (!ok) std::abort();
}

void read_block(AudioHandle& handle, DType dtype, std::int64_t frames) {
    const AudioInfo& info = handle.info();
    // One frame of slack after the asked-for frames: a read that writes past
    // what it reports overwrites the guard value.
    std::size_t frame_bytes = itemsize(dtype) * static_cast<std::size_t>(info.channels);
    std::vector<std::uint8_t> buffer(static_cast<std::size_t>(frames + 1) * frame_bytes, 0xA5);
    std::int64_t got = handle.read(dtype, buffer.data(), frames);
    check(got >= 0 && got <= frames);
    for (std::size_t i = static_cast<std::size_t>(frames) * frame_bytes; i < buffer.size(); ++i)
        check(buffer[i] == 0xA5);
}

void exercise(const std::uint8_t* o, ByteSpan bytes) {
    static const DType dtypes[] = {DType::I16, DType::I32, DType::F32, DType::F64};
    DType dtype = dtypes[o[0] & 3];
    AudioSource source;
    source.bytes = bytes;
    source.policy.strict = (o[0] & 8) != 0;
    source.hints.stream = o[3] == 255 ? -1 : o[3] % 8;
    if (!ffmpeg::codec().sniff({bytes.data, bytes.size < 64 ? bytes.size : 64})) return;
    std::unique_ptr<AudioHandle> handle = ffmpeg::codec().open(source);
    const AudioInfo& info = handle->info();
    // FFmpeg's own limits: at most 64 channels (AVCodec's), rates it accepts.
    check(info.channels > 0 && info.channels <= 512 && info.samplerate > 0);
    std::int64_t frames = 64 * (static_cast<std::int64_t>(o[2]) + 1);
    if (o[0] & 4 && info.frames > 0) handle->seek(info.frames * o[1] / 256);
    read_block(*handle, dtype, frames);
    if (o[0] & 16) read_block(*handle, dtype, frames);
    handle->take_warnings();
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

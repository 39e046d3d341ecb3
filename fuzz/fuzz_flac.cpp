// libFuzzer target: the libFLAC codec reading from memory, with the sample
// type, the damage policy, a seek and the range taken from the input.
//
// Input layout: 4 option bytes, then the bytes handed to the codec.
//   [0] bits 0-1 dtype (int16, int32, float32, float64), bit 2 seek first,
//       bit 3 allow_truncated, bit 4 strict, bit 5 verify, bit 6 read the
//       first block again after the seek
//   [1] start as a fraction (b / 256) of the reported length
//   [2] frames to read: 64 * (b + 1), at most 16,384 frames
// A handle must either throw a mediaview::Error (or std::invalid_argument)
// or report a sane header, seek inside it, read at most what it is asked
// into the buffer given, give the same first block when it is read again,
// and print nothing on stderr (libFLAC's messages become the handle's warnings).
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "decoders/flac/flac_codec.hpp"

using namespace mediaview;

extern "C" __attribute__((weak)) void __sanitizer_set_report_fd(void* fd);

namespace {

constexpr std::size_t kOptionBytes = 4;

void check(bool ok) {
    if (!ok) std::abort();
}

// fd 2 points at an in-memory file for the length of each input (the
// sanitizers report to a copy of the real stderr), which must stay empty.
class StderrWatch {
public:
    StderrWatch() {
        sink_ = ::memfd_create("fuzz_flac_stderr", MFD_CLOEXEC);
        real_ = ::dup(2);
        if (sink_ < 0 || real_ < 0) return;
        if (__sanitizer_set_report_fd) __sanitizer_set_report_fd(reinterpret_cast<void*>(static_cast<std::intptr_t>(real_)));
        ok_ = true;
    }
    void begin() {
        if (ok_) ::dup2(sink_, 2);
    }
    void end() {
        if (!ok_) return;
        ::dup2(real_, 2);
        off_t n = ::lseek(sink_, 0, SEEK_END);
        if (n == 0) return;
        char text[400] = {};
        ssize_t got = ::pread(sink_, text, sizeof text - 1, 0);
        std::fprintf(stderr, "fuzz_flac: the library wrote %lld byte(s) on stderr: %s\n", static_cast<long long>(n),
                     got > 0 ? text : "");
        std::abort();
    }

private:
    int sink_ = -1, real_ = -1;
    bool ok_ = false;
};

std::vector<std::uint8_t> read_block(AudioHandle& h, DType dtype, std::int64_t frames) {
    // One frame of slack after the asked-for frames: a read that writes past
    // what it reports overwrites the guard value.
    const std::size_t frame_bytes = itemsize(dtype) * static_cast<std::size_t>(h.info().channels);
    std::vector<std::uint8_t> buffer(static_cast<std::size_t>(frames + 1) * frame_bytes, 0xA5);
    std::int64_t got = h.read(dtype, buffer.data(), frames);
    check(got >= 0 && got <= frames);
    for (std::size_t i = static_cast<std::size_t>(frames) * frame_bytes; i < buffer.size(); ++i) check(buffer[i] == 0xA5);
    buffer.resize(static_cast<std::size_t>(got) * frame_bytes);
    return buffer;
}

void exercise(const std::uint8_t* o, ByteSpan bytes) {
    static const DType dtypes[] = {DType::I16, DType::I32, DType::F32, DType::F64};
    DType dtype = dtypes[o[0] & 3];
    AudioSource source;
    source.bytes = bytes;
    source.policy.allow_truncated = o[0] & 8;
    source.policy.strict = o[0] & 16;
    source.policy.verify = o[0] & 32;
    std::unique_ptr<AudioHandle> handle = flac::codec().open(source);
    const AudioInfo& info = handle->info();
    check(info.channels >= 1 && info.channels <= 8 && info.samplerate > 0);
    check(info.frames >= 0 || (info.frames == AudioInfo::unknown_length && !info.exact_length));
    std::int64_t frames = 64 * (static_cast<std::int64_t>(o[2]) + 1);
    std::vector<std::uint8_t> first = read_block(*handle, dtype, frames);
    if (o[0] & 4 && info.exact_length && info.frames > 0) {
        handle->seek(info.frames * o[1] / 256);
        read_block(*handle, dtype, frames);
        if (o[0] & 64) {
            handle->seek(0);
            std::vector<std::uint8_t> again = read_block(*handle, dtype, frames);
            // The same frames, unless damage made the first read stop short.
            if (again.size() == first.size() && handle->take_warnings().empty()) check(again == first);
        }
    }
    handle->finish();
    for (const std::string& w : handle->take_warnings()) check(!w.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static StderrWatch watch;
    if (size < kOptionBytes) return 0;
    watch.begin();
    try {
        exercise(data, {data + kOptionBytes, size - kOptionBytes});
    } catch (const Error&) {
    } catch (const std::invalid_argument&) {
    }
    watch.end();
    return 0;  // anything else escaping is a crash libFuzzer reports
}

#include "audio_frames.hpp"

#include <algorithm>
#include <cstring>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "src/errors.hpp"
#include "src/mapped_file.hpp"

namespace mediaview {
namespace {

// Below this many frames a segment costs more in opening a handle (header
// parsing, seek tables) than decoding it on another core saves.
constexpr std::int64_t min_segment_frames = 16384;

struct Segment {
    std::int64_t start = 0;   // absolute frame in the file
    std::int64_t frames = 0;  // requested
    std::int64_t got = 0;     // read
    std::exception_ptr error;
    std::vector<std::string> warnings;
};

void add_once(Diagnostics* diagnostics, std::string warning) {
    if (!diagnostics) return;
    auto& all = diagnostics->warnings;
    if (std::find(all.begin(), all.end(), warning) == all.end()) diagnostics->warn(std::move(warning));
}

void read_segment(const AudioCodec& decoder, const AudioSource& source, Segment& seg, DType dtype,
                  std::uint8_t* dst) {
    try {
        std::unique_ptr<AudioHandle> handle = decoder.open(source);
        handle->seek(seg.start);
        seg.got = read_fully(*handle, dtype, dst, seg.frames);
        seg.warnings = handle->take_warnings();
    } catch (...) {
        seg.error = std::current_exception();
    }
}

std::vector<Segment> split(std::int64_t start, std::int64_t frames, int threads) {
    std::int64_t n = std::max<std::int64_t>(1, std::min<std::int64_t>(threads, frames / min_segment_frames));
    std::vector<Segment> segments(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
        std::int64_t a = frames * i / n, b = frames * (i + 1) / n;
        segments[i].start = start + a;
        segments[i].frames = b - a;
    }
    return segments;
}

}  // namespace

std::int64_t read_fully(AudioHandle& handle, DType dtype, std::uint8_t* dst, std::int64_t frames) {
    const std::size_t frame_bytes = itemsize(dtype) * static_cast<std::size_t>(handle.info().channels);
    std::int64_t done = 0;
    while (done < frames) {
        std::int64_t n = handle.read(dtype, dst + done * frame_bytes, frames - done);
        if (n <= 0) break;
        done += n;
    }
    return done;
}

void collect_warnings(AudioHandle& handle, Diagnostics* diagnostics) {
    for (std::string& w : handle.take_warnings()) add_once(diagnostics, std::move(w));
}

std::int64_t read_frames(const AudioCodec& decoder, const AudioSource& source, AudioHandle& first,
                         std::int64_t start, std::int64_t frames, DType dtype, std::uint8_t* dst, int threads,
                         Diagnostics* diagnostics) {
    first.seek(start);
    if (frames <= 0) return 0;
    if (threads <= 1 || !first.splittable()) {
        std::int64_t got = read_fully(first, dtype, dst, frames);
        collect_warnings(first, diagnostics);
        return got;
    }
    const std::size_t frame_bytes = itemsize(dtype) * static_cast<std::size_t>(first.info().channels);
    std::vector<Segment> segments = split(start, frames, threads);
    std::vector<std::thread> workers;
    for (std::size_t i = 1; i < segments.size(); ++i) {
        std::uint8_t* at = dst + (segments[i].start - start) * frame_bytes;
        workers.emplace_back(read_segment, std::cref(decoder), std::cref(source), std::ref(segments[i]), dtype, at);
    }
    try {
        segments[0].got = read_fully(first, dtype, dst, segments[0].frames);
        segments[0].warnings = first.take_warnings();
    } catch (...) {
        segments[0].error = std::current_exception();
    }
    for (std::thread& t : workers) t.join();
    // The frames read are the leading run of complete segments plus the
    // first short one; anything after a short segment is past the real end.
    // Their warnings in order, each once (segments that decode the same
    // damage on the way to their start report it alike).
    std::int64_t total = 0;
    for (Segment& seg : segments) {
        if (seg.error) std::rethrow_exception(seg.error);
        total += seg.got;
        for (std::string& w : seg.warnings) add_once(diagnostics, std::move(w));
        if (seg.got < seg.frames) break;
    }
    return total;
}

void check_sample_limit(std::int64_t frames, int channels, std::uint64_t max_samples) {
    if (max_samples == 0 || frames <= 0) return;
    // frames < 2^63 and channels <= 1024 (libsndfile's own cap) could still
    // overflow a product: compare by division instead.
    if (static_cast<std::uint64_t>(frames) <= max_samples / static_cast<std::uint64_t>(channels)) return;
    throw LimitError("reading " + std::to_string(frames) + " frames x " + std::to_string(channels) +
                     " channels",
                     {" would exceed ", "max_samples", std::to_string(max_samples),
                      " samples (read a range, stream it, or raise the limit)"});
}

StridedArray append_rest(AudioHandle& handle, StridedArray first, DType dtype, std::uint64_t max_samples) {
    const int channels = static_cast<int>(first.shape()[1]);
    const std::size_t frame_bytes = itemsize(dtype) * static_cast<std::size_t>(channels);
    // About a million samples a block, so the limit is overshot by at most
    // that much before it is noticed, whatever the channel count.
    const std::int64_t block = std::max<std::int64_t>(1024, (std::int64_t{1} << 20) / channels);
    std::vector<std::uint8_t> extra;
    for (;;) {
        std::size_t at = extra.size();
        extra.resize(at + static_cast<std::size_t>(block) * frame_bytes);
        std::int64_t n = handle.read(dtype, extra.data() + at, block);
        extra.resize(at + static_cast<std::size_t>(n) * frame_bytes);
        check_sample_limit(first.shape()[0] + static_cast<std::int64_t>(extra.size() / frame_bytes), channels,
                           max_samples);
        if (n < block) break;
    }
    if (extra.empty()) return first;
    Index total = first.shape()[0] + static_cast<Index>(extra.size() / frame_bytes);
    StridedArray joined = StridedArray::allocate(dtype, {total, channels});
    std::memcpy(joined.data(), first.data(), first.nbytes());
    std::memcpy(joined.data() + first.nbytes(), extra.data(), extra.size());
    return joined;
}

namespace {

// Decodes up to `probe` frames at `at` and compares them with the mapped bytes.
bool same_as_decoded(AudioHandle& handle, const std::uint8_t* mapped, std::int64_t at, std::int64_t frames,
                     DType dtype) {
    if (frames <= 0) return true;  // (and memcmp must not see the null data() of an empty vector)
    const std::size_t frame_bytes = itemsize(dtype) * static_cast<std::size_t>(handle.info().channels);
    std::vector<std::uint8_t> decoded(static_cast<std::size_t>(frames) * frame_bytes);
    handle.seek(at);
    if (read_fully(handle, dtype, decoded.data(), frames) != frames) return false;
    return std::memcmp(decoded.data(), mapped + at * frame_bytes, decoded.size()) == 0;
}

}  // namespace

std::optional<StridedArray> map_pcm(const AudioCodec& decoder, const AudioSource& source, AudioHandle& handle,
                                    std::int64_t start, std::int64_t frames, DType dtype, std::string& why_not) {
    if (source.path.empty()) {
        why_not = "the input is not a file path (bytes and file objects are decoded from memory)";
        return std::nullopt;
    }
    const AudioInfo& info = handle.info();
    std::shared_ptr<Storage> storage = map_file_readonly(source.path);
    std::optional<PcmLayout> layout =
        decoder.pcm_layout(source, info, dtype, ByteSpan{storage->data, storage->size}, why_not);
    if (!layout) return std::nullopt;
    const Index item = static_cast<Index>(itemsize(dtype));
    const std::uint8_t* samples = storage->data + layout->data_offset;
    constexpr std::int64_t probe = 1024;
    std::int64_t head = std::min(frames, probe), tail_at = std::max(start, start + frames - probe);
    if (!same_as_decoded(handle, samples, start, head, dtype) ||
        !same_as_decoded(handle, samples, tail_at, start + frames - tail_at, dtype)) {
        why_not = "the mapped bytes differ from the samples libsndfile decodes (unusual header or byte order)";
        return std::nullopt;
    }
    Index offset = static_cast<Index>(layout->data_offset) + start * item * info.channels;
    return StridedArray(std::move(storage), dtype, {frames, info.channels}, {item * info.channels, item}, offset);
}

}  // namespace mediaview


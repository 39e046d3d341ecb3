#include <algorithm>
#include <exception>
#include <stdexcept>
#include <thread>
#include <vector>

#include "audio_decoder.hpp"

namespace mediaview {

FrameRange resolve_range(std::int64_t total, std::int64_t start, std::optional<std::int64_t> stop,
                         std::optional<std::int64_t> frames) {
    if (stop && frames) throw std::invalid_argument("pass only one of stop and frames");
    if (frames && *frames < 0) frames.reset();  // soundfile: frames=-1 means "to the end"
    // Python's slice(start, stop).indices(total)
    auto clip = [total](std::int64_t i) {
        if (i < 0) i += total;
        return std::clamp<std::int64_t>(i, 0, total);
    };
    FrameRange r;
    r.start = clip(start);
    r.stop = stop ? clip(*stop) : total;
    if (frames) r.stop = std::min(total, r.start + *frames);
    if (r.stop < r.start) r.stop = r.start;
    return r;
}

namespace {

std::int64_t read_segment(AudioStream& stream, DType dtype, FrameRange range, std::uint8_t* target) {
    if (range.frames() == 0) return 0;
    stream.seek(range.start);
    std::size_t frame_bytes = itemsize(dtype) * static_cast<std::size_t>(stream.info().channels);
    std::int64_t done = 0;
    while (done < range.frames()) {
        std::int64_t got = stream.read(dtype, target + done * frame_bytes, range.frames() - done);
        if (got <= 0) break;
        done += got;
    }
    return done;
}

}  // namespace

std::int64_t read_range(const AudioDecoder& decoder, const AudioSource& source, const AudioHints& hints,
                        AudioStream& first, DType dtype, FrameRange range, void* target, int threads) {
    auto* out = static_cast<std::uint8_t*>(target);
    const AudioInfo& info = first.info();
    // Segments shorter than this cost more to open and seek than they save.
    constexpr std::int64_t kMinSegment = 65536;
    int parts = static_cast<int>(std::min<std::int64_t>(threads, range.frames() / kMinSegment));
    if (parts <= 1 || !info.seekable || !info.exact_length || !info.exact_seek)
        return read_segment(first, dtype, range, out);

    std::size_t frame_bytes = itemsize(dtype) * static_cast<std::size_t>(info.channels);
    std::vector<FrameRange> segments(parts);
    for (int i = 0; i < parts; ++i) {
        segments[i].start = range.start + range.frames() * i / parts;
        segments[i].stop = range.start + range.frames() * (i + 1) / parts;
    }
    std::vector<std::int64_t> done(parts, 0);
    std::vector<std::exception_ptr> errors(parts);
    auto run = [&](int i, AudioStream* stream) {
        try {
            std::unique_ptr<AudioStream> own;
            if (!stream) stream = (own = decoder.open(source, hints)).get();  // one handle per thread
            done[i] = read_segment(*stream, dtype, segments[i],
                                   out + (segments[i].start - range.start) * static_cast<std::int64_t>(frame_bytes));
        } catch (...) {
            errors[i] = std::current_exception();
        }
    };
    std::vector<std::thread> workers;
    for (int i = 1; i < parts; ++i) workers.emplace_back(run, i, nullptr);
    run(0, &first);
    for (auto& w : workers) w.join();
    for (auto& e : errors)
        if (e) std::rethrow_exception(e);
    // The range is exact, so a short segment means the data ends early:
    // what was read is contiguous only up to the first short segment.
    std::int64_t total = 0;
    for (int i = 0; i < parts; ++i) {
        total += done[i];
        if (done[i] < segments[i].frames()) break;
    }
    return total;
}

}  // namespace mediaview

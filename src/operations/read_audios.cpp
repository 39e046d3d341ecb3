#include "read_audios.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "src/caller_buffer.hpp"
#include "src/strided_array.hpp"

namespace mediaview {

AudioBatch read_audios(const CodecTable& codecs, const std::vector<AudioSource>& sources,
                       const std::vector<std::string>& names, const AudioReadRequest& request, AudioPadding padding,
                       int threads, const InterruptPoll* interrupted) {
    const std::size_t n = sources.size();
    if (padding.enabled && request.shape.layout != SampleLayout::Interleaved)
        throw std::invalid_argument("padding stacks interleaved clips: pass layout='interleaved'");
    if (padding.enabled && padding.frames < -1) throw std::invalid_argument("pad_to must be a number of frames >= 0");
    AudioBatch batch;
    batch.reads.resize(n);
    batch.diagnostics.resize(n);
    std::vector<std::exception_ptr> errors(n);
    AudioReadRequest one = request;
    one.threads = 1;  // the pool runs clips side by side
    run_items(threads, n, [&](std::size_t i) {
        try {
            batch.reads[i] = read_audio(codecs, sources[i], one, nullptr, batch.diagnostics[i]);
        } catch (...) {
            errors[i] = std::current_exception();
        }
    }, interrupted);
    if (padding.enabled) {
        // Every clip decodes into its own buffer first (a clip's length is
        // only sure once read), then into its slot of the padded array.
        const AudioRead* first = nullptr;
        std::size_t first_index = 0;
        std::int64_t longest = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (errors[i]) continue;
            const AudioRead& r = batch.reads[i];
            if (!first) {
                first = &r;
                first_index = i;
            } else if (r.samples.shape().size() != first->samples.shape().size() ||
                       (r.samples.ndim() == 2 && r.samples.shape()[1] != first->samples.shape()[1])) {
                throw std::invalid_argument("padded clips need one channel count: " + names[i] + " has " +
                                            describe_shape(r.samples.shape()) + ", " + names[first_index] + " " +
                                            describe_shape(first->samples.shape()));
            } else if (r.samplerate != first->samplerate) {
                throw std::invalid_argument("padded clips need one sample rate: " + names[i] + " is " +
                                            std::to_string(r.samplerate) + " Hz, " + names[first_index] + " " +
                                            std::to_string(first->samplerate) + " Hz");
            }
            longest = std::max<std::int64_t>(longest, r.samples.shape()[0]);
        }
        batch.lengths.assign(n, 0);
        if (first) {
            const std::int64_t frames = padding.frames >= 0 ? padding.frames : longest;
            std::vector<Index> shape = first->samples.shape();
            shape[0] = frames;
            shape.insert(shape.begin(), static_cast<Index>(n));
            // allocate() leaves the memory as it was: zero it for the padding.
            batch.padded = StridedArray::allocate(first->samples.dtype(), shape);
            std::memset(batch.padded.data(), 0, batch.padded.nbytes());
            batch.samplerate = first->samplerate;
            run_items(threads, n, [&](std::size_t i) {
                if (errors[i]) return;
                const StridedArray& clip = batch.reads[i].samples;
                std::int64_t kept = std::min<std::int64_t>(frames, clip.shape()[0]);
                batch.lengths[i] = kept;
                const std::size_t frame_bytes = clip.count() / std::max<std::size_t>(1, clip.shape()[0]) * clip.itemsize();
                std::uint8_t* slot = batch.padded.data() + static_cast<Index>(i) * batch.padded.strides()[0];
                for (std::int64_t f = 0; f < kept; ++f) {
                    const std::uint8_t* src = clip.data() + f * clip.strides()[0];
                    if (clip.ndim() == 1 || clip.strides()[1] == static_cast<Index>(clip.itemsize())) {
                        std::memcpy(slot + f * static_cast<Index>(frame_bytes), src, frame_bytes);
                    } else {
                        for (Index c = 0; c < clip.shape()[1]; ++c)
                            std::memcpy(slot + f * static_cast<Index>(frame_bytes) + c * static_cast<Index>(clip.itemsize()),
                                        src + c * clip.strides()[1], clip.itemsize());
                    }
                }
                batch.reads[i] = AudioRead{};  // the clip's own buffer is no longer needed
            }, interrupted);
        }
    }
    for (std::size_t i = 0; i < n; ++i)
        if (errors[i]) batch.failures.push_back({i, errors[i]});
    return batch;
}

}  // namespace mediaview

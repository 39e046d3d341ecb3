#include "decode_batch.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "src/file_bytes.hpp"
#include "src/resize.hpp"
#include "src/worker_pool.hpp"

namespace mediaview {
namespace {

// The source's bytes: the caller's, or the file read now (a path is read
// once per phase rather than held: a batch keeps no compressed file in
// memory beyond the one each worker is on).
struct Loaded {
    AlignedBuffer file;
    ByteSpan span;
};

Loaded load(const BatchSource& source) {
    Loaded loaded;
    if (source.path.empty()) {
        loaded.span = source.bytes;
    } else {
        loaded.file = read_file(source.path);
        loaded.span = {loaded.file.data(), loaded.file.size()};
    }
    return loaded;
}

// Slot i of a stacked array, as the caller's-buffer target decode_image
// writes through (the stacked array owns the memory for the whole batch).
CallerBuffer slot_buffer(const StridedArray& stacked, std::size_t i) {
    CallerBuffer b;
    b.data = stacked.data() + static_cast<Index>(i) * stacked.strides()[0];
    b.format = std::string(1, format_code(stacked.dtype()));
    b.itemsize = stacked.itemsize();
    b.shape.assign(stacked.shape().begin() + 1, stacked.shape().end());
    b.strides.assign(stacked.strides().begin() + 1, stacked.strides().end());
    b.writable = true;
    b.keepalive = stacked.storage();
    return b;
}

StridedArray slot_array(const StridedArray& stacked, std::size_t i) {
    std::vector<Index> shape(stacked.shape().begin() + 1, stacked.shape().end());
    std::vector<Index> strides(stacked.strides().begin() + 1, stacked.strides().end());
    return StridedArray(stacked.storage(), stacked.dtype(), shape, strides,
                        stacked.offset() + static_cast<Index>(i) * stacked.strides()[0]);
}

// Zeroes a failed slot (a truncated decode may have written part of it).
void zero_slot(const StridedArray& stacked, std::size_t i) {
    StridedArray slot = slot_array(stacked, i);
    if (slot.count() == 0) return;
    if (slot.ndim() == 2) {
        std::vector<Index> shape = slot.shape();
        shape.push_back(1);
        std::vector<Index> strides = slot.strides();
        strides.push_back(static_cast<Index>(slot.itemsize()));
        slot = StridedArray(slot.storage(), slot.dtype(), shape, strides, slot.offset());
    }
    fill_pixels(slot, {0});
}

}  // namespace

// The option that would make two plans agree, and the advice naming it.
std::pair<const char*, const char*> agreeing_option(const PlannedImage& a, const PlannedImage& b) {
    if (a.dtype != b.dtype) return {"dtype", "pass dtype='uint8' or 'uint16' to decode every image at one depth"};
    bool same_size = a.shape.size() >= 2 && b.shape.size() >= 2 && a.shape[0] == b.shape[0] && a.shape[1] == b.shape[1];
    if (same_size) return {"mode", "pass mode= (e.g. mode='RGB') to decode every image with one channel layout"};
    return {"size", "pass size=(width, height) to resize every image to one size"};
}

std::optional<std::size_t> common_plan(const PlannedBatch& planned, const std::vector<BatchSource>& sources,
                                       const std::string& who) {
    std::optional<std::size_t> first;
    for (std::size_t i = 0; i < planned.plans.size(); ++i) {
        if (planned.errors[i]) continue;
        if (!first) {
            first = i;
            continue;
        }
        const PlannedImage& a = planned.plans[*first];
        const PlannedImage& b = planned.plans[i];
        auto [option, advice] = agreeing_option(b, a);
        if (b.shape != a.shape || b.dtype != a.dtype)
            throw ArgumentError(option, who + " needs one shape for every image: " + sources[i].name + " decodes to " +
                                            describe_shape(b.shape) + " " + std::string(dtype_name(b.dtype)) + " but " +
                                            sources[*first].name + " to " + describe_shape(a.shape) + " " +
                                            std::string(dtype_name(a.dtype)) + " (" + advice + ")");
    }
    return first;
}

PlannedBatch plan_images(const CodecTable& codecs, const std::vector<BatchSource>& sources,
                         const ImageRequest& request, int threads) {
    const std::size_t n = sources.size();
    WorkerPool& pool = WorkerPool::shared(threads > 0 ? threads : WorkerPool::usable_cores());
    PlannedBatch planned;
    planned.plans.resize(n);
    planned.errors.resize(n);
    pool.run(n, [&](std::size_t i) {
        try {
            Loaded loaded = load(sources[i]);
            planned.plans[i] = plan_image(codecs, loaded.span, request);
        } catch (...) {
            planned.errors[i] = std::current_exception();
        }
    });
    return planned;
}

DecodedBatch decode_images(const CodecTable& codecs, const std::vector<BatchSource>& sources,
                           const ImageRequest& request, bool stack, const CallerBuffer* out, int threads) {
    const std::size_t n = sources.size();
    if (out && !stack) throw std::invalid_argument("out= needs stack=True (one array for the whole batch)");
    WorkerPool& pool = WorkerPool::shared(threads > 0 ? threads : WorkerPool::usable_cores());
    DecodedBatch batch;
    batch.metas.resize(n);
    batch.orientations.assign(n, 1);
    batch.diagnostics.resize(n);
    std::vector<std::exception_ptr> errors(n);

    if (stack) {
        // Phase 1: every shape from its header, before any pixel is decoded.
        PlannedBatch planned = plan_images(codecs, sources, request, threads);
        const std::vector<PlannedImage>& plans = planned.plans;
        std::optional<std::size_t> agreed = common_plan(planned, sources, "decode_images(stack=True)");
        errors = std::move(planned.errors);
        const PlannedImage* first = agreed ? &plans[*agreed] : nullptr;
        if (first || out) {
            if (out) {
                std::vector<Index> shape = first ? first->shape : std::vector<Index>(out->shape.begin() + 1, out->shape.end());
                DType dtype = first ? first->dtype : out->dtype().value_or(DType::U8);
                shape.insert(shape.begin(), static_cast<Index>(n));
                batch.stacked = checked_out(*out, dtype, shape, "the decoded batch");
            } else {
                std::vector<Index> shape = first->shape;
                shape.insert(shape.begin(), static_cast<Index>(n));
                batch.stacked = StridedArray::allocate(first->dtype, shape);
            }
        }
        // Phase 2: each image straight into its slot.
        pool.run(n, [&](std::size_t i) {
            if (!errors[i]) {
                try {
                    Loaded loaded = load(sources[i]);
                    CallerBuffer slot = slot_buffer(batch.stacked, i);
                    DecodedImage image = decode_image(codecs, loaded.span, request, &slot, batch.diagnostics[i]);
                    batch.metas[i] = std::move(image.meta);
                    batch.orientations[i] = image.orientation;
                    return;
                } catch (...) {
                    errors[i] = std::current_exception();
                }
            }
            if (batch.stacked.data()) zero_slot(batch.stacked, i);
        });
    } else {
        batch.images.resize(n);
        pool.run(n, [&](std::size_t i) {
            try {
                Loaded loaded = load(sources[i]);
                DecodedImage image = decode_image(codecs, loaded.span, request, nullptr, batch.diagnostics[i]);
                batch.images[i] = std::move(image.pixels);
                batch.metas[i] = std::move(image.meta);
                batch.orientations[i] = image.orientation;
            } catch (...) {
                errors[i] = std::current_exception();
            }
        });
    }
    for (std::size_t i = 0; i < n; ++i)
        if (errors[i]) batch.failures.push_back({i, errors[i]});
    if (stack)
        for (std::size_t i = 0; i < n; ++i)
            if (!errors[i]) {
                batch.stacked_meta = batch.metas[i];
                break;
            }
    return batch;
}

AudioBatch read_audios(const CodecTable& codecs, const std::vector<AudioSource>& sources,
                       const std::vector<std::string>& names, const AudioReadRequest& request, AudioPadding padding,
                       int threads) {
    const std::size_t n = sources.size();
    if (padding.enabled && request.shape.layout != SampleLayout::Interleaved)
        throw std::invalid_argument("padding stacks interleaved clips: pass layout='interleaved'");
    if (padding.enabled && padding.frames < -1) throw std::invalid_argument("pad_to must be a number of frames >= 0");
    WorkerPool& pool = WorkerPool::shared(threads > 0 ? threads : WorkerPool::usable_cores());
    AudioBatch batch;
    batch.reads.resize(n);
    batch.diagnostics.resize(n);
    std::vector<std::exception_ptr> errors(n);
    AudioReadRequest one = request;
    one.threads = 1;  // the pool runs clips side by side
    pool.run(n, [&](std::size_t i) {
        try {
            batch.reads[i] = read_audio(codecs, sources[i], one, nullptr, batch.diagnostics[i]);
        } catch (...) {
            errors[i] = std::current_exception();
        }
    });
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
            pool.run(n, [&](std::size_t i) {
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
            });
        }
    }
    for (std::size_t i = 0; i < n; ++i)
        if (errors[i]) batch.failures.push_back({i, errors[i]});
    return batch;
}

}  // namespace mediaview

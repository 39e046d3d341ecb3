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
                         const ImageRequest& request, int threads, const InterruptPoll* interrupted) {
    const std::size_t n = sources.size();
    PlannedBatch planned;
    planned.plans.resize(n);
    planned.errors.resize(n);
    run_items(threads, n, [&](std::size_t i) {
        try {
            Loaded loaded = load(sources[i]);
            planned.plans[i] = plan_image(codecs, loaded.span, request);
        } catch (...) {
            planned.errors[i] = std::current_exception();
        }
    }, interrupted);
    return planned;
}

DecodedBatch decode_images(const CodecTable& codecs, const std::vector<BatchSource>& sources,
                           const ImageRequest& request, bool stack, const CallerBuffer* out, int threads,
                           const InterruptPoll* interrupted) {
    const std::size_t n = sources.size();
    if (out && !stack) throw std::invalid_argument("out= needs stack=True (one array for the whole batch)");
    DecodedBatch batch;
    batch.metas.resize(n);
    batch.orientations.assign(n, 1);
    batch.diagnostics.resize(n);
    std::vector<std::exception_ptr> errors(n);

    if (stack) {
        // Phase 1: every shape from its header, before any pixel is decoded.
        PlannedBatch planned = plan_images(codecs, sources, request, threads, interrupted);
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
        run_items(threads, n, [&](std::size_t i) {
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
        }, interrupted);
    } else {
        batch.images.resize(n);
        run_items(threads, n, [&](std::size_t i) {
            try {
                Loaded loaded = load(sources[i]);
                DecodedImage image = decode_image(codecs, loaded.span, request, nullptr, batch.diagnostics[i]);
                batch.images[i] = std::move(image.pixels);
                batch.metas[i] = std::move(image.meta);
                batch.orientations[i] = image.orientation;
            } catch (...) {
                errors[i] = std::current_exception();
            }
        }, interrupted);
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

}  // namespace mediaview

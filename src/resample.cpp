#include "resample.hpp"

#include <soxr.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

#include "errors.hpp"

namespace mediaview {

ResampleQuality resample_quality_from_name(std::string_view name) {
    std::string n(name);
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (n == "qq") return ResampleQuality::Quick;
    if (n == "lq") return ResampleQuality::Low;
    if (n == "mq") return ResampleQuality::Medium;
    if (n == "hq") return ResampleQuality::High;
    if (n == "vhq") return ResampleQuality::VeryHigh;
    throw std::invalid_argument("resample_quality must be one of 'qq', 'lq', 'mq', 'hq', 'vhq' (python-soxr's names), "
                                "not '" + std::string(name) + "'");
}

std::int64_t resampled_length(std::int64_t frames, int in_rate, int out_rate) {
    if (frames <= 0) return 0;
    // Exact integer ceil: frames * out can exceed 2^63 only for absurd
    // lengths, which split into quotient and remainder first.
    const std::int64_t q = frames / in_rate, r = frames % in_rate;
    return q * out_rate + (r * out_rate + in_rate - 1) / in_rate;
}

// ---- mixing -------------------------------------------------------------------

ChannelMix ChannelMix::standard(int in_channels, int out_channels) {
    ChannelMix m;
    m.in_channels = in_channels;
    m.out_channels = out_channels;
    if (in_channels == out_channels) return m;
    if (in_channels == 2 && out_channels == 1) {
        m.weights = {0.5, 0.5};
        return m;
    }
    if (in_channels == 1 && out_channels == 2) {
        m.weights = {1.0, 1.0};
        return m;
    }
    throw std::invalid_argument("no standard mix from " + std::to_string(in_channels) + " to " +
                                std::to_string(out_channels) +
                                " channels (only stereo -> mono and mono -> stereo): pass mix= as a matrix of " +
                                std::to_string(out_channels) + " rows of " + std::to_string(in_channels) +
                                " weights");
}

ChannelMix ChannelMix::matrix(int in_channels, int out_channels, std::vector<double> weights) {
    if (out_channels < 1) throw std::invalid_argument("mix must have at least one row");
    if (weights.size() != static_cast<std::size_t>(in_channels) * static_cast<std::size_t>(out_channels))
        throw std::invalid_argument("mix must have " + std::to_string(in_channels) +
                                    " weights in each row (one per input channel)");
    for (double w : weights)
        if (!std::isfinite(w)) throw std::invalid_argument("mix weights must be finite numbers");
    ChannelMix m;
    m.in_channels = in_channels;
    m.out_channels = out_channels;
    m.weights = std::move(weights);
    return m;
}

template <typename T>
void ChannelMix::apply(const T* in, T* out, std::int64_t frames) const {
    const int ic = in_channels, oc = out_channels;
    if (identity()) {
        std::copy(in, in + frames * ic, out);
        return;
    }
    if (ic == 2 && oc == 1 && weights[0] == 0.5 && weights[1] == 0.5) {
        // The mean, as numpy's x.mean(axis=1) computes it: (a + b) / 2.
        for (std::int64_t f = 0; f < frames; ++f) out[f] = (in[2 * f] + in[2 * f + 1]) / T(2);
        return;
    }
    for (std::int64_t f = 0; f < frames; ++f) {
        const T* x = in + f * ic;
        for (int c = 0; c < oc; ++c) {
            const double* w = &weights[static_cast<std::size_t>(c) * ic];
            double sum = 0;
            for (int j = 0; j < ic; ++j) sum += w[j] * x[j];
            out[f * oc + c] = static_cast<T>(sum);
        }
    }
}

template void ChannelMix::apply<float>(const float*, float*, std::int64_t) const;
template void ChannelMix::apply<double>(const double*, double*, std::int64_t) const;

// ---- libsoxr ------------------------------------------------------------------

struct Resampler::State {
    soxr_t soxr = nullptr;
    ~State() {
        if (soxr) soxr_delete(soxr);
    }
};

namespace {

unsigned long recipe(ResampleQuality q) {
    switch (q) {
        case ResampleQuality::Quick: return SOXR_QQ;
        case ResampleQuality::Low: return SOXR_LQ;
        case ResampleQuality::Medium: return SOXR_MQ;
        case ResampleQuality::High: return SOXR_HQ;
        case ResampleQuality::VeryHigh: return SOXR_VHQ;
    }
    return SOXR_HQ;
}

}  // namespace

Resampler::Resampler(int in_rate, int out_rate, int channels, DType dtype, ResampleQuality quality)
    : state_(std::make_unique<State>()), channels_(channels), dtype_(dtype) {
    if (in_rate <= 0 || out_rate <= 0) throw std::invalid_argument("samplerates must be positive");
    if (dtype != DType::F32 && dtype != DType::F64) throw std::logic_error("the resampler works in float32 or float64");
    const soxr_datatype_t type = dtype == DType::F32 ? SOXR_FLOAT32_I : SOXR_FLOAT64_I;
    // The same specs python-soxr passes (io type in = out, the quality
    // recipe with no flags, the default runtime: one thread), so both
    // compute the same filter the same way.
    const soxr_io_spec_t io = soxr_io_spec(type, type);
    const soxr_quality_spec_t q = soxr_quality_spec(recipe(quality), 0);
    soxr_error_t error = nullptr;
    state_->soxr = soxr_create(in_rate, out_rate, static_cast<unsigned>(channels), &error, &io, &q, nullptr);
    if (error || !state_->soxr)
        throw Error(std::string("cannot resample from ") + std::to_string(in_rate) + " to " +
                    std::to_string(out_rate) + " Hz: " + (error ? error : "libsoxr failed"));
}

Resampler::~Resampler() = default;

std::size_t Resampler::process(const void* in, std::size_t frames, void* out, std::size_t capacity) {
    if (frames == 0) return 0;  // a null input would mean "end of input" to libsoxr
    std::size_t used = 0, written = 0;
    soxr_error_t error = soxr_process(state_->soxr, in, frames, &used, out, capacity, &written);
    if (error) throw Error(std::string("resampling failed: ") + error);
    // libsoxr buffers whatever input it could not turn into output within
    // `capacity`; it always takes the whole input.
    if (used != frames) throw Error("resampling failed: libsoxr left input unconsumed");
    return written;
}

std::size_t Resampler::flush(void* out, std::size_t capacity) {
    std::size_t written = 0;
    soxr_error_t error = soxr_process(state_->soxr, nullptr, 0, nullptr, out, capacity, &written);
    if (error) throw Error(std::string("resampling failed: ") + error);
    return written;
}

// ---- float to integers ----------------------------------------------------------

namespace {

template <typename I, typename T>
void float_to_int(const T* in, I* out, std::size_t n, double scale) {
    constexpr double lo = static_cast<double>(std::numeric_limits<I>::min());
    constexpr double hi = static_cast<double>(std::numeric_limits<I>::max());
    for (std::size_t i = 0; i < n; ++i) {
        double v = static_cast<double>(in[i]) * scale;
        if (!(v > lo)) v = lo;  // (NaN becomes the minimum rather than undefined behaviour)
        else if (v > hi) v = hi;
        out[i] = static_cast<I>(std::nearbyint(v));
    }
}

}  // namespace

template <typename T>
void float_to_int16(const T* in, std::int16_t* out, std::size_t n) {
    float_to_int(in, out, n, 32768.0);
}
template <typename T>
void float_to_int32(const T* in, std::int32_t* out, std::size_t n) {
    float_to_int(in, out, n, 2147483648.0);
}
template void float_to_int16<float>(const float*, std::int16_t*, std::size_t);
template void float_to_int16<double>(const double*, std::int16_t*, std::size_t);
template void float_to_int32<float>(const float*, std::int32_t*, std::size_t);
template void float_to_int32<double>(const double*, std::int32_t*, std::size_t);

// ---- the converter ----------------------------------------------------------------

SampleConverter::SampleConverter(int in_rate, int out_rate, ChannelMix mix, DType out_dtype, ResampleQuality quality)
    : in_rate_(in_rate), out_rate_(out_rate), mix_(std::move(mix)), out_dtype_(out_dtype),
      work_(out_dtype == DType::F64 || out_dtype == DType::I32 ? DType::F64 : DType::F32) {
    if (out_rate <= 0) throw std::invalid_argument("samplerate must be positive");
    if (in_rate != out_rate) resampler_ = std::make_unique<Resampler>(in_rate, out_rate, mix_.out_channels, work_, quality);
}

std::size_t SampleConverter::in_frame_bytes() const { return itemsize(work_) * static_cast<std::size_t>(mix_.in_channels); }
std::size_t SampleConverter::out_frame_bytes() const {
    return itemsize(out_dtype_) * static_cast<std::size_t>(mix_.out_channels);
}

void SampleConverter::deliver(const std::uint8_t* work, std::int64_t frames, std::uint8_t* out) const {
    const std::size_t n = static_cast<std::size_t>(frames) * static_cast<std::size_t>(mix_.out_channels);
    if (out_dtype_ == work_) {
        if (work != out) std::memcpy(out, work, n * itemsize(work_));
    } else if (work_ == DType::F32) {
        const float* w = reinterpret_cast<const float*>(work);
        if (out_dtype_ == DType::I16) float_to_int16(w, reinterpret_cast<std::int16_t*>(out), n);
        else float_to_int32(w, reinterpret_cast<std::int32_t*>(out), n);
    } else {
        const double* w = reinterpret_cast<const double*>(work);
        if (out_dtype_ == DType::I16) float_to_int16(w, reinterpret_cast<std::int16_t*>(out), n);
        else if (out_dtype_ == DType::I32) float_to_int32(w, reinterpret_cast<std::int32_t*>(out), n);
        else {
            float* o = reinterpret_cast<float*>(out);
            for (std::size_t i = 0; i < n; ++i) o[i] = static_cast<float>(w[i]);
        }
    }
}

std::int64_t SampleConverter::resample_into(const std::uint8_t* in, std::int64_t frames, std::uint8_t* out,
                                            std::int64_t capacity, bool flush) {
    const std::size_t work_frame = itemsize(work_) * static_cast<std::size_t>(mix_.out_channels);
    if (out_dtype_ == work_)  // straight into the caller's memory
        return static_cast<std::int64_t>(flush ? resampler_->flush(out, static_cast<std::size_t>(capacity))
                                               : resampler_->process(in, static_cast<std::size_t>(frames), out,
                                                                     static_cast<std::size_t>(capacity)));
    if (resampled_.size() < static_cast<std::size_t>(capacity) * work_frame)
        resampled_.resize(static_cast<std::size_t>(capacity) * work_frame);
    std::size_t n = flush ? resampler_->flush(resampled_.data(), static_cast<std::size_t>(capacity))
                          : resampler_->process(in, static_cast<std::size_t>(frames), resampled_.data(),
                                                static_cast<std::size_t>(capacity));
    deliver(resampled_.data(), static_cast<std::int64_t>(n), out);
    return static_cast<std::int64_t>(n);
}

std::int64_t SampleConverter::room_for(std::int64_t frames) const {
    return resampler_ ? resampled_length(frames, in_rate_, out_rate_) + 4096 : frames;
}

std::int64_t SampleConverter::push(const std::uint8_t* in, std::int64_t frames, std::uint8_t* out,
                                   std::int64_t capacity) {
    if (frames <= 0) return 0;
    in_total_ += frames;
    const std::uint8_t* mixed = in;
    if (!mix_.identity()) {
        const std::size_t bytes = static_cast<std::size_t>(frames) * itemsize(work_) * mix_.out_channels;
        if (mixed_.size() < bytes) mixed_.resize(bytes);
        if (work_ == DType::F32)
            mix_.apply(reinterpret_cast<const float*>(in), reinterpret_cast<float*>(mixed_.data()), frames);
        else
            mix_.apply(reinterpret_cast<const double*>(in), reinterpret_cast<double*>(mixed_.data()), frames);
        mixed = mixed_.data();
    }
    std::int64_t written;
    if (resampler_) {
        written = resample_into(mixed, frames, out, capacity, false);
    } else {
        if (capacity < frames) throw std::logic_error("SampleConverter: no room for the mixed frames");
        deliver(mixed, frames, out);
        written = frames;
    }
    out_total_ += written;
    return written;
}

std::int64_t SampleConverter::finish(std::uint8_t* out, std::int64_t capacity) {
    std::int64_t written = 0;
    if (resampler_ && !flushed_) {
        written = resample_into(nullptr, 0, out, capacity, true);
        if (written == 0) flushed_ = true;
    }
    if (written == 0) {  // libsoxr is done: pad to the exact length
        const std::int64_t pad =
            std::min(capacity, std::max<std::int64_t>(0, resampled_length(in_total_, in_rate_, out_rate_) - out_total_));
        std::memset(out, 0, static_cast<std::size_t>(pad) * out_frame_bytes());
        written = pad;
    }
    out_total_ += written;
    return written;
}

}  // namespace mediaview

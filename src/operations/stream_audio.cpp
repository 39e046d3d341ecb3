#include "stream_audio.hpp"

#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

#include "audio_frames.hpp"

namespace mediaview {

RangeFrames::RangeFrames(AudioHandle& handle, const AudioRange& range, DType dtype, const AudioReadRequest& request,
                         Diagnostics& diagnostics)
    : handle_(handle), range_(range), dtype_(dtype), request_(request), diagnostics_(diagnostics),
      // Read to the real end only where the header's length is an estimate.
      bounded_(!(range.to_end && !handle.info().exact_length)) {
    handle_.seek(range.start);
}

std::int64_t RangeFrames::pull(std::uint8_t* dst, std::int64_t frames) {
    std::int64_t n = bounded_ ? std::min(frames, range_.frames - got_) : frames;
    std::int64_t got = n > 0 ? read_fully(handle_, dtype_, dst, n) : 0;
    got_ += got;
    collect_warnings(handle_, &diagnostics_);  // damage the codec survived under source.policy
    if (got < frames) end();
    return got;
}

void RangeFrames::end() {
    if (ended_) return;
    ended_ = true;
    apply_damage_rules(handle_, range_, got_, request_, diagnostics_);
}

AudioBlocks::AudioBlocks(const CodecTable& codecs, const AudioSource& source, std::int64_t blocksize,
                         std::int64_t overlap, const AudioReadRequest& rq)
    : request_(rq), blocksize_(blocksize), overlap_(overlap) {
    check_audio_dtype(rq.dtype);
    if (blocksize <= 0) throw std::invalid_argument("blocksize must be positive");
    if (overlap < 0 || overlap >= blocksize)
        throw std::invalid_argument("overlap must be at least 0 and less than blocksize");
    if (rq.samplerate < 0) throw std::invalid_argument("samplerate must be positive");
    if (rq.mmap == true)
        throw std::invalid_argument("mmap=True: a stream decodes block by block; read_audio maps whole files");
    handle_ = codecs.audio_codec_for(source).open(source);
    const AudioInfo& info = handle_->info();
    out_rate_ = rq.samplerate ? rq.samplerate : info.samplerate;
    ChannelMix mix = requested_mix(rq, info.channels);
    out_channels_ = mix.out_channels;
    converter_ = std::make_unique<SampleConverter>(info.samplerate, out_rate_, std::move(mix), rq.dtype, rq.quality);
    // A block's byte count must be representable (it is allocated when the
    // stream's length is unknown); a stream of known length allocates no
    // more than it holds, whatever the blocksize. max_samples bounds a block.
    if (blocksize > std::numeric_limits<std::int64_t>::max() / static_cast<std::int64_t>(frame_bytes()))
        throw std::invalid_argument("blocksize " + std::to_string(blocksize) + " frames is too large");
    check_sample_limit(blocksize, out_channels_, rq.max_samples);
    AudioRange range = requested_range(info, rq, diagnostics_);
    if (converter_->converts()) {
        range_frames_ = std::make_unique<RangeFrames>(*handle_, range, converter_->work_dtype(), request_, diagnostics_);
        converted_ = std::make_unique<ConvertedFrames>(*converter_, *range_frames_);
        output_ = converted_.get();
    } else {
        converter_.reset();
        range_frames_ = std::make_unique<RangeFrames>(*handle_, range, rq.dtype, request_, diagnostics_);
        output_ = range_frames_.get();
    }
}

std::size_t AudioBlocks::frame_bytes() const {
    return itemsize(request_.dtype) * static_cast<std::size_t>(out_channels_);
}

// The buffer for the next block, `kept` overlap frames of the previous block
// already at its start, with room for `wanted` more.
std::shared_ptr<Storage> AudioBlocks::block_storage(std::int64_t kept, std::int64_t wanted, bool reuse) {
    const std::size_t bytes = static_cast<std::size_t>(kept + wanted) * frame_bytes();
    const std::uint8_t* tail = storage_ ? storage_->data + (last_frames_ - kept) * frame_bytes() : nullptr;
    if (reuse && storage_ && storage_->size >= bytes) {
        std::memmove(storage_->data, tail, kept * frame_bytes());
        return storage_;
    }
    std::shared_ptr<Storage> fresh = Storage::allocate(bytes);
    if (kept) std::memcpy(fresh->data, tail, kept * frame_bytes());
    return fresh;
}

std::optional<StridedArray> AudioBlocks::next(bool reuse) {
    if (finished_) return std::nullopt;
    std::int64_t kept = first_ ? 0 : std::min(overlap_, last_frames_);
    std::int64_t wanted = blocksize_ - kept;
    // Unconverted, a range of known end bounds the block (a short file
    // allocates no more than it holds, whatever the blocksize); converted
    // output ends where the converter says.
    if (!converted_ && range_frames_->left() >= 0) wanted = std::min(wanted, range_frames_->left());
    if (wanted <= 0) {
        finished_ = true;
        range_frames_->end();
        return std::nullopt;
    }
    std::shared_ptr<Storage> storage = block_storage(kept, wanted, reuse);
    std::int64_t got = output_->pull(storage->data + kept * frame_bytes(), wanted);
    if (got < wanted) finished_ = true;
    if (got == 0) return std::nullopt;
    first_ = false;
    last_frames_ = kept + got;
    storage_ = storage;
    Index item = static_cast<Index>(itemsize(request_.dtype)), channels = out_channels_;
    StridedArray block(storage, request_.dtype, {last_frames_, channels}, {item * channels, item});
    return shaped_samples(block, request_.shape);
}

}  // namespace mediaview

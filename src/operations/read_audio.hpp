// Reading audio, the one home of its policy: which codec, the range (python-
// soundfile's slice rules), the buffer (a memory map, the caller's out=, or
// ours held to the sample limit), the thread split, and the shape the
// caller asked for (interleaved or planar, mono with or without its axis).
// Streaming block by block (AudioBlocks) shares the same rules.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "src/caller_buffer.hpp"
#include "src/codec_table.hpp"

namespace mediaview {

enum class SampleLayout { Interleaved, Planar };
SampleLayout sample_layout_from_name(std::string_view name);  // throws std::invalid_argument

struct AudioShape {
    SampleLayout layout = SampleLayout::Interleaved;
    bool always_2d = false;  // keep the channel axis of mono audio
};

struct AudioReadRequest {
    DType dtype = DType::F32;
    std::int64_t start = 0;
    std::optional<std::int64_t> stop, frames;  // at most one
    AudioShape shape;
    int threads = 1;
    // nullopt: map the file's samples when possible (never into out=);
    // true: map or raise saying why; false: always decode.
    std::optional<bool> mmap;
    std::uint64_t max_samples = 0;  // for a buffer allocated here; 0 = no limit
};

struct AudioRead {
    StridedArray samples;  // shaped as asked
    int samplerate = 0;
};

// Runs without Python: call it with the GIL released. The codec's
// warnings (damage it survived under source.policy) go to `diagnostics`.
AudioRead read_audio(const CodecTable& codecs, const AudioSource& source, const AudioReadRequest& request,
                     const CallerBuffer* out, Diagnostics* diagnostics = nullptr);

AudioInfo audio_info(const CodecTable& codecs, const AudioSource& source);

// Blocks of `blocksize` frames, each overlapping the previous by `overlap`
// (python-soundfile's blocks()). One handle, one seek at the start.
class AudioBlocks {
public:
    AudioBlocks(const CodecTable& codecs, const AudioSource& source, std::int64_t blocksize, std::int64_t overlap,
                DType dtype, std::int64_t start, std::optional<std::int64_t> stop, AudioShape shape);
    const AudioInfo& info() const { return handle_->info(); }
    // The next block, or nullopt at the end. `reuse`: nothing outside refers
    // to the previous block any more, so its memory may be written again.
    std::optional<StridedArray> next(bool reuse);

private:
    std::size_t frame_bytes() const;
    std::shared_ptr<Storage> block_storage(std::int64_t kept, std::int64_t wanted, bool reuse);

    std::unique_ptr<AudioHandle> handle_;
    std::int64_t blocksize_, overlap_;
    DType dtype_;
    AudioShape shape_;
    std::int64_t remaining_ = 0;
    bool to_end_ = false;
    bool first_ = true;
    bool finished_ = false;
    std::int64_t last_frames_ = 0;
    std::shared_ptr<Storage> storage_;
};

}  // namespace mediaview

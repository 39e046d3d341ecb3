// The libFLAC codec without Python. Streams are made here with libFLAC's own
// encoder from known samples (4 to 32 bits, 1 to 8 channels, native and
// Ogg), so every decoded value is checked against the samples that went in.
#include <FLAC/stream_encoder.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "decoders/flac/flac_codec.hpp"
#include "decoders/table.hpp"
#include "src/operations/audio_frames.hpp"
#include "src/file_bytes.hpp"

using namespace mediaview;

namespace {

struct Encoded {
    std::vector<std::uint8_t> bytes;
    std::size_t pos = 0;
};

FLAC__StreamEncoderWriteStatus enc_write(const FLAC__StreamEncoder*, const FLAC__byte buffer[], size_t bytes, uint32_t,
                                         uint32_t, void* user) {
    auto* e = static_cast<Encoded*>(user);
    if (e->pos + bytes > e->bytes.size()) e->bytes.resize(e->pos + bytes);
    std::memcpy(e->bytes.data() + e->pos, buffer, bytes);
    e->pos += bytes;
    return FLAC__STREAM_ENCODER_WRITE_STATUS_OK;
}
FLAC__StreamEncoderSeekStatus enc_seek(const FLAC__StreamEncoder*, FLAC__uint64 to, void* user) {
    static_cast<Encoded*>(user)->pos = static_cast<std::size_t>(to);
    return FLAC__STREAM_ENCODER_SEEK_STATUS_OK;
}
FLAC__StreamEncoderTellStatus enc_tell(const FLAC__StreamEncoder*, FLAC__uint64* at, void* user) {
    *at = static_cast<Encoded*>(user)->pos;
    return FLAC__STREAM_ENCODER_TELL_STATUS_OK;
}
FLAC__StreamEncoderReadStatus enc_read(const FLAC__StreamEncoder*, FLAC__byte buffer[], size_t* bytes, void* user) {
    auto* e = static_cast<Encoded*>(user);
    std::size_t n = std::min(*bytes, e->bytes.size() - std::min(e->pos, e->bytes.size()));
    std::memcpy(buffer, e->bytes.data() + e->pos, n);
    e->pos += n;
    *bytes = n;
    return n ? FLAC__STREAM_ENCODER_READ_STATUS_CONTINUE : FLAC__STREAM_ENCODER_READ_STATUS_END_OF_STREAM;
}

// A noisy chord at full scale for `bits`, interleaved.
std::vector<std::int32_t> signal(int bits, int channels, std::int64_t frames, unsigned seed = 1) {
    std::mt19937 rng(seed);
    std::vector<std::int32_t> out(static_cast<std::size_t>(frames * channels));
    const double top = std::ldexp(1.0, bits - 1);
    for (std::int64_t i = 0; i < frames; ++i)
        for (int c = 0; c < channels; ++c) {
            double v = 0.7 * std::sin(0.01 * (c + 1) * i) + 0.2 * (static_cast<double>(rng() % 2001) / 1000.0 - 1.0);
            std::int64_t s = std::llround(v * top);
            s = std::max<std::int64_t>(-static_cast<std::int64_t>(top), std::min<std::int64_t>(static_cast<std::int64_t>(top) - 1, s));
            out[static_cast<std::size_t>(i * channels + c)] = static_cast<std::int32_t>(s);
        }
    // Both extremes appear, so scaling and clipping are exercised.
    out[0] = static_cast<std::int32_t>(-top);
    if (frames > 1) out[static_cast<std::size_t>(channels)] = static_cast<std::int32_t>(top - 1);
    return out;
}

std::vector<std::uint8_t> encode(const std::vector<std::int32_t>& samples, int bits, int channels,
                                 unsigned rate = 44100, bool ogg = false, unsigned blocksize = 0) {
    FLAC__StreamEncoder* enc = FLAC__stream_encoder_new();
    FLAC__stream_encoder_set_channels(enc, channels);
    FLAC__stream_encoder_set_bits_per_sample(enc, bits);
    FLAC__stream_encoder_set_sample_rate(enc, rate);
    FLAC__stream_encoder_set_compression_level(enc, 5);
    if (blocksize) FLAC__stream_encoder_set_blocksize(enc, blocksize);
    // Not "subset" streams (over 24 bits, or odd rates) are still FLAC.
    FLAC__stream_encoder_set_streamable_subset(enc, false);
    Encoded out;
    FLAC__StreamEncoderInitStatus st =
        ogg ? FLAC__stream_encoder_init_ogg_stream(enc, enc_read, enc_write, enc_seek, enc_tell, nullptr, &out)
            : FLAC__stream_encoder_init_stream(enc, enc_write, enc_seek, enc_tell, nullptr, &out);
    EXPECT_EQ(st, FLAC__STREAM_ENCODER_INIT_STATUS_OK);
    std::int64_t frames = static_cast<std::int64_t>(samples.size()) / channels;
    EXPECT_TRUE(FLAC__stream_encoder_process_interleaved(enc, samples.data(), static_cast<uint32_t>(frames)));
    EXPECT_TRUE(FLAC__stream_encoder_finish(enc));
    FLAC__stream_encoder_delete(enc);
    return out.bytes;
}

AudioSource from_bytes(const std::vector<std::uint8_t>& bytes, AudioReadPolicy policy = {}) {
    AudioSource s;
    s.bytes = {bytes.data(), bytes.size()};
    s.policy = policy;
    return s;
}

template <typename T>
std::vector<T> read_all(AudioHandle& h, DType dtype, std::int64_t frames) {
    std::vector<T> out(static_cast<std::size_t>(frames * h.info().channels));
    std::int64_t got = read_fully(h, dtype, reinterpret_cast<std::uint8_t*>(out.data()), frames);
    out.resize(static_cast<std::size_t>(got * h.info().channels));
    return out;
}

// Where the first frame starts: past the "fLaC" marker and every metadata block.
std::size_t first_frame_offset(const std::vector<std::uint8_t>& f) {
    std::size_t at = 4;
    for (;;) {
        bool last = f[at] & 0x80;
        std::size_t len = (std::size_t{f[at + 1]} << 16) | (std::size_t{f[at + 2]} << 8) | f[at + 3];
        at += 4 + len;
        if (last) return at;
    }
}

std::string sample_path(const std::string& name) { return std::string(MEDIAVIEW_SOURCE_DIR) + "/samples/" + name; }

}  // namespace

TEST(Flac, IsInTheTableBeforeSndfile) {
    const Codec* c = codecs().named("flac");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->kind(), MediaKind::Audio);
    EXPECT_EQ(c->library_version().rfind("libFLAC 1.", 0), 0u);
    auto samples = signal(16, 2, 5000);
    auto bytes = encode(samples, 16, 2);
    EXPECT_EQ(codecs().audio_codec_for(from_bytes(bytes)).name(), "flac");
    AudioSource wav;
    wav.path = sample_path("clip_pcm16.wav");
    EXPECT_EQ(codecs().audio_codec_for(wav).name(), "sndfile");
}

TEST(Flac, Sniffs) {
    const AudioCodec& d = flac::codec();
    auto native = encode(signal(16, 2, 5000), 16, 2);
    auto ogg = encode(signal(16, 2, 5000), 16, 2, 44100, true);
    EXPECT_TRUE(d.sniff({native.data(), native.size()}));
    EXPECT_TRUE(d.sniff({ogg.data(), ogg.size()}));
    std::size_t frame = first_frame_offset(native);
    EXPECT_TRUE(d.sniff({native.data() + frame, native.size() - frame}));
    // An MPEG frame header (layer III) is not a FLAC frame header, nor is
    // a FLAC-looking sync with a wrong CRC-8.
    const std::uint8_t mp3[] = {0xFF, 0xFB, 0x90, 0x64, 0x00, 0x00, 0x00, 0x00};
    EXPECT_FALSE(d.sniff({mp3, sizeof mp3}));
    std::vector<std::uint8_t> bad(native.begin() + static_cast<long>(frame), native.begin() + static_cast<long>(frame) + 16);
    bad[5] ^= 0x55;
    EXPECT_FALSE(d.sniff({bad.data(), bad.size()}));
    const std::uint8_t text[] = "hello, world";
    EXPECT_FALSE(d.sniff({text, sizeof text}));
}

TEST(Flac, EveryDepthAndChannelCountAsLibsndfileConverts) {
    for (int bits : {4, 8, 12, 16, 20, 24, 32}) {
        for (int channels : {1, 2, 3, 8}) {
            SCOPED_TRACE("bits " + std::to_string(bits) + " channels " + std::to_string(channels));
            const std::int64_t frames = 9000;
            auto samples = signal(bits, channels, frames);
            auto bytes = encode(samples, bits, channels, 48000);
            auto h = flac::codec().open(from_bytes(bytes));
            EXPECT_EQ(h->info().channels, channels);
            EXPECT_EQ(h->info().samplerate, 48000);
            EXPECT_EQ(h->info().frames, frames);
            EXPECT_EQ(h->info().format, "FLAC");
            EXPECT_EQ(h->info().subtype, flac::subtype_for_bits(bits));
            auto i32 = read_all<std::int32_t>(*h, DType::I32, frames);
            h->seek(0);
            auto i16 = read_all<std::int16_t>(*h, DType::I16, frames);
            h->seek(0);
            auto f32 = read_all<float>(*h, DType::F32, frames);
            h->seek(0);
            auto f64 = read_all<double>(*h, DType::F64, frames);
            ASSERT_EQ(i32.size(), samples.size());
            ASSERT_EQ(f64.size(), samples.size());
            for (std::size_t i = 0; i < samples.size(); ++i) {
                std::int32_t left = static_cast<std::int32_t>(static_cast<std::uint32_t>(samples[i]) << (32 - bits));
                ASSERT_EQ(i32[i], left) << i;
                ASSERT_EQ(i16[i], static_cast<std::int16_t>(left >> 16)) << i;
                ASSERT_EQ(f64[i], std::ldexp(static_cast<double>(samples[i]), 1 - bits)) << i;
                ASSERT_EQ(f32[i], static_cast<float>(samples[i]) * std::ldexp(1.0f, 1 - bits)) << i;
            }
            EXPECT_EQ(flac::codec().exact_dtype(h->info().subtype), bits <= 16 ? DType::I16 : DType::I32);
        }
    }
}

TEST(Flac, TheBundledSampleEqualsLibsndfile) {
    AudioSource s;
    s.path = sample_path("music_stereo.flac");
    auto ours = flac::codec().open(s);
    auto theirs = codecs().named("sndfile") ? static_cast<const AudioCodec*>(codecs().named("sndfile"))->open(s) : nullptr;
    ASSERT_TRUE(theirs);
    EXPECT_EQ(ours->info().frames, theirs->info().frames);
    EXPECT_EQ(ours->info().subtype, theirs->info().subtype);
    EXPECT_EQ(ours->info().tags, theirs->info().tags);
    for (DType dt : {DType::I16, DType::I32, DType::F32, DType::F64}) {
        ours->seek(0);
        theirs->seek(0);
        std::int64_t n = ours->info().frames;
        std::size_t bytes = static_cast<std::size_t>(n) * ours->info().channels * itemsize(dt);
        std::vector<std::uint8_t> a(bytes), b(bytes);
        EXPECT_EQ(read_fully(*ours, dt, a.data(), n), n);
        EXPECT_EQ(read_fully(*theirs, dt, b.data(), n), n);
        EXPECT_TRUE(a == b) << dtype_name(dt);
    }
}

TEST(Flac, SeeksAreSampleExact) {
    for (bool ogg : {false, true}) {
        SCOPED_TRACE(ogg ? "ogg" : "native");
        const std::int64_t frames = 100000;
        auto samples = signal(16, 2, frames);
        auto bytes = encode(samples, 16, 2, 44100, ogg);
        auto h = flac::codec().open(from_bytes(bytes));
        EXPECT_EQ(h->info().format, ogg ? "OGG" : "FLAC");
        EXPECT_TRUE(h->splittable());
        auto all = read_all<std::int32_t>(*h, DType::I32, frames);
        std::mt19937 rng(7);
        for (int k = 0; k < 20; ++k) {
            std::int64_t at = rng() % frames, n = 1 + rng() % 9000;
            n = std::min(n, frames - at);
            h->seek(at);
            auto part = read_all<std::int32_t>(*h, DType::I32, n);
            ASSERT_EQ(part.size(), static_cast<std::size_t>(n * 2));
            ASSERT_TRUE(std::equal(part.begin(), part.end(), all.begin() + at * 2)) << at;
        }
        h->seek(frames);
        std::int32_t dummy[2];
        EXPECT_EQ(h->read(DType::I32, dummy, 1), 0);
    }
}

TEST(Flac, ThreadsAreBitIdentical) {
    const std::int64_t frames = 200000;
    auto bytes = encode(signal(24, 2, frames), 24, 2);
    AudioSource src = from_bytes(bytes);
    const AudioCodec& d = flac::codec();
    std::vector<float> one(static_cast<std::size_t>(frames * 2)), two(one.size());
    auto h1 = d.open(src);
    auto h2 = d.open(src);
    EXPECT_EQ(read_frames(d, src, *h1, 0, frames, DType::F32, reinterpret_cast<std::uint8_t*>(one.data()), 1), frames);
    EXPECT_EQ(read_frames(d, src, *h2, 0, frames, DType::F32, reinterpret_cast<std::uint8_t*>(two.data()), 3), frames);
    EXPECT_EQ(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)), 0);
}

TEST(Flac, StreamWithoutTotalOrStartingAtAFrame) {
    const std::int64_t frames = 30000;
    auto samples = signal(20, 2, frames);
    auto bytes = encode(samples, 20, 2, 96000);
    // Total samples: the low 36 bits of STREAMINFO bytes 13..17 (file offset 8 + 13).
    auto no_total = bytes;
    no_total[21] &= 0xF0;
    std::fill(no_total.begin() + 22, no_total.begin() + 26, 0);
    std::vector<std::uint8_t> bare(bytes.begin() + static_cast<long>(first_frame_offset(bytes)), bytes.end());
    for (const auto* input : {&no_total, &bare}) {
        auto h = flac::codec().open(from_bytes(*input));
        EXPECT_EQ(h->info().frames, AudioInfo::unknown_length);
        EXPECT_FALSE(h->info().exact_length);
        EXPECT_FALSE(h->splittable());
        EXPECT_EQ(h->info().samplerate, 96000);
        EXPECT_EQ(h->info().subtype, "PCM_20");
        auto got = read_all<std::int32_t>(*h, DType::I32, frames + 100);
        ASSERT_EQ(got.size(), samples.size());
        for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], samples[i] * 4096) << i;
        h->seek(12345);
        auto part = read_all<std::int32_t>(*h, DType::I32, 10);
        EXPECT_EQ(part[0], samples[12345 * 2] * 4096);
    }
}

TEST(Flac, TruncationIsAnErrorUnlessAllowed) {
    const std::int64_t frames = 100000;
    auto samples = signal(16, 2, frames);
    auto bytes = encode(samples, 16, 2);
    for (int percent : {10, 50, 99}) {
        SCOPED_TRACE(percent);
        std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(bytes.size() * percent / 100));
        auto h = flac::codec().open(from_bytes(cut));
        std::vector<std::int32_t> out(samples.size());
        EXPECT_THROW(read_fully(*h, DType::I32, reinterpret_cast<std::uint8_t*>(out.data()), frames), DecodeError);

        AudioReadPolicy policy;
        policy.allow_truncated = true;
        auto lenient = flac::codec().open(from_bytes(cut, policy));
        std::int64_t got = read_fully(*lenient, DType::I32, reinterpret_cast<std::uint8_t*>(out.data()), frames);
        EXPECT_GT(got, 0);
        EXPECT_LT(got, frames);
        for (std::int64_t i = 0; i < got * 2; ++i) ASSERT_EQ(out[i], samples[i] * 65536) << i;
        auto warnings = lenient->take_warnings();
        ASSERT_EQ(warnings.size(), 1u);
        EXPECT_NE(warnings[0].find(std::to_string(got) + " of the " + std::to_string(frames)), std::string::npos)
            << warnings[0];
        EXPECT_TRUE(lenient->take_warnings().empty());

        policy.strict = true;
        auto strict = flac::codec().open(from_bytes(cut, policy));
        EXPECT_THROW(read_fully(*strict, DType::I32, reinterpret_cast<std::uint8_t*>(out.data()), frames), DecodeError);
    }
}

TEST(Flac, ABadFrameBecomesSilenceWithAWarning) {
    const std::int64_t frames = 100000;
    auto samples = signal(16, 2, frames);
    auto bytes = encode(samples, 16, 2, 44100, false, 4096);
    auto damaged = bytes;
    damaged[bytes.size() / 2] ^= 0x21;
    AudioReadPolicy policy;
    auto h = flac::codec().open(from_bytes(damaged, policy));
    auto got = read_all<std::int32_t>(*h, DType::I32, frames);
    ASSERT_EQ(got.size(), samples.size());
    auto warnings = h->take_warnings();
    ASSERT_EQ(warnings.size(), 1u);
    // "frames A-B lost": exactly that block is silent, everything else intact.
    const std::string& w = warnings[0];
    std::size_t at = w.find("frames ");
    ASSERT_NE(at, std::string::npos) << w;
    long a = std::stol(w.substr(at + 7));
    long b = std::stol(w.substr(w.find('-', at) + 1));
    EXPECT_EQ(a % 4096, 0);
    EXPECT_EQ(b - a + 1, 4096) << w;
    for (std::int64_t i = 0; i < frames; ++i)
        for (int c = 0; c < 2; ++c) {
            std::int32_t want = (i >= a && i <= b) ? 0 : samples[i * 2 + c] * 65536;
            ASSERT_EQ(got[i * 2 + c], want) << i << " " << w;
        }
    policy.strict = true;
    auto strict = flac::codec().open(from_bytes(damaged, policy));
    EXPECT_THROW(read_all<std::int32_t>(*strict, DType::I32, frames), DecodeError);
}

TEST(Flac, ThreadedReadsOfDamageWarnOnce) {
    const std::int64_t frames = 200000;
    auto samples = signal(16, 2, frames);
    auto bytes = encode(samples, 16, 2, 44100, false, 4096);
    bytes[bytes.size() * 3 / 4] ^= 0x42;
    AudioSource src = from_bytes(bytes);
    const AudioCodec& d = flac::codec();
    std::vector<std::int16_t> one(samples.size()), two(samples.size());
    Diagnostics d1, d2;
    auto h1 = d.open(src);
    auto h2 = d.open(src);
    EXPECT_EQ(read_frames(d, src, *h1, 0, frames, DType::I16, reinterpret_cast<std::uint8_t*>(one.data()), 1, &d1), frames);
    EXPECT_EQ(read_frames(d, src, *h2, 0, frames, DType::I16, reinterpret_cast<std::uint8_t*>(two.data()), 3, &d2), frames);
    EXPECT_EQ(one, two);
    ASSERT_EQ(d1.warnings.size(), 1u);
    EXPECT_EQ(d1.warnings, d2.warnings);
}

TEST(Flac, VerifyChecksTheMd5) {
    const std::int64_t frames = 50000;
    auto bytes = encode(signal(16, 2, frames), 16, 2);
    AudioReadPolicy policy;
    policy.verify = true;
    auto good = flac::codec().open(from_bytes(bytes, policy));
    EXPECT_FALSE(good->splittable());
    EXPECT_EQ(read_all<std::int16_t>(*good, DType::I16, frames).size(), static_cast<std::size_t>(frames * 2));
    good->finish();
    EXPECT_TRUE(good->take_warnings().empty());

    auto tampered = bytes;
    tampered[8 + 18 + 3] ^= 1;  // a byte of the MD5 signature in STREAMINFO
    auto bad = flac::codec().open(from_bytes(tampered, policy));
    EXPECT_THROW(read_all<std::int16_t>(*bad, DType::I16, frames), DecodeError);
    // A range: finish() decodes the rest and checks it.
    auto part = flac::codec().open(from_bytes(tampered, policy));
    part->seek(1000);
    EXPECT_EQ(read_all<std::int16_t>(*part, DType::I16, 100).size(), 200u);
    EXPECT_THROW(part->finish(), DecodeError);
    // Without verify the same file reads.
    auto plain = flac::codec().open(from_bytes(tampered));
    EXPECT_EQ(read_all<std::int16_t>(*plain, DType::I16, frames).size(), static_cast<std::size_t>(frames * 2));

    auto unsigned_ = bytes;
    std::fill(unsigned_.begin() + 26, unsigned_.begin() + 42, 0);
    auto none = flac::codec().open(from_bytes(unsigned_, policy));
    read_all<std::int16_t>(*none, DType::I16, frames);
    none->finish();
    auto warnings = none->take_warnings();
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("no MD5"), std::string::npos);
}

TEST(Flac, ErrorsAreTyped) {
    const std::uint8_t text[] = "fLaC but then nothing of the sort, just text";
    EXPECT_THROW(flac::codec().open({"", {text, sizeof text}, {}}), DecodeError);
    EXPECT_THROW(flac::codec().open({"", {text + 4, 10}, {}}), UnsupportedFormatError);
    EXPECT_THROW(flac::codec().open({"", {nullptr, 0}, {}}), UnsupportedFormatError);
    AudioSource missing;
    missing.path = "/nonexistent/x.flac";
    EXPECT_THROW(flac::codec().open(missing), FileError);
    std::string why;
    EXPECT_FALSE(flac::codec().pcm_layout({}, {}, DType::I16, {}, why));
    EXPECT_FALSE(why.empty());
}

TEST(Flac, PathAndMemoryAgree) {
    AudioSource path;
    path.path = sample_path("music_stereo.flac");
    std::ifstream f(path.path, std::ios::binary);
    std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
    auto a = flac::codec().open(path);
    auto b = flac::codec().open(from_bytes(bytes));
    std::int64_t n = a->info().frames;
    EXPECT_EQ(read_all<float>(*a, DType::F32, n), read_all<float>(*b, DType::F32, n));
}

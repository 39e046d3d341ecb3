// The libsndfile codec without Python: opening from paths and memory, info
// and tags, seeking, threaded reads, memory maps, chunk walking, writing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "decoders/sndfile/sndfile_codec.hpp"
#include "decoders/table.hpp"
#include "src/operations/audio_frames.hpp"
#include "src/file_bytes.hpp"
#include "src/codec_table.hpp"

using namespace mediaview;

namespace {

std::string sample_path(const std::string& name) { return std::string(MEDIAVIEW_SOURCE_DIR) + "/samples/" + name; }

std::vector<std::uint8_t> sample(const std::string& name) {
    std::ifstream f(sample_path(name), std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

AudioSource from_path(const std::string& name) {
    AudioSource s;
    s.path = sample_path(name);
    return s;
}

AudioSource from_bytes(const std::vector<std::uint8_t>& bytes) {
    AudioSource s;
    s.bytes = {bytes.data(), bytes.size()};
    return s;
}

template <typename T>
std::vector<T> read_all(const AudioSource& source, DType dtype, int threads = 1, std::int64_t start = 0) {
    const AudioCodec& d = sndfile::codec();
    auto handle = d.open(source);
    std::int64_t frames = handle->info().frames - start;
    std::vector<T> out(static_cast<std::size_t>(frames * handle->info().channels));
    std::int64_t got = read_frames(d, source, *handle, start, frames, dtype, reinterpret_cast<std::uint8_t*>(out.data()),
                                   threads);
    EXPECT_EQ(got, frames);
    return out;
}

}  // namespace

TEST(Sndfile, IsInTheTableWithEveryMajorFormat) {
    const Codec* d = codecs().named("sndfile");
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->kind(), MediaKind::Audio);
    const auto& formats = sndfile::major_formats();
    EXPECT_GE(formats.size(), 25u);
    for (const auto& f : formats) {
        EXPECT_NE(d->description().find(f.long_name), std::string::npos) << f.long_name;
    }
    auto exts = d->extensions();
    for (const char* e : {"wav", "flac", "ogg", "opus", "mp3", "aiff", "caf"})
        EXPECT_NE(std::find(exts.begin(), exts.end(), e), exts.end()) << e;
    EXPECT_EQ(d->library_version().rfind("libsndfile-1.", 0), 0u);
}

TEST(Sndfile, SniffsContainers) {
    const Codec& d = sndfile::codec();
    for (const char* name : {"clip_pcm16.wav", "music_stereo.flac", "music_stereo.ogg", "clip_pcm24.aiff",
                             "speech_ulaw.au", "speech_alac.caf", "house_lo.mp3", "clip_float.w64"}) {
        auto bytes = sample(name);
        EXPECT_TRUE(d.sniff({bytes.data(), bytes.size()})) << name;
    }
    const std::uint8_t text[] = "hello, world";
    EXPECT_FALSE(d.sniff({text, sizeof text}));
}

TEST(Sndfile, InfoAndTags) {
    auto h = sndfile::codec().open(from_path("speech_mono.wav"));
    const AudioInfo& i = h->info();
    EXPECT_EQ(i.samplerate, 22050);
    EXPECT_EQ(i.channels, 1);
    EXPECT_EQ(i.format, "WAV");
    EXPECT_EQ(i.subtype, "PCM_16");
    EXPECT_TRUE(i.exact_length);
    bool found = false;
    for (const auto& [k, v] : i.tags) found |= k == "title" && v == "mediaview speech sample";
    EXPECT_TRUE(found);
    EXPECT_FALSE(sndfile::codec().open(from_path("house_lo.mp3"))->info().exact_length);
}

TEST(Sndfile, PathAndMemoryGiveTheSameSamples) {
    auto bytes = sample("music_stereo.flac");
    EXPECT_EQ(read_all<short>(from_path("music_stereo.flac"), DType::I16),
              read_all<short>(from_bytes(bytes), DType::I16));
}

TEST(Sndfile, ThreadsAreBitIdentical) {
    for (const char* name : {"music_stereo.flac", "music_stereo.opus", "clip_pcm16.wav", "music_stereo.mp3"}) {
        auto one = read_all<float>(from_path(name), DType::F32, 1);
        EXPECT_EQ(read_all<float>(from_path(name), DType::F32, 2), one) << name;
        EXPECT_EQ(read_all<float>(from_path(name), DType::F32, 4, 0), one) << name;
    }
}

TEST(Sndfile, SeeksAreExact) {
    for (const char* name : {"music_stereo.flac", "music_stereo.ogg", "music_stereo.mp3", "speech_alac.caf"}) {
        auto full = read_all<int>(from_path(name), DType::I32);
        auto h = sndfile::codec().open(from_path(name));
        const int ch = h->info().channels;
        for (std::int64_t at : {std::int64_t{0}, std::int64_t{4321}, h->info().frames - 300, std::int64_t{17}}) {
            std::vector<int> part(static_cast<std::size_t>(200 * ch));
            h->seek(at);
            ASSERT_EQ(h->read(DType::I32, part.data(), 200), 200) << name << " at " << at;
            EXPECT_TRUE(std::equal(part.begin(), part.end(), full.begin() + at * ch)) << name << " at " << at;
        }
    }
}

TEST(Sndfile, FindsTheDataChunk) {
    auto wav = sample("clip_pcm16.wav");
    auto loc = sndfile::find_data(0x010000, wav.data(), wav.size());
    EXPECT_EQ(loc.offset, 44u);
    EXPECT_FALSE(loc.big_endian);
    auto aiff = sample("clip_pcm24.aiff");
    EXPECT_TRUE(sndfile::find_data(0x020000, aiff.data(), aiff.size()).big_endian);
    auto sowt = sample("clip_sowt.aifc");
    EXPECT_FALSE(sndfile::find_data(0x020000, sowt.data(), sowt.size()).big_endian);
    auto w64 = sample("clip_float.w64");
    EXPECT_GT(sndfile::find_data(0x0B0000, w64.data(), w64.size()).offset, 40u);
    const std::uint8_t cut[] = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'A', 'V', 'E', 'f', 'm', 't', ' ', 0xff, 0xff};
    EXPECT_EQ(sndfile::find_data(0x010000, cut, sizeof cut).offset, 0u);  // no data chunk: no offset
}

TEST(Sndfile, MapsPcmWithoutCopying) {
    const AudioCodec& d = sndfile::codec();
    AudioSource src = from_path("clip_pcm16.wav");
    auto h = d.open(src);
    std::string why;
    auto mapped = map_pcm(d, src, *h, 100, 1000, DType::I16, why);
    ASSERT_TRUE(mapped) << why;
    EXPECT_TRUE(mapped->readonly());
    auto decoded = read_all<short>(src, DType::I16);
    EXPECT_EQ(std::memcmp(mapped->data(), decoded.data() + 200, 2000 * sizeof(short)), 0);
    EXPECT_FALSE(map_pcm(d, src, *h, 0, 10, DType::F32, why));
    EXPECT_NE(why.find("stores int16"), std::string::npos);
    AudioSource aiff = from_path("clip_pcm24.aiff");
    auto ha = d.open(aiff);
    EXPECT_FALSE(map_pcm(d, aiff, *ha, 0, 10, DType::I32, why));
}

TEST(Sndfile, ErrorsAreTyped) {
    const AudioCodec& d = sndfile::codec();
    std::vector<std::uint8_t> junk(1000, 0x41);
    EXPECT_THROW(d.open(from_bytes(junk)), UnsupportedFormatError);
    EXPECT_THROW(d.open(from_bytes({})), UnsupportedFormatError);
    AudioSource missing;
    missing.path = "/nonexistent/file.wav";
    EXPECT_THROW(d.open(missing), FileError);
    auto flac = sample("music_stereo.flac");
    flac.resize(flac.size() / 2);
    EXPECT_THROW(read_all<float>(from_bytes(flac), DType::F32), DecodeError);
}

TEST(Sndfile, SampleLimitIsCheckedWithoutOverflow) {
    EXPECT_NO_THROW(check_sample_limit(100, 2, 200));
    EXPECT_THROW(check_sample_limit(101, 2, 200), LimitError);
    EXPECT_NO_THROW(check_sample_limit(std::int64_t{1} << 62, 1024, 0));  // 0: no limit
    // 2^62 frames x 1024 channels wraps a 64-bit product to 0.
    EXPECT_THROW(check_sample_limit(std::int64_t{1} << 62, 1024, std::uint64_t{1} << 40), LimitError);
}

TEST(Sndfile, TooManyChannelsIsALimitError) {
    // A WAV header declaring 65535 channels; libsndfile reads at most 1024.
    std::vector<std::uint8_t> wav = sample("clip_pcm16.wav");
    ASSERT_EQ(std::memcmp(wav.data() + 12, "fmt ", 4), 0);
    wav[22] = 0xFF;
    wav[23] = 0xFF;
    EXPECT_THROW(sndfile::codec().open(from_bytes(wav)), LimitError);
}

TEST(Sndfile, ReadingPastAnEstimateIsHeldToTheLimit) {
    // house_lo.mp3 has no Xing header: its length is an estimate, and the
    // frames after it are read by append_rest.
    const AudioCodec& d = sndfile::codec();
    AudioSource source = from_path("house_lo.mp3");
    auto handle = d.open(source);
    ASSERT_FALSE(handle->info().exact_length);
    StridedArray none = StridedArray::allocate(DType::F32, {0, handle->info().channels});
    StridedArray all = append_rest(*handle, none, DType::F32, 0);
    EXPECT_GT(all.shape()[0], 10000);
    auto again = d.open(source);
    EXPECT_THROW(append_rest(*again, none, DType::F32, 1000), LimitError);
}

TEST(Sndfile, WritesAndReadsBack) {
    const AudioCodec& d = sndfile::codec();
    auto original = read_all<short>(from_path("music_stereo.flac"), DType::I16);
    char dir[] = "/tmp/mediaview-cpp-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    std::string path = std::string(dir) + "/out.flac";
    AudioWriteRequest r;
    r.path = path;
    r.format = "FLAC";
    r.samplerate = 11025;
    r.channels = 2;
    r.frames = static_cast<std::int64_t>(original.size() / 2);
    r.dtype = DType::I16;
    r.data = reinterpret_cast<const std::uint8_t*>(original.data());
    r.frame_stride = 4;
    r.channel_stride = 2;
    r.tags = {{"title", "cpp"}};
    {
        std::unique_ptr<AudioWriter> writer = d.open_writer(r);
        writer->append(r);
        writer->close();
    }
    AudioSource back;
    back.path = path;
    EXPECT_EQ(read_all<short>(back, DType::I16), original);
    EXPECT_EQ(d.open(back)->info().tags.at(0).second, "cpp");
    r.subtype = "VORBIS";
    r.format = "WAV";
    EXPECT_THROW(d.open_writer(r), UnsupportedFormatError);
    std::remove(path.c_str());
    rmdir(dir);
}

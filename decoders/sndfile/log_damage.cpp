// What libsndfile's log says of a file it opened: the notes that mean the
// file is shorter than its header declares. Used by the read handle
// (sndfile_read.cpp).
#include <algorithm>
#include <cstdlib>
#include <string>

#include "sndfile_detail.hpp"

namespace mediaview::sndfile::detail {

namespace {

// The number after `key` on its line ("data : 88200"), or -1.
long long number_after(const std::string& text, std::size_t at) {
    std::size_t colon = text.find(':', at), eol = text.find('\n', at + 1);
    if (colon == std::string::npos || colon > eol) return -1;
    return std::atoll(text.c_str() + colon + 1);
}
// "(should be N)" on the line at `at`, or -1.
long long should_be(const std::string& text, std::size_t at) {
    std::size_t should = text.find("(should be", at), eol = text.find('\n', at + 1);
    if (should == std::string::npos || should > eol) return -1;
    return std::atoll(text.c_str() + should + 10);
}

void set_damage(AudioInfo& info, long long promised, const char* what) {
    info.promised_frames = promised;
    info.damage = std::string(what) + " declares " + std::to_string(promised) + " frames but the file holds " +
                  std::to_string(info.frames) + " (truncated)";
}

bool unknown_damage(AudioInfo& info) {
    info.damage = "the file is shorter than its header declares (truncated): " + std::to_string(info.frames) +
                  " frames are present";
    return true;
}

// Whether the header promises more frames than the file holds.
bool declared_frames(const std::string& text, AudioInfo& info) {
    if (info.frames < 0) return false;
    for (const char* chunk : {"\ndata", "\n SSND", "\n  Data Size"}) {
        std::size_t at = text.find(chunk);
        if (at == std::string::npos) continue;
        long long declared = number_after(text, at), present = should_be(text, at);
        if (declared <= present || present <= 0 || info.frames <= 0) continue;
        // (An AIFF SSND chunk starts with 8 bytes of offset and block size.)
        const long long header = std::string(chunk) == "\n SSND" ? 8 : 0;
        // Whole frames in the bytes present give the bytes per frame.
        const long long per_frame = std::max<long long>(1, (present - header) / info.frames);
        set_damage(info, (declared - header) / per_frame, "the data chunk");
        return true;
    }
    const std::string rf64 = "Calculated frame count ";
    if (std::size_t at = text.find(rf64); at != std::string::npos) {
        std::size_t of = text.find("chunk of ", at);
        long long promised = of == std::string::npos ? -1 : std::atoll(text.c_str() + of + 9);
        if (promised > info.frames) {
            set_damage(info, promised, "the ds64 chunk");
            return true;
        }
    }
    // AVR states its frame count.
    if (std::size_t at = text.find("\n  Frames      :"); at != std::string::npos && info.format == "AVR") {
        long long promised = number_after(text, at);
        if (promised > info.frames) {
            set_damage(info, promised, "the header");
            return true;
        }
    }
    // Any other size the header declares beyond the end of the file
    // (W64's riff chunk: "riff : 88336 (should be 53001)"), or
    // libsndfile's own verdict (VOC: "Seems to be a truncated file"):
    // frames are missing, how many is not known.
    for (std::size_t at = text.find("(should be"); at != std::string::npos; at = text.find("(should be", at + 1)) {
        std::size_t bol = text.rfind('\n', at);
        long long declared = number_after(text, bol == std::string::npos ? 0 : bol);
        if (declared > std::atoll(text.c_str() + at + 10)) return unknown_damage(info);
    }
    if (text.find("truncated file") != std::string::npos) return unknown_damage(info);
    return false;
}

bool ogg_damage(const std::string& text, AudioInfo& info) {
    // libsndfile 1.2.0 finds an Ogg stream's length in its last page's
    // granule position; a stream cut short has no such page and its
    // length comes back unknown (1.2.2 also logs the missing
    // end-of-stream bit).
    if ((info.format == "OGG" && info.frames == AudioInfo::unknown_length) ||
        text.find("Last page lacks an end-of-stream bit") != std::string::npos) {
        info.damage = "the Ogg stream ends without its last page (truncated)";
        return true;
    }
    return false;
}

}  // namespace

// libsndfile opens a truncated file quietly, shortening its length to
// the data present; only its log says so. These notes mean data is
// missing: a data chunk declared longer than the file ("data : 88200
// (should be 44078)", WAV/AIFF alike; AU's "Data Size : 68885 (should be
// 41321)"), RF64's frame count from its ds64 chunk, a W64 riff chunk
// declared longer than the file, and an Ogg stream whose last page lacks
// the end-of-stream bit.
bool damage_in_log(const std::string& log, AudioInfo& info) {
    return declared_frames(log, info) || ogg_damage(log, info);
}

}  // namespace mediaview::sndfile::detail

// The names python-soundfile uses for libsndfile's format codes, so that
// audio_info() and soundfile.info() agree on every file.
#include <sndfile.h>

#include <stdexcept>
#include <utility>

#include "sndfile_codec.hpp"

namespace mediaview::sndfile {
namespace {

using Table = std::initializer_list<std::pair<int, const char*>>;

constexpr Table majors = {
    {SF_FORMAT_WAV, "WAV"},     {SF_FORMAT_AIFF, "AIFF"},   {SF_FORMAT_AU, "AU"},     {SF_FORMAT_RAW, "RAW"},
    {SF_FORMAT_PAF, "PAF"},     {SF_FORMAT_SVX, "SVX"},     {SF_FORMAT_NIST, "NIST"}, {SF_FORMAT_VOC, "VOC"},
    {SF_FORMAT_IRCAM, "IRCAM"}, {SF_FORMAT_W64, "W64"},     {SF_FORMAT_MAT4, "MAT4"}, {SF_FORMAT_MAT5, "MAT5"},
    {SF_FORMAT_PVF, "PVF"},     {SF_FORMAT_XI, "XI"},       {SF_FORMAT_HTK, "HTK"},   {SF_FORMAT_SDS, "SDS"},
    {SF_FORMAT_AVR, "AVR"},     {SF_FORMAT_WAVEX, "WAVEX"}, {SF_FORMAT_SD2, "SD2"},   {SF_FORMAT_FLAC, "FLAC"},
    {SF_FORMAT_CAF, "CAF"},     {SF_FORMAT_WVE, "WVE"},     {SF_FORMAT_OGG, "OGG"},   {SF_FORMAT_MPC2K, "MPC2K"},
    {SF_FORMAT_RF64, "RF64"},   {SF_FORMAT_MPEG, "MP3"},
};

constexpr Table subtypes = {
    {SF_FORMAT_PCM_S8, "PCM_S8"},
    {SF_FORMAT_PCM_16, "PCM_16"},
    {SF_FORMAT_PCM_24, "PCM_24"},
    {SF_FORMAT_PCM_32, "PCM_32"},
    {SF_FORMAT_PCM_U8, "PCM_U8"},
    {SF_FORMAT_FLOAT, "FLOAT"},
    {SF_FORMAT_DOUBLE, "DOUBLE"},
    {SF_FORMAT_ULAW, "ULAW"},
    {SF_FORMAT_ALAW, "ALAW"},
    {SF_FORMAT_IMA_ADPCM, "IMA_ADPCM"},
    {SF_FORMAT_MS_ADPCM, "MS_ADPCM"},
    {SF_FORMAT_GSM610, "GSM610"},
    {SF_FORMAT_VOX_ADPCM, "VOX_ADPCM"},
    {SF_FORMAT_NMS_ADPCM_16, "NMS_ADPCM_16"},
    {SF_FORMAT_NMS_ADPCM_24, "NMS_ADPCM_24"},
    {SF_FORMAT_NMS_ADPCM_32, "NMS_ADPCM_32"},
    {SF_FORMAT_G721_32, "G721_32"},
    {SF_FORMAT_G723_24, "G723_24"},
    {SF_FORMAT_G723_40, "G723_40"},
    {SF_FORMAT_DWVW_12, "DWVW_12"},
    {SF_FORMAT_DWVW_16, "DWVW_16"},
    {SF_FORMAT_DWVW_24, "DWVW_24"},
    {SF_FORMAT_DWVW_N, "DWVW_N"},
    {SF_FORMAT_DPCM_8, "DPCM_8"},
    {SF_FORMAT_DPCM_16, "DPCM_16"},
    {SF_FORMAT_VORBIS, "VORBIS"},
    {SF_FORMAT_OPUS, "OPUS"},
    {SF_FORMAT_ALAC_16, "ALAC_16"},
    {SF_FORMAT_ALAC_20, "ALAC_20"},
    {SF_FORMAT_ALAC_24, "ALAC_24"},
    {SF_FORMAT_ALAC_32, "ALAC_32"},
    {SF_FORMAT_MPEG_LAYER_I, "MPEG_LAYER_I"},
    {SF_FORMAT_MPEG_LAYER_II, "MPEG_LAYER_II"},
    {SF_FORMAT_MPEG_LAYER_III, "MPEG_LAYER_III"},
};

constexpr Table endians = {
    {SF_ENDIAN_FILE, "FILE"}, {SF_ENDIAN_LITTLE, "LITTLE"}, {SF_ENDIAN_BIG, "BIG"}, {SF_ENDIAN_CPU, "CPU"}};

std::string name_in(Table table, int code) {
    for (const auto& [c, n] : table)
        if (c == code) return n;
    return "0x" + [code] {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%x", static_cast<unsigned>(code));
        return std::string(buf);
    }();
}

int code_in(Table table, const std::string& name, const char* what) {
    std::string upper;
    for (char ch : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    for (const auto& [c, n] : table)
        if (upper == n) return c;
    throw std::invalid_argument(std::string("unknown ") + what + " '" + name + "'");
}

}  // namespace

std::string major_name(int code) { return name_in(majors, code & SF_FORMAT_TYPEMASK); }
std::string subtype_name(int code) { return name_in(subtypes, code & SF_FORMAT_SUBMASK); }
std::string endian_name(int code) { return name_in(endians, code & SF_FORMAT_ENDMASK); }
int major_code(const std::string& name) { return code_in(majors, name, "audio format"); }
int subtype_code(const std::string& name) { return code_in(subtypes, name, "audio subtype"); }
int endian_code(const std::string& name) { return code_in(endians, name, "endianness"); }

}  // namespace mediaview::sndfile

namespace mediaview::sndfile {

std::vector<std::string> subtype_names() {
    std::vector<std::string> names;
    for (const auto& [code, name] : subtypes) names.emplace_back(name);
    return names;
}

}  // namespace mediaview::sndfile

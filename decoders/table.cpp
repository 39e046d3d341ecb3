// Every codec, in sniffing order. Adding a codec: one folder under decoders/
// and one line here; nothing else in the tree names a codec.
#include "decoders/table.hpp"

#include "decoders/avif/avif_codec.hpp"
#include "decoders/ffmpeg/ffmpeg_codec.hpp"
#include "decoders/flac/flac_codec.hpp"
#include "decoders/gif/gif_codec.hpp"
#include "decoders/heif/heif_codec.hpp"
#include "decoders/jpeg/jpeg_codec.hpp"
#include "decoders/jxl/jxl_codec.hpp"
#include "decoders/png/png_codec.hpp"
#include "decoders/sndfile/sndfile_codec.hpp"
#ifndef MEDIAVIEW_NO_TIFF  // the MIT wheel leaves TIFF out (CMakeLists.txt: libtiff links GPL libjbig)
#include "decoders/tiff/tiff_codec.hpp"
#endif
#include "decoders/webp/webp_codec.hpp"

namespace mediaview {

const CodecTable& codecs() {
    static const CodecTable table({
        &jpeg::codec(),
        &png::codec(),
        &webp::codec(),
        &gif::codec(),
#ifndef MEDIAVIEW_NO_TIFF
        &tiff::codec(),
#endif
        &avif::codec(),
        &jxl::codec(),
        &heif::codec(),  // after AVIF: files with both brands are AVIF
        &flac::codec(),     // FLAC content before libsndfile, which lacks some of it
        &ffmpeg::codec(),   // only MP4/ADTS/ASF/AC-3/EBML, none of which libsndfile reads (dlopen'ed FFmpeg)
        &sndfile::codec(),  // is_fallback(): the catch-all for audio
    });
    return table;
}

}  // namespace mediaview

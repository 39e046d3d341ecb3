// FFmpeg's libavformat, libavcodec and libavutil, opened at run time with
// dlopen (the sonames of the headers we compile against: FFmpeg 5.1, i.e.
// libavformat.so.59, libavcodec.so.59, libavutil.so.57), never linked:
// Debian builds them as GPL and the wheel bundles only permissive
// libraries. Every function is resolved once, on first use; RAII owners for
// every FFmpeg object follow. libav* print through av_log: a callback
// installed at load keeps everything off stderr and lets a handle count
// the decoder's complaints (LogCapture).
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
}

#include <memory>
#include <string>

namespace mediaview::ffmpeg {

#define MEDIAVIEW_AV_FN(name) decltype(&::name) name = nullptr

struct Libav {
    // libavutil
    MEDIAVIEW_AV_FN(av_log_set_callback);
    MEDIAVIEW_AV_FN(av_frame_alloc);
    MEDIAVIEW_AV_FN(av_frame_free);
    MEDIAVIEW_AV_FN(av_frame_unref);
    MEDIAVIEW_AV_FN(av_malloc);
    MEDIAVIEW_AV_FN(av_free);
    MEDIAVIEW_AV_FN(av_strdup);
    MEDIAVIEW_AV_FN(av_dict_get);
    MEDIAVIEW_AV_FN(av_dict_set);
    MEDIAVIEW_AV_FN(av_dict_free);
    MEDIAVIEW_AV_FN(av_rescale_q);
    MEDIAVIEW_AV_FN(av_version_info);
    // libavcodec
    MEDIAVIEW_AV_FN(avcodec_find_decoder);
    MEDIAVIEW_AV_FN(avcodec_alloc_context3);
    MEDIAVIEW_AV_FN(avcodec_free_context);
    MEDIAVIEW_AV_FN(avcodec_parameters_to_context);
    MEDIAVIEW_AV_FN(avcodec_open2);
    MEDIAVIEW_AV_FN(avcodec_send_packet);
    MEDIAVIEW_AV_FN(avcodec_receive_frame);
    MEDIAVIEW_AV_FN(avcodec_flush_buffers);
    MEDIAVIEW_AV_FN(avcodec_descriptor_get);
    MEDIAVIEW_AV_FN(avcodec_get_name);
    MEDIAVIEW_AV_FN(avcodec_profile_name);
    MEDIAVIEW_AV_FN(av_packet_alloc);
    MEDIAVIEW_AV_FN(av_packet_free);
    MEDIAVIEW_AV_FN(av_packet_unref);
    // libavformat
    MEDIAVIEW_AV_FN(avformat_alloc_context);
    MEDIAVIEW_AV_FN(avformat_free_context);
    MEDIAVIEW_AV_FN(avformat_open_input);
    MEDIAVIEW_AV_FN(avformat_close_input);
    MEDIAVIEW_AV_FN(avformat_find_stream_info);
    MEDIAVIEW_AV_FN(av_find_input_format);
    MEDIAVIEW_AV_FN(av_find_best_stream);
    MEDIAVIEW_AV_FN(av_read_frame);
    MEDIAVIEW_AV_FN(av_seek_frame);
    MEDIAVIEW_AV_FN(avio_alloc_context);
    MEDIAVIEW_AV_FN(avio_context_free);

    std::string error;  // why the libraries cannot be used; empty when they can
};

#undef MEDIAVIEW_AV_FN

// The loaded libraries (the same object every call; `error` set when
// missing). Thread-safe.
const Libav& libav();
// libav(), or UnsupportedFormatError naming the missing library and the
// Debian package that installs it.
const Libav& checked_libav();

// While alive on a thread, counts the error-level messages libav* log on
// that thread (a decoder refusing damaged data says why there), so the
// handle can warn in its own words; nothing is ever printed.
class LogCapture {
public:
    LogCapture();
    ~LogCapture();
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;
    int errors() const { return errors_; }
    // Whether an error-level message contained `text` (to tell known
    // failures apart, e.g. a missing MP4 index); never shown to the user.
    bool saw(const char* text) const;

private:
    friend void record_log(int level, const char* line);
    LogCapture* outer_;
    int errors_ = 0;
    std::string text_;
};
// Called by the log callback (libav.cpp) with a capture present on the thread.
void record_log(int level, const char* line);

// ---- owners --------------------------------------------------------------------

struct FreeFormat {
    void operator()(AVFormatContext* f) const;
};
struct FreeCodecContext {
    void operator()(AVCodecContext* c) const;
};
struct FreePacket {
    void operator()(AVPacket* p) const;
};
struct FreeFrame {
    void operator()(AVFrame* f) const;
};
struct FreeAvio {
    void operator()(AVIOContext* io) const;  // its buffer too (FFmpeg may have replaced it)
};
struct FreeDict {
    void operator()(AVDictionary* d) const;
};
using FormatPtr = std::unique_ptr<AVFormatContext, FreeFormat>;
using CodecContextPtr = std::unique_ptr<AVCodecContext, FreeCodecContext>;
using PacketPtr = std::unique_ptr<AVPacket, FreePacket>;
using FramePtr = std::unique_ptr<AVFrame, FreeFrame>;
using AvioPtr = std::unique_ptr<AVIOContext, FreeAvio>;

// An AVDictionary of options, freed on scope exit (avformat_open_input and
// avcodec_open2 leave in it the options they did not use).
class Options {
public:
    ~Options();
    void set(const char* key, const char* value);
    AVDictionary** get() { return &dict_; }

private:
    AVDictionary* dict_ = nullptr;
};

}  // namespace mediaview::ffmpeg

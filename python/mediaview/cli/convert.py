"""Converting one file, image or audio, with the library's codecs; and
mediaview convert, which plans the jobs and runs them."""

from __future__ import annotations

import sys
import time
from types import SimpleNamespace
from typing import Tuple

import mediaview

from .._encode import image_writers, write_image
from .animation import convert_animation, first_frame_notes
from .options import (EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, UsageError, parse_crop, parse_resize, parse_scale,
                      parse_time)
from .plan import Job, audio_plan, plan
from .report import run_jobs
from .resume import snapshot, written_since

# Frames an audio conversion decodes, resamples and encodes at a time.
STREAM_BLOCK = 1 << 16


def writer_options(fmt: str, args) -> dict:
    """The encoder options the command line gave that the writer of ``fmt``
    declares (each writer's defaults apply to the rest)."""
    writer = image_writers().get(fmt)
    if writer is None:
        return {}
    given = {o["name"]: getattr(args, o["name"], None) for o in writer["options"]}
    return {k: v for k, v in given.items() if v is not None and v is not False}


def decode_limits(args) -> dict:
    """The damage policy and pixel limit the command line gave, as
    decode_image's keywords (audio streams: see convert_audio)."""
    options = {"strict": args.strict, "allow_truncated": args.allow_truncated}
    if args.max_pixels is not None:
        options["max_pixels"] = args.max_pixels.value
    return options


def widened(view: memoryview) -> memoryview:
    """8-bit pixels as 16-bit, v * 257 (each byte twice), in native order."""
    raw = view.tobytes()
    wide = bytearray(2 * len(raw))
    wide[0::2] = raw
    wide[1::2] = raw
    return memoryview(bytes(wide)).cast("H", view.shape)


def convert_image(job: Job, args) -> str:
    # mode None: the file's own layout (grey stays grey, CMYK stays CMYK).
    depth = getattr(args, "depth", None)
    if job.animation == "keep":
        return convert_animation(job, args, {
            "mode": args.mode, "dtype": "uint8", "scale": parse_scale(args.scale), "crop": parse_crop(args.crop),
            "orient": args.orient, **decode_limits(args), "colorspace": args.colorspace,
            **parse_resize(args.resize, args.fit)}, writer_options(job.format, args))
    view = mediaview.decode_image(job.src, mode=args.mode, dtype="uint8" if depth == 8 else None,
                                  scale=parse_scale(args.scale), crop=parse_crop(args.crop),
                                  orient=args.orient, **decode_limits(args),
                                  colorspace=args.colorspace, **parse_resize(args.resize, args.fit))
    metadata = {"icc": None, "exif": None} if args.strip else {}
    pixels = view
    if depth == 16 and view.format == "B":
        # 8 -> 16 bits as the decoders widen (v * 257), with the view's metadata carried over.
        metadata = {"icc": view.obj.icc, "exif": view.obj.exif, "dpi": view.obj.dpi, **metadata,
                    "mode": view.obj.mode}
        pixels = widened(view)
    write_image(job.dst, pixels, format=job.format, overwrite=args.overwrite, **metadata,
                **writer_options(job.format, args))
    return f"{job.src} -> {job.dst} ({view.shape[1]}x{view.shape[0]} {view.obj.mode})"


def convert_audio(job: Job, args) -> str:
    plan = job.plan or audio_plan(job, args)
    if "source" not in plan:  # the header could not be read when planning: say why
        mediaview.audio_info(job.src)
        raise mediaview.DecodeError(f"{job.src}: the audio header could not be read")
    info = SimpleNamespace(**plan["source"])
    start = parse_time(args.start, "--start")
    end = parse_time(args.end, "--end")
    first = start.to_frames(info.samplerate) if start else 0
    stop = end.to_frames(info.samplerate) if end else None
    if stop is not None and stop < first:
        raise ValueError(f"--end ({stop} frames) lies before --start ({first} frames)")
    subtype = plan["subtype"]
    # --rate and --channels: resampled and mixed on load (the range is in
    # the source's frames). New sample values are no source's integers:
    # they go to the writer as float64, quantized once, by the writer.
    converting = (args.rate or info.samplerate) != info.samplerate or (args.channels or info.channels) != info.channels
    dtype = "float64" if converting else plan["dtype"]
    tags = info.tags
    # The extension names the format unless --format said otherwise.
    fmt = plan["format"] if job.dst.suffix.lstrip(".").lower() != job.format else ""
    # Block by block (decode, resample, encode): memory is one block's,
    # whatever the length of the recording, so no sample limit applies
    # unless --max-samples asks for one (a header claim above it is refused).
    if args.max_samples is not None and args.max_samples.value and info.frames > 0 and \
            info.frames * info.channels > args.max_samples.value:
        raise mediaview.LimitError(f"{info.frames} frames x {info.channels} channels exceed --max-samples "
                                   f"{args.max_samples.value}")
    blocks = mediaview.stream_audio(job.src, STREAM_BLOCK, dtype=dtype, start=first, stop=stop, always_2d=True,
                                    samplerate=args.rate, channels=args.channels, strict=args.strict,
                                    allow_truncated=args.allow_truncated)
    samplerate = args.rate or info.samplerate
    frames = 0
    writer = None
    try:
        for block in blocks:
            if writer is None:
                writer = mediaview.AudioFileWriter(job.dst, samplerate, block.shape[1], dtype=dtype, format=fmt or None,
                                                   subtype=subtype, tags=tags, overwrite=args.overwrite)
            writer.write(block)
            frames += block.shape[0]
            del block  # the stream reuses a block nobody holds
        if writer is None:  # no frames at all: still a valid, empty file
            writer = mediaview.AudioFileWriter(job.dst, samplerate, args.channels or info.channels, dtype=dtype,
                                               format=fmt or None, subtype=subtype, tags=tags,
                                               overwrite=args.overwrite)
    except BaseException:
        if writer is not None:
            writer.__exit__(*sys.exc_info())
        raise
    writer.close()
    return f"{job.src} -> {job.dst} ({frames} frames, {samplerate} Hz, {subtype or 'default subtype'})"


def convert_one(job: Job, args) -> str:
    if job.kind == "audio":
        return convert_audio(job, args)
    return convert_image(job, args)


def report_unconverted(jobs, args) -> Tuple[int, int]:
    """Says why each input that is not converted is not: (failures,
    skipped). An input nothing reads, or its target cannot hold, is a
    failure, or skipped with --skip-unsupported; a kept output is skipped."""
    failed = skipped = 0
    for job in jobs:
        if job.problem is not None and not args.skip_unsupported:
            failed += 1
            print(f"mediaview: {job.src}: UnsupportedFormatError: {job.problem}", file=sys.stderr)
        elif job.problem is not None or job.skipped is not None:
            skipped += 1
            if not args.quiet:
                print(f"mediaview: {job.src}: skipped: {job.problem or job.skipped}", file=sys.stderr)
    return failed, skipped


def cmd_convert(args) -> int:
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("-j wants a positive number of workers")
    if args.jobs is not None and args.scheduler:
        raise UsageError("-j runs threads here, --scheduler on Dask workers: give one of them")
    args.jobs = args.jobs or 1
    jobs = plan(args)
    started = time.perf_counter()
    runnable = [j for j in jobs if j.runnable]
    not_run_failures, skipped = report_unconverted(jobs, args)
    for note in first_frame_notes(runnable) if not args.quiet else []:
        print(note, file=sys.stderr)
    before = snapshot(runnable)
    messages, failures, interrupted, where = run_jobs(runnable, args, convert_one) if runnable else ([], 0, False, "")
    elapsed = time.perf_counter() - started
    # Counted from the outputs on disk: exact even when Ctrl-C landed between
    # an output's rename and its message.
    done = written_since(runnable, before)
    failures += not_run_failures
    others = (f", {skipped} skipped" if skipped else "") + f", {failures} failed"
    if interrupted:
        left = len(jobs) - done - failures - skipped
        print(f"mediaview: interrupted: {done} converted{others}, {left} not converted; no partial output left",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    if not args.quiet:
        if len(jobs) == 1 and args.output_dir is None:
            if messages:
                print(messages[0])
        else:
            print(f"{done} of {len(jobs)} converted{others}, in {elapsed:.2f} s {where}".rstrip())
    return EXIT_FAILED if failures else EXIT_OK

"""mediaview convert: the run's ConvertOptions from the command line, the
jobs planned, and each run with the library's conversion functions
(mediaview.conversion) here or on Dask workers."""

from __future__ import annotations

import sys
import time
from typing import Tuple

import mediaview

from .._encode import image_writers
from .._limits import DEFAULT
from ..conversion import ConvertOptions, convert_audio, convert_image
from .animation import first_frame_notes
from .options import (EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, UsageError, parse_crop, parse_resize, parse_scale,
                      parse_time)
from .plan import Job, plan
from .report import run_jobs
from .resume import snapshot, written_since

def convert_options(args) -> ConvertOptions:
    """What each conversion of this run does, from the command line, as the
    library's picklable ConvertOptions (the -j threads and the Dask workers
    get the same object)."""
    limit = args.max_pixels
    encoder = {o["name"]: getattr(args, o["name"], None) for w in image_writers().values() for o in w["options"]}
    return ConvertOptions(
        mode=args.mode, scale=parse_scale(args.scale), crop=parse_crop(args.crop),
        **parse_resize(args.resize, args.fit), orient=args.orient, colorspace=args.colorspace, depth=args.depth,
        start=parse_time(args.start, "--start"), end=parse_time(args.end, "--end"), samplerate=args.rate,
        channels=args.channels, strict=args.strict, allow_truncated=args.allow_truncated,
        max_pixels=DEFAULT if limit is None else limit.value,
        max_samples=args.max_samples.value if args.max_samples is not None else None,
        strip=args.strip, overwrite=args.overwrite,
        encoder_options={k: v for k, v in encoder.items() if v is not None and v is not False})


def convert_one(job: Job, options: ConvertOptions) -> str:
    """One planned job, with the library's conversion functions."""
    if job.kind == "audio":
        if not job.plan or "source" not in job.plan:  # the header could not be read when planning: say why
            mediaview.audio_info(job.src)
            raise mediaview.DecodeError(f"{job.src}: the audio header could not be read")
        return convert_audio(job.src, job.dst, job.format, job.plan, options)
    return convert_image(job.src, job.dst, job.format, options, keep_frames=job.animation == "keep")


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
    messages, failures, interrupted, where = run_jobs(runnable, args, convert_one, convert_options(args)) if runnable else ([], 0, False, "")
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

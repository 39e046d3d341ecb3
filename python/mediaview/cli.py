"""The mediaview command-line tool.

    mediaview info [--json] FILE...
    mediaview convert [options] IN OUT
    mediaview convert [options] IN... -o DIR [--to EXT] [--recursive] [-j N | --scheduler ADDRESS|local:N]

Exit status: 0 all done, 1 some inputs failed, 2 usage error (nothing was
decoded or written), 130 interrupted (Ctrl-C; no partial output is left).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import math
import sys
import threading
import time
import warnings
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import mediaview

from . import _core
from ._atomic import atomic_path, check_writable_dir
from ._cluster import parse_scheduler
from ._encode import image_format_for, image_writers, pillow_extensions, write_image

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

# Frames an audio conversion decodes, resamples and encodes at a time.
STREAM_BLOCK = 1 << 16

EXIT_HELP = """\
exit status:
  0    every input was done
  1    some inputs failed (each is named on stderr with the reason; the rest were done)
  2    usage error: bad option, unknown output format, unwritable target, or an
       existing output without --overwrite; found before anything is decoded
  130  interrupted (Ctrl-C): outputs already finished are complete, nothing partial is left

Every output is written to a temporary file '.NAME.mediaview-tmp-XXXXXXXX' in
the target directory and renamed into place when complete."""


INFO_HELP = """\
exit status:
  0    every file was read
  1    some files could not be read (each is named on stderr with the reason)
  2    usage error: bad option, or no media files found
  130  interrupted (Ctrl-C)"""


class UsageError(Exception):
    """A problem with the command line, found before any decoding."""


# ---- what the library can read and write ------------------------------------

def _decoder_extensions(kind: str) -> set:
    return {ext for d in mediaview.decoders() if d["kind"] == kind for ext in d["extensions"]}


IMAGE_INPUTS = _decoder_extensions("image")
AUDIO_INPUTS = _decoder_extensions("audio")
# One writer at a time on stderr: failure and warning lines come from -j worker threads.
_stderr_lock = threading.Lock()

HAS_AUDIO = hasattr(mediaview, "read_audio") and hasattr(mediaview, "write_audio")
# Audio outputs: every extension an audio format in the table is written with.
AUDIO_OUTPUTS = {ext for f in mediaview.formats() if f["kind"] == "audio" and f["can_write"]
                 for ext in f["extensions"]} if HAS_AUDIO else set()
# Every scale an image decoder applies while decoding, for --scale.
IMAGE_SCALES = {Fraction(n, d) for f in mediaview.formats() if f["kind"] == "image" for n, d in f["scales"]}


def image_option_formats(option: str) -> set:
    """The image formats whose writer takes ``option``."""
    return {f["name"] for f in image_writers().values() if any(o["name"] == option for o in f["options"])}


def input_kind(path: Path) -> str:
    """'image' or 'audio', from the extension, else from the first bytes."""
    ext = path.suffix.lstrip(".").lower()
    if ext in IMAGE_INPUTS:
        return "image"
    if ext in AUDIO_INPUTS:
        return "audio"
    try:
        with open(path, "rb") as f:
            head = f.read(64)
    except OSError:
        return "image"  # the decode reports the real problem
    known = _core.sniff(head)
    if (known and known[1] == "image") or not HAS_AUDIO:
        return "image"
    return "audio"


def output_target(ext: str) -> Tuple[str, str]:
    """(kind, format) for an output extension or format name; UsageError if unknown."""
    key = ext.lstrip(".").lower()
    if key in AUDIO_OUTPUTS:
        return "audio", key
    try:
        return "image", image_format_for("", key)
    except ValueError:
        pass
    known = sorted(set(image_writers()) | set(pillow_extensions()) | AUDIO_OUTPUTS)
    raise UsageError(f"unknown output format {key or '(no extension)'!r} (known: {', '.join(known)})")


# ---- info ---------------------------------------------------------------------

def image_info(path: Path) -> dict:
    return {"path": str(path), "kind": "image", **mediaview.probe(path).as_dict()}


def audio_info(path: Path) -> dict:
    info = mediaview.audio_info(path)
    entry = info.as_dict() if hasattr(info, "as_dict") else dict(info)
    entry = {"path": str(path), "kind": "audio", **entry}
    return entry


def known_values(info: dict) -> dict:
    """The entry with what is not known as None (null in JSON): a length the
    stream does not state is -1 frames and NaN seconds in the API."""
    out = dict(info)
    if out.get("frames", 0) is not None and out.get("frames", 0) < 0:
        out["frames"] = None
    duration = out.get("duration")
    if isinstance(duration, float) and math.isnan(duration):
        out["duration"] = None
    return out


def describe(info: dict) -> str:
    if info["kind"] == "image":
        return (f"{info['path']}: {info['format']} {info['width']}x{info['height']}, "
                f"{info['components']} components, {info['colorspace']}, subsampling {info['subsampling']}, "
                f"{'progressive' if info['progressive'] else 'baseline'}"
                f"{', arithmetic' if info['arithmetic'] else ''}, orientation {info['orientation']}")
    tags = ", ".join(f"{k}={v!r}" for k, v in sorted((info.get("tags") or {}).items()))
    length = ("unknown length" if info["frames"] is None else
              f"{info['frames']} frames ({info['duration']:.3f} s)")
    return (f"{info['path']}: {info['format']} {info['subtype']}, {info['samplerate']} Hz, "
            f"{info['channels']} channel(s), {length}"
            f"{'' if info.get('exact_length', True) else ' (length estimated)'}"
            f"{', %d kb/s' % round(info['bitrate'] / 1000) if info.get('bitrate') else ''}"
            f"{', streams: ' + info['streams'] if info.get('streams') else ''}"
            f"{', ' + tags if tags else ''}")


def cmd_info(args) -> int:
    results, failed = [], 0
    # A folder stands for the media in it (and, with -r, in its subfolders).
    paths = [src for src, _ in expand_inputs(args.files, args.recursive)]
    if not paths:
        raise UsageError("no media files found")
    for path in paths:
        try:
            results.append(known_values(audio_info(path) if input_kind(path) == "audio" else image_info(path)))
        except Exception as e:  # noqa: BLE001 - every bad file is reported, the rest go on
            failed += 1
            results.append({"path": str(path), "error": f"{type(e).__name__}: {e}"})
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        print()
    for r in results:
        if "error" in r:
            print(f"mediaview: {r['path']}: {r['error']}", file=sys.stderr)
        elif not args.json:
            print(describe(r))
    return EXIT_FAILED if failed else EXIT_OK


# ---- option parsing -------------------------------------------------------------

def parse_scale(text: Optional[str]):
    if text is None:
        return None
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise UsageError(f"--scale wants a fraction such as 1/4, not {text!r}") from None
    if value != 1 and value not in IMAGE_SCALES:
        shown = ", ".join(str(v) for v in sorted(IMAGE_SCALES))
        raise UsageError(f"--scale {text}: the decoders scale by {shown}")
    return value


def parse_crop(text: Optional[str]):
    if text is None:
        return None
    try:
        x, y, w, h = (int(v) for v in text.split(","))
    except ValueError:
        raise UsageError(f"--crop wants x,y,width,height, not {text!r}") from None
    if x < 0 or y < 0 or w <= 0 or h <= 0:
        raise UsageError(f"--crop {text}: x and y must be >= 0, width and height > 0")
    return x, y, w, h


def parse_resize(text: Optional[str], fit: Optional[str]) -> dict:
    """--resize WxH and --fit as decode_image's size= and fit= keywords."""
    if text is None:
        if fit is not None:
            raise UsageError("--fit needs --resize WxH")
        return {}
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise UsageError(f"--resize wants WIDTHxHEIGHT such as 224x224, not {text!r}") from None
    if w <= 0 or h <= 0:
        raise UsageError(f"--resize {text}: width and height must be > 0")
    return {"size": (w, h), "fit": fit or "fill"}


@dataclass(frozen=True)
class TimePoint:
    """A --start/--end value: seconds ('1.5', '1.5s') or frames ('44100f')."""

    value: float
    frames: bool

    def to_frames(self, samplerate: int) -> int:
        return int(self.value) if self.frames else round(self.value * samplerate)


def parse_time(text: Optional[str], option: str) -> Optional[TimePoint]:
    if text is None:
        return None
    t = text.strip().lower()
    try:
        if t.endswith("f"):
            point = TimePoint(int(t[:-1]), True)
        else:
            point = TimePoint(float(t[:-1] if t.endswith("s") else t), False)
    except ValueError:
        raise UsageError(f"{option} wants seconds (1.5 or 1.5s) or frames (44100f), not {text!r}") from None
    if point.value < 0:
        raise UsageError(f"{option} must not be negative")
    return point


# ---- planning: everything checked before anything is decoded ----------------

@dataclass
class Job:
    src: Path
    dst: Path
    kind: str    # "image" or "audio"
    format: str  # image: a codec name or Pillow's format name; audio: the extension
    plan: Optional[dict] = None  # audio: subtype and dtype, planned before decoding


def _is_candidate(path: Path) -> bool:
    ext = path.suffix.lstrip(".").lower()
    return path.is_file() and not path.name.startswith(".") and ext in IMAGE_INPUTS | AUDIO_INPUTS


def _inside(path: Path, folder: Optional[Path]) -> bool:
    if folder is None:
        return False
    try:
        path.resolve().relative_to(folder)
        return True
    except ValueError:
        return False


def expand_inputs(names: Sequence[str], recursive: bool, output_dir: Optional[Path] = None) -> List[Tuple[Path, Path]]:
    """(input, path relative to the output directory) for each input; a
    directory gives its media files (and, with --recursive, those of its
    subdirectories, mirrored under the output directory). Nothing inside
    ``output_dir`` is an input: a run never reads its own outputs."""
    pairs = []
    out = output_dir.resolve() if output_dir is not None else None
    for name in names:
        path = Path(name)
        if path.is_dir():
            found = path.rglob("*") if recursive else path.iterdir()
            pairs.extend((f, f.relative_to(path)) for f in sorted(found)
                         if _is_candidate(f) and not _inside(f, out)
                         and not any(p.startswith(".") for p in f.relative_to(path).parts))
        else:
            pairs.append((path, Path(path.name)))
    return pairs


def plan(args) -> List[Job]:
    parse_scale(args.scale), parse_crop(args.crop), parse_resize(args.resize, args.fit)
    parse_time(args.start, "--start"), parse_time(args.end, "--end")
    if args.output_dir is None:
        if args.to or args.recursive:
            raise UsageError("--to and --recursive need -o DIR")
        if len(args.paths) != 2:
            raise UsageError("give IN OUT for one file, or several inputs with -o DIR")
        src, dst = (Path(p) for p in args.paths)
        if src.is_dir():
            raise UsageError(f"{src} is a directory: use -o DIR to convert a folder")
        if dst.is_dir():  # like cp: into the folder, under the input's name
            dst = dst / (src.stem + "." + (args.format or src.suffix.lstrip(".")))
        kind, fmt = output_target(args.format or dst.suffix)
        jobs = [Job(src, dst, kind, fmt)]
    else:
        out_dir = Path(args.output_dir)
        if out_dir.exists() and not out_dir.is_dir():
            raise UsageError(f"-o {out_dir}: not a directory")
        pairs = expand_inputs(args.paths, args.recursive, out_dir)
        if not pairs:
            raise UsageError("no input files found")
        jobs = []
        for src, rel in pairs:
            ext = (args.to or src.suffix).lstrip(".")
            kind, fmt = output_target(args.format or ext)
            jobs.append(Job(src, out_dir / rel.with_suffix("." + ext), kind, fmt))
    check_jobs(jobs, args)
    return jobs


def check_jobs(jobs: List[Job], args) -> None:
    seen: Dict[Path, Path] = {}
    for job in jobs:
        in_kind = input_kind(job.src)
        if in_kind != job.kind:
            raise UsageError(f"{job.src}: cannot convert {in_kind} to {job.kind} ({job.dst.name})")
        key = job.dst.resolve()
        if job.src.exists() and key == job.src.resolve():
            raise UsageError(f"{job.src}: the output would replace the input")
        if key in seen:
            raise UsageError(f"{seen[key]} and {job.src} would both be written to {job.dst}")
        seen[key] = job.src
    existing = [j.dst for j in jobs if j.dst.exists()]
    if existing and not args.overwrite:
        if len(existing) == 1:
            raise UsageError(f"{existing[0]} exists; pass --overwrite to replace it")
        raise UsageError(f"{len(existing)} outputs exist ({existing[0]}, ...); pass --overwrite to replace them")
    # Options that no job can use are mistakes, not silently ignored.
    kinds = {j.kind for j in jobs}
    formats = {j.format for j in jobs}
    image_only = {"--scale": args.scale, "--crop": args.crop, "--mode": args.mode, "--resize": args.resize}
    audio_only = {"--subtype": args.subtype, "--start": args.start, "--end": args.end, "--rate": args.rate,
                  "--channels": args.channels, "--bits": args.bits}
    if args.subtype and args.bits:
        raise UsageError("give --subtype or --bits, not both")
    for option, value in image_only.items():
        if value is not None and "image" not in kinds:
            raise UsageError(f"{option} applies to images only")
    for option, value in audio_only.items():
        if value is not None and "audio" not in kinds:
            raise UsageError(f"{option} applies to audio only")
    # An encoder option out of the range its writer takes (the command line
    # accepts the widest of all writers' ranges).
    for fmt in {j.format for j in jobs if j.kind == "image"}:
        for o in (image_writers().get(fmt) or {"options": []})["options"]:
            value = getattr(args, o["name"], None)
            if o["range"] and isinstance(value, int) and not isinstance(value, bool) and \
                    not o["range"][0] <= value <= o["range"][1]:
                raise UsageError(f"--{o['name']} {value}: {fmt.upper()} takes {o['range'][0]} to {o['range'][1]}")
    # An encoder option that no output's writer takes is a mistake.
    image_formats = {j.format for j in jobs if j.kind == "image"}
    for option in _image_writer_options():
        name = option["name"]
        takers = image_option_formats(name)
        if getattr(args, name, None) not in (None, False) and not image_formats & takers:
            raise UsageError(f"--{name} applies to {' and '.join(sorted(takers))} output only")
    # What each audio target can store, from the input's header, before
    # anything is decoded (Opus's rates, MP3's channels, a subtype the format
    # lacks): the codec table knows it.
    for job in jobs:
        if job.kind == "audio":
            job.plan = audio_plan(job, args)
    # Target directories: made for -o (like mkdir -p), and each must take a
    # new file, tested by creating and removing one.
    for directory in sorted({j.dst.parent for j in jobs}):
        try:
            if args.output_dir is not None:
                directory.mkdir(parents=True, exist_ok=True)
            check_writable_dir(directory)
        except OSError as e:
            raise UsageError(f"cannot write to {directory}: {e.strerror or e}") from None


# ---- converting one file --------------------------------------------------------

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


def convert_image(job: Job, args) -> str:
    # mode None: the file's own layout (grey stays grey, CMYK stays CMYK).
    view = mediaview.decode_image(job.src, mode=args.mode, scale=parse_scale(args.scale), crop=parse_crop(args.crop),
                                  orient=args.orient, **decode_limits(args),
                                  **parse_resize(args.resize, args.fit))
    metadata = {"icc": None, "exif": None} if args.strip else {}
    write_image(job.dst, view, format=job.format, overwrite=args.overwrite, **metadata,
                **writer_options(job.format, args))
    return f"{job.src} -> {job.dst} ({view.shape[1]}x{view.shape[0]} {view.obj.mode})"


def audio_plan(job: Job, args) -> dict:
    """The conversion plan for an audio job, from its header: the subtype
    that keeps the samples exactly where the target stores it, the dtype to
    read in, and a UsageError for what the target cannot store."""
    try:
        info = mediaview.audio_info(job.src)
    except (mediaview.Error, OSError):
        return {}  # the conversion reports the real problem for this file
    try:
        return _core.plan_audio_conversion(job.format, info.subtype, requested_subtype(job, args),
                                           args.rate or info.samplerate, args.channels or info.channels)
    except ValueError as e:
        raise UsageError(f"{job.src} -> {job.dst}: {e}") from None


def requested_subtype(job: Job, args) -> str:
    """--subtype, or the PCM subtype --bits names in the target format (8-bit
    PCM is signed or unsigned as the format stores it); "" for neither."""
    if args.subtype:
        return args.subtype.upper()
    if not args.bits:
        return ""
    wanted = ("PCM_S8", "PCM_U8") if args.bits == 8 else (f"PCM_{args.bits}",)
    for f in mediaview.formats():
        if f["kind"] == "audio" and (job.format in f["extensions"] or job.format == f["name"].lower()):
            stored = [s for s in wanted if s in f["subtypes"]]
            if stored:
                return stored[0]
            raise UsageError(f"{job.dst}: {f['name']} cannot store {args.bits}-bit PCM")
    return wanted[0]


def convert_audio(job: Job, args) -> str:
    info = mediaview.audio_info(job.src)
    start = parse_time(args.start, "--start")
    end = parse_time(args.end, "--end")
    first = start.to_frames(info.samplerate) if start else 0
    stop = end.to_frames(info.samplerate) if end else None
    if stop is not None and stop < first:
        raise ValueError(f"--end ({stop} frames) lies before --start ({first} frames)")
    plan = job.plan or audio_plan(job, args)
    subtype = plan["subtype"]
    # --rate and --channels: resampled and mixed on load (the range is in
    # the source's frames). New sample values are no source's integers:
    # they go to the writer as float64, quantized once, by the writer.
    converting = (args.rate or info.samplerate) != info.samplerate or (args.channels or info.channels) != info.channels
    dtype = "float64" if converting else plan["dtype"]
    tags = dict(info.tags) if info.tags else {}
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
    with atomic_path(job.dst, overwrite=args.overwrite) as temp:
        writer = None
        for block in blocks:
            if writer is None:
                writer = _core.AudioFileWriter(temp, job.dst, samplerate, block.shape[1], dtype, fmt, subtype or "",
                                               tags)
            writer.write(block)
            frames += block.shape[0]
            del block  # the stream reuses a block nobody holds
        if writer is None:  # no frames at all: still a valid, empty file
            writer = _core.AudioFileWriter(temp, job.dst, samplerate, args.channels or info.channels, dtype, fmt,
                                           subtype or "", tags)
        writer.close()
    return f"{job.src} -> {job.dst} ({frames} frames, {samplerate} Hz, {subtype or 'default subtype'})"


def convert_one(job: Job, args) -> str:
    if job.kind == "audio":
        return convert_audio(job, args)
    return convert_image(job, args)


# The API's keywords, as the command line spells them, for messages that
# come from the library ("pass allow_truncated=True").
_CLI_TERMS = [("pass allow_truncated=True", "pass --allow-truncated"), ("allow_truncated=True", "--allow-truncated"),
              ("strict=True", "--strict"), ("max_pixels=", "--max-pixels "), ("max_samples=", "--max-samples "),
              ("read a range, stream it, or raise the limit", "convert a range with --start/--end, or raise the limit")]


def in_cli_terms(message: str) -> str:
    for api, cli in _CLI_TERMS:
        message = message.replace(api, cli)
    return message


# ---- running a batch ------------------------------------------------------------

class Reporter:
    """Failure lines on stderr (through tqdm when its bar is showing, so the
    bar is not torn), a tqdm bar when stderr is a terminal and not --quiet."""

    def __init__(self, total: int, quiet: bool):
        self.bar = None
        if total > 1 and not quiet and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, file=sys.stderr, unit="file", dynamic_ncols=True, leave=False)
        self.lock = _stderr_lock

    def failed(self, job: Job, error: BaseException) -> None:
        line = f"mediaview: {job.src}: {type(error).__name__}: {in_cli_terms(str(error))}"
        with self.lock:
            if self.bar is not None:
                self.bar.write(line, file=sys.stderr)
            else:
                print(line, file=sys.stderr, flush=True)

    def step(self) -> None:
        if self.bar is not None:
            with self.lock:
                self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_jobs(jobs: List[Job], args, convert: Callable[[Job, object], str]) -> Tuple[List[str], int, bool, str]:
    """Runs every job, here (-j threads) or on Dask workers (--scheduler);
    returns (messages of the successes, failures, interrupted, where it ran)."""
    reporter = Reporter(len(jobs), args.quiet)
    cancelled = threading.Event()
    messages: List[str] = []
    failures = 0

    def one(job: Job) -> Optional[str]:
        if cancelled.is_set():
            return None
        _current.src = job.src
        try:
            return convert(job, args)
        finally:
            _current.src = None

    def record(job: Job, outcome) -> None:
        nonlocal failures
        if isinstance(outcome, BaseException):
            failures += 1
            reporter.failed(job, outcome)
        elif outcome is not None:
            messages.append(outcome)
        reporter.step()

    if getattr(args, "scheduler", None):
        return run_jobs_remotely(jobs, args, reporter, record, lambda: messages, lambda: failures)
    where = f"with {args.jobs} worker{'s' if args.jobs > 1 else ''}"
    try:
        if args.jobs == 1 or len(jobs) == 1:
            for job in jobs:
                try:
                    outcome = one(job)
                except Exception as e:  # noqa: BLE001 - a bad file is reported and the batch goes on
                    outcome = e
                record(job, outcome)
        else:
            with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
                futures = {pool.submit(one, job): job for job in jobs}
                try:
                    for future in concurrent.futures.as_completed(futures):
                        record(futures[future], future.exception() or future.result())
                except KeyboardInterrupt:
                    # Jobs not started are dropped; those running finish (each
                    # is renamed into place complete, or cleaned up).
                    cancelled.set()
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise
    except KeyboardInterrupt:
        reporter.close()
        return messages, failures, True, where
    reporter.close()
    return messages, failures, False, where


def run_jobs_remotely(jobs: List[Job], args, reporter: Reporter, record, messages, failures):
    """run_jobs on Dask workers (--scheduler): the same outcomes, bar and
    failure lines, from the futures."""
    from ._cluster import SchedulerError, run_jobs_on_cluster

    def warn(src: Path, message: str) -> None:
        _current.src = src  # _show_warning names the file; the filters (-q, -W) apply as for local warnings
        try:
            warnings.warn(message, mediaview.DecodeWarning, stacklevel=1)
        finally:
            _current.src = None

    try:
        interrupted, where = run_jobs_on_cluster(jobs, args, record, warn)
    except SchedulerError as e:
        reporter.close()
        raise UsageError(str(e)) from None
    reporter.close()
    return messages(), failures(), interrupted, f"on {where}"


def cmd_convert(args) -> int:
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("-j wants a positive number of workers")
    if args.jobs is not None and args.scheduler:
        raise UsageError("-j runs threads here, --scheduler on Dask workers: give one of them")
    args.jobs = args.jobs or 1
    jobs = plan(args)
    started = time.perf_counter()
    messages, failures, interrupted, where = run_jobs(jobs, args, convert_one)
    elapsed = time.perf_counter() - started
    done = len(messages)
    if interrupted:
        print(f"mediaview: interrupted: {done} converted, {failures} failed, "
              f"{len(jobs) - done - failures} not converted; no partial output left", file=sys.stderr)
        return EXIT_INTERRUPTED
    if not args.quiet:
        if len(jobs) == 1 and args.output_dir is None:
            if messages:
                print(messages[0])
        else:
            print(f"{done} of {len(jobs)} converted, {failures} failed, in {elapsed:.2f} s {where}")
    return EXIT_FAILED if failures else EXIT_OK


# ---- the parser -----------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mediaview",
        description="Inspect and convert media with mediaview's codecs (mediaview.decoders() lists them).",
        epilog=EXIT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"mediaview {mediaview.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    info = sub.add_parser("info", help="print what each file holds", description=(
        "Print what each file holds, read from its header: format, size, layout; for audio the rate, "
        "channels, length and tags. A folder stands for the media files in it."),
        epilog=INFO_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    info.add_argument("files", nargs="+", metavar="PATH", help="files or folders")
    info.add_argument("--json", action="store_true",
                      help="print one JSON document: a list with one object a file (unknown values are null)")
    info.add_argument("-r", "--recursive", action="store_true", help="include subfolders of folder inputs")
    info.set_defaults(run=cmd_info, parser=info)

    image_outputs = (", ".join(sorted(image_writers())) + ", and through Pillow "
                     + ", ".join(e for e in sorted(pillow_extensions()) if e not in image_writers()))
    convert = sub.add_parser(
        "convert",
        help="convert files; the output format comes from the extension",
        usage="mediaview convert [options] IN OUT\n       mediaview convert [options] IN... -o DIR [--to EXT]",
        description=("Convert one file (IN OUT), or several files and folders into a directory (-o DIR). "
                     f"Image outputs: {image_outputs}"
                     + (f"; audio outputs: {', '.join(sorted(AUDIO_OUTPUTS))}." if AUDIO_OUTPUTS else ".")),
        epilog=EXIT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    convert.add_argument("paths", nargs="+", metavar="PATH", help="IN OUT, or inputs (files, folders) with -o")
    general = convert.add_argument_group("output")
    general.add_argument("--format", help="output format instead of the extension (e.g. png, jpeg, flac)")
    general.add_argument("--overwrite", action="store_true", help="replace existing outputs (default: refuse)")
    general.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no summary; errors only")

    batch = convert.add_argument_group("batch")
    batch.add_argument("-o", "--output-dir", metavar="DIR", help="write every output into DIR (made if missing)")
    batch.add_argument("--to", metavar="EXT", help="output extension for -o (default: keep each input's)")
    batch.add_argument("-r", "--recursive", action="store_true",
                       help="include subfolders of folder inputs (-r is not a sample rate here, as it is in sox: "
                            "that is --rate)")
    batch.add_argument("-j", "--jobs", type=int, metavar="N", help="parallel workers (threads; default 1)")
    batch.add_argument("--scheduler", type=parse_scheduler, metavar="ADDRESS|local:N",
                       help="convert on Dask workers that see the same file system: a running scheduler's address "
                            "(tcp://HOST:8786), or local:N to start N worker processes here (needs "
                            "pip install 'mediaview[dask]')")

    image = convert.add_argument_group("images")
    for option in _image_writer_options():
        image.add_argument(f"--{option['name']}", **option["argparse"])
    image.add_argument("--scale", help="decode at a DCT scale k/8, e.g. 1/2")
    image.add_argument("--crop", metavar="X,Y,W,H", help="crop in output pixels (after --scale and --orient)")
    image.add_argument("--resize", metavar="WxH", help="resize on load to W x H pixels (after --crop and --orient)")
    image.add_argument("--fit", choices=("fill", "cover", "contain"),
                       help="how --resize meets the size: exact (fill, default), scale and centre-crop (cover), "
                            "scale and pad with black (contain)")
    image.add_argument("--orient", action=argparse.BooleanOptionalAction, default=True,
                       help="apply the EXIF orientation (default: on, as a viewer would)")
    image.add_argument("--mode", choices=mediaview.MODES,
                       help="decode mode (default: the file's own layout, e.g. L for grey, CMYK for CMYK)")

    audio = convert.add_argument_group("audio")
    audio.add_argument("--subtype", help="audio subtype, e.g. PCM_16, PCM_24, FLOAT, VORBIS "
                                         "(default: the input's where the format stores it, else the format's own)")
    audio.add_argument("--rate", type=_int_in("--rate", 1, None), metavar="HZ",
                       help="resample to this rate on load (libsoxr, high quality); not -r, which is --recursive")
    audio.add_argument("--channels", type=_int_in("--channels", 1, None), metavar="N",
                       help="mix to N channels on load (stereo to mono: the mean; mono to stereo: duplicated)")
    audio.add_argument("--bits", type=int, choices=(8, 16, 24, 32),
                       help="store N-bit integer PCM (the target's PCM subtype of that width)")
    audio.add_argument("--start", help="first frame: seconds (1.5, 1.5s) or frames (44100f)")
    audio.add_argument("--end", help="end (exclusive): seconds or frames")
    damage = convert.add_argument_group("damaged and oversized inputs")
    damage.add_argument("--allow-truncated", action="store_true",
                        help="convert what a truncated input holds (an image's missing rows are black, audio "
                             "ends where its data does) instead of failing")
    damage.add_argument("--strict", action="store_true", help="treat every decoder warning as an error")
    damage.add_argument("--max-pixels", type=_limit, metavar="N|none",
                        help=f"refuse images whose header claims more pixels (default {mediaview.MAX_IMAGE_PIXELS})")
    damage.add_argument("--max-samples", type=_limit, metavar="N|none",
                        help="refuse audio whose header claims more samples (default: none; audio is converted "
                             "block by block, in memory for one block whatever its length)")
    general.add_argument("--strip", action="store_true",
                         help="write no ICC profile or EXIF (kept by default where the output format stores them)")
    convert.set_defaults(run=cmd_convert, parser=convert)
    return parser


def _int_in(name: str, lo: Optional[int], hi: Optional[int]) -> Callable[[str], int]:
    """An argparse type: an integer in lo..hi (either end open when None),
    said in one line (argparse's choices= would print every valid value)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"wants an integer, not {text!r}") from None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(f"{value} is out of range: {lo} to {hi}" if hi is not None
                                             else f"wants an integer of at least {lo}, not {value}")
        return value
    parse.__name__ = name
    return parse


@dataclass(frozen=True)
class Limit:
    """A --max-pixels/--max-samples value: a positive count, or none (no limit)."""

    value: Optional[int]


def _limit(text: str) -> Limit:
    if text.strip().lower() in ("none", "off"):
        return Limit(None)
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"wants a positive count or 'none', not {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"wants a positive count or 'none', not {value}")
    return Limit(value)


def _image_writer_options() -> List[dict]:
    """One command-line option per encoder option the image writers declare
    (quality, subsampling, progressive, ...), merged across writers."""
    merged: Dict[str, dict] = {}
    for f in image_writers().values():
        for o in f["options"]:
            entry = merged.setdefault(o["name"], {"name": o["name"], "writers": {}, **o})
            entry["writers"][f["name"]] = o["doc"]
            if o["range"] and entry["range"]:  # the widest range; each writer checks its own
                entry["range"] = (min(entry["range"][0], o["range"][0]), max(entry["range"][1], o["range"][1]))
    out = []
    for name, o in sorted(merged.items()):
        help_text = "; ".join(f"{w.upper()}: {doc}" for w, doc in sorted(o["writers"].items()))
        if o["type"] == "bool":
            kwargs = {"action": "store_true", "help": help_text}
        elif o["type"] == "int":
            lo, hi = o["range"] or (None, None)
            kwargs = {"type": _int_in(name, lo, hi), "help": help_text,
                      "metavar": f"{lo}-{hi}" if lo is not None else "N"}
        else:
            kwargs = {"help": help_text, "choices": o["choices"] or None}
        out.append({"name": name, "argparse": kwargs})
    return out


# The input each thread is converting, so that a warning names its file.
_current = threading.local()


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    # Recoverable damage (DecodeWarning) as one line naming the input, not
    # Python's source excerpt. showwarning runs in the thread that warned.
    src = getattr(_current, "src", None)
    where = f"{src}: " if src is not None else ""
    with _stderr_lock:  # whole lines: print() writes the text and its newline separately
        print(f"mediaview: {where}warning: {category.__name__}: {message}", file=sys.stderr, flush=True)


def main(argv: Optional[Sequence[str]] = None) -> int:
    # Restored on return, for callers that run main() in their own process.
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        return _run(argv)


def _set_warning_filter(args) -> None:
    """-q silences DecodeWarnings. Otherwise each file's warnings are shown
    (every file, not only the first of each text: "always"; the library
    already says each kind once per file, with a count), unless the user
    chose a filter with -W or PYTHONWARNINGS, which is then honoured."""
    if getattr(args, "quiet", False):
        warnings.simplefilter("ignore", mediaview.DecodeWarning)
    elif not sys.warnoptions:
        warnings.simplefilter("always", mediaview.DecodeWarning)


def _run(argv: Optional[Sequence[str]]) -> int:
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:  # the subcommand's own usage, not the top level's
            getattr(args, "parser", parser).error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as e:  # argparse exits 2 on usage errors, 0 for --help
        return int(e.code or 0)
    _set_warning_filter(args)
    try:
        return args.run(args)
    except UsageError as e:
        print(f"mediaview: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("mediaview: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())

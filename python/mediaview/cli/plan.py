"""Planning a conversion: the jobs, and everything checked before anything
is decoded (targets, options no job can use, what each audio target can
store)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import mediaview

from .._atomic import check_writable_dir
from .._encode import image_writers
from ..conversion import ConvertOptions, plan_audio
from .animation import mark_animations
from .inputs import classify, unsupported_message
from .options import (UsageError, _image_writer_options, image_option_formats, output_target, parse_crop,
                      parse_resize, parse_scale, parse_time)
from .resume import mark_existing


@dataclass
class Job:
    src: Path
    dst: Path
    kind: str    # "image" or "audio"
    format: str  # image: a codec name or Pillow's format name; audio: the extension
    plan: Optional[dict] = None  # audio: subtype and dtype, planned before decoding
    # Why this input is not converted (an input no decoder reads, or one the
    # target cannot hold): a failure, or skipped with --skip-unsupported.
    problem: Optional[str] = None
    # Why the job is skipped: its complete output exists (--skip-existing),
    # or the input already is its own output (a folder converted into itself).
    skipped: Optional[str] = None
    # An input of several frames: "keep" them all (the output stores an
    # animation) or "first" (it does not; the run says so once).
    animation: Optional[str] = None
    frames: int = 1
    durations_lost: bool = False  # an animation kept as pages (TIFF), without its durations

    @property
    def runnable(self) -> bool:
        return self.problem is None and self.skipped is None


def _is_candidate(path: Path) -> bool:
    """Every file of a folder is an input (one no decoder reads is reported,
    not passed over in silence), but hidden ones: dot files, and our own
    temporaries (.NAME.mediaview-tmp-XXXX)."""
    return path.is_file() and not path.name.startswith(".")


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
    directory gives its files (and, with --recursive, those of its
    subdirectories, mirrored under the output directory). A run never reads
    its own outputs: the folder list is taken before anything is written,
    and an output directory inside an input folder (not the folder itself)
    is left out of it."""
    pairs = []
    out = output_dir.resolve() if output_dir is not None else None
    for name in names:
        path = Path(name)
        if path.is_dir():
            own_outputs = out if out is not None and out != path.resolve() and _inside(out, path.resolve()) else None
            found = path.rglob("*") if recursive else path.iterdir()
            pairs.extend((f, f.relative_to(path)) for f in sorted(found)
                         if _is_candidate(f) and not _inside(f, own_outputs)
                         and not any(p.startswith(".") for p in f.relative_to(path).parts))
        else:
            pairs.append((path, Path(path.name)))
    return pairs


def _same_format(a: str, b: str) -> bool:
    """Whether two extensions or format names name one output format."""
    try:
        return output_target(a) == output_target(b)
    except UsageError:
        return a.lstrip(".").lower() == b.lstrip(".").lower()


def _target(src: Path, dst: Path, fmt: str) -> Job:
    """The job for src -> dst in format ``fmt``; an output format nobody
    writes is this job's problem (the rest of the run goes on)."""
    try:
        kind, name = output_target(fmt)
    except UsageError as e:
        return Job(src, dst, "", "", problem=f"{e} (choose one with --to)")
    return Job(src, dst, kind, name)


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
        named = _known_output(dst.suffix)
        if args.format and named and not _same_format(args.format, dst.suffix):
            # The content written always matches the extension.
            raise UsageError(f"--format {args.format} disagrees with the extension of {dst}: "
                             "give one of them")
        kind, fmt = output_target(args.format or dst.suffix)
        jobs = [Job(src, dst, kind, fmt)]
    else:
        out_dir = Path(args.output_dir)
        if out_dir.exists() and not out_dir.is_dir():
            raise UsageError(f"-o {out_dir}: not a directory")
        if args.format and args.to and not _same_format(args.format, args.to):
            raise UsageError(f"--format {args.format} and --to {args.to} disagree: give one of them")
        to = args.to or args.format  # --format alone: the outputs' extension too
        if to:
            output_target(to)  # an unknown --to is a usage error before anything else
        pairs = expand_inputs(args.paths, args.recursive, out_dir)
        if not pairs:
            raise UsageError("no input files found")
        jobs = []
        for src, rel in pairs:
            ext = (to or src.suffix).lstrip(".")
            jobs.append(_target(src, out_dir / rel.with_suffix("." + ext if ext else ""), ext))
    check_jobs(jobs, args)
    return jobs


def _known_output(ext: str) -> bool:
    try:
        output_target(ext)
        return True
    except UsageError:
        return False


def _classify_inputs(jobs: List[Job], args) -> None:
    """Each input's kind from its content: one no decoder reads, or of a
    kind its target cannot hold, is a problem of its own job in a run of
    several inputs (the others go on); for IN OUT, a usage error."""
    single = args.output_dir is None
    for job in jobs:
        in_kind, what = classify(job.src)
        if job.problem is not None:
            if in_kind is None:  # say first what the input is
                job.problem = unsupported_message(job.src, what)
            continue
        if in_kind is None:
            job.problem = unsupported_message(job.src, what)
        elif in_kind != job.kind:
            message = f"cannot convert {in_kind} to {job.kind} ({job.dst.name})"
            if single:
                raise UsageError(f"{job.src}: {message}")
            job.problem = message


def check_jobs(jobs: List[Job], args) -> None:
    _classify_inputs(jobs, args)
    seen: Dict[Path, Path] = {}
    for job in jobs:
        if job.problem is not None:
            continue
        key = job.dst.resolve()
        if job.src.exists() and key == job.src.resolve():
            if args.output_dir is None:
                raise UsageError(f"{job.src}: the output would replace the input")
            job.skipped = "it is its own output (already in the target format)"
            continue
        if key in seen:
            raise UsageError(f"{seen[key]} and {job.src} would both be written to {job.dst}")
        seen[key] = job.src
    mark_existing(jobs, args)
    mark_animations(jobs)
    jobs = [j for j in jobs if j.runnable]
    # Options that no job can use are mistakes, not silently ignored.
    kinds = {j.kind for j in jobs}
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


def audio_plan(job: Job, args) -> dict:
    """The conversion plan for an audio job (mediaview.conversion.plan_audio:
    the header read once, here): a UsageError for what the target cannot
    store; {} when the header cannot be read (the conversion reports why)."""
    options = ConvertOptions(samplerate=args.rate, channels=args.channels)
    try:
        return plan_audio(job.src, job.format, options, requested_subtype(job, args))
    except (mediaview.Error, OSError):
        return {}  # the conversion reports the real problem for this file
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

"""The command line's parser and main(): the subcommands, their options
(image writer options declared by the codecs), and the exit codes."""

from __future__ import annotations

import argparse
import sys
import warnings
from typing import Optional, Sequence

import mediaview

from .._encode import image_writers, pillow_extensions
from .cluster import parse_scheduler
from .convert import cmd_convert
from .info import INFO_HELP, cmd_info
from .options import AUDIO_OUTPUTS, EXIT_INTERRUPTED, EXIT_USAGE, UsageError, _image_writer_options, _int_in, _limit
from .report import _show_warning


def _colorspace(text: str):
    """--colorspace: 'srgb', 'linear-srgb', or a profile file's bytes."""
    if text.lower() in ("srgb", "linear-srgb"):
        return text.lower()
    try:
        with open(text, "rb") as f:
            return f.read()
    except OSError as e:
        raise argparse.ArgumentTypeError(f"cannot read the profile {text}: {e.strerror}") from None

EXIT_HELP = """\
exit status:
  0    every input was done
  1    some inputs failed (each is named on stderr with the reason; the rest were done)
  2    usage error: bad option, unknown output format, unwritable target, or an
       existing output without --overwrite; found before anything is decoded
  130  interrupted (Ctrl-C): outputs already finished are complete, nothing partial is left

Every output is written to a temporary file '.NAME.mediaview-tmp-XXXXXXXX' in
the target directory and renamed into place when complete."""


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
    general.add_argument("--skip-existing", action="store_true",
                         help="keep outputs a run already finished (checked complete by reading them back) and "
                              "count them as skipped: resume an interrupted run; with --overwrite, an "
                              "incomplete one is replaced")
    general.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no summary; errors only")

    batch = convert.add_argument_group("batch")
    batch.add_argument("-o", "--output-dir", metavar="DIR", help="write every output into DIR (made if missing)")
    batch.add_argument("--to", metavar="EXT", help="output extension for -o (default: keep each input's)")
    batch.add_argument("-r", "--recursive", action="store_true",
                       help="include subfolders of folder inputs (-r is not a sample rate here, as it is in sox: "
                            "that is --rate)")
    batch.add_argument("--skip-unsupported", action="store_true",
                       help="count inputs that no decoder reads (text, PDF, ...) or that the output format cannot "
                            "hold as skipped, not failed (each is still named)")
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
    image.add_argument("--depth", type=int, choices=(8, 16),
                       help="bits per channel of the output (default: the input's own); a format that stores "
                            "fewer bits gets each value's high byte, as decoding with dtype=uint8 gives it")
    image.add_argument("--colorspace", type=_colorspace, metavar="srgb|linear-srgb|ICC",
                       help="convert colours on decode to sRGB, linear sRGB or the profile in this ICC file; "
                            "the output is tagged with it (--strip: no profile)")
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

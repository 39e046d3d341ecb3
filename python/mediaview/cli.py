"""The mediaview command-line tool.

    mediaview info FILE...            what each file holds (--json for one JSON document)
    mediaview convert IN OUT          decode IN and write OUT (format from OUT's extension)

Exit status: 0 all done, 1 some inputs failed, 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from fractions import Fraction
from pathlib import Path
from typing import Optional, Sequence

import mediaview

from ._atomic import atomic_output

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

# Output formats written through Pillow, by extension.
PILLOW_FORMATS = {"png": "PNG", "webp": "WEBP", "tif": "TIFF", "tiff": "TIFF", "bmp": "BMP", "jpg": "JPEG", "jpeg": "JPEG"}


class UsageError(Exception):
    """A problem with the command line, found before any decoding."""


def image_info(path: Path) -> dict:
    info = mediaview.probe(path).as_dict()
    info.update(path=str(path), kind="image", format="jpeg")
    return info


def print_info(info: dict) -> None:
    print(f"{info['path']}: JPEG {info['width']}x{info['height']}, {info['components']} components, "
          f"{info['colorspace']}, subsampling {info['subsampling']}, "
          f"{'progressive' if info['progressive'] else 'baseline'}"
          f"{', arithmetic' if info['arithmetic'] else ''}, orientation {info['orientation']}")


def cmd_info(args) -> int:
    results, failed = [], 0
    for name in args.files:
        path = Path(name)
        try:
            results.append(image_info(path))
        except (mediaview.Error, OSError) as e:
            failed += 1
            results.append({"path": str(path), "error": f"{type(e).__name__}: {e}"})
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        print()
    else:
        for r in results:
            if "error" in r:
                print(f"{r['path']}: error: {r['error']}", file=sys.stderr)
            else:
                print_info(r)
    return EXIT_FAILED if failed else EXIT_OK


def parse_scale(text: Optional[str]):
    if text is None:
        return None
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise UsageError(f"--scale wants a fraction such as 1/4, not {text!r}") from None


def parse_crop(text: Optional[str]):
    if text is None:
        return None
    try:
        x, y, w, h = (int(v) for v in text.split(","))
    except ValueError:
        raise UsageError(f"--crop wants x,y,width,height, not {text!r}") from None
    return x, y, w, h


def output_format(out: Path, forced: Optional[str]) -> str:
    ext = (forced or out.suffix.lstrip(".")).lower()
    if ext not in PILLOW_FORMATS:
        raise UsageError(f"cannot write {out}: unknown output format {ext!r} (known: {', '.join(sorted(PILLOW_FORMATS))})")
    return PILLOW_FORMATS[ext]


# Formats Pillow can store CMYK in; others get the CMYK image converted to RGB.
CMYK_FORMATS = {"JPEG", "TIFF"}


def default_mode(src: Path) -> str:
    info = mediaview.probe(src)
    if info.colorspace in ("CMYK", "YCCK"):
        return "CMYK"
    return "L" if info.components == 1 else "RGB"


def convert_image(src: Path, dst: Path, args, fmt: str) -> str:
    mode = args.mode or default_mode(src)
    view = mediaview.decode_image(src, mode=mode, scale=parse_scale(args.scale), crop=parse_crop(args.crop),
                                  orient=args.orient)
    image = mediaview.to_pil(view, mode)
    if image.mode == "CMYK" and fmt not in CMYK_FORMATS:
        image = image.convert("RGB")
    with atomic_output(dst, overwrite=args.overwrite) as f:
        image.save(f, fmt)
    return f"{src} -> {dst} ({view.shape[1]}x{view.shape[0]} {mode})"


def cmd_convert(args) -> int:
    src, dst = Path(args.input), Path(args.output)
    fmt = output_format(dst, args.format)
    if dst.exists() and not args.overwrite:
        raise UsageError(f"{dst} exists; pass --overwrite to replace it")
    if not dst.parent.resolve().is_dir():
        raise UsageError(f"cannot write {dst}: no directory {dst.parent}")
    parse_scale(args.scale), parse_crop(args.crop)
    try:
        message = convert_image(src, dst, args, fmt)
    except (mediaview.Error, OSError, ValueError) as e:
        print(f"mediaview: {src}: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_FAILED
    if not args.quiet:
        print(message)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mediaview",
        description="Inspect and convert media with mediaview's decoders.",
        epilog="exit status: 0 all done, 1 some inputs failed, 2 usage error",
    )
    parser.add_argument("--version", action="version", version=f"mediaview {mediaview.__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    info = sub.add_parser("info", help="print what each file holds")
    info.add_argument("files", nargs="+", metavar="FILE")
    info.add_argument("--json", action="store_true", help="print one JSON document: a list with one object a file")
    info.set_defaults(run=cmd_info)

    convert = sub.add_parser("convert", help="convert one file; the format comes from OUT's extension")
    convert.add_argument("input", metavar="IN")
    convert.add_argument("output", metavar="OUT")
    convert.add_argument("--format", help="output format instead of OUT's extension (png, webp, tiff, bmp, jpg)")
    convert.add_argument("--mode", choices=mediaview.MODES, help="decode mode (default RGB, or L for grayscale)")
    convert.add_argument("--scale", help="DCT scale k/8, e.g. 1/2")
    convert.add_argument("--crop", help="x,y,width,height in output pixels")
    convert.add_argument("--orient", action=argparse.BooleanOptionalAction, default=True,
                         help="apply the EXIF orientation (default: on, as a viewer would)")
    convert.add_argument("--overwrite", action="store_true", help="replace an existing output")
    convert.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    convert.set_defaults(run=cmd_convert)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse exits 2 on usage errors, 0 for --help
        return int(e.code or 0)
    try:
        return args.run(args)
    except UsageError as e:
        print(f"mediaview: {e}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())

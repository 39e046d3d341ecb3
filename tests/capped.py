"""Decoder calls on one damaged or hostile input, run in a subprocess under
an address-space cap (RLIMIT_AS), so an allocation the header tricked the
decoder into fails there instead of taking the test machine's memory, and a
crash or hang is the child's. Each call's outcome comes back by name: "ok",
the mediaview.Error subclass raised, one of the exception types the caller
expects, or "UNEXPECTED <type>: <message>" for anything else.

Under AddressSanitizer (LD_PRELOAD names its runtime) no cap is set: ASan
reserves terabytes of address space up front.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, Sequence

UNDER_ASAN = "asan" in os.environ.get("LD_PRELOAD", "")

SCRIPT = r"""
import builtins, json, resource, sys, warnings
import mediaview
warnings.simplefilter("ignore")
cap, path, calls = int(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
expected = [getattr(builtins, name) for name in json.loads(sys.argv[4])]
if cap:
    resource.setrlimit(resource.RLIMIT_AS, (cap << 20, cap << 20))
data = open(path, "rb").read()

def outcome(expression):
    try:
        eval(expression, {"mediaview": mediaview, "data": data})
    except mediaview.Error as e:
        return type(e).__name__
    except Exception as e:
        for kind in expected:
            if isinstance(e, kind):
                return kind.__name__
        return f"UNEXPECTED {type(e).__name__}: {e}"
    return "ok"

out = {name: outcome(expression) for name, expression in calls.items()}
if sys.argv[5] == "rss":
    # VmHWM, not ru_maxrss: exec carries the parent's (pytest's) peak over
    # into ru_maxrss, which would hide or fake growth here.
    out["rss_mb"] = next(int(line.split()[1]) // 1024 for line in open("/proc/self/status")
                         if line.startswith("VmHWM:"))
print(json.dumps(out))
"""


def run_capped(path: Path, data: bytes, cap_mb: int, calls: Dict[str, str], expected: Sequence[str] = (),
               rss: bool = False) -> dict:
    """Writes `data` to `path` and evaluates each of `calls` (name ->
    expression over `mediaview` and `data`) in a child capped at `cap_mb`
    MiB. `expected`: names of built-in exception types reported by name (a
    subclass too) rather than as UNEXPECTED. `rss`: add the child's peak
    resident memory as "rss_mb"."""
    path.write_bytes(data)
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(0 if UNDER_ASAN else cap_mb), str(path),
                           json.dumps(calls), json.dumps(list(expected)), "rss" if rss else ""],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)

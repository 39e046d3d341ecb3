"""The stderr filter (src/stderr_filter.hpp) beside processes started while
it runs. Damaged JPEG XL decodes drive it: libjxl prints on damaged input,
so every decode runs inside a filter. Each check runs in a fresh
interpreter whose stderr is a pipe of this test's."""

from __future__ import annotations

import subprocess
import sys

from conftest import SAMPLES

# Decodes 60 damaged copies of a JPEG XL sample in a thread while the main
# thread starts processes with START(); `during` counts those started while
# this process's fd 2 was the filter's pipe, not its real stderr.
DRIVER = """
import os, random, threading, mediaview
data = open({sample!r}, 'rb').read()
rng = random.Random(1)
bad = []
for _ in range(60):
    x = bytearray(data)
    for _ in range(4):
        x[rng.randrange(2, len(x))] ^= rng.randint(1, 255)
    bad.append(bytes(x))
real_stderr = os.readlink('/proc/self/fd/2')
done = threading.Event()
def decode():
    for b in bad:
        try:
            mediaview.decode_image(b)
        except mediaview.Error:
            pass
    done.set()
{start}
threading.Thread(target=decode).start()
started, during = [], 0
while not done.is_set() and len(started) < 200:
    filtering = os.readlink('/proc/self/fd/2') != real_stderr
    started.append(START())
    during += filtering
done.wait()
"""


def run(start: str, report: str) -> subprocess.CompletedProcess:
    code = DRIVER.format(sample=str(SAMPLES / "chelsea.jxl"), start=start) + report
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


def test_a_forked_child_gets_the_real_stderr_and_does_not_hold_the_decode():
    # The child (a DataLoader worker, a Dask process) reports whether its
    # fd 2 is the parent's real stderr, then lives on for a minute: the
    # decodes must finish while every child still lives.
    out = run("""
def START():
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(w, b'1' if os.readlink('/proc/self/fd/2') == real_stderr else b'0')
        os.close(w)
        os.close(2)  # the test's pipe: the run ends when the parent does
        threading.Event().wait(60)
        os._exit(0)
    os.close(w)
    return pid, r
""", """
alive = sum(os.waitpid(pid, os.WNOHANG) == (0, 0) for pid, _ in started)
real = sum(os.read(r, 1) == b'1' for _, r in started)
print(len(started), during, alive, real)
for pid, _ in started:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
""")
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    forks, during, alive, real = map(int, out.stdout.split())
    assert during > 0, "no fork happened while the filter ran: the check proved nothing"
    assert alive == forks and real == forks


def test_a_program_started_while_filtering_is_heard_and_does_not_hold_the_decode():
    # Python's subprocess starts programs by vfork, which runs no fork
    # handlers: the program inherits the filter's pipe as its stderr. Its
    # lines still reach the real stderr, and the decodes finish while it runs.
    out = run("""
import subprocess
def START():
    return subprocess.Popen(['sh', '-c', 'echo started-while-filtering >&2; exec sleep 60'])
""", """
alive = sum(p.poll() is None for p in started)
print(len(started), during, alive)
for p in started:
    p.kill()
    p.wait()
""")
    assert out.returncode == 0, out.stderr
    programs, during, alive = map(int, out.stdout.split())
    assert during > 0, "no program started while the filter ran: the check proved nothing"
    assert alive == programs
    assert out.stderr.splitlines() == ["started-while-filtering"] * programs

"""--scheduler on the command line (issue 26): a malformed value is a usage
error at once (exit 2, no traceback, no hang); an address nobody answers on,
or where something that is not a Dask scheduler answers, is a one-line error
that Ctrl-C can cut short; a bad file on a local cluster is one line, with no
"Compute Failed" log of distributed's beside it."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from conftest import SAMPLES

SRC = SAMPLES / "chelsea_420.jpg"


def cli(*argv, timeout=120):
    return subprocess.run([sys.executable, "-m", "mediaview", *map(str, argv)], capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.parametrize("value", ["local", "bogus", "", "local:", "local:0", "local:-2", "tcp://", "host:port",
                                   "http://x:1/path", "tcp://a b:1"])
def test_a_malformed_scheduler_is_a_usage_error_at_once(tmp_path, value):
    started = time.monotonic()
    result = cli("convert", SRC, tmp_path / "x.png", "--scheduler", value, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "--scheduler" in result.stderr and "Traceback" not in result.stderr
    assert time.monotonic() - started < 30  # parsed, never tried: a generous bound for a loaded machine
    assert not (tmp_path / "x.png").exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_refused_address_is_one_line_at_once(tmp_path):
    pytest.importorskip("distributed")
    port = free_port()
    for value in (f"tcp://127.0.0.1:{port}", f"localhost:{port}"):
        result = cli("convert", SRC, tmp_path / "x.png", "--scheduler", value)
        assert result.returncode == 2 and "cannot reach the scheduler" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1


@pytest.fixture
def silent_server():
    """A TCP server that accepts connections and never says a word (not a Dask scheduler)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_ctrl_c_ends_the_wait_for_a_scheduler_that_never_answers(tmp_path, silent_server):
    pytest.importorskip("distributed")
    proc = subprocess.Popen([sys.executable, "-m", "mediaview", "convert", str(SRC), str(tmp_path / "x.png"),
                             "--scheduler", f"tcp://127.0.0.1:{silent_server}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(4)  # importing Dask and connecting; it is then waiting for the handshake
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)  # it used to wait on, and print a 57-line traceback
    assert proc.returncode == 130 and "interrupted" in stderr and "Traceback" not in stderr


def test_a_scheduler_that_never_answers_times_out_in_one_line(tmp_path, silent_server):
    pytest.importorskip("distributed")
    import os

    env = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "3s"}
    result = subprocess.run([sys.executable, "-m", "mediaview", "convert", str(SRC), str(tmp_path / "x.png"),
                             "--scheduler", f"tcp://127.0.0.1:{silent_server}"], capture_output=True, text=True,
                            timeout=120, env=env)
    assert result.returncode == 2 and "cannot reach the scheduler" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1


def test_a_bad_file_on_a_local_cluster_is_one_line_without_dask_logs(tmp_path):
    pytest.importorskip("distributed")
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SRC, folder / "good.jpg")
    (folder / "cut.jpg").write_bytes(SRC.read_bytes()[:3000])
    result = cli("convert", folder, "-o", tmp_path / "out", "--to", "png", "--scheduler", "local:2", timeout=300)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [line for line in result.stderr.splitlines() if line.startswith("mediaview:")]
    assert "cut.jpg: DecodeError" in result.stderr and "Compute Failed" not in result.stderr
    assert "1 of 2 converted, 1 failed" in result.stdout

"""The real ``sefer`` console script of this environment, run as a user would run it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SEFER = Path(sys.executable).parent / "sefer"


def run_sefer(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``sefer *args`` in ``cwd`` with a clean environment (``env`` added) and ``stdin`` typed in: its exit code,
    stdout and stderr."""
    environment = {"PATH": str(SEFER.parent), "HOME": str(cwd), **(env or {})}
    return subprocess.run(
        [str(SEFER), *args],
        cwd=cwd,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(folder: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """A real ``sefer serve`` in ``folder`` on a free port, until the block ends; yields its base URL once
    ``/health`` answers."""
    port = free_port()
    server = subprocess.Popen(
        [str(SEFER), "serve", "--port", str(port)],
        cwd=folder,
        env={"PATH": str(SEFER.parent), "HOME": str(folder), **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/health", server)
        yield base
    finally:
        server.terminate()
        server.communicate(timeout=20)


def _wait_for(url: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"sefer serve exited: {server.stderr.read() if server.stderr else ''}")
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within 60 s")

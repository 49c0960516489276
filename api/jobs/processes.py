"""Solve processes: each attempt runs in a child process that leads its own process group, so stopping the group
also stops the solver's search processes. Shared by the local runner and the queue worker."""

from __future__ import annotations

import contextlib
import os
import signal
from multiprocessing.process import BaseProcess

from api.jobs.worker import DATABASE_LOST_EXIT

KILL_WAIT_S = 5.0
"""How long a solve process has to die after SIGTERM before SIGKILL."""


DATABASE_LOST_TEXT = "lost its database connection"


def exit_text(code: int | None) -> str:
    """How a process ended, in words: ``was killed by SIGKILL``, ``exited with code 3``."""
    if code == DATABASE_LOST_EXIT:
        return DATABASE_LOST_TEXT
    if code is not None and code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


def kill_group(process: BaseProcess) -> None:
    """SIGTERM the process's group, SIGKILL what is left after ``KILL_WAIT_S``; reap it."""
    for sig, wait_s in ((signal.SIGTERM, KILL_WAIT_S), (signal.SIGKILL, None)):
        if process.pid is not None and hasattr(os, "killpg"):
            # Not (yet) a group leader, or already gone: the signal to the process below reaches it.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, sig)
        if process.is_alive():
            if sig is signal.SIGTERM:
                process.terminate()
            else:
                process.kill()
        process.join(wait_s)
        if not process.is_alive():
            break
    process.close()

"""The real ``sefer`` console script of this environment, run as a user would run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SEFER = Path(sys.executable).parent / "sefer"


def run_sefer(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``sefer *args`` in ``cwd`` with a clean environment (``env`` added): its exit code, stdout and stderr."""
    environment = {"PATH": str(SEFER.parent), "HOME": str(cwd), **(env or {})}
    return subprocess.run(
        [str(SEFER), *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=300, check=False
    )

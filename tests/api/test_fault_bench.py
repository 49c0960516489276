"""``sefer bench faults`` on a short seeded schedule, as CI runs it: the real service (two API processes, two
solver workers) on the test PostgreSQL database, faults injected, and every history check passing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL_ENV, _drop_schema
from tests.console import run_sefer

pytestmark = pytest.mark.slow


def test_a_short_fault_schedule_keeps_every_promise(tmp_path: Path) -> None:
    url = os.environ.get(POSTGRES_URL_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_URL_ENV} is not set")
    _drop_schema(url)
    try:
        args = ("--jobs", "4", "--kills", "4", "--duration", "20", "--seed", "7", "--deadline", "240")
        result = run_sefer("bench", "faults", "--database-url", url, *args, cwd=tmp_path)
    finally:
        _drop_schema(url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "faults injected: 4" in result.stdout
    assert "FAIL" not in result.stdout
    assert result.stdout.count("\nok   ") == 6
    assert "submit 202: 4" in result.stdout

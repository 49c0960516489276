"""``sefer bench load``: locust against two real API processes on PostgreSQL (skipped without one), and SQLite
refused with one ``error:`` line and exit code 2."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from api.cli.bench import bench_app
from data.db import make_engine, migrate
from data.models import JobRow

runner = CliRunner()


def test_sqlite_is_refused_with_one_line() -> None:
    """Several API processes need a server database: a SQLite URL exits 2 naming the option, before any work."""
    result = runner.invoke(bench_app, ["load", "--database-url", "sqlite:///load.db"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: --database-url: the load bench needs PostgreSQL (several API processes), got sqlite"
    ]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_database_with_unfinished_jobs_is_refused(database_url: str) -> None:
    """Each API process fails the unfinished jobs it finds as it starts: the bench refuses such a database, exit 2,
    before starting any server."""
    engine = make_engine(database_url)
    try:
        migrate(engine)
        now = datetime.now(UTC)
        with Session(engine) as session, session.begin():
            session.add(JobRow(kind="plan", params={}, status="running", progress=0.5, message="", created_at=now,
                               updated_at=now))  # fmt: skip
    finally:
        engine.dispose()
    result = runner.invoke(bench_app, ["load", "--duration", "1", "--database-url", database_url])
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines()[-1].startswith("error: --database-url: the database has 1 unfinished job")


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_short_run_serves_every_endpoint_without_failures(database_url: str) -> None:
    """Five seconds of three citizens on a freshly planned and published week: the machine line, a row per
    endpoint, a non-zero rate and not one failed request (a revalidation answered 200 would be one)."""
    result = runner.invoke(
        bench_app,
        ["load", "--users", "3", "--spawn-rate", "3", "--duration", "5", "--think-time", "0.2",
         "--time-limit", "2", "--database-url", database_url],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("machine: ")
    assert any(line.startswith("load: 3 users") and "2 API processes on PostgreSQL" in line for line in lines)
    header = next(n for n, line in enumerate(lines) if line.startswith("endpoint"))
    rows = {line[:44].strip(): line[44:].split() for line in lines[header + 1 :]}
    total = rows["total"]
    assert int(total[0]) > 0 and float(total[1]) > 0
    assert total[-1] == "0"
    assert {"GET /", "GET / (If-None-Match)", "GET /livez"} <= set(rows)

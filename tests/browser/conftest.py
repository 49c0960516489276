"""A real `sefer serve` on a planned, published week, and headless Chromium (Debian's) driven by Playwright.

The browser tests skip cleanly when /usr/bin/chromium or Playwright is missing. The server runs with
``SEFER_MAP_TILES`` empty, so any request to a host other than the server is a fault of the pages.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from scheduler.calendar import BAKU
from tests.console import run_sefer, serving

CHROMIUM = Path("/usr/bin/chromium")
OFFLINE = {"SEFER_MAP_TILES": ""}


@dataclass(frozen=True)
class Site:
    folder: Path
    base: str
    token: str
    week: date

    def get(self, path: str, *, auth: bool = False) -> bytes:
        headers = {"Authorization": f"Bearer {self.token}"} if auth else {}
        with urllib.request.urlopen(urllib.request.Request(self.base + path, headers=headers), timeout=30) as r:
            return bytes(r.read())

    def json(self, path: str, *, auth: bool = False) -> Any:
        return json.loads(self.get(path, auth=auth))


def _next_monday() -> date:
    today = datetime.now(BAKU).date()
    return today + timedelta(days=7 - today.weekday())


def _sefer(folder: Path, *args: str) -> str:
    result = run_sefer(*args, cwd=folder, env=OFFLINE)
    assert result.returncode == 0, f"sefer {' '.join(args)}: {result.stderr or result.stdout}"
    return result.stdout


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """Debian's Chromium; the browser tests skip when it (or Playwright) is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api")
    return CHROMIUM


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory, chromium_path: Path) -> Iterator[Site]:
    """Next week planned (plan 1) and published, a newer draft (plan 2), a planner token, `sefer serve`."""
    folder = tmp_path_factory.mktemp("site")
    week = _next_monday()
    _sefer(folder, "plan", "--week", week.isoformat(), "--time-limit", "3", "--out", "out")
    _sefer(folder, "publish", "1")
    _sefer(folder, "plan", "--week", week.isoformat(), "--time-limit", "2", "--out", "draft")
    token = _sefer(folder, "token", "create", "--role", "planner", "--name", "t").strip()
    with serving(folder, OFFLINE) as base:
        yield Site(folder, base, token, week)


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium_path))
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Watched:
    """A page with every request URL, console error and uncaught exception it produced."""

    page: Any
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def remote_requests(self) -> list[str]:
        """Requests to anything but this machine (data: and file: URLs are local too)."""
        local_hosts = {"127.0.0.1", "localhost", "::1"}
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in ("data", "file", "about", "blob")
            and urlsplit(url).hostname not in local_hosts
        ]


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    seen = Watched(page)
    page.on("request", lambda request: seen.requests.append(request.url))
    page.on("console", lambda message: seen.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    try:
        yield seen
    finally:
        context.close()

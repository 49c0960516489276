"""The API documentation in headless Chromium against a real server, with no network beyond it: Swagger UI at
/docs and ReDoc at /redoc render every operation from the vendored scripts."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Site, Watched

pytestmark = pytest.mark.slow


def test_swagger_ui_renders_the_operations_offline(site: Site, watched: Watched) -> None:
    """/docs shows Səfər's title and an entry per operation; every request stays on the server."""
    page = watched.page
    page.goto(site.base + "/docs", wait_until="networkidle")
    page.wait_for_selector(".opblock", timeout=20_000)
    assert "Səfər" in page.locator(".information-container .title").inner_text()
    operations = page.locator(".opblock").count()
    paths = site.json("/openapi.json")["paths"]
    assert operations == sum(len(methods) for methods in paths.values())
    assert watched.remote_requests() == []
    assert watched.errors == []


REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
"""ReDoc's sidebar always asks for its maker's logo; the page's Content-Security-Policy blocks it in the browser."""


def test_redoc_renders_the_operations_offline(site: Site, watched: Watched) -> None:
    """/redoc shows the API's title and the summary of a known operation; nothing answers from another host: the
    one remote image ReDoc asks for is refused by the page's policy before it leaves the browser."""
    page = watched.page
    remote_answers: list[str] = []
    page.on(
        "response", lambda response: remote_answers.append(response.url) if "127.0.0.1" not in response.url else None
    )
    page.goto(site.base + "/redoc", wait_until="networkidle")
    page.wait_for_selector("h1", timeout=20_000)
    assert "Səfər" in page.locator("h1").first.inner_text()
    assert page.get_by_text("File Request").count() > 0
    assert remote_answers == []
    assert set(watched.remote_requests()) <= {REDOC_LOGO}
    assert all(REDOC_LOGO in error and "Content Security Policy" in error for error in watched.errors)

"""The API documentation pages load nothing from another host: their scripts, styles and icons are the vendored
copies the app serves under /static."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_reference_only_vendored_files(anonymous: TestClient, page: str) -> None:
    """Every src and href of the page is a path of this app, and each answers 200."""
    answer = anonymous.get(page)
    assert answer.status_code == 200
    links = re.findall(r"""(?:src|href)=["']([^"']+)["']""", answer.text)
    assert links, "the page loads its script"
    assert not [link for link in links if "//" in link], links
    for link in links:
        assert anonymous.get(link).status_code == 200, link
    assert "fonts.googleapis" not in answer.text and "cdn.jsdelivr" not in answer.text
    assert "default-src 'self'" in answer.headers["content-security-policy"]


def test_openapi_schema_and_oauth_redirect_are_served(anonymous: TestClient) -> None:
    assert anonymous.get("/openapi.json").json()["info"]["title"] == "Səfər"
    assert anonymous.get("/docs/oauth2-redirect").status_code == 200


@pytest.mark.parametrize("path", ["/", "/health", "/docs", "/public/stops", "/plans", "/static/vendor/README.md"])
def test_every_answer_carries_the_security_headers(anonymous: TestClient, path: str) -> None:
    """Public pages, API answers (a 401 included) and static files: no sniffing, no framing, a short referrer."""
    answer = anonymous.get(path)
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "strict-origin-when-cross-origin"

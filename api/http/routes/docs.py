"""The interactive API documentation, offline: Swagger UI at ``/docs`` and ReDoc at ``/redoc`` load their scripts
from the vendored copies under ``/static`` (FastAPI's defaults come from a CDN and fonts from Google)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse

from maps.assets import REDOC_JS, STATIC_URL, SWAGGER_UI_CSS, SWAGGER_UI_FAVICON, SWAGGER_UI_JS

router = APIRouter(include_in_schema=False)

OAUTH2_REDIRECT = "/docs/oauth2-redirect"
SAME_ORIGIN_ONLY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; connect-src 'self'"
)
"""The documentation pages may load nothing from another host: ReDoc's sidebar asks for its maker's logo on
cdn.redoc.ly, which this policy stops before it leaves the browser (the logo's ``onError`` hides it)."""


def _vendored(path: str) -> str:
    return f"{STATIC_URL}/vendor/{path}"


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    page = get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} · API",
        swagger_js_url=_vendored(SWAGGER_UI_JS),
        swagger_css_url=_vendored(SWAGGER_UI_CSS),
        swagger_favicon_url=_vendored(SWAGGER_UI_FAVICON),
        oauth2_redirect_url=OAUTH2_REDIRECT,
        swagger_ui_parameters={"validatorUrl": None},  # no badge fetched from swagger.io
    )
    page.headers["Content-Security-Policy"] = SAME_ORIGIN_ONLY
    return page


@router.get(OAUTH2_REDIRECT)
def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    page = get_redoc_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} · API",
        redoc_js_url=_vendored(REDOC_JS),
        redoc_favicon_url=_vendored(SWAGGER_UI_FAVICON),
        with_google_fonts=False,
    )
    page.headers["Content-Security-Policy"] = SAME_ORIGIN_ONLY
    return page

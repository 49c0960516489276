"""What every page shares: the templates (Jinja2, autoescaped), the words of the page's language, the headers,
the static folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import Path as FastPath
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from api.errors import InvalidInput
from api.web.session import finish
from maps.i18n import LANG_NAMES, LANGS, Lang, text

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_URL = "/web/static"

_templates = Environment(
    loader=PackageLoader("api.web", "templates"), autoescape=select_autoescape(default=True), auto_reload=False
)

PlanPath = Annotated[int, FastPath(ge=1, le=2_147_483_647)]
"""A plan or job id in a page's path: bounded by the 32-bit id column."""


def render(
    request: Request,
    lang: Lang,
    template: str,
    status_code: int = 200,
    img_origins: tuple[str, ...] = (),
    **context: Any,
) -> Response:
    """A page from ``templates/<template>`` in ``lang``, with the shared headers (``img_origins``: hosts the page
    may load images from, i.e. its map's tile server)."""
    page = _templates.get_template(template).render(
        lang=lang,
        langs=[(code, LANG_NAMES[code], in_language(request, code)) for code in LANGS],
        t=lambda key, **values: text(lang, key).format(**values) if values else text(lang, key),
        **context,
    )
    return finish(HTMLResponse(page, status_code=status_code), request, lang, img_origins)


def in_language(request: Request, code: Lang) -> str:
    """This page in another language: the same path and query (the plan, the week, the two plans compared), only
    ``lang`` changed. A page that answers a form (a move's verdict, a refused request) has no address to reload:
    its links go to the page the form was on."""
    if request.method == "GET":
        path, query = request.url.path, request.query_params.multi_items()
    else:
        path, query = _form_page(request)
    kept = [(k, v) for k, v in query if k != "lang"]
    return f"{path}?{urlencode([*kept, ('lang', code)])}"


def _form_page(request: Request) -> tuple[str, list[tuple[str, str]]]:
    """The page of this site a form was sent from (its Referer), else the desk or the counter."""
    came = urlsplit(request.headers.get("referer", ""))
    if came.netloc == request.url.netloc and came.path.startswith("/") and not came.path.startswith("//"):
        return came.path, parse_qsl(came.query)
    return home_page(request.url.path), []


def home_page(path: str, role: str | None = None) -> str:
    """Where a way back leads: the counter for an office or from a counter page, else the desk."""
    return "/counter" if role == "office" or (role is None and path.startswith("/counter")) else "/desk"


def to_desk(plan_id: int | None, notice: str, refusal: Exception | None = None) -> RedirectResponse:
    """Back to the desk (at ``plan_id``) after a form, saying how it went; a refusal carries its reason."""
    query = {"plan": str(plan_id)} if plan_id is not None else {}
    query |= {"notice": notice} | ({"why": str(refusal)[:300]} if refusal is not None else {})
    return RedirectResponse(f"/desk?{urlencode(query)}", status_code=303)


def field_messages(exc: InvalidInput) -> dict[str, str]:
    """A refusal's messages by the field they name, for a form shown again beside its fields."""
    return {str(e.loc[-1]): e.message for e in exc.errors}

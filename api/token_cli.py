"""``sefer token create``: a new API principal; the token is printed once and stored only as its SHA-256."""

from __future__ import annotations

from typing import Annotated

import typer

from api.auth import Role, new_token, token_digest
from api.cli_support import fail, in_session
from api.settings import get_settings
from data.bundled import load_network
from data.repository import add_principal

token_app = typer.Typer(add_completion=False, no_args_is_help=True, help="API tokens.")


@token_app.command("create")
def create(
    role: Annotated[Role, typer.Option("--role", help="admin, planner or office.")],
    name: Annotated[str, typer.Option("--name", help="Who holds it, e.g. 'Gabala office'.")],
    places: Annotated[str, typer.Option("--places", help="For an office: comma-separated place ids.")] = "",
) -> None:
    """Create a principal and print its bearer token (shown only this once)."""
    codes = sorted({p.strip() for p in places.split(",") if p.strip()})
    if role is Role.OFFICE and not codes:
        raise fail("--places: an office token needs at least one place, e.g. --places AZ-QAB,AZ-OGU")
    if role is not Role.OFFICE and codes:
        raise fail(f"--places: only office tokens are bound to places, not {role.value}")
    network = load_network(get_settings().data_dir)
    unknown = [c for c in codes if not network.has_place(c)]
    if unknown:
        raise fail(f"--places: no place {', '.join(unknown)}")
    if not name.strip():
        raise fail("--name must not be empty")
    token = new_token()
    in_session(
        lambda s: add_principal(s, name=name.strip(), role=role.value, places=codes, token_sha256=token_digest(token))
    )
    typer.echo(token)

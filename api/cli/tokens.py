"""``sefer token``: create, list, rotate and revoke API principals. A token is printed once and stored only as its
SHA-256; it expires (90 days unless ``--expires-in-days`` says otherwise), and a rotation keeps the old one working
for an overlap."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from api.cli.support import in_session, with_store
from api.services import principals
from api.services.principals import DEFAULT_OVERLAP_HOURS, DEFAULT_TOKEN_DAYS, Role
from api.services.store import Store

token_app = typer.Typer(add_completion=False, no_args_is_help=True, help="API tokens.")


@token_app.command("create")
def create(
    role: Annotated[Role, typer.Option("--role", help="admin, planner or office.")],
    name: Annotated[str, typer.Option("--name", help="Who holds it, e.g. 'Gabala office'.")],
    places: Annotated[str, typer.Option("--places", help="For an office: comma-separated place ids.")] = "",
    expires_in_days: Annotated[
        int, typer.Option("--expires-in-days", help="Days the token works (1 to 3660).")
    ] = DEFAULT_TOKEN_DAYS,
) -> None:
    """Create a principal and print its bearer token (shown only this once)."""

    def run(store: Store) -> str:
        with store.sessions() as session:
            _, token = principals.create_principal(
                session,
                network=store.network,
                role=role,
                name=name,
                places=tuple(places.split(",")),
                expires_in_days=expires_in_days,
            )
            return token

    typer.echo(with_store(run))


def _when(moment: datetime | None, none: str) -> str:
    return none if moment is None else moment.strftime("%Y-%m-%dT%H:%MZ")


@token_app.command("list")
def list_tokens() -> None:
    """Every principal: id, role, name, places, expiry, last use, a rotated token's overlap, and whether revoked."""
    for info in in_session(principals.list_tokens):
        p = info.principal
        places = ",".join(p.places) or "-"
        line = (
            f"{p.id} {p.role} {p.name!r} {places} expires={_when(info.expires_at, 'never')}"
            f" last-used={_when(info.last_used_at, 'never')}"
        )
        if info.previous_expires_at is not None:
            line += f" old-token-until={_when(info.previous_expires_at, '-')}"
        typer.echo(line + (" revoked" if info.revoked else ""))


@token_app.command("rotate")
def rotate(
    principal_id: Annotated[int, typer.Argument(help="The principal's id (sefer token list).")],
    overlap_hours: Annotated[
        int, typer.Option("--overlap-hours", help="Hours the old token keeps working (0 to 720; 0: stops at once).")
    ] = DEFAULT_OVERLAP_HOURS,
    expires_in_days: Annotated[
        int, typer.Option("--expires-in-days", help="Days the new token works (1 to 3660).")
    ] = DEFAULT_TOKEN_DAYS,
) -> None:
    """Print a new token for the same principal (shown only this once); the old one expires after the overlap."""
    _, token = in_session(
        lambda s: principals.rotate_token(
            s, principal_id=principal_id, overlap_hours=overlap_hours, expires_in_days=expires_in_days
        )
    )
    typer.echo(token)


@token_app.command("revoke")
def revoke(principal_id: Annotated[int, typer.Argument(help="The principal's id (sefer token list).")]) -> None:
    """Revoke a principal's token: its next call answers 401."""
    principal = in_session(lambda s: principals.revoke_principal(s, principal_id=principal_id))
    typer.echo(f"token of {principal.id} {principal.name!r} revoked")

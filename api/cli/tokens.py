"""``sefer token``: create, list and revoke API principals. A token is printed once and stored only as its
SHA-256."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.support import in_session, with_store
from api.services import principals
from api.services.principals import Role
from api.services.store import Store

token_app = typer.Typer(add_completion=False, no_args_is_help=True, help="API tokens.")


@token_app.command("create")
def create(
    role: Annotated[Role, typer.Option("--role", help="admin, planner or office.")],
    name: Annotated[str, typer.Option("--name", help="Who holds it, e.g. 'Gabala office'.")],
    places: Annotated[str, typer.Option("--places", help="For an office: comma-separated place ids.")] = "",
) -> None:
    """Create a principal and print its bearer token (shown only this once)."""

    def run(store: Store) -> str:
        with store.sessions() as session:
            _, token = principals.create_principal(
                session, network=store.network, role=role, name=name, places=tuple(places.split(","))
            )
            return token

    typer.echo(with_store(run))


@token_app.command("list")
def list_tokens() -> None:
    """Every principal: id, role, name, places, and whether its token is revoked."""
    for principal, revoked in in_session(principals.list_principals):
        places = ",".join(principal.places) or "-"
        typer.echo(f"{principal.id} {principal.role} {principal.name!r} {places}{' revoked' if revoked else ''}")


@token_app.command("revoke")
def revoke(principal_id: Annotated[int, typer.Argument(help="The principal's id (sefer token list).")]) -> None:
    """Revoke a principal's token: its next call answers 401."""
    principal = in_session(lambda s: principals.revoke_principal(s, principal_id=principal_id))
    typer.echo(f"token of {principal.id} {principal.name!r} revoked")

"""``sefer user``: the people who sign in to the web pages. A password is read from standard input, never from
the command line (where ``ps`` and the shell history would keep it)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from api.cli.support import fail, in_session, with_store
from api.services import accounts
from api.services.principals import Role
from api.services.store import Store

user_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Web users (sign-in at /login).")

PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input (its first line).")
]
Name = Annotated[str, typer.Argument(help="The user's name, as typed at sign-in.")]


def _password(from_stdin: bool) -> str:
    if not from_stdin:
        raise fail('give the password on standard input with --password-stdin, e.g. printf %s "$PW" | sefer ...')
    line = sys.stdin.readline()
    return line.removesuffix("\n").removesuffix("\r")


@user_app.command("create")
def create(
    role: Annotated[Role, typer.Option("--role", help="planner, office or admin.")],
    name: Annotated[str, typer.Option("--name", help="What the person types at sign-in, e.g. 'Gabala office'.")],
    password_stdin: PasswordStdin = False,
    places: Annotated[str, typer.Option("--places", help="For an office: comma-separated place ids.")] = "",
) -> None:
    """Create a user who signs in at /login (planners and admins land on /desk, offices on /counter)."""
    password = _password(password_stdin)

    def run(store: Store) -> accounts.StoredUser:
        with store.sessions() as session:
            return accounts.create_user(
                session,
                network=store.network,
                role=role,
                name=name,
                places=tuple(places.split(",")),
                password=password,
            )

    user = with_store(run)
    typer.echo(f"user {user.login!r} created ({user.principal.role}); sign in at /login")


@user_app.command("list")
def list_users() -> None:
    """Every user: name, role, places, and whether disabled."""
    for user in in_session(accounts.list_users):
        places = ",".join(user.principal.places) or "-"
        typer.echo(f"{user.login!r} {user.principal.role} {places}{' disabled' if user.disabled else ''}")


@user_app.command("disable")
def disable(name: Name) -> None:
    """Disable a user: their sessions end at once and they cannot sign in."""
    user = in_session(lambda s: accounts.set_disabled(s, name=name, disabled=True))
    typer.echo(f"user {user.login!r} disabled")


@user_app.command("enable")
def enable(name: Name) -> None:
    """Let a disabled user sign in again."""
    user = in_session(lambda s: accounts.set_disabled(s, name=name, disabled=False))
    typer.echo(f"user {user.login!r} enabled")


@user_app.command("reset-password")
def reset_password(name: Name, password_stdin: PasswordStdin = False) -> None:
    """Set a new password (read from standard input); the user's open sessions end."""
    password = _password(password_stdin)
    user = in_session(lambda s: accounts.reset_password(s, name=name, password=password))
    typer.echo(f"password of {user.login!r} reset; their sessions ended")

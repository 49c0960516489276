"""``sefer audit list``: the newest entries of the audit log, for an admin at the server."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.support import in_session
from api.services import audit

audit_app = typer.Typer(add_completion=False, no_args_is_help=True, help="The audit log of changes.")


@audit_app.command("list")
def list_entries(
    limit: Annotated[int, typer.Option("--limit", min=1, max=audit.MAX_ENTRIES, help="How many, newest first.")] = 50,
) -> None:
    """When, request id, who (role), what, which objects, the status answered."""
    for e in in_session(lambda s: audit.audit_log(s, limit=limit)):
        objects = ",".join(f"{k}={v}" for k, v in e.objects.items()) or "-"
        who = f"{e.principal!r} ({e.role})" if e.principal else "-"
        typer.echo(f"{e.at:%Y-%m-%d %H:%M:%S} {e.request_id} {who} {e.action} {objects} {e.status}")

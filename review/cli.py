"""`reaktivasi review serve` and `reaktivasi users add|list|disable` (typer sub-apps)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from review import auth

err = Console(stderr=True)
review_app = typer.Typer(help="The reviewers' web workspace.", no_args_is_help=True)
users_app = typer.Typer(help="Reviewer and admin accounts of the web workspace.")

OutOption = Annotated[str, typer.Option(help="the --out of `process` (its state database)")]


def _settings(out: str, as_of: str | None = None, policy: Path | None = None):
    from review.settings import ReviewSettings

    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        err.print(f"[red]--as-of must be YYYY-MM-DD, got {as_of!r}[/red]")
        raise typer.Exit(2) from None
    overrides: dict = {"out": Path(out)}
    if day:
        overrides["as_of"] = day
    if policy:
        overrides["policy_file"] = policy
    return ReviewSettings(**overrides)


def _engine(out: str):
    import review.tables  # noqa: F401  (registers the review tables)
    from models.tables import metadata
    from pipeline.config import get_settings
    from pipeline.state import engine_for
    from review.app import state_url

    engine = engine_for(state_url(_settings(out), get_settings()))
    metadata.create_all(engine)
    return engine


@review_app.command("serve")
def serve(
    out: OutOption = "out",
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    as_of: Annotated[str | None, typer.Option(help="today for re-decisions, YYYY-MM-DD")] = None,
    policy: Annotated[Path | None, typer.Option(help="kabupaten policy YAML")] = None,
    proxy: Annotated[
        bool, typer.Option(help="trust X-Forwarded-* from a TLS proxy in front")
    ] = False,
) -> None:
    """Serve the review workspace (queue, case screen, dashboard) on the state database."""
    import uvicorn

    from review.app import create_app

    settings = _settings(out, as_of, policy)
    app = create_app(settings)
    err.print(f"review workspace on http://{host}:{port}/ (state of {out})")
    uvicorn.run(app, host=host, port=port, log_level="info", **proxy_options(settings, proxy))


def proxy_options(settings, proxy: bool) -> dict:
    """uvicorn's proxy options: only the configured proxy may set the client's address."""
    if not proxy:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": settings.trusted_proxies}


@users_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="login name")],
    role: Annotated[auth.Role, typer.Option(help="reviewer or admin")] = auth.Role.reviewer,
    out: OutOption = "out",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from stdin")
    ] = False,
) -> None:
    """Add a user; the password is asked for (twice), or read from stdin."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Kata sandi", hide_input=True, confirmation_prompt=True)
    try:
        auth.add_user(_engine(out), name, password, role)
    except auth.UserError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    err.print(f"user {name} added ({role.value})")


@users_app.command("list")
def list_users(out: OutOption = "out") -> None:
    """Users, their role and whether they may log in."""
    for user in auth.list_users(_engine(out)):
        state = "active" if user["active"] else "disabled"
        typer.echo(f"{user['name']}\t{user['role']}\t{state}")


@users_app.command("disable")
def disable(name: str, out: OutOption = "out") -> None:
    """Stop a user logging in and end their sessions."""
    auth.set_active(_engine(out), name, False)
    err.print(f"user {name} disabled")

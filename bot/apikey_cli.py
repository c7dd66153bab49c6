"""`tongxing apikey ...`: the hotline API's keys. A key is printed once, at creation; only its hash
is stored (bot/server/api_keys.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.app import open_storage
from bot.server.api_keys import DEFAULT_PER_MINUTE, KeyNameTakenError, KeyStore
from core.clock import SystemClock
from core.settings import Settings

apikey_app = typer.Typer(no_args_is_help=True, help="API keys of the hotline API (/v1).")


@apikey_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="who the key is for, e.g. xiamen-12345")],
    per_minute: Annotated[
        int, typer.Option(min=1, max=100_000, help="the key's rate limit, requests a minute per process")
    ] = DEFAULT_PER_MINUTE,
) -> None:
    """Create a key and print it once: it cannot be shown again (only its hash is kept)."""
    if not name.strip() or len(name) > 64:
        raise typer.BadParameter("NAME must be 1 to 64 characters")
    settings = Settings()
    storage = open_storage(settings)
    try:
        key = KeyStore(storage.sessions, SystemClock(settings.zone)).create(name.strip(), per_minute)
    except KeyNameTakenError:
        typer.echo(f"a key named '{name}' exists already (revoke it, or choose another name)", err=True)
        raise typer.Exit(1) from None
    finally:
        storage.close()
    typer.echo(key)
    typer.echo(
        f"the API key for '{name.strip()}' ({per_minute} requests a minute): "
        "store it now, it is not shown again",
        err=True,
    )


@apikey_app.command("list")
def list_keys() -> None:
    """Every key: name, first characters, rate limit, created, revoked."""
    settings = Settings()
    storage = open_storage(settings)
    try:
        keys = KeyStore(storage.sessions, SystemClock(settings.zone)).list()
    finally:
        storage.close()
    for key in keys:
        state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
        typer.echo(
            f"{key.name}\t{key.prefix}…\t{key.per_minute}/min\t{key.created_at:%Y-%m-%d %H:%M}\t{state}"
        )
    if not keys:
        typer.echo("no API keys (tongxing apikey create NAME)")


@apikey_app.command("revoke")
def revoke(name: Annotated[str, typer.Argument(help="the key's name")]) -> None:
    """Revoke a key: every server process refuses it within seconds."""
    settings = Settings()
    storage = open_storage(settings)
    try:
        revoked = KeyStore(storage.sessions, SystemClock(settings.zone)).revoke(name)
    finally:
        storage.close()
    if not revoked:
        typer.echo(f"no active key named '{name}'", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked '{name}'")

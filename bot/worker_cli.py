"""`tongxing worker ...`: the console's accounts, an admin's acts from the command line. A password
is asked twice at the terminal (hidden), or read as one line from standard input when it is not a
terminal (`echo "$PASSWORD" | tongxing worker create ...`); it is never an option (shell history)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from bot.app import open_storage
from bot.place_name import UnknownPlaceError, resolve_place
from bot.storage.workers import ROLES, WorkerError, Workers
from core.clock import SystemClock
from core.lexicon import load_lexicon
from core.settings import Settings

worker_app = typer.Typer(no_args_is_help=True, help="Social workers' accounts for the console (/console).")


def read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("password", hide_input=True, confirmation_prompt=True))


def _city_id(city: str | None) -> str | None:
    """A city as tickets name it (its id: xiamen), from an id or a name (厦门, 厦门市)."""
    if city is None:
        return None
    try:
        return resolve_place(load_lexicon(), None, city)[1]
    except UnknownPlaceError as error:
        raise typer.BadParameter(str(error)) from error


def _district_ids(names: list[str]) -> list[str]:
    """Districts as tickets name them (ids: siming), from ids or names (思明, 思明区)."""
    lexicon = load_lexicon()
    found = []
    for name in (name.strip() for name in names if name.strip()):
        key = name.lower()
        match = next(
            (
                place.id
                for place in lexicon.places
                if place.kind == "district"
                and key in {place.id, place.name, f"{place.name}区", f"{place.name}县", f"{place.name}市"}
            ),
            None,
        )
        if match is None:
            raise typer.BadParameter(f"unknown district '{name}'")
        found.append(match)
    return found


@worker_app.command("create")
def create(
    login: Annotated[str, typer.Argument(help="the account name used to sign in")],
    name: Annotated[str, typer.Option("--name", help="the display name parents see under replies")],
    role: Annotated[str, typer.Option(help="worker | supervisor | admin")] = "worker",
    district: Annotated[
        list[str] | None, typer.Option("--district", help="a district the worker serves (repeat for more)")
    ] = None,
    city: Annotated[str | None, typer.Option(help="the city (a supervisor's scope; a worker's city)")] = None,
) -> None:
    """Create a console account. A worker sees their districts' tickets, a supervisor their city's,
    an admin every ticket."""
    if role not in ROLES:
        raise typer.BadParameter(f"--role must be one of {', '.join(ROLES)}")
    if not login.strip() or len(login) > 64 or not name.strip() or len(name) > 64:
        raise typer.BadParameter("LOGIN and --name must be 1 to 64 characters")
    settings = Settings()
    password = read_password()
    storage = open_storage(settings)
    try:
        member = Workers(storage.sessions).create(
            login.strip(),
            name.strip(),
            password,
            role,
            SystemClock(settings.zone).now(),
            city=_city_id(city),
            districts=_district_ids(district or []),
        )
    except WorkerError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    finally:
        storage.close()
    scope = {"admin": "every ticket", "supervisor": f"city {member.city}"}.get(
        member.role, "districts " + ", ".join(member.districts)
    )
    typer.echo(f"created {member.role} {member.login} ({member.display_name}): {scope}")


@worker_app.command("disable")
def disable(login: Annotated[str, typer.Argument(help="the account to disable")]) -> None:
    """Disable an account: it cannot sign in, and its open sessions end at once."""
    settings = Settings()
    storage = open_storage(settings)
    try:
        Workers(storage.sessions).disable(login)
    except WorkerError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    finally:
        storage.close()
    typer.echo(f"disabled {login}")


@worker_app.command("reset-password")
def reset_password(login: Annotated[str, typer.Argument(help="the account whose password is reset")]) -> None:
    """Set a new password (and lift a lock-out); the account's open sessions end."""
    settings = Settings()
    password = read_password()
    storage = open_storage(settings)
    try:
        Workers(storage.sessions).reset_password(login, password)
    except WorkerError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    finally:
        storage.close()
    typer.echo(f"the password of {login} is reset")


@worker_app.command("list")
def list_workers() -> None:
    """Every account that is not disabled: login, name, role, scope."""
    settings = Settings()
    storage = open_storage(settings)
    try:
        members = Workers(storage.sessions).listed()
    finally:
        storage.close()
    for member in members:
        scope = member.city or "-"
        typer.echo(
            f"{member.login}\t{member.display_name}\t{member.role}\t{scope}\t{','.join(member.districts)}"
        )

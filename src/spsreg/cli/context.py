"""What every command needs: the database to open and the actor on whose behalf it works.

The actor comes from ``--site`` / ``SPSREG_SITE`` and ``--user`` / ``SPSREG_USER``. With a site,
the command works as that site's coordinator: it sees the site's patients with their identifiers.
Without a site it works as the local administrator: every site, never identifiers.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Annotated

import typer
from sqlalchemy.exc import OperationalError

from spsreg.cli.output import fail
from spsreg.store import Actor, Registry, Role, create_engine_for, database_url_from_env
from spsreg.store.migrate import schema_status

__all__ = [
    "SiteOption",
    "UserOption",
    "actor_for",
    "day_option",
    "open_cli_registry",
    "redacted_url",
]

SiteOption = Annotated[
    str | None,
    typer.Option(
        "--site", envvar="SPSREG_SITE", help="work as staff of this site (sees its identifiers)"
    ),
]
UserOption = Annotated[
    str | None,
    typer.Option("--user", envvar="SPSREG_USER", help="user name recorded in the audit trail"),
]


def actor_for(site: str | None, user: str | None) -> Actor:
    name = user or os.environ.get("USER") or getpass.getuser()
    if site:
        return Actor(user=name, role=Role.COORDINATOR, site_id=site)
    return Actor(user=name, role=Role.ADMIN)


def day_option(value: str | None, option: str) -> date:
    """The date given to ``option`` (YYYY-MM-DD), today (UTC) when not given; a clear error if
    it is not a date."""
    if value is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise fail(f"{option} {value!r} is not a date: write it as YYYY-MM-DD ({error})") from error


def redacted_url(url: str) -> str:
    """The database URL without a password, for printing."""
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url


@contextmanager
def open_cli_registry(*, require_current_schema: bool = True) -> Iterator[Registry]:
    """Open the configured database; refuse clearly if it is missing or not initialised."""
    url = database_url_from_env()
    engine = create_engine_for(url)
    try:
        if require_current_schema:
            status = schema_status(engine)
            if status.current is None:
                raise fail(
                    f"the database at {redacted_url(url)} is not initialised: run `spsreg init`"
                )
            if status.current != status.head:
                raise fail(
                    f"the database at {redacted_url(url)} is at schema {status.current}, this "
                    f"spsreg needs {status.head}: run `spsreg init` to upgrade it"
                )
        with Registry(engine) as registry:
            yield registry
    except OperationalError as error:
        raise fail(f"cannot open the database at {redacted_url(url)}: {error.orig}") from error
    finally:
        engine.dispose()

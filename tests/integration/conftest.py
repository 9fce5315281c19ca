"""Database fixtures: every store test runs on SQLite (a file) and on PostgreSQL.

PostgreSQL comes from ``SPSREG_TEST_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``). A fresh, uniquely named database is created
for the test session, migrated, and dropped at the end. An unreachable server fails the tests: it is
never a skip. Each test starts from empty tables (schema and schema_info kept).
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from spsreg.domain import Site
from spsreg.store import Actor, Registry, Role, create_engine_for, migrate
from spsreg.store.tables import SCHEMA_INFO, metadata
from spsreg.store.transactions import Clock

POSTGRES_URL_VARIABLE = "SPSREG_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

SITE_A = Site(id="SITE-A", name="Site A Neurology", country="GB")
SITE_B = Site(id="SITE-B", name="Site B Neuroimmunology", country="DE")


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("store") / "registry.sqlite3"
    engine = create_engine_for(f"sqlite:///{path}")
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database on the test server for this session; dropped afterwards."""
    server_url = os.environ.get(POSTGRES_URL_VARIABLE, DEFAULT_POSTGRES_URL)
    admin = create_engine_for(server_url, isolation_level="AUTOCOMMIT")
    name = f"spsreg_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        shown = make_url(server_url).render_as_string(hide_password=True)
        pytest.fail(
            f"PostgreSQL is unreachable at {shown} ({exc.orig}); start it or set "
            f"{POSTGRES_URL_VARIABLE}",
            pytrace=False,
        )
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_engine_for(postgres_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Engine:
    """A migrated database with empty tables, once per backend."""
    engine: Engine = request.getfixturevalue(f"{request.param}_engine")
    empty_tables(engine)
    return engine


def empty_tables(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            if table is not SCHEMA_INFO:
                connection.execute(delete(table))


def stepping_clock(start: datetime | None = None) -> Clock:
    """A deterministic clock: one second later at every call."""
    origin = start or datetime(2025, 1, 1, tzinfo=UTC)
    ticks = itertools.count()
    return lambda: origin + timedelta(seconds=next(ticks))


@pytest.fixture
def admin() -> Actor:
    return Actor("registry-admin", Role.ADMIN)


@pytest.fixture
def clinician_a() -> Actor:
    return Actor("dr-alpha", Role.CLINICIAN, "SITE-A")


@pytest.fixture
def clinician_b() -> Actor:
    return Actor("dr-beta", Role.CLINICIAN, "SITE-B")


@pytest.fixture
def registry(engine: Engine, admin: Actor) -> Registry:
    """A registry with sites SITE-A and SITE-B registered (two audit entries)."""
    registry = Registry(engine, clock=stepping_clock())
    registry.add_site(admin, SITE_A)
    registry.add_site(admin, SITE_B)
    return registry

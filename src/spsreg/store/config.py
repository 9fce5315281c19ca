"""Where the registry database lives and how connections to it are set up.

One clinic runs on an embedded SQLite file; a registry of many sites runs on PostgreSQL. The choice
is a URL: ``SPSREG_DATABASE_URL`` if set, otherwise a SQLite file in the user's data directory.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url

__all__ = [
    "DATABASE_FILE_NAME",
    "SQLITE_BUSY_TIMEOUT_SECONDS",
    "create_engine_for",
    "data_dir",
    "database_url_from_env",
    "read_only",
]

DATABASE_FILE_NAME = "spsreg.sqlite3"

SQLITE_BUSY_TIMEOUT_SECONDS = 30.0
"""How long a SQLite writer waits for another writer's transaction to finish before giving up.

Writers are serialised (``BEGIN IMMEDIATE``) and a patient import is one transaction, so a wait of a
few seconds is normal while another import commits; 30 s leaves room for a large record.
"""

_READ_ONLY_OPTION = "spsreg_read_only"


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The directory holding the embedded database, created if missing.

    ``SPSREG_HOME`` if set, else ``$XDG_DATA_HOME/spsreg``, else ``~/.local/share/spsreg``.
    """
    env = os.environ if environ is None else environ
    if env.get("SPSREG_HOME"):
        directory = Path(env["SPSREG_HOME"])
    elif env.get("XDG_DATA_HOME"):
        directory = Path(env["XDG_DATA_HOME"]) / "spsreg"
    else:
        directory = Path.home() / ".local" / "share" / "spsreg"
    directory = directory.expanduser()
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def database_url_from_env(environ: Mapping[str, str] | None = None) -> str:
    """``SPSREG_DATABASE_URL`` if set, else the embedded SQLite file in :func:`data_dir`."""
    env = os.environ if environ is None else environ
    url = env.get("SPSREG_DATABASE_URL", "").strip()
    if url:
        return url
    return f"sqlite:///{data_dir(env) / DATABASE_FILE_NAME}"


def create_engine_for(url: str, **engine_options: Any) -> Engine:
    """An Engine configured for the registry's durability and concurrency needs.

    SQLite: write-ahead log (readers never block the writer), ``synchronous=FULL`` (the WAL is
    synced at every commit, so a committed patient import survives a power cut, not only an
    application crash; ``NORMAL`` could lose the last commits), foreign keys enforced, a busy timeout,
    and every transaction opened with ``BEGIN IMMEDIATE`` so that writers queue for the write lock at
    the start instead of failing half-way with "database is locked" (the SQLAlchemy pysqlite recipe:
    the driver's own implicit BEGIN is switched off and SQLAlchemy emits ours). Connections marked
    :func:`read_only` open with a plain deferred ``BEGIN``: a reader then sees one consistent
    snapshot without queueing behind writers.

    PostgreSQL: ``postgresql://`` URLs are routed to psycopg 3 (``postgresql+psycopg://``).
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        elif parsed.drivername != "postgresql+psycopg":
            raise ValueError(
                f"unsupported PostgreSQL driver {parsed.drivername!r}: use postgresql+psycopg://"
            )
        engine_options.setdefault("pool_pre_ping", True)
        return create_engine(parsed, **engine_options)
    if backend != "sqlite":
        raise ValueError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")
    connect_args = dict(engine_options.pop("connect_args", {}))
    # The driver's timeout is SQLite's busy timeout: how long to wait for the write lock.
    connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_SECONDS)
    engine = create_engine(parsed, connect_args=connect_args, **engine_options)
    _configure_sqlite(engine)
    return engine


def read_only(connection: Connection) -> Connection:
    """Mark a connection (before its first statement) as a reader.

    On SQLite the transaction then starts with a deferred ``BEGIN``; on PostgreSQL it runs at
    REPEATABLE READ so that a record read with several queries is one consistent snapshot.
    """
    if connection.dialect.name == "postgresql":
        return connection.execution_options(
            isolation_level="REPEATABLE READ", **{_READ_ONLY_OPTION: True}
        )
    return connection.execution_options(**{_READ_ONLY_OPTION: True})


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Hand transaction control to SQLAlchemy: the driver must not emit its own BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(_READ_ONLY_OPTION):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

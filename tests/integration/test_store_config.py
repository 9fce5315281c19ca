"""Where the database lives, and the SQLite settings that make imports durable and writers queue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from spsreg.store import (
    Actor,
    Role,
    create_engine_for,
    data_dir,
    database_url_from_env,
    migrate,
    open_registry,
)
from spsreg.store.config import read_only


def test_database_url_comes_from_the_environment_first(tmp_path: Path) -> None:
    environ = {"SPSREG_DATABASE_URL": "postgresql://db/registry", "SPSREG_HOME": str(tmp_path)}
    assert database_url_from_env(environ) == "postgresql://db/registry"


def test_spsreg_home_holds_the_embedded_database(tmp_path: Path) -> None:
    home = tmp_path / "home" / "spsreg"
    url = database_url_from_env({"SPSREG_HOME": str(home), "XDG_DATA_HOME": str(tmp_path)})
    assert url == f"sqlite:///{home / 'spsreg.sqlite3'}"
    assert home.is_dir()


def test_xdg_data_home_is_used_without_spsreg_home(tmp_path: Path) -> None:
    assert data_dir({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "spsreg"
    assert (tmp_path / "spsreg").is_dir()


def test_home_directory_is_the_last_resort(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert data_dir({}) == tmp_path / ".local" / "share" / "spsreg"
    assert database_url_from_env({}).endswith("/.local/share/spsreg/spsreg.sqlite3")


def test_blank_database_url_falls_back_to_the_embedded_file(tmp_path: Path) -> None:
    url = database_url_from_env({"SPSREG_DATABASE_URL": "  ", "SPSREG_HOME": str(tmp_path)})
    assert url.startswith("sqlite:///")


@pytest.fixture
def sqlite_file_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'settings.sqlite3'}")
    yield engine
    engine.dispose()


def test_sqlite_connections_are_durable_and_enforce_foreign_keys(
    sqlite_file_engine: Engine,
) -> None:
    with sqlite_file_engine.connect() as connection:
        pragma = connection.exec_driver_sql
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert pragma("PRAGMA synchronous").scalar() == 2  # FULL
        assert pragma("PRAGMA foreign_keys").scalar() == 1
        assert pragma("PRAGMA busy_timeout").scalar() == 30_000


def test_sqlite_transactions_take_the_write_lock_at_begin(tmp_path: Path) -> None:
    """BEGIN IMMEDIATE: a second writer waits at its start instead of failing mid-transaction."""
    url = f"sqlite:///{tmp_path / 'locks.sqlite3'}"
    first = create_engine_for(url)
    impatient = create_engine_for(url, connect_args={"timeout": 0.05})
    try:
        with first.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
        with first.begin():  # holds the write lock without having written anything
            with pytest.raises(OperationalError, match="locked"), impatient.begin():
                pass
            # A reader is not blocked: it starts a deferred transaction on its snapshot.
            with impatient.connect() as reader:
                reader = read_only(reader)
                with reader.begin():
                    assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 0
    finally:
        first.dispose()
        impatient.dispose()


def test_a_failed_transaction_leaves_no_trace(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'atomic.sqlite3'}")
    try:
        migrate(engine)
        with pytest.raises(RuntimeError), engine.begin() as connection:
            connection.execute(text("INSERT INTO schema_info VALUES ('k', 'v')"))
            raise RuntimeError("fail midway")
        with engine.connect() as connection:
            keys = connection.execute(text("SELECT key FROM schema_info")).scalars().all()
        assert "k" not in keys
    finally:
        engine.dispose()


def test_postgresql_urls_use_psycopg_3() -> None:
    engine = create_engine_for("postgresql://user@localhost:1/none")
    try:
        assert engine.dialect.driver == "psycopg"
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "url", ["mysql://user@localhost/db", "postgresql+psycopg2://user@localhost/db"]
)
def test_unsupported_databases_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="unsupported"):
        create_engine_for(url)


def test_open_registry_migrates_the_configured_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SPSREG_DATABASE_URL", raising=False)
    monkeypatch.setenv("SPSREG_HOME", str(tmp_path))
    with open_registry() as registry:
        assert registry.engine.url.database == str(tmp_path / "spsreg.sqlite3")
        assert registry.list_sites(Actor("ops", Role.SYSTEM)) == []

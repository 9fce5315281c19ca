"""The packaged Alembic migrations build exactly the schema the code describes."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select

from spsreg.store import create_engine_for, migrate
from spsreg.store.migrate import SCHEMA_HEAD, alembic_config, packaged_head, schema_status
from spsreg.store.tables import SCHEMA_INFO, metadata


def test_migrations_build_exactly_the_table_metadata(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_migrated_database_is_at_head_and_describes_itself(engine: Engine) -> None:
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == "0006"
        info = dict(connection.execute(select(SCHEMA_INFO.c.key, SCHEMA_INFO.c.value)).all())
    assert info == {"schema_revision": "0006", "audit_hash_scheme": "sha256-canonical-json-v1"}


def test_migrating_a_current_database_changes_nothing(engine: Engine) -> None:
    before = sorted(inspect(engine).get_table_names())
    migrate(engine)
    assert sorted(inspect(engine).get_table_names()) == before
    assert set(metadata.tables) <= set(before)


def test_the_initial_migration_can_be_undone_and_redone(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'down.sqlite3'}")
    try:
        migrate(engine)
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        assert inspect(engine).get_table_names() == ["alembic_version"]
        migrate(engine)
        assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_schema_status_tells_a_new_database_from_a_current_one(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'status.sqlite3'}")
    try:
        fresh = schema_status(engine)
        assert (fresh.current, fresh.head, fresh.is_current) == (None, "0006", False)
        migrate(engine)
        assert schema_status(engine).is_current
    finally:
        engine.dispose()


def test_schema_status_of_the_test_databases(engine: Engine) -> None:
    assert schema_status(engine).current == "0006"


def test_the_declared_schema_head_is_the_newest_packaged_migration() -> None:
    assert packaged_head() == SCHEMA_HEAD

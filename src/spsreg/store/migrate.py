"""Upgrade a registry database to the current schema with the packaged Alembic migrations."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from spsreg.store.config import read_only

__all__ = ["MIGRATIONS_DIR", "SchemaStatus", "alembic_config", "migrate", "schema_status"]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    """An Alembic configuration pointing at the migrations shipped inside the package."""
    config = Config()
    # ConfigParser interpolation treats '%' specially; a path may contain one.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database behind ``engine`` to ``revision`` (default: the newest), in one
    transaction; already current databases are left as they are."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@dataclass(frozen=True)
class SchemaStatus:
    """The schema revision a database is at (``None``: never initialised) and the newest one
    this installation ships."""

    current: str | None
    head: str

    @property
    def is_current(self) -> bool:
        return self.current == self.head


def schema_status(engine: Engine) -> SchemaStatus:
    """Where the database stands, read without changing anything."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    with engine.connect() as connection:
        reader = read_only(connection)
        with reader.begin():
            current = MigrationContext.configure(reader).get_current_revision()
    return SchemaStatus(current=current, head=head)

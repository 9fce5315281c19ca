"""Upgrade a registry database to the current schema with the packaged Alembic migrations.

Alembic is imported when a migration or a schema check runs, not when the store is imported:
it costs about half a second of start-up that most commands never need.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from spsreg.store.config import read_only

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "MIGRATIONS_DIR",
    "SCHEMA_HEAD",
    "SchemaStatus",
    "alembic_config",
    "migrate",
    "packaged_head",
    "schema_status",
]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

SCHEMA_HEAD = "0006"
"""The newest migration; a test keeps it equal to the head Alembic finds in MIGRATIONS_DIR."""


def alembic_config() -> Config:
    """An Alembic configuration pointing at the migrations shipped inside the package."""
    from alembic.config import Config

    config = Config()
    # ConfigParser interpolation treats '%' specially; a path may contain one.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database behind ``engine`` to ``revision`` (default: the newest), in one
    transaction; already current databases are left as they are."""
    from alembic import command

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
    """Where the database stands, read without changing anything (and without Alembic, which
    every command would otherwise load just to ask)."""
    with engine.connect() as connection:
        reader = read_only(connection)
        with reader.begin():
            if not inspect(reader).has_table("alembic_version"):
                return SchemaStatus(current=None, head=SCHEMA_HEAD)
            current = reader.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return SchemaStatus(current=current, head=SCHEMA_HEAD)


def packaged_head() -> str:
    """The newest revision among the packaged migrations, as Alembic reads them."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return head

"""Alembic environment of the spsreg schema.

Programmatic use (:func:`spsreg.store.migrate.migrate`) passes an open connection in
``config.attributes["connection"]``; the ``alembic`` command line falls back to
``SPSREG_DATABASE_URL`` (or the embedded SQLite file).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from spsreg.store.config import create_engine_for, database_url_from_env
from spsreg.store.tables import metadata

config = context.config


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        # SQLite cannot ALTER most things in place; batch mode rebuilds tables when needed.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Write the SQL of the migrations instead of running them (``alembic upgrade --sql``)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url") or database_url_from_env(),
        target_metadata=metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    engine = create_engine_for(config.get_main_option("sqlalchemy.url") or database_url_from_env())
    try:
        with engine.begin() as new_connection:
            _configure_and_run(new_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

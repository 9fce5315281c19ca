"""What a registry must look like after an importer was killed: checks and fresh databases.

* :class:`FreshDatabases` hands out a new, migrated, empty registry database per crash case: a copy
  of a migrated SQLite file, or a PostgreSQL database created from a migrated template.
* :func:`check_registry` checks one database against the source records: storage integrity
  (SQLite's own checks, and no row whose foreign key points nowhere, on both databases), the
  audit chain, every stored patient equal to its source record as staff of its site see it
  (identifiers included), and exactly one ``create`` audit entry per stored patient.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

from sqlalchemy import Engine, and_, exists, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from spsreg.domain import PatientRecord, Site
from spsreg.store import Actor, Registry, Role, create_engine_for, migrate
from spsreg.store.audit import verify_audit_chain
from spsreg.store.config import read_only
from spsreg.store.registry import PATIENT_RECORD_ENTITY
from spsreg.store.tables import ACCESS_LOG, AUDIT_LOG, PATIENTS, SCHEMA_INFO, metadata

__all__ = ["FreshDatabases", "check_registry", "open_engine", "record_table_counts"]

_NOT_RECORD_TABLES = {AUDIT_LOG.name, ACCESS_LOG.name, SCHEMA_INFO.name}


def open_engine(url: str) -> Engine:
    """An engine that keeps no connection open between uses (nothing outlives a check)."""
    return create_engine_for(url, poolclass=NullPool)


class FreshDatabases:
    """New migrated registry databases on one backend, removed by :meth:`close`."""

    def __init__(self, backend: str, workdir: Path, postgres_url: str | None = None) -> None:
        self.backend = backend
        self._workdir = workdir
        self._created: list[str] = []
        if backend == "sqlite":
            self._template = workdir / "template.sqlite3"
            self._migrate(f"sqlite:///{self._template}")
            assert not Path(f"{self._template}-wal").exists(), "the template was not closed"
        else:
            assert postgres_url is not None
            self._server = make_url(postgres_url)
            self._template_name = self._create_database(None)
            self._migrate(self._url(self._template_name))

    def fresh(self) -> str:
        """The URL of a new, empty, migrated registry database."""
        if self.backend == "sqlite":
            path = self._workdir / f"registry-{uuid.uuid4().hex[:8]}.sqlite3"
            shutil.copyfile(self._template, path)
            return f"sqlite:///{path}"
        return self._url(self._create_database(self._template_name))

    def close(self) -> None:
        if self.backend == "sqlite":
            return
        admin = create_engine_for(self._url(None), isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with admin.connect() as connection:
            for name in [*self._created]:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    def _url(self, database: str | None) -> str:
        url = self._server if database is None else self._server.set(database=database)
        return url.render_as_string(hide_password=False)

    def _create_database(self, template: str | None) -> str:
        name = f"spsreg_crash_{uuid.uuid4().hex[:12]}"
        admin = create_engine_for(self._url(None), isolation_level="AUTOCOMMIT", poolclass=NullPool)
        suffix = "" if template is None else f' TEMPLATE "{template}"'
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
        admin.dispose()
        self._created.append(name)
        return name

    @staticmethod
    def _migrate(url: str) -> None:
        engine = open_engine(url)
        migrate(engine)
        engine.dispose()


def record_table_counts(url: str) -> dict[str, int]:
    """Rows per table of the registry's data (the logs and schema information left out)."""
    engine = open_engine(url)
    with engine.connect() as raw:
        connection = read_only(raw)
        counts = {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
            if table.name not in _NOT_RECORD_TABLES
        }
    engine.dispose()
    return counts


def check_registry(
    url: str, source: Mapping[str, PatientRecord], sites: Sequence[Site]
) -> frozenset[str]:
    """Check the database after a crash or a completed import; the ids of the stored patients.

    Raises ``AssertionError`` saying what is wrong.
    """
    engine = open_engine(url)
    try:
        _check_storage(engine)
        verification = verify_audit_chain(engine)
        assert verification.ok, f"audit chain broken: {verification}"
        with engine.connect() as raw:
            connection = read_only(raw)
            stored = connection.execute(select(PATIENTS.c.id)).scalars().all()
            created = connection.execute(
                select(AUDIT_LOG.c.patient_id).where(
                    AUDIT_LOG.c.entity_kind == PATIENT_RECORD_ENTITY,
                    AUDIT_LOG.c.action == "create",
                )
            ).scalars()
            created_ids = sorted(str(patient_id) for patient_id in created)
        assert set(stored) <= set(source), (
            f"patients not in the source: {set(stored) - set(source)}"
        )
        assert created_ids == sorted(stored), "audit 'create' entries do not match stored patients"
        loaded = _load_as_site_staff(engine, sites)
        assert sorted(loaded) == sorted(stored), "patients not readable by their site's staff"
        for patient_id, record in loaded.items():
            assert record == source[patient_id], f"{patient_id} differs from its source record"
        return frozenset(stored)
    finally:
        engine.dispose()


def _load_as_site_staff(engine: Engine, sites: Sequence[Site]) -> dict[str, PatientRecord]:
    """Every stored record, read by a coordinator of its site (who sees its identifiers)."""
    loaded: dict[str, PatientRecord] = {}
    registry = Registry(engine)
    for site in sites:
        staff = Actor("crash-check", Role.COORDINATOR, site.id)
        for record in registry.iter_patient_records(staff):
            assert record.patient.id not in loaded, f"{record.patient.id} read twice"
            loaded[record.patient.id] = record
    return loaded


def _check_storage(engine: Engine) -> None:
    """SQLite's integrity and foreign-key checks; on every backend, no dangling foreign key."""
    with engine.connect() as raw:
        connection = read_only(raw)
        if engine.dialect.name == "sqlite":
            integrity = connection.exec_driver_sql("PRAGMA integrity_check").scalars().all()
            assert integrity == ["ok"], f"SQLite integrity_check: {integrity}"
            dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            assert dangling == [], f"SQLite foreign_key_check: {dangling}"
        for table in metadata.sorted_tables:
            for constraint in table.foreign_key_constraints:
                parent = constraint.referred_table
                pairs = [(element.parent, element.column) for element in constraint.elements]
                orphans = connection.execute(
                    select(func.count())
                    .select_from(table)
                    .where(
                        and_(*(child.is_not(None) for child, _ in pairs)),
                        ~exists().where(and_(*(child == key for child, key in pairs))),
                    )
                ).scalar_one()
                assert orphans == 0, f"{orphans} rows of {table.name} point to no {parent.name}"

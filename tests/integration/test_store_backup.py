"""Backup and restore drills on SQLite and PostgreSQL: a registry with full records, accounts and
trials is backed up, restored into a fresh database (same and other backend) and found identical
(row counts, content hash, audit chain up to the backed-up head); a damaged backup and a
non-empty target are refused before anything is written; the content hash sees every value."""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from record_examples import full_record, minimal_record
from sqlalchemy import Boolean, Date, DateTime, Engine, Float, Integer, String, delete, text, update
from sqlalchemy.engine import make_url

from spsreg.domain import Site
from spsreg.ingest.ctgov import parse_ctgov
from spsreg.store import Actor, Registry, Role, create_engine_for, migrate, verify_audit_chain
from spsreg.store.accounts import LoginRefusal
from spsreg.store.backup import SQLITE_BACKUP_NAME, backup, restore
from spsreg.store.backup_manifest import MANIFEST_NAME, BackupError, BackupMethod
from spsreg.store.backup_rows import content_hash, registry_tables, scan_content
from spsreg.store.migrate import schema_status
from spsreg.store.tables import SCHEMA_INFO, JSONText, metadata
from spsreg.store.transactions import Clock

CTGOV = Path(__file__).resolve().parents[1] / "fixtures" / "ctgov"
ADMIN = Actor("registry-admin", Role.ADMIN)
PASSWORD = "a long clinic passphrase"
SITE_A = Site(id="SITE-A", name="Site A Neurology", country="GB")
SITE_B = Site(id="SITE-B", name="Site B Neuroimmunology", country="DE")


def stepping_clock(start: datetime | None = None) -> Clock:
    """One second later at every call (as in conftest), so equal histories hash equally."""
    ticks = itertools.count()
    origin = start or datetime(2025, 1, 1, tzinfo=UTC)
    return lambda: origin + timedelta(seconds=next(ticks))


def empty_tables(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            if table is not SCHEMA_INFO:
                connection.execute(delete(table))


def populate(registry: Registry) -> None:
    """Full records at both sites, accounts (with a failed login), trials."""
    for number, site in enumerate(["SITE-A", "SITE-B", "SITE-A"], start=1):
        registry.save_patient_record(ADMIN, full_record(f"p-{number:04d}", site), reason="import")
    registry.save_patient_record(ADMIN, minimal_record("p-0009", "SITE-B"), reason="import")
    registry.add_user(ADMIN, "dr.a", Role.CLINICIAN, PASSWORD, site_id="SITE-A")
    moment = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
    assert isinstance(registry.verify_login("dr.a", "wrong password", now=moment), LoginRefusal)
    page = json.loads((CTGOV / "page.json").read_text("utf-8"))
    for trial in parse_ctgov(page, source="page"):
        registry.save_trial(ADMIN, trial, "trial registry import")


@contextmanager
def fresh_database(backend: str, tmp_path: Path, server_url: str | None) -> Iterator[Engine]:
    """An empty, never initialised database (SQLite file, or a new database on the server)."""
    if backend == "sqlite":
        engine = create_engine_for(f"sqlite:///{tmp_path / f'target-{uuid.uuid4().hex[:8]}.db'}")
        yield engine
        engine.dispose()
        return
    assert server_url is not None
    name = f"spsreg_restore_{uuid.uuid4().hex[:12]}"
    admin = create_engine_for(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine_for(make_url(server_url).set(database=name).render_as_string(False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def server(request: pytest.FixtureRequest, *backends: str) -> str | None:
    return request.getfixturevalue("postgres_url") if "postgres" in backends else None


def assert_identical(restored: Engine, manifest_hash: str, source: Engine, head: Any) -> None:
    assert content_hash(restored) == manifest_hash == content_hash(source)
    check = verify_audit_chain(restored, expected_head=head)
    assert check.ok and check.head == head, check.problem


@pytest.mark.parametrize("logical", [False, True], ids=["native", "logical"])
def test_a_backup_restores_into_a_fresh_database_identically(
    registry: Registry,
    engine: Engine,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    logical: bool,
) -> None:
    populate(registry)
    manifest = backup(engine, tmp_path / "backup", logical=logical)
    backend = "sqlite" if engine.dialect.name == "sqlite" else "postgres"
    expected_method = "sqlite-file" if backend == "sqlite" and not logical else "logical"
    assert manifest.method is BackupMethod(expected_method)
    assert manifest.row_counts["patients"] == 4 and manifest.row_counts["trials"] >= 1
    assert manifest.row_counts["login_failures"] == 1 and manifest.audit_head.sequence > 6
    assert (tmp_path / "backup" / MANIFEST_NAME).is_file()

    with fresh_database(backend, tmp_path, server(request, backend)) as target:
        result = restore(tmp_path / "backup", target)

        assert result.row_counts == manifest.row_counts and result.replaced_rows == {}
        assert result.content_hash == manifest.content_hash
        assert result.audit.ok and result.audit.head == manifest.audit_head
        assert_identical(target, manifest.content_hash, engine, manifest.audit_head)
        # The restored registry works: new rows take fresh ids and extend the chain.
        restored = Registry(target, clock=stepping_clock(datetime(2026, 1, 1, tzinfo=UTC)))
        later = datetime(2026, 1, 1, tzinfo=UTC)
        assert isinstance(restored.verify_login("dr.a", "wrong again", now=later), LoginRefusal)
        restored.save_patient_record(ADMIN, minimal_record("p-0010"), reason="after restore")
        assert verify_audit_chain(target).ok


@pytest.mark.postgres
@pytest.mark.parametrize("source", ["sqlite", "postgres"])
def test_a_backup_restores_into_the_other_database_with_the_same_content_hash(
    source: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    engine: Engine = request.getfixturevalue(f"{source}_engine")
    empty_tables(engine)
    registry = Registry(engine, clock=stepping_clock())
    registry.add_site(ADMIN, SITE_A)
    registry.add_site(ADMIN, SITE_B)
    populate(registry)
    manifest = backup(engine, tmp_path / "backup")
    other = "postgres" if source == "sqlite" else "sqlite"
    with fresh_database(other, tmp_path, request.getfixturevalue("postgres_url")) as target:
        result = restore(tmp_path / "backup", target)
        assert result.content_hash == manifest.content_hash
        assert_identical(target, manifest.content_hash, engine, manifest.audit_head)


def test_a_damaged_backup_is_refused_before_anything_is_written(
    registry: Registry, engine: Engine, tmp_path: Path
) -> None:
    populate(registry)
    manifest = backup(engine, tmp_path / "backup")
    damaged = tmp_path / "backup" / manifest.files[-1].name
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged.write_bytes(bytes(data))
    target = create_engine_for(f"sqlite:///{tmp_path / 'target.db'}")
    try:
        with pytest.raises(BackupError, match=rf"damaged: {damaged.name} does not match"):
            restore(tmp_path / "backup", target)
        assert schema_status(target).current is None  # not even initialised
        damaged.unlink()
        with pytest.raises(BackupError, match=rf"{damaged.name} is listed .* but missing"):
            restore(tmp_path / "backup", target)
    finally:
        target.dispose()


def test_a_database_holding_data_is_replaced_only_when_forced(
    registry: Registry, engine: Engine, tmp_path: Path
) -> None:
    populate(registry)
    manifest = backup(engine, tmp_path / "backup")
    target = create_engine_for(f"sqlite:///{tmp_path / 'target.db'}")
    try:
        migrate(target)
        local = Registry(target)
        local.add_site(ADMIN, SITE_A)
        local.save_patient_record(ADMIN, minimal_record("p-other"), reason="local")
        before = content_hash(target)
        with pytest.raises(BackupError, match=r"already holds .* rows .*patients \(1\)"):
            restore(tmp_path / "backup", target)
        assert content_hash(target) == before
        result = restore(tmp_path / "backup", target, force=True)
        assert result.replaced_rows["patients"] == 1 and result.replaced_rows["audit_log"] == 2
        assert_identical(target, manifest.content_hash, engine, manifest.audit_head)
    finally:
        target.dispose()


def test_backup_refuses_a_folder_that_is_not_empty(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / SQLITE_BACKUP_NAME).write_text("old", encoding="utf-8")
    with pytest.raises(BackupError, match="not an empty folder"):
        backup(engine, tmp_path / "used")


@pytest.fixture(scope="module")
def small_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = create_engine_for(f"sqlite:///{tmp_path_factory.mktemp('hash') / 'r.db'}")
    migrate(engine)
    registry = Registry(engine, clock=stepping_clock())
    registry.add_site(ADMIN, SITE_A)
    registry.add_site(ADMIN, SITE_B)
    populate(registry)
    yield engine
    engine.dispose()


def stored_cells(engine: Engine) -> list[tuple[str, str, dict[str, Any], Any]]:
    """(table, column, primary key, value) of every stored non-key value."""
    cells = []
    with engine.connect() as connection:
        for table in registry_tables():
            keys = {c.name for c in table.primary_key.columns}
            key_like = keys | {c.name for c in table.c if c.foreign_keys}
            for row in connection.execute(table.select()).mappings():
                key = {name: row[name] for name in keys}
                cells += [
                    (table.name, c.name, key, row[c.name])
                    for c in table.c
                    if c.name not in key_like
                ]
    return cells


def other_value(column_type: Any, current: Any) -> st.SearchStrategy[Any]:
    if isinstance(column_type, JSONText):
        values: st.SearchStrategy[Any] = st.one_of(st.integers(), st.lists(st.text(max_size=3)))
    elif isinstance(column_type, Boolean):
        values = st.booleans()
    elif isinstance(column_type, Float):
        values = st.floats(allow_nan=False, allow_infinity=False)
    elif isinstance(column_type, Integer):
        values = st.integers(-1000, 1000)
    elif isinstance(column_type, DateTime):
        values = st.datetimes(timezones=st.just(UTC))
    elif isinstance(column_type, Date):
        values = st.dates()
    else:
        assert isinstance(column_type, String)
        values = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=9)
    return values.filter(lambda value: value != current)


@given(data=st.data())
def test_the_content_hash_changes_when_any_stored_value_changes(
    small_registry: Engine, data: st.DataObject
) -> None:
    cells = stored_cells(small_registry)
    name, column_name, key, current = data.draw(st.sampled_from(cells))
    table = next(t for t in registry_tables() if t.name == name)
    column = table.c[column_name]
    if isinstance(column.type, DateTime) and current is not None:
        current = current.replace(tzinfo=UTC)
    new = data.draw(other_value(column.type, current))
    if isinstance(column.type, JSONText):
        new = json.dumps(new)
    with small_registry.connect() as connection:
        original = scan_content(connection).hexdigest()
        connection.rollback()
        with connection.begin() as transaction:
            where = [table.c[k] == v for k, v in key.items()]
            connection.execute(update(table).where(*where).values({column_name: new}))
            changed = scan_content(connection).hexdigest()
            transaction.rollback()
    assert changed != original, (name, column_name, current, new)
    assert content_hash(small_registry) == original


def test_a_content_hash_is_the_same_for_equal_registries(tmp_path: Path) -> None:
    hashes = []
    for number in range(2):
        engine = create_engine_for(f"sqlite:///{tmp_path / f'{number}.db'}")
        migrate(engine)
        registry = Registry(engine, clock=stepping_clock())
        registry.add_site(ADMIN, SITE_A)
        registry.save_patient_record(ADMIN, full_record(), reason="import")
        hashes.append(content_hash(engine))
        engine.dispose()
    assert hashes[0] == hashes[1]
    assert len(hashes[0]) == 64

"""Back up the whole registry into a folder, and restore it, verified end to end (docs/backup.md).

A SQLite registry is copied with SQLite's online backup API (readers and writers carry on); a
PostgreSQL registry, or any registry with ``logical=True``, is exported as one JSON-lines file
per table from one consistent snapshot (:mod:`spsreg.store.backup_rows`). ``manifest.json`` is
written last (:mod:`spsreg.store.backup_manifest`).

A restore checks every file's checksum before anything is written, refuses a database that
already holds data unless forced, and loads all rows in one transaction; it then recomputes the
row counts and the content hash, compares them with the manifest and verifies the audit chain up
to the manifest's head (a mismatch rolls the load back). A logical backup, or a SQLite copy, may
be restored into either database; a SQLite copy restored into SQLite is copied back page by page.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, delete, func, select, text

from spsreg.store.audit import AuditVerification, audit_head, lock_audit_head, verify_audit_chain
from spsreg.store.backup_manifest import (
    MANIFEST_NAME,
    BackupError,
    BackupManifest,
    BackupMethod,
    file_sha256,
    read_manifest,
    verify_files,
)
from spsreg.store.backup_rows import (
    ContentDigest,
    decode_row,
    iter_encoded_lines,
    registry_tables,
    scan_content,
)
from spsreg.store.config import read_only
from spsreg.store.migrate import SCHEMA_HEAD, migrate, schema_status
from spsreg.store.tables import SCHEMA_INFO
from spsreg.store.transactions import Clock, iso_utc, utc_now

__all__ = ["SQLITE_BACKUP_NAME", "RestoreResult", "backup", "restore"]

SQLITE_BACKUP_NAME = "registry.sqlite3"
_INSERT_BATCH = 1000


@dataclass(frozen=True)
class RestoreResult:
    """A verified restore: what was loaded, what it replaced, and the audit chain's check."""

    manifest: BackupManifest
    row_counts: dict[str, int]
    content_hash: str
    audit: AuditVerification
    replaced_rows: dict[str, int] = field(default_factory=dict)


def backup(
    engine: Engine, out_dir: Path | str, *, logical: bool = False, clock: Clock = utc_now
) -> BackupManifest:
    """Back up the registry behind ``engine`` into ``out_dir`` (new or empty)."""
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupError(f"{out} already exists and is not an empty folder: choose a new one")
    _require_current_schema(schema_status(engine).current, "the database to back up")
    out.mkdir(parents=True, exist_ok=True)
    created_at = iso_utc(clock())
    if engine.dialect.name == "sqlite" and not logical:
        method = BackupMethod.SQLITE_FILE
        target = out / SQLITE_BACKUP_NAME
        _sqlite_copy(engine, target)
        with _sqlite_file_reader(target) as connection:
            digest, head = scan_content(connection), audit_head(connection)
        files = [file_sha256(target)]
    else:
        method = BackupMethod.LOGICAL
        digest, head, files = _logical_export(engine, out)
    manifest = BackupManifest(
        spsreg_version=_spsreg_version(),
        schema_revision=SCHEMA_HEAD,
        backend=engine.dialect.name,
        method=method,
        created_at=created_at,
        row_counts=digest.row_counts,
        files=tuple(files),
        audit_head=head,
        content_hash=digest.hexdigest(),
    )
    manifest.write(out)
    return manifest


def restore(manifest_dir: Path | str, engine: Engine, *, force: bool = False) -> RestoreResult:
    """Restore the backup in ``manifest_dir`` into the database behind ``engine``, verified.

    The target must be empty (or uninitialised: it is then created) unless ``force``, which
    replaces everything it holds (``RestoreResult.replaced_rows`` says what).
    """
    folder = Path(manifest_dir)
    manifest = read_manifest(folder)
    verify_files(folder, manifest)
    _check_layout(manifest)
    status = schema_status(engine)
    if status.current is None:
        migrate(engine)
    else:
        _require_current_schema(status.current, "the database to restore into")
    replaced = _stored_rows(engine)
    if replaced and not force:
        listed = ", ".join(f"{name} ({count})" for name, count in replaced.items())
        raise BackupError(
            f"the database already holds {sum(replaced.values())} rows ({listed}): restore into "
            "an empty database, or force the restore to replace everything it holds"
        )
    if manifest.method is BackupMethod.LOGICAL:
        result = _load(engine, manifest, lambda table: _file_lines(folder, table.name))
        return RestoreResult(manifest, *result, replaced_rows=replaced)
    source = folder / SQLITE_BACKUP_NAME
    with _sqlite_file_reader(source) as connection:
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        if revision != manifest.schema_revision:
            raise BackupError(f"{SQLITE_BACKUP_NAME} is at schema {revision}, not as listed")
        if engine.dialect.name != "sqlite":
            result = _load(engine, manifest, lambda table: iter_encoded_lines(connection, table))
            return RestoreResult(manifest, *result, replaced_rows=replaced)
        _compare(scan_content(connection), manifest, "the backup file")
    _sqlite_copy_back(source, engine)
    with engine.connect() as connection:
        reader = read_only(connection)
        with reader.begin():
            result = _verify(reader, manifest)
    return RestoreResult(manifest, *result, replaced_rows=replaced)


def _spsreg_version() -> str:
    try:
        return version("spsreg")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"


def _require_current_schema(current: str | None, what: str) -> None:
    if current is None:
        raise BackupError(f"{what} is not initialised: run `spsreg init` first")
    if current != SCHEMA_HEAD:
        raise BackupError(
            f"{what} is at schema {current}, this spsreg needs {SCHEMA_HEAD}: "
            "run `spsreg init` to upgrade it first"
        )


def _check_layout(manifest: BackupManifest) -> None:
    if manifest.schema_revision != SCHEMA_HEAD:
        raise BackupError(
            f"the backup is at schema {manifest.schema_revision}, this spsreg needs "
            f"{SCHEMA_HEAD}: restore it with spsreg {manifest.spsreg_version}, then upgrade "
            "with `spsreg init` and back up again"
        )
    names = [table.name for table in registry_tables()]
    if list(manifest.row_counts) != names:
        raise BackupError(f"{MANIFEST_NAME} does not list the tables of schema {SCHEMA_HEAD}")
    expected = (
        {f"{name}.jsonl" for name in names}
        if manifest.method is BackupMethod.LOGICAL
        else {SQLITE_BACKUP_NAME}
    )
    listed = {listed.name for listed in manifest.files}
    if listed != expected:
        missing = ", ".join(sorted(expected - listed)) or "none"
        raise BackupError(
            f"{MANIFEST_NAME} does not list the files of the backup (missing: {missing})"
        )


def _stored_rows(engine: Engine) -> dict[str, int]:
    """Tables that hold rows (schema_info, written by the migrations, does not count)."""
    counts: dict[str, int] = {}
    with engine.connect() as connection:
        reader = read_only(connection)
        with reader.begin():
            for table in registry_tables():
                if table is SCHEMA_INFO:
                    continue
                count = reader.execute(select(func.count()).select_from(table)).scalar_one()
                if count:
                    counts[table.name] = count
    return counts


def _sqlite_copy(engine: Engine, target: Path) -> None:
    """Copy a live SQLite registry with the online backup API into a self-contained file."""
    raw = engine.raw_connection()
    try:
        copy = sqlite3.connect(target)
        try:
            _driver(raw.driver_connection).backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one file, no write-ahead log beside it
        finally:
            copy.close()
    finally:
        raw.close()


def _sqlite_copy_back(source: Path, engine: Engine) -> None:
    raw = engine.raw_connection()
    try:
        destination = _driver(raw.driver_connection)
        backup_file = sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            backup_file.backup(destination)
        finally:
            backup_file.close()
        destination.execute("PRAGMA journal_mode=WAL")
    finally:
        raw.close()


def _driver(connection: Any) -> sqlite3.Connection:
    if not isinstance(connection, sqlite3.Connection):
        raise BackupError("the SQLite backup needs the standard sqlite3 driver")
    return connection


@contextmanager
def _sqlite_file_reader(path: Path) -> Iterator[Connection]:
    """A read-only connection to a backup's SQLite file (the file is never changed)."""
    uri = path.resolve().as_uri() + "?mode=ro"
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def _logical_export(engine: Engine, out: Path) -> tuple[ContentDigest, Any, list[Any]]:
    digest = ContentDigest()
    files = []
    with engine.connect() as connection:
        reader = read_only(connection)
        with reader.begin():
            if reader.dialect.name == "postgresql":
                reader.execute(text("SET TRANSACTION READ ONLY"))
            for table in registry_tables():
                path = out / f"{table.name}.jsonl"
                digest.start_table(table.name)
                with path.open("w", encoding="utf-8", newline="\n") as stream:
                    for line in iter_encoded_lines(reader, table):
                        stream.write(line + "\n")
                        digest.add_line(table.name, line)
                    stream.flush()
                    os.fsync(stream.fileno())
                files.append(file_sha256(path))
            head = audit_head(reader)
    return digest, head, files


def _file_lines(folder: Path, name: str) -> Iterator[str]:
    with (folder / f"{name}.jsonl").open(encoding="utf-8") as stream:
        for line in stream:
            yield line.rstrip("\n")


def _load(
    engine: Engine, manifest: BackupManifest, lines_of: Callable[[Any], Iterator[str]]
) -> tuple[dict[str, int], str, AuditVerification]:
    """Replace every row of the target with the backup's, in one transaction, then verify."""
    tables = registry_tables()
    with engine.begin() as connection:
        lock_audit_head(connection)  # queue behind (and hold off) the registry's writers
        for table in reversed(tables):
            connection.execute(delete(table))
        for table in tables:
            batch: list[dict[str, Any]] = []
            for line in lines_of(table):
                batch.append(decode_row(table, line))
                if len(batch) >= _INSERT_BATCH:
                    connection.execute(table.insert(), batch)
                    batch = []
            if batch:
                connection.execute(table.insert(), batch)
        if connection.dialect.name == "postgresql":
            _reset_sequences(connection)
        return _verify(connection, manifest)  # raising here rolls the whole load back


def _reset_sequences(connection: Connection) -> None:
    """Point PostgreSQL's id sequences past the loaded rows (the next insert must not collide)."""
    quote = connection.dialect.identifier_preparer.quote
    for table in registry_tables():
        column = table.autoincrement_column
        if column is None:
            continue
        connection.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:table, :column), "
                f"COALESCE((SELECT MAX({quote(column.name)}) FROM {quote(table.name)}), 0) + 1, "
                "false)"
            ),
            {"table": table.name, "column": column.name},
        )


def _verify(
    connection: Connection, manifest: BackupManifest
) -> tuple[dict[str, int], str, AuditVerification]:
    digest = scan_content(connection)
    _compare(digest, manifest, "the restored database")
    audit = verify_audit_chain(connection, expected_head=manifest.audit_head)
    if not audit.ok:
        raise BackupError(f"the restored audit chain does not verify: {audit.problem}")
    return digest.row_counts, digest.hexdigest(), audit


def _compare(digest: ContentDigest, manifest: BackupManifest, what: str) -> None:
    differing = [
        f"{name} ({digest.row_counts.get(name, 0)} rows, {count} expected)"
        for name, count in manifest.row_counts.items()
        if digest.row_counts.get(name, 0) != count
    ]
    if differing:
        raise BackupError(f"{what} does not match the manifest: {', '.join(differing)}")
    if digest.hexdigest() != manifest.content_hash:
        raise BackupError(f"{what} does not match the manifest's content hash")

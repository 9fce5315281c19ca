"""``spsreg backup`` and ``spsreg restore`` end to end: a generated registry backed up, restored
into another database (SQLite and PostgreSQL) with the same content hash and audit head, and the
refusals (a damaged backup, a database holding data without --force) on stderr with exit 1."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_harness import cli, cli_with_env, document
from sqlalchemy import text
from sqlalchemy.engine import make_url

from spsreg.store import create_engine_for
from spsreg.store.backup_rows import content_hash

COHORT = ["--patients", "4", "--sites", "2", "--years", "1", "--seed", "11"]


@pytest.fixture
def backed_up(tmp_path: Path) -> dict[str, object]:
    run = cli(tmp_path / "source")
    run("init")
    run("generate", *COHORT, "--format", "json")
    return document(run("backup", "--out", str(tmp_path / "b"), "--format", "json"), "backup")


def test_a_backup_restores_into_another_home_identically(
    tmp_path: Path, backed_up: dict[str, object]
) -> None:
    assert backed_up["method"] == "sqlite-file" and backed_up["folder"] == str(tmp_path / "b")
    run = cli(tmp_path / "target")

    restored = document(run("restore", str(tmp_path / "b"), "--format", "json"), "restore")

    for key in ("content_hash", "row_counts", "audit_head", "schema_revision"):
        assert restored[key] == backed_up[key], key
    assert restored["replaced_rows"] == {}
    engine = create_engine_for(f"sqlite:///{tmp_path / 'target' / 'spsreg.sqlite3'}")
    try:
        assert content_hash(engine) == backed_up["content_hash"]
    finally:
        engine.dispose()
    assert document(run("audit", "verify", "--format", "json"), "audit-verification")["ok"]
    assert "Restored" in run("restore", str(tmp_path / "b"), "--force").stdout


def test_restore_refuses_a_database_holding_data_and_a_damaged_backup(
    tmp_path: Path, backed_up: dict[str, object]
) -> None:
    run = cli(tmp_path / "source")
    refused = run("restore", str(tmp_path / "b"), code=1)
    assert refused.stdout == "" and "already holds" in refused.stderr
    assert "force the restore" in refused.stderr
    file = tmp_path / "b" / "registry.sqlite3"
    file.write_bytes(file.read_bytes()[:-1] + b"\x01")
    damaged = cli(tmp_path / "fresh")("restore", str(tmp_path / "b"), code=1)
    assert "registry.sqlite3 does not match its checksum" in damaged.stderr
    assert "nothing was restored" in damaged.stderr
    assert not (tmp_path / "fresh" / "spsreg.sqlite3").exists()  # not even created
    used = cli(tmp_path / "source")("backup", "--out", str(tmp_path / "b"), code=1)
    assert "not an empty folder" in used.stderr


@pytest.fixture
def new_postgres_url(postgres_url: str) -> Iterator[str]:
    name = f"spsreg_cli_restore_{uuid.uuid4().hex[:12]}"
    admin = create_engine_for(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.mark.postgres
def test_a_logical_sqlite_backup_restores_into_postgresql(
    tmp_path: Path, new_postgres_url: str
) -> None:
    run = cli(tmp_path / "source")
    run("init")
    run("generate", *COHORT, "--format", "json")
    logical = document(
        run("backup", "--out", str(tmp_path / "l"), "--logical", "-f", "json"), "backup"
    )
    assert logical["method"] == "logical" and len(logical["files"]) == len(logical["row_counts"])
    on_postgres = cli_with_env(
        {"SPSREG_HOME": str(tmp_path / "x"), "SPSREG_DATABASE_URL": new_postgres_url}
    )

    restored = document(on_postgres("restore", str(tmp_path / "l"), "-f", "json"), "restore")

    assert restored["content_hash"] == logical["content_hash"]
    assert restored["audit_head"] == logical["audit_head"]
    back = document(on_postgres("backup", "--out", str(tmp_path / "p"), "-f", "json"), "backup")
    assert back["content_hash"] == logical["content_hash"] and back["backend"] == "postgresql"

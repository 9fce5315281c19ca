"""``spsreg backup`` and ``spsreg restore``: the whole registry to a verified folder and back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from spsreg.cli.context import redacted_url
from spsreg.cli.output import FormatOption, OutputFormat, emit, fail, render_table
from spsreg.store import create_engine_for, database_url_from_env
from spsreg.store.backup import backup, restore
from spsreg.store.backup_manifest import BackupManifest
from spsreg.store.errors import StoreError

__all__ = ["register"]

_T = TypeVar("_T")


def _on_database(url: str, work: Callable[[Engine], _T], *, refused: str, unreachable: str) -> _T:
    """``work`` on the database at ``url``; a store or file refusal, or a database error, ends
    the command with ``refused: reason`` or ``unreachable <url>: reason``."""
    engine = create_engine_for(url)
    try:
        return work(engine)
    except (StoreError, OSError) as error:
        raise fail(f"{refused}: {error}") from error
    except SQLAlchemyError as error:
        raise fail(f"{unreachable} {redacted_url(url)}: {error}") from error
    finally:
        engine.dispose()


def register(app: typer.Typer) -> None:
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)


def backup_command(
    out: Annotated[
        Path, typer.Option("--out", help="new or empty folder to write the backup into")
    ],
    logical: Annotated[
        bool,
        typer.Option("--logical", help="SQLite: JSON-lines files instead of a database copy"),
    ] = False,
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Back up the whole registry into a folder, with a checksum manifest."""
    url = database_url_from_env()
    manifest = _on_database(
        url,
        lambda engine: backup(engine, out, logical=logical),
        refused="nothing was backed up",
        unreachable="cannot read the database at",
    )
    document = {
        "database": redacted_url(url),
        "folder": str(out),
        **_summary(manifest),
        "spsreg_version": manifest.spsreg_version,
        "created_at": manifest.created_at,
        "files": [{"name": f.name, "sha256": f.sha256, "bytes": f.bytes} for f in manifest.files],
    }
    lines = [
        f"Backed up {manifest.total_rows} rows of {redacted_url(url)} into {out} "
        f"({manifest.method.value}, schema {manifest.schema_revision}).",
        f"Content hash {manifest.content_hash}; audit head {manifest.audit_head.sequence}.",
    ]
    emit(output_format, "backup", document, tables=[_rows_table(manifest.row_counts)], lines=lines)


def restore_command(
    path: Annotated[Path, typer.Argument(help="the folder `spsreg backup` wrote")],
    force: Annotated[
        bool,
        typer.Option("--force", help="replace everything the database holds (else: refused)"),
    ] = False,
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Restore a backup into the configured database and verify it (counts, hash, audit)."""
    url = database_url_from_env()
    result = _on_database(
        url,
        lambda engine: restore(path, engine, force=force),
        refused="nothing was restored",
        unreachable="cannot restore into the database at",
    )
    document = {
        "database": redacted_url(url),
        "folder": str(path),
        **_summary(result.manifest),
        "audit_entries_checked": result.audit.entries_checked,
        "replaced_rows": result.replaced_rows,
    }
    lines = [
        f"Restored {result.manifest.total_rows} rows into {redacted_url(url)}: row counts and "
        f"content hash match the backup, audit chain verified up to entry "
        f"{result.manifest.audit_head.sequence}."
    ]
    if result.replaced_rows:
        lines.append(f"Replaced {sum(result.replaced_rows.values())} rows that were there before.")
    emit(output_format, "restore", document, tables=[_rows_table(result.row_counts)], lines=lines)


def _summary(manifest: BackupManifest) -> dict[str, Any]:
    return {
        "method": manifest.method.value,
        "backend": manifest.backend,
        "schema_revision": manifest.schema_revision,
        "row_counts": manifest.row_counts,
        "total_rows": manifest.total_rows,
        "content_hash": manifest.content_hash,
        "audit_head": {
            "sequence": manifest.audit_head.sequence,
            "hash": manifest.audit_head.hash,
        },
    }


def _rows_table(counts: dict[str, int]) -> Any:
    return render_table("Rows per table", ["table", "rows"], list(counts.items()))

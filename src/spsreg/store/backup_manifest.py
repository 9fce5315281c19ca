"""The manifest of a registry backup (``manifest.json``) and the check of the files it lists.

The manifest is written last, after every data file: a folder without one is an unfinished
backup. It names the format, the spsreg version and schema revision that wrote it, the database
it came from, the row count of every table, each file's SHA-256 and size, the head of the audit
chain and the content hash of the whole registry (:mod:`spsreg.store.backup_rows`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from spsreg.store.audit import AuditHead
from spsreg.store.errors import StoreError

__all__ = [
    "BACKUP_FORMAT",
    "BACKUP_FORMAT_VERSION",
    "MANIFEST_NAME",
    "BackupError",
    "BackupFile",
    "BackupManifest",
    "BackupMethod",
    "file_sha256",
    "read_manifest",
    "verify_files",
]

BACKUP_FORMAT = "spsreg-backup"
BACKUP_FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"


class BackupError(StoreError):
    """A backup could not be written, or a backup was refused for a restore."""


class BackupMethod(StrEnum):
    SQLITE_FILE = "sqlite-file"  # a copy of the SQLite database made with the online backup API
    LOGICAL = "logical"  # one JSON-lines file per table


@dataclass(frozen=True)
class BackupFile:
    name: str
    sha256: str
    bytes: int


@dataclass(frozen=True)
class BackupManifest:
    """What a backup holds; ``row_counts`` is in the order the tables are restored."""

    spsreg_version: str
    schema_revision: str
    backend: str
    method: BackupMethod
    created_at: str
    row_counts: dict[str, int]
    files: tuple[BackupFile, ...]
    audit_head: AuditHead
    content_hash: str
    format_version: int = BACKUP_FORMAT_VERSION

    @property
    def total_rows(self) -> int:
        return sum(self.row_counts.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "format": BACKUP_FORMAT,
            "format_version": self.format_version,
            "spsreg_version": self.spsreg_version,
            "schema_revision": self.schema_revision,
            "backend": self.backend,
            "method": self.method.value,
            "created_at": self.created_at,
            "row_counts": dict(self.row_counts),
            "files": [{"name": f.name, "sha256": f.sha256, "bytes": f.bytes} for f in self.files],
            "audit_head": {"sequence": self.audit_head.sequence, "hash": self.audit_head.hash},
            "content_hash": self.content_hash,
        }

    @classmethod
    def from_json(cls, data: Any) -> BackupManifest:
        if not isinstance(data, dict) or data.get("format") != BACKUP_FORMAT:
            raise BackupError(f"{MANIFEST_NAME} is not the manifest of an spsreg backup")
        if data.get("format_version") != BACKUP_FORMAT_VERSION:
            raise BackupError(
                f"the backup has format version {data.get('format_version')!r}; this spsreg "
                f"reads version {BACKUP_FORMAT_VERSION}"
            )
        try:
            head = data["audit_head"]
            return cls(
                spsreg_version=str(data["spsreg_version"]),
                schema_revision=str(data["schema_revision"]),
                backend=str(data["backend"]),
                method=BackupMethod(data["method"]),
                created_at=str(data["created_at"]),
                row_counts={str(k): int(v) for k, v in data["row_counts"].items()},
                files=tuple(
                    BackupFile(str(f["name"]), str(f["sha256"]), int(f["bytes"]))
                    for f in data["files"]
                ),
                audit_head=AuditHead(int(head["sequence"]), str(head["hash"])),
                content_hash=str(data["content_hash"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise BackupError(f"{MANIFEST_NAME} is incomplete or malformed ({error})") from error

    def write(self, folder: Path) -> None:
        text = json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"
        (folder / MANIFEST_NAME).write_text(text, encoding="utf-8")


def file_sha256(path: Path) -> BackupFile:
    """The checksum and size of one file of a backup folder."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return BackupFile(path.name, digest.hexdigest(), size)


def read_manifest(folder: Path) -> BackupManifest:
    """The manifest of the backup in ``folder``; a clear error if there is none or it is bad."""
    path = folder / MANIFEST_NAME
    if not folder.is_dir():
        raise BackupError(f"{folder} is not a folder: give the folder `spsreg backup` wrote")
    if not path.is_file():
        raise BackupError(
            f"{folder} has no {MANIFEST_NAME}: it is not a backup, or the backup did not finish"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError(f"{path} cannot be read as JSON ({error})") from error
    return BackupManifest.from_json(data)


def verify_files(folder: Path, manifest: BackupManifest) -> None:
    """Refuse, naming the file, if any listed file is missing or its size or SHA-256 differ."""
    for listed in manifest.files:
        path = folder / listed.name
        if Path(listed.name).name != listed.name or not path.is_file():
            raise BackupError(
                f"the backup is incomplete: {listed.name} is listed in {MANIFEST_NAME} but missing"
            )
        found = file_sha256(path)
        if (found.sha256, found.bytes) != (listed.sha256, listed.bytes):
            raise BackupError(
                f"the backup is damaged: {listed.name} does not match its checksum in "
                f"{MANIFEST_NAME} (nothing was restored)"
            )

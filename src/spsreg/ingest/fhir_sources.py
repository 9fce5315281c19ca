"""Reading FHIR R4 sources with their locations: Bundle JSON files and Bulk Data NDJSON files.

Every resource is kept with where it was read from, so that a problem can be reported at its
place: for a Bundle the file and the 1-based entry number (``line`` of the report), for NDJSON the
file and the physical line. Nothing here raises on bad content: a file that is not JSON, not a
Bundle, or a Bundle of a type that is not a set of resources becomes a :class:`RecordError`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from spsreg.ingest.errors import WHOLE_LINE, RecordError
from spsreg.ingest.strict_json import BadJson, json_kind, load_json

__all__ = [
    "BUNDLE_TYPES",
    "BundleUnit",
    "NdjsonLine",
    "SourceResource",
    "iter_ndjson",
    "list_sources",
    "read_bundle",
    "read_ndjson_resource",
]

BUNDLE_TYPES = frozenset({"transaction", "collection", "batch", "searchset"})
"""Bundle types that carry a set of resources to import (a ``document`` or ``message`` carries one
composition or event, a ``*-response`` the outcome of a request; neither is read)."""


@dataclass(frozen=True)
class SourceResource:
    """One resource with its place: ``line`` is the bundle entry number or the NDJSON line."""

    file: str
    line: int
    resource: dict[str, Any]
    full_url: str | None = None

    @property
    def resource_type(self) -> str:
        return str(self.resource.get("resourceType"))

    @property
    def resource_id(self) -> str | None:
        value = self.resource.get("id")
        return value if isinstance(value, str) and value else None

    @property
    def label(self) -> str:
        """``Type/id`` (or ``Type`` when it has no id), for reports."""
        rid = self.resource_id
        return f"{self.resource_type}/{rid}" if rid else self.resource_type


@dataclass
class BundleUnit:
    """The resources of one Bundle file, or the problems that stop it from being read."""

    file: str
    resources: list[SourceResource] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)


def list_sources(path: Path) -> tuple[list[Path], list[Path], list[Path]]:
    """Bundle files, NDJSON files and other files under ``path`` (a file or a directory)."""
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    bundles = [p for p in files if p.suffix.lower() == ".json"]
    ndjson = [p for p in files if p.suffix.lower() == ".ndjson"]
    others = [p for p in files if p.suffix.lower() not in (".json", ".ndjson")]
    if not path.is_dir() and others:  # a single file is read by its content, whatever its name
        first = _first_byte(path)
        (bundles if first == b"{" and _is_single_json(path) else ndjson).extend(others)
        others = []
    return bundles, ndjson, others


def _first_byte(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(4096).lstrip()[:1]


def _is_single_json(path: Path) -> bool:
    try:
        load_json(path.read_text(encoding="utf-8"))
    except (BadJson, UnicodeDecodeError):
        return False
    return True


def _entry_problem(source: str, number: int, reason: str) -> RecordError:
    return RecordError(source, number, WHOLE_LINE, f"bundle entry {number}: {reason}")


def read_bundle(path: Path) -> BundleUnit:
    """Read one Bundle file; ``errors`` says why it cannot be read (then ``resources`` is empty)."""
    source = str(path)
    unit = BundleUnit(source)

    def fail(reason: str, field_name: str = WHOLE_LINE) -> BundleUnit:
        unit.errors.append(RecordError(source, 0, field_name, reason))
        unit.resources.clear()
        return unit

    try:
        data = load_json(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        return fail("not valid UTF-8: FHIR JSON is UTF-8")
    except BadJson as exc:
        return fail(f"the file is {exc}")
    except RecursionError:
        return fail("not valid here: the JSON is nested too deeply")
    if not isinstance(data, dict):
        return fail(f"expected a FHIR Bundle (a JSON object), got {json_kind(data)}")
    kind = data.get("resourceType")
    if kind != "Bundle":
        shown = f"{kind!r}" if isinstance(kind, str) else "no resourceType"
        return fail(
            f"expected a FHIR Bundle, got {shown}: a .json file holds one Bundle "
            "(single resources go in Bulk Data .ndjson files)",
            "Bundle.resourceType",
        )
    bundle_type = data.get("type")
    if bundle_type not in BUNDLE_TYPES:
        return fail(
            f"Bundle.type {bundle_type!r} is not read: only "
            f"{', '.join(sorted(BUNDLE_TYPES))} Bundles carry resources to import",
            "Bundle.type",
        )
    entries = data.get("entry", [])
    if not isinstance(entries, list):
        return fail(f"Bundle.entry must be a list, got {json_kind(entries)}", "Bundle.entry")
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            unit.errors.append(
                _entry_problem(source, number, f"not an object ({json_kind(entry)})")
            )
            continue
        resource = entry.get("resource")
        if not isinstance(resource, dict):
            unit.errors.append(_entry_problem(source, number, "has no resource"))
            continue
        if not isinstance(resource.get("resourceType"), str):
            unit.errors.append(_entry_problem(source, number, "the resource has no resourceType"))
            continue
        full_url = entry.get("fullUrl")
        unit.resources.append(
            SourceResource(
                source, number, resource, full_url if isinstance(full_url, str) else None
            )
        )
    if unit.errors:
        unit.resources.clear()
    return unit


@dataclass(frozen=True)
class NdjsonLine:
    """One line of an NDJSON file: its resource, or why it is not one."""

    file: str
    line: int
    offset: int
    resource: dict[str, Any] | None
    problem: str | None = None


def _parse_line(raw: bytes) -> tuple[dict[str, Any] | None, str | None]:
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None, "not valid UTF-8: FHIR NDJSON is UTF-8"
    if not text:
        return None, None
    try:
        data = load_json(text.removeprefix("\ufeff"))
    except BadJson as exc:
        return None, str(exc)
    except RecursionError:
        return None, "not valid here: the JSON is nested too deeply"
    if not isinstance(data, dict):
        return None, f"expected one FHIR resource (a JSON object), got {json_kind(data)}"
    if not isinstance(data.get("resourceType"), str):
        return None, "the resource has no resourceType"
    if data["resourceType"] == "Bundle":
        return None, "a Bundle in an NDJSON file: NDJSON lines hold single resources"
    return data, None


def iter_ndjson(path: Path) -> Iterator[NdjsonLine]:
    """Each non-blank line of an NDJSON file with its byte offset (to read it again later)."""
    source = str(path)
    offset = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            resource, problem = _parse_line(raw)
            if resource is not None or problem is not None:
                yield NdjsonLine(source, number, offset, resource, problem)
            offset += len(raw)


def read_ndjson_resource(handle: BinaryIO, path: Path, offset: int) -> dict[str, Any]:
    """The resource on the line starting at ``offset`` (already read once without a problem)."""
    handle.seek(offset)
    resource, problem = _parse_line(handle.readline())
    if resource is None:
        raise OSError(f"{path} changed while it was being imported ({problem or 'blank line'})")
    return resource

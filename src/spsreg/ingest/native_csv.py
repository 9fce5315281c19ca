"""Reader of the native CSV tables (see :mod:`spsreg.export.native_csv`).

The reader regroups the long tables into one :class:`PatientRecord` per row of ``patients.csv``.
To do so it holds the directory's content in memory, grouped by patient (roughly the size of the
CSV text again, as small dicts and strings); for very large batches use the JSON-lines format,
which streams. Validation runs patient by patient while the batch is iterated.

A problem with the directory's layout rejects the whole batch (see :mod:`spsreg.ingest.csv_files`).
A problem in a row rejects the patient the row belongs to, reported with the file, line and column
the value came from; a row naming no known patient is reported on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from spsreg.domain.patient import Site
from spsreg.domain.record import PatientRecord
from spsreg.export.native_cells import ResponseType, decode_response
from spsreg.export.native_tables import TABLES, TABLES_BY_NAME, Table, TableKind
from spsreg.ingest.batch import NativeBatch, ParsedRecord, ReadResult
from spsreg.ingest.csv_files import (
    CsvRow,
    CsvSyntaxError,
    Manifest,
    TableText,
    read_manifest,
    read_table,
    unlisted_tables,
)
from spsreg.ingest.errors import WHOLE_LINE, RecordError, errors_from_validation

__all__ = ["read_native_csv"]

Loc = tuple[int | str, ...]

_EMPTY_CELL = "required, but the cell is empty"
_RESPONSE_PARENTS = frozenset(table.parent for table in TABLES if table.kind is TableKind.RESPONSES)


def read_native_csv(directory: Path) -> NativeBatch:
    """Read a native CSV directory; raises OSError only when it cannot be read at all."""
    if not directory.is_dir():
        raise NotADirectoryError(
            f"cannot read the native CSV directory {directory}: it is not a directory"
        )
    source = str(directory)
    manifest = read_manifest(directory)
    if isinstance(manifest, list):
        return NativeBatch(source, None, (), tuple(manifest), lambda: iter(()))
    layout_errors = unlisted_tables(directory, manifest)
    texts: list[TableText] = []
    for table in TABLES:
        if table.file in manifest.rows:
            text = read_table(directory, table.file)
            if isinstance(text, list):
                layout_errors.extend(text)
            else:
                texts.append(text)
    if layout_errors:
        return NativeBatch(
            source, manifest.format_version, (), tuple(layout_errors), lambda: iter(())
        )
    regrouper = _Regrouper()
    errors = regrouper.load(texts, manifest)
    if errors:
        return NativeBatch(source, manifest.format_version, (), tuple(errors), lambda: iter(()))
    return NativeBatch(
        source, manifest.format_version, tuple(regrouper.sites), (), regrouper.results
    )


@dataclass(frozen=True)
class _Origin:
    """Where an object or value of a record came from: its table row, and its column if one."""

    file: str
    line: int
    table: Table
    value_column: str | None = None

    def field_for(self, rest: Loc) -> str:
        """The column holding the part ``rest`` of the object from this row."""
        if self.value_column is not None:
            return "item_id" if rest == ("[key]",) else self.value_column
        if not rest:
            return WHOLE_LINE
        for column in self.table.columns:
            if column.source == rest:
                return column.name
        for column in self.table.columns:  # a missing nested object: name its first column
            if column.source is not None and column.source[: len(rest)] == rest:
                return column.name
        return WHOLE_LINE


@dataclass
class _Draft:
    """A patient record being assembled from the tables, with where each part came from."""

    patient_id: str
    file: str
    line: int
    data: dict[str, Any]
    origins: dict[Loc, _Origin]
    objects: dict[tuple[str, tuple[str, ...]], tuple[Loc, dict[str, Any], int]] = field(
        default_factory=dict
    )
    errors: list[RecordError] = field(default_factory=list)
    dropped: set[tuple[str, str]] = field(default_factory=set)  # (table, id) of rejected rows

    def problem(self, file: str, line: int, column: str, reason: str) -> None:
        self.errors.append(RecordError(file, line, column, reason, self.patient_id))

    def locate(self, loc: Loc) -> tuple[str, int, str]:
        for cut in range(len(loc), -1, -1):
            origin = self.origins.get(loc[:cut])
            if origin is not None:
                return origin.file, origin.line, origin.field_for(loc[cut:])
        return self.file, self.line, WHOLE_LINE


def _fill(target: dict[str, Any], table: Table, row: CsvRow) -> None:
    """Copy a row's own (non-inherited) cells into ``target``, nesting flattened values."""
    for column in table.columns:
        if column.source is None or not column.source:
            continue
        text = row.cells.get(column.name, "")
        if not text:
            continue  # empty means absent: the field's default applies
        node = target
        for attribute in column.source[:-1]:
            node = node.setdefault(attribute, {})
        node[column.source[-1]] = text


class _Regrouper:
    def __init__(self) -> None:
        self.sites: list[Site] = []
        self.drafts: dict[str, _Draft] = {}
        self.orphans: list[RecordError] = []

    def load(self, texts: list[TableText], manifest: Manifest) -> list[RecordError]:
        """Group every row under its patient; return problems that reject the whole batch."""
        errors: list[RecordError] = []
        for text in texts:
            count = 0
            try:
                for row in text.rows():
                    count += 1
                    self._row(text, row, errors)
            except CsvSyntaxError as exc:
                errors.append(RecordError(text.file, exc.line, WHOLE_LINE, f"not valid CSV: {exc}"))
                continue
            expected = manifest.rows.get(text.table.file)
            if expected is not None and expected != count:
                errors.append(
                    RecordError(
                        text.file,
                        0,
                        WHOLE_LINE,
                        f"the manifest says {expected} rows but the table has {count}: "
                        "it may be truncated; if it was edited on purpose, correct the "
                        "row count in manifest.json",
                    )
                )
        return errors

    def _row(self, text: TableText, row: CsvRow, errors: list[RecordError]) -> None:
        table = text.table
        if table.kind is TableKind.SITES:
            self._site(text, row, errors)
            return
        patient_id = row.cells.get("patient_id", "")
        if table.kind is TableKind.PATIENT:
            self._patient(text, row, patient_id)
            return
        draft = self.drafts.get(patient_id)
        if draft is None:
            reason = (
                f"patient {patient_id!r} is not in patients.csv"
                if patient_id
                else "patient_id is empty: the row cannot be given to a patient"
            )
            self.orphans.append(
                RecordError(text.file, row.line, "patient_id", reason, patient_id or None)
            )
            return
        if row.problem is not None:
            draft.problem(text.file, row.line, WHOLE_LINE, row.problem)
            self._drop(draft, table, row)
            return
        self._attach(draft, text, row)

    @staticmethod
    def _keys(table: Table, row: CsvRow) -> tuple[str, ...]:
        """The ids naming the row's parent objects (below the patient)."""
        return tuple(row.cells.get(column.name, "") for column in table.inherited_keys[1:])

    def _drop(self, draft: _Draft, table: Table, row: CsvRow) -> None:
        """Remember a rejected row, so that its children are not reported again as orphans."""
        if table.id_column is not None:
            draft.dropped.add((table.name, row.cells.get(table.id_column, "")))

    def _site(self, text: TableText, row: CsvRow, errors: list[RecordError]) -> None:
        if row.problem is not None:
            errors.append(RecordError(text.file, row.line, WHOLE_LINE, row.problem))
            return
        data: dict[str, Any] = {}
        _fill(data, text.table, row)
        origin = _Origin(text.file, row.line, text.table)
        try:
            site = Site.model_validate(data)
        except ValidationError as exc:
            errors.extend(
                errors_from_validation(
                    exc,
                    lambda loc: (origin.file, origin.line, origin.field_for(loc)),
                    patient_id=None,
                )
            )
            return
        if any(known.id == site.id for known in self.sites):
            errors.append(
                RecordError(text.file, row.line, "site_id", f"site {site.id!r} appears twice")
            )
            return
        self.sites.append(site)

    def _patient(self, text: TableText, row: CsvRow, patient_id: str) -> None:
        if not patient_id:
            self.orphans.append(
                RecordError(text.file, row.line, "patient_id", "patient_id is empty")
            )
            return
        known = self.drafts.get(patient_id)
        if known is not None:
            known.problem(
                text.file,
                row.line,
                "patient_id",
                f"patient {patient_id!r} appears twice (first on line {known.line})",
            )
            return
        patient: dict[str, Any] = {}
        _fill(patient, text.table, row)
        origin = _Origin(text.file, row.line, text.table)
        draft = _Draft(
            patient_id,
            text.file,
            row.line,
            {"patient": patient},
            {(): origin, ("patient",): origin},
        )
        self.drafts[patient_id] = draft
        if row.problem is not None:
            draft.problem(text.file, row.line, WHOLE_LINE, row.problem)

    def _parent(
        self, draft: _Draft, text: TableText, row: CsvRow
    ) -> tuple[Loc, dict[str, Any], tuple[str, ...]] | None:
        """The object a row hangs from (the record itself for a top-level section)."""
        table = text.table
        keys = self._keys(table, row)
        if table.parent is None:
            return (), draft.data, keys
        if (table.parent, keys[-1]) in draft.dropped:
            return None  # the parent row was rejected and reported: the patient is rejected
        for column, value in zip(table.inherited_keys[1:], keys, strict=True):
            if not value:
                draft.problem(text.file, row.line, column.name, _EMPTY_CELL)
                return None
        found = draft.objects.get((table.parent, keys))
        if found is None:
            parent = TABLES_BY_NAME[table.parent]
            draft.problem(
                text.file,
                row.line,
                table.inherited_keys[-1].name,
                f"no row in {parent.file} for {', '.join(keys)} of patient {draft.patient_id!r}",
            )
            return None
        loc, parent_data, _ = found
        return loc, parent_data, keys

    def _attach(self, draft: _Draft, text: TableText, row: CsvRow) -> None:
        table = text.table
        found = self._parent(draft, text, row)
        if found is None:
            self._drop(draft, table, row)
            return
        parent_loc, parent_data, keys = found
        if table.kind is TableKind.RESPONSES:
            self._response(draft, text, row, parent_loc, parent_data)
            return
        if table.kind is TableKind.VALUES:
            value_column = table.columns[-1].name
            value = row.cells.get(value_column, "")
            if not value:
                draft.problem(text.file, row.line, value_column, _EMPTY_CELL)
                return
            values = parent_data.setdefault(table.attribute, [])
            loc = (*parent_loc, table.attribute, len(values))
            draft.origins[loc] = _Origin(text.file, row.line, table, value_column)
            values.append(value)
            return
        item: dict[str, Any] = {}
        _fill(item, table, row)
        if table.kind is TableKind.SINGLE:
            if table.attribute in parent_data:
                draft.problem(
                    text.file,
                    row.line,
                    "patient_id",
                    f"{table.file} has more than one row for this patient",
                )
                return
            loc = (*parent_loc, table.attribute)
            parent_data[table.attribute] = item
        else:
            if table.id_column is not None and not self._register(draft, text, row, keys):
                return
            if table.name in _RESPONSE_PARENTS:
                item["responses"] = {}  # filled from its own table; an assessment may have none
            items = parent_data.setdefault(table.attribute, [])
            loc = (*parent_loc, table.attribute, len(items))
            items.append(item)
            if table.id_column is not None:
                own_id = row.cells.get(table.id_column, "")
                draft.objects[(table.name, (*keys, own_id))] = (loc, item, row.line)
        draft.origins[loc] = _Origin(text.file, row.line, table)

    def _register(
        self,
        draft: _Draft,
        text: TableText,
        row: CsvRow,
        keys: tuple[str, ...],
    ) -> bool:
        """Refuse a second row with the same id; children are attached to their parent by id."""
        table = text.table
        assert table.id_column is not None
        own_id = row.cells.get(table.id_column, "")
        known = draft.objects.get((table.name, (*keys, own_id)))
        if own_id and known is not None:
            draft.problem(
                text.file,
                row.line,
                table.id_column,
                f"{table.id_column} {own_id!r} appears twice for this patient "
                f"(first on line {known[2]})",
            )
            return False
        return True

    def _response(
        self,
        draft: _Draft,
        text: TableText,
        row: CsvRow,
        parent_loc: Loc,
        assessment: dict[str, Any],
    ) -> None:
        for column in ("scale_id", "scale_version"):
            given, expected = row.cells.get(column, ""), assessment.get(column, "")
            if given != expected:
                draft.problem(
                    text.file,
                    row.line,
                    column,
                    f"{given!r} does not match assessments.csv ({expected!r})",
                )
                return
        item_id = row.cells.get("item_id", "")
        if not item_id:
            draft.problem(text.file, row.line, "item_id", _EMPTY_CELL)
            return
        responses: dict[str, Any] = assessment["responses"]
        if item_id in responses:
            draft.problem(
                text.file,
                row.line,
                "item_id",
                f"item {item_id!r} is answered twice in this assessment",
            )
            return
        value_type = row.cells.get("value_type", "")
        try:
            kind = ResponseType(value_type)
        except ValueError:
            permitted = ", ".join(repr(member.value) for member in ResponseType)
            reason = f"value_type must be one of {permitted} (got {value_type!r})"
            draft.problem(text.file, row.line, "value_type", reason)
            return
        try:
            value = decode_response(kind, row.cells.get("value", ""))
        except ValueError as exc:
            draft.problem(text.file, row.line, "value", str(exc))
            return
        loc = (*parent_loc, "responses", item_id)
        draft.origins[loc] = _Origin(text.file, row.line, text.table, "value")
        responses[item_id] = value

    def results(self) -> Iterator[ReadResult]:
        for draft in self.drafts.values():
            errors = list(draft.errors)
            try:
                record = PatientRecord.model_validate(draft.data)
            except ValidationError as exc:
                errors.extend(
                    errors_from_validation(
                        exc, draft.locate, patient_id=draft.patient_id, missing=_EMPTY_CELL
                    )
                )
            else:
                if not errors:
                    yield ParsedRecord(draft.file, draft.line, record, draft.locate)
            yield from errors
        yield from self.orphans

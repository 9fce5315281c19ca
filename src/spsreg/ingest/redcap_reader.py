"""Reader of a REDCap project: records export (CSV), data dictionary and mapping file.

The three files are read and checked against each other before any patient is built: a mapping
that names a field the dictionary or the export does not have, maps an ``Identifier? = y`` field
to a pseudonymised registry field, or reads a field from a repeating instrument it is not on,
rejects the whole batch with the mapping file's line. Then each REDCap record becomes one patient
(all its rows: events, repeating instruments), imported whole or not at all; every export column
the mapping does not use is reported as unmapped, once, with the first line that has a value.
See docs/redcap.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from spsreg.ingest.batch import NativeBatch, ReadResult, UnmappedItem
from spsreg.ingest.errors import RecordError
from spsreg.ingest.redcap_assembly import Assembler
from spsreg.ingest.redcap_csv import CsvTable, read_csv_table
from spsreg.ingest.redcap_dictionary import DataDictionary, read_data_dictionary
from spsreg.ingest.redcap_mapping import FieldMap, LoadedMapping, load_mapping
from spsreg.ingest.redcap_records import EVENT, REPEAT_INSTRUMENT, SYSTEM_COLUMNS, group_rows

__all__ = ["EVENT_CATEGORY", "UNMAPPED_CATEGORY", "read_redcap_path"]

UNMAPPED_CATEGORY = "redcap-field"
EVENT_CATEGORY = "redcap-event"
_BOOKKEEPING = ("redcap_data_access_group", "redcap_survey_identifier")

Loc = tuple[int | str, ...]


def read_redcap_path(path: Path, *, dictionary: Path, mapping: Path, site_id: str) -> NativeBatch:
    """Read a REDCap records export into patients of ``site_id`` (which must be registered).

    Raises :class:`OSError` only when a file cannot be read at all; every other problem is a file
    error of the batch or a :class:`RecordError` of one patient.
    """
    source = str(path)
    loaded = load_mapping(mapping)
    data_dictionary = read_data_dictionary(dictionary)
    table = read_csv_table(path, "records export")
    errors = [
        *(loaded if isinstance(loaded, list) else []),
        *(data_dictionary if isinstance(data_dictionary, list) else []),
        *(table if isinstance(table, list) else []),
    ]
    if isinstance(loaded, list) or isinstance(data_dictionary, list) or isinstance(table, list):
        return _refused(source, errors)
    errors = _mapping_problems(loaded, data_dictionary, table)
    if errors:
        return _refused(source, errors)
    assembler = Assembler(table.file, loaded.mapping, data_dictionary, site_id)
    groups, orphans = group_rows(table, loaded.mapping.record_id)

    def results() -> Iterator[ReadResult]:
        yield from orphans
        for group in groups:
            assembled = assembler.assemble(group)
            if isinstance(assembled, list):
                yield from assembled
            else:
                yield assembled

    unmapped = _unmapped(loaded, data_dictionary, table)
    return NativeBatch(source, None, (), (), results, unmapped=tuple(unmapped))


def _refused(source: str, errors: list[RecordError]) -> NativeBatch:
    return NativeBatch(source, None, (), tuple(errors), lambda: iter(()))


def _mapped_fields(loaded: LoadedMapping) -> list[tuple[Loc, FieldMap, str | None]]:
    """Every field entry of the mapping: its location, entry and the repeating instrument."""
    found: list[tuple[Loc, FieldMap, str | None]] = []
    for loc, source in loaded.mapping.sources():
        found.extend(
            ((*loc, "fields", index), entry, source.instrument)
            for index, entry in enumerate(source.fields)
        )
        for number, assessment in enumerate(getattr(source, "assessments", ())):
            found.extend(
                ((*loc, "assessments", number, "items", index), item, source.instrument)
                for index, item in enumerate(assessment.items)
            )
    return found


def _mapping_problems(
    loaded: LoadedMapping, dictionary: DataDictionary, table: CsvTable
) -> list[RecordError]:
    """What makes the mapping unusable with this dictionary and export (with mapping lines)."""
    mapping = loaded.mapping
    errors: list[RecordError] = []
    header = set(table.header)
    if mapping.record_id not in header:
        errors.append(
            loaded.error(
                ("record_id",),
                f"the records export has no column {mapping.record_id!r} (set record_id to the "
                "project's record id field)",
            )
        )
    for loc, entry, instrument in _mapped_fields(loaded):
        spec = dictionary.fields.get(entry.field)
        where = (*loc, "field")
        if spec is None:
            errors.append(
                loaded.error(where, f"field {entry.field!r} is not in the data dictionary")
            )
            continue
        if not set(spec.export_columns()) & header:
            errors.append(
                loaded.error(where, f"field {entry.field!r} is not in the records export")
            )
        if spec.field_type == "checkbox":
            errors.append(
                loaded.error(
                    where,
                    f"{entry.field!r} is a checkbox field: map its choices under comorbidities",
                )
            )
        if spec.identifier and loc[0] != "identifiers":
            errors.append(
                loaded.error(
                    where,
                    f"field {entry.field!r} is an identifier (Identifier? = y in the data "
                    "dictionary): it may map only to identifiers, which stay at the site, or "
                    "stay unmapped",
                )
            )
        if instrument is not None and spec.form != instrument:
            errors.append(
                loaded.error(
                    where,
                    f"field {entry.field!r} is on form {spec.form!r}, not on the repeating "
                    f"instrument {instrument!r}",
                )
            )
    for index, comorbidity in enumerate(mapping.comorbidities):
        spec = dictionary.fields.get(comorbidity.field)
        where = ("comorbidities", index, "field")
        if spec is None or spec.field_type != "checkbox":
            errors.append(
                loaded.error(
                    where, f"{comorbidity.field!r} is not a checkbox field of the data dictionary"
                )
            )
        elif not set(spec.export_columns()) & header:
            errors.append(
                loaded.error(where, f"field {comorbidity.field!r} is not in the records export")
            )
        elif spec.identifier:
            errors.append(
                loaded.error(
                    where, f"field {comorbidity.field!r} is an identifier (Identifier? = y)"
                )
            )
    errors.extend(_place_problems(loaded, dictionary, table))
    unique: dict[tuple[int, str], RecordError] = {}
    for error in errors:  # a YAML alias repeats entries: report each written line once
        unique.setdefault((error.line, error.reason), error)
    return list(unique.values())


def _place_problems(
    loaded: LoadedMapping, dictionary: DataDictionary, table: CsvTable
) -> list[RecordError]:
    """Repeating instruments that are not forms; events named for an export without events.

    An event of the mapping that no row has is not a problem: no patient has reached it yet."""
    errors: list[RecordError] = []
    places: list[tuple[Loc, str | None, str | None]] = [
        (loc, source.event, source.instrument) for loc, source in loaded.mapping.sources()
    ]
    places.extend(
        (("comorbidities", index), entry.event, None)
        for index, entry in enumerate(loaded.mapping.comorbidities)
    )
    for loc, event, instrument in places:
        if instrument is not None and instrument not in dictionary.forms:
            errors.append(
                loaded.error(
                    (*loc, "instrument"),
                    f"{instrument!r} is not a form of the data dictionary "
                    f"({', '.join(dictionary.forms)})",
                )
            )
        if event is not None and EVENT not in table.header:
            errors.append(
                loaded.error(
                    (*loc, "event"),
                    f"the records export has no {EVENT} column: it is not longitudinal",
                )
            )
    return errors


def _unmapped(
    loaded: LoadedMapping, dictionary: DataDictionary, table: CsvTable
) -> list[UnmappedItem]:
    """Each export column (a checkbox field once) the mapping does not use, then the rows no
    section reads."""
    used = {loaded.mapping.record_id, *SYSTEM_COLUMNS}
    for _, entry, _ in _mapped_fields(loaded):
        used.update(dictionary.fields[entry.field].export_columns())
    for comorbidity in loaded.mapping.comorbidities:
        used.update(dictionary.fields[comorbidity.field].export_columns())
    owners = dictionary.column_owner()
    items: dict[str, UnmappedItem] = {}
    for column in table.header:
        if column in used:
            continue
        name = owners.get(column, column)
        if name in items:
            continue
        columns = [c for c in table.header if owners.get(c, c) == name]
        line = next((row.line for row in table.rows if any(row.cells.get(c) for c in columns)), 1)
        items[name] = UnmappedItem(
            table.file, line, UNMAPPED_CATEGORY, name, _reason(name, dictionary)
        )
    return [*items.values(), *_unused_rows(loaded, table)]


def _unused_rows(loaded: LoadedMapping, table: CsvTable) -> list[UnmappedItem]:
    """Rows of an event (or repeating instrument) that no section of the mapping reads, once
    per event and instrument with the first line: their values reach no registry field."""
    mapping = loaded.mapping
    places = {(source.event, source.instrument) for _, source in mapping.sources()}
    places.update((entry.event, None) for entry in mapping.comorbidities)
    first: dict[tuple[str, str], int] = {}
    for row in table.rows:
        event, instrument = row.cells.get(EVENT, ""), row.cells.get(REPEAT_INSTRUMENT, "")
        wanted = instrument or None
        if not any(i == wanted and e in (None, event) for e, i in places):
            first.setdefault((event, instrument), row.line)
    return [
        UnmappedItem(
            table.file,
            line,
            EVENT_CATEGORY,
            (event or "(no event)")
            + (f", repeating instrument {instrument}" if instrument else ""),
            "no section of the mapping reads these rows",
        )
        for (event, instrument), line in first.items()
    ]


def _reason(name: str, dictionary: DataDictionary) -> str:
    spec = dictionary.fields.get(name)
    if spec is not None:
        return f"not used by the mapping (form {spec.form}: {spec.label[:80]})"
    form = name.removesuffix("_complete")
    if form != name and form in dictionary.forms:
        return f"completion status of form {form}, which the registry does not keep"
    if name in _BOOKKEEPING or name.endswith("_timestamp"):
        return "REDCap bookkeeping column, which the registry does not keep"
    return "not in the data dictionary, and not used by the mapping"

"""Building one patient record from the rows of one REDCap record, as the mapping says.

Each cell is read by :mod:`spsreg.ingest.redcap_values`. Every value keeps the line and REDCap
field it came from, so that a problem found by the domain model or by the knowledge-pack checks
is reported at the records file's line and field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from spsreg.domain.record import PatientRecord
from spsreg.ingest.batch import ParsedRecord
from spsreg.ingest.errors import WHOLE_LINE, RecordError, errors_from_validation, path_from_loc
from spsreg.ingest.redcap_dictionary import DataDictionary, checkbox_column
from spsreg.ingest.redcap_mapping import MappingFile, Source
from spsreg.ingest.redcap_records import (
    RecordRows,
    RedcapRow,
    patient_id_for,
    pseudonym_for,
    stable_id,
)
from spsreg.ingest.redcap_values import Rejected, read_value

__all__ = ["Assembler"]

Loc = tuple[int | str, ...]
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_SECTION_TAGS = {
    "visits": "visit",
    "lab_results": "lab",
    "medication_courses": "med",
    "adverse_events": "ae",
}


@dataclass
class _Draft:
    patient_id: str
    file: str
    line: int
    origins: dict[Loc, tuple[int, str]] = field(default_factory=dict)
    problems: list[RecordError] = field(default_factory=list)

    def reject(self, line: int, field_name: str, reason: str) -> None:
        self.problems.append(RecordError(self.file, line, field_name, reason, self.patient_id))

    def locate(self, loc: Loc) -> tuple[str, int, str]:
        for cut in range(len(loc), -1, -1):
            origin = self.origins.get(loc[:cut])
            if origin is not None:
                return self.file, origin[0], origin[1]
        return self.file, self.line, WHOLE_LINE

    def locate_field(self, loc: Loc) -> tuple[str, int, str]:
        """As :meth:`locate`, naming the registry field when no REDCap field holds it (a
        required value the mapping does not give, a rule across several fields)."""
        file, line, column = self.locate(loc)
        return file, line, path_from_loc(loc) if column == WHOLE_LINE else column


@dataclass(frozen=True)
class Assembler:
    """Turns the rows of each REDCap record into a :class:`ParsedRecord` or its problems."""

    file: str
    mapping: MappingFile
    dictionary: DataDictionary
    site_id: str

    def assemble(self, record: RecordRows) -> ParsedRecord | list[RecordError]:
        draft = _Draft(patient_id_for(self.site_id, record.record), self.file, record.line)
        for line, column, reason in record.problems:
            draft.reject(line, column, reason)
        data: dict[str, Any] = {}
        try:
            data["patient"] = self._patient(draft, record)
            identifiers = self._single(
                draft, record.rows, self.mapping.identifiers, ("identifiers",)
            )
            if identifiers:
                data["identifiers"] = identifiers
                if "birth_year_month" not in data["patient"] and "date_of_birth" in identifiers:
                    data["patient"]["birth_year_month"] = str(identifiers["date_of_birth"])[:7]
                    draft.origins[("patient", "birth_year_month")] = draft.origins[
                        ("identifiers", "date_of_birth")
                    ]
            for section in _SECTION_TAGS:
                data[section] = self._section(draft, record.rows, section)
            data["comorbidities"] = self._comorbidities(draft, record.rows)
        except Rejected as rejected:
            draft.reject(rejected.line, rejected.field_name, rejected.reason)
        if draft.problems:
            return draft.problems
        try:
            built = PatientRecord.model_validate(data)
        except ValidationError as exc:
            return errors_from_validation(exc, draft.locate_field, patient_id=draft.patient_id)
        return ParsedRecord(self.file, record.line, built, locate=draft.locate)

    # ------------------------------------------------------------------ values

    def _fill(
        self, draft: _Draft, row: RedcapRow, source: Source, loc: Loc, target: dict[str, Any]
    ) -> bool:
        """Put the row's mapped values into ``target``; True when any field had a value."""
        found = False
        for entry in source.fields:
            value = read_value(self.dictionary, row, entry)
            if value is None:
                continue
            found = True
            parts = entry.to.split(".")
            node = target
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = value
            draft.origins[(*loc, *parts)] = (row.line, entry.field)
        return found

    # ------------------------------------------------------------------ sections

    def _single(
        self, draft: _Draft, rows: list[RedcapRow], source: Source | None, loc: Loc
    ) -> dict[str, Any]:
        """A section read once per patient: the first value of each field in the record's
        non-repeating rows (of the source's event, when it names one)."""
        if source is None:
            return {}
        target: dict[str, Any] = {}
        for row in rows:
            if row.instrument is None and source.event in (None, row.event):
                partial: dict[str, Any] = {}
                origins_before = dict(draft.origins)
                self._fill(draft, row, source, loc, partial)
                for key, value in partial.items():
                    if key in target:
                        draft.origins[(*loc, key)] = origins_before[(*loc, key)]
                    else:
                        target[key] = value
        if target:
            for key, value in source.constants.items():
                target.setdefault(key, value)
        return target

    def _patient(self, draft: _Draft, record: RecordRows) -> dict[str, Any]:
        patient = self._single(draft, record.rows, self.mapping.patient, ("patient",))
        for key, value in self.mapping.patient.constants.items():
            patient.setdefault(key, value)
        if "birth_year" in patient or "birth_month" in patient:
            patient["birth_year_month"] = self._year_month(draft, patient)
        elif "birth_year_month" in patient:
            value = str(patient["birth_year_month"])
            if re.match(r"^\d{4}-\d{2}-\d{2}$", value):
                patient["birth_year_month"] = value[:7]
        patient.update(
            id=draft.patient_id,
            pseudonym=pseudonym_for(self.site_id, record.record),
            site_id=self.site_id,
        )
        draft.origins[("patient",)] = (record.line, WHOLE_LINE)
        return patient

    @staticmethod
    def _year_month(draft: _Draft, patient: dict[str, Any]) -> str:
        parts = []
        for name, low, high in (("birth_year", 1900, 2100), ("birth_month", 1, 12)):
            line, column = draft.origins.get(("patient", name), (draft.line, name))
            value = str(patient.pop(name, ""))
            if not value.isdigit() or not low <= int(value) <= high:
                raise Rejected(
                    line, column, f"{value!r} is not a {name.replace('_', ' ')} ({low}-{high})"
                )
            parts.append(int(value))
        draft.origins[("patient", "birth_year_month")] = draft.origins.get(
            ("patient", "birth_year"), (draft.line, WHOLE_LINE)
        )
        return f"{parts[0]:04d}-{parts[1]:02d}"

    def _section(self, draft: _Draft, rows: list[RedcapRow], section: str) -> list[dict[str, Any]]:
        objects: list[dict[str, Any]] = []
        sources: tuple[Source, ...] = getattr(self.mapping, section)
        for number, source in enumerate(sources, start=1):
            for row in rows:
                if row.instrument != source.instrument or source.event not in (None, row.event):
                    continue
                loc: Loc = (section, len(objects))
                found: dict[str, Any] = {}
                origins_before = dict(draft.origins)
                any_value = self._fill(draft, row, source, loc, found)
                assessments = self._assessments(draft, row, source, loc)
                if not any_value and not assessments:
                    draft.origins = origins_before
                    continue
                for key, value in source.constants.items():
                    parts = key.split(".")
                    node = found
                    for part in parts[:-1]:
                        node = node.setdefault(part, {})
                    node.setdefault(parts[-1], value)
                tag = _SECTION_TAGS[section] + (str(number) if len(sources) > 1 else "")
                found["id"] = stable_id(
                    draft.patient_id, tag, row.event, row.instrument, row.instance
                )
                if assessments:
                    found["assessments"] = assessments
                draft.origins[loc] = (row.line, WHOLE_LINE)
                objects.append(found)
        return objects

    def _assessments(
        self, draft: _Draft, row: RedcapRow, source: Source, loc: Loc
    ) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for assessment in getattr(source, "assessments", ()):
            here: Loc = (*loc, "assessments", len(found))
            responses: dict[str, Any] = {}
            for item in assessment.items:
                value = read_value(self.dictionary, row, item)
                if isinstance(value, str) and _NUMBER.match(value):
                    value = float(value) if "." in value else int(value)
                responses[item.to] = value
                draft.origins[(*here, "responses", item.to)] = (row.line, item.field)
            if any(value is not None for value in responses.values()):
                draft.origins[here] = (row.line, WHOLE_LINE)
                found.append(
                    {
                        "id": stable_id(
                            draft.patient_id,
                            assessment.scale,
                            row.event,
                            row.instrument,
                            row.instance,
                        ),
                        "scale_id": assessment.scale,
                        "scale_version": assessment.version,
                        "responses": responses,
                    }
                )
        return found

    def _comorbidities(self, draft: _Draft, rows: list[RedcapRow]) -> list[dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for entry in self.mapping.comorbidities:
            spec = self.dictionary.fields[entry.field]
            for row in rows:
                if row.instrument is not None or entry.event not in (None, row.event):
                    continue
                for code, label in spec.choices.items():
                    column = checkbox_column(entry.field, code)
                    ticked = row.cells.get(column, "")
                    if ticked not in ("", "0", "1"):
                        raise Rejected(
                            row.line, column, f"{ticked!r} is not a checkbox value (0 or 1)"
                        )
                    if ticked != "1":
                        continue
                    kind = entry.values.get(code)
                    if kind is None:
                        raise Rejected(
                            row.line,
                            column,
                            f"choice {code} ({label}) has no comorbidity kind in the mapping's values",
                        )
                    if kind.value not in found:
                        draft.origins[("comorbidities", len(found))] = (row.line, column)
                        found[kind.value] = {
                            "id": stable_id(draft.patient_id, "comorbidity", kind.value),
                            "kind": kind.value,
                        }
        return list(found.values())

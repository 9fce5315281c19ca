"""The mapping file: which REDCap fields fill which registry fields (docs/redcap.md).

The mapping is a YAML file the site edits. It is validated as a whole before any record is read;
every problem is reported with the mapping file's line, so it can be fixed where it is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from spsreg.domain.adverse_events import AdverseEvent, AdverseEventAction, AdverseEventOutcome
from spsreg.domain.assessments import Visit, VisitKind
from spsreg.domain.labs import LabResult, QualitativeResult
from spsreg.domain.medications import DosingSchedule, MedicationCourse, StopReason
from spsreg.domain.patient import Patient, PatientIdentifiers, Sex, VitalStatus
from spsreg.ingest.errors import RecordError, describe_error, path_from_loc
from spsreg.knowledge.vocabulary import (
    AssayMethod,
    ComorbidityKind,
    DoseUnit,
    Phenotype,
    Route,
    Specimen,
    TherapyIntent,
)

__all__ = ["FieldMap", "LoadedMapping", "MappingFile", "Source", "load_mapping"]

Loc = tuple[int | str, ...]
Constant = str | int | float | bool
_NOT_TARGETS = {
    "id",
    "assessments",
    "suspected_course_ids",
    "previous_course_id",
    "dose",
    "pseudonym",
    "site_id",
}
"""Registry fields a mapping cannot fill: ids the import derives, nested objects, references."""


def _targets(*models: type[BaseModel], extra: tuple[str, ...] = ()) -> frozenset[str]:
    names = {name for model in models for name in model.model_fields}
    return frozenset((names - _NOT_TARGETS) | set(extra))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldMap(_Strict):
    """One REDCap field and the registry field it fills, with an optional code -> value map."""

    field: str = Field(min_length=1)
    to: str = Field(min_length=1)
    values: dict[str, Constant] | None = None

    @field_validator("values", mode="before")
    @classmethod
    def _codes_as_text(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(code): target for code, target in value.items()}
        return value


class Source(_Strict):
    """Where a section's objects come from: rows of an event and/or a repeating instrument."""

    TARGETS: ClassVar[frozenset[str]] = frozenset()
    REQUIRED: ClassVar[tuple[str, ...]] = ()
    event: str | None = None
    instrument: str | None = None
    fields: tuple[FieldMap, ...] = ()
    constants: dict[str, Constant] = Field(default_factory=dict)


class PatientSource(Source):
    TARGETS = _targets(Patient, extra=("birth_year", "birth_month"))
    REQUIRED = ("sex",)
    instrument: None = None


class IdentifierSource(Source):
    TARGETS = _targets(PatientIdentifiers)
    REQUIRED = ("given_name", "family_name", "hospital_number", "date_of_birth")
    instrument: None = None


class AssessmentMap(_Strict):
    scale: str = Field(min_length=1)
    version: str = Field(min_length=1)
    items: tuple[FieldMap, ...] = Field(min_length=1)

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: Any) -> Any:
        return (
            str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
        )


class VisitSource(Source):
    TARGETS = _targets(Visit)
    REQUIRED = ("visit_date",)
    assessments: tuple[AssessmentMap, ...] = ()


class LabSource(Source):
    TARGETS = _targets(LabResult)
    REQUIRED = ("analyte", "collected_on", "specimen", "method")


class MedicationSource(Source):
    TARGETS = _targets(MedicationCourse, extra=("dose.value", "dose.unit"))
    REQUIRED = ("drug_id", "route", "intent", "schedule", "dose.value", "dose.unit", "start_date")


class AdverseEventSource(Source):
    TARGETS = _targets(AdverseEvent)
    REQUIRED = ("term", "grade", "onset_date")


class ComorbidityMap(_Strict):
    """A checkbox field whose ticked choices are comorbidities (code -> comorbidity kind)."""

    field: str = Field(min_length=1)
    event: str | None = None
    values: dict[str, ComorbidityKind]

    @field_validator("values", mode="before")
    @classmethod
    def _codes_as_text(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(code): target for code, target in value.items()}
        return value


class MappingFile(_Strict):
    """The whole mapping file (docs/redcap.md lists every key)."""

    version: Literal[1] = 1
    record_id: str = Field(default="record_id", min_length=1)
    patient: PatientSource
    identifiers: IdentifierSource | None = None
    visits: tuple[VisitSource, ...] = ()
    lab_results: tuple[LabSource, ...] = ()
    medication_courses: tuple[MedicationSource, ...] = ()
    adverse_events: tuple[AdverseEventSource, ...] = ()
    comorbidities: tuple[ComorbidityMap, ...] = ()

    def sources(self) -> list[tuple[Loc, Source]]:
        """Every source of the mapping with its location in the file."""
        found: list[tuple[Loc, Source]] = [(("patient",), self.patient)]
        if self.identifiers is not None:
            found.append((("identifiers",), self.identifiers))
        for section in ("visits", "lab_results", "medication_courses", "adverse_events"):
            entries: tuple[Source, ...] = getattr(self, section)
            found.extend(((section, index), entry) for index, entry in enumerate(entries))
        return found


_ENUMS: dict[str, type[StrEnum]] = {
    "sex": Sex,
    "vital_status": VitalStatus,
    "phenotype": Phenotype,
    "kind": VisitKind,
    "specimen": Specimen,
    "method": AssayMethod,
    "qualitative": QualitativeResult,
    "route": Route,
    "intent": TherapyIntent,
    "schedule": DosingSchedule,
    "dose.unit": DoseUnit,
    "stop_reason": StopReason,
    "outcome": AdverseEventOutcome,
    "action_taken": AdverseEventAction,
}


@dataclass(frozen=True)
class LoadedMapping:
    file: str
    mapping: MappingFile
    lines: dict[Loc, int]

    def line(self, loc: Loc) -> int:
        """The mapping-file line of ``loc`` (or of its nearest enclosing key)."""
        return _line_of(self.lines, loc)

    def error(self, loc: Loc, reason: str) -> RecordError:
        return RecordError(self.file, self.line(loc), path_from_loc(loc), reason)


def _line_of(lines: dict[Loc, int], loc: Loc) -> int:
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            return lines[loc[:cut]]
    return 1


def _note_lines(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    """Note the line of every key and item of a composed YAML node, by its location."""
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                lines.setdefault((*loc, key_node.value), key_node.start_mark.line + 1)
                _note_lines(value_node, (*loc, key_node.value), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _note_lines(item, (*loc, index), lines)


def load_mapping(path: Path) -> LoadedMapping | list[RecordError]:
    """The mapping file at ``path`` checked on its own (fields are checked against the data
    dictionary and the export later), or its problems with their lines."""
    file = str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return [RecordError(file, 1, "-", "the mapping file is not valid UTF-8")]
    lines: dict[Loc, int] = {}
    try:
        data = yaml.load(text, Loader=yaml.SafeLoader)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is not None:
            _note_lines(node, (), lines)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else 1
        return [RecordError(file, line, "-", f"not valid YAML: {exc.problem or exc}")]
    except (yaml.YAMLError, RecursionError) as exc:
        return [RecordError(file, 1, "-", f"not a usable YAML mapping file: {exc}")]
    if not isinstance(data, dict):
        return [
            RecordError(
                file, 1, "-", "the mapping file must be a YAML mapping with a 'patient' key"
            )
        ]
    try:
        mapping = MappingFile.model_validate(data)
    except ValidationError as exc:
        return [
            RecordError(
                file,
                _line_of(lines, tuple(error["loc"])),
                path_from_loc(tuple(error["loc"])),
                describe_error(error),
            )
            for error in exc.errors()
        ]
    loaded = LoadedMapping(file, mapping, lines)
    errors = _target_problems(loaded)
    return errors if errors else loaded


def _target_problems(loaded: LoadedMapping) -> list[RecordError]:
    """Targets a section does not have, values no registry field takes, required targets unset."""
    mapping = loaded.mapping
    errors: list[RecordError] = []
    for loc, source in mapping.sources():
        given: set[str] = set()
        for index, entry in enumerate(source.fields):
            here = (*loc, "fields", index)
            if entry.to not in source.TARGETS:
                errors.append(loaded.error((*here, "to"), _unknown_target(entry.to, source)))
            given.add(entry.to)
            for code, value in (entry.values or {}).items():
                reason = _bad_value(entry.to, value)
                if reason is not None:
                    errors.append(loaded.error((*here, "values", code), reason))
        for target, value in source.constants.items():
            if target not in source.TARGETS:
                errors.append(
                    loaded.error((*loc, "constants", target), _unknown_target(target, source))
                )
            reason = _bad_value(target, value)
            if reason is not None:
                errors.append(loaded.error((*loc, "constants", target), reason))
            given.add(target)
        errors.extend(
            loaded.error(loc, f"{target!r} must be given (a field or a constant)")
            for target in source.REQUIRED
            if target not in given
        )
    patient_given = {entry.to for entry in mapping.patient.fields} | set(mapping.patient.constants)
    birth_parts = {"birth_year", "birth_month"} & patient_given
    if birth_parts and len(birth_parts) != 2:
        errors.append(loaded.error(("patient",), "birth_year and birth_month go together"))
    if not birth_parts and "birth_year_month" not in patient_given and mapping.identifiers is None:
        errors.append(
            loaded.error(
                ("patient",),
                "the birth year and month must come from somewhere: birth_year_month, "
                "birth_year and birth_month, or identifiers' date_of_birth",
            )
        )
    return errors


def _unknown_target(target: str, source: Source) -> str:
    return f"{target!r} is not a field of this section; it has {', '.join(sorted(source.TARGETS))}"


def _bad_value(target: str, value: Constant) -> str | None:
    enum = _ENUMS.get(target)
    if enum is None or value in {member.value for member in enum}:
        return None
    return f"{value!r} is not a registry value of {target}: use one of {', '.join(m.value for m in enum)}"

"""Importing a batch into the registry: read, check, save each patient whole or not at all.

Semantics (documented in docs/native-format.md and the README):

* Each patient record is saved in its own transaction: it is stored whole or not at all.
* A record that fails to parse, fails the record checks (knowledge pack, scales) or is refused by
  the store (a conflict, another site's patient) is **rejected**: its problems go to the report
  with file, line, field and reason, and the other records of the batch are still imported.
* ``strict=True`` checks the whole batch first and imports nothing at all (no site, no patient) if
  any record would be rejected (for sites that want the batch, not the patient, as the unit). The
  check covers everything known before writing: parsing, the record checks, the actor's site
  scope, unregistered sites and conflicts with patients the actor can see. What only the database
  can detect while saving (a record id already used by another patient, a patient id held by
  another site) still rejects that patient alone, after the batch has started.
* A problem with the batch as a whole (missing header, unsupported version, a site defined
  differently from the registered one) imports nothing.
* Re-importing the same data changes nothing (stable record ids; ``skip_identical``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from spsreg.domain.patient import Site
from spsreg.domain.record import PatientRecord
from spsreg.domain.record_checks import check_patient_record
from spsreg.ingest.batch import NativeBatch, ParsedRecord, ReadResult, UnmappedItem
from spsreg.ingest.errors import WHOLE_LINE, RecordError, loc_from_path
from spsreg.ingest.native_csv import read_native_csv
from spsreg.ingest.native_jsonl import read_native_jsonl
from spsreg.knowledge import KnowledgePack, load_knowledge_pack
from spsreg.store import (
    Actor,
    ConflictError,
    NotFoundError,
    OnExisting,
    Registry,
    SaveStatus,
    ScopeError,
)
from spsreg.store.scope import CROSS_SITE_ROLES

__all__ = [
    "BeforeSave",
    "ImportReport",
    "import_batch",
    "import_native_path",
    "import_records",
    "read_native_path",
]

Progress = Callable[[int], None]
"""Called with the number of records handled so far."""

BULK_IMPORT_PATIENTS = 100
"""An import storing at least this many patients refreshes the query-planner statistics (a few
seconds on a large registry, so not after every small import)."""

BeforeSave = Callable[[PatientRecord], None]
"""Called with each record that passed its checks, just before the store is asked to save it
(the monitoring service notes the patient's alerts before the change)."""


@dataclass
class ImportReport:
    """What an import did; ``ok`` is false when anything was rejected."""

    source: str
    format: str
    strict: bool
    sites_added: list[str] = field(default_factory=list)
    created: int = 0
    replaced: int = 0
    unchanged: int = 0
    rejected_records: int = 0
    problems: list[RecordError] = field(default_factory=list)
    rejected_keys: set[str] = field(default_factory=set, repr=False)
    saved_patient_ids: list[str] = field(default_factory=list, repr=False)
    """The patients created or replaced, in the order they were saved."""
    unmapped: list[UnmappedItem] = field(default_factory=list)
    """Source content no registry field holds (foreign formats; always empty for native)."""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def imported(self) -> int:
        return self.created + self.replaced

    def to_document(self) -> dict[str, Any]:
        """The stable JSON form of the report (docs/cli.md)."""
        return {
            "source": self.source,
            "format": self.format,
            "strict": self.strict,
            "ok": self.ok,
            "sites_added": self.sites_added,
            "created": self.created,
            "replaced": self.replaced,
            "unchanged": self.unchanged,
            "rejected_records": self.rejected_records,
            "problems": [
                {
                    "file": problem.file,
                    "line": problem.line,
                    "field": problem.field,
                    "reason": problem.reason,
                    "patient_id": problem.patient_id,
                }
                for problem in self.problems
            ],
            "unmapped": self.unmapped_document(),
        }

    def unmapped_document(self) -> dict[str, Any]:
        """Counts of unmapped source content by category, and every item."""
        counts: dict[str, int] = {}
        for item in self.unmapped:
            counts[item.category] = counts.get(item.category, 0) + 1
        return {
            "total": len(self.unmapped),
            "by_category": dict(sorted(counts.items())),
            "items": [
                {
                    "file": item.file,
                    "line": item.line,
                    "category": item.category,
                    "item": item.item,
                    "reason": item.reason,
                }
                for item in self.unmapped
            ],
        }


def read_native_path(path: Path) -> tuple[str, NativeBatch]:
    """Read a native JSON-lines file or CSV table directory, chosen by what ``path`` is."""
    if path.is_dir():
        return "csv", read_native_csv(path)
    return "jsonl", read_native_jsonl(path)


def import_native_path(
    registry: Registry,
    actor: Actor,
    path: Path,
    *,
    as_of: date,
    on_existing: OnExisting = OnExisting.SKIP_IDENTICAL,
    strict: bool = False,
    progress: Progress | None = None,
    before_save: BeforeSave | None = None,
) -> ImportReport:
    """Import a native file or directory (see the module docstring for the semantics)."""
    kind, batch = read_native_path(path)
    return import_batch(
        registry,
        actor,
        batch,
        kind,
        as_of=as_of,
        on_existing=on_existing,
        strict=strict,
        progress=progress,
        before_save=before_save,
    )


def import_batch(
    registry: Registry,
    actor: Actor,
    batch: NativeBatch,
    kind: str,
    *,
    as_of: date,
    on_existing: OnExisting = OnExisting.SKIP_IDENTICAL,
    strict: bool = False,
    progress: Progress | None = None,
    before_save: BeforeSave | None = None,
) -> ImportReport:
    """Import a batch read by any reader (native, FHIR, REDCap); ``kind`` names its format."""
    report = ImportReport(source=batch.source, format=kind, strict=strict)
    if not batch.accepted:
        report.problems.extend(batch.file_errors)
        return report
    report.unmapped.extend(batch.unmapped)
    return import_records(
        registry,
        actor,
        batch.sites,
        lambda: iter(batch),
        report=report,
        as_of=as_of,
        on_existing=on_existing,
        progress=progress,
        before_save=before_save,
    )


def import_records(
    registry: Registry,
    actor: Actor,
    sites: Iterable[Site],
    results: Callable[[], Iterator[ReadResult]],
    *,
    report: ImportReport,
    as_of: date,
    on_existing: OnExisting = OnExisting.SKIP_IDENTICAL,
    progress: Progress | None = None,
    pack: KnowledgePack | None = None,
    before_save: BeforeSave | None = None,
) -> ImportReport:
    """Check and save records read by ``results`` (a callable, so strict mode can read twice);
    ``before_save`` sees each checked record just before it is saved."""
    pack = pack if pack is not None else load_knowledge_pack()
    site_problems, new_sites = _plan_sites(registry, actor, sites, report)
    if site_problems:
        report.problems.extend(site_problems)
        return report
    if report.strict:
        pending = frozenset(site.id for site in new_sites)
        _check_only(
            results(), report, pack, as_of, _StoreCheck(registry, actor, on_existing, pending)
        )
        if not report.ok:
            return report
    for site in new_sites:
        registry.add_site(actor, site, reason=f"import of {report.source}")
        report.sites_added.append(site.id)
    handled = 0
    for result in results():
        if isinstance(result, RecordError):
            _reject(report, [result])
            continue
        handled += 1
        report.unmapped.extend(result.unmapped)
        problems = _record_problems(result, pack, as_of)
        if not problems:
            if before_save is not None:
                before_save(result.record)
            problems = _save(registry, actor, result, on_existing, report)
        if problems:
            _reject(report, problems)
        if progress is not None:
            progress(handled)
    if report.imported >= BULK_IMPORT_PATIENTS:
        registry.refresh_planner_statistics()  # keep the query plans good after bulk changes
    return report


def _plan_sites(
    registry: Registry, actor: Actor, sites: Iterable[Site], report: ImportReport
) -> tuple[list[RecordError], list[Site]]:
    """The problems with the batch's sites, and the sites to add once the batch may be imported.

    Nothing is added here: a batch refused for one site (or, in strict mode, for one record) must
    not leave the other sites behind.
    """
    known = {site.id: site for site in registry.list_sites(actor)}
    problems: list[RecordError] = []
    new_sites: list[Site] = []
    for site in sites:
        stored = known.get(site.id)
        if stored == site:
            continue
        if stored is not None:
            problems.append(
                RecordError(
                    report.source,
                    1,
                    "sites",
                    f"site {site.id} is registered here as {stored.name!r} ({stored.country}), "
                    f"the file says {site.name!r} ({site.country}); nothing was imported",
                )
            )
        elif actor.role not in CROSS_SITE_ROLES:
            problems.append(
                RecordError(
                    report.source,
                    1,
                    "sites",
                    f"site {site.id} is not registered and only an administrator can add it; "
                    "nothing was imported",
                )
            )
        else:
            new_sites.append(site)
    return problems, new_sites


@dataclass(frozen=True)
class _StoreCheck:
    """What the store would refuse, asked of the store itself without writing (strict mode)."""

    registry: Registry
    actor: Actor
    on_existing: OnExisting
    pending_sites: frozenset[str]  # sites this batch will register before saving any patient

    def problems(self, parsed: ParsedRecord) -> list[RecordError]:
        record = parsed.record
        try:
            if record.patient.site_id in self.pending_sites:
                # The site is not stored yet, so neither is any of its patients: only scope applies.
                self.actor.may_write_patient(record.patient.id, record.patient.site_id)
            else:
                self.registry.check_save(self.actor, record, on_existing=self.on_existing)
        except (ConflictError, NotFoundError, ScopeError) as refused:
            return [
                RecordError(parsed.file, parsed.line, WHOLE_LINE, str(refused), record.patient.id)
            ]
        return []


def _check_only(
    results: Iterator[ReadResult],
    report: ImportReport,
    pack: KnowledgePack,
    as_of: date,
    store: _StoreCheck,
) -> None:
    for result in results:
        if isinstance(result, RecordError):
            _reject(report, [result])
        else:
            problems = _record_problems(result, pack, as_of) or store.problems(result)
            if problems:
                _reject(report, problems)


def _record_problems(parsed: ParsedRecord, pack: KnowledgePack, as_of: date) -> list[RecordError]:
    patient_id = parsed.record.patient.id
    problems = []
    for issue in check_patient_record(parsed.record, pack=pack, as_of=as_of):
        reason = _with_suggestion(issue.reason, issue.suggestion)
        file, line, field = parsed.file, parsed.line, issue.path
        if parsed.locate is not None:
            file, line, column = parsed.locate(loc_from_path(issue.path))
            field = issue.path if column == WHOLE_LINE else column
        problems.append(RecordError(file, line, field, reason, patient_id))
    return problems


def _with_suggestion(reason: str, suggestion: str | None) -> str:
    """A check's reason with its suggestion, which is either a question ("did you mean 'x'?") or
    what to record instead (a unit, a code, an instruction)."""
    if suggestion is None:
        return reason
    if suggestion.endswith("?"):
        return f"{reason} ({suggestion})"
    return f"{reason} (suggestion: {suggestion})"


def _save(
    registry: Registry,
    actor: Actor,
    parsed: ParsedRecord,
    on_existing: OnExisting,
    report: ImportReport,
) -> list[RecordError]:
    patient_id = parsed.record.patient.id
    try:
        outcome = registry.save_patient_record(
            actor, parsed.record, reason=f"import of {report.source}", on_existing=on_existing
        )
    except (ConflictError, NotFoundError, ScopeError) as refused:
        return [RecordError(parsed.file, parsed.line, WHOLE_LINE, str(refused), patient_id)]
    if outcome.status is SaveStatus.CREATED:
        report.created += 1
        report.saved_patient_ids.append(patient_id)
    elif outcome.status is SaveStatus.REPLACED:
        report.replaced += 1
        report.saved_patient_ids.append(patient_id)
    else:
        report.unchanged += 1
    return []


def _reject(report: ImportReport, problems: list[RecordError]) -> None:
    """Record problems; a rejected record is counted once, however many problems it has."""
    for problem in problems:
        key = problem.patient_id or f"{problem.file}:{problem.line}"
        if key not in report.rejected_keys:
            report.rejected_keys.add(key)
            report.rejected_records += 1
    report.problems.extend(problems)

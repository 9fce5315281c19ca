"""``spsreg trials import|list``: trial records from ClinicalTrials.gov (data API v2 JSON).

The registry never fetches from the internet: a study (``/api/v2/studies/{nctId}``) or a page of
studies (``/api/v2/studies?...``) downloaded elsewhere is imported from its file. Each study is
read and saved whole or rejected; the other studies of a page are still imported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from spsreg.cli.context import SiteOption, UserOption, actor_for, open_cli_registry
from spsreg.cli.output import FormatOption, OutputFormat, emit, fail, render_table
from spsreg.cli.trials_commands import trials_app
from spsreg.domain.trials import RecruitmentStatus
from spsreg.ingest.ctgov import (
    WHOLE_DOCUMENT,
    CtgovProblem,
    CtgovReading,
    ParsedStudy,
    read_ctgov,
)
from spsreg.store import StoreError
from spsreg.store.trials import StoredTrial, TrialSaveOutcome

__all__ = ["import_trials", "list_trials"]

DEFAULT_REASON = "trial record imported from ClinicalTrials.gov"
MAX_PROBLEMS_SHOWN = 20


@trials_app.command("import")
def import_trials(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="ClinicalTrials.gov API v2 JSON: one study, or a page with 'studies'",
        ),
    ],
    reason: Annotated[
        str, typer.Option(help="reason recorded in the audit trail for every trial saved")
    ] = DEFAULT_REASON,
    site: SiteOption = None,
    user: UserOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Import trial records; a study that cannot be read or saved is rejected (exit 2)."""
    reading = _read_file(file)
    actor = actor_for(site, user)
    saved: list[tuple[ParsedStudy, TrialSaveOutcome]] = []
    problems = list(reading.problems)
    rejected = reading.rejected
    if reading.studies:
        with open_cli_registry() as registry:
            for study in reading.studies:
                try:
                    saved.append((study, registry.save_trial(actor, study.record, reason)))
                except StoreError as error:
                    problems.append(
                        CtgovProblem(reading.source, study.path, str(error), study.record.nct_id)
                    )
                    rejected += 1
    counts = {status: 0 for status in ("created", "replaced", "unchanged")}
    for _, outcome in saved:
        counts[outcome.status.value] += 1
    document: dict[str, Any] = {
        "source": str(file),
        "ok": not problems,
        "studies": reading.studies_read,
        **counts,
        "rejected": rejected,
        "next_page_token": reading.next_page_token,
        "trials": [
            {
                "nct_id": outcome.nct_id,
                "path": study.path,
                "status": outcome.status.value,
                "version": outcome.version,
            }
            for study, outcome in saved
        ],
        "problems": [
            {"file": p.file, "path": p.path, "reason": p.reason, "nct_id": p.nct_id}
            for p in problems
        ],
    }
    tables = [
        render_table(
            f"Trials ({len(saved)})",
            ["nct_id", "status", "version"],
            [[outcome.nct_id, outcome.status.value, outcome.version] for _, outcome in saved],
        )
    ]
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        tables.append(
            render_table(
                f"Problems (first {len(shown)} of {len(problems)})",
                ["path", "reason", "nct_id"],
                [[p.path, p.reason, p.nct_id] for p in shown],
            )
        )
    lines = [
        f"Imported {counts['created']} new and {counts['replaced']} replaced trials; "
        f"{counts['unchanged']} unchanged; {rejected} rejected."
    ]
    if reading.next_page_token is not None:
        lines.append(
            "The page says more studies follow: download the next page with "
            f"pageToken={reading.next_page_token} and import it too."
        )
    emit(output_format, "trial-import", document, tables=tables, lines=lines)
    if problems:
        raise typer.Exit(2)


@trials_app.command("list")
def list_trials(
    status: Annotated[
        RecruitmentStatus | None,
        typer.Option(help="only trials with this overall status (a CT.gov code: RECRUITING)"),
    ] = None,
    site: SiteOption = None,
    user: UserOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """List the stored trial records, ordered by NCT number."""
    with open_cli_registry() as registry:
        stored = registry.list_trials(actor_for(site, user), status=status)
    rows = [_trial_row(trial) for trial in stored]
    table = render_table(
        f"Trials ({len(rows)})",
        ["nct_id", "acronym", "status", "phase", "model", "enrolment", "locations", "title"],
        [
            [
                row["nct_id"],
                row["acronym"],
                row["overall_status"],
                "/".join(row["phases"]),
                row["intervention_model"],
                row["enrollment"],
                row["locations"],
                row["brief_title"],
            ]
            for row in rows
        ],
    )
    emit(output_format, "trial-list", {"count": len(rows), "trials": rows}, tables=[table])


def _read_file(file: Path) -> CtgovReading:
    """The studies of ``file``; a file that is not JSON is one problem of the whole document."""
    source = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise fail(f"cannot read {source}: {error}") from error
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        problem = CtgovProblem(
            source,
            WHOLE_DOCUMENT,
            f"not JSON: {error.msg} at line {error.lineno}, column {error.colno}",
        )
        return CtgovReading(source, (), (problem,), 0, 0)
    except (RecursionError, ValueError) as error:  # nested too deeply; an integer too long
        problem = CtgovProblem(source, WHOLE_DOCUMENT, f"not JSON that can be read: {error}")
        return CtgovReading(source, (), (problem,), 0, 0)
    return read_ctgov(document, source=source)


def _trial_row(stored: StoredTrial) -> dict[str, Any]:
    record = stored.record
    design = record.design
    return {
        "nct_id": record.nct_id,
        "acronym": record.acronym,
        "brief_title": record.brief_title,
        "overall_status": _code(record.overall_status),
        "phases": [phase.value for phase in record.phases],
        "study_type": _code(record.study_type),
        "allocation": _code(design.allocation),
        "intervention_model": _code(design.intervention_model),
        "enrollment": record.enrollment_count,
        "enrollment_type": _code(record.enrollment_type),
        "locations": len(record.locations),
        "last_update_posted": record.last_update_posted,
        "version": stored.version,
    }


def _code(value: Any) -> str | None:
    return None if value is None else str(value.value)

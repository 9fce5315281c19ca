"""``spsreg init``, ``stats`` and ``audit verify`` through the command line (embedded SQLite).

Each test gets its own ``SPSREG_HOME``; ``SPSREG_DATABASE_URL`` and ``SPSREG_SITE`` are cleared so
that nothing from the developer's shell leaks in.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from cli_harness import Run, cli, document
from sqlalchemy import text

from spsreg.domain import RECORD_SECTIONS
from spsreg.store import create_engine_for, schema_status
from spsreg.store.mapping import MAPPINGS, RecordKind
from spsreg.synth import CohortConfig, iter_synthetic_patients

GENERATE = ["generate", "--patients", "12", "--sites", "2", "--years", "2", "--seed", "7"]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def run(home: Path) -> Run:
    return cli(home)


def test_init_creates_the_database_then_finds_it_current(
    run: Run, home: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{home / 'spsreg.sqlite3'}"
    engine = create_engine_for(f"sqlite:///{tmp_path / 'probe.sqlite3'}")
    try:
        head = schema_status(engine).head
    finally:
        engine.dispose()

    created = document(run("init", "--format", "json"), "init")
    current = document(run("init", "--format", "json"), "init")
    table = run("init")

    assert created == {"database": url, "schema_revision": head, "action": "created"}
    assert current == {"database": url, "schema_revision": head, "action": "current"}
    assert "current" in table.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["stats"],
        ["patients", "list"],
        ["patients", "show", "p-0001"],
        ["audit", "verify"],
        ["export", "--format", "jsonl", "--out", "{tmp}/out.jsonl"],
        ["import", "{tmp}/in.jsonl"],
        ["generate", "--patients", "1"],
    ],
    ids=lambda args: " ".join(a for a in args if not a.startswith("{")),
)
def test_commands_before_init_say_to_run_spsreg_init(
    run: Run, home: Path, tmp_path: Path, args: list[str]
) -> None:
    (tmp_path / "in.jsonl").write_text("{}\n", encoding="utf-8")

    result = run(*(a.replace("{tmp}", str(tmp_path)) for a in args), code=1)

    assert result.stdout == ""
    # One line, however long the path: the database named can be copied from a log.
    assert result.stderr == (
        f"error: the database at sqlite:///{home / 'spsreg.sqlite3'} is not initialised: "
        "run `spsreg init`\n"
    )


def expected_counts(config: CohortConfig) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Rows per table and per site of a generated cohort, counted from the records themselves."""
    per_site: dict[str, Counter[str]] = {}
    for patient in iter_synthetic_patients(config):
        record = patient.record
        counts = per_site.setdefault(record.patient.site_id, Counter())
        counts["patients"] += 1
        counts["patient_identifiers"] += record.identifiers is not None
        for section in RECORD_SECTIONS:
            counts[MAPPINGS[RecordKind(section)].table.name] += len(getattr(record, section))
        counts["assessments"] += sum(len(visit.assessments) for visit in record.visits)
        counts["itb_pump_refills"] += sum(len(pump.refills) for pump in record.pumps)
    tables = {name for counts in per_site.values() for name in counts}
    site_counts = {
        site: {name: counts[name] for name in tables} for site, counts in per_site.items()
    }
    per_table = {name: sum(c[name] for c in site_counts.values()) for name in tables}
    return per_table, site_counts


def test_stats_count_what_was_generated_per_table_and_per_site(run: Run, home: Path) -> None:
    run("init")
    run(*GENERATE)
    per_table, per_site = expected_counts(CohortConfig(patients=12, sites=2, years=2, seed=7))

    everything = document(run("stats", "--format", "json"), "stats")
    site_a = document(run("stats", "--site", "SITE-A", "--format", "json"), "stats")

    assert everything["database"] == f"sqlite:///{home / 'spsreg.sqlite3'}"
    # Two site registrations and one creation per patient in the audit trail.
    assert everything["per_table"] == {**per_table, "sites": 2, "audit_log": 2 + 12}
    assert everything["per_site"] == per_site
    assert site_a["per_site"] == {"SITE-A": per_site["SITE-A"]}
    assert site_a["per_table"] == {
        **per_site["SITE-A"],
        "sites": 2,
        "audit_log": per_site["SITE-A"]["patients"],
    }


def test_audit_verify_passes_then_fails_after_an_entry_is_edited(run: Run, home: Path) -> None:
    run("init")
    run("generate", "--patients", "3", "--sites", "1", "--years", "1", "--seed", "7")

    intact = document(run("audit", "verify", "--format", "json"), "audit-verification")
    assert intact["ok"] is True and intact["entries_checked"] == 4
    assert intact["first_broken_sequence"] is None and intact["problem"] is None
    assert intact["head"]["sequence"] == 4 and len(intact["head"]["hash"]) == 64
    assert "intact" in run("audit", "verify").stdout

    engine = create_engine_for(f"sqlite:///{home / 'spsreg.sqlite3'}")
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE audit_log SET reason = 'nothing' WHERE sequence = 2"))
    finally:
        engine.dispose()

    broken = document(run("audit", "verify", "--format", "json", code=1), "audit-verification")
    assert broken["ok"] is False and broken["first_broken_sequence"] == 2
    assert "entry 2 was edited" in broken["problem"]
    assert "BROKEN at entry 2" in run("audit", "verify", code=1).stdout

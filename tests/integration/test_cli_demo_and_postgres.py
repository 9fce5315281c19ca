"""``spsreg demo`` on the embedded database, and the command line end to end on PostgreSQL."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from cli_harness import cli_with_env as cli
from cli_harness import document
from sqlalchemy import Engine, delete
from sqlalchemy.engine import make_url

from spsreg.store import Actor, Registry, create_engine_for
from spsreg.store.tables import SCHEMA_INFO, metadata


def test_demo_creates_the_database_and_loads_a_cohort(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run = cli({"SPSREG_HOME": str(home), "SPSREG_DATABASE_URL": None})

    demo = document(run("demo", "--patients", "20", "--format", "json"), "demo")

    assert demo["database"] == f"sqlite:///{home / 'spsreg.sqlite3'}"
    assert demo["ground_truth"] == str(home / "demo-ground-truth.json")
    truth = json.loads((home / "demo-ground-truth.json").read_text(encoding="utf-8"))
    assert len(truth["patients"]) == 20
    assert demo["generated"]["patients"] == 20 and demo["generated"]["import"]["ok"] is True
    assert sum(demo["per_site"].values()) == 20 == demo["per_table"]["patients"]
    assert sorted(demo["per_site"]) == ["SITE-A", "SITE-B", "SITE-C"]
    assert document(run("audit", "verify", "--format", "json"), "audit-verification")["ok"]
    table = run("patients", "list").stdout
    assert "Patients (20)" in table
    # One account of every role for the web app; passwords only in the owner-only file.
    assert [(a["name"], a["role"], a["site_id"]) for a in demo["accounts"]] == [
        ("demo-admin", "admin", None),
        ("demo-clinician", "clinician", "SITE-A"),
        ("demo-coordinator", "coordinator", "SITE-B"),
        ("demo-researcher", "researcher", None),
        ("demo-patient", "patient", "SITE-A"),
    ]
    accounts_file = Path(demo["accounts_file"])
    assert accounts_file == home / "demo-accounts.txt"
    assert stat.S_IMODE(accounts_file.stat().st_mode) == 0o600
    passwords = demo_passwords(accounts_file)
    assert set(passwords) == {a["name"] for a in demo["accounts"]}
    for password in passwords.values():
        assert password not in json.dumps(demo)
    with Registry(create_engine_for(demo["database"])) as registry:
        actor = registry.verify_login("demo-clinician", passwords["demo-clinician"])
        assert isinstance(actor, Actor) and actor.site_id == "SITE-A"
    # Running the demo again finds the same synthetic patients already there, with new passwords.
    again = document(run("demo", "--patients", "20", "--format", "json"), "demo")
    assert again["generated"]["import"]["unchanged"] == 20
    assert demo_passwords(accounts_file)["demo-clinician"] != passwords["demo-clinician"]


def demo_passwords(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line.split("\t")[0]: line.split("\t")[1] for line in lines if not line.startswith("#")}


@pytest.mark.postgres
def test_the_command_line_end_to_end_on_postgresql(
    postgres_url: str, postgres_engine: Engine, tmp_path: Path
) -> None:
    with postgres_engine.begin() as connection:  # the session's database, emptied for this test
        for table in reversed(metadata.sorted_tables):
            if table is not SCHEMA_INFO:
                connection.execute(delete(table))
    run = cli({"SPSREG_HOME": str(tmp_path / "unused"), "SPSREG_DATABASE_URL": postgres_url})
    shown_url = make_url(postgres_url).render_as_string(hide_password=True)
    exported = tmp_path / "registry.jsonl"

    init = document(run("init", "--format", "json"), "init")
    generated = document(
        run(
            "generate",
            *("--patients", "12", "--sites", "2", "--years", "2", "--seed", "7"),
            "--format",
            "json",
        ),
        "generate",
    )
    stats = document(run("stats", "--format", "json"), "stats")
    patients = document(run("patients", "list", "--format", "json"), "patient-list")
    verified = document(run("audit", "verify", "--format", "json"), "audit-verification")
    first = patients["patients"][0]
    shown = document(
        run(
            "patients", "show", first["patient_id"], "--site", first["site_id"], "--format", "json"
        ),
        "patient",
    )
    run("export", "--format", "jsonl", "--out", str(exported))
    reimported = document(
        run("import", str(exported), "--as-of", "2026-10-31", "--summary-format", "json"),
        "import-report",
    )

    assert init["action"] == "current" and init["database"] == shown_url
    assert generated["destination"] == shown_url and generated["import"]["created"] == 12
    assert stats["per_table"]["patients"] == 12 and stats["per_table"]["audit_log"] == 14
    assert sum(site["patients"] for site in stats["per_site"].values()) == 12
    assert patients["count"] == 12
    assert verified["ok"] is True and verified["entries_checked"] == 14
    assert shown["record"]["identifiers"] is not None
    assert (reimported["unchanged"], reimported["created"], reimported["ok"]) == (12, 0, True)
    assert not (tmp_path / "unused" / "spsreg.sqlite3").exists()

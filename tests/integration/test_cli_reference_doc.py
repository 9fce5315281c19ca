"""docs/cli.md is the command line's contract; these tests keep it true.

Every command of the Typer app has a section, every option and argument is named in it, every
environment variable is described, and every command's JSON output has exactly the keys (and
types) its table documents: the tables are parsed and compared with real outputs of every command
and with the examples printed in the document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import typer.main
from sqlalchemy import text
from typer.testing import CliRunner, Result

from spsreg.cli.main import app
from spsreg.store import create_engine_for

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
COMMAND_HEADING = re.compile(r"^### `spsreg ([a-z -]+)`$", re.MULTILINE)
OUTPUT_HEADING = re.compile(r"^#### JSON output: `([a-z-]+)`$", re.MULTILINE)
REFERENCE_TYPE = re.compile(r"^`([a-z-]+)` object$")
OPAQUE_TYPES = {"map", "record", "list of records"}  # keys are data, or versioned elsewhere

Run = Callable[..., Result]


@dataclass(frozen=True)
class Key:
    type: str
    always: bool


def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def command_sections(text: str) -> dict[str, str]:
    """Command path (``patients show``) -> the text of its section."""
    headings = list(COMMAND_HEADING.finditer(text))
    sections = {}
    for index, heading in enumerate(headings):
        end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
        sections[heading.group(1)] = text[heading.end() : end]
    return sections


def documented_outputs(text: str) -> dict[str, tuple[dict[str, Key], dict[str, Any]]]:
    """JSON kind -> (its key table, its example document)."""
    outputs = {}
    for heading in OUTPUT_HEADING.finditer(text):
        body = text[heading.end() :]
        body = body[: body.find("\n###")] if "\n###" in body else body
        keys = {}
        for row in re.findall(r"^\| `([^`]+)` \| ([^|]+) \| ([^|]+) \|", body, re.MULTILINE):
            path, type_text, present = (cell.strip() for cell in row)
            keys[path] = Key(type_text, present == "always")
        example = re.search(r"^```json\n(.*?)^```$", body, re.MULTILINE | re.DOTALL)
        assert keys and example, f"JSON output {heading.group(1)} needs a key table and an example"
        outputs[heading.group(1)] = (keys, json.loads(example.group(1)))
    return outputs


def specification(kind: str) -> dict[str, Key]:
    """Every documented path of a kind, with ``kind`` and ``schema_version`` and the keys of
    referenced documents (`` `generate` object``) spelled out."""
    outputs = documented_outputs(doc_text())

    def expand(name: str, prefix: str) -> Iterator[tuple[str, Key]]:
        for path, key in outputs[name][0].items():
            full = f"{prefix}.{path}" if prefix else path
            reference = REFERENCE_TYPE.match(key.type)
            if reference is None:
                yield full, key
            else:
                yield full, Key("object", key.always)
                yield from expand(reference.group(1), full)

    return {
        "kind": Key("text", True),
        "schema_version": Key("integer", True),
        **dict(expand(kind, "")),
    }


def has_type(value: Any, type_text: str) -> bool:
    base = type_text.removesuffix(" or null")
    if value is None:
        return base != type_text
    if base.startswith("list of "):
        item = {"text": "text", "objects": "object", "records": "object"}[base[len("list of ") :]]
        return isinstance(value, list) and all(has_type(v, item) for v in value)
    if base == "text":
        return isinstance(value, str)
    if base == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if base == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if base == "boolean":
        return isinstance(value, bool)
    if base == "date":
        return isinstance(value, str) and date.fromisoformat(value).isoformat() == value
    if base in {"object", "map", "record"} or REFERENCE_TYPE.match(base):
        return isinstance(value, dict)
    raise AssertionError(f"docs/cli.md uses an undefined type {type_text!r}")


def deviations(document: dict[str, Any], spec: dict[str, Key]) -> list[str]:
    """How a printed document differs from its specification (empty: it conforms exactly)."""
    found: dict[str, Any] = {}
    containers = {""}

    def walk(value: dict[str, Any], prefix: str) -> None:
        for name, item in value.items():
            path = f"{prefix}.{name}" if prefix else name
            found[path] = item
            if path in spec and spec[path].type in OPAQUE_TYPES:
                continue
            if isinstance(item, dict):
                containers.add(path)
                walk(item, path)
            elif isinstance(item, list):
                for element in item:
                    if isinstance(element, dict):
                        containers.add(f"{path}[]")
                        walk(element, f"{path}[]")

    walk(document, "")
    problems = [f"undocumented key {path}" for path in sorted(set(found) - set(spec))]
    for path, key in spec.items():
        parent = path.rpartition(".")[0]
        if key.always and parent in containers and path not in found:
            problems.append(f"documented key {path} is missing")
        if path in found and not has_type(found[path], key.type):
            problems.append(f"{path} is {found[path]!r}, documented as {key.type}")
    return problems


def cli_commands() -> dict[str, Any]:
    """Command path -> the click command behind it, for every command of the Typer app."""
    commands = {}

    def walk(command: Any, path: list[str]) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, [*path, name])
            if getattr(command, "invoke_without_command", False) and path:
                commands[" ".join(path)] = command  # a group that is a command itself (alerts)
        else:
            commands[" ".join(path)] = command

    walk(typer.main.get_command(app), [])
    return commands


def test_every_command_has_a_section_and_every_section_a_command() -> None:
    assert set(command_sections(doc_text())) == set(cli_commands())


def test_every_option_and_argument_is_named_in_its_commands_section() -> None:
    sections = command_sections(doc_text())
    missing = []
    for path, command in cli_commands().items():
        for param in command.params:
            names = (
                [param.name.upper()]
                if param.param_type_name == "argument"
                else [*param.opts, *param.secondary_opts]
            )
            missing += [f"{path}: {name}" for name in names if f"`{name}`" not in sections[path]]
    assert missing == []


def test_every_environment_variable_is_described() -> None:
    environment = doc_text().split("## Environment", 1)[1].split("\n## ", 1)[0]
    variables = {"SPSREG_HOME", "SPSREG_DATABASE_URL", "SPSREG_SITE", "SPSREG_USER"}
    variables |= {
        param.envvar
        for command in cli_commands().values()
        for param in command.params
        if getattr(param, "envvar", None)
    }
    assert [v for v in sorted(variables) if f"| `{v}` |" not in environment] == []


def test_the_documented_examples_follow_their_own_tables() -> None:
    outputs = documented_outputs(doc_text())
    assert len(outputs) == 31
    for kind, (_, example) in outputs.items():
        assert (example["kind"], example["schema_version"]) == (kind, 1)
        assert deviations(example, specification(kind)) == [], kind


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    """The JSON documents printed by every command, in the variants that change their keys."""
    work = tmp_path_factory.mktemp("cli-doc")
    documents: dict[str, list[dict[str, Any]]] = {}

    def run(home: str, *args: str, code: int = 0, stdin: str | None = None) -> None:
        runner = CliRunner(
            env={"SPSREG_HOME": str(work / home), "SPSREG_DATABASE_URL": None, "SPSREG_SITE": None}
        )
        result = runner.invoke(app, list(args), input=stdin)
        assert result.exit_code == code, (args, result.stdout, result.stderr)
        document = json.loads(result.stdout)
        documents.setdefault(document["kind"], []).append(document)

    cohort = ["--patients", "4", "--sites", "2", "--years", "1", "--seed", "7"]
    run("main", "init", "--format", "json")
    run("main", "init", "--format", "json")
    run("main", "generate", *cohort, "--format", "json")
    run(
        "main",
        "generate",
        *cohort,
        "--out",
        str(work / "c.jsonl"),
        "--truth",
        str(work / "t.json"),
        "-f",
        "json",
    )
    header, first, second, *rest = (work / "c.jsonl").read_text(encoding="utf-8").splitlines()
    (work / "bad.jsonl").write_text(
        "\n".join([header, first, second[:-9], *rest]) + "\n", encoding="utf-8"
    )
    run(
        "main",
        "import",
        str(work / "bad.jsonl"),
        "--as-of",
        "2026-10-31",
        "--summary-format",
        "json",
        code=2,
    )
    run(
        "main",
        "export",
        "--format",
        "csv",
        "--out",
        str(work / "csv"),
        "--site",
        "SITE-A",
        "--summary-format",
        "json",
    )
    run(
        "main",
        "export",
        "--format",
        "jsonl",
        "--out",
        str(work / "e.jsonl"),
        "--summary-format",
        "json",
    )
    run("main", "stats", "--format", "json")
    run("main", "stats", "--site", "SITE-B", "--format", "json")
    run("main", "patients", "list", "--format", "json")
    patient = documents["patient-list"][0]["patients"][0]
    for site in ([], ["--site", patient["site_id"]]):
        run(
            "main",
            "patients",
            "show",
            patient["patient_id"],
            *site,
            "--as-of",
            "2026-10-31",
            "-f",
            "json",
        )
    on_day = ["--as-of", "2026-10-31"]
    run("main", "alerts", *on_day, "--format", "json")
    first, second = (a["id"] for a in documents["alert-worklist"][0]["alerts"][:2])
    staff = ["--site", "SITE-B", "-f", "json"]
    run("main", "alerts", "ack", first, "--reason", "reviewed", *on_day, *staff)
    run(
        "main",
        "alerts",
        "snooze",
        second,
        "--until",
        "2099-01-01",
        "--reason",
        "r",
        *on_day,
        *staff,
    )
    run("main", "alerts", *on_day, "--include-silenced", *staff)
    run("main", "analyze", "response", "--patient", patient["patient_id"], *on_day, "-f", "json")
    run("main", "analyze", "cohort", *on_day, "-f", "json")
    run("main", "analyze", "cohort", "--therapy", "diazepam", "--no-model", "--site", "SITE-A",
        *on_day, "-f", "json")  # fmt: skip
    run("main", "report", "case", patient["patient_id"], "--format", "md", "--out",
        str(work / "case.md"), *on_day, "--summary-format", "json")  # fmt: skip
    run("main", "report", "cohort", "--therapy", "diazepam", "--format", "html", "--out",
        str(work / "series.html"), *on_day, "--summary-format", "json")  # fmt: skip
    ctgov = Path(__file__).resolve().parents[1] / "fixtures" / "ctgov"
    run("main", "trials", "import", str(ctgov / "page.json"), "--format", "json")
    run("main", "trials", "import", str(ctgov / "page_with_rejected_studies.json"), "-f", "json",
        code=2)  # fmt: skip
    run("main", "trials", "list", "--format", "json")
    nct = "NCT09900303"
    (work / "any-age.yaml").write_text(
        "criteria: {kind: age, min_years: 0, label: Any age}\n", encoding="utf-8"
    )
    run("main", "trials", "criteria", nct, str(work / "any-age.yaml"), "-f", "json")
    run("main", "trials", "screen", nct, *on_day, "--engine", "memory", "-f", "json")
    screened = documents["trial-screening"][0]["patients"]
    eligible = next(p["patient_id"] for p in screened if p["status"] == "eligible")
    run("main", "trials", "feasibility", nct, *on_day, "--share", "-f", "json")
    run("main", "trials", "enrol", nct, eligible, "--on", "2026-10-31", "-f", "json")
    run("main", "trials", "randomize-setup", nct, "--arms", "A,B", "--size", "4", "-f", "json")
    run("main", "trials", "allocate", nct, eligible, "-f", "json")
    (work / "cx.csv").write_text("subject,sequence,period1,period2\nS1,AB,5,3\nS2,AB,6,5\n"
                                 "S3,BA,3,5\nS4,BA,2,5\n", encoding="utf-8")  # fmt: skip
    run("main", "trials", "analyze", "--design", "crossover", "--data", str(work / "cx.csv"),
        "-f", "json")  # fmt: skip
    run("main", "trials", "power", "--design", "nof1", "--n", "6", "--effect", "1", "--sd", "1",
        "--sims", "500", "--target-power", "0.8", "--max-n", "12", "-f", "json")  # fmt: skip
    secret = "a long clinic passphrase\n"
    run("main", "users", "add", "root", "--role", "admin", "--password-stdin", "-f", "json",
        stdin=secret)  # fmt: skip
    run("main", "users", "add", "dr.a", "--role", "clinician", "--site", "SITE-A",
        "--password-stdin", "-f", "json", stdin=secret)  # fmt: skip
    run("main", "users", "disable", "dr.a", "-f", "json")
    run("main", "users", "reset-password", "dr.a", "--password-stdin", "-f", "json", stdin=secret)
    run("main", "users", "list", "-f", "json")
    run("main", "users", "token-add", "root", "--label", "export", "--expires-days", "30",
        "-f", "json")  # fmt: skip
    run("main", "users", "tokens", "-f", "json")
    run("main", "users", "token-revoke", documents["api-token-created"][0]["id"], "-f", "json")
    run("main", "audit", "verify", "--format", "json")
    run("main", "backup", "--out", str(work / "backup"), "--format", "json")
    run("restored", "restore", str(work / "backup"), "--format", "json")
    run("restored", "restore", str(work / "backup"), "--force", "--format", "json")
    engine = create_engine_for(f"sqlite:///{work / 'main' / 'spsreg.sqlite3'}")
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE audit_log SET reason = 'edited' WHERE sequence = 3"))
    finally:
        engine.dispose()
    run("main", "audit", "verify", "--format", "json", code=1)
    run("demo", "demo", "--patients", "3", "--sites", "2", "--years", "1", "--format", "json")
    return documents


def test_every_command_prints_exactly_the_documented_json(
    printed: dict[str, list[dict[str, Any]]],
) -> None:
    assert set(printed) == set(documented_outputs(doc_text()))
    for kind, documents in printed.items():
        spec = specification(kind)
        for document in documents:
            assert document["schema_version"] == 1
            assert deviations(document, spec) == [], (kind, document)


def test_the_variants_cover_the_optional_keys(printed: dict[str, list[dict[str, Any]]]) -> None:
    generate = printed["generate"]
    assert [sorted({"import", "ground_truth"} & set(d)) for d in generate] == [
        ["import"],
        ["ground_truth"],
    ]
    assert printed["import-report"][0]["problems"], "an import with problems was printed"
    assert [d["ok"] for d in printed["audit-verification"]] == [True, False]
    assert printed["audit-verification"][1]["head"] is None
    assert [bool(d["replaced_rows"]) for d in printed["restore"]] == [False, True]
    listed, silenced = printed["alert-worklist"]
    assert listed["alerts"] and all(a["silenced"] is None for a in listed["alerts"])
    decisions = [a["silenced"]["decision"] for a in silenced["alerts"] if a["silenced"]]
    assert sorted(decisions) == ["acknowledge", "snooze"]
    assert [d["decision"] for d in printed["alert-decision"]] == ["acknowledge", "snooze"]
    assert [d["mixed_model"] is None for d in printed["analysis-cohort"]] == [False, True]
    assert [d["report"] for d in printed["report"]] == ["case", "cohort"]
    assert any(r["wearing_off"] is None for r in printed["analysis-response"][0]["responses"])


def test_a_drifting_output_is_caught() -> None:
    spec = specification("audit-verification")
    good = {
        "kind": "audit-verification",
        "schema_version": 1,
        "database": "sqlite:///x",
        "ok": True,
        "entries_checked": 1,
        "first_broken_sequence": None,
        "problem": None,
        "head": {"sequence": 1, "hash": "ab"},
    }
    assert deviations(good, spec) == []
    assert deviations({**good, "extra": 1}, spec) == ["undocumented key extra"]
    assert deviations({**good, "head": {"sequence": 1}}, spec) == [
        "documented key head.hash is missing"
    ]
    assert deviations({**good, "ok": "yes"}, spec) == ["ok is 'yes', documented as boolean"]

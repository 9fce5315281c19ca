"""Native -> FHIR -> native through the command line keeps every clinical fact.

A generated cohort is stored, exported as FHIR (Bundle and Bulk NDJSON), imported into an empty
registry, and exported again in the native format: the native exports before and after are
byte-identical (the administrator's export, which holds no identifiers, as FHIR never does).
Importing the same FHIR files again changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_harness import cli, document

COHORT = ["--patients", "6", "--sites", "2", "--years", "2", "--seed", "13"]
AS_OF = ["--as-of", "2026-10-31"]  # the last day of the generated cohort's window


@pytest.mark.parametrize(
    ("fhir_format", "target"), [("fhir-ndjson", "fhir"), ("fhir-bundle", "bundle.json")]
)
def test_native_to_fhir_to_native_is_byte_identical(
    tmp_path: Path, fhir_format: str, target: str
) -> None:
    source, copy = cli(tmp_path / "source"), cli(tmp_path / "copy")
    source("init")
    source("generate", *COHORT)
    before, after, fhir = tmp_path / "before.jsonl", tmp_path / "after.jsonl", tmp_path / target
    source("export", "--format", "jsonl", "--out", str(before))
    exported = document(
        source("export", "--format", fhir_format, "--out", str(fhir), "--summary-format", "json"),
        "export",
    )
    assert (exported["patients"], exported["identifiers_included"]) == (6, 0)

    copy("init")
    imported = document(
        copy("import", "--format", "fhir", str(fhir), *AS_OF, "--summary-format", "json"),
        "import-report",
    )
    copy("export", "--format", "jsonl", "--out", str(after))

    assert (imported["ok"], imported["created"], imported["rejected_records"]) == (True, 6, 0)
    assert imported["unmapped"]["total"] == 0
    assert after.read_bytes() == before.read_bytes()

    again = document(
        copy("import", "--format", "fhir", str(fhir), *AS_OF, "--summary-format", "json"),
        "import-report",
    )
    assert (again["created"], again["unchanged"], again["replaced"]) == (0, 6, 0)

"""FHIR R4 Bulk NDJSON export and import of a generated registry (issue 5's benchmark).

For a registry holding a generated cohort: ``spsreg export --format fhir-ndjson`` (resources per
second and peak memory of the whole command, store reads included), the plain JSON parse rate of
the same files in this process (``json.loads`` of every line: the ceiling any importer works
under), and ``spsreg import --format fhir`` of those files into an empty registry (resources per
second, peak memory, every patient created and nothing unmapped). Run at two sizes, the figures
show whether memory stays flat as the data grow.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from bench.stages import Figure, run_stage


def ndjson_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.ndjson"))


def count_resources(directory: Path) -> int:
    count = 0
    for path in ndjson_files(directory):
        with path.open("rb") as handle:
            count += sum(1 for line in handle if line.strip())
    return count


def plain_parse_seconds(directory: Path) -> float:
    """Seconds to ``json.loads`` every resource line of the NDJSON files (the parse ceiling)."""
    started = time.perf_counter()
    for path in ndjson_files(directory):
        with path.open("rb") as handle:
            for line in handle:
                if line.strip():
                    json.loads(line)
    return time.perf_counter() - started


def fhir_benchmarks(
    work: Path, registry_env: dict[str, str], patients: int, size: str
) -> list[Figure]:
    """Export the registry in ``registry_env`` as FHIR NDJSON, parse it, import it afresh."""
    out = work / f"fhir-ndjson-{patients}"
    export = run_stage(
        ["export", "--format", "fhir-ndjson", "--out", str(out), "--summary-format", "json"],
        registry_env,
    )
    resources = count_resources(out)
    megabytes = sum(path.stat().st_size for path in ndjson_files(out)) / 2**20
    parse_seconds = plain_parse_seconds(out)
    target_env = {"SPSREG_HOME": str(work / f"fhir-home-{patients}"), "SPSREG_DATABASE_URL": ""}
    run_stage(["init", "--format", "json"], target_env)
    imported = run_stage(
        ["import", "--format", "fhir", str(out), "--summary-format", "json"], target_env
    )
    report = json.loads(imported.stdout)
    if report["created"] != patients or not report["ok"]:
        raise RuntimeError(
            f"the FHIR import created {report['created']} of {patients} patients "
            f"(problems: {report['problems'][:3]})"
        )
    exported, loaded = (
        f"FHIR NDJSON export ({patients} patients)",
        f"FHIR import ({patients} patients)",
    )
    return [
        Figure(exported, "resources written", float(resources), "resources", size),
        Figure(exported, "NDJSON size", megabytes, "MiB", size),
        Figure(exported, "resources per second", resources / export.seconds, "resources/s", size),
        Figure(exported, "wall time", export.seconds, "s", size),
        Figure(exported, "peak memory", export.peak_rss_mib, "MiB", size),
        Figure(
            f"FHIR parse ceiling ({patients} patients)",
            "json.loads resources per second (one process)",
            resources / parse_seconds,
            "resources/s",
            size,
        ),
        Figure(loaded, "resources per second", resources / imported.seconds, "resources/s", size),
        Figure(loaded, "wall time", imported.seconds, "s", size),
        Figure(loaded, "peak memory", imported.peak_rss_mib, "MiB", size),
        Figure(loaded, "unmapped items", float(report["unmapped"]["total"]), "items", size),
    ]

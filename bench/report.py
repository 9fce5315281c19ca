"""The benchmark report: ``bench/results.json`` (every figure, machine, date, revision) and
``bench/summary.md`` (the same figures grouped by benchmark, with how to reproduce and compare).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.stages import Figure

__all__ = ["BENCH_DIR", "git_revision", "machine_description", "write_reports"]

BENCH_DIR = Path(__file__).resolve().parent
GROUP_ORDER = (
    "generate",
    "import",
    "export",
    "round trip",
    "monitoring",
    "analysis",
    "FHIR",
    "trial",
    "web load",
    "web soak",
)
REPRODUCE = """\
```sh
make bench                                      # every benchmark (hours on 2 CPUs)
BENCH_ONLY=web make bench                       # only the web load scenarios and the soak
BENCH_ONLY=web BENCH_WEB_SOAK_SECONDS=0 make bench  # the web scenarios without the soak
BENCH_ONLY=fhir make bench                      # only FHIR Bulk NDJSON export and import
BENCH_ONLY=trials make bench                    # only trial screening and simulation
BENCH_REGISTRY_HOME=<SPSREG_HOME> make bench    # only monitoring and analysis, on that registry
```

Environment (defaults): `BENCH_PATIENTS` (10000), `BENCH_YEARS` (5), `BENCH_SITES` (3),
`BENCH_SEED` (20261121), `BENCH_POSTGRES_URL` (postgresql+psycopg://postgres@127.0.0.1:5432/test;
empty skips the PostgreSQL and web stages), `BENCH_WEB_USERS` (50), `BENCH_WEB_PEAK_USERS` (200),
`BENCH_WEB_SECONDS` (60), `BENCH_WEB_SOAK_SECONDS` (600; 0 skips the soak), `BENCH_WEB_WORKERS`
(2), `BENCH_WEB_THINK_MS` (1000). A run limited by `BENCH_ONLY` or `BENCH_REGISTRY_HOME` keeps
the other figures from the previous `bench/results.json`, each with the revision that measured it.
The soak's memory time series and chart are written to `bench/out/` (not versioned)."""
COMPARE = """\
```sh
cp bench/results.json /tmp/before.json   # keep the old report
make bench                               # or a BENCH_ONLY stage
python3 -m uv run python -m bench.compare /tmp/before.json bench/results.json
```

It prints, for every (benchmark, figure, data size) found in both reports, the old and the new
value and the change in percent; figures found in one report only are counted at the end.
Runs are comparable only on the same machine and data size: check the load average figures of
the web stage (other work on the machine slows the app down)."""


def git_revision() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=BENCH_DIR,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return None


def machine_description() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "memory_gib": memory_gib(),
    }


def group_rank(benchmark: str) -> int:
    for rank, prefix in enumerate(GROUP_ORDER):
        if benchmark.startswith(prefix):
            return rank
    return len(GROUP_ORDER)


def grouped(figures: Sequence[Figure]) -> list[tuple[str, list[Figure]]]:
    """Figures by benchmark, the benchmarks in the order of the pipeline."""
    groups: dict[str, list[Figure]] = {}
    for figure in figures:
        groups.setdefault(figure.benchmark, []).append(figure)
    ordered = sorted(enumerate(groups), key=lambda item: (group_rank(item[1]), item[0]))
    return [(name, groups[name]) for _, name in ordered]


def summary_lines(document: dict[str, Any], figures: Sequence[Figure]) -> list[str]:
    machine = document["machine"]
    memory = machine.get("memory_gib")
    ram = f"{memory:.1f} GiB RAM, " if memory else ""
    settings = document["environment"]
    lines = [
        "# spsreg benchmark summary",
        "",
        f"- date: {document['date']}",
        f"- git revision of this run: {document['git_revision']} (each figure below names the "
        "revision that measured it: a run limited by `BENCH_ONLY` keeps the others)",
        f"- machine: {machine['cpus']} CPUs ({machine['processor']}), {ram}{machine['platform']}, "
        f"Python {machine['python']}",
        "- this run: `"
        + " ".join([*(f"{k}={v}" for k, v in settings.items()), "make bench"])
        + "`",
        "- raw figures: [results.json](results.json)",
        "",
        "## How to reproduce",
        "",
        REPRODUCE,
        "",
        "## How to compare two runs",
        "",
        COMPARE,
    ]
    for benchmark, members in grouped(figures):
        lines += [
            "",
            f"## {benchmark}",
            "",
            "| figure | value | unit | data size | revision |",
            "|---|---:|---|---|---|",
        ]
        lines += [
            f"| {f.figure} | {f.value:,.2f} | {f.unit} | {f.data_size} | "
            f"{f.revision or document['git_revision']} |"
            for f in members
        ]
    return lines


def write_reports(figures: Sequence[Figure]) -> None:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    revision = git_revision()
    document: dict[str, Any] = {
        "kind": "spsreg-benchmarks",
        "schema_version": 1,
        "date": now,
        "git_revision": revision,
        "machine": machine_description(),
        "environment": {k: v for k, v in sorted(os.environ.items()) if k.startswith("BENCH_")},
        "figures": [asdict(f) | {"revision": f.revision or revision} for f in figures],
    }
    (BENCH_DIR / "results.json").write_text(json.dumps(document, indent=2) + "\n")
    (BENCH_DIR / "summary.md").write_text("\n".join(summary_lines(document, figures)) + "\n")

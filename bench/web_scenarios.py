"""The web benchmark's load scenarios: what each one asks of the load generator, running it
against the served app (sampling the app's resident memory meanwhile, for the soak), and the
figures of its result.

Scenarios (``planned_scenarios``), one after the other against the same settled server:

* "think 0.5-1.5 s" with ``BENCH_WEB_USERS`` users (default 50), the aim: every user pauses
  0.5-1.5 times ``BENCH_WEB_THINK_MS`` (default 1000) between requests, like a clinician;
* the same with ``BENCH_WEB_PEAK_USERS`` users (default 200);
* "no think time" with ``BENCH_WEB_USERS`` users (saturation: the server's capacity);
each for ``BENCH_WEB_SECONDS`` (default 60) after 5 s of warm-up; then the soak (bench/web_soak.py):
``BENCH_WEB_USERS`` users with think time for ``BENCH_WEB_SOAK_SECONDS`` (default 600; 0 skips
it) after 60 s of warm-up.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.app_processes import process_tree, resident_mib
from bench.stages import Figure

__all__ = [
    "P99_AIM_MS",
    "SOAK_SAMPLE_SECONDS",
    "Scenario",
    "ScenarioRun",
    "load_figures",
    "planned_scenarios",
    "run_scenario",
]

P99_AIM_MS = 250.0
SCENARIO_WARMUP_SECONDS = 5.0
SOAK_WARMUP_SECONDS = 60.0
SOAK_SAMPLE_SECONDS = 10.0
LOAD = (sys.executable, "-m", "bench.web_load")
REPOSITORY = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Scenario:
    name: str  # "think 0.5-1.5 s", "no think time"
    users: int
    think_ms: float
    seconds: float
    warmup: float = SCENARIO_WARMUP_SECONDS
    soak: bool = False  # sample the app's resident memory every SOAK_SAMPLE_SECONDS

    def label(self, size: str, workers: int) -> str:
        """The data size of this scenario's figures."""
        if self.soak:
            return (
                f"{size}; PostgreSQL, {self.users} users, soak, {self.name} x {self.seconds:g} s "
                f"after {self.warmup:g} s warm-up, {workers} worker(s)"
            )
        return (
            f"{size}; PostgreSQL, {self.users} users, {self.name} x {self.seconds:g} s, "
            f"{workers} worker(s)"
        )


@dataclass(frozen=True)
class ScenarioRun:
    scenario: Scenario
    result: dict[str, Any]  # the load generator's result document
    load_before: float  # the machine's 1-minute load average as the load began
    rss_samples: list[tuple[float, dict[int, float]]]  # (seconds since start, MiB per pid)


def planned_scenarios() -> list[Scenario]:
    users = int(os.environ.get("BENCH_WEB_USERS", "50"))
    peak_users = int(os.environ.get("BENCH_WEB_PEAK_USERS", "200"))
    seconds = float(os.environ.get("BENCH_WEB_SECONDS", "60"))
    think_ms = float(os.environ.get("BENCH_WEB_THINK_MS", "1000"))
    soak_seconds = float(os.environ.get("BENCH_WEB_SOAK_SECONDS", "600"))
    think = f"think {think_ms * 0.5 / 1000:g}-{think_ms * 1.5 / 1000:g} s"
    planned = [
        Scenario(think, users, think_ms, seconds),
        Scenario(think, peak_users, think_ms, seconds),
        Scenario("no think time", users, 0.0, seconds),
    ]
    if soak_seconds > 0:
        planned.append(
            Scenario(think, users, think_ms, soak_seconds, SOAK_WARMUP_SECONDS, soak=True)
        )
    return planned


def run_scenario(
    scenario: Scenario, work: Path, accounts_file: Path, base_url: str, server_pid: int, seed: int
) -> ScenarioRun:
    """One load generator run against the server (sampling the app's VmRSS for a soak)."""
    result_file = work / "web-load.json"
    errors_file = work / "web-load.stderr"
    load_before = os.getloadavg()[0]
    samples: list[tuple[float, dict[int, float]]] = []
    with errors_file.open("w", encoding="utf-8") as errors:
        started = time.monotonic()
        load = subprocess.Popen(
            [
                *LOAD,
                *("--base-url", base_url, "--accounts", str(accounts_file)),
                *("--users", str(scenario.users), "--seconds", str(scenario.seconds)),
                *("--warmup", str(scenario.warmup), "--out", str(result_file)),
                *("--think-ms", str(scenario.think_ms), "--seed", str(seed)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=errors,
            cwd=REPOSITORY,
        )
        while scenario.soak and load.poll() is None:
            samples.append((time.monotonic() - started, resident_mib(process_tree(server_pid))))
            next_sample = started + len(samples) * SOAK_SAMPLE_SECONDS
            with contextlib.suppress(subprocess.TimeoutExpired):
                load.wait(timeout=max(0.0, next_sample - time.monotonic()))
        if load.wait() != 0:
            raise RuntimeError(f"the load generator failed:\n{errors_file.read_text()}")
    result = json.loads(result_file.read_text(encoding="utf-8"))
    return ScenarioRun(scenario, result, load_before, samples)


def load_figures(run: ScenarioRun, label: str) -> list[Figure]:
    """The figures of one scenario's load result."""
    result = run.result
    figures: list[Figure] = []
    for endpoint, summary in {**result["endpoints"], "all requests": result["all"]}.items():
        name = f"web load ({endpoint})"
        figures += [
            Figure(name, "requests", float(summary["requests"]), "requests", label),
            Figure(
                name, "requests per second", summary["requests_per_second"], "requests/s", label
            ),
        ]
        figures += [
            Figure(name, f"{key} latency", float(summary[f"{key}_ms"]), "ms", label)
            for key in ("p50", "p95", "p99", "max")
            if summary[f"{key}_ms"] is not None
        ]
        figures += [
            Figure(name, "errors", float(summary["errors"]), "requests", label),
            Figure(name, "conflicts (409)", float(summary["conflicts"]), "requests", label),
        ]
    within_aim = result["all"]["errors"] == 0 and all(
        s["p99_ms"] is not None and s["p99_ms"] < P99_AIM_MS for s in result["endpoints"].values()
    )
    return [
        *figures,
        Figure(
            "web load (app)",
            "machine load average as the load began (1 min)",
            run.load_before,
            "runnable tasks",
            label,
        ),
        Figure(
            "web load (app)",
            "load generator CPU time",
            float(result["client_cpu_seconds"]),
            "s",
            label,
        ),
        Figure(
            "web load (app)",
            f"every p99 under {P99_AIM_MS:g} ms and no error (1 = yes)",
            float(within_aim),
            "boolean",
            label,
        ),
    ]

"""Run every benchmark and write ``bench/results.json`` and ``bench/summary.md``.

Each stage runs the real CLI in a child process so that its wall time and peak resident memory
(``ru_maxrss`` of that child alone) are measured as a user would experience them.

Environment: ``BENCH_PATIENTS`` (default 10000), ``BENCH_YEARS`` (5), ``BENCH_SITES`` (3),
``BENCH_SEED`` (20261121), ``BENCH_POSTGRES_URL`` (run the import/export stages on PostgreSQL too;
default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``, set it empty to skip). The
monitoring stage evaluates every rule for every patient on the cohort's last day on each backend;
the analysis stage runs the whole-registry cohort analysis (``spsreg analyze cohort``: frames,
responses of every therapy start, Kaplan-Meier, mixed model) on the same day on each backend.

``BENCH_REGISTRY_HOME``: instead of building a registry, run only the monitoring and analysis
stages on the embedded (SQLite) registry already in that ``SPSREG_HOME`` (``BENCH_PATIENTS`` must
say how many patients it holds). ``BENCH_ONLY=fhir``: run only the FHIR stage (bench/fhir_bench.py:
Bulk NDJSON export and import at ``BENCH_PATIENTS`` and at a fifth of it). In both cases the
figures of stages not run are kept from the previous ``bench/results.json``, each with the git
revision that measured it. ``BENCH_ONLY=trials``: only the trial stage (bench/trials_bench.py:
screening every patient against 10 trials on the memory and the SQL engine, and 100,000 simulated
crossover trials), on ``BENCH_REGISTRY_HOME`` if set, else on a generated registry.
``BENCH_ONLY=web``: only the web stage (bench/web_bench.py: ``spsreg serve`` on PostgreSQL, 2
workers, under 50 users with think time, 200 users with think time, 50 users without, each 60 s,
then a soak of 50 users for ``BENCH_WEB_SOAK_SECONDS`` (600; 0 skips it) sampling the app's
resident memory; the registry database is built once and reused; ``BENCH_WEB_USERS``,
``BENCH_WEB_PEAK_USERS``, ``BENCH_WEB_SECONDS``, ``BENCH_WEB_WORKERS``, ``BENCH_WEB_THINK_MS``).
Without ``BENCH_ONLY`` (plain ``make bench``) every stage runs: generate, import, monitoring,
analysis, FHIR, trials and export on SQLite, import, monitoring, analysis and export on PostgreSQL,
the round trip, and the web stage last (unless ``BENCH_POSTGRES_URL`` is empty). The report is
written by bench/report.py; ``python -m bench.compare OLD.json NEW.json`` compares two reports.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench.fhir_bench import fhir_benchmarks
from bench.report import BENCH_DIR, write_reports
from bench.stages import Figure, run_stage
from bench.trials_bench import trials_benchmarks
from bench.web_bench import web_benchmarks
from spsreg.synth import DEFAULT_END_DATE

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def create_postgres_database(base_url: str) -> tuple[str, str]:
    from sqlalchemy import create_engine, text

    name = f"spsreg_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base_url.rsplit("/", 1)[0] + f"/{name}", name


def drop_postgres_database(base_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def registry_core_benchmarks(work: Path) -> list[Figure]:
    patients = int(os.environ.get("BENCH_PATIENTS", "10000"))
    years = int(os.environ.get("BENCH_YEARS", "5"))
    sites = int(os.environ.get("BENCH_SITES", "3"))
    seed = os.environ.get("BENCH_SEED", "20261121")
    size = f"{patients} patients x {years} years, {sites} sites"
    figures: list[Figure] = []

    generated = work / "generated.jsonl"
    run = run_stage(
        [
            "generate",
            "--patients",
            str(patients),
            "--sites",
            str(sites),
            "--years",
            str(years),
            "--seed",
            seed,
            "--out",
            str(generated),
            "--format",
            "json",
        ],
        {},
    )
    figures += [
        Figure("generate", "patients per second", patients / run.seconds, "patients/s", size),
        Figure("generate", "wall time", run.seconds, "s", size),
        Figure("generate", "peak memory", run.peak_rss_mib, "MiB", size),
        Figure("generate", "native JSON-lines size", generated.stat().st_size / 2**20, "MiB", size),
    ]

    backends: list[tuple[str, dict[str, str], Any]] = [
        ("sqlite", {"SPSREG_HOME": str(work / "home"), "SPSREG_DATABASE_URL": ""}, None)
    ]
    postgres_base = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    if postgres_base:
        url, name = create_postgres_database(postgres_base)
        backends.append(("postgresql", {"SPSREG_DATABASE_URL": url}, name))
    try:
        for backend, env, _ in backends:
            run_stage(["init", "--format", "json"], env)
            run = run_stage(["import", str(generated), "--summary-format", "json"], env)
            figures += [
                Figure(
                    f"import ({backend})",
                    "patients per second",
                    patients / run.seconds,
                    "patients/s",
                    size,
                ),
                Figure(f"import ({backend})", "wall time", run.seconds, "s", size),
                Figure(f"import ({backend})", "peak memory", run.peak_rss_mib, "MiB", size),
            ]
            figures += monitoring_benchmarks(backend, env, patients, size)
            figures += analysis_benchmarks(backend, env, patients, size)
            if backend == "sqlite":
                figures += fhir_stage_benchmarks(work, env)
                figures += trials_benchmarks(work / "trials", env, size, as_of=DEFAULT_END_DATE)
            exported = work / f"exported-{backend}.jsonl"
            run = run_stage(["export", "--format", "jsonl", "--out", str(exported)], env)
            figures += [
                Figure(
                    f"export ({backend})",
                    "patients per second",
                    patients / run.seconds,
                    "patients/s",
                    size,
                ),
                Figure(f"export ({backend})", "wall time", run.seconds, "s", size),
                Figure(f"export ({backend})", "peak memory", run.peak_rss_mib, "MiB", size),
            ]
            if backend == "sqlite":
                # Round trip: the export imported into an empty database exports byte-identically.
                again_env = {"SPSREG_HOME": str(work / "home-again"), "SPSREG_DATABASE_URL": ""}
                run_stage(["init", "--format", "json"], again_env)
                run_stage(["import", str(exported), "--summary-format", "json"], again_env)
                again = work / "exported-again.jsonl"
                run_stage(["export", "--format", "jsonl", "--out", str(again)], again_env)
                figures.append(
                    Figure(
                        "round trip (sqlite)",
                        "export, import, export identical (1 = yes)",
                        float(sha256_of(exported) == sha256_of(again)),
                        "boolean",
                        size,
                    )
                )
    finally:
        for _backend, _env, name in backends:
            if name is not None:
                drop_postgres_database(postgres_base, name)
    return figures


def monitoring_benchmarks(
    backend: str, env: dict[str, str], patients: int, size: str
) -> list[Figure]:
    """Every monitoring rule for every patient on the cohort's last day.

    The real CLI (``spsreg alerts --format json``, the administrator's whole-registry worklist)
    gives the wall time a user sees, process start included; an in-process call of the same
    service splits it into loading (lean rows and timelines) and evaluating the rules.
    """
    from spsreg.services.monitoring import evaluate_patients
    from spsreg.store import Actor, Registry, Role, create_engine_for

    as_of = DEFAULT_END_DATE
    name = f"monitoring ({backend})"
    run = run_stage(["alerts", "--as-of", as_of.isoformat(), "--format", "json"], env)
    listed = json.loads(run.stdout)
    if listed["patients_evaluated"] != patients:
        raise RuntimeError(f"the worklist evaluated {listed['patients_evaluated']} patients")
    url = (
        env.get("SPSREG_DATABASE_URL") or f"sqlite:///{Path(env['SPSREG_HOME']) / 'spsreg.sqlite3'}"
    )
    engine = create_engine_for(url)
    try:
        started = time.perf_counter()
        _, _, load_seconds, evaluation_seconds = evaluate_patients(
            Registry(engine), Actor("bench", Role.ADMIN), as_of
        )
        in_process = time.perf_counter() - started
    finally:
        engine.dispose()
    return [
        Figure(name, "CLI wall time (spsreg alerts, whole registry)", run.seconds, "s", size),
        Figure(name, "CLI patients per second", patients / run.seconds, "patients/s", size),
        Figure(name, "CLI peak memory", run.peak_rss_mib, "MiB", size),
        Figure(name, "alerts listed", float(listed["count"]), "alerts", size),
        Figure(name, "load time (rows and timelines, in process)", load_seconds, "s", size),
        Figure(name, "evaluation time (rules, in process)", evaluation_seconds, "s", size),
        Figure(name, "load and evaluation (in process)", in_process, "s", size),
        Figure(name, "patients per second (in process)", patients / in_process, "patients/s", size),
    ]


def analysis_benchmarks(
    backend: str, env: dict[str, str], patients: int, size: str
) -> list[Figure]:
    """Cohort analysis of the whole registry on the cohort's last day, in a child process.

    ``spsreg analyze cohort --format json`` loads the frames column by column from the store,
    computes the response of every therapy start and dose change for every outcome, the
    Kaplan-Meier time to discontinuation of every medication therapy, the mixed-effects model of
    the stiffness index, lines of therapy and the summary table; its ``timings`` split the wall
    time into those steps.
    """

    name = f"analysis ({backend})"
    run = run_stage(
        ["analyze", "cohort", "--as-of", DEFAULT_END_DATE.isoformat(), "--format", "json"], env
    )
    result = json.loads(run.stdout)
    if result["patients"] != patients:
        raise RuntimeError(f"the cohort analysis read {result['patients']} patients")
    if result["mixed_model"] is None or not result["response_rates"]:
        raise RuntimeError("the cohort analysis gave no rates or no model")
    timings = result["timings"]
    steps = [
        ("load", "load frames from the store"),
        ("responses", "responses of every start x outcome, and rates"),
        ("survival", "Kaplan-Meier of every therapy"),
        ("model", "mixed-effects model"),
        ("other", "lines of therapy and summary table"),
    ]
    return [
        Figure(
            name, "CLI wall time (spsreg analyze cohort, whole registry)", run.seconds, "s", size
        ),
        Figure(name, "CLI peak memory", run.peak_rss_mib, "MiB", size),
        Figure(name, "patients per second", patients / run.seconds, "patients/s", size),
        Figure(
            name,
            "therapy starts and dose changes analysed",
            float(result["starts"]),
            "starts",
            size,
        ),
        *(
            Figure(name, f"{label} (in process)", float(timings[key]), "s", size)
            for key, label in steps
        ),
        Figure(
            name,
            "model converged (1 = yes)",
            float(bool(result["mixed_model"]["converged"])),
            "boolean",
            size,
        ),
    ]


def cohort_settings() -> tuple[int, int, int, str, str]:
    patients = int(os.environ.get("BENCH_PATIENTS", "10000"))
    years = int(os.environ.get("BENCH_YEARS", "5"))
    sites = int(os.environ.get("BENCH_SITES", "3"))
    seed = os.environ.get("BENCH_SEED", "20261121")
    return patients, years, sites, seed, f"{patients} patients x {years} years, {sites} sites"


def generated_registry(work: Path, patients: int) -> dict[str, str]:
    """An embedded registry holding the first ``patients`` of the benchmark cohort."""
    _, years, sites, seed, _ = cohort_settings()
    generated = work / f"generated-{patients}.jsonl"
    cohort = ["--patients", str(patients), "--sites", str(sites), "--years", str(years)]
    run_stage(
        ["generate", *cohort, "--seed", seed, "--out", str(generated), "--format", "json"], {}
    )
    env = {"SPSREG_HOME": str(work / f"home-{patients}"), "SPSREG_DATABASE_URL": ""}
    run_stage(["init", "--format", "json"], env)
    run_stage(["import", str(generated), "--summary-format", "json"], env)
    return env


def fhir_stage_benchmarks(work: Path, full_registry: dict[str, str] | None) -> list[Figure]:
    """FHIR NDJSON export and import at the benchmark size and at a fifth of it (the same
    cohort's prefix), so that peak memory can be compared as the data grow."""
    patients, years, sites, _, _ = cohort_settings()
    figures: list[Figure] = []
    for count in (max(1, patients // 5), patients):
        size = f"{count} patients x {years} years, {sites} sites"
        env = full_registry if count == patients and full_registry else None
        figures += fhir_benchmarks(work, env or generated_registry(work, count), count, size)
    return figures


def web_stage_benchmarks(work: Path) -> list[Figure]:
    """The web load stage on the PostgreSQL server of ``BENCH_POSTGRES_URL`` (none if empty)."""
    postgres_base = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    if not postgres_base:
        return []
    patients, years, sites, seed, size = cohort_settings()
    cohort = ["--patients", str(patients), "--sites", str(sites), "--years", str(years)]
    return web_benchmarks(work / "web", postgres_base, [*cohort, "--seed", seed], patients, size)


def existing_registry_benchmarks(home: Path) -> list[Figure]:
    """The monitoring and analysis stages on a registry built earlier (``BENCH_REGISTRY_HOME``)."""
    patients = int(os.environ.get("BENCH_PATIENTS", "10000"))
    years = int(os.environ.get("BENCH_YEARS", "5"))
    sites = int(os.environ.get("BENCH_SITES", "3"))
    size = f"{patients} patients x {years} years, {sites} sites"
    env = {"SPSREG_HOME": str(home), "SPSREG_DATABASE_URL": ""}
    return monitoring_benchmarks("sqlite", env, patients, size) + (
        analysis_benchmarks("sqlite", env, patients, size)
    )


def merged_with_previous(figures: list[Figure]) -> list[Figure]:
    """``figures`` and, for every (benchmark, figure, data size) they do not measure, the figure
    of the previous report with the revision that measured it."""
    previous_path = BENCH_DIR / "results.json"
    if not previous_path.exists():
        return figures
    previous = json.loads(previous_path.read_text())
    measured = {(f.benchmark, f.figure, f.data_size) for f in figures}
    kept = [
        Figure(**{"revision": previous["git_revision"], **item})
        for item in previous["figures"]
        if (item["benchmark"], item["figure"], item["data_size"]) not in measured
    ]
    return kept + figures


def main() -> None:
    reuse = os.environ.get("BENCH_REGISTRY_HOME")
    only = os.environ.get("BENCH_ONLY")
    if only == "fhir":
        with tempfile.TemporaryDirectory(prefix="spsreg-bench-") as directory:
            figures = merged_with_previous(fhir_stage_benchmarks(Path(directory), None))
    elif only == "trials":
        with tempfile.TemporaryDirectory(prefix="spsreg-bench-") as directory:
            work = Path(directory)
            patients, _, _, _, size = cohort_settings()
            env = (
                {"SPSREG_HOME": reuse, "SPSREG_DATABASE_URL": ""}
                if reuse
                else generated_registry(work, patients)
            )
            figures = merged_with_previous(
                trials_benchmarks(work / "trials", env, size, as_of=DEFAULT_END_DATE)
            )
    elif only == "web":
        with tempfile.TemporaryDirectory(prefix="spsreg-bench-") as directory:
            figures = merged_with_previous(web_stage_benchmarks(Path(directory)))
    elif reuse:
        figures = merged_with_previous(existing_registry_benchmarks(Path(reuse)))
    else:
        with tempfile.TemporaryDirectory(prefix="spsreg-bench-") as directory:
            figures = registry_core_benchmarks(Path(directory))
            figures += web_stage_benchmarks(Path(directory))
    write_reports(figures)
    print((BENCH_DIR / "summary.md").read_text())


if __name__ == "__main__":
    main()

"""Web load benchmark (issues 7 and 8): ``spsreg serve`` on PostgreSQL under concurrent users.

A generated registry of ``BENCH_PATIENTS`` patients lives in the PostgreSQL database
``spsreg_bench_web_<patients>p`` (next to ``BENCH_POSTGRES_URL``'s database). It is built once with
the real CLI (``spsreg init``, then ``spsreg generate`` straight into the database) and reused by
later runs when it already holds that many patients (``spsreg init`` then brings its schema to this
spsreg's head). The bench's diary writes stay in it: they fall after the cohort's last generated
day, and a later run replaces them (PUT).

Per site, a clinician account ``bench-clinician-<site>`` is created (or its password reset to a new
random one) and given a fresh API token (``spsreg users token-add``). The app runs as
``spsreg serve`` with ``BENCH_WEB_WORKERS`` worker processes (default 2: PostgreSQL and the load
generator share the machine's cores with them), and the load generator runs in its own process
(``python -m bench.web_load``). The scenarios (bench/web_scenarios.py: 50 users with think time,
200 users with think time, 50 users without, then the 10-minute soak) run one after the other
against the same server, each once the app has settled, each recorded under its own label.

Figures per scenario: requests per second and p50/p95/p99 latency of each endpoint, errors and
conflicts, the machine's load average as it began, and whether every p99 stayed under the 250 ms
aim with no error; for the soak, the app's resident memory over time (bench/web_soak.py); for the
app, the peak resident memory (VmHWM of the server process and of its worker processes) after all
scenarios.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.app_processes import peak_rss_mib, process_tree, wait_until_idle
from bench.stages import Figure, run_stage
from bench.web_scenarios import Scenario, ScenarioRun, load_figures, planned_scenarios, run_scenario
from bench.web_soak import soak_figures

__all__ = ["web_benchmarks"]

SERVER_START_SECONDS = 300.0
CLINICIAN_PREFIX = "bench-clinician-"
SERVE = (sys.executable, "-m", "spsreg", "serve", "--host", "127.0.0.1")


def bench_database_url(postgres_base: str, patients: int) -> tuple[str, str]:
    name = f"spsreg_bench_web_{patients}p"
    return postgres_base.rsplit("/", 1)[0] + f"/{name}", name


def patient_count(url: str) -> int | None:
    """Patients in the database at ``url``; None when it does not exist or holds no registry."""
    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.exc import OperationalError

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("patients"):
                return None
            return int(connection.execute(text("SELECT count(*) FROM patients")).scalar_one())
    except OperationalError:
        return None
    finally:
        engine.dispose()


def recreate_database(postgres_base: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(postgres_base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def ensure_registry(
    postgres_base: str, cohort: list[str], patients: int
) -> tuple[dict[str, str], bool]:
    """The environment of the bench database, built when missing; and whether it was built."""
    url, name = bench_database_url(postgres_base, patients)
    env = {"SPSREG_DATABASE_URL": url}
    built = patient_count(url) != patients
    if built:
        print(f"web bench: building {name} ({patients} patients)...", file=sys.stderr, flush=True)
        recreate_database(postgres_base, name)
    run_stage(["init", "--format", "json"], env)  # creates, or upgrades to the schema head
    if built:
        run_stage(["generate", *cohort, "--format", "json"], env)
        if patient_count(url) != patients:
            raise RuntimeError(f"{name} does not hold {patients} patients after generating")
    return env, built


def site_patients(url: str) -> dict[str, list[str]]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT site_id, id FROM patients ORDER BY site_id, id"))
            by_site: dict[str, list[str]] = {}
            for site_id, patient_id in rows:
                by_site.setdefault(str(site_id), []).append(str(patient_id))
    finally:
        engine.dispose()
    return by_site


def token_in(document: Any) -> str | None:
    """The API token (``spsreg_...``) anywhere in the JSON printed by ``users token-add``."""
    if isinstance(document, str):
        return document if document.startswith("spsreg_") else None
    if isinstance(document, dict):
        document = list(document.values())
    if isinstance(document, list):
        for value in document:
            found = token_in(value)
            if found:
                return found
    return None


def run_with_stdin(args: list[str], env: dict[str, str], stdin: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "spsreg", *args],
        env={**os.environ, **env},
        input=stdin,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"spsreg {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def prepare_accounts(env: dict[str, str], by_site: dict[str, list[str]]) -> list[dict[str, Any]]:
    """A clinician per site with a new random password and a new API token."""
    admin = {**env, "SPSREG_SITE": ""}
    listed = json.loads(run_stage(["users", "list", "--format", "json"], admin).stdout)
    existing = {user["name"] for user in listed["users"]}
    accounts = []
    for site, patients in sorted(by_site.items()):
        name = CLINICIAN_PREFIX + site.lower()
        password = secrets.token_urlsafe(24)
        if name in existing:
            command = ["users", "reset-password", name]
        else:
            command = ["users", "add", name, "--role", "clinician", "--site", site]
        run_with_stdin([*command, "--password-stdin", "--format", "json"], admin, password + "\n")
        issued = run_stage(
            [
                "users",
                "token-add",
                name,
                "--label",
                "bench",
                "--expires-days",
                "1",
                "--format",
                "json",
            ],
            admin,
        )
        token = token_in(json.loads(issued.stdout))
        if token is None:
            raise RuntimeError(f"`spsreg users token-add {name}` printed no token")
        accounts.append(
            {
                "site": site,
                "username": name,
                "password": password,
                "token": token,
                "patients": patients,
            }
        )
    return accounts


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_healthy(base_url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"spsreg serve stopped ({server.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(f"{base_url}/api/v1/health", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"spsreg serve did not answer /api/v1/health:\n{log.read_text()}")


def diary_entries_stored(url: str) -> int:
    """Diary entries in the database: the load's seed follows it, so that a run on a reused
    database picks other patient-days than the runs before it (a repeated day answers 409)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM diary_entries")).scalar_one())
    finally:
        engine.dispose()


def serve_and_load(
    work: Path,
    env: dict[str, str],
    accounts: list[dict[str, Any]],
    workers: int,
    planned: list[Scenario],
) -> tuple[list[ScenarioRun], dict[int, float], tuple[float, float]]:
    """Serve the registry, wait for it to settle, run every scenario (each once the app has
    settled again); the runs, the peak resident memory of each app process (MiB), and the seconds
    until the app answered and the further seconds until it settled."""
    accounts_file = work / "web-accounts.json"
    accounts_file.touch(mode=0o600)
    accounts_file.write_text(json.dumps({"accounts": accounts}), encoding="utf-8")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = work / "web-serve.log"
    runs = []
    base_seed = int(os.environ.get("BENCH_SEED", "20261121"))
    with log.open("wb") as log_handle:
        server = subprocess.Popen(
            [*SERVE, "--port", str(port), "--workers", str(workers)],
            env={**os.environ, **env},
            stdout=log_handle,
            stderr=subprocess.STDOUT,
        )
        try:
            begun = time.monotonic()
            wait_until_healthy(base_url, server, log)
            answered = time.monotonic() - begun
            settled = wait_until_idle(server.pid)
            for scenario in planned:
                wait_until_idle(server.pid)
                seed = base_seed + diary_entries_stored(env["SPSREG_DATABASE_URL"])
                print(f"web bench: {scenario.label('', workers)[2:]}...", file=sys.stderr)
                runs.append(run_scenario(scenario, work, accounts_file, base_url, server.pid, seed))
            peaks = peak_rss_mib(process_tree(server.pid))
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    return runs, peaks, (answered, settled)


def web_benchmarks(
    work: Path, postgres_base: str, cohort: list[str], patients: int, size: str
) -> list[Figure]:
    """Build or reuse the bench database, serve it and put it under load; the figures.

    ``cohort``: the ``spsreg generate`` options of the benchmark cohort (patients, sites, years,
    seed); ``size``: the data size label of the other stages.
    """
    work.mkdir(parents=True, exist_ok=True)
    workers = int(os.environ.get("BENCH_WEB_WORKERS", "2"))
    env, _ = ensure_registry(postgres_base, cohort, patients)
    by_site = site_patients(env["SPSREG_DATABASE_URL"])
    accounts = prepare_accounts(env, by_site)
    planned = planned_scenarios()
    runs, peaks, (answered, settled) = serve_and_load(work, env, accounts, workers, planned)
    figures: list[Figure] = []
    for run in runs:
        label = run.scenario.label(size, workers)
        figures += soak_figures(run, label) if run.scenario.soak else load_figures(run, label)
    described = ", ".join(
        f"{s.users} users {'soak' if s.soak else s.name} x {s.seconds:g} s" for s in planned
    )
    app_label = f"{size}; PostgreSQL, after {described}; {workers} worker(s)"
    figures += [
        Figure("web load (app)", "worker processes", float(workers), "processes", app_label),
        Figure("web load (app)", "start until /api/v1/health answers", answered, "s", app_label),
        Figure(
            "web load (app)",
            "then until the app settles (worklist cache warmed)",
            settled,
            "s",
            app_label,
        ),
        Figure(
            "web load (app)", "peak memory, all processes", sum(peaks.values()), "MiB", app_label
        ),
        Figure(
            "web load (app)",
            "peak memory, largest process",
            max(peaks.values()),
            "MiB",
            app_label,
        ),
    ]
    return figures

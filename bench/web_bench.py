"""Web load benchmark (issue 7): ``spsreg serve`` on PostgreSQL under concurrent users.

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
(``python -m bench.web_load``). Two scenarios run one after the other against the same settled
server, each with ``BENCH_WEB_USERS`` users (default 50) for ``BENCH_WEB_SECONDS`` (default 60)
after 5 s of warm-up, and each recorded under its own label:

* "think 0.5-1.5 s" (the aim): every user pauses uniformly 0.5-1.5 times ``BENCH_WEB_THINK_MS``
  (default 1000: 0.5-1.5 s) between requests, like a clinician clicking through pages;
* "no think time" (saturation): users send their next request as soon as the last one answered,
  which measures the server's capacity.

Figures per scenario: requests per second and p50/p95/p99 latency of each endpoint, errors and
conflicts, and whether every p99 stayed under the 250 ms aim with no error; for the app, the peak
resident memory (VmHWM of the server process and of its worker processes) after both scenarios.
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

from bench.stages import Figure, run_stage

__all__ = ["P99_AIM_MS", "web_benchmarks"]

P99_AIM_MS = 250.0
SERVER_START_SECONDS = 300.0
IDLE_WINDOW_SECONDS = 2.0
IDLE_CPU_SHARE = 0.1  # settled: under a tenth of a core over the window
IDLE_WAIT_LIMIT_SECONDS = 900.0
CLINICIAN_PREFIX = "bench-clinician-"
SERVE = (sys.executable, "-m", "spsreg", "serve", "--host", "127.0.0.1")
LOAD = (sys.executable, "-m", "bench.web_load")


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


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (uvicorn's worker processes), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending += children.get(current, [])
    return tree


def peak_rss_mib(pids: list[int]) -> dict[int, float]:
    """VmHWM (peak resident set) of each live process, in MiB."""
    peaks = {}
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks[pid] = int(line.split()[1]) / 1024
    return peaks


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of the live processes among ``pids``, from /proc."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def wait_until_idle(pid: int) -> float:
    """Wait until the app (``pid`` and its workers) has settled after starting (its worklist
    cache is warmed in a background thread); the seconds waited."""
    started = time.monotonic()
    before = cpu_seconds(process_tree(pid))
    while time.monotonic() - started < IDLE_WAIT_LIMIT_SECONDS:
        time.sleep(IDLE_WINDOW_SECONDS)
        now = cpu_seconds(process_tree(pid))
        if now - before < IDLE_CPU_SHARE * IDLE_WINDOW_SECONDS:
            break
        before = now
    return time.monotonic() - started


def load_settings() -> tuple[int, float, int, float]:
    users = int(os.environ.get("BENCH_WEB_USERS", "50"))
    seconds = float(os.environ.get("BENCH_WEB_SECONDS", "60"))
    workers = int(os.environ.get("BENCH_WEB_WORKERS", "2"))
    think_ms = float(os.environ.get("BENCH_WEB_THINK_MS", "1000"))
    return users, seconds, workers, think_ms


def scenarios(think_ms: float) -> list[tuple[str, float]]:
    """(label, mean think time in ms) of the scenarios: the aim, then saturation."""
    low, high = think_ms * 0.5 / 1000, think_ms * 1.5 / 1000
    return [(f"think {low:g}-{high:g} s", think_ms), ("no think time", 0.0)]


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


def run_scenario(
    work: Path, env: dict[str, str], accounts_file: Path, base_url: str, think_ms: float
) -> tuple[dict[str, Any], float]:
    """One load generator run against the server; its result and the load average as it began."""
    users, seconds, _, _ = load_settings()
    seed = int(os.environ.get("BENCH_SEED", "20261121")) + diary_entries_stored(
        env["SPSREG_DATABASE_URL"]
    )
    result_file = work / "web-load.json"
    load_before = os.getloadavg()[0]
    load = subprocess.run(
        [
            *LOAD,
            *("--base-url", base_url, "--accounts", str(accounts_file)),
            *("--users", str(users), "--seconds", str(seconds), "--out", str(result_file)),
            *("--think-ms", str(think_ms), "--seed", str(seed)),
        ],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    if load.returncode != 0:
        raise RuntimeError(f"the load generator failed:\n{load.stderr}")
    return json.loads(result_file.read_text(encoding="utf-8")), load_before


def serve_and_load(
    work: Path,
    env: dict[str, str],
    accounts: list[dict[str, Any]],
    workers: int,
    think_times_ms: list[float],
) -> tuple[list[tuple[dict[str, Any], float]], dict[int, float], tuple[float, float]]:
    """Serve the registry, wait for it to settle, run the load generator once per think time;
    each load result with the load average as it began, the peak resident memory of each app
    process (MiB), and the seconds until the app answered and the further seconds until it
    settled."""
    accounts_file = work / "web-accounts.json"
    accounts_file.touch(mode=0o600)
    accounts_file.write_text(json.dumps({"accounts": accounts}), encoding="utf-8")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = work / "web-serve.log"
    results = []
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
            for think_ms in think_times_ms:
                wait_until_idle(server.pid)
                results.append(run_scenario(work, env, accounts_file, base_url, think_ms))
            peaks = peak_rss_mib(process_tree(server.pid))
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    return results, peaks, (answered, settled)


def load_figures(result: dict[str, Any], label: str, load_before: float) -> list[Figure]:
    """The figures of one scenario's load result."""
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
            load_before,
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


def web_benchmarks(
    work: Path, postgres_base: str, cohort: list[str], patients: int, size: str
) -> list[Figure]:
    """Build or reuse the bench database, serve it and put it under load; the figures.

    ``cohort``: the ``spsreg generate`` options of the benchmark cohort (patients, sites, years,
    seed); ``size``: the data size label of the other stages.
    """
    work.mkdir(parents=True, exist_ok=True)
    users, seconds, workers, think_ms = load_settings()
    env, _ = ensure_registry(postgres_base, cohort, patients)
    by_site = site_patients(env["SPSREG_DATABASE_URL"])
    accounts = prepare_accounts(env, by_site)
    planned = scenarios(think_ms)
    results, peaks, (answered, settled) = serve_and_load(
        work, env, accounts, workers, [mean for _, mean in planned]
    )
    labels = [
        f"{size}; PostgreSQL, {users} users, {scenario} x {seconds:g} s, {workers} worker(s)"
        for scenario, _ in planned
    ]
    figures: list[Figure] = []
    for label, (result, load_before) in zip(labels, results, strict=True):
        figures += load_figures(result, label, load_before)
    app_label = f"{size}; PostgreSQL, {users} users, both scenarios, {workers} worker(s)"
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

"""The app's processes as the web benchmark sees them: ``spsreg serve`` and its uvicorn workers.

Everything is read from /proc (Linux): the process tree, resident memory now (VmRSS) and at its
peak (VmHWM), CPU time, and a wait until the app has settled after starting.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

__all__ = [
    "cpu_seconds",
    "peak_rss_mib",
    "process_tree",
    "resident_mib",
    "wait_until_idle",
]

IDLE_WINDOW_SECONDS = 2.0
IDLE_CPU_SHARE = 0.1  # settled: under a tenth of a core over the window
IDLE_WAIT_LIMIT_SECONDS = 900.0


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


def status_mib(pids: list[int], field: str) -> dict[int, float]:
    """A memory field of /proc/<pid>/status (in kB there) of each live process, in MiB."""
    values = {}
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith(f"{field}:"):
                values[pid] = int(line.split()[1]) / 1024
    return values


def peak_rss_mib(pids: list[int]) -> dict[int, float]:
    """VmHWM (peak resident set) of each live process, in MiB."""
    return status_mib(pids, "VmHWM")


def resident_mib(pids: list[int]) -> dict[int, float]:
    """VmRSS (resident set now) of each live process, in MiB."""
    return status_mib(pids, "VmRSS")


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

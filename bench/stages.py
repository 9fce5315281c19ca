"""What every benchmark stage shares: a figure, and running the real CLI in a child process."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    benchmark: str
    figure: str
    value: float
    unit: str
    data_size: str
    revision: str = ""  # the git revision that measured it (filled in when the report is written)


@dataclass(frozen=True)
class StageRun:
    seconds: float
    peak_rss_mib: float
    stdout: str


def run_stage(args: list[str], env: dict[str, str]) -> StageRun:
    """Run ``python -m spsreg ARGS`` and measure wall time and the child's own peak RSS.

    Output goes to temporary files, not pipes: a child printing more than a pipe holds would
    otherwise block while this process waits for it.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "spsreg", *args],
            env={**os.environ, **env},
            stdout=out,
            stderr=err,
            text=True,
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        raise RuntimeError(f"spsreg {' '.join(args)} failed ({process.returncode}):\n{stderr}")
    return StageRun(seconds=seconds, peak_rss_mib=usage.ru_maxrss / 1024, stdout=stdout)

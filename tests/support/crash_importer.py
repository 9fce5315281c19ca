"""Running ``spsreg`` commands in real processes that a test can kill with SIGKILL.

Starting ``spsreg`` costs seconds of imports (pandas, SQLAlchemy, ...) before any work begins, so
a crash test that started a fresh interpreter for every kill point would spend most of its time
importing. Instead one warm parent process (this file run as a script) imports the command line
once and then **forks** one child per command: the child is an ordinary operating-system process
that runs the real ``spsreg`` entry point (``spsreg.cli.main:app``) with its own environment and
its own database connections, and it dies exactly as a separately started importer would when it
receives SIGKILL. The parent opens no database and reaps each child, reporting how it ended.

Protocol on the parent's stdin/stdout, one JSON object per line: the test sends
``{"args": [...], "env": {...}, "stdout": path, "stderr": path}``; the parent answers
``{"started": pid}`` and, when the child is gone, ``{"ended": pid, "code": exit code or -signal}``.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["ChildRun", "ForkingImporter"]

READY = "ready"


@dataclass(frozen=True)
class ChildRun:
    """How one command ended: its exit code (``-9`` when killed) and when (monotonic seconds)."""

    pid: int
    code: int
    started_at: float
    ended_at: float
    killed: bool

    @property
    def duration(self) -> float:
        return self.ended_at - self.started_at


class ForkingImporter:
    """Client side: a warm parent process and the commands it runs in killable children."""

    def __init__(self, python: str = sys.executable) -> None:
        self._process = subprocess.Popen(
            [python, __file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline().strip()
        assert line == READY, f"the importer parent did not start: {line!r}"

    def start(self, args: list[str], env: dict[str, str | None], output: Path) -> int:
        """Fork a child running ``spsreg ARGS`` with ``env`` applied (``None`` unsets a
        variable); its pid. Its stdout goes to ``output``, its stderr next to it (``.err``)."""
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None and stdout is not None
        request = {
            "args": args,
            "env": env,
            "stdout": str(output),
            "stderr": str(output.with_suffix(".err")),
        }
        stdin.write(json.dumps(request) + "\n")
        stdin.flush()
        message = json.loads(stdout.readline())
        return int(message["started"])

    def wait(self, pid: int, timeout: float | None = None) -> int | None:
        """The child's exit code once it has ended, or ``None`` if it is still running after
        ``timeout`` seconds (``None``: wait as long as it takes)."""
        stdout = self._process.stdout
        assert stdout is not None
        if timeout is not None:
            ready, _, _ = select.select([stdout], [], [], max(timeout, 0.0))
            if not ready:
                return None
        message = json.loads(stdout.readline())
        assert message["ended"] == pid, (message, pid)
        return int(message["code"])

    def kill(self, pid: int) -> int:
        """SIGKILL the running child (which must not have been waited for yet); its exit code."""
        os.kill(pid, signal.SIGKILL)
        code = self.wait(pid)
        assert code is not None
        return code

    def run(self, args: list[str], env: dict[str, str | None], output: Path) -> ChildRun:
        """Run a command to completion."""
        started_at = time.monotonic()
        pid = self.start(args, env, output)
        code = self.wait(pid)
        assert code is not None
        return ChildRun(pid, code, started_at, time.monotonic(), killed=False)

    def close(self) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        stdin.close()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a child still running: stop the parent regardless
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()


def _serve() -> None:
    """Parent side: import the command line once, then fork one child per request."""
    from spsreg.cli.main import app

    print(READY, flush=True)
    for line in sys.stdin:
        request: dict[str, Any] = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(app, request)
        print(json.dumps({"started": pid}), flush=True)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"ended": pid, "code": os.waitstatus_to_exitcode(status)}), flush=True)


def _child(app: Any, request: dict[str, Any]) -> None:
    """In the forked child: redirect the output, apply the environment, run the command, exit."""
    code = 70
    try:
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        for descriptor, name in ((1, "stdout"), (2, "stderr")):
            target = os.open(request[name], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(target, descriptor)
            os.close(target)
        for name, value in request["env"].items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        try:
            app(args=request["args"], prog_name="spsreg")
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        except BaseException:
            traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


if __name__ == "__main__":
    _serve()

"""Running the ``spsreg`` command line in-process in tests, and reading its JSON output."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from spsreg.cli.main import app

Run = Callable[..., Result]
"""``run(*args, code=0)``: invoke ``spsreg ARGS`` and assert its exit code."""


def cli_with_env(env: Mapping[str, str | None]) -> Run:
    """Run ``spsreg ARGS`` in-process with ``env`` (no site, a fixed user unless given)."""
    runner = CliRunner(env={"SPSREG_SITE": None, "SPSREG_USER": "cli-tester", **env})

    def invoke(*args: str, code: int = 0) -> Result:
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        return result

    return invoke


def cli(home: Path) -> Run:
    """Run ``spsreg ARGS`` on the embedded database in ``home`` (SPSREG_HOME)."""
    return cli_with_env({"SPSREG_HOME": str(home), "SPSREG_DATABASE_URL": None})


def document(result: Result, kind: str) -> dict[str, Any]:
    """The JSON a command printed: one object, with its kind and schema version."""
    data: dict[str, Any] = json.loads(result.stdout)
    assert (data.pop("kind"), data.pop("schema_version")) == (kind, 1)
    return data

"""Printing results: every command that prints results takes ``--format table|json``.

JSON output is a stable, documented contract (docs/cli.md): one object with ``kind`` (what the
document is), ``schema_version`` and the command's fields. Tables are for people and may change.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

__all__ = ["JSON_SCHEMA_VERSION", "FormatOption", "OutputFormat", "emit", "fail", "render_table"]

JSON_SCHEMA_VERSION = 1


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="table for people, json for programs (stable, documented)"),
]
"""The ``--format table|json`` option of every command that prints results (default: table)."""

console = Console()
error_console = Console(stderr=True)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def emit(
    output_format: OutputFormat,
    kind: str,
    document: Mapping[str, Any],
    tables: Sequence[Table] = (),
    lines: Sequence[str] = (),
) -> None:
    """Print a result as JSON (the whole document) or as Rich tables followed by plain lines."""
    if output_format is OutputFormat.JSON:
        payload = {"kind": kind, "schema_version": JSON_SCHEMA_VERSION, **document}
        sys.stdout.write(
            json.dumps(payload, indent=2, ensure_ascii=False, default=_jsonable) + "\n"
        )
        return
    for table in tables:
        console.print(table)
    for line in lines:
        console.print(line, highlight=False)


def render_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    return table


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error for a person on stderr and return the Exit to raise.

    The message is never wrapped by the console: it names paths and database URLs that must stay
    whole to be copied, and a log or a pipe is not 80 columns wide.
    """
    error_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)

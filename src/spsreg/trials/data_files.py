"""The ``--data`` files of ``spsreg trials analyze``: CSV with a header row, one layout per design.

======== ============================================ =============================================
design   columns (any order; others are ignored)     one row is
======== ============================================ =============================================
crossover ``subject,sequence,period1,period2``        a subject: ``AB`` = treatment (A) in period 1
parallel  ``subject,group,baseline,outcome``          a subject: ``treatment`` or ``control``
nof1      ``patient,cycle,treatment,control``         one cycle (a treatment/control pair) of a
                                                      patient
======== ============================================ =============================================

Values are numbers (``.`` as the decimal point); blank lines are skipped. Every problem is a
:class:`TrialDataError` naming the file, the line (the header is line 1), the column and the
reason. Parsing takes the file's text: reading the file is the caller's (this package does no
I/O).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from typing import Any

from spsreg.trials.crossover import SEQUENCES, CrossoverSubject
from spsreg.trials.parallel import GROUPS, ParallelSubject

__all__ = ["COLUMNS", "TrialDataError", "parse_trial_data"]

COLUMNS: dict[str, tuple[str, ...]] = {
    "crossover": ("subject", "sequence", "period1", "period2"),
    "parallel": ("subject", "group", "baseline", "outcome"),
    "nof1": ("patient", "cycle", "treatment", "control"),
}


class TrialDataError(ValueError):
    """A data file that does not fit its design's layout (the message says where and why)."""

    def __init__(self, name: str, line: int, column: str | None, reason: str) -> None:
        where = f"{name} line {line}" + (f", column {column!r}" if column else "")
        super().__init__(f"{where}: {reason}")
        self.line, self.column, self.reason = line, column, reason


def _rows(name: str, text: str, design: str) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None:
        raise TrialDataError(name, 1, None, "the file is empty (a header row is needed)")
    header = [cell.strip().lower() for cell in header]
    missing = [column for column in COLUMNS[design] if column not in header]
    if missing:
        raise TrialDataError(
            name,
            1,
            missing[0],
            f"missing column; a {design} file needs {', '.join(COLUMNS[design])}",
        )
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            raise TrialDataError(
                name, line, None, f"{len(cells)} cells, the header has {len(header)}"
            )
        yield line, {column: cell.strip() for column, cell in zip(header, cells, strict=True)}


def _number(name: str, line: int, column: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise TrialDataError(name, line, column, f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise TrialDataError(name, line, column, f"{text!r} is not a finite number")
    return value


def _text(name: str, line: int, column: str, text: str, allowed: tuple[str, ...] = ()) -> str:
    if not text:
        raise TrialDataError(name, line, column, "empty")
    if allowed and text not in allowed:
        raise TrialDataError(name, line, column, f"{text!r} is not one of {', '.join(allowed)}")
    return text


def parse_trial_data(name: str, text: str, design: str) -> Any:
    """Parse a data file's text for ``design``: a list of :class:`CrossoverSubject` or
    :class:`ParallelSubject`, or for ``nof1`` a dict patient -> [(treatment, control), ...] in
    cycle order. ``name`` is the file's name in messages."""
    if design not in COLUMNS:
        raise ValueError(f"unknown design {design!r}")
    if design == "nof1":
        return _nof1(name, text)
    subjects: list[Any] = []
    first_line: dict[str, int] = {}
    for line, row in _rows(name, text, design):
        subject = _text(name, line, "subject", row["subject"])
        if subject in first_line:
            raise TrialDataError(
                name, line, "subject", f"{subject!r} is already on line {first_line[subject]}"
            )
        first_line[subject] = line
        if design == "crossover":
            sequence = _text(name, line, "sequence", row["sequence"].upper(), SEQUENCES)
            p1 = _number(name, line, "period1", row["period1"])
            p2 = _number(name, line, "period2", row["period2"])
            subjects.append(CrossoverSubject(subject, sequence, p1, p2))
        else:
            group = _text(name, line, "group", row["group"].lower(), GROUPS)
            baseline = _number(name, line, "baseline", row["baseline"])
            outcome = _number(name, line, "outcome", row["outcome"])
            subjects.append(ParallelSubject(subject, group, baseline, outcome))
    if not subjects:
        raise TrialDataError(name, 2, None, "no data rows")
    return subjects


def _nof1(name: str, text: str) -> dict[str, list[tuple[float, float]]]:
    cycles: dict[str, dict[str, tuple[int, float, float]]] = {}
    for line, row in _rows(name, text, "nof1"):
        patient = _text(name, line, "patient", row["patient"])
        cycle = _text(name, line, "cycle", row["cycle"])
        seen = cycles.setdefault(patient, {})
        if cycle in seen:
            raise TrialDataError(
                name, line, "cycle", f"patient {patient!r} cycle {cycle!r} is already on line "
                f"{seen[cycle][0]}"
            )  # fmt: skip
        treatment = _number(name, line, "treatment", row["treatment"])
        control = _number(name, line, "control", row["control"])
        seen[cycle] = (line, treatment, control)
    if not cycles:
        raise TrialDataError(name, 2, None, "no data rows")
    return {
        patient: [(t, c) for _, t, c in sorted(rows.values(), key=lambda r: r[0])]
        for patient, rows in cycles.items()
    }

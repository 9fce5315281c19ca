"""Per-patient date shifting and the Safe Harbor age rule.

Each patient's dates move by one secret offset (a whole number of days in ``[-max_days, -1]`` or
``[1, max_days]``, never 0), derived from the export key and the registry patient id. Every date of
the record moves by the same offset, so every interval within a patient (onset to diagnosis,
infusion to adverse event, refill to alarm) is preserved exactly; calendar position is not.

Birth is held at month precision (``YYYY-MM``). It is shifted consistently: the first day of the
birth month moves by the patient's offset and the month it lands in becomes the exported birth month.
Ages computed from the export are therefore the true ages to within one month. Patients aged 90 or
over are collapsed (see :func:`collapsed_birth_year_month`).
"""

from __future__ import annotations

from datetime import date, timedelta

from spsreg.privacy.keys import ExportKey, keyed_digest

__all__ = [
    "AGE_COLLAPSE_YEARS",
    "DEFAULT_MAX_SHIFT_DAYS",
    "age_in_years",
    "birth_month_start",
    "collapsed_birth_year_month",
    "date_offset_days",
    "shift_birth_year_month",
    "shift_date",
    "year_month",
    "year_only",
]

DEFAULT_MAX_SHIFT_DAYS = 365
"""Largest shift in either direction, in days."""

AGE_COLLAPSE_YEARS = 90
"""Safe Harbor: ages over 89 (and dates indicating them) are aggregated into one "90 or older"."""


def date_offset_days(
    key: ExportKey, patient_id: str, max_days: int = DEFAULT_MAX_SHIFT_DAYS
) -> int:
    """The secret shift of one patient's dates: an integer in [-max_days, max_days], never 0."""
    if max_days < 1:
        raise ValueError("max_days must be at least 1")
    draw = int.from_bytes(keyed_digest(key, "date-offset", patient_id)[:8], "big")
    value = draw % (2 * max_days)  # 0 .. 2*max_days-1 (modulo bias below 2**-40)
    return value - max_days if value < max_days else value - max_days + 1


def shift_date(day: date, offset_days: int) -> date:
    return day + timedelta(days=offset_days)


def year_only(day: date) -> date:
    """Safe Harbor "year only": the date is replaced by 1 January of its year."""
    return date(day.year, 1, 1)


def birth_month_start(birth_year_month: str) -> date:
    year, month = (int(part) for part in birth_year_month.split("-"))
    return date(year, month, 1)


def year_month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def shift_birth_year_month(birth_year_month: str, offset_days: int) -> str:
    """Shift a birth month by the patient's offset (its first day moves; its month is kept)."""
    return year_month(shift_date(birth_month_start(birth_year_month), offset_days))


def age_in_years(birth_year_month: str, on: date) -> int:
    """Completed years on ``on``, counting birth as the first day of the birth month.

    Taking the earliest possible birthday gives the largest possible age, so the age rule errs on the
    side of collapsing.
    """
    birth = birth_month_start(birth_year_month)
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def collapsed_birth_year_month(reference: date, earliest_event: date | None) -> str:
    """The birth month shown for a patient aged 90 or over at ``reference``.

    Every such patient is shown as born exactly 90 years before the (exported) reference date, or
    in the month of their earliest exported date if that is earlier (a record cannot have events
    before birth). The true age beyond 90 is not recoverable from the birth month.
    """
    day = 28 if (reference.month, reference.day) == (2, 29) else reference.day
    collapsed = date(reference.year - AGE_COLLAPSE_YEARS, reference.month, day)
    if earliest_event is not None and earliest_event < collapsed:
        collapsed = earliest_event
    return year_month(collapsed)

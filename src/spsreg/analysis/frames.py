"""Tidy frames of a cohort: one pandas row per recorded fact, as of an analysis date.

Every analysis reads these frames, never patient records. Column types are fixed (see
:data:`FRAME_SCHEMAS`): dates ``datetime64[ns]`` (naive midnight, missing NaT), ids and categories
Python ``str`` in ``object`` columns (missing None), numbers ``float64`` (missing NaN), flags
pandas ``boolean``. Nothing recorded after ``as_of`` is used: later facts are dropped, and a stop,
resolution or death dated after ``as_of`` is shown as not (yet) happened.

Any other producer of frames (for example a SQL path over the store) builds them with
:func:`typed_frame`, which applies the same types, column order and row order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from spsreg.analysis.record_rows import OUTCOME_SCALES, OUTCOMES, RecordRows
from spsreg.domain.record import PatientRecord
from spsreg.knowledge.pack import KnowledgePack, load_knowledge_pack

__all__ = [
    "FRAME_NAMES",
    "FRAME_SCHEMAS",
    "FRAME_SORT_KEYS",
    "OUTCOMES",
    "OUTCOME_SCALES",
    "CohortFrames",
    "empty_frames",
    "frames_from_records",
    "typed_frame",
]

_D, _S, _F, _B = "datetime64[ns]", "object", "float64", "boolean"

FRAME_SCHEMAS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "patients": {
            "patient_id": _S,
            "site_id": _S,
            "sex": _S,
            "birth_year": _F,
            "phenotype": _S,
            "onset_date": _D,
            "diagnosis_date": _D,
            "first_contact_date": _D,
            "date_of_death": _D,
            "vital_status": _S,
            "follow_up_end": _D,
            "gad65_status": _S,
            "glyr_status": _S,
        },
        "outcomes": {"patient_id": _S, "outcome": _S, "date": _D, "value": _F, "source": _S},
        "courses": {
            "patient_id": _S,
            "course_id": _S,
            "therapy": _S,
            "drug_id": _S,
            "drug_class": _S,
            "route": _S,
            "intent": _S,
            "schedule": _S,
            "start_date": _D,
            "stop_date": _D,
            "stop_reason": _S,
            "daily_amount": _F,
            "amount_unit": _S,
            "previous_course_id": _S,
            "chain_id": _S,
        },
        "therapy_events": {
            "patient_id": _S,
            "therapy": _S,
            "date": _D,
            "kind": _S,
            "ref_id": _S,
        },
        "adverse_events": {
            "patient_id": _S,
            "event_id": _S,
            "term": _S,
            "grade": _F,
            "onset_date": _D,
            "resolved_date": _D,
            "serious": _B,
            "suspected_course_ids": _S,
        },
        "comorbidities": {
            "patient_id": _S,
            "kind": _S,
            "diagnosed_on": _D,
            "resolved_on": _D,
        },
    }
)
"""Each frame's columns, in order, with their pandas dtype."""

FRAME_SORT_KEYS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "patients": ("patient_id",),
        # Ties (two visits on one day) are broken by source then value, so row order is total.
        "outcomes": ("patient_id", "outcome", "date", "source", "value"),
        "courses": ("patient_id", "start_date", "course_id"),
        "therapy_events": ("patient_id", "date", "therapy", "kind", "ref_id"),
        "adverse_events": ("patient_id", "onset_date", "event_id"),
        "comorbidities": ("patient_id", "kind", "diagnosed_on"),
    }
)
"""Row order of each frame (the contract's keys, then tie-breakers)."""

FRAME_NAMES: tuple[str, ...] = tuple(FRAME_SCHEMAS)

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@dataclass(frozen=True)
class CohortFrames:
    """The tidy frames of one cohort as of ``as_of`` (the analysis date)."""

    patients: pd.DataFrame
    outcomes: pd.DataFrame
    courses: pd.DataFrame
    therapy_events: pd.DataFrame
    adverse_events: pd.DataFrame
    comorbidities: pd.DataFrame
    as_of: date


def _column(values: Sequence[Any], dtype: str) -> Any:
    if dtype == _D:
        if len(values) and isinstance(values[0], int | np.integer):
            days = np.asarray(values, dtype=np.int64) - _EPOCH_ORDINAL
            return days.astype("datetime64[D]").astype(_D)
        return np.array(list(values), dtype="datetime64[D]").astype(_D)
    if dtype == _F:
        return np.array(values, dtype=np.float64)
    if dtype == _B:
        return pd.array(list(values), dtype="boolean")
    column = np.empty(len(values), dtype=object)
    for index, value in enumerate(values):
        column[index] = value
    return column


def typed_frame(
    name: str, columns: Mapping[str, Sequence[Any]], *, sort: bool = True
) -> pd.DataFrame:
    """Build frame ``name`` from column lists with the schema's dtypes, order and row order.

    Date columns take ``datetime.date`` objects or None, or (all of them) proleptic ordinals as
    ``int``; text columns take ``str`` or None; tuple-valued columns take tuples.
    """
    schema = FRAME_SCHEMAS[name]
    lengths = {len(columns[column]) for column in schema}
    if len(lengths) > 1:
        raise ValueError(f"columns of {name} have different lengths: {sorted(lengths)}")
    frame = pd.DataFrame(
        {column: _column(columns[column], dtype) for column, dtype in schema.items()}
    )
    if sort and len(frame) > 1:
        frame = frame.sort_values(list(FRAME_SORT_KEYS[name]), kind="stable", na_position="last")
        frame = frame.reset_index(drop=True)
    return frame


def empty_frames(as_of: date) -> CohortFrames:
    """Frames with the right columns and dtypes and no rows."""
    built = {
        name: typed_frame(name, dict.fromkeys(FRAME_SCHEMAS[name], ())) for name in FRAME_NAMES
    }
    return CohortFrames(as_of=as_of, **built)


def frames_from_records(
    records: Iterable[PatientRecord], *, as_of: date, pack: KnowledgePack | None = None
) -> CohortFrames:
    """The tidy frames of ``records`` (patient records) as of ``as_of``.

    Records are consumed one at a time (an iterator of a large cohort is never held in memory);
    each frame is built once from column lists.
    """
    rows = RecordRows(
        as_of=as_of,
        pack=pack if pack is not None else load_knowledge_pack(),
        schemas=FRAME_SCHEMAS,
    )
    for record in records:
        rows.add(record)
    built: dict[str, pd.DataFrame] = {}
    for name in FRAME_NAMES:
        if name == "outcomes":
            # Rows arrive in order within each patient; only the patients need ordering.
            frame = typed_frame(name, rows.columns[name], sort=False)
            order = rows.outcome_order()
            if order is not None:
                frame = frame.take(order).reset_index(drop=True)
            built[name] = frame
        else:
            built[name] = typed_frame(name, rows.columns[name])
    return CohortFrames(as_of=as_of, **built)

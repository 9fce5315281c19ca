"""The portable SQL building blocks of the query engine (SQLAlchemy Core, no dialect-specific SQL).

Verdicts are the text codes ``passed``, ``failed`` and ``undetermined``; a leaf statement returns
one row per patient in scope with ``patient_id``, ``verdict``, ``reason`` and its details.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    String,
    case,
    func,
    literal,
    null,
    select,
)

from spsreg.query.terms import Comparator
from spsreg.store.tables import PATIENTS

__all__ = ["FAILED", "PASSED", "UNDETERMINED", "SqlBuildingBlocks", "code"]

_OPERATORS: dict[Comparator, Callable[[Any, Any], Any]] = {
    Comparator.LT: operator.lt,
    Comparator.LE: operator.le,
    Comparator.GT: operator.gt,
    Comparator.GE: operator.ge,
    Comparator.EQ: operator.eq,
}
PASSED, FAILED, UNDETERMINED = "passed", "failed", "undetermined"


def code(text: str | None) -> ColumnElement[Any]:
    """A text code as a bound value (NULL for None)."""
    return null() if text is None else literal(text, String(32))


class SqlBuildingBlocks:
    """Portable pieces the leaf statements are built from; a dialect may override any of them.

    ``scope`` is always the condition on ``patients`` limiting a statement to the patients the
    actor may see (built from :func:`spsreg.store.scope.patient_scope`).
    """

    def compare(self, column: Any, comparator: Comparator, value: Any) -> ColumnElement[bool]:
        result: ColumnElement[bool] = _OPERATORS[comparator](column, value)
        return result

    def most_recent(
        self, columns: list[Any], conditions: list[Any], patient: Any, order: list[Any]
    ) -> FromClause:
        """``columns`` of rows meeting ``conditions`` with a ``recency`` rank per patient
        (1 = most recent by ``order``), for an outer join on ``recency = 1``."""
        rank = func.row_number().over(partition_by=patient, order_by=order).label("recency")
        return select(*columns, rank).where(*conditions).subquery()

    def in_scope(self, patient_column: Any, scope: ColumnElement[bool]) -> ColumnElement[bool]:
        """Rows of a section table that belong to patients in scope."""
        return patient_column.in_(select(PATIENTS.c.id).where(scope))  # type: ignore[no-any-return]

    def judged(
        self,
        verdict: ColumnElement[Any],
        reason: ColumnElement[Any],
        *details: ColumnElement[Any],
        joined: FromClause | None = None,
        scope: ColumnElement[bool],
    ) -> Select[Any]:
        """The uniform result: one row per patient in scope."""
        statement = select(
            PATIENTS.c.id.label("patient_id"),
            verdict.label("verdict"),
            reason.label("reason"),
            *details,
        )
        if joined is not None:
            statement = statement.select_from(joined)
        return statement.where(scope)

    def undetermined_because(self, verdict: ColumnElement[Any], reason: str) -> ColumnElement[Any]:
        return case((verdict == UNDETERMINED, code(reason)), else_=null())

    def any_row(self, table: Any, conditions: list[Any], scope: ColumnElement[bool]) -> Select[Any]:
        """Passed for patients with a row meeting ``conditions``, failed for the others."""
        hits = (
            select(table.c.patient_id)
            .where(*conditions, self.in_scope(table.c.patient_id, scope))
            .distinct()
            .subquery()
        )
        verdict = case((hits.c.patient_id.is_not(None), code(PASSED)), else_=code(FAILED))
        joined = PATIENTS.outerjoin(hits, hits.c.patient_id == PATIENTS.c.id)
        return self.judged(verdict, null(), joined=joined, scope=scope)

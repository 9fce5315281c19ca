"""What ``spsreg stats`` releases: the rows per site and table through disclosure control.

The patient-level row counts form one two-way table, site x table; the rows per table are its
column totals, controlled with it (so a suppressed site count cannot be recovered from a released
total). Every row count is treated as a count of patients (a table with 3 rows at a site can be 3
patients). The number of registered sites is not about patients and is released as it is; the
audit-trail entries in scope are one stand-alone count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from spsreg.privacy.disclosure import ControlledTable
from spsreg.services.sharing import Sharing
from spsreg.store import RegistryStatistics

__all__ = ["NOT_PATIENT_TABLES", "ReleasedStatistics", "release_statistics"]

NOT_PATIENT_TABLES = ("sites", "audit_log")
"""Counts of ``per_table`` that are not rows of a patient-level table."""


@dataclass(frozen=True)
class ReleasedStatistics:
    """The row counts as released (None where suppressed) and the controlled table behind them."""

    sharing: Sharing
    per_table: dict[str, int | None]
    per_site: dict[str, dict[str, int | None]]
    table: ControlledTable

    def metadata(self) -> dict[str, Any]:
        """The ``disclosure_control`` object of the ``stats`` document."""
        return self.sharing.metadata({"rows_per_site": self.table})


def release_statistics(statistics: RegistryStatistics, sharing: Sharing) -> ReleasedStatistics:
    """The counts of ``statistics`` as ``sharing``'s audience may see them."""
    tables = [name for name in statistics.per_table if name not in NOT_PATIENT_TABLES]
    sites = sorted(statistics.per_site)
    frame = pd.DataFrame(
        [[statistics.per_site[site].get(name, 0) for name in tables] for site in sites],
        index=pd.Index(sites),
        columns=pd.Index(tables),
        dtype="int64",
    )
    controlled = sharing.control(frame)
    per_table: dict[str, int | None] = dict(zip(tables, controlled.column_totals, strict=True))
    if "sites" in statistics.per_table:
        per_table["sites"] = statistics.per_table["sites"]
    if "audit_log" in statistics.per_table:
        per_table["audit_log"] = sharing.control_total(
            "audit_log", statistics.per_table["audit_log"]
        )
    per_site = {
        str(site): dict(zip(tables, row, strict=True))
        for site, row in zip(controlled.row_labels, controlled.cells, strict=True)
    }
    return ReleasedStatistics(sharing, per_table, per_site, controlled)

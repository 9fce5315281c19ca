"""k-anonymity report and generalisation for de-identified research exports.

Rows (one per patient) are grouped by their quasi-identifiers (by default birth year, sex, site
country and phenotype): each group is an equivalence class, and ``k`` is the size of the smallest.
With about one SPS patient per million, a class of one is a person who can be recognised by anyone
who knows those four facts. When ``k`` is below the minimum, :func:`generalise_for_k_anonymity`
widens birth years to 5- then 10-year bands and then folds the phenotypes of offending classes
into ``other``; if that is still not enough the export must be refused.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from spsreg.domain.record import PatientRecord

__all__ = [
    "DEFAULT_K_MIN",
    "DEFAULT_QUASI_IDENTIFIERS",
    "GeneralisationResult",
    "KAnonymityReport",
    "birth_year_band",
    "generalise_for_k_anonymity",
    "k_anonymity_report",
    "quasi_identifier_row",
]

DEFAULT_QUASI_IDENTIFIERS: tuple[str, ...] = ("birth_year", "sex", "site_country", "phenotype")
DEFAULT_K_MIN = 5
OTHER_PHENOTYPE = "other"

ClassKey = tuple[Any, ...]


@dataclass(frozen=True)
class KAnonymityReport:
    """Equivalence classes of the quasi-identifiers and whether every class has at least k_min rows."""

    quasi_identifiers: tuple[str, ...]
    k_min: int
    class_sizes: dict[ClassKey, int]
    smallest_k: int  # 0 when there are no rows
    offending_classes: tuple[ClassKey, ...]

    @property
    def satisfied(self) -> bool:
        return not self.offending_classes


@dataclass(frozen=True)
class GeneralisationResult:
    """The rows after generalisation, what was generalised, and whether the export must be refused."""

    rows: list[dict[str, Any]]
    report: KAnonymityReport
    generalised: tuple[str, ...]
    refused: bool


def _as_rows(rows: Any) -> list[dict[str, Any]]:
    if hasattr(rows, "to_dict"):  # a pandas DataFrame
        return [dict(row) for row in rows.to_dict(orient="records")]
    return [dict(row) for row in rows]


def k_anonymity_report(
    rows: Iterable[Mapping[str, Any]] | Any,
    quasi_identifiers: Sequence[str] = DEFAULT_QUASI_IDENTIFIERS,
    k_min: int = DEFAULT_K_MIN,
) -> KAnonymityReport:
    """Group rows (list of dicts or a DataFrame) by their quasi-identifiers and find small classes."""
    if k_min < 1:
        raise ValueError("k_min must be at least 1")
    names = tuple(quasi_identifiers)
    table = _as_rows(rows)
    missing = sorted({name for row in table for name in names if name not in row})
    if missing:
        raise ValueError(f"rows lack quasi-identifier columns: {', '.join(missing)}")
    sizes = Counter(tuple(row[name] for name in names) for row in table)
    offending = tuple(sorted((key for key, n in sizes.items() if n < k_min), key=repr))
    return KAnonymityReport(
        quasi_identifiers=names,
        k_min=k_min,
        class_sizes=dict(sizes),
        smallest_k=min(sizes.values(), default=0),
        offending_classes=offending,
    )


def birth_year_band(year: Any, width: int) -> Any:
    """``1971`` -> ``"1970-1974"`` (width 5) or ``"1970-1979"`` (width 10); None stays None."""
    if year is None:
        return None
    start = int(year) // width * width
    return f"{start}-{start + width - 1}"


def _band_step(width: int) -> Callable[[list[dict[str, Any]], KAnonymityReport], None]:
    def step(rows: list[dict[str, Any]], report: KAnonymityReport) -> None:
        for row in rows:
            row["birth_year"] = birth_year_band(row["_birth_year"], width)

    return step


def _phenotype_step(rows: list[dict[str, Any]], report: KAnonymityReport) -> None:
    offending = set(report.offending_classes)
    names = report.quasi_identifiers
    for row in rows:
        if tuple(row[name] for name in names) in offending:
            row["phenotype"] = OTHER_PHENOTYPE


def generalise_for_k_anonymity(
    rows: Iterable[Mapping[str, Any]] | Any,
    quasi_identifiers: Sequence[str] = DEFAULT_QUASI_IDENTIFIERS,
    k_min: int = DEFAULT_K_MIN,
) -> GeneralisationResult:
    """Generalise step by step until every class has k_min rows, or say the export is refused.

    Steps, in order, each tried only while classes are still too small: birth year to 5-year bands,
    to 10-year bands (if ``birth_year`` is a quasi-identifier), then the phenotype of rows in
    offending classes to ``other`` (if ``phenotype`` is one). Rows are never dropped.
    """
    names = tuple(quasi_identifiers)
    table = _as_rows(rows)
    report = k_anonymity_report(table, names, k_min)
    steps: list[tuple[str, Callable[[list[dict[str, Any]], KAnonymityReport], None]]] = []
    if "birth_year" in names:
        for row in table:
            row["_birth_year"] = row["birth_year"]
        steps += [
            ("birth_year: 5-year bands", _band_step(5)),
            ("birth_year: 10-year bands", _band_step(10)),
        ]
    if "phenotype" in names:
        steps.append(("phenotype: offending classes to 'other'", _phenotype_step))
    applied: list[str] = []
    for label, step in steps:
        if report.satisfied:
            break
        step(table, report)
        applied.append(label)
        report = k_anonymity_report(table, names, k_min)
    for row in table:
        row.pop("_birth_year", None)
    return GeneralisationResult(
        rows=table, report=report, generalised=tuple(applied), refused=not report.satisfied
    )


def quasi_identifier_row(record: PatientRecord, site_country: str | None) -> dict[str, Any]:
    """The default quasi-identifiers of one (de-identified) record, with its site's country."""
    patient = record.patient
    return {
        "birth_year": int(patient.birth_year_month[:4]),
        "sex": patient.sex.value,
        "site_country": site_country,
        "phenotype": patient.phenotype.value if patient.phenotype is not None else None,
    }

"""k-anonymity report and generalisation: known answers."""

from __future__ import annotations

import pandas as pd
import pytest
from record_examples import full_record

from spsreg.privacy.kanonymity import (
    birth_year_band,
    generalise_for_k_anonymity,
    k_anonymity_report,
    quasi_identifier_row,
)


def _row(
    year: int, sex: str = "female", country: str = "GB", phenotype: str = "classic"
) -> dict[str, object]:
    return {"birth_year": year, "sex": sex, "site_country": country, "phenotype": phenotype}


def test_report_known_answer() -> None:
    rows = [_row(1970)] * 3 + [_row(1971)] * 2 + [_row(1980, sex="male")]
    report = k_anonymity_report(rows, k_min=3)
    assert report.class_sizes == {
        (1970, "female", "GB", "classic"): 3,
        (1971, "female", "GB", "classic"): 2,
        (1980, "male", "GB", "classic"): 1,
    }
    assert report.smallest_k == 1
    assert report.offending_classes == (
        (1971, "female", "GB", "classic"),
        (1980, "male", "GB", "classic"),
    )
    assert not report.satisfied


def test_report_accepts_a_dataframe_and_empty_rows() -> None:
    frame = pd.DataFrame([_row(1970)] * 5)
    report = k_anonymity_report(frame)
    assert report.satisfied and report.smallest_k == 5
    assert k_anonymity_report([]).smallest_k == 0


def test_missing_quasi_identifier_column_is_an_error() -> None:
    with pytest.raises(ValueError, match="site_country"):
        k_anonymity_report([{"birth_year": 1970, "sex": "female", "phenotype": "classic"}])


def test_birth_year_bands() -> None:
    assert birth_year_band(1971, 5) == "1970-1974"
    assert birth_year_band(1979, 10) == "1970-1979"
    assert birth_year_band(None, 5) is None


def test_five_year_bands_are_enough() -> None:
    rows = [_row(1970), _row(1971), _row(1972), _row(1973), _row(1974)]
    result = generalise_for_k_anonymity(rows, k_min=5)
    assert not result.refused
    assert result.generalised == ("birth_year: 5-year bands",)
    assert {row["birth_year"] for row in result.rows} == {"1970-1974"}
    assert all("_birth_year" not in row for row in result.rows)


def test_ten_year_bands_then_phenotype_to_other() -> None:
    rare = [_row(1975, phenotype=name) for name in ("focal", "pern", "cerebellar")]
    rows = [_row(1970 + n) for n in range(8)] + rare
    result = generalise_for_k_anonymity(rows, k_min=3)
    assert result.generalised == (
        "birth_year: 5-year bands",
        "birth_year: 10-year bands",
        "phenotype: offending classes to 'other'",
    )
    assert not result.refused
    assert result.report.class_sizes == {
        ("1970-1979", "female", "GB", "classic"): 8,
        ("1970-1979", "female", "GB", "other"): 3,
    }


def test_refused_when_generalisation_is_not_enough() -> None:
    rows = [_row(1970), _row(1970, sex="male"), _row(1970, country="FR")]
    result = generalise_for_k_anonymity(rows, k_min=2)
    assert result.refused
    assert result.report.smallest_k == 1
    assert len(result.generalised) == 3


def test_already_anonymous_rows_are_not_generalised() -> None:
    result = generalise_for_k_anonymity([_row(1970)] * 5)
    assert result.generalised == () and not result.refused
    assert result.rows[0]["birth_year"] == 1970


def test_quasi_identifier_row_of_a_record() -> None:
    assert quasi_identifier_row(full_record(), "GB") == _row(1971)

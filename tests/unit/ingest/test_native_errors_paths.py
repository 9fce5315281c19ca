"""Record paths and pydantic locations convert both ways."""

from __future__ import annotations

import pytest

from spsreg.ingest.errors import loc_from_path, path_from_loc


@pytest.mark.parametrize(
    "loc",
    [
        ("medication_courses", 2, "dose", "unit"),
        ("visits", 0, "assessments", 1, "responses", "grade"),
        ("visits", 0, "assessments", 0, "responses", "item 3"),
        ("patient", "site_id"),
        ("pumps", 0, "refills", 12, "refilled_on"),
    ],
)
def test_a_path_reads_back_as_the_location_it_was_written_from(loc: tuple[int | str, ...]) -> None:
    assert loc_from_path(path_from_loc(loc)) == loc

"""Code format and check-digit tests: a transposed digit in a code must not load."""

from __future__ import annotations

import pytest

from spsreg.knowledge.code_checks import (
    is_valid_atc,
    is_valid_icd9cm,
    is_valid_icd10,
    is_valid_icd10cm,
    is_valid_loinc,
    is_valid_orphacode,
    is_valid_rxcui,
    is_valid_snomed_concept_id,
)
from spsreg.knowledge.matching import close_matches, normalise_name


@pytest.mark.parametrize(
    "code", ["94345-6", "94359-7", "56540-8", "53708-4", "13926-1", "101233-5"]
)
def test_loinc_check_digits_of_published_codes(code: str) -> None:
    assert is_valid_loinc(code)


@pytest.mark.parametrize("code", ["94345-5", "94354-6", "56540", "5654-08", "x4345-6", ""])
def test_loinc_typos_are_rejected(code: str) -> None:
    assert not is_valid_loinc(code)


@pytest.mark.parametrize("code", ["5217008", "138875005", "404684003", "73211009", "22298006"])
def test_snomed_concept_ids_with_correct_verhoeff_digit(code: str) -> None:
    assert is_valid_snomed_concept_id(code)


@pytest.mark.parametrize(
    "code",
    [
        "5217009",  # wrong check digit
        "5271008",  # transposed digits
        "1234567",  # arbitrary
        "5217018",  # partition 01 is a description id, not a concept
        "05217008",  # leading zero
        "52170",  # too short
    ],
)
def test_snomed_typos_and_non_concepts_are_rejected(code: str) -> None:
    assert not is_valid_snomed_concept_id(code)


def test_other_code_formats() -> None:
    assert is_valid_atc("N05BA01") and not is_valid_atc("N05BA") and not is_valid_atc("n05ba01")
    assert is_valid_rxcui("3322") and not is_valid_rxcui("03322") and not is_valid_rxcui("33 22")
    assert (
        is_valid_icd10cm("G25.82") and is_valid_icd10cm("G25.8") and not is_valid_icd10cm("G2582")
    )
    assert is_valid_icd10("G25.8") and not is_valid_icd10("G25.82")
    assert is_valid_icd9cm("333.91") and not is_valid_icd9cm("333.911")
    assert (
        is_valid_orphacode("ORPHA:3198")
        and not is_valid_orphacode("3198")
        and not is_valid_orphacode("ORPHA:0")
    )


def test_name_normalisation_and_close_matches() -> None:
    assert normalise_name("  Mycophenolate__Mofetil ") == "mycophenolate mofetil"
    labels = [("diazepam", "diazepam"), ("Valium", "diazepam"), ("lorazepam", "lorazepam")]
    assert close_matches("diazepan", labels) == ("diazepam",)
    assert close_matches("valum", labels) == ("diazepam",)
    assert close_matches("lorazepan", labels, limit=1) == ("lorazepam",)
    assert close_matches("paracetamol", labels) == ()

"""Format and check-digit tests for the terminology codes the pack carries.

A transposed digit in a code is a silent, dangerous error (the code may exist and mean something
else: ICD-10-CM G25.81 is restless legs syndrome, G25.82 stiff-man syndrome). Where a code system
has a check digit (LOINC: mod 10; SNOMED CT: Verhoeff) we verify it when the pack loads.
"""

from __future__ import annotations

import re

__all__ = [
    "is_valid_atc",
    "is_valid_icd9cm",
    "is_valid_icd10",
    "is_valid_icd10cm",
    "is_valid_loinc",
    "is_valid_orphacode",
    "is_valid_rxcui",
    "is_valid_snomed_concept_id",
]

_ATC = re.compile(r"^[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}$")
_RXCUI = re.compile(r"^[1-9][0-9]{0,9}$")
_LOINC = re.compile(r"^([0-9]{1,7})-([0-9])$")
_ICD10CM = re.compile(r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
_ICD10 = re.compile(r"^[A-Z][0-9]{2}(\.[0-9])?$")
_ICD9CM = re.compile(r"^[0-9]{3}(\.[0-9]{1,2})?$")
_ORPHA = re.compile(r"^ORPHA:[1-9][0-9]*$")
_SCTID = re.compile(r"^[1-9][0-9]{5,17}$")


def is_valid_atc(code: str) -> bool:
    """A complete (level 5) WHO ATC code such as N05BA01."""
    return bool(_ATC.match(code))


def is_valid_rxcui(code: str) -> bool:
    return bool(_RXCUI.match(code))


def is_valid_loinc(code: str) -> bool:
    """LOINC code with a correct mod-10 check digit (the digit after the hyphen)."""
    match = _LOINC.match(code)
    if not match:
        return False
    body, check = match.groups()
    total = 0
    for position, char in enumerate(reversed(body), start=1):
        digit = int(char)
        if position % 2 == 1:  # odd positions from the right are doubled
            digit *= 2
            digit = digit // 10 + digit % 10
        total += digit
    return (10 - total % 10) % 10 == int(check)


def is_valid_icd10cm(code: str) -> bool:
    return bool(_ICD10CM.match(code))


def is_valid_icd10(code: str) -> bool:
    """WHO ICD-10 code (category or four-character subcategory)."""
    return bool(_ICD10.match(code))


def is_valid_icd9cm(code: str) -> bool:
    return bool(_ICD9CM.match(code))


def is_valid_orphacode(code: str) -> bool:
    return bool(_ORPHA.match(code))


_VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)


def _verhoeff_permutations() -> tuple[tuple[int, ...], ...]:
    # Each row applies the base permutation once more; deriving them avoids a hand-typed table.
    base = (1, 5, 7, 6, 2, 8, 3, 0, 9, 4)
    rows: list[tuple[int, ...]] = [tuple(range(10)), base]
    while len(rows) < 8:
        rows.append(tuple(base[x] for x in rows[-1]))
    return tuple(rows)


_VERHOEFF_P = _verhoeff_permutations()


def is_valid_snomed_concept_id(code: str) -> bool:
    """SNOMED CT concept id: Verhoeff check digit correct and partition '00' (a concept)."""
    if not _SCTID.match(code) or code[-3:-1] != "00":
        return False
    check = 0
    for position, char in enumerate(reversed(code)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[position % 8][int(char)]]
    return check == 0

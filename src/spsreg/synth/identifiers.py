"""Clearly synthetic identifiable data: names, hospital numbers, addresses, phone, e-mail.

Names come from a small built-in list; addresses are on 'Synthetic Road, Testville', phone
numbers are in the 555-01xx range reserved for fiction, and e-mail uses the reserved domain
example.org, so no generated identity can be mistaken for, or collide with, a real person's.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from spsreg.domain.patient import PatientIdentifiers, Sex

__all__ = ["synthetic_identifiers"]

_FEMALE = (
    "Alice", "Beatrice", "Clara", "Dora", "Edith", "Freya", "Greta", "Hannah", "Ines", "Julia",
    "Karin", "Lena", "Maria", "Nora", "Olga", "Paula", "Rosa", "Sofia", "Tara", "Vera",
)  # fmt: skip
_MALE = (
    "Adam", "Bruno", "Carl", "David", "Emil", "Felix", "Georg", "Hugo", "Ivan", "Jonas",
    "Karl", "Leon", "Marco", "Niels", "Oscar", "Paul", "Rafael", "Simon", "Tomas", "Viktor",
)  # fmt: skip
_FAMILY = (
    "Ashford", "Berndt", "Castell", "Dunmore", "Ellery", "Fairholm", "Garnett", "Holloway",
    "Ivers", "Jansen", "Kessler", "Lindqvist", "Marlowe", "Norberg", "Okafor", "Pellegrini",
    "Quintero", "Rasmussen", "Sandoval", "Thornbury", "Uddin", "Vasquez", "Whitcombe", "Yamada",
)  # fmt: skip


def synthetic_identifiers(
    rng: np.random.Generator,
    sex: Sex,
    date_of_birth: date,
    site_letters: str,
) -> PatientIdentifiers:
    """A fictitious identity with the given (already drawn) date of birth."""
    given_pool = _FEMALE if sex is Sex.FEMALE else _MALE
    given = given_pool[int(rng.integers(len(given_pool)))]
    family = _FAMILY[int(rng.integers(len(_FAMILY)))]
    return PatientIdentifiers(
        given_name=given,
        family_name=family,
        hospital_number=f"SYN-{site_letters}-{int(rng.integers(10**6, 10**7))}",
        date_of_birth=date_of_birth,
        address=f"{int(rng.integers(1, 200))} Synthetic Road, Testville",
        phone=f"555-01{int(rng.integers(0, 100)):02d}",
        email=f"{given.lower()}.{family.lower()}@example.org",
    )

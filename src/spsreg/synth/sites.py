"""Synthetic registry sites: ids SITE-A, SITE-B, ..., clearly fictitious names, ISO countries.

Each site measures GAD65 antibodies with one method only (RIA in nmol/L or ELISA in IU/mL), as a
real laboratory does; the two are never converted into each other. Sites alternate RIA, ELISA.
"""

from __future__ import annotations

from spsreg.domain.labs import AssayMethod
from spsreg.domain.patient import Site
from spsreg.synth.config import CohortConfig

__all__ = ["generate_sites", "site_gad65_method", "site_letters", "site_weights"]

_COUNTRIES = (
    "GB",
    "DE",
    "US",
    "FR",
    "NL",
    "IT",
    "ES",
    "SE",
    "CA",
    "JP",
    "AU",
    "DK",
    "BE",
    "AT",
    "CH",
    "IE",
    "NO",
    "FI",
    "PT",
    "PL",
)


def site_letters(index: int) -> str:
    """Bijective base-26 letters: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    n = index + 1
    while n:
        n, remainder = divmod(n - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def generate_sites(config: CohortConfig) -> list[Site]:
    """The cohort's sites; deterministic from the number of sites alone."""
    return [
        Site(
            id=f"SITE-{site_letters(k)}",
            name=f"Synthetic Neuroimmunology Centre {site_letters(k)}",
            country=_COUNTRIES[k % len(_COUNTRIES)],
        )
        for k in range(config.sites)
    ]


def site_gad65_method(site_index: int) -> AssayMethod:
    return AssayMethod.RIA if site_index % 2 == 0 else AssayMethod.ELISA


def site_weights(config: CohortConfig) -> list[float]:
    """Relative site sizes (simulation assumption): weight 1/(k+1)^decay, normalised."""
    raw = [1.0 / (k + 1) ** config.population.site_size_decay for k in range(config.sites)]
    total = sum(raw)
    return [w / total for w in raw]

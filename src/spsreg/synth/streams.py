"""Independent, reproducible random streams per patient.

Patient ``i`` of a cohort draws only from streams seeded by ``(seed, i, stream)``, through numpy's
SeedSequence spawn keys. So a 10-patient cohort is exactly the prefix of a 100-patient one with
the same seed, and, because each concern has its own stream, changing how diaries are drawn does
not change anyone's treatment.
"""

from __future__ import annotations

import numpy as np

__all__ = ["STREAMS", "patient_rng"]

STREAMS: tuple[str, ...] = (
    "demographics",
    "identifiers",
    "disease",
    "treatment",
    "observations",
    "labs",
    "diary",
    "adverse_events",
    "response",
)


def patient_rng(seed: int, patient_index: int, stream: str) -> np.random.Generator:
    """The generator of one stream of one patient; same arguments, same numbers, always."""
    sequence = np.random.SeedSequence(seed, spawn_key=(patient_index, STREAMS.index(stream)))
    return np.random.Generator(np.random.PCG64(sequence))

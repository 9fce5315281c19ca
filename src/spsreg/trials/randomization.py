"""Stratified permuted-block randomization lists, for parallel arms and AB/BA crossover sequences.

A list is generated whole, before the first patient is allocated, from a seed: for every stratum
(an opaque key such as ``site=SITE-A;phenotype=classic``) blocks are appended until the stratum has
at least ``per_stratum`` entries. Each block's size is drawn at random from the allowed sizes, and
a block of size ``k`` holds every treatment ``k / sum(ratio) * ratio[i]`` times in a random order,
so every block is balanced and complete: within a stratum the imbalance is never more than half a
block, whatever the number of allocations. Random block sizes make the last entries of a block
harder to guess for someone who knows the allocations so far.

For a 2x2 crossover the "treatments" are the sequences ``AB`` and ``BA`` (:data:`CROSSOVER_SEQUENCES`; A and
B are named by the scheme): the same blocks then balance the sequences, which keeps period effects estimable.

The generator is :class:`random.Random` seeded per stratum with SHA-256 of the seed and the
stratum's key, so a stratum's list depends only on the seed, the scheme and its own key (adding a
site later does not change the other strata), and the same seed always gives the same list.
Keeping the seed secret is the caller's concern (the registry draws it with :mod:`secrets`).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from math import gcd

__all__ = [
    "CROSSOVER_SEQUENCES",
    "Assignment",
    "BlockScheme",
    "generate_list",
    "parse_ratio",
]

CROSSOVER_SEQUENCES = ("AB", "BA")
"""The two sequences of a 2x2 crossover: A then B, or B then A (A and B are the trial's first two
arms, as the scheme records)."""

MAX_BLOCK_SIZE = 60
"""Larger blocks give no protection worth the imbalance they allow."""


def parse_ratio(text: str, treatments: int) -> tuple[int, ...]:
    """An allocation ratio written ``1:1`` or ``2:1`` (one positive integer per treatment)."""
    try:
        ratio = tuple(int(part) for part in text.split(":"))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a ratio: write positive integers, e.g. 1:1 or 2:1"
        ) from None
    if len(ratio) != treatments:
        raise ValueError(f"the ratio {text} has {len(ratio)} parts for {treatments} treatments")
    if any(part < 1 for part in ratio):
        raise ValueError(f"every part of the ratio {text} must be at least 1")
    return ratio


@dataclass(frozen=True)
class BlockScheme:
    """Which treatments, in what ratio, in blocks of which sizes, and how many entries per stratum.

    Every block size must be a multiple of the ratio's sum (a block must hold whole sets).
    """

    treatments: tuple[str, ...]
    ratio: tuple[int, ...]
    block_sizes: tuple[int, ...]
    per_stratum: int

    def __post_init__(self) -> None:
        if len(self.treatments) < 2 or len(set(self.treatments)) != len(self.treatments):
            raise ValueError("a randomization needs at least two distinct treatments or sequences")
        if len(self.ratio) != len(self.treatments) or any(part < 1 for part in self.ratio):
            raise ValueError("give one positive ratio part per treatment")
        if gcd(*self.ratio) != 1:
            raise ValueError(f"write the ratio in lowest terms ({':'.join(map(str, self.ratio))})")
        if not self.block_sizes or len(set(self.block_sizes)) != len(self.block_sizes):
            raise ValueError("give one or more distinct block sizes")
        whole = sum(self.ratio)
        for size in self.block_sizes:
            if size < whole or size % whole or size > MAX_BLOCK_SIZE:
                raise ValueError(
                    f"block size {size} is not a multiple of the ratio's sum {whole} "
                    f"(at most {MAX_BLOCK_SIZE})"
                )
        if self.per_stratum < 1:
            raise ValueError("each stratum needs at least one entry")

    def block(self, size: int) -> list[str]:
        """The treatments of one block of ``size``, in ratio order (before shuffling)."""
        sets = size // sum(self.ratio)
        return [
            t
            for t, part in zip(self.treatments, self.ratio, strict=True)
            for _ in range(part * sets)
        ]


@dataclass(frozen=True)
class Assignment:
    """One entry of the list: the ``sequence``-th allocation (from 1) of ``stratum``, in block
    ``block`` (from 1) of ``block_size`` entries."""

    stratum: str
    sequence: int
    block: int
    block_size: int
    treatment: str


def _stratum_random(seed: bytes, stratum: str) -> random.Random:
    digest = hashlib.sha256(seed + b"\x00" + stratum.encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest, "big"))


def generate_list(scheme: BlockScheme, strata: Sequence[str], seed: bytes) -> list[Assignment]:
    """The whole list: for each stratum (in the order given), complete blocks until it holds at
    least ``scheme.per_stratum`` entries."""
    if not strata or len(set(strata)) != len(strata):
        raise ValueError("give one or more distinct strata")
    if len(seed) < 16:
        raise ValueError("the seed needs at least 16 bytes")
    entries: list[Assignment] = []
    for stratum in strata:
        rng = _stratum_random(seed, stratum)
        sequence = 0
        block_number = 0
        while sequence < scheme.per_stratum:
            size = rng.choice(scheme.block_sizes)
            block = scheme.block(size)
            rng.shuffle(block)
            block_number += 1
            for treatment in block:
                sequence += 1
                entries.append(Assignment(stratum, sequence, block_number, size, treatment))
    return entries

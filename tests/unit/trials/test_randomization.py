"""Stratified permuted blocks: every block complete and balanced in the ratio, block sizes from the
allowed set, each stratum long enough, the same seed the same list, and a stratum's list
independent of the other strata. Deterministic checks only (no chi-square)."""

from __future__ import annotations

from collections import Counter
from itertools import groupby

import pytest

from spsreg.trials.randomization import (
    CROSSOVER_SEQUENCES,
    Assignment,
    BlockScheme,
    generate_list,
    parse_ratio,
)

SEED = bytes(range(32))
STRATA = (
    "site=SITE-A;phenotype=classic",
    "site=SITE-A;phenotype=partial",
    "site=SITE-B;phenotype=classic",
)


def blocks(entries: list[Assignment]) -> list[list[Assignment]]:
    return [list(b) for _, b in groupby(entries, key=lambda e: (e.stratum, e.block))]


@pytest.mark.parametrize(
    ("treatments", "ratio", "sizes"),
    [
        (("IVIG", "Placebo"), (1, 1), (2, 4, 6)),
        (("A", "B", "C"), (2, 1, 1), (4, 8)),
        (CROSSOVER_SEQUENCES, (1, 1), (4,)),
    ],
)
def test_every_block_is_complete_and_in_the_ratio(
    treatments: tuple[str, ...], ratio: tuple[int, ...], sizes: tuple[int, ...]
) -> None:
    scheme = BlockScheme(treatments, ratio, sizes, per_stratum=37)
    entries = generate_list(scheme, STRATA, SEED)
    for block in blocks(entries):
        size = block[0].block_size
        assert size in sizes and len(block) == size and {e.block_size for e in block} == {size}
        counts = Counter(e.treatment for e in block)
        assert [counts[t] for t in treatments] == [part * size // sum(ratio) for part in ratio]
    for stratum in STRATA:
        mine = [e for e in entries if e.stratum == stratum]
        assert [e.sequence for e in mine] == list(range(1, len(mine) + 1))
        assert 37 <= len(mine) < 37 + max(sizes)


def test_imbalance_within_a_stratum_never_exceeds_half_the_largest_block() -> None:
    scheme = BlockScheme(("A", "B"), (1, 1), (2, 4, 6), per_stratum=200)
    for stratum in STRATA:
        running = 0
        for entry in (e for e in generate_list(scheme, STRATA, SEED) if e.stratum == stratum):
            running += 1 if entry.treatment == "A" else -1
            assert abs(running) <= 3


def test_the_same_seed_gives_the_same_list_and_another_seed_another() -> None:
    scheme = BlockScheme(("A", "B"), (1, 1), (2, 4), per_stratum=50)
    first = generate_list(scheme, STRATA, SEED)
    assert generate_list(scheme, STRATA, SEED) == first
    assert generate_list(scheme, STRATA, bytes(32)) != first


def test_a_stratum_does_not_depend_on_the_others() -> None:
    scheme = BlockScheme(("A", "B"), (1, 1), (2, 4), per_stratum=20)
    alone = generate_list(scheme, STRATA[1:2], SEED)
    together = [e for e in generate_list(scheme, STRATA, SEED) if e.stratum == STRATA[1]]
    assert alone == together


def test_random_block_sizes_are_drawn_from_the_whole_set() -> None:
    scheme = BlockScheme(("A", "B"), (1, 1), (2, 4, 6), per_stratum=300)
    sizes = Counter(b[0].block_size for b in blocks(generate_list(scheme, STRATA[:1], SEED)))
    assert set(sizes) == {2, 4, 6}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"treatments": ("A",)}, "at least two"),
        ({"ratio": (2, 2)}, "lowest terms"),
        ({"block_sizes": (3,)}, "not a multiple"),
        ({"block_sizes": ()}, "block sizes"),
        ({"per_stratum": 0}, "at least one"),
    ],
)
def test_invalid_schemes_are_refused(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "treatments": ("A", "B"),
        "ratio": (1, 1),
        "block_sizes": (2, 4),
        "per_stratum": 10,
        **kwargs,
    }
    with pytest.raises(ValueError, match=message):
        BlockScheme(**arguments)  # type: ignore[arg-type]


def test_ratios_are_read_and_checked() -> None:
    assert parse_ratio("2:1", 2) == (2, 1)
    with pytest.raises(ValueError, match="2 parts for 3"):
        parse_ratio("1:1", 3)
    with pytest.raises(ValueError, match="not a ratio"):
        parse_ratio("1-1", 2)
    with pytest.raises(ValueError, match="at least 1"):
        parse_ratio("0:1", 2)


def test_a_short_seed_is_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        generate_list(BlockScheme(("A", "B"), (1, 1), (2,), 4), STRATA, b"short")

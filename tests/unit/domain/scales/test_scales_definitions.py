"""The packaged scale definitions: the id/version/item contract and a source for every number."""

from __future__ import annotations

import pytest

from spsreg.domain.scales import SCALE_IDS, SCORERS, ScaleError, scale_definition
from spsreg.knowledge.scales import ScaleDefinition, load_scale_definitions

# Other engineers' forms, importers and exports code against these ids; they must not drift.
CONTRACT: dict[str, tuple[str, tuple[str, ...]]] = {
    "stiffness_index": (
        "1",
        ("lower_trunk", "upper_trunk", "legs", "arms", "face", "abdomen"),
    ),
    "heightened_sensitivity": (
        "1",
        (
            "unexpected_noise",
            "visual",
            "somatosensory",
            "activity",
            "emotional_stress",
            "spontaneous",
            "nocturnal",
        ),
    ),
    "t25fw": ("1", ("trial_1_seconds", "trial_2_seconds", "assistive_device")),
    "mrs": ("1", ("grade",)),
    "falls_spasm_frequency": ("1", ("falls_past_4_weeks", "spasms_per_day")),
    "phq9": ("1", tuple(f"phq9_{n}" for n in range(1, 10))),
    "gad7": ("1", tuple(f"gad7_{n}" for n in range(1, 8))),
    "promis_global10": ("1.2", tuple(f"global{n:02d}" for n in range(1, 11))),
}


def test_the_packaged_scales_are_exactly_the_contracted_ones() -> None:
    definitions = load_scale_definitions()
    assert set(definitions) == set(CONTRACT) == set(SCALE_IDS) == set(SCORERS)
    assert len(SCALE_IDS) == len(set(SCALE_IDS))


@pytest.mark.parametrize("scale_id", sorted(CONTRACT))
def test_version_and_item_ids_match_the_contract(scale_id: str) -> None:
    version, item_ids = CONTRACT[scale_id]
    definition = scale_definition(scale_id)
    assert definition.version == version
    assert definition.item_ids == item_ids


def test_definitions_are_loaded_once_and_handed_out_as_fresh_dicts() -> None:
    first = load_scale_definitions()
    second = load_scale_definitions()
    assert first is not second
    assert all(first[key] is second[key] for key in first)


def test_an_unknown_scale_id_is_a_clear_error() -> None:
    with pytest.raises(
        ScaleError, match=r"^unknown_scale: unknown scale \(known scales: stiffness_index, "
    ):
        scale_definition("unknown_scale")


def _cited_parts(definition: ScaleDefinition) -> list[tuple[str, tuple[str, ...]]]:
    """Every part of a definition that holds a clinical number, with the sources it cites."""
    parts: list[tuple[str, tuple[str, ...]]] = [
        (f"item {i.id}", i.sources) for i in definition.items
    ]
    parts += [(f"recode {i.id}", i.recode.sources) for i in definition.items if i.recode]
    parts += [(f"constant {k}", c.sources) for k, c in definition.constants.items()]
    scoring = definition.scoring
    if scoring.total is not None:
        parts.append(("total", scoring.total.sources))
    parts += [(f"band {b.label}", b.sources) for b in scoring.bands]
    parts += [(f"subscore {s.id}", s.sources) for s in scoring.subscores]
    parts += [(f"subscore range {s.id}", s.range.sources) for s in scoring.subscores if s.range]
    return parts


@pytest.mark.parametrize("scale_id", SCALE_IDS)
def test_every_number_of_every_scale_carries_a_resolvable_citation(scale_id: str) -> None:
    definition = scale_definition(scale_id)
    for where, sources in _cited_parts(definition):
        assert sources, f"{scale_id} {where} cites no source"
        for key in sources:
            assert key in definition.sources, f"{scale_id} {where} cites unknown {key}"
    for key, citation in definition.sources.items():
        assert len(citation.reference) > 10, f"{scale_id} source {key} has no real reference"
    if definition.missing_items.sources:
        assert all(key in definition.sources for key in definition.missing_items.sources)
    else:
        assert "default" in definition.missing_items.description


@pytest.mark.parametrize("scale_id", SCALE_IDS)
def test_bands_cover_the_total_range_without_gaps(scale_id: str) -> None:
    scoring = scale_definition(scale_id).scoring
    if not scoring.bands:
        return
    assert scoring.total is not None and scoring.total.maximum is not None
    covered = [
        score
        for score in range(int(scoring.total.minimum), int(scoring.total.maximum) + 1)
        if scale_definition(scale_id).band_for(score) is not None
    ]
    assert covered == list(range(int(scoring.total.minimum), int(scoring.total.maximum) + 1))


def test_the_unverified_hss_range_is_stated_not_claimed() -> None:
    definition = scale_definition("heightened_sensitivity")
    assert "UNVERIFIED" in definition.description
    assert "1 to 7" in definition.description
    assert definition.scoring.total is not None
    assert (definition.scoring.total.minimum, definition.scoring.total.maximum) == (0, 7)


def test_copyrighted_promis_items_keep_short_labels_only() -> None:
    for item in scale_definition("promis_global10").items:
        assert len(item.label) <= 70, item.id

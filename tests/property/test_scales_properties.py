"""Properties every scale module keeps, whatever the (valid or invalid) responses."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from spsreg.domain.assessments import Assessment, ItemResponse
from spsreg.domain.scales import (
    SCALE_IDS,
    SCORERS,
    ScaleError,
    ScaleScore,
    scale_definition,
    score_assessment,
    validate_responses,
)
from spsreg.knowledge.scales import ScaleDefinition, ScaleItem

SEEDED = settings(derandomize=True, max_examples=60, deadline=None)


def valid_answer(item: ScaleItem) -> st.SearchStrategy[ItemResponse]:
    """Any answer the item permits."""
    if item.values is not None:
        return st.sampled_from([choice.value for choice in item.values])
    assert item.range is not None
    low = item.range.minimum
    high = item.range.maximum if item.range.maximum is not None else low + 10_000
    if item.range.type == "integer":
        return st.integers(int(low), int(high))
    return st.floats(
        low,
        high,
        exclude_min=not item.range.minimum_inclusive,
        exclude_max=not item.range.maximum_inclusive,
        allow_nan=False,
        allow_infinity=False,
    )


@st.composite
def scale_and_answers(draw: st.DrawFn) -> tuple[ScaleDefinition, dict[str, ItemResponse]]:
    """A scale and a complete set of valid answers to it."""
    definition = scale_definition(draw(st.sampled_from(SCALE_IDS)))
    answers = {item.id: draw(valid_answer(item)) for item in definition.items}
    return definition, answers


def assessment_of(definition: ScaleDefinition, responses: dict[str, ItemResponse]) -> Assessment:
    return Assessment(
        id="prop-1",
        scale_id=definition.id,
        scale_version=definition.version,
        responses=responses,
    )


def within(value: float, definition: ScaleDefinition) -> bool:
    total = definition.scoring.total
    assert total is not None
    return total.contains(value)


@SEEDED
@given(scale_and_answers())
def test_a_complete_valid_assessment_scores_within_the_published_ranges(
    case: tuple[ScaleDefinition, dict[str, ItemResponse]],
) -> None:
    definition, answers = case
    score = score_assessment(assessment_of(definition, answers))
    assert score.complete
    assert score.missing_items == ()
    if definition.scoring.total is not None:
        assert score.total is not None
        assert within(score.total, definition)
    else:
        assert score.total is None
    if definition.scoring.bands:
        assert score.band in {band.label for band in definition.scoring.bands}
    for subscore in definition.scoring.subscores:
        value = score.subscores[subscore.id]
        assert value is not None
        if subscore.range is not None:
            assert subscore.range.contains(value)
        if subscore.table:
            assert value in {point.t_score for point in subscore.table}


@SEEDED
@given(scale_and_answers(), st.data())
def test_completing_a_missing_item_never_breaks_validity(
    case: tuple[ScaleDefinition, dict[str, ItemResponse]], data: st.DataObject
) -> None:
    definition, answers = case
    blanked = data.draw(st.sets(st.sampled_from(definition.item_ids), min_size=1))
    partial: dict[str, ItemResponse] = {
        item_id: (None if item_id in blanked else value) for item_id, value in answers.items()
    }
    steps = data.draw(st.permutations(sorted(blanked)))
    previous_missing = set(score_assessment(assessment_of(definition, partial)).missing_items)
    for item_id in steps:
        partial[item_id] = answers[item_id]
        assessment = assessment_of(definition, partial)
        assert validate_responses(assessment) == []
        score = score_assessment(assessment)
        assert set(score.missing_items) <= previous_missing - {item_id}
        previous_missing = set(score.missing_items)
    final = score_assessment(assessment_of(definition, partial))
    assert final.complete
    assert (final.total is not None) == (definition.scoring.total is not None)


@SEEDED
@given(scale_and_answers(), st.data())
def test_the_order_of_the_responses_does_not_change_the_score(
    case: tuple[ScaleDefinition, dict[str, ItemResponse]], data: st.DataObject
) -> None:
    definition, answers = case
    dropped = data.draw(st.sets(st.sampled_from(definition.item_ids)))
    kept = [(key, value) for key, value in answers.items() if key not in dropped]
    shuffled = data.draw(st.permutations(kept))
    scorer = SCORERS[definition.id]
    assert scorer(dict(shuffled)) == scorer(dict(kept))


junk_values: st.SearchStrategy[ItemResponse] = st.one_of(
    st.none(),
    st.integers(-5, 300),
    st.floats(-5, 300, allow_nan=False, allow_infinity=False),
    st.text(max_size=4),
)


@SEEDED
@given(
    st.sampled_from(SCALE_IDS),
    st.dictionaries(
        st.one_of(
            st.sampled_from(["unknown_item", "phq9_1", "face", "global07"]),
            st.text(min_size=1, max_size=3).filter(str.strip),
        ),
        junk_values,
        max_size=4,
    ),
    st.data(),
)
def test_any_responses_either_score_or_raise_scale_error_naming_every_issue(
    scale_id: str, junk: dict[str, ItemResponse], data: st.DataObject
) -> None:
    definition = scale_definition(scale_id)
    own_items = data.draw(
        st.dictionaries(
            st.sampled_from(definition.item_ids), junk_values, max_size=len(definition.items)
        )
    )
    assessment = assessment_of(definition, {**junk, **own_items})
    issues = validate_responses(assessment)
    try:
        score = score_assessment(assessment)
    except ScaleError as error:
        assert list(error.issues) == issues != []
    else:
        assert issues == []
        assert isinstance(score, ScaleScore)
        assert set(score.missing_items) <= set(definition.item_ids)

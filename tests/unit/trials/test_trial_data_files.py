"""The --data CSV layouts: parsed values, and errors that name file, line, column and reason."""

from __future__ import annotations

import pytest

from spsreg.trials.crossover import CrossoverSubject
from spsreg.trials.data_files import TrialDataError, parse_trial_data
from spsreg.trials.parallel import ParallelSubject


def test_each_design_parses() -> None:
    crossover = parse_trial_data(
        "x.csv",
        "subject,sequence,period1,period2,site\nS1,ab,5,3.5,A\n\nS2,BA,4,4,A\n",
        "crossover",
    )
    assert crossover == [CrossoverSubject("S1", "AB", 5, 3.5), CrossoverSubject("S2", "BA", 4, 4)]
    parallel = parse_trial_data(
        "p.csv", "group,subject,baseline,outcome\nTreatment,P1,4,2\n", "parallel"
    )
    assert parallel == [ParallelSubject("P1", "treatment", 4, 2)]
    nof1 = parse_trial_data(
        "n.csv", "patient,cycle,treatment,control\nA,2,1,3\nA,1,2,4\nB,1,5,5\n", "nof1"
    )
    assert nof1 == {"A": [(1, 3), (2, 4)], "B": [(5, 5)]}


@pytest.mark.parametrize(
    ("design", "text", "line", "column", "reason"),
    [
        ("crossover", "subject,sequence,period1\n", 1, "period2", "missing column"),
        (
            "crossover",
            "subject,sequence,period1,period2\nS1,AB,5,x\n",
            2,
            "period2",
            "not a number",
        ),
        ("crossover", "subject,sequence,period1,period2\nS1,AB,5,nan\n", 2, "period2", "finite"),
        ("crossover", "subject,sequence,period1,period2\nS1,AC,5,3\n", 2, "sequence", "not one of"),
        (
            "crossover",
            "subject,sequence,period1,period2\nS1,AB,5,3\nS1,BA,5,3\n",
            3,
            "subject",
            "already on line 2",
        ),
        ("parallel", "subject,group,baseline,outcome\nP1,placebo,1,2\n", 2, "group", "not one of"),
        ("parallel", "subject,group,baseline,outcome\n,control,1,2\n", 2, "subject", "empty"),
        ("parallel", "subject,group,baseline,outcome\nP1,control,1\n", 2, None, "3 cells"),
        ("nof1", "patient,cycle,treatment,control\nA,1,1,2\nA,1,2,2\n", 3, "cycle", "already"),
        ("nof1", "patient,cycle,treatment,control\n", 2, None, "no data rows"),
        ("nof1", "", 1, None, "empty"),
    ],
)
def test_errors_say_where_and_why(
    design: str, text: str, line: int, column: str | None, reason: str
) -> None:
    with pytest.raises(TrialDataError) as caught:
        parse_trial_data("trial.csv", text, design)
    error = caught.value
    assert (error.line, error.column) == (line, column)
    assert reason in str(error)
    assert str(error).startswith(f"trial.csv line {line}")

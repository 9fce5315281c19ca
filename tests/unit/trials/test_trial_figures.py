"""Trial figures draw from plain values and are written as SVG or PNG by suffix."""

from __future__ import annotations

from pathlib import Path

import pytest

from spsreg.reports.figures.trials import ancova_plot, crossover_profiles, nof1_forest, write_figure


def test_each_figure_is_written_by_suffix(tmp_path: Path) -> None:
    figures = [
        crossover_profiles(["AB", "AB", "BA", "BA"], [5, 6, 3, 4], [3, 5, 5, 4], "Stiffness index"),
        ancova_plot(
            ["treatment", "treatment", "control", "control"],
            [4, 5, 4, 2],
            [2, 4, 4, 3],
            intercept=1.0,
            effect=-1.5,
            slope=0.7,
        ),
        nof1_forest(
            ["A", "B", "C"],
            [(-2, -4, 0), (-1, -3, 1), (-3, -6, 0)],
            fixed=(-2, -3, -1),
            random=(-2, -3.5, -0.5),
            prediction=(-6, 2),
        ),
    ]
    for index, figure in enumerate(figures):
        svg = write_figure(figure, tmp_path / f"f{index}.svg")
        png = write_figure(figure, tmp_path / f"f{index}.PNG")
        assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    first = (tmp_path / "f0.svg").read_bytes()
    write_figure(figures[0], tmp_path / "f0.svg")
    assert (tmp_path / "f0.svg").read_bytes() == first  # reproducible


def test_other_suffixes_are_refused(tmp_path: Path) -> None:
    figure = nof1_forest(["A", "B"], [(1, 0, 2), (1, 0, 2)], fixed=(1, 0.5, 1.5),
                         random=(1, 0.5, 1.5), prediction=None)  # fmt: skip
    with pytest.raises(ValueError, match=r"\.svg or \.png"):
        write_figure(figure, tmp_path / "f.pdf")

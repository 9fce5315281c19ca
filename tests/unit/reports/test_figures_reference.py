"""The reference images (looked at by a person, see reference/README.md) still match the figures.

A figure that changes on purpose is re-rendered with the command in the README and looked at again.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from figure_inputs import reference_figures
from matplotlib.testing.compare import compare_images

from spsreg.reports.figures import save_figure

REFERENCE = Path(__file__).parent / "reference"
NAMES = ("timeline", "swimmer", "trajectories", "km", "forest")


def test_every_reference_figure_is_kept_and_described() -> None:
    assert sorted(reference_figures()) == sorted(NAMES)
    readme = (REFERENCE / "README.md").read_text(encoding="utf-8")
    for name in NAMES:
        assert (REFERENCE / f"{name}.png").is_file()
        assert f"`{name}.png`" in readme


@pytest.mark.parametrize("name", NAMES)
def test_the_figure_matches_its_reference_image(tmp_path: Path, name: str) -> None:
    _, png = save_figure(reference_figures()[name], tmp_path / name)
    difference = compare_images(str(REFERENCE / f"{name}.png"), str(png), tol=1.0)
    assert difference is None, difference

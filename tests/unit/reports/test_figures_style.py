"""The figure house style: black-and-white distinct series, units from the knowledge pack, and
reproducible SVG/PNG files for every figure kind."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date
from itertools import combinations
from pathlib import Path

import matplotlib
import pytest
from figure_inputs import (
    all_texts,
    example_frames,
    example_lines,
    example_responses,
    example_starts,
    survival_stub,
    trajectory_frames,
)
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from spsreg.knowledge.scales import load_scale_definitions
from spsreg.reports.figures import (
    aligned_trajectories,
    forest_plot,
    km_plot,
    patient_timeline,
    save_figure,
    swimmer_plot,
)
from spsreg.reports.figures.style import (
    NO_DATA,
    OUTCOMES,
    day_numbers,
    no_data_figure,
    outcome_display,
    series_style,
    therapy_label,
)
from spsreg.reports.figures.timeline import format_daily_amount

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

FIGURES: dict[str, Callable[[], Figure]] = {
    "timeline": lambda: patient_timeline(
        example_frames(), "syn-p1", alerts=[(date(2024, 5, 10), "benzodiazepine load")]
    ),
    "swimmer": lambda: swimmer_plot(example_lines(), example_frames()),
    "trajectories": lambda: aligned_trajectories(
        trajectory_frames(), "ivig", "stiffness_index", example_starts()
    ),
    "km": lambda: km_plot(
        [
            survival_stub("ivig", [10, 20, 20, 35, 50], [True, False, True, True, False]),
            survival_stub("rituximab", [30, 60, 90, 120], [True, True, False, True]),
        ]
    ),
    "forest": lambda: forest_plot(example_responses(), "stiffness_index"),
    "no_data": lambda: no_data_figure("Nothing to show"),
}


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks, at = [], len(PNG_SIGNATURE)
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        chunks.append((kind, data[at + 8 : at + 8 + length]))
        at += 12 + length
    return chunks


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_figure_is_saved_as_valid_reproducible_svg_and_png(tmp_path: Path, name: str) -> None:
    fig = FIGURES[name]()
    assert isinstance(fig.canvas, FigureCanvasAgg)  # its own Agg canvas, no pyplot manager
    svg, png = save_figure(fig, tmp_path / "out" / name)
    assert (svg.name, png.name) == (f"{name}.svg", f"{name}.png")
    svg_bytes, png_bytes = svg.read_bytes(), png.read_bytes()
    root = ET.fromstring(svg_bytes)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert png_bytes.startswith(PNG_SIGNATURE)
    kinds = [kind for kind, _ in png_chunks(png_bytes)]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND"
    assert b"tIME" not in kinds  # no modification time
    text = b"".join(body for kind, body in png_chunks(png_bytes) if kind == b"tEXt")
    assert b"Software\x00spsreg" in text and matplotlib.__version__.encode() not in text
    assert b"<dc:date>" not in svg_bytes and matplotlib.__version__.encode() not in svg_bytes
    # a second save (and a fresh figure from the same inputs) gives the same bytes
    again_svg, again_png = save_figure(FIGURES[name](), tmp_path / "again" / name)
    assert again_svg.read_bytes() == svg_bytes
    assert again_png.read_bytes() == png_bytes
    save_figure(fig, tmp_path / "out" / name)
    assert svg.read_bytes() == svg_bytes and png.read_bytes() == png_bytes


def test_saving_leaves_matplotlib_global_settings_alone(tmp_path: Path) -> None:
    before = dict(matplotlib.rcParams)
    backend = matplotlib.get_backend()
    save_figure(FIGURES["forest"](), tmp_path / "forest")
    assert dict(matplotlib.rcParams) == before
    assert matplotlib.get_backend() == backend


def test_the_first_eight_series_differ_in_line_style_marker_and_hatch_not_only_colour() -> None:
    styles = [series_style(i) for i in range(8)]
    for a, b in combinations(styles, 2):
        assert a.linestyle != b.linestyle
        assert a.marker != b.marker
        assert a.hatch != b.hatch
    assert series_style(8) == series_style(0)


def test_scale_units_come_from_the_knowledge_pack() -> None:
    scales = load_scale_definitions()
    for outcome in ("stiffness_index", "heightened_sensitivity", "t25fw", "mrs"):
        total = scales[outcome].scoring.total
        assert total is not None and OUTCOMES[outcome].unit == total.unit
    assert OUTCOMES["t25fw"].axis_label == "Timed 25-foot walk (s)"
    assert OUTCOMES["stiffness_index"].axis_label == "Stiffness index (regions)"
    assert outcome_display("grip_strength").axis_label == "grip strength (units)"


def test_therapy_labels_and_daily_amounts_read_as_clinicians_write_them() -> None:
    assert therapy_label("ivig") == "IVIG"
    assert therapy_label("plasmapheresis") == "Plasmapheresis"  # the words before the brackets
    assert therapy_label("car_t") == "CAR-T cell therapy"
    assert therapy_label("hsct") == "HSCT"  # the full name is too long for an axis
    assert therapy_label("baclofen_intrathecal") == "Intrathecal baclofen"
    assert therapy_label("tramadol") == "Tramadol"  # no named therapy: from the id
    assert format_daily_amount(30.0, "mg") == "30 mg/d"
    assert format_daily_amount(2500.0, "mg") == "2.5 g/d"
    assert format_daily_amount(0.5, "mL") == "0.5 mL/d"
    assert format_daily_amount(float("nan"), None) == "dose n/a"


def test_dates_become_day_numbers_with_missing_dates_left_out() -> None:
    values = day_numbers([date(2024, 1, 1), None, date(2024, 1, 31)], origin=date(2024, 1, 1))
    assert values[0] == 0.0 and values[2] == 30.0
    assert values[1] != values[1]  # NaN


def test_the_no_data_figure_says_so() -> None:
    texts = all_texts(no_data_figure("Time to discontinuation", "no patients"))
    assert NO_DATA in texts and "Time to discontinuation" in texts and "no patients" in texts

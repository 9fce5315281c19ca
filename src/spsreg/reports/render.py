"""Report documents and how they are written: HTML, Markdown with figures beside it, and PDF.

A case report or a case series is first built as a :class:`ReportDocument`: a title, a
decision-support disclaimer and sections of plain blocks (paragraphs, bullet lists, tables and
figures). The same document is then written in the format asked for:

* **HTML** from the Jinja2 templates in ``templates/``: one self-contained file with inline CSS
  and the figures as inline SVG; nothing is fetched from the network (no CDN, no web font).
* **Markdown**: the text and tables, with each figure saved beside the file as PNG and SVG
  (``<stem>-<figure>.png``/``.svg``) and linked by a relative path.
* **PDF** with fpdf2: the PNG figures, and the DejaVu Sans font that matplotlib ships (so that
  symbols such as ≥ and µ print without a system font).

Figures are drawn once, rendered to SVG and PNG in memory (:func:`figure_block`) and closed.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

matplotlib.use("Agg")

from matplotlib.figure import Figure

__all__ = [
    "Block",
    "BulletList",
    "DocumentFormat",
    "FigureBlock",
    "Paragraph",
    "ReportDocument",
    "Section",
    "TableBlock",
    "WrittenReport",
    "figure_block",
    "interval",
    "is_missing",
    "number",
    "percent",
    "render_html",
    "render_markdown",
    "table_cells",
    "write_pdf",
    "write_report",
]

TEMPLATES = Path(__file__).resolve().parent / "templates"
PNG_DPI = 150


class DocumentFormat(StrEnum):
    HTML = "html"
    PDF = "pdf"
    MD = "md"


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class BulletList:
    items: tuple[str, ...]


@dataclass(frozen=True)
class TableBlock:
    """A table of text cells (numbers already formatted, with their units in the header)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str | None = None


@dataclass(frozen=True)
class FigureBlock:
    """A figure rendered once: ``name`` is its file stem, ``svg`` the SVG markup, ``png`` the
    PNG bytes; ``caption`` says what it shows."""

    name: str
    caption: str
    svg: str = field(repr=False)
    png: bytes = field(repr=False)


Block = Paragraph | BulletList | TableBlock | FigureBlock


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class ReportDocument:
    """A report ready to be written: ``kind`` is ``case`` or ``cohort`` (it picks the HTML
    template), ``data_note`` says what data it was drawn from (a case report gives no calendar
    date), ``disclaimer`` is the decision-support notice printed at the top and at the end."""

    kind: str
    title: str
    subtitle: str
    data_note: str
    disclaimer: str
    sections: tuple[Section, ...]

    @property
    def figures(self) -> list[FigureBlock]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, FigureBlock)]


@dataclass(frozen=True)
class WrittenReport:
    """What :func:`write_report` wrote: the document and the files beside it."""

    path: Path
    format: DocumentFormat
    files: tuple[Path, ...]
    figures: int


_XML_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_SVG_ID = re.compile(r'(\bid=)"([^"]+)"')
_SVG_REF = re.compile(r'(url\(#|xlink:href="#|href="#)([^)"]+)')


def figure_block(figure: Figure, name: str, caption: str) -> FigureBlock:
    """Render ``figure`` to SVG and PNG in memory and clear it. Every element id of the SVG (and
    every reference to one) is prefixed with ``name``, so several figures can be inlined in one
    HTML page without id clashes; no date and no metadata block is written into either file (the
    same data give the same bytes)."""
    svg_buffer, png_buffer = io.StringIO(), io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": name, "svg.fonttype": "none"}):
        figure.savefig(svg_buffer, format="svg", metadata={"Date": None, "Creator": "spsreg"})
    figure.savefig(png_buffer, format="png", dpi=PNG_DPI, metadata={"Software": "spsreg"})
    figure.clear()
    svg = _XML_PROLOGUE.sub("", svg_buffer.getvalue(), count=1)
    svg = _METADATA.sub("", svg, count=1)
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", name)
    seen: dict[str, int] = {}

    def unique_id(match: re.Match[str]) -> str:
        # Figures may give several elements one id (a gid per series): number the repeats.
        count = seen[match.group(2)] = seen.get(match.group(2), 0) + 1
        repeat = "" if count == 1 else f"-{count}"
        return f'{match.group(1)}"{prefix}-{match.group(2)}{repeat}"'

    svg = _SVG_ID.sub(unique_id, svg)
    svg = _SVG_REF.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)
    return FigureBlock(name=name, caption=caption, svg=svg, png=png_buffer.getvalue())


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.tests["paragraph"] = lambda b: isinstance(b, Paragraph)
    environment.tests["bullets"] = lambda b: isinstance(b, BulletList)
    environment.tests["table"] = lambda b: isinstance(b, TableBlock)
    environment.tests["figure"] = lambda b: isinstance(b, FigureBlock)
    environment.filters["inline_svg"] = lambda b: Markup(b.svg)  # our own matplotlib output
    return environment


def render_html(document: ReportDocument) -> str:
    """The document as one self-contained HTML page (``templates/<kind>_report.html.j2``)."""
    template = _environment().get_template(f"{document.kind}_report.html.j2")
    return template.render(document=document)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(document: ReportDocument, figure_links: dict[str, str]) -> str:
    """The document as Markdown; ``figure_links`` maps a figure name to the path it links."""
    lines = [f"# {document.title}", "", f"*{document.subtitle}*", "", f"> {document.disclaimer}"]
    for section in document.sections:
        lines += ["", f"## {section.title}", ""]
        for block in section.blocks:
            lines += _markdown_block(block, figure_links)
    lines += [
        "",
        "---",
        "",
        f"*{document.disclaimer}*",
        "",
        f"Generated by spsreg. {document.data_note}",
        "",
    ]
    return "\n".join(lines)


def _markdown_block(block: Block, figure_links: dict[str, str]) -> list[str]:
    if isinstance(block, Paragraph):
        return [block.text, ""]
    if isinstance(block, BulletList):
        return [*(f"- {item}" for item in block.items), ""]
    if isinstance(block, TableBlock):
        lines = [f"*{block.caption}*", ""] if block.caption else []
        if not block.rows:
            return [*lines, "(none)", ""]
        lines.append("| " + " | ".join(_md_cell(c) for c in block.columns) + " |")
        lines.append("|" + "---|" * len(block.columns))
        lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
        return [*lines, ""]
    return [f"![{block.caption}]({figure_links[block.name]})", "", f"*{block.caption}*", ""]


def write_report(document: ReportDocument, fmt: DocumentFormat | str, path: Path) -> WrittenReport:
    """Write ``document`` to ``path`` in ``fmt`` (folders are created); Markdown also writes
    each figure beside it as PNG and SVG."""
    fmt = DocumentFormat(fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    files: list[Path] = [path]
    if fmt is DocumentFormat.HTML:
        path.write_text(render_html(document), encoding="utf-8")
    elif fmt is DocumentFormat.MD:
        links: dict[str, str] = {}
        for figure in document.figures:
            png = path.with_name(f"{path.stem}-{figure.name}.png")
            svg = png.with_suffix(".svg")
            png.write_bytes(figure.png)
            svg.write_text(figure.svg, encoding="utf-8")
            files += [png, svg]
            links[figure.name] = png.name
        path.write_text(render_markdown(document, links), encoding="utf-8")
    else:
        write_pdf(document, path)
    return WrittenReport(path, fmt, tuple(files), len(document.figures))


def is_missing(value: Any) -> bool:
    """None, NaN, NaT and pandas NA: a value that was not recorded or not computed."""
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def number(value: Any, digits: int = 1, missing: str = "–") -> str:
    """A number for a table: ``digits`` decimals, trailing zeros kept; ``missing`` if none."""
    if is_missing(value):
        return missing
    return f"{float(value):.{digits}f}"


def percent(value: Any, digits: int = 0, missing: str = "–") -> str:
    """A proportion (0-1) as a percentage."""
    return missing if is_missing(value) else f"{100 * float(value):.{digits}f}%"


def interval(low: Any, high: Any, digits: int = 1, scale: float = 1.0) -> str:
    """A confidence interval as ``[low, high]``; "no interval" when either limit is missing."""
    if is_missing(low) or is_missing(high):
        return "no interval"
    return f"[{float(low) * scale:.{digits}f}, {float(high) * scale:.{digits}f}]"


def table_cells(values: Sequence[Any]) -> tuple[str, ...]:
    """Table cells as text: missing values as an empty cell."""
    return tuple("" if is_missing(v) else str(v) for v in values)


def _pdf_font_path(name: str) -> str:
    return str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name)


def write_pdf(document: ReportDocument, path: Path) -> None:
    """The document as an A4 PDF (fpdf2): headings, paragraphs, lists, tables and PNG figures."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(format="A4")
    pdf.set_title(document.title)
    pdf.add_font("DejaVu", "", _pdf_font_path("DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", _pdf_font_path("DejaVuSans-Bold.ttf"))
    pdf.add_font("DejaVu", "I", _pdf_font_path("DejaVuSans-Oblique.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.epw

    def text(body: str, size: float = 10, style: str = "", gap: float = 2) -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(width, size * 0.5, body, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    text(document.title, 16, "B")
    text(document.subtitle, 10, "I")
    text(document.disclaimer, 9, "B", 4)
    for section in document.sections:
        text(section.title, 13, "B")
        for block in section.blocks:
            if isinstance(block, Paragraph):
                text(block.text)
            elif isinstance(block, BulletList):
                for item in block.items:
                    text(f"\u2022 {item}", gap=0.5)
                pdf.ln(1.5)
            elif isinstance(block, TableBlock):
                if block.caption:
                    text(block.caption, 9, "I", 1)
                if not block.rows:
                    text("(none)")
                    continue
                pdf.set_font("DejaVu", "", 7 if len(block.columns) > 6 else 8)
                with pdf.table(
                    headings_style=FontFace(emphasis="BOLD"), line_height=pdf.font_size * 1.6
                ) as table:
                    for row in (block.columns, *block.rows):
                        table.row(row)
                pdf.ln(3)
            else:
                pdf.image(io.BytesIO(block.png), w=width)
                text(block.caption, 8, "I")
    text(document.disclaimer, 9, "B")
    text(f"Generated by spsreg. {document.data_note}", 8, "I")
    pdf.output(str(path))

"""The layers of docs/architecture point one way: a module may import only the capabilities below
it. This test reads every import of the package, so a new arrow the wrong way fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "spsreg"

ALLOWED: dict[str, set[str]] = {
    "knowledge": set(),  # cited facts and their vocabularies: imports nothing else of ours
    "domain": {"knowledge"},
    "store": {"domain", "knowledge"},
    "synth": {"domain", "knowledge"},
    "monitoring": {"domain", "knowledge"},  # rule kinds over patient timelines (pure)
    # Cohort criteria and their engines (in-memory reference; SQL through the store's scoping).
    "query": {"domain", "knowledge", "store"},
    # The native CSV layout is defined once, in export, and read back by ingest.
    "export": {"domain", "knowledge", "store", "privacy"},
    "ingest": {"domain", "knowledge", "store", "export"},
    "analysis": {"domain", "knowledge"},  # statistics over tidy frames (pure)
    "trials": {"analysis", "domain", "knowledge"},  # small-trial design and analysis (pure)
    "privacy": {"domain", "knowledge"},  # de-identification and disclosure control (pure)
    "reports": {
        "analysis",
        "domain",
        "knowledge",
        "privacy",
    },  # figures and documents from analysis results
    # Use cases joining the store with the engines above it (which may not import the store).
    "services": {
        "domain",
        "knowledge",
        "store",
        "monitoring",
        "ingest",
        "analysis",
        "privacy",
        "query",
        "trials",
    },
    # Pages and the REST API: through services and the store's scoped access, never around them.
    "web": {
        "domain",
        "knowledge",
        "store",
        "services",
        "analysis",
        "reports",
        "trials",
        "monitoring",
        "(root)",
    },
    "cli": {
        "domain",
        "knowledge",
        "store",
        "synth",
        "ingest",
        "export",
        "services",
        "analysis",
        "reports",
        "trials",
        "(root)",
    },
}


def imported_capabilities(folder: Path) -> dict[str, set[str]]:
    """Capability -> the modules (relative paths) that import it, for one capability folder."""
    found: dict[str, set[str]] = {}
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            for name in [module, *names]:
                if name == "spsreg":
                    found.setdefault("(root)", set()).add(str(path.relative_to(PACKAGE)))
                elif name and name.startswith("spsreg."):
                    capability = name.split(".")[1]
                    found.setdefault(capability, set()).add(str(path.relative_to(PACKAGE)))
    return found


def test_every_capability_folder_has_declared_layers() -> None:
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and any(p.glob("*.py"))}
    assert folders <= set(ALLOWED), f"declare the layer of {sorted(folders - set(ALLOWED))}"


@pytest.mark.parametrize("capability", sorted(ALLOWED))
def test_imports_point_down_the_layers(capability: str) -> None:
    folder = PACKAGE / capability
    wrong = {
        target: sorted(modules)
        for target, modules in imported_capabilities(folder).items()
        if target != capability and target not in ALLOWED[capability]
    }
    assert not wrong, f"{capability} must not import {wrong}"

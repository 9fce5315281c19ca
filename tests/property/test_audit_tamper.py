"""Property: any edit, deletion or reordering of stored audit rows is detected, at the first
tampered entry; an untouched chain verifies.

A chain is built once through the registry (SQLite file); every example tampers inside a
transaction, verifies on that connection against the head kept beforehand, and rolls back.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from record_examples import full_record
from sqlalchemy import Connection, Engine, delete, select, update

from spsreg.domain import DiaryEntry, Site
from spsreg.store import (
    Actor,
    AuditHead,
    Registry,
    Role,
    audit_head,
    create_engine_for,
    migrate,
    verify_audit_chain,
)
from spsreg.store.tables import AUDIT_LOG

EDITABLE = [
    "recorded_at",
    "actor_user",
    "actor_role",
    "actor_site_id",
    "action",
    "entity_kind",
    "entity_id",
    "patient_id",
    "before",
    "after",
    "reason",
    "prev_hash",
    "hash",
]


@dataclass(frozen=True)
class Chain:
    engine: Engine
    head: AuditHead


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    path: Path = tmp_path_factory.mktemp("audit") / "chain.sqlite3"
    engine = create_engine_for(f"sqlite:///{path}")
    migrate(engine)
    registry = Registry(engine)
    admin = Actor("admin", Role.ADMIN)
    clinician = Actor("dr-a", Role.CLINICIAN, "SITE-A")
    registry.add_site(admin, Site(id="SITE-A", name="A", country="GB"))
    for number in range(1, 4):
        registry.save_patient_record(clinician, full_record(f"p-{number:04d}"), reason="import")
    for day in range(1, 8):
        entry = DiaryEntry(id=f"p-0001-d{day}", entry_date=date(2023, 1, day), stiffness=day)
        added = registry.add(clinician, "p-0001", "diary_entries", entry, "diary")
        if day % 2:
            registry.update(
                clinician,
                "diary_entries",
                entry.model_copy(update={"falls": 1}),
                added.version,
                "fix",
            )
    with engine.connect() as connection:
        head = audit_head(connection)
    yield Chain(engine, head)
    engine.dispose()


@dataclass(frozen=True)
class Edit:
    sequence: int
    column: str
    value: str | None


@dataclass(frozen=True)
class Deletion:
    sequence: int


@dataclass(frozen=True)
class Swap:
    first: int
    second: int


Tampering = Edit | Deletion | Swap


@st.composite
def tamperings(draw: st.DrawFn, length: int) -> list[Tampering]:
    """One to three tamperings, each on sequence numbers no other one touches."""
    kinds = draw(st.lists(st.sampled_from(["edit", "delete", "swap"]), min_size=1, max_size=3))
    needed = len(kinds) + kinds.count("swap")
    sequences = iter(
        draw(st.lists(st.integers(1, length), min_size=needed, max_size=needed, unique=True))
    )
    result: list[Tampering] = []
    for kind in kinds:
        if kind == "edit":
            column = draw(st.sampled_from(EDITABLE))
            values = (
                st.none() | st.text(max_size=12)
                if column in ("before", "after")
                else (st.text(min_size=1, max_size=12))
            )
            result.append(Edit(next(sequences), column, draw(values)))
        elif kind == "delete":
            result.append(Deletion(next(sequences)))
        else:
            result.append(Swap(next(sequences), next(sequences)))
    return result


def touched(tampering: Tampering) -> set[int]:
    if isinstance(tampering, Swap):
        return {tampering.first, tampering.second}
    return {tampering.sequence}


def apply(
    connection: Connection, tampering: Tampering, original: dict[int, dict[str, Any]]
) -> None:
    execute = connection.execute
    if isinstance(tampering, Edit):
        assume(original[tampering.sequence][tampering.column] != tampering.value)
        execute(
            update(AUDIT_LOG)
            .where(AUDIT_LOG.c.sequence == tampering.sequence)
            .values({tampering.column: tampering.value})
        )
    elif isinstance(tampering, Deletion):
        execute(delete(AUDIT_LOG).where(AUDIT_LOG.c.sequence == tampering.sequence))
    else:
        for old, new in (
            (tampering.first, -1),
            (tampering.second, tampering.first),
            (-1, tampering.second),
        ):
            execute(update(AUDIT_LOG).where(AUDIT_LOG.c.sequence == old).values(sequence=new))


def test_an_untouched_chain_verifies(chain: Chain) -> None:
    result = verify_audit_chain(chain.engine, expected_head=chain.head)
    assert result.ok
    assert result.entries_checked == chain.head.sequence == 15
    assert result.head == chain.head


@settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_tampering_is_always_detected_at_the_first_tampered_entry(
    chain: Chain, data: st.DataObject
) -> None:
    plan = data.draw(tamperings(chain.head.sequence))
    with chain.engine.connect() as connection:
        transaction = connection.begin()
        try:
            original = {
                row["sequence"]: dict(row)
                for row in connection.execute(select(AUDIT_LOG)).mappings()
            }
            for tampering in plan:
                apply(connection, tampering, original)
            result = verify_audit_chain(connection, expected_head=chain.head)
        finally:
            transaction.rollback()
    assert not result.ok
    first = min(sequence for tampering in plan for sequence in touched(tampering))
    assert result.first_broken_sequence == first, result.problem
    assert result.entries_checked == first - 1
    assert result.problem

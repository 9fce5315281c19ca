"""Accounts on both databases: add, list, disable, reset, login, lockout and the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher, Type
from record_examples import minimal_record
from sqlalchemy import Engine, insert, select, update

from spsreg.store import Actor, Registry, Role
from spsreg.store.accounts import MAX_FAILED_LOGINS, LoginRefusal, RefusalReason
from spsreg.store.audit import verify_audit_chain
from spsreg.store.errors import ConflictError, NotFoundError, ScopeError, StoreError
from spsreg.store.passwords import PasswordPolicyError
from spsreg.store.tables import AUDIT_LOG, LOGIN_FAILURES, USERS

PASSWORD = "a long clinic passphrase"
NEW_PASSWORD = "another long passphrase"
NOW = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)


def user_audit(engine: Engine) -> list[tuple[str, str, str, str | None, str | None]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                AUDIT_LOG.c.action,
                AUDIT_LOG.c.entity_id,
                AUDIT_LOG.c.reason,
                AUDIT_LOG.c.before,
                AUDIT_LOG.c.after,
            )
            .where(AUDIT_LOG.c.entity_kind == "user")
            .order_by(AUDIT_LOG.c.sequence)
        ).all()
    return [tuple(row) for row in rows]


def stored_hash(engine: Engine, name: str) -> str:
    with engine.connect() as connection:
        value: str = connection.execute(
            select(USERS.c.password_hash).where(USERS.c.name == name)
        ).scalar_one()
    return value


def test_accounts_are_added_listed_and_audited_without_secrets(
    registry: Registry, admin: Actor, clinician_a: Actor
) -> None:
    registry.save_patient_record(clinician_a, minimal_record("p-0001"), reason="new patient")
    registry.add_user(admin, "dr.alpha", Role.CLINICIAN, PASSWORD, site_id="SITE-A")
    registry.add_user(admin, "root", "admin", PASSWORD)
    registry.add_user(
        admin, "patient-1", Role.PATIENT, PASSWORD, site_id="SITE-A", patient_id="p-0001"
    )
    listed = registry.list_users(admin)
    assert [(a.name, a.role, a.site_id, a.patient_id, a.disabled) for a in listed] == [
        ("dr.alpha", Role.CLINICIAN, "SITE-A", None, False),
        ("patient-1", Role.PATIENT, "SITE-A", "p-0001", False),
        ("root", Role.ADMIN, None, None, False),
    ]
    assert all(not hasattr(account, "password_hash") for account in listed)
    assert stored_hash(registry.engine, "root").startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    entries = user_audit(registry.engine)
    assert [entry[:3] for entry in entries] == [
        ("create", "dr.alpha", "account created"),
        ("create", "root", "account created"),
        ("create", "patient-1", "account created"),
    ]
    for entry in entries:
        assert PASSWORD not in str(entry) and "argon2" not in str(entry)
    assert verify_audit_chain(registry.engine).ok


@pytest.mark.parametrize(
    ("name", "role", "site", "patient", "error"),
    [
        ("dr.x", Role.CLINICIAN, None, None, StoreError),  # a clinician works at a site
        ("dr.x", Role.SYSTEM, None, None, StoreError),
        ("dr.x", "surgeon", "SITE-A", None, StoreError),
        ("bad name", Role.RESEARCHER, "SITE-A", None, StoreError),
        ("p.x", Role.PATIENT, "SITE-A", None, StoreError),  # needs the patient's record
        ("p.x", Role.PATIENT, "SITE-A", "p-9999", NotFoundError),
        ("dr.x", Role.CLINICIAN, "SITE-Z", None, NotFoundError),
    ],
)
def test_accounts_follow_the_actor_rules(
    registry: Registry,
    admin: Actor,
    name: str,
    role: Role | str,
    site: str | None,
    patient: str | None,
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        registry.add_user(admin, name, role, PASSWORD, site_id=site, patient_id=patient)
    assert registry.list_users(admin) == []


def test_duplicate_names_and_weak_passwords_are_refused(registry: Registry, admin: Actor) -> None:
    registry.add_user(admin, "coord", Role.COORDINATOR, PASSWORD, site_id="SITE-B")
    with pytest.raises(ConflictError, match="already exists"):
        registry.add_user(admin, "coord", Role.COORDINATOR, PASSWORD, site_id="SITE-B")
    with pytest.raises(PasswordPolicyError):
        registry.add_user(admin, "other", Role.RESEARCHER, "short", site_id="SITE-B")
    with pytest.raises(PasswordPolicyError):
        registry.reset_password(admin, "coord", " " * 16)


def test_only_an_administrator_manages_accounts(
    registry: Registry, admin: Actor, clinician_a: Actor
) -> None:
    registry.add_user(admin, "coord", Role.COORDINATOR, PASSWORD, site_id="SITE-A")
    system = Actor("importer", Role.SYSTEM)
    for actor in (clinician_a, system, Actor("c", Role.COORDINATOR, "SITE-A")):
        with pytest.raises(ScopeError):
            registry.add_user(actor, "x.y", Role.RESEARCHER, PASSWORD, site_id="SITE-A")
        with pytest.raises(ScopeError):
            registry.list_users(actor)
        with pytest.raises(ScopeError):
            registry.disable_user(actor, "coord")
        with pytest.raises(ScopeError):
            registry.reset_password(actor, "coord", NEW_PASSWORD)


def test_login_gives_the_accounts_actor(registry: Registry, admin: Actor) -> None:
    registry.add_user(admin, "res", Role.RESEARCHER, PASSWORD, site_id="SITE-B")
    assert registry.verify_login("res", PASSWORD, now=NOW) == Actor(
        "res", Role.RESEARCHER, "SITE-B"
    )
    assert registry.verify_login("res", NEW_PASSWORD, now=NOW) == LoginRefusal(
        RefusalReason.WRONG_CREDENTIALS
    )
    unknown = registry.verify_login("nobody", PASSWORD, now=NOW)
    assert unknown == LoginRefusal(RefusalReason.WRONG_CREDENTIALS)
    assert isinstance(unknown, LoginRefusal) and "wrong" in unknown.message


def test_disable_and_reset_password(registry: Registry, admin: Actor) -> None:
    registry.add_user(admin, "coord", Role.COORDINATOR, PASSWORD, site_id="SITE-A")
    disabled = registry.disable_user(admin, "coord", reason="left the centre")
    assert disabled.disabled
    assert registry.disable_user(admin, "coord").version == disabled.version  # nothing written
    assert registry.verify_login("coord", PASSWORD, now=NOW) == LoginRefusal(RefusalReason.DISABLED)
    before = stored_hash(registry.engine, "coord")
    registry.reset_password(admin, "coord", NEW_PASSWORD, reason="forgotten")
    assert stored_hash(registry.engine, "coord") != before
    assert registry.verify_login("coord", NEW_PASSWORD, now=NOW) == LoginRefusal(
        RefusalReason.DISABLED
    )
    with pytest.raises(NotFoundError):
        registry.disable_user(admin, "nobody")
    with pytest.raises(NotFoundError):
        registry.reset_password(admin, "nobody", NEW_PASSWORD)
    entries = user_audit(registry.engine)
    assert [entry[:3] for entry in entries] == [
        ("create", "coord", "account created"),
        ("update", "coord", "left the centre"),
        ("update", "coord", "forgotten"),
    ]
    assert '"disabled":true' in str(entries[1][4])
    assert "password_changed_at" in str(entries[2][4])
    for entry in entries:
        assert "argon2" not in str(entry)
        assert PASSWORD not in str(entry) and NEW_PASSWORD not in str(entry)


def test_lockout_after_100_failures_in_an_hour_and_release_after(
    registry: Registry, admin: Actor
) -> None:
    registry.add_user(admin, "dr.alpha", Role.CLINICIAN, PASSWORD, site_id="SITE-A")
    earlier = NOW - timedelta(minutes=30)
    with registry.engine.begin() as connection:  # 99 failures half an hour ago
        connection.execute(
            insert(LOGIN_FAILURES), [{"user_name": "dr.alpha", "failed_at": earlier}] * 99
        )
    assert registry.verify_login("dr.alpha", PASSWORD, now=NOW) == Actor(
        "dr.alpha", Role.CLINICIAN, "SITE-A"
    )
    wrong = registry.verify_login("dr.alpha", "a wrong guess here", now=NOW)
    assert wrong == LoginRefusal(RefusalReason.WRONG_CREDENTIALS)  # the 100th failure
    assert MAX_FAILED_LOGINS == 100
    locked = registry.verify_login("dr.alpha", PASSWORD, now=NOW + timedelta(seconds=1))
    assert locked == LoginRefusal(RefusalReason.LOCKED)
    assert registry.verify_login("dr.alpha", "another guess!!", now=NOW) == locked
    with registry.engine.connect() as connection:  # refused-as-locked attempts are not recorded
        assert len(connection.execute(select(LOGIN_FAILURES)).all()) == 100
    # The 99 earlier failures leave the window 30 minutes later; the account opens again.
    released = registry.verify_login(
        "dr.alpha", PASSWORD, now=earlier + timedelta(hours=1, seconds=1)
    )
    assert released == Actor("dr.alpha", Role.CLINICIAN, "SITE-A")
    failures = [entry for entry in user_audit(registry.engine) if entry[2] == "failed login"]
    assert len(failures) == 1 and "a wrong guess" not in str(failures[0])


def test_an_administrators_reset_clears_the_lockout(registry: Registry, admin: Actor) -> None:
    registry.add_user(admin, "coord", Role.COORDINATOR, PASSWORD, site_id="SITE-A")
    with registry.engine.begin() as connection:
        connection.execute(insert(LOGIN_FAILURES), [{"user_name": "coord", "failed_at": NOW}] * 100)
    assert registry.verify_login("coord", PASSWORD, now=NOW) == LoginRefusal(RefusalReason.LOCKED)
    registry.reset_password(admin, "coord", NEW_PASSWORD)
    assert registry.verify_login("coord", NEW_PASSWORD, now=NOW) == Actor(
        "coord", Role.COORDINATOR, "SITE-A"
    )


def test_a_weak_stored_hash_is_upgraded_at_login(registry: Registry, admin: Actor) -> None:
    registry.add_user(admin, "coord", Role.COORDINATOR, PASSWORD, site_id="SITE-A")
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1, type=Type.ID).hash(PASSWORD)
    with registry.engine.begin() as connection:
        connection.execute(update(USERS).where(USERS.c.name == "coord").values(password_hash=weak))
    assert registry.verify_login("coord", PASSWORD, now=NOW) == Actor(
        "coord", Role.COORDINATOR, "SITE-A"
    )
    upgraded = stored_hash(registry.engine, "coord")
    assert upgraded.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    last = user_audit(registry.engine)[-1]
    assert last[:3] == ("update", "coord", "password hash upgraded to the current policy")
    assert "argon2" not in str(last)
    assert verify_audit_chain(registry.engine).ok

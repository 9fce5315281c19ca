"""Web sessions on both databases: start, resume, idle and absolute expiry, touch throttling,
logout, and the password changes and disabling that end every session of an account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from spsreg.store import Actor, Registry, Role, SessionPolicy, WrongPasswordError
from spsreg.store.passwords import PasswordPolicyError
from spsreg.store.sessions import token_hash
from spsreg.store.tables import ACCESS_LOG, AUDIT_LOG, LOGIN_FAILURES, WEB_SESSIONS

PASSWORD = "a long clinic passphrase"
NEW_PASSWORD = "another long passphrase"
NOW = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
POLICY = SessionPolicy()
DOCTOR = Actor("dr.alpha", Role.CLINICIAN, "SITE-A")


@pytest.fixture
def doctor(registry: Registry, admin: Actor) -> Actor:
    registry.add_user(admin, DOCTOR.user, Role.CLINICIAN, PASSWORD, site_id="SITE-A")
    return DOCTOR


def stored_sessions(engine: Engine) -> list[tuple[str, str, datetime]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(WEB_SESSIONS.c.id_hash, WEB_SESSIONS.c.user_name, WEB_SESSIONS.c.last_seen_at)
        ).all()
    return [(row[0], row[1], row[2].replace(tzinfo=UTC)) for row in rows]


def test_a_session_resumes_with_the_account_actor_and_stores_only_a_hash(
    registry: Registry, doctor: Actor
) -> None:
    started = registry.start_session(doctor, now=NOW, policy=POLICY)
    assert started.actor == doctor and started.expires_at == NOW + timedelta(hours=8)
    assert started.token != started.csrf_token and len(started.token) >= 43
    resumed = registry.resume_session(started.token, now=NOW + timedelta(minutes=5), policy=POLICY)
    assert resumed is not None
    assert (resumed.actor, resumed.csrf_token) == (doctor, started.csrf_token)
    assert (resumed.created_at, resumed.expires_at) == (NOW, started.expires_at)
    stored = stored_sessions(registry.engine)
    assert [(row[0], row[1]) for row in stored] == [(token_hash(started.token), doctor.user)]
    assert started.token not in str(stored)
    with registry.engine.connect() as connection:
        login = connection.execute(select(ACCESS_LOG.c.what, ACCESS_LOG.c.channel)).all()
    assert [tuple(row) for row in login] == [("login", "web")]


def test_unknown_tokens_do_not_resume(registry: Registry, doctor: Actor) -> None:
    registry.start_session(doctor, now=NOW, policy=POLICY)
    assert registry.resume_session("not-a-session", now=NOW, policy=POLICY) is None
    assert registry.resume_session("", now=NOW, policy=POLICY) is None


def test_idle_sessions_expire_and_are_removed(registry: Registry, doctor: Actor) -> None:
    started = registry.start_session(doctor, now=NOW, policy=POLICY)
    later = NOW + timedelta(minutes=14)
    assert registry.resume_session(started.token, now=later, policy=POLICY) is not None
    # Touched at +14 min, so +28 min is within the idle time, +44 min is not.
    assert registry.resume_session(started.token, now=later + timedelta(minutes=14), policy=POLICY)
    assert (
        registry.resume_session(started.token, now=NOW + timedelta(minutes=44), policy=POLICY)
        is None
    )
    assert stored_sessions(registry.engine) == []


def test_the_absolute_lifetime_ends_an_active_session(registry: Registry, doctor: Actor) -> None:
    policy = SessionPolicy(idle=timedelta(minutes=30), lifetime=timedelta(hours=1))
    started = registry.start_session(doctor, now=NOW, policy=policy)
    for minutes in (20, 40, 59):
        assert registry.resume_session(
            started.token, now=NOW + timedelta(minutes=minutes), policy=policy
        )
    assert (
        registry.resume_session(started.token, now=NOW + timedelta(hours=1), policy=policy) is None
    )


def test_last_seen_is_written_at_most_once_per_touch_interval(
    registry: Registry, doctor: Actor
) -> None:
    started = registry.start_session(doctor, now=NOW, policy=POLICY)
    registry.resume_session(started.token, now=NOW + timedelta(seconds=30), policy=POLICY)
    assert stored_sessions(registry.engine)[0][2] == NOW
    registry.resume_session(started.token, now=NOW + timedelta(seconds=61), policy=POLICY)
    assert stored_sessions(registry.engine)[0][2] == NOW + timedelta(seconds=61)
    registry.resume_session(started.token, now=NOW + timedelta(seconds=90), policy=POLICY)
    assert stored_sessions(registry.engine)[0][2] == NOW + timedelta(seconds=61)


def test_logout_ends_one_session_and_end_sessions_of_all(registry: Registry, doctor: Actor) -> None:
    first = registry.start_session(doctor, now=NOW, policy=POLICY)
    second = registry.start_session(doctor, now=NOW, policy=POLICY)
    registry.end_session(first.token)
    assert registry.resume_session(first.token, now=NOW, policy=POLICY) is None
    assert registry.resume_session(second.token, now=NOW, policy=POLICY) is not None
    registry.end_session("unknown")
    assert registry.end_sessions_of(doctor.user) == 1
    assert registry.resume_session(second.token, now=NOW, policy=POLICY) is None


def test_a_new_login_purges_the_accounts_stale_sessions(registry: Registry, doctor: Actor) -> None:
    registry.start_session(doctor, now=NOW, policy=POLICY)
    registry.start_session(doctor, now=NOW + timedelta(hours=9), policy=POLICY)
    assert len(stored_sessions(registry.engine)) == 1


def test_changing_the_own_password_ends_every_session(registry: Registry, doctor: Actor) -> None:
    started = registry.start_session(doctor, now=NOW, policy=POLICY)
    registry.change_own_password(doctor, PASSWORD, NEW_PASSWORD, now=NOW)
    assert registry.resume_session(started.token, now=NOW, policy=POLICY) is None
    assert isinstance(registry.verify_login(doctor.user, NEW_PASSWORD, now=NOW), Actor)
    with registry.engine.connect() as connection:
        entries = connection.execute(
            select(AUDIT_LOG.c.before, AUDIT_LOG.c.after, AUDIT_LOG.c.reason).where(
                AUDIT_LOG.c.entity_kind == "user"
            )
        ).all()
    assert "password changed by its owner" in str(entries)
    assert NEW_PASSWORD not in str(entries) and "argon2" not in str(entries)


def test_a_wrong_current_password_is_refused_and_counts_as_a_failed_login(
    registry: Registry, doctor: Actor
) -> None:
    started = registry.start_session(doctor, now=NOW, policy=POLICY)
    with pytest.raises(WrongPasswordError, match="current password is not right"):
        registry.change_own_password(doctor, "wrong passphrase here", NEW_PASSWORD, now=NOW)
    with pytest.raises(PasswordPolicyError):
        registry.change_own_password(doctor, PASSWORD, "short", now=NOW)
    with registry.engine.connect() as connection:
        failures = connection.execute(select(func.count()).select_from(LOGIN_FAILURES)).scalar()
    assert failures == 1
    assert registry.resume_session(started.token, now=NOW, policy=POLICY) is not None
    assert isinstance(registry.verify_login(doctor.user, PASSWORD, now=NOW), Actor)


def test_reset_and_disable_end_the_accounts_sessions(
    registry: Registry, admin: Actor, doctor: Actor
) -> None:
    started = registry.start_session(doctor, now=NOW, policy=POLICY)
    registry.reset_password(admin, doctor.user, NEW_PASSWORD)
    assert registry.resume_session(started.token, now=NOW, policy=POLICY) is None
    again = registry.start_session(doctor, now=NOW, policy=POLICY)
    registry.disable_user(admin, doctor.user)
    assert registry.resume_session(again.token, now=NOW, policy=POLICY) is None
    assert stored_sessions(registry.engine) == []


def test_a_session_started_before_a_password_change_elsewhere_no_longer_resumes(
    registry: Registry, admin: Actor, doctor: Actor
) -> None:
    # The registry clock starts in 2025-01: a session started later than the change survives it.
    started = registry.start_session(doctor, now=datetime(2024, 1, 1, tzinfo=UTC), policy=POLICY)
    with registry.engine.begin() as connection:
        connection.execute(
            WEB_SESSIONS.insert().values(
                id_hash=token_hash("forged-old"),
                user_name=doctor.user,
                csrf_token="x",
                created_at=datetime(2024, 1, 1, tzinfo=UTC),
                last_seen_at=datetime(2024, 1, 1, tzinfo=UTC),
                expires_at=datetime(2030, 1, 1, tzinfo=UTC),
            )
        )
    moment = datetime(2024, 1, 1, 0, 1, tzinfo=UTC)
    assert registry.resume_session(started.token, now=moment, policy=POLICY) is None
    assert registry.resume_session("forged-old", now=moment, policy=POLICY) is None


def test_policy_values_are_checked() -> None:
    with pytest.raises(ValueError):
        SessionPolicy(idle=timedelta(0))
    with pytest.raises(ValueError):
        SessionPolicy(idle=timedelta(seconds=30), touch_every=timedelta(seconds=60))

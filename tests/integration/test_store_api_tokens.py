"""API tokens on both databases: make, resolve, list, revoke, expiry, disabled accounts, wrong
and malformed tokens, and no secret (or its hash) in the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from spsreg.store import Actor, ApiToken, Registry, Role
from spsreg.store.errors import NotFoundError, ScopeError, StoreError
from spsreg.store.tables import API_TOKENS, AUDIT_LOG, metadata

PASSWORD = "a long clinic passphrase"
NOW = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
DOCTOR = Actor("dr.alpha", Role.CLINICIAN, "SITE-A")


@pytest.fixture
def doctor(registry: Registry, admin: Actor) -> Actor:
    registry.add_user(admin, DOCTOR.user, Role.CLINICIAN, PASSWORD, site_id="SITE-A")
    return DOCTOR


def everything_stored(engine: Engine) -> str:
    with engine.connect() as connection:
        return str([connection.execute(select(table)).all() for table in metadata.sorted_tables])


def last_used(engine: Engine, token_id: str) -> datetime | None:
    with engine.connect() as connection:
        value = connection.execute(
            select(API_TOKENS.c.last_used_at).where(API_TOKENS.c.id == token_id)
        ).scalar_one()
    return None if value is None else value.replace(tzinfo=UTC)


def test_a_token_resolves_to_its_account_and_only_its_hash_is_stored(
    registry: Registry, admin: Actor, doctor: Actor
) -> None:
    token, made = registry.create_api_token(admin, doctor.user, " nightly export ", now=NOW)
    assert token.startswith(f"spsreg_{made.id}_") and len(made.id) == 16
    assert (made.user_name, made.role, made.site_id, made.label) == (
        doctor.user,
        Role.CLINICIAN,
        "SITE-A",
        "nightly export",
    )
    assert registry.resolve_api_token(token, now=NOW) == doctor
    secret = token.removeprefix(f"spsreg_{made.id}_")
    assert len(secret) == 43
    stored = everything_stored(registry.engine)
    assert token not in stored and secret not in stored
    with registry.engine.connect() as connection:
        secret_hash = connection.execute(select(API_TOKENS.c.secret_hash)).scalar_one()
        audit = connection.execute(
            select(AUDIT_LOG.c.after, AUDIT_LOG.c.entity_id).where(
                AUDIT_LOG.c.entity_kind == "api_token"
            )
        ).all()
    assert audit and audit[0][1] == made.id
    assert secret_hash not in str(audit) and secret not in str(audit)
    assert "secret" not in made.public_fields()


def test_users_make_list_and_revoke_their_own_tokens_only(
    registry: Registry, admin: Actor, doctor: Actor
) -> None:
    registry.add_user(admin, "dr.beta", Role.CLINICIAN, PASSWORD, site_id="SITE-B")
    own_token, own = registry.create_api_token(doctor, doctor.user, "mine", now=NOW)
    _, other = registry.create_api_token(admin, "dr.beta", "theirs", now=NOW)
    with pytest.raises(ScopeError):
        registry.create_api_token(doctor, "dr.beta", "not mine", now=NOW)
    with pytest.raises(ScopeError):
        registry.list_api_tokens(doctor, "dr.beta")
    assert [token.id for token in registry.list_api_tokens(doctor)] == [own.id]
    assert {token.id for token in registry.list_api_tokens(admin)} == {own.id, other.id}
    assert [token.id for token in registry.list_api_tokens(admin, "dr.beta")] == [other.id]
    with pytest.raises(NotFoundError):
        registry.revoke_api_token(doctor, other.id, now=NOW)
    revoked = registry.revoke_api_token(doctor, own.id, now=NOW + timedelta(minutes=1))
    assert revoked.revoked_at == NOW + timedelta(minutes=1)
    assert registry.revoke_api_token(admin, own.id, now=NOW + timedelta(hours=1)) == revoked
    assert registry.resolve_api_token(own_token, now=NOW + timedelta(minutes=2)) is None


def test_bad_labels_past_expiries_and_unknown_or_disabled_accounts_are_refused(
    registry: Registry, admin: Actor, doctor: Actor
) -> None:
    with pytest.raises(StoreError, match="label"):
        registry.create_api_token(admin, doctor.user, "  ", now=NOW)
    with pytest.raises(StoreError, match="future"):
        registry.create_api_token(admin, doctor.user, "x", now=NOW, expires_at=NOW)
    with pytest.raises(NotFoundError):
        registry.create_api_token(admin, "nobody", "x", now=NOW)
    registry.disable_user(admin, doctor.user)
    with pytest.raises(StoreError, match="disabled"):
        registry.create_api_token(admin, doctor.user, "x", now=NOW)


def test_tokens_expire_and_stop_with_a_disabled_account(
    registry: Registry, admin: Actor, doctor: Actor
) -> None:
    expiring, _ = registry.create_api_token(
        admin, doctor.user, "short", now=NOW, expires_at=NOW + timedelta(days=1)
    )
    lasting, _ = registry.create_api_token(admin, doctor.user, "long", now=NOW)
    assert registry.resolve_api_token(expiring, now=NOW + timedelta(hours=23)) == doctor
    assert registry.resolve_api_token(expiring, now=NOW + timedelta(days=1)) is None
    registry.disable_user(admin, doctor.user)
    assert registry.resolve_api_token(lasting, now=NOW) is None


def test_a_wrong_secret_does_not_resolve(registry: Registry, admin: Actor, doctor: Actor) -> None:
    token, made = registry.create_api_token(admin, doctor.user, "x", now=NOW)
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert registry.resolve_api_token(flipped, now=NOW) is None
    assert registry.resolve_api_token(token + "x", now=NOW) is None
    assert registry.resolve_api_token(token.replace(made.id, "0" * 16), now=NOW) is None
    assert registry.resolve_api_token(token, now=NOW) == doctor


def test_last_use_is_written_at_most_once_a_minute(
    registry: Registry, admin: Actor, doctor: Actor
) -> None:
    token, made = registry.create_api_token(admin, doctor.user, "x", now=NOW)
    assert last_used(registry.engine, made.id) is None
    registry.resolve_api_token(token, now=NOW)
    registry.resolve_api_token(token, now=NOW + timedelta(seconds=59))
    assert last_used(registry.engine, made.id) == NOW
    registry.resolve_api_token(token, now=NOW + timedelta(seconds=60))
    assert last_used(registry.engine, made.id) == NOW + timedelta(seconds=60)
    listed: list[ApiToken] = registry.list_api_tokens(doctor)
    assert listed[0].last_used_at == NOW + timedelta(seconds=60)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.one_of(
        st.text(),
        st.from_regex(r"spsreg_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", fullmatch=True),
        st.text(alphabet="spsreg_0123456789abcdef-", min_size=60, max_size=80),
    )
)
def test_random_strings_never_resolve_and_never_raise(registry: Registry, text: str) -> None:
    assert registry.resolve_api_token(text, now=NOW) is None

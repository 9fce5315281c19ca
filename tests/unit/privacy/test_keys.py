"""Per-export keys: keyed pseudonyms are stable under one key and unlinkable across keys."""

from __future__ import annotations

import re

import pytest

from spsreg.privacy.keys import (
    EXPORT_KEY_BYTES,
    ExportKey,
    keyed_pseudonym,
    keyed_record_id,
    keyed_site_id,
    new_export_key,
)

KEY_A = ExportKey(bytes(range(32)))
KEY_B = ExportKey(bytes(range(1, 33)))


def test_new_keys_are_32_random_bytes_and_differ() -> None:
    first, second = new_export_key(), new_export_key()
    assert len(first.secret) == EXPORT_KEY_BYTES
    assert first != second


def test_a_key_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        ExportKey(b"short")


def test_the_secret_never_shows_in_repr() -> None:
    assert KEY_A.hex() not in repr(KEY_A)
    assert ExportKey.from_hex(KEY_A.hex()) == KEY_A


def test_same_key_same_pseudonym_other_key_other_pseudonym() -> None:
    assert keyed_pseudonym(KEY_A, "p-0001") == keyed_pseudonym(KEY_A, "p-0001")
    assert keyed_pseudonym(KEY_A, "p-0001") != keyed_pseudonym(KEY_B, "p-0001")
    assert keyed_pseudonym(KEY_A, "p-0001") != keyed_pseudonym(KEY_A, "p-0002")


def test_pseudonym_is_a_valid_registry_pseudonym_and_carries_no_registry_id() -> None:
    pseudonym = keyed_pseudonym(KEY_A, "p-0001")
    assert re.fullmatch(r"DX[A-Z2-7]{16}", pseudonym)
    assert "0001" not in pseudonym


def test_purposes_are_separated() -> None:
    value = "p-0001"
    tokens = {
        keyed_pseudonym(KEY_A, value)[2:],
        keyed_record_id(KEY_A, value)[1:],
        keyed_site_id(KEY_A, value)[1:],
    }
    assert len(tokens) == 3


def test_no_collisions_among_ten_thousand_patients() -> None:
    pseudonyms = {keyed_pseudonym(KEY_A, f"p-{n}") for n in range(10_000)}
    assert len(pseudonyms) == 10_000

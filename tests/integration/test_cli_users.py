"""``spsreg users add|list|disable|reset-password`` on the embedded database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cli_harness import cli
from typer.testing import CliRunner, Result

from spsreg.cli.main import app
from spsreg.store import Actor, Role, open_registry
from spsreg.store.accounts import LoginRefusal, RefusalReason

PASSWORD = "a long clinic passphrase"


class Users:
    """Runs ``spsreg`` with standard input, on the database in ``home``."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = {"SPSREG_HOME": str(home), "SPSREG_DATABASE_URL": None, "SPSREG_SITE": None}

    def run(self, *args: str, stdin: str = "", code: int = 0, site: str | None = None) -> Result:
        runner = CliRunner(env={**self.env, "SPSREG_USER": "cli-admin", "SPSREG_SITE": site})
        result = runner.invoke(app, list(args), input=stdin)
        assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
        return result

    def json(self, *args: str, kind: str, stdin: str = "") -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.run(*args, "--format", "json", stdin=stdin).stdout)
        assert (data.pop("kind"), data.pop("schema_version")) == (kind, 1)
        return data


@pytest.fixture
def users(tmp_path: Path) -> Users:
    cli(tmp_path)("init")
    return Users(tmp_path)


def test_add_list_disable_and_reset_through_the_command_line(users: Users) -> None:
    added = users.json(
        "users",
        "add",
        "root",
        "--role",
        "admin",
        "--password-stdin",
        kind="user",
        stdin=PASSWORD + "\n",
    )
    assert added["name"] == "root" and added["role"] == "admin" and added["disabled"] is False
    assert set(added) == {
        "name",
        "role",
        "site_id",
        "patient_id",
        "disabled",
        "created_at",
        "updated_at",
        "password_changed_at",
        "version",
    }
    listed = users.json("users", "list", kind="user-list")
    assert [user["name"] for user in listed["users"]] == ["root"]
    assert "argon2" not in json.dumps(listed) and PASSWORD not in json.dumps(listed)
    disabled = users.json("users", "disable", "root", kind="user")
    assert disabled["disabled"] is True
    reset = users.json(
        "users",
        "reset-password",
        "root",
        "--password-stdin",
        kind="user",
        stdin="another long passphrase\n",
    )
    assert reset["version"] > disabled["version"]
    table = users.run("users", "list").stdout
    assert "root" in table and "disabled" in table
    url = f"sqlite:///{users.home / 'spsreg.sqlite3'}"
    with open_registry(url, upgrade=False) as registry:
        assert registry.verify_login("root", "another long passphrase") == LoginRefusal(
            RefusalReason.DISABLED
        )


def test_the_hidden_prompt_asks_twice(users: Users) -> None:
    prompt = users.run("users", "add", "root", "--role", "admin", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert PASSWORD not in prompt.stdout
    url = f"sqlite:///{users.home / 'spsreg.sqlite3'}"
    with open_registry(url, upgrade=False) as registry:
        assert registry.verify_login("root", PASSWORD) == Actor("root", Role.ADMIN)


def test_refusals_are_clear_errors(users: Users) -> None:
    short = users.run(
        "users", "add", "root", "--role", "admin", "--password-stdin", stdin="short\n", code=1
    )
    assert "at least 12" in short.stderr
    clinician = users.run(
        "users",
        "add",
        "dr.a",
        "--role",
        "clinician",
        "--password-stdin",
        stdin=PASSWORD + "\n",
        code=1,
    )
    assert "works at a site" in clinician.stderr
    unknown_site = users.run(
        "users",
        "add",
        "dr.a",
        "--role",
        "clinician",
        "--site",
        "SITE-Z",
        "--password-stdin",
        stdin=PASSWORD + "\n",
        code=1,
    )
    assert "no site SITE-Z" in unknown_site.stderr
    assert "no account" in users.run("users", "disable", "nobody", code=1).stderr
    as_staff = users.run("users", "list", site="SITE-A", code=1)
    assert "only an administrator" in as_staff.stderr


def test_password_is_never_an_option(users: Users) -> None:
    result = users.run("users", "add", "root", "--role", "admin", "--password", PASSWORD, code=2)
    assert "--password" in result.stderr


def test_tokens_are_made_printed_once_listed_and_revoked(users: Users) -> None:
    users.run("users", "add", "res.a", "--role", "researcher",
              "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    made = users.json(
        "users", "token-add", "res.a", "--label", "export", "--expires-days", "7",
        kind="api-token-created",
    )  # fmt: skip
    token = made["token"]
    assert token.startswith(f"spsreg_{made['id']}_") and made["revoked_at"] is None
    assert made["expires_at"] is not None and made["label"] == "export"
    listed = users.json("users", "tokens", kind="api-token-list")["tokens"]
    assert [t["id"] for t in listed] == [made["id"]] and token not in str(listed)
    table = users.run("users", "token-add", "res.a", "--label", "second").stdout
    assert "spsreg_" in table and "not shown again" in table
    url = f"sqlite:///{users.home / 'spsreg.sqlite3'}"
    now = datetime.now(UTC)
    with open_registry(url, upgrade=False) as registry:
        doctor = Actor("res.a", Role.RESEARCHER)
        assert registry.resolve_api_token(token, now=now) == doctor
        revoked = users.json("users", "token-revoke", made["id"], kind="api-token")
        assert revoked["revoked_at"] is not None
        assert registry.resolve_api_token(token, now=now) is None
    missing = users.run("users", "token-revoke", "0000000000000000", code=1)
    assert "no API token" in missing.stderr


def test_a_researcher_account_may_have_no_site(users: Users) -> None:
    added = users.json("users", "add", "res.all", "--role", "researcher", "--password-stdin",
                       kind="user", stdin=PASSWORD + "\n")  # fmt: skip
    assert (added["role"], added["site_id"]) == ("researcher", None)

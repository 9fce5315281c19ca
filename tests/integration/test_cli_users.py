"""``spsreg users add|list|disable|reset-password`` on the embedded database."""

from __future__ import annotations

import json
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

"""``spsreg users add|list|disable|reset-password``: accounts of the registry (administrators).

Passwords are never command-line options (they would show in the process list and the shell
history): they are read from standard input with ``--password-stdin`` (first line, without its
line ending) or asked for at a hidden prompt, twice. They are hashed with argon2id before they
reach the database (see docs/accounts.md).
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer

from spsreg.cli.context import UserOption, actor_for, open_cli_registry
from spsreg.cli.output import FormatOption, OutputFormat, emit, fail, render_table
from spsreg.store import StoreError
from spsreg.store.accounts import Account
from spsreg.store.scope import Actor

__all__ = ["add_user", "disable_user", "list_users", "reset_password", "users_app"]

users_app = typer.Typer(
    help="accounts: add, list, disable, reset a password (administrators only)",
    no_args_is_help=True,
)

PasswordStdinOption = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="read the password from the first line of standard input"
    ),
]
ReasonOption = Annotated[str | None, typer.Option(help="reason recorded in the audit trail")]


def _administrator(user: str | None) -> Actor:
    """The local administrator; with SPSREG_SITE set, that site's coordinator (who is refused)."""
    return actor_for(os.environ.get("SPSREG_SITE") or None, user)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.removesuffix("\n").removesuffix("\r")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


def _document(account: Account) -> dict[str, Any]:
    return {
        "name": account.name,
        "role": account.role.value,
        "site_id": account.site_id,
        "patient_id": account.patient_id,
        "disabled": account.disabled,
        "created_at": account.created_at,
        "updated_at": account.updated_at,
        "password_changed_at": account.password_changed_at,
        "version": account.version,
    }


def _row(account: Account) -> list[Any]:
    return [
        account.name,
        account.role.value,
        account.site_id,
        account.patient_id,
        "disabled" if account.disabled else "active",
        account.password_changed_at.isoformat(timespec="seconds"),
    ]


_COLUMNS = ("name", "role", "site", "patient", "status", "password changed")


def _emit_account(output_format: OutputFormat, account: Account, line: str) -> None:
    emit(
        output_format,
        "user",
        _document(account),
        [render_table("Account", _COLUMNS, [_row(account)])],
        [line],
    )


@users_app.command("add")
def add_user(
    name: Annotated[str, typer.Argument(help="account name (1-64 letters, digits, . _ @ -)")],
    role: Annotated[
        str, typer.Option("--role", help="admin, clinician, coordinator, researcher or patient")
    ],
    account_site: Annotated[
        str | None, typer.Option("--site", help="the account's site (all roles but admin)")
    ] = None,
    patient: Annotated[
        str | None, typer.Option("--patient", help="the patient's own record (patient role)")
    ] = None,
    password_stdin: PasswordStdinOption = False,
    reason: ReasonOption = None,
    user: UserOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Create an account; the password is asked for (hidden) or read with --password-stdin."""
    actor = _administrator(user)
    password = _password(password_stdin)
    with open_cli_registry() as registry:
        try:
            account = registry.add_user(
                actor,
                name,
                role,
                password,
                site_id=account_site,
                patient_id=patient,
                reason=reason or "account created",
            )
        except StoreError as error:
            raise fail(str(error)) from error
    _emit_account(output_format, account, f"account {account.name} created")


@users_app.command("list")
def list_users(user: UserOption = None, output_format: FormatOption = OutputFormat.TABLE) -> None:
    """Every account with its role, site and status (never a password hash)."""
    actor = _administrator(user)
    with open_cli_registry() as registry:
        try:
            listed = registry.list_users(actor)
        except StoreError as error:
            raise fail(str(error)) from error
    emit(
        output_format,
        "user-list",
        {"users": [_document(account) for account in listed]},
        [render_table("Accounts", _COLUMNS, [_row(account) for account in listed])],
        [f"{len(listed)} accounts"],
    )


@users_app.command("disable")
def disable_user(
    name: Annotated[str, typer.Argument(help="account name")],
    reason: ReasonOption = None,
    user: UserOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Disable an account: its logins are refused from now on."""
    actor = _administrator(user)
    with open_cli_registry() as registry:
        try:
            account = registry.disable_user(actor, name, reason=reason or "account disabled")
        except StoreError as error:
            raise fail(str(error)) from error
    _emit_account(output_format, account, f"account {account.name} disabled")


@users_app.command("reset-password")
def reset_password(
    name: Annotated[str, typer.Argument(help="account name")],
    password_stdin: PasswordStdinOption = False,
    reason: ReasonOption = None,
    user: UserOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Set a new password (asked for, hidden, or --password-stdin); clears failed logins."""
    actor = _administrator(user)
    password = _password(password_stdin)
    with open_cli_registry() as registry:
        try:
            account = registry.reset_password(
                actor, name, password, reason=reason or "password reset"
            )
        except StoreError as error:
            raise fail(str(error)) from error
    _emit_account(output_format, account, f"password of {account.name} reset")

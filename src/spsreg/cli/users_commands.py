"""``spsreg users add|list|disable|reset-password|token-add|tokens|token-revoke``: accounts of
the registry and their API tokens (administrators).

Passwords are never command-line options (they would show in the process list and the shell
history): they are read from standard input with ``--password-stdin`` (first line, without its
line ending) or asked for at a hidden prompt, twice. They are hashed with argon2id before they
reach the database (see docs/accounts.md). An API token is printed once, when it is made: only
a hash of its secret is stored.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from typing import Annotated, Any

import typer

from spsreg.cli.context import UserOption, actor_for, open_cli_registry
from spsreg.cli.output import FormatOption, OutputFormat, emit, fail, render_table
from spsreg.store import StoreError
from spsreg.store.accounts import Account
from spsreg.store.api_tokens import ApiToken
from spsreg.store.scope import Actor
from spsreg.store.transactions import utc_now

__all__ = [
    "add_token",
    "add_user",
    "disable_user",
    "list_tokens",
    "list_users",
    "reset_password",
    "revoke_token",
    "users_app",
]

users_app = typer.Typer(
    help="accounts and API tokens: add, list, disable, reset a password (administrators only)",
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
        str | None,
        typer.Option(
            "--site", help="the account's site (all roles but admin; optional for researcher)"
        ),
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


_TOKEN_COLUMNS = ("id", "account", "role", "site", "label", "created", "expires", "status")


def _token_row(token: ApiToken) -> list[Any]:
    status = "revoked" if token.revoked_at is not None else "active"
    return [
        token.id,
        token.user_name,
        token.role.value,
        token.site_id,
        token.label,
        token.created_at.isoformat(timespec="seconds"),
        None if token.expires_at is None else token.expires_at.isoformat(timespec="seconds"),
        status,
    ]


@users_app.command("token-add")
def add_token(
    name: Annotated[str, typer.Argument(help="account the token works as")],
    label: Annotated[str, typer.Option("--label", help="what the token is for (1-200 characters)")],
    expires_days: Annotated[
        int | None,
        typer.Option("--expires-days", min=1, help="days until the token expires (default: never)"),
    ] = None,
    user: UserOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Make an API token for an account; the token is printed once and never stored."""
    actor = _administrator(user)
    now = utc_now()
    expires_at = None if expires_days is None else now + timedelta(days=expires_days)
    with open_cli_registry() as registry:
        try:
            token, made = registry.create_api_token(
                actor, name, label, now=now, expires_at=expires_at
            )
        except StoreError as error:
            raise fail(str(error)) from error
    emit(
        output_format,
        "api-token-created",
        {"token": token, **made.public_fields()},
        [render_table("API token", _TOKEN_COLUMNS, [_token_row(made)])],
        [
            f"API token {made.id} made for {made.user_name}; copy it now, it is not shown again:",
            token,
        ],
    )


@users_app.command("tokens")
def list_tokens(user: UserOption = None, output_format: FormatOption = OutputFormat.TABLE) -> None:
    """Every API token with its account, label and status (never a secret)."""
    actor = _administrator(user)
    with open_cli_registry() as registry:
        try:
            listed = registry.list_api_tokens(actor)
        except StoreError as error:
            raise fail(str(error)) from error
    emit(
        output_format,
        "api-token-list",
        {"tokens": [token.public_fields() for token in listed]},
        [render_table("API tokens", _TOKEN_COLUMNS, [_token_row(token) for token in listed])],
        [f"{len(listed)} API tokens"],
    )


@users_app.command("token-revoke")
def revoke_token(
    token_id: Annotated[str, typer.Argument(help="the token's id (from users tokens)")],
    user: UserOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Revoke an API token: it stops working at once."""
    actor = _administrator(user)
    with open_cli_registry() as registry:
        try:
            revoked = registry.revoke_api_token(actor, token_id, now=utc_now())
        except StoreError as error:
            raise fail(str(error)) from error
    emit(
        output_format,
        "api-token",
        revoked.public_fields(),
        [render_table("API token", _TOKEN_COLUMNS, [_token_row(revoked)])],
        [f"API token {revoked.id} revoked"],
    )

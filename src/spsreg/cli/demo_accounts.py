"""The demo's accounts: one of every role, with fresh random passwords written to a private file.

Each run of ``spsreg demo`` sets new passwords (an existing demo account gets a password reset),
so a password never needs to live in the code, the docs or a shell history. The file
``demo-accounts.txt`` in the data directory is readable by its owner only.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from spsreg.store import Actor, Registry, Role, StoreError

__all__ = ["DemoAccount", "ensure_demo_accounts"]


@dataclass(frozen=True)
class DemoAccount:
    name: str
    role: Role
    site_id: str | None
    patient_id: str | None
    password: str

    def public_fields(self) -> dict[str, str | None]:
        return {
            "name": self.name,
            "role": self.role.value,
            "site_id": self.site_id,
            "patient_id": self.patient_id,
        }


def _wanted(registry: Registry, admin: Actor) -> list[tuple[str, Role, str | None, str | None]]:
    sites = [site.id for site in registry.list_sites(admin)]
    if not sites:
        raise StoreError("the demo registry has no site: generate a cohort first")
    first = sites[0]
    second = sites[1] if len(sites) > 1 else first
    patients = registry.list_patients(admin, site_id=first)
    wanted: list[tuple[str, Role, str | None, str | None]] = [
        ("demo-admin", Role.ADMIN, None, None),
        ("demo-clinician", Role.CLINICIAN, first, None),
        ("demo-coordinator", Role.COORDINATOR, second, None),
        ("demo-researcher", Role.RESEARCHER, None, None),
    ]
    if patients:
        wanted.append(("demo-patient", Role.PATIENT, first, patients[0].patient_id))
    return wanted


def ensure_demo_accounts(
    registry: Registry, admin: Actor, folder: Path
) -> tuple[list[DemoAccount], Path]:
    """Create (or reset the passwords of) the demo accounts; write them to ``folder``."""
    existing = {account.name for account in registry.list_users(admin)}
    accounts: list[DemoAccount] = []
    for name, role, site, patient in _wanted(registry, admin):
        password = secrets.token_urlsafe(12)
        if name in existing:
            registry.reset_password(admin, name, password, reason="demo: new password")
        else:
            registry.add_user(
                admin,
                name,
                role,
                password,
                site_id=site,
                patient_id=patient,
                reason="demo account",
            )
        accounts.append(DemoAccount(name, role, site, patient, password))
    path = folder / "demo-accounts.txt"
    lines = ["# spsreg demo accounts (synthetic data only); new passwords on every `spsreg demo`"]
    lines += [
        f"{a.name}\t{a.password}\t{a.role.value}\t{a.site_id or '-'}\t{a.patient_id or '-'}"
        for a in accounts
    ]
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)
    return accounts, path

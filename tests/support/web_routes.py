"""Route enumeration for the web security tests: every page and API route of the app, what it
takes, a minimal body for it, and the seeded two-site registry whose site-B records carry canary
strings that must never reach a site-A user.

Routes are read from ``app.routes`` when the tests run, so a new route is covered without
editing the tests; a new path parameter name must be added to :data:`SITE_B_PARAMETERS` (the
isolation test fails until it is).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import FastAPI, params
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import TypeAdapter
from record_examples import full_record, pseudonym_for
from sqlalchemy import Engine, select
from web_harness import ACCOUNTS, PASSWORD

from spsreg.domain import PatientRecord
from spsreg.store import Actor, Registry
from spsreg.store.audit import AuditHead, audit_head
from spsreg.store.tables import metadata
from spsreg.web.auth import current_viewer

__all__ = [
    "ALERT_OF_SITE_B",
    "SITE_B_CANARIES",
    "SITE_B_PARAMETERS",
    "SITE_B_PATIENT",
    "SKIPPED_PATHS",
    "UNSAFE_METHODS",
    "WebRoute",
    "current_audit_head",
    "data_snapshot",
    "minimal_body",
    "seed_two_sites",
    "site_b_ids",
    "site_b_record",
    "web_routes",
]

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

SKIPPED_PATHS = frozenset({"/static", "/api/v1/openapi.json"})
"""Not application routes: the static files mount and the OpenAPI document (both public)."""

SITE_B_PATIENT = "p-B1"
ALERT_OF_SITE_B = "(a site-B alert id)"
SITE_B_CANARIES: dict[str, str] = {
    "given_name": "Zorbakanary",
    "family_name": "Quillonbeeb",
    "hospital_number": "HNB-CANARY-58213",
    "address": "88 Canarybweg, Kanarystadt",
    "phone": "+49 30 5550 88217",
    "email": "zorba.kanary@example.de",
    "date_of_birth": "1963-02-27",
    "pseudonym": pseudonym_for(SITE_B_PATIENT),
}
"""Site-B identifiers (and the pseudonym): none may appear in anything a site-A user receives."""

SITE_B_PARAMETERS: dict[str, tuple[tuple[str, ...], bool]] = {
    # path parameter name -> (its site-B values, whether a value belongs to one site)
    "patient_id": ((SITE_B_PATIENT,), True),
    "course_id": ((f"{SITE_B_PATIENT}-course-ivig",), True),
    "visit_id": ((f"{SITE_B_PATIENT}-visit-baseline",), True),
    "assessment_id": ((f"{SITE_B_PATIENT}-assessment-si-1",), True),
    "entry_id": ((f"{SITE_B_PATIENT}-diary-2021-03-01",), True),
    "entry_date": (("2021-03-01",), True),  # with the patient id: that patient's diary day
    "lab_id": ((f"{SITE_B_PATIENT}-lab-gad-serum",), True),
    "event_id": ((f"{SITE_B_PATIENT}-ae-somnolence",), True),
    "alert_id": ((ALERT_OF_SITE_B,), True),  # replaced by a site-B alert of the worklist
    "nct_id": (("NCT09911111",), False),  # trials are public; screening results are per patient
    "scale_id": (("stiffness_index",), False),  # the knowledge pack's scales
    "name": (("site", "phenotype", "timeline", "forest"), False),  # figure names
    "suffix": (("svg", "png"), False),
}
"""The values used for every path parameter in the isolation tests (a route is called with each
combination). A route with a parameter not listed here fails the isolation test: add it."""

FIELD_HINTS: dict[str, Any] = {
    "id": "new-record-0001",
    "site_id": "SITE-A",
    "pseudonym": "PSN-NEW-0001",
    "birth_year_month": "1980-01",
    "drug_id": "diazepam",
    "analyte": "gad65_antibody",
    "qualitative": "positive",
    "term": "Somnolence",
    "stiffness": 5,
    "times_per_period": 3,
    "period_days": 1,
    "until": "2026-12-01",
    "reason": "checked in clinic",
}
"""Plausible values of body fields that a schema alone does not make valid."""

_PATH_PARAMETER = re.compile(r"{([A-Za-z_][A-Za-z0-9_]*)(?::[A-Za-z]+)?}")

_VOLATILE_TABLES = frozenset(
    {"audit_log", "access_log", "web_sessions", "login_failures", "api_tokens", "schema_info"}
)
"""Tables a request may change without an audit entry (logs, sessions, token use times)."""


@dataclass(frozen=True)
class WebRoute:
    """One method of one route."""

    path: str
    method: str
    route: APIRoute

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def parameters(self) -> tuple[str, ...]:
        return tuple(_PATH_PARAMETER.findall(self.path))

    @property
    def uses_session(self) -> bool:
        """Whether the route authenticates its caller (by session cookie or token)."""
        return _depends_on_viewer(self.route.dependant)

    @property
    def site_specific(self) -> bool:
        """Whether a path parameter names something of one site (a patient, an alert ...)."""
        return any(SITE_B_PARAMETERS[name][1] for name in self.parameters)

    def url(self, values: dict[str, str]) -> str:
        return _PATH_PARAMETER.sub(lambda match: values[match.group(1)], self.path)

    def urls(self, values: dict[str, tuple[str, ...]]) -> list[str]:
        """The route's path with every combination of ``values`` of its parameters."""
        combinations = itertools.product(*(values[name] for name in self.parameters))
        return [
            self.url(dict(zip(self.parameters, chosen, strict=True))) for chosen in combinations
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def web_routes(app: FastAPI) -> list[WebRoute]:
    """Every method of every application route; anything other than a FastAPI route must be in
    :data:`SKIPPED_PATHS`."""
    found: list[WebRoute] = []
    skipped: list[str] = []
    for context in iter_route_contexts(app.routes):
        route = context.route
        path = str(context.path)
        if isinstance(route, APIRoute):
            for method in sorted((context.methods or set()) - {"HEAD", "OPTIONS"}):
                found.append(WebRoute(path, method, route))
        else:
            assert path in SKIPPED_PATHS, f"unexpected non-FastAPI route {path!r}: test it"
            skipped.append(path)
    assert sorted(skipped) == sorted(SKIPPED_PATHS), skipped
    return found


def _depends_on_viewer(dependant: Dependant) -> bool:
    return any(
        sub.call is current_viewer or _depends_on_viewer(sub) for sub in dependant.dependencies
    )


def minimal_body(route: WebRoute) -> dict[str, Any]:
    """A small valid-looking request: ``{"json": ...}`` or ``{"data": ...}`` for the body."""
    body_fields = _body_fields(route.route.dependant)
    if not body_fields:
        return {}
    forms = [field for field in body_fields if isinstance(field.field_info, params.Form)]
    if forms:
        return {
            "data": {
                field.alias: _form_value(
                    FIELD_HINTS.get(field.alias)
                    or _example(TypeAdapter(field.field_info.annotation))
                )
                for field in forms
            }
        }
    if len(body_fields) == 1 and not getattr(body_fields[0].field_info, "embed", False):
        return {"json": _example(TypeAdapter(body_fields[0].field_info.annotation))}
    return {
        "json": {
            field.alias: _example(TypeAdapter(field.field_info.annotation)) for field in body_fields
        }
    }


def _body_fields(dependant: Dependant) -> list[Any]:
    fields = list(dependant.body_params)
    for sub in dependant.dependencies:
        fields.extend(_body_fields(sub))
    return fields


def _form_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else ""
    return "" if value is None else str(value)


def _example(adapter: TypeAdapter[Any]) -> Any:
    schema = adapter.json_schema()
    return _instance(schema, schema.get("$defs", {}))


def _instance(schema: dict[str, Any], defs: dict[str, Any]) -> Any:
    """The smallest plausible instance of a JSON schema (required properties only)."""
    if "$ref" in schema:
        return _instance(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    if "default" in schema:
        return schema["default"]
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            options = [option for option in schema[combinator] if option.get("type") != "null"]
            return _instance(options[0], defs) if options else None
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        return {
            name: FIELD_HINTS[name] if name in FIELD_HINTS else _instance(properties[name], defs)
            for name in properties
            if name in schema.get("required", []) or name in FIELD_HINTS
        }
    if kind == "array":
        return [_instance(schema.get("items", {}), defs) for _ in range(schema.get("minItems", 0))]
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return max(1.0, float(schema.get("minimum", 1.0)))
    if kind == "boolean":
        return False
    if kind == "string":
        return _string(schema)
    return None


def _string(schema: dict[str, Any]) -> str:
    formats = {"date": "2024-01-02", "date-time": "2024-01-02T09:00:00Z", "email": "a@example.org"}
    if schema.get("format") in formats:
        return formats[schema["format"]]
    return "x" * max(int(schema.get("minLength", 1)), 1)


def site_b_record() -> PatientRecord:
    """The site-B patient: the full example record with the canary identifiers."""
    data = full_record(SITE_B_PATIENT, "SITE-B").model_dump()
    data["identifiers"].update(
        {key: value for key, value in SITE_B_CANARIES.items() if key in data["identifiers"]}
    )
    data["identifiers"]["date_of_birth"] = date.fromisoformat(SITE_B_CANARIES["date_of_birth"])
    data["patient"]["birth_year_month"] = SITE_B_CANARIES["date_of_birth"][:7]
    return PatientRecord.model_validate(data)


def seed_two_sites(registry: Registry, admin: Actor) -> None:
    """Site A: ``p-A1``, ``p-A2`` (full records); site B: ``p-B1`` with canary identifiers; and
    the harness's accounts of every role."""
    for patient_id in ("p-A1", "p-A2"):
        registry.save_patient_record(admin, full_record(patient_id, "SITE-A"), reason="example")
    registry.save_patient_record(admin, site_b_record(), reason="example")
    for name, (role, site, patient) in ACCOUNTS.items():
        registry.add_user(admin, name, role, PASSWORD, site_id=site, patient_id=patient)


def current_audit_head(engine: Engine) -> AuditHead:
    with engine.connect() as connection:
        return audit_head(connection)


def data_snapshot(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table except logs and sessions (to tell whether anything changed)."""
    snapshot: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name not in _VOLATILE_TABLES:
                rows = connection.execute(select(table)).all()
                snapshot[table.name] = sorted(repr(tuple(row)) for row in rows)
    return snapshot


def site_b_ids(record: PatientRecord) -> Iterator[str]:
    """Every record id in the site-B record (patient, sections, children)."""
    yield from re.findall(r"'id': '([^']+)'", repr(record.model_dump()))

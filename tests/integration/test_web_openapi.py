"""Schemathesis over the OpenAPI document of the ASGI app, in-process: every API operation,
called as a site-A clinician with an API token against a SQLite registry holding the example
data, never answers with a server error and answers as its schema says. Seeded and derandomized.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance
from sqlalchemy import Engine, delete
from web_harness import NOW, web_app
from web_routes import seed_two_sites

from spsreg.domain import Site
from spsreg.store import Actor, Registry, Role
from spsreg.store.tables import SCHEMA_INFO, metadata

EXAMPLES_PER_OPERATION = 6


@pytest.fixture
def token_and_app(sqlite_engine: Engine) -> tuple[str, object]:
    with sqlite_engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            if table is not SCHEMA_INFO:
                connection.execute(delete(table))
    registry = Registry(sqlite_engine, clock=lambda: NOW - timedelta(days=1))
    admin = Actor("registry-admin", Role.ADMIN)
    registry.add_site(admin, Site(id="SITE-A", name="Site A Neurology", country="GB"))
    registry.add_site(admin, Site(id="SITE-B", name="Site B Neuroimmunology", country="DE"))
    seed_two_sites(registry, admin)
    token, _ = registry.create_api_token(admin, "dr.a", "schemathesis", now=NOW)
    return token, web_app(registry)


def test_no_api_operation_answers_with_a_server_error(token_and_app: tuple[str, object]) -> None:
    token, app = token_and_app
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 2
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    for operation in operations:
        strategy = operation.as_strategy()

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def run(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            case.validate_response(
                response, checks=[not_a_server_error, response_schema_conformance]
            )

        try:
            run()
        except (Exception, BaseExceptionGroup) as error:  # collected: every failing operation
            failures.append(f"{operation.label}: {error}"[:3000])
    assert not failures, "\n\n".join(failures)

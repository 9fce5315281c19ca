"""Checking FHIR R4 resources against the specification (fhir.resources R4B models).

A resource whose content is mapped into the registry is validated in full, and each pydantic
problem is turned into a FHIR path (``MedicationRequest.dosageInstruction[0].timing``) and a plain
reason. Resources that are only counted as unmapped get a cheap structural check instead (type,
id), because full validation runs at about a thousand resources a second and a Bulk Data export
holds around a million of them.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from pydantic import ValidationError

from spsreg.ingest.errors import describe_error, path_from_loc

__all__ = ["FhirProblem", "basic_problems", "validate_resource"]

FhirProblem = tuple[str, str]
"""(FHIR path, reason)."""

_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


@cache
def _model_class(resource_type: str) -> Any:
    from fhir.resources.R4B import get_fhir_model_class  # heavy import, only when needed

    try:
        return get_fhir_model_class(resource_type)
    except (KeyError, ValueError):  # not a resource type of FHIR R4
        return None


def basic_problems(resource: dict[str, Any]) -> list[FhirProblem]:
    """Problems any resource is checked for: a known resource type and a well-formed id."""
    kind = resource.get("resourceType")
    if not isinstance(kind, str) or _model_class(kind) is None:
        return [("resourceType", f"{kind!r} is not a FHIR R4 resource type")]
    rid = resource.get("id")
    if rid is not None and not (isinstance(rid, str) and _ID.match(rid)):
        return [(f"{kind}.id", f"{rid!r} is not a FHIR id (1-64 letters, digits, '-' or '.')")]
    return []


def validate_resource(resource: dict[str, Any]) -> list[FhirProblem]:
    """Every problem of a resource against its FHIR R4 model (empty when it is valid)."""
    problems = basic_problems(resource)
    if problems:
        return problems
    kind = str(resource["resourceType"])
    try:
        _model_class(kind).model_validate(resource)
    except ValidationError as exc:
        return [
            (
                path_from_loc((kind, *tuple(error["loc"]))),
                describe_error(error, missing="required by FHIR, but missing"),
            )
            for error in exc.errors()
        ][:10]
    except (ValueError, TypeError, RecursionError) as exc:
        return [(kind, f"not a valid {kind}: {str(exc)[:200]}")]
    return []

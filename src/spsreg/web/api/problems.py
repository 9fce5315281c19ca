"""The one shape of every API refusal, and the OpenAPI document that says so.

Every error answer of ``/api/v1`` is a :class:`Problem`: ``status``, ``title``, a plain-language
``detail``, for an invalid request the ``errors`` of each field (``path`` as in the body, e.g.
``body.dose.unit`` or ``query.limit``), and for a conflict the ``current_version`` stored now.
FastAPI's own validation answer (``{"detail": [...]}``) is replaced by it, in the answers
(:func:`validation_problem`) and in the OpenAPI document (:func:`problem_openapi`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

__all__ = ["FieldProblem", "Problem", "problem_openapi", "validation_problem"]


class FieldProblem(BaseModel):
    path: str = Field(description="where in the request, e.g. 'body.dose.unit' or 'query.limit'")
    message: str = Field(description="what is wrong, in plain language")


class Problem(BaseModel):
    """A refusal: status, title, plain-language detail (and the field problems, for 422)."""

    status: int
    title: str
    detail: str
    errors: list[FieldProblem] = []
    current_version: int | None = None


def _plain(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "is not valid"))
    return message.removeprefix("Value error, ")


def validation_problem(errors: Sequence[Any]) -> Problem:
    """The 422 problem of a request FastAPI could not read (each field with its message)."""
    fields = [
        FieldProblem(
            path=".".join(str(part) for part in error.get("loc", ())) or "request",
            message=_plain(error),
        )
        for error in errors
        if isinstance(error, dict)
    ]
    detail = "; ".join(f"{f.path}: {f.message}" for f in fields) or "the request is not valid"
    return Problem(status=422, title="Invalid request", detail=detail, errors=fields)


_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def problem_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """``app.openapi`` with every 422 answer described as a :class:`Problem`."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in problem.pop("$defs", {}).items():
            schemas.setdefault(name, definition)
        schemas["Problem"] = problem
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                answer = operation.get("responses", {}).get("422")
                if answer is not None:
                    answer["content"] = {"application/json": {"schema": _PROBLEM_REF}}
                    answer.setdefault("description", "the request is not valid")
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = document
        return document

    return openapi

"""The OpenAPI schema, completed with what every authenticated operation may answer but no route declares: 429
when the caller is past a per-principal limit (``api.services.rate_limits``) or its address is throttled."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from api.http.schemas.common import LimitReached

_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options"})
TOO_MANY: dict[str, Any] = {
    "description": "Past a per-principal limit (`limit` names it) or too many wrong tokens from this address; "
    "`Retry-After` says how many seconds to wait",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LimitReached"}}},
}


def document_limits(app: FastAPI) -> None:
    """Make ``app.openapi()`` list a 429 on every operation that needs a principal (it has ``security``)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault(
            "LimitReached", LimitReached.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                if method in _METHODS and operation.get("security"):
                    operation.setdefault("responses", {}).setdefault("429", TOO_MANY)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

"""Pydantic shapes of the HTTP API, one module per resource; the limits they declare come from
``api.services.limits``."""

"""Services: the codes that visit requests and vehicles name, with their names in az, en and ru."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.http.auth import AnyRoleDep
from api.http.deps import NetworkDep
from api.http.schemas.requests import ErrorPublic, ServicePublic

router = APIRouter(prefix="/services", tags=["services"])

_AUTH: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorPublic, "description": "No valid bearer token"},
    403: {"model": ErrorPublic, "description": "The role may not do this"},
}


@router.get("", responses=_AUTH)
def read_services(network: NetworkDep, _: AnyRoleDep) -> list[ServicePublic]:
    """Every service code of the bundled data (``data/azerbaijan/services.csv``), in file order."""
    return [
        ServicePublic(code=s.code, name_az=s.name_az, name_en=s.name_en, name_ru=s.name_ru) for s in network.services
    ]

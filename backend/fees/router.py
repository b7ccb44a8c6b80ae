"""Fee-standard routes: every staff member reads the standard (a technician quotes from it on
a visit), as they read the warranty policies; admins change it, each change a new version
with its reason. Thin."""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BeforeValidator

from backend.deps import SessionDep, SettingsDep, StaffUser, require_roles
from backend.fees import service
from backend.fees.schemas import ItemChange, Reason, StandardIn, StandardOut, VersionOut
from backend.products.enums import Region
from backend.staff.enums import ALL_ROLES, Role

router = APIRouter(prefix="/api/v1/fee-standards", tags=["fees"])

StaffReader = Annotated[StaffUser, require_roles(*ALL_ROLES)]
Admin = Annotated[StaffUser, require_roles(Role.admin)]
Version = Annotated[int, Path(ge=1, le=2**31 - 1)]
Code = Annotated[str, Path(min_length=1, max_length=32)]
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ].+)?")


def _iso(value: object) -> object:
    """A day or a moment as ISO 8601 only (pydantic would read 0.5 as a Unix time)."""
    if isinstance(value, str) and not ISO_DAY.fullmatch(value):
        raise ValueError("an ISO 8601 date (2026-12-01) or date-time")
    return value


At = Annotated[datetime.date | datetime.datetime | None, BeforeValidator(_iso), Query(
    description="a day (the version in force at its end, in TICKET_TIMEZONE) or a moment "
                "(ISO 8601; without an offset, in TICKET_TIMEZONE); none: now")]
BaseVersion = Annotated[int | None, Query(ge=1, le=2**31 - 1, description=(
    "the version the change was made on: 409 if another change came first"))]
NOT_IN_FORCE: dict[int | str, dict[str, Any]] = {
    404: {"description": "no version of the region's standard was in force then"}}
CHANGED: dict[int | str, dict[str, Any]] = {
    409: {"description": "the standard changed since `base_version` (or meanwhile)"},
    422: {"description": "a negative or over-precise amount, a name missing, a code twice, "
                         "not a category"}}


@router.get("", response_model=list[StandardOut])
async def list_standards(db_session: SessionDep, settings: SettingsDep, _: StaffReader,
                         at: At = None) -> list[StandardOut]:
    """Each region's standard in force now (or `at`), with its labour items (staff)."""
    found = await service.all_in_force(db_session=db_session,
                                       at=service.moment(at, settings.ticket_timezone))
    return [StandardOut.of(standard) for standard in found]


@router.get("/{region}", response_model=StandardOut, responses=NOT_IN_FORCE)
async def get_standard(region: Region, db_session: SessionDep, settings: SettingsDep,
                       _: StaffReader, at: At = None) -> StandardOut:
    """The region's standard in force now, or at `at`."""
    standard = await service.in_force(db_session=db_session, region=region,
                                      at=service.moment(at, settings.ticket_timezone))
    return StandardOut.of(standard)


@router.get("/{region}/versions", response_model=list[VersionOut])
async def list_versions(region: Region, db_session: SessionDep,
                        _: StaffReader) -> list[VersionOut]:
    """Every version of the region's standard, newest first: since when, by whom, why, and
    what it changed."""
    return service.history(await service.versions(db_session=db_session, region=region))


@router.get("/{region}/versions/{version}", response_model=StandardOut,
            responses={404: {"description": "no such version"}})
async def get_version(region: Region, version: Version, db_session: SessionDep,
                      _: StaffReader) -> StandardOut:
    """One version as it was (a quote names the version that priced it)."""
    return StandardOut.of(await service.get_version(db_session=db_session, region=region,
                                                    version=version))


@router.put("/{region}", response_model=StandardOut, responses=CHANGED)
async def replace_standard(region: Region, data: StandardIn, db_session: SessionDep,
                           staff: Admin) -> StandardOut:
    """Set the region's whole standard from now on (admin): a new version, with who and why
    (`reason`). Nothing changed: the current version, no new one."""
    return StandardOut.of(await service.replace(db_session=db_session, region=region,
                                                data=data, actor=staff.actor))


@router.put("/{region}/items/{code}", response_model=StandardOut, responses=CHANGED)
async def put_item(region: Region, code: Code, data: ItemChange, db_session: SessionDep,
                   staff: Admin) -> StandardOut:
    """Add an item (a new code) or change one, from now on (admin): a new version."""
    return StandardOut.of(await service.put_item(db_session=db_session, region=region,
                                                 code=code, data=data, actor=staff.actor))


@router.delete("/{region}/items/{code}", response_model=StandardOut,
               responses={**CHANGED, 404: {"description": "no such item"}})
async def remove_item(region: Region, code: Code, db_session: SessionDep, staff: Admin,
                      reason: Annotated[Reason, Query(description="why (kept in the history)")],
                      base_version: BaseVersion = None) -> StandardOut:
    """Take an item out of the standard from now on (admin): a new version; the earlier ones
    keep it."""
    return StandardOut.of(await service.remove_item(
        db_session=db_session, region=region, code=code, reason=reason,
        actor=staff.actor, base_version=base_version))

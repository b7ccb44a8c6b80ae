"""Staff find a customer: by phone number (its keyed hash: nothing in clear is searched) or by
id. Who may: backend/customers/access.py. Thin: the work is in service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from backend.customers import service
from backend.customers.access import FINDERS
from backend.customers.schemas import CustomerMatches, CustomerSummary, PhoneSearch
from backend.deps import SessionDep, StaffUser, require_roles

router = APIRouter(prefix="/api/v1", tags=["customers"])

Finder = Annotated[StaffUser, require_roles(*FINDERS)]
CustomerId = Annotated[int, Path(ge=1, le=2**31 - 1)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no such customer"}}


@router.post("/customers/search", response_model=CustomerMatches,
             responses={422: {"description": "not a phone number"}})
async def search_by_phone(data: PhoneSearch, db_session: SessionDep,
                          staff: Finder) -> CustomerMatches:
    """The customers whose latest ticket gave this phone number, in any spelling (`138 0013
    8000`, `+86 13800138000`, `0086…`; Hong Kong `+852`, Taiwan `+886` / `09…`); oldest
    first, at most 20; `[]` when none. The number goes in the body, never the address; the
    log says who searched and which customers they found."""
    found = await service.find_by_phone(db_session=db_session, phone=data.phone,
                                         actor=staff.actor)
    return CustomerMatches(items=[CustomerSummary.model_validate(c) for c in found])


# `:int`: /customers/search is no customer id (its GET is a 405, not a 422 about the id).
@router.get("/customers/{customer_id:int}", response_model=CustomerSummary,
            responses=NOT_FOUND)
async def get_customer(customer_id: CustomerId, db_session: SessionDep,
                       _: Finder) -> CustomerSummary:
    """A customer: name, language, tier, chats, since when (erased: nameless, no chats)."""
    return CustomerSummary.model_validate(
        await service.get(db_session=db_session, customer_id=customer_id))

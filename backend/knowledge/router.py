"""Knowledge routes: the bot asks for an answer (service); staff read entries, admins edit them.
Thin: validation in schemas, work in service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BeforeValidator, StringConstraints

from backend.customers.enums import Language
from backend.deps import ServiceDep, SessionDep, StaffUser, require_roles
from backend.errors import NotFound
from backend.knowledge import service as knowledge_service
from backend.knowledge.enums import Topic
from backend.knowledge.schemas import (
    KnowledgeAnswer,
    KnowledgeEntryIn,
    KnowledgeEntryOut,
    KnowledgeEntryPage,
)
from backend.staff.enums import ALL_ROLES, Role

router = APIRouter(prefix="/api/v1/knowledge", tags=["knowledge"])

NO_ANSWER = "no answer"
NOT_FOUND = "no such knowledge entry"
NAME_MAX = 100  # product and city values (the NLU's entities are far shorter)


def _blank_is_none(value: object) -> object:
    """`?topic=` (an empty form field) means no filter."""
    return None if isinstance(value, str) and not value.strip() else value


StaffReader = Annotated[StaffUser, require_roles(*ALL_ROLES)]
Admin = Annotated[StaffUser, require_roles(Role.admin)]

# Ids are 32-bit integers in the database: a larger one is a 422, not a database error.
EntryId = Annotated[int, Path(ge=1, le=2**31 - 1)]
OptionalTopic = Annotated[Topic | None, BeforeValidator(_blank_is_none), Query()]
OptionalLanguage = Annotated[Language | None, BeforeValidator(_blank_is_none), Query()]
# The length limit sits on the str (a Query max_length would also be applied to None).
OptionalName = Annotated[Annotated[str, StringConstraints(max_length=NAME_MAX)] | None,
                         BeforeValidator(_blank_is_none), Query()]

ErrorCode = Annotated[
    Annotated[str, StringConstraints(max_length=8, pattern=r"^[A-Za-z0-9-]+$")] | None,
    BeforeValidator(_blank_is_none), Query(description="an error code the display shows")]


@router.get("/answer", response_model=KnowledgeAnswer,
            responses={404: {"description": "no entry answers this (`no answer`)"}})
async def answer(db_session: SessionDep, _: ServiceDep, language: Language,
                 topic: OptionalTopic = None, product: OptionalName = None,
                 city: OptionalName = None,
                 text: Annotated[str | None, Query(description="the customer's words; only the "
                                                   "first 500 characters are looked at")] = None,
                 code: ErrorCode = None,
                 ) -> KnowledgeAnswer:
    """The answer to a customer's question (the bot calls this). With `code`: that error
    code's entry for the product, else its general one. With `topic`: the entry for that
    topic that fits the product and city best. Without: the entry whose keywords best match
    `text`. Its warranty facts are filled in from the warranty policies as they are now, its
    fee facts from the fee standard in force (in the currency of the city's region)."""
    found = await knowledge_service.answer(
        db_session=db_session, language=language, topic=topic, product=product, city=city,
        text=text, code=code,
    )
    if found is None:
        raise NotFound(NO_ANSWER)
    return found


@router.get("", response_model=KnowledgeEntryPage)
async def list_entries(db_session: SessionDep, _: StaffReader, topic: OptionalTopic = None,
                       language: OptionalLanguage = None, product: OptionalName = None,
                       city: OptionalName = None,
                       sample: Annotated[bool | None, BeforeValidator(_blank_is_none), Query(
                           description="true: only sample entries (example data still to be "
                                       "replaced); false: only real ones")] = None,
                       limit: Annotated[int, Query(ge=1, le=500)] = 100,
                       offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0) -> KnowledgeEntryPage:
    """Entries, by topic, product, city and language (staff), each saying whether it is sample
    data. Filters are exact: `product=冰箱` lists the fridge entries, not the general ones."""
    entries, total = await knowledge_service.list_entries(
        db_session=db_session, topic=topic, language=language, product=product, city=city,
        sample=sample, limit=limit, offset=offset,
    )
    return KnowledgeEntryPage(items=[KnowledgeEntryOut.model_validate(e) for e in entries],
                              total=total, limit=limit, offset=offset)


@router.get("/{entry_id}", response_model=KnowledgeEntryOut,
            responses={404: {"description": "no such entry"}})
async def get_entry(entry_id: EntryId, db_session: SessionDep,
                    _: StaffReader) -> KnowledgeEntryOut:
    entry = await knowledge_service.get(db_session=db_session, entry_id=entry_id)
    if entry is None:
        raise NotFound(NOT_FOUND)
    return KnowledgeEntryOut.model_validate(entry)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=KnowledgeEntryOut)
async def create_entry(data: KnowledgeEntryIn, db_session: SessionDep,
                       _: Admin) -> KnowledgeEntryOut:
    """Add an entry (admin)."""
    entry = await knowledge_service.create(db_session=db_session, data=data)
    return KnowledgeEntryOut.model_validate(entry)


@router.put("/{entry_id}", response_model=KnowledgeEntryOut,
            responses={404: {"description": "no such entry"}})
async def replace_entry(entry_id: EntryId, data: KnowledgeEntryIn, db_session: SessionDep,
                        _: Admin) -> KnowledgeEntryOut:
    """Replace every field of an entry (admin)."""
    entry = await knowledge_service.update(db_session=db_session, entry_id=entry_id, data=data)
    if entry is None:
        raise NotFound(NOT_FOUND)
    return KnowledgeEntryOut.model_validate(entry)


@router.delete("/{entry_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses={404: {"description": "no such entry"}})
async def delete_entry(entry_id: EntryId, db_session: SessionDep, _: Admin) -> Response:
    """Remove an entry (admin)."""
    if not await knowledge_service.delete(db_session=db_session, entry_id=entry_id):
        raise NotFound(NOT_FOUND)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

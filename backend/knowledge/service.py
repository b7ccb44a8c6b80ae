"""The knowledge base: find the answer to a customer's question; create, read, update and
delete entries (staff).

With a topic (the NLU found one) the answer is the entry of that topic that fits best:
topic+product+city, then topic+product, then topic+city, then the topic's general entry
(no product, no city). Without one, free text is matched against keywords and questions
(backend.knowledge.matching).

What the customer reads (`answer`) is that entry with its warranty facts filled in from the
warranty policies as they are now (backend.knowledge.warranty_answers) and its fee facts from
the fee standard in force (backend.knowledge.fee_answers): the entries hold placeholders for
them, never the periods or prices themselves.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.customers.enums import Language
from backend.kernel.database import utcnow
from backend.knowledge import fee_answers, fee_facts, matching, warranty_answers, warranty_facts
from backend.knowledge.enums import (
    PRODUCT_ALIASES,
    PRODUCTS,
    Topic,
    canonical_city,
    canonical_product,
)
from backend.knowledge.models import KnowledgeEntry
from backend.knowledge.schemas import KnowledgeAnswer, KnowledgeEntryIn

log = logging.getLogger(__name__)


def _specificity(entry: KnowledgeEntry) -> int:
    """3: product and city, 2: product, 1: city, 0: neither (the order of preference)."""
    return (2 if entry.product is not None else 0) + (1 if entry.city is not None else 0)


def _fits(column, value: str | None):
    """The entry is for this value or for any."""
    return column.is_(None) if value is None else or_(column == value, column.is_(None))


def _clean(value: str | None, canonical) -> str | None:
    value = (value or "").strip()
    return canonical(value) if value else None


async def find_answer(*, db_session: AsyncSession, language: Language | str,
                      topic: Topic | str | None = None, product: str | None = None,
                      city: str | None = None, text: str | None = None,
                      code: str | None = None) -> KnowledgeEntry | None:
    """The entry that best answers a question in `language`, or None.

    `product` and `city` may be in any spelling the knowledge base knows (冷氣, Hong Kong).
    With `topic`, the most specific entry of that topic that fits the product and city; among
    equally specific ones, the one that best matches `text`, then the oldest. With `code` (an
    error code the display shows), the usage entry listing that code among its keywords, the
    product's own first, if any; else as without it. Without `topic`,
    the entry whose keywords and question best match `text` (entries for another product or
    city than the ones given are left out), if any matches well enough."""
    product = _clean(product, canonical_product)
    city = _clean(city, canonical_city)
    language_is = KnowledgeEntry.language == str(language)
    if code and code.strip():
        # An error code: the entry that has the code among its keywords, the product's own
        # before the general one; the text's other words do not draw another entry in.
        entries = await _select(db_session, [language_is, KnowledgeEntry.topic == Topic.usage,
                                             _fits(KnowledgeEntry.product, product)])
        wanted = code.strip().casefold()
        coded = [entry for entry in entries
                 if wanted in (entry.keywords or "").casefold().split()]
        if coded:
            return max(coded, key=lambda entry: (entry.product is not None, -entry.id))
    if topic is None:
        if not text or not text.strip():
            return None
        conditions = [language_is]
        if product is not None:
            conditions.append(_fits(KnowledgeEntry.product, product))
        if city is not None:
            conditions.append(_fits(KnowledgeEntry.city, city))
        # Naming the product is not enough to match (a leaking washer's question is not
        # answered by the washer's warranty): the rest of the words must.
        ignore = _names_of(product) if product is not None else frozenset()
        return matching.best_match(await _select(db_session, conditions), text, ignore=ignore)

    conditions = [language_is, KnowledgeEntry.topic == str(topic),
                  _fits(KnowledgeEntry.product, product), _fits(KnowledgeEntry.city, city)]
    entries = await _select(db_session, conditions)
    if not entries:
        return None
    if str(topic) == Topic.usage and product is not None and text:
        # Troubleshooting: the product's own entries answer only the trouble they describe
        # (a leaking fridge is not told the not-cooling checks); else the general entry.
        own = [entry for entry in entries if entry.product is not None]
        fitting = matching.best_match(own, text, ignore=_names_of(product))
        if fitting is not None:
            return fitting
        entries = [entry for entry in entries if entry.product is None] or entries
    best_level = max(_specificity(entry) for entry in entries)
    candidates = [entry for entry in entries if _specificity(entry) == best_level]
    if len(candidates) > 1 and text:
        ranked = matching.score_entries(candidates, text)
        if ranked:
            return ranked[0].entry
    return min(candidates, key=lambda entry: entry.id)


async def answer(*, db_session: AsyncSession, language: Language | str,
                 topic: Topic | str | None = None, product: str | None = None,
                 city: str | None = None, text: str | None = None,
                 code: str | None = None) -> KnowledgeAnswer | None:
    """The answer the customer gets (the bot's route): the entry `find_answer` finds, its
    placeholders filled in, for the region of `city` (none named: the mainland's, the
    template adding Hong Kong's and Taiwan's differences): warranty facts from the policies
    read now, fee facts from the fee standard in force now (about the product asked about).

    A product's warranty entry whose product has no policy gives way to the general warranty
    entry, after a line saying so; the general warranty entry answering a question about a
    product (one without an entry of its own: 干衣机) starts with that product's cover."""
    entry = await find_answer(db_session=db_session, language=language, topic=topic,
                              product=product, city=city, text=text, code=code)
    if entry is None:
        return None
    asked = _clean(product, canonical_product)
    said = entry.answer
    if fee_answers.uses_facts(said):
        standards = await fee_facts.load_standards(db_session, at=utcnow())
        said = fee_answers.render(said, language=str(language), product=entry.product or asked,
                                  region=warranty_facts.region_of_city(entry.city or city),
                                  standards=standards)
    is_warranty = entry.topic == Topic.warranty
    about_product = is_warranty and entry.product is None and asked in PRODUCTS
    if not (about_product or warranty_answers.uses_facts(said)):
        return KnowledgeAnswer.model_validate(entry).model_copy(update={"answer": said})
    facts = warranty_answers.Facts(await warranty_facts.load_policies(db_session),
                                   warranty_facts.region_of_city(city))
    lead = None
    if is_warranty and entry.product is not None and facts.policy(entry.product) is None:
        general = await find_answer(db_session=db_session, language=language,
                                    topic=Topic.warranty, city=city)
        if general is not None:
            lead = warranty_answers.lead(language=str(language), product=entry.product,
                                         facts=facts)
            entry, said = general, general.answer
    elif about_product and asked is not None:
        lead = warranty_answers.lead(language=str(language), product=asked, facts=facts)
    rendered = warranty_answers.render(said, language=str(language), product=entry.product,
                                       facts=facts)
    return KnowledgeAnswer.model_validate(entry).model_copy(
        update={"answer": "\n".join(filter(None, (lead, rendered)))})


def _names_of(product: str) -> frozenset[str]:
    """The matching tokens of every name of a product (冰箱, 雪櫃, fridge ...)."""
    names = [product, *(alias for alias, canonical in PRODUCT_ALIASES.items()
                        if canonical == product)]
    return frozenset(token for name in names for token in matching.tokens(name))


async def _select(db_session: AsyncSession, conditions: list) -> list[KnowledgeEntry]:
    statement = select(KnowledgeEntry).where(*conditions).order_by(KnowledgeEntry.id)
    entries = list((await db_session.execute(statement)).scalars())
    await db_session.commit()  # ends the read transaction (SQLite: releases the write lock)
    return entries


async def get(*, db_session: AsyncSession, entry_id: int) -> KnowledgeEntry | None:
    return await db_session.get(KnowledgeEntry, entry_id)


async def list_entries(*, db_session: AsyncSession, topic: Topic | str | None = None,
                       language: Language | str | None = None, product: str | None = None,
                       city: str | None = None, sample: bool | None = None,
                       limit: int = 100, offset: int = 0) -> tuple[list[KnowledgeEntry], int]:
    """A page of entries (exactly these filters: `product=冰箱` leaves out the general ones),
    ordered by topic, product, city, language, and how many match in total."""
    conditions = []
    if topic is not None:
        conditions.append(KnowledgeEntry.topic == str(topic))
    if language is not None:
        conditions.append(KnowledgeEntry.language == str(language))
    if product := _clean(product, canonical_product):
        conditions.append(KnowledgeEntry.product == product)
    if city := _clean(city, canonical_city):
        conditions.append(KnowledgeEntry.city == city)
    if sample is not None:
        conditions.append(KnowledgeEntry.sample.is_(sample))
    total = (await db_session.execute(
        select(func.count()).select_from(KnowledgeEntry).where(*conditions)
    )).scalar_one()
    statement = (select(KnowledgeEntry).where(*conditions)
                 .order_by(KnowledgeEntry.topic, KnowledgeEntry.product.nulls_first(),
                           KnowledgeEntry.city.nulls_first(), KnowledgeEntry.language,
                           KnowledgeEntry.id)
                 .limit(limit).offset(offset))
    return list((await db_session.execute(statement)).scalars()), total


async def create(*, db_session: AsyncSession, data: KnowledgeEntryIn) -> KnowledgeEntry:
    """Add an entry. Commits."""
    entry = KnowledgeEntry(**_values(data), updated_at=utcnow())
    db_session.add(entry)
    await db_session.commit()
    log.info("knowledge entry %s created (topic=%s, language=%s)", entry.id, entry.topic,
             entry.language)
    return entry


async def update(*, db_session: AsyncSession, entry_id: int,
                 data: KnowledgeEntryIn) -> KnowledgeEntry | None:
    """Replace every field of an entry; None if there is no such entry. Commits."""
    entry = await db_session.get(KnowledgeEntry, entry_id)
    if entry is None:
        return None
    for name, value in _values(data).items():
        setattr(entry, name, value)
    entry.updated_at = utcnow()
    await db_session.commit()
    log.info("knowledge entry %s updated", entry.id)
    return entry


async def delete(*, db_session: AsyncSession, entry_id: int) -> bool:
    """Remove an entry; False if there was none. Commits."""
    entry = await db_session.get(KnowledgeEntry, entry_id)
    if entry is None:
        return False
    await db_session.delete(entry)
    await db_session.commit()
    log.info("knowledge entry %s deleted", entry_id)
    return True


def _values(data: KnowledgeEntryIn) -> dict:
    return {
        "topic": str(data.topic), "product": data.product, "city": data.city,
        "language": str(data.language), "question": data.question, "answer": data.answer,
        "keywords": data.keywords, "sample": data.sample,
    }

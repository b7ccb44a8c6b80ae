"""The fee standard as the knowledge base reads it, to fill its fee answers at answer time
(backend.knowledge.fee_answers): an admin's change is in the next answer, nothing reseeded.

Read-only, through a lightweight view of the `fee_standards` and `fee_items` tables rather
than `backend.fees`, for the reason backend.knowledge.warranty_facts gives: the fees domain
imports the knowledge base's vocabulary (the canonical product names), so the knowledge
domain importing fees would make the two a cycle. The columns named here are the standard's
contract with us; tests/backend/fees/test_fee_answers.py compares them with
`backend.fees.models`, and what is read here with what `backend.fees.service` says is in
force, so a renamed column or a changed rule fails a test rather than an answer.

Which version is in force at a moment: the region's highest version whose `effective_from`
is not after it (backend.fees.service.in_force).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from backend.kernel.database import UTCDateTime

_STANDARDS = sa.table(
    "fee_standards",
    sa.column("id", sa.Integer()), sa.column("region", sa.String()),
    sa.column("version", sa.Integer()), sa.column("currency", sa.String()),
    sa.column("visit_fee", sa.Integer()), sa.column("declined_quote_pays_visit", sa.Boolean()),
    sa.column("effective_from", UTCDateTime()),
)
_ITEMS = sa.table(
    "fee_items",
    sa.column("id", sa.Integer()), sa.column("standard_id", sa.Integer()),
    sa.column("code", sa.String()), sa.column("category", sa.String()),
    sa.column("repair_type", sa.String()), sa.column("name_zh_hans", sa.String()),
    sa.column("name_zh_hant", sa.String()), sa.column("name_en", sa.String()),
    sa.column("price", sa.Integer()),
)
COLUMNS = {"fee_standards": tuple(c.name for c in _STANDARDS.columns),
           "fee_items": tuple(c.name for c in _ITEMS.columns)}
_NAME_COLUMNS = {"zh-Hans": "name_zh_hans", "zh-Hant": "name_zh_hant", "en": "name_en"}


@dataclass(frozen=True)
class Item:
    code: str
    category: str  # canonical product name
    repair_type: str
    names: Mapping[str, str]  # language → name
    price: int  # minor units

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names["zh-Hans"]


@dataclass(frozen=True)
class Standard:
    """A region's fee standard, the version in force."""

    region: str
    version: int
    currency: str
    visit_fee: int  # minor units
    declined_quote_pays_visit: bool
    items: tuple[Item, ...] = ()


# region → its standard in force
Standards = Mapping[str, Standard]


async def load_standards(db_session: AsyncSession, *, at: datetime) -> dict[str, Standard]:
    """Each region's version in force at `at` (aware), with its items. Ends the read
    transaction, as the knowledge service's reads do."""
    s = _STANDARDS
    latest = (sa.select(s.c.region, sa.func.max(s.c.version).label("version"))
              .where(s.c.effective_from <= at).group_by(s.c.region).subquery())
    heads = (await db_session.execute(sa.select(s).join(
        latest, (s.c.region == latest.c.region) & (s.c.version == latest.c.version)))
    ).mappings().all()
    items: dict[int, list[Item]] = {head["id"]: [] for head in heads}
    if items:
        rows = (await db_session.execute(sa.select(_ITEMS).where(
            _ITEMS.c.standard_id.in_(items)).order_by(_ITEMS.c.id))).mappings().all()
        for row in rows:
            items[row["standard_id"]].append(Item(
                code=row["code"], category=row["category"], repair_type=row["repair_type"],
                names={language: row[column] for language, column in _NAME_COLUMNS.items()},
                price=row["price"]))
    await db_session.commit()
    return {head["region"]: Standard(
        region=head["region"], version=head["version"], currency=head["currency"],
        visit_fee=head["visit_fee"], declined_quote_pays_visit=head["declined_quote_pays_visit"],
        items=tuple(items[head["id"]])) for head in heads}

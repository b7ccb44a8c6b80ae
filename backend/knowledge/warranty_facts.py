"""The warranty policies as the knowledge base reads them, to fill its warranty answers at
answer time (backend.knowledge.warranty_answers): an admin's change to a policy is in the
next answer, with nothing reseeded.

Read-only, and through a lightweight view of the `warranty_policies` table rather than
`backend.products`: products imports the knowledge base's vocabulary (the canonical product
names, backend.knowledge.enums), so the knowledge domain importing products would make the
two domains a cycle (tests/test_import_cycles.py). The columns named here are the policy's
contract with us; tests/backend/test_knowledge_warranty.py compares them with
`backend.products.models.WarrantyPolicy` and the regions with `backend.products.enums.Region`,
so a renamed column fails a test rather than an answer.

Which region's policy: the one of the city the customer named (香港, 台北 ...), else the
mainland's, the answer then adding where Hong Kong's and Taiwan's differ (the template says
where: `{regions}`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from backend.knowledge.enums import canonical_city

MAINLAND, HONG_KONG, TAIWAN = "mainland", "hong_kong", "taiwan"
REGIONS = (MAINLAND, HONG_KONG, TAIWAN)

# Cities whose purchases follow another region's policy, by their canonical or a common
# spelling (canonical_city folds Hong Kong's districts into 香港; 臺 is folded into 台 first).
# Any other city is the mainland's.
_CITY_REGIONS = {
    "香港": HONG_KONG,
    **dict.fromkeys(("台北", "新北", "桃园", "桃園", "台中", "台南", "高雄", "基隆", "新竹",
                     "嘉义", "嘉義", "台湾", "台灣", "taiwan", "taichung", "kaohsiung",
                     "tainan", "new taipei"), TAIWAN),
}

_POLICIES = sa.table(
    "warranty_policies",
    sa.column("category", sa.String()), sa.column("region", sa.String()),
    sa.column("whole_unit_months", sa.Integer()), sa.column("main_parts", sa.JSON()),
    sa.column("main_parts_months", sa.Integer()), sa.column("wearing_parts", sa.JSON()),
    sa.column("return_days", sa.Integer()), sa.column("exchange_days", sa.Integer()),
    sa.column("safe_use_years", sa.Integer()),
)
COLUMNS = tuple(column.name for column in _POLICIES.columns)


@dataclass(frozen=True)
class Policy:
    """One category's cover in one region, as the answers need it."""

    category: str
    region: str
    whole_unit_months: int
    main_parts: tuple[str, ...] = ()
    main_parts_months: int | None = None
    wearing_parts: tuple[str, ...] = ()
    return_days: int = 0
    exchange_days: int = 0
    safe_use_years: int | None = None

    @property
    def main_months(self) -> int | None:
        """How long the main parts are covered when that is longer than the whole unit (as
        backend.products.warranty counts it: never shorter than the whole unit); None when
        they have no cover of their own."""
        if self.main_parts_months and self.main_parts_months > self.whole_unit_months:
            return self.main_parts_months
        return None


# region → category → policy
Policies = Mapping[str, Mapping[str, Policy]]


def region_of_city(city: str | None) -> str | None:
    """The region whose policy covers a purchase in `city` (any spelling the knowledge base
    knows); None when no city is given."""
    if city is None or not city.strip():
        return None
    name = canonical_city(city).replace("臺", "台")
    for suffix in ("市", "縣", "县"):
        name = name.removesuffix(suffix)
    return _CITY_REGIONS.get(name) or _CITY_REGIONS.get(name.casefold(), MAINLAND)


async def load_policies(db_session: AsyncSession) -> dict[str, dict[str, Policy]]:
    """Every policy, by region and category, read now (so the answer follows the latest
    edit). Ends the read transaction, as the knowledge service's reads do."""
    rows = (await db_session.execute(sa.select(_POLICIES))).mappings().all()
    await db_session.commit()
    found: dict[str, dict[str, Policy]] = {}
    for row in rows:
        policy = Policy(**{**row, "main_parts": tuple(row["main_parts"] or ()),
                           "wearing_parts": tuple(row["wearing_parts"] or ()),
                           "return_days": row["return_days"] or 0,
                           "exchange_days": row["exchange_days"] or 0})
        found.setdefault(policy.region, {})[policy.category] = policy
    return found

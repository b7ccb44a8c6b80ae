"""Fee facts in the knowledge base's answers, filled in from the fee standard at answer time.

The prices (visit fee, diagnosis, labour, installation work) used to be written by hand in
every fee answer, in three languages and three currencies, apart from the fee standard admins
keep: the two could disagree. Now an answer names a fact by a placeholder (`{fee_visit}`,
`{fee_labour}` …, listed in fees.yml) and this module says it in the answer's language, in
the currency and words of the region (Hong Kong's 上門費, Taiwan's 到府費), from the standard
in force (fees.yml holds the wording). The text around the placeholders stays hand-written.

Pure functions over the standards read for the answer (backend.knowledge.fee_facts).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import yaml

from backend.kernel.money import shown
from backend.knowledge import warranty_answers
from backend.knowledge.enums import PRODUCTS
from backend.knowledge.fee_facts import Item, Standard, Standards
from backend.knowledge.warranty_facts import MAINLAND, REGIONS

TEMPLATES_FILE = Path(__file__).resolve().parent / "fees.yml"
FALLBACK_LANGUAGE = "zh-Hans"
PLACEHOLDERS = frozenset({
    "fee_region", "fee_currency", "fee_visit", "fee_visit_word", "fee_diagnosis",
    "fee_declined", "fee_labour", "fee_labour_range", "fee_services", "fee_regions",
})
SENTENCES = frozenset({"fee_declined"})  # followed by the language's gap
# Facts whose line is dropped when they have nothing to say (a label without a value).
LINES = frozenset({"fee_labour", "fee_services", "fee_regions"})
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@cache
def _spec() -> dict:
    return yaml.safe_load(TEMPLATES_FILE.read_text(encoding="utf-8"))


def uses_facts(answer: str) -> bool:
    """Whether the answer has a fee fact to fill in."""
    return bool(set(PLACEHOLDER.findall(answer)) & PLACEHOLDERS)


def groups() -> dict[str, frozenset[str]]:
    """Repair types by how the answers speak of them: diagnosis, repairs, services."""
    return {name: frozenset(types) for name, types in _spec()["groups"].items()}


class _Say:
    """The wording of one language in one region (fees.yml; `key@region` first)."""

    def __init__(self, language: str, region: str) -> None:
        templates = _spec()["templates"]
        self.language = language if language in templates else FALLBACK_LANGUAGE
        self.region = region
        self._t: dict = templates[self.language]

    def __call__(self, key: str, **values: object) -> str:
        text = self._t.get(f"{key}@{self.region}", self._t[key])
        return text.format(**values)

    def money(self, currency: str, low: int, high: int | None = None) -> str:
        amount = shown(low, currency)
        if high is not None and high != low:
            amount = f"{amount}–{shown(high, currency)}"
        return self._t["money"][currency].format(amount=amount)

    def product(self, category: str) -> str:
        own = _spec().get(f"products@{self.region}", {}).get(self.language, {})
        return own.get(category) or warranty_answers.name_of("products", category, self.language)

    def region_name(self, region: str) -> str:
        return warranty_answers.name_of("regions", region, self.language)

    def currency(self, currency: str) -> str:
        return str(_spec()["currencies"].get(currency, {}).get(self.language, currency))


def _of(items: Iterable[Item], group: str, product: str | None = None) -> list[Item]:
    types = groups()[group]
    return [item for item in items if item.repair_type in types
            and (product is None or item.category == product)]


def _ordered_categories(items: list[Item]) -> list[str]:
    order = {name: i for i, name in enumerate(PRODUCTS)}
    return sorted({item.category for item in items},
                  key=lambda c: (order.get(c, len(order)), c))


def _range(say: _Say, standard: Standard, items: list[Item]) -> str:
    prices = [item.price for item in items]
    return say.money(standard.currency, min(prices), max(prices)) if prices else ""


def _listed(say: _Say, standard: Standard, items: list[Item], product: str | None) -> str:
    """A product's items each with its price; without a product, each product's range."""
    if product is not None:
        return say("list_sep").join(
            say("item", name=item.name(say.language), fee=say.money(standard.currency,
                                                                     item.price))
            for item in items)
    return say("list_sep").join(
        say("product", product=say.product(category),
            fee=_range(say, standard, [i for i in items if i.category == category]))
        for category in _ordered_categories(items))


def _diagnosis(say: _Say, standard: Standard, product: str | None) -> str:
    items = _of(standard.items, "diagnosis", product)
    if not items:
        return say("diagnosis_included")
    usual, _ = Counter(item.price for item in items).most_common(1)[0]
    return say("diagnosis", fee=say.money(standard.currency, usual))


def _regions(say: _Say, standards: Standards, shown_region: str, named: bool) -> str:
    """The other regions' visit fees, when the customer named no city."""
    if named:
        return ""
    lines = []
    for region in REGIONS:
        standard = standards.get(region)
        if region == shown_region or standard is None:
            continue
        there = _Say(say.language, region)
        lines.append(say("region_line", region=say.region_name(region),
                         visit_word=there("visit_word"),
                         fee=say.money(standard.currency, standard.visit_fee)))
    return say("regions", lines=say("region_sep").join(lines)) if lines else ""


def _fact(name: str, say: _Say, standard: Standard, product: str | None, standards: Standards,
          named: bool) -> str:
    match name:
        case "fee_region":
            return say.region_name(standard.region)
        case "fee_currency":
            return say.currency(standard.currency)
        case "fee_visit":
            return say.money(standard.currency, standard.visit_fee)
        case "fee_visit_word":
            return say("visit_word")
        case "fee_diagnosis":
            return _diagnosis(say, standard, product)
        case "fee_declined":
            key = "declined_pays" if standard.declined_quote_pays_visit else "declined_free"
            return say(key, visit_word=say("visit_word"))
        case "fee_labour":
            return _listed(say, standard, _of(standard.items, "repairs", product), product)
        case "fee_labour_range":
            return _range(say, standard, _of(standard.items, "repairs", product)) \
                or say("quoted")
        case "fee_services":
            items = _of(standard.items, "services", product)
            if product is not None:
                return _listed(say, standard, items, product)
            return say("services_range", fee=_range(say, standard, items)) if items else ""
        case "fee_regions":
            return _regions(say, standards, standard.region, named)
    raise KeyError(name)


def render(answer: str, *, language: str, product: str | None, region: str | None,
           standards: Standards) -> str:
    """The answer with its fee placeholders filled in, in `language`, from the standard of
    `region` (None: no city named, so the Mainland's, with the other regions' visit fees in
    `{fee_regions}`), about `product` (None, or one without items of its own: every
    product's). Other `{names}` are left as they are; a line whose list or regions fact is
    empty is dropped. Without the region's standard the answer is returned as written."""
    shown_region = region or MAINLAND
    standard = standards.get(shown_region)
    if standard is None:
        return answer
    if product is not None and not any(item.category == product for item in standard.items):
        product = None
    say = _Say(language, shown_region)
    lines = []
    for line in answer.splitlines():
        emptied = False

        def fact(match: re.Match[str]) -> str:
            nonlocal emptied
            name = match.group(1)
            if name not in PLACEHOLDERS:
                return match.group(0)
            text = _fact(name, say, standard, product, standards, named=region is not None)
            emptied = emptied or (not text and name in LINES)
            return text + say("gap") if text and name in SENTENCES else text

        rendered = PLACEHOLDER.sub(fact, line).rstrip()
        if not emptied:
            lines.append(rendered)
    return "\n".join(lines).strip()


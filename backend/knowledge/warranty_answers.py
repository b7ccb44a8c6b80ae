"""Warranty facts in the knowledge base's answers, filled in from the warranty policies at
answer time.

The facts (periods, main and wearing parts, the 三包 return and exchange days, safe-use years,
how Hong Kong and Taiwan differ) used to be written by hand in every answer, in three
languages, beside the policies that compute a product's cover: the two could disagree. Now an
answer names a fact by a placeholder (`{cover}`, `{safe_use}` …, listed in warranty.yml) and
this module renders it in the answer's language from the policies (warranty.yml holds the
wording and the names), so an admin's edit of a policy is in the next answer. The text around
the placeholders (what is not covered, keep your invoice, how to book a repair) stays
hand-written. An answer without placeholders is returned as written.

Pure functions over the policies read for the answer (backend.knowledge.warranty_facts).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from backend.knowledge.enums import PRODUCTS
from backend.knowledge.warranty_facts import HONG_KONG, MAINLAND, TAIWAN, Policies, Policy

log = logging.getLogger(__name__)

TEMPLATES_FILE = Path(__file__).resolve().parent / "warranty.yml"
FALLBACK_LANGUAGE = "zh-Hans"
PLACEHOLDERS = frozenset({
    "cover", "wearing", "return_exchange", "safe_use", "regions", "whole_unit_period",
    "main_parts_period", "main_parts", "main_parts_by_product",
})
# Placeholders that are whole sentences: followed by the language's gap when not empty.
SENTENCES = frozenset({"wearing", "return_exchange", "safe_use", "regions"})
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_OTHER_REGIONS = (HONG_KONG, TAIWAN)


@cache
def _spec() -> dict:
    return yaml.safe_load(TEMPLATES_FILE.read_text(encoding="utf-8"))


def placeholders_in(answer: str) -> set[str]:
    """The `{names}` an answer uses (known or not: staff input is checked against them)."""
    return set(PLACEHOLDER.findall(answer))


def uses_facts(answer: str) -> bool:
    """Whether the answer has a warranty fact to fill in."""
    return bool(placeholders_in(answer) & PLACEHOLDERS)


@dataclass(frozen=True)
class Facts:
    """What an answer is rendered from: every policy, and the region the customer named
    (None: not said, so the mainland's policy with Hong Kong's and Taiwan's differences)."""

    policies: Policies
    named_region: str | None = None

    @property
    def region(self) -> str:
        return self.named_region or MAINLAND

    def policy(self, product: str | None, region: str | None = None) -> Policy | None:
        if product is None:
            return None
        return self.policies.get(region or self.region, {}).get(product)

    def of_region(self, region: str) -> list[Policy]:
        """The region's policies, in the order of the product list."""
        found = self.policies.get(region, {})
        order = {name: i for i, name in enumerate(PRODUCTS)}
        return sorted(found.values(), key=lambda p: (order.get(p.category, len(order)),
                                                      p.category))


class _Say:
    """The wording of one language (warranty.yml)."""

    def __init__(self, language: str) -> None:
        templates = _spec()["templates"]
        self.language = language if language in templates else FALLBACK_LANGUAGE
        self._t: dict[str, str] = templates[self.language]

    def __call__(self, key: str, **values: object) -> str:
        return self._t[key].format(**values)

    def name(self, kind: str, value: str) -> str:
        """A product, part or region in this language; as the policy has it if unknown."""
        if kind != "regions" and self.language == FALLBACK_LANGUAGE:
            return value
        known = _spec()["names"][kind].get(value, {})
        if self.language not in known:
            _missing(kind, value, self.language)
        return str(known.get(self.language, value))

    def join(self, items: Iterable[str]) -> str:
        items = list(items)
        if len(items) < 2:
            return "".join(items)
        return self("comma").join(items[:-1]) + self("and") + items[-1]

    def period(self, months: int) -> str:
        years, rest = divmod(months, 12)
        if not rest:
            return self("years_one" if years == 1 else "years", n=years)
        return self("months_one" if months == 1 else "months", n=months)

    def parts(self, parts: Iterable[str], *, article: bool = False, listed: bool = False) -> str:
        """Part names joined: "A, B and C", or `listed` "A, B, C" (a list in brackets)."""
        names = [self("part", name=name) if article else name
                 for name in (self.name("parts", part) for part in parts)]
        return self("comma").join(names) if listed else self.join(names)


def name_of(kind: str, value: str, language: str) -> str:
    """A product, part or region (`kind`: products, parts, regions) as `language` names it
    (warranty.yml); as the policy has it if unknown."""
    return _Say(language).name(kind, value)


@cache
def _missing(kind: str, value: str, language: str) -> None:
    log.warning("warranty.yml has no %s name for %s %r: shown as the policy has it",
                language, kind, value)


# ---- one product's facts ------------------------------------------------------------------

def _cover(say: _Say, policy: Policy) -> str:
    whole = say.period(policy.whole_unit_months)
    if policy.main_months is None:
        return say("cover_whole_only", whole=whole)
    if policy.main_parts:
        key = "main_parts_named_one" if len(policy.main_parts) == 1 else "main_parts_named"
        main_parts = say(key, parts=say.parts(policy.main_parts, article=True))
    else:
        main_parts = say("main_parts_unnamed")
    return say("cover", whole=whole, main_parts=main_parts, main=say.period(policy.main_months))


def _main_period(policy: Policy) -> int:
    return policy.main_months or policy.whole_unit_months


def _return_exchange(say: _Say, policy: Policy) -> str:
    days = {"return_days": policy.return_days, "exchange_days": policy.exchange_days}
    if policy.return_days and policy.exchange_days > policy.return_days:
        return say("return_exchange", **days)
    if policy.return_days:  # exchanged no longer than returned: one window for both
        return say("return_any" if policy.exchange_days else "return_only", **days)
    if policy.exchange_days:
        return say("exchange_only", **days)
    return ""


def _safe_use(say: _Say, policy: Policy) -> str:
    return say("safe_use", years=policy.safe_use_years) if policy.safe_use_years else ""


def _product_fact(name: str, say: _Say, policy: Policy) -> str:
    match name:
        case "cover":
            return _cover(say, policy)
        case "wearing":
            return say("wearing", parts=say.parts(policy.wearing_parts, listed=True)) \
                if policy.wearing_parts else ""
        case "return_exchange":
            return _return_exchange(say, policy)
        case "safe_use":
            return _safe_use(say, policy)
        case "whole_unit_period":
            return say.period(policy.whole_unit_months)
        case "main_parts_period":
            return say.period(_main_period(policy))
        case "main_parts":
            return say.parts(policy.main_parts) or say("main_parts_unnamed")
    raise KeyError(name)


# ---- the general answer: every product's facts, the most common with the exceptions -------

def _usual(say: _Say, policies: list[Policy], value: Callable[[Policy], int | None],
           shown: Callable[[int], str]) -> str:
    """The value most products have, with the products that differ in brackets."""
    counts = Counter(value(p) for p in policies)
    usual = next((v for v, _ in counts.most_common() if v is not None), None)
    exceptions = []
    for policy in policies:
        own, product = value(policy), say.name("products", policy.category)
        if own is None and usual is not None:
            exceptions.append(say("exception_none", product=product))
        elif own is not None and own != usual:
            exceptions.append(say("exception", product=product, value=shown(own)))
    text = shown(usual) if usual is not None else ""
    return say("varies", value=text, exceptions=say("exceptions_sep").join(exceptions)) \
        if exceptions else text


def _general_cover(say: _Say, policies: list[Policy]) -> str:
    whole = _usual(say, policies, lambda p: p.whole_unit_months, say.period)
    if all(p.main_months is None for p in policies):
        return say("cover_whole_only", whole=whole)
    main = _usual(say, policies, lambda p: p.main_months, say.period)
    return say("cover", whole=whole, main_parts=say("main_parts_unnamed"), main=main)


def _general_return_exchange(say: _Say, policies: list[Policy]) -> str:
    counts = Counter((p.return_days, p.exchange_days) for p in policies)
    (usual, _), = counts.most_common(1)
    model = next(p for p in policies if (p.return_days, p.exchange_days) == usual)
    others = [say.name("products", p.category) for p in policies
              if (p.return_days, p.exchange_days) != usual]
    text = _return_exchange(say, model)
    if others:
        text += say("gap") * bool(text) + say("differs", products=say.join(others))
    return text


def _general_safe_use(say: _Say, policies: list[Policy]) -> str:
    years = sorted({p.safe_use_years for p in policies if p.safe_use_years})
    if not years:
        return ""
    if len(years) == 1:
        return say("safe_use", years=years[0])
    return say("safe_use_range", low=years[0], high=years[-1])


def _by_product(say: _Say, policies: list[Policy]) -> str:
    groups: dict[tuple[str, ...], list[str]] = {}
    for policy in policies:
        if policy.main_parts:
            groups.setdefault(policy.main_parts, []).append(policy.category)
    return say("by_product_sep").join(
        say("by_product", products=say("comma").join(say.name("products", c) for c in cats),
            parts=say.parts(parts))
        for parts, cats in groups.items())


def _general_fact(name: str, say: _Say, policies: list[Policy]) -> str:
    if not policies:
        return say("unknown") if name in ("cover", "whole_unit_period",
                                          "main_parts_period") else ""
    match name:
        case "cover":
            return _general_cover(say, policies)
        case "return_exchange":
            return _general_return_exchange(say, policies)
        case "safe_use":
            return _general_safe_use(say, policies)
        case "whole_unit_period":
            return _usual(say, policies, lambda p: p.whole_unit_months, say.period)
        case "main_parts_period":
            return _usual(say, policies, _main_period, say.period)
        case "main_parts_by_product":
            return _by_product(say, policies)
        case "main_parts":
            return say("main_parts_unnamed")
    return ""  # the wearing parts are a product's


# ---- rendering ----------------------------------------------------------------------------

def _terms(say: _Say, facts: Facts, product: str | None, region: str) -> tuple[str, str]:
    """A region's cover and return/exchange rules for the product (or in general)."""
    if product is None:
        policies = facts.of_region(region)
        if not policies:
            return "", ""
        return _general_cover(say, policies), _general_return_exchange(say, policies)
    policy = facts.policy(product, region)
    if policy is None:
        return "", ""
    return _cover(say, policy), _return_exchange(say, policy)


def _regions(say: _Say, facts: Facts, product: str | None) -> str:
    """Named region: whose terms these are. Else: Hong Kong's and Taiwan's terms where they
    differ from the mainland's (regions with the same terms said together)."""
    if facts.named_region is not None:
        if facts.named_region == MAINLAND:
            return ""
        return say("region_note", region=say.name("regions", facts.named_region))
    here = _terms(say, facts, product, MAINLAND)
    differing: dict[tuple[str, str], list[str]] = {}
    for region in _OTHER_REGIONS:
        there = _terms(say, facts, product, region)
        if there[0] and there != here:
            differing.setdefault(there, []).append(say.name("regions", region))
    return say("gap").join(
        say("region_line", regions=say.join(names), cover=cover,
            rules=rules or say("no_return_exchange"))
        for (cover, rules), names in differing.items())


def render(answer: str, *, language: str, product: str | None, facts: Facts) -> str:
    """The answer with its placeholders filled in, in `language`, from the policy of
    `product` (None, or a product without a policy: from all the products' policies).
    Unknown `{names}` are left as they are; a line (or bullet) left empty by an empty fact is
    dropped."""
    say = _Say(language)
    policy = facts.policy(product)
    general = facts.of_region(facts.region)  # a product without a policy: the general facts

    def fact(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in PLACEHOLDERS:
            return match.group(0)
        if name == "regions":
            text = _regions(say, facts, product)
        elif name == "main_parts_by_product":
            text = _by_product(say, facts.of_region(facts.region))
        elif policy is not None:
            text = _product_fact(name, say, policy)
        else:
            text = _general_fact(name, say, general)
        return text + say("gap") if text and name in SENTENCES else text

    lines = []
    for line in answer.splitlines():
        rendered = PLACEHOLDER.sub(fact, line).rstrip()
        if rendered.strip(" \t·•") or not uses_facts(line):  # not emptied by a fact
            lines.append(rendered)
    return "\n".join(lines).strip()


def lead(*, language: str, product: str, facts: Facts) -> str:
    """The line before a general warranty answer to a question about `product` (one of the
    product list, with no warranty entry of its own, or none with a policy): its cover if it
    has a policy, else that it has none and the general policy follows."""
    say = _Say(language)
    name = say.name("products", product)
    policy = facts.policy(product)
    line = (say("product_line", product=name, cover=_cover(say, policy)) if policy
            else say("no_policy", product=name))
    return line[:1].upper() + line[1:]

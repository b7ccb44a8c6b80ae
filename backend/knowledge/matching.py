"""Free-text matching: which entry answers a question the NLU gave no topic for.

Text becomes a set of tokens: Chinese runs become character bigrams (「冰箱保修多久」 → 冰箱,
箱保, 保修, 修多, 多久), other runs lowercase words ("Fridges" → fridge). Function words of
both languages are dropped. An entry's tokens come from its keywords (strong: staff chose
them) and its question (weak: its bigrams also straddle word boundaries).

A query matches an entry through the tokens they share. To count as an answer at all the
entry needs a strength of at least 1: one keyword token, or two question-only tokens. Among
those, entries are ranked by the shared tokens' weights times their rarity among the entries
searched (a token every warranty entry has, 保修, says less than 冰箱); ties go to the more
general entry (no product, no city), then to the oldest.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

# Text beyond this is not looked at: questions are short, and this bounds the work.
TEXT_MAX_CHARS = 500

KEYWORD_WEIGHT = 1.0
QUESTION_WEIGHT = 0.5
MIN_STRENGTH = 1.0

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"[{_CJK}]+|[a-z0-9]+")

# Bigrams that carry no topic: question words, pronouns, politeness.
ZH_STOP = frozenset("""
    怎么 怎麼 什么 什麼 甚麼 多少 如何 请问 請問 你们 你們 我们 我們 我的 我家 你好 您好 谢谢 謝謝
    可以 一下 是不 不是 有没 有沒 没有 沒有 是否 的话 的話 这个 這個 那个 那個 哪个 哪個 为什 為什
    想问 想問 知道 一个 一個 现在 現在 点样 點樣 係咪 咩嘢 乜嘢 唔該 唔该 么样 麼樣
""".split())
EN_STOP = frozenset("""
    a an the is are was were be been am do did does how what when where which who whom why
    can could would should will shall may might must i me my mine we our us you your it its
    this that these those to of in on at by for with from and or not no yes please hi hello
    hey there about tell know want need many any some get got have has had if so just
    thank thanks ok okay
""".split())


def _stem(word: str) -> str:
    """A light English stemmer: plurals only (fridges → fridge, hours → hour)."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def tokens(text: str) -> set[str]:
    """The matching tokens of a text (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text[:TEXT_MAX_CHARS]).casefold()
    result: set[str] = set()
    for run in _RUNS.findall(text):
        if run[0] < "\u3400":  # a word of letters and digits
            word = _stem(run)
            if len(word) > 1 and run not in EN_STOP and word not in EN_STOP:
                result.add(word)
        else:
            result.update(run[i:i + 2] for i in range(len(run) - 1))
    return result - ZH_STOP


class Searchable(Protocol):
    id: int
    product: str | None
    city: str | None
    question: str
    keywords: str | None


# The kind of entry searched (KnowledgeEntry, or a test's stand-in): what is found is one of them.
EntryT = TypeVar("EntryT", bound=Searchable)


def entry_weights(entry: Searchable) -> dict[str, float]:
    """Each token of an entry with its weight: keyword tokens strong, question tokens weak."""
    weights = dict.fromkeys(tokens(entry.question), QUESTION_WEIGHT)
    for keyword in (entry.keywords or "").split():
        for token in tokens(keyword):
            weights[token] = KEYWORD_WEIGHT
    return weights


@dataclass(frozen=True)
class Scored(Generic[EntryT]):
    entry: EntryT
    score: float      # ranking: shared tokens' weight x rarity
    strength: float   # threshold: shared tokens' weight


def _specificity(entry: Searchable) -> int:
    return (entry.product is not None) + (entry.city is not None)


def score_entries(entries: Sequence[EntryT], text: str,
                  ignore: frozenset[str] = frozenset()) -> list[Scored[EntryT]]:
    """Every entry that shares a token with the text, best first. Tokens in `ignore` (the
    product's own names) rank but do not count towards an entry's strength."""
    query = tokens(text)
    if not query or not entries:
        return []
    weights = [entry_weights(entry) for entry in entries]
    document_frequency: dict[str, int] = {}
    for entry_tokens in weights:
        for token in query.intersection(entry_tokens):
            document_frequency[token] = document_frequency.get(token, 0) + 1
    total = len(entries)
    rarity = {token: math.log(1 + total / count) for token, count in document_frequency.items()}
    scored = []
    for entry, entry_tokens in zip(entries, weights, strict=True):
        shared = query.intersection(entry_tokens)
        if shared:
            scored.append(Scored(
                entry=entry,
                score=sum(entry_tokens[token] * rarity[token] for token in shared),
                strength=sum(entry_tokens[token] for token in shared - ignore),
            ))
    scored.sort(key=lambda s: (-s.score, _specificity(s.entry), s.entry.id))
    return scored


def best_match(entries: Sequence[EntryT], text: str,
               ignore: frozenset[str] = frozenset()) -> EntryT | None:
    """The entry that best answers the text, or None if none is close enough. Tokens in
    `ignore` (the product's own names) do not count towards closeness."""
    for candidate in score_entries(entries, text, ignore):
        if candidate.strength >= MIN_STRENGTH:
            return candidate.entry
    return None

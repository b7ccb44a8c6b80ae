"""What the knowledge API accepts and returns: the bot's view of an answer, the staff's view of
an entry, and the body with which staff create or replace one."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationInfo, field_validator

from backend.customers.enums import Language
from backend.knowledge import fee_answers, warranty_answers
from backend.knowledge.enums import PRODUCTS, Topic, canonical_city, canonical_product
from backend.text import clean, clean_or_none, has_control

QUESTION_MAX = 200
ANSWER_MAX = 2000
KEYWORDS_MAX = 500
CITY_MAX = 50


def normalise_keywords(value: str | None) -> str | None:
    """Keywords as single-space separated words; None when there are none."""
    if value is None:
        return None
    return " ".join(value.split()) or None


class KnowledgeEntryIn(BaseModel):
    """A new entry, or the whole of an existing one (PUT replaces every field)."""

    topic: Topic
    product: str | None = Field(default=None, description="canonical Simplified product name "
                                f"({', '.join(PRODUCTS)}) or null for any product; "
                                "Traditional and English names are converted")
    city: str | None = Field(default=None, max_length=CITY_MAX,
                             description="canonical Simplified city name (北京, 香港, 台北) or "
                                         "null for any city")
    language: Language
    question: str = Field(min_length=1, max_length=QUESTION_MAX,
                          description="a short title: the question this entry answers")
    answer: str = Field(min_length=1, max_length=ANSWER_MAX)
    keywords: str | None = Field(default=None, max_length=KEYWORDS_MAX,
                                 description="space-separated words that help free text "
                                             "find this entry")
    sample: StrictBool = Field(default=False, description="example data, not the company's real "
                         "terms (shown to staff, never to customers); an entry written "
                         "without it is real")

    @field_validator("product", mode="before")
    @classmethod
    def _product(cls, value: object) -> object:
        value = clean_or_none(value)
        if not isinstance(value, str):
            return value
        canonical = canonical_product(value)
        if canonical not in PRODUCTS:
            raise ValueError(f"product must be one of {', '.join(PRODUCTS)} (or null for any "
                             "product)")
        return canonical

    @field_validator("city", mode="before")
    @classmethod
    def _city(cls, value: object) -> object:
        value = clean_or_none(value)
        return canonical_city(value) if isinstance(value, str) else value

    @field_validator("question", "answer", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return clean(value)

    @field_validator("keywords", mode="before")
    @classmethod
    def _keywords(cls, value: object) -> object:
        value = clean_or_none(value)
        return normalise_keywords(value) if isinstance(value, str) else value

    @field_validator("question", "answer", "city", "keywords", mode="before")
    @classmethod
    def _not_too_long_as_sent(cls, value: object, info: ValidationInfo) -> object:
        """The schema's maxLength holds for what was sent, before the cleaning above shortens
        it (control characters and spaces removed): the fuzzer had a too long question
        accepted. Defined after them, it runs before them (pydantic runs "before"
        validators last-defined first)."""
        limit = {"question": QUESTION_MAX, "answer": ANSWER_MAX, "city": CITY_MAX,
                 "keywords": KEYWORDS_MAX}[str(info.field_name)]
        if isinstance(value, str) and len(value) > limit:
            raise ValueError(f"at most {limit} characters")
        return value

    @field_validator("answer")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        """A `{name}` in an answer is a warranty or fee fact filled in at answer time: a
        misspelt one would reach the customer as it is, so it is refused here."""
        known = warranty_answers.PLACEHOLDERS | fee_answers.PLACEHOLDERS
        unknown = warranty_answers.placeholders_in(value) - known
        if unknown:
            raise ValueError(f"unknown placeholder {{{sorted(unknown)[0]}}}: one of "
                             + ", ".join(f"{{{name}}}" for name in sorted(known)))
        return value

    @field_validator("question", "city")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        if value is not None and ("\n" in value or "\r" in value or has_control(value)):
            raise ValueError("must be a single line")
        return value


class KnowledgeAnswer(BaseModel):
    """An answer as the bot gets it (what the customer reads: no word of it being sample
    data)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    topic: Topic
    product: str | None
    city: str | None
    language: Language
    question: str
    answer: str


class KnowledgeEntryOut(KnowledgeAnswer):
    """An entry as staff see it."""

    keywords: str | None
    sample: bool = Field(description="example data (the seed), to be replaced with the real "
                                     "terms")
    updated_at: datetime


class KnowledgeEntryPage(BaseModel):
    items: list[KnowledgeEntryOut]
    total: int
    limit: int
    offset: int

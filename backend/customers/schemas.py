"""What the API says about customers."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from backend.customers.enums import Channel, Language
from backend.text import clean_or_none


class CustomerIn(BaseModel):
    """The chat a request comes from, and what the bot knows of the person behind it."""

    channel: Channel
    chat_id: str = Field(min_length=1, max_length=64)
    display_name: str | None = Field(default=None, max_length=100)
    language: Language | None = None

    @field_validator("chat_id", "display_name", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return clean_or_none(value)


class CustomerOut(BaseModel):
    id: int
    display_name: str | None
    language: Language

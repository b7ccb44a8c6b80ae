from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.customers.enums import Language
from backend.text import clean


class HandoffRequest(BaseModel):
    language: Language
    reason: str = Field(default="human_agent", pattern=r"^(human_agent|failures|complaint)$")
    # What the customer said when asking, for the agent who takes it.
    text: str | None = Field(default=None, max_length=2000)


class HandoffStatus(BaseModel):
    """What the bot tells the customer: their place in the queue, or when staff are back."""

    state: str  # waiting | active | closed | callback
    ticket_number: str
    position: int | None = Field(
        default=None, description="waiting: how many customers are ahead (0: next in line)")
    expected_wait_minutes: int | None = Field(
        default=None, description="waiting: about how long until a person takes the chat, from "
                                  "the recent waits (or the configured default without any)")
    back_at: datetime | None = None


class MessageIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)

    @field_validator("text", mode="before")
    @classmethod
    def _clean(cls, value: object) -> object:
        return clean(value)


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    sender: str
    text: str
    created_at: datetime


class QueueEntry(BaseModel):
    id: int
    ticket_number: str
    channel: str
    language: str
    reason: str
    state: str
    requested_at: datetime
    waiting_seconds: int
    taken_by: str | None


class HandoffDetail(QueueEntry):
    messages: list[MessageOut]

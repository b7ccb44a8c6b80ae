"""What the survey API accepts and returns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, model_validator

from backend.surveys.enums import (
    COMMENT_MAX,
    RATING_MAX,
    RATING_MIN,
    Question,
    SurveyEventKind,
)
from backend.text import clean


class AnswerIn(BaseModel):
    """One answer: `solved` and `explained_usage` take true/false, `rating` an integer 1-5,
    `comment` a text of at most 1000 characters ("" = skipped)."""

    question: Question
    value: Any = Field(description="bool (solved, explained_usage), int 1-5 (rating), "
                                   "str (comment)")

    @model_validator(mode="after")
    def _value_fits_the_question(self) -> AnswerIn:
        value = self.value
        if self.question in (Question.solved, Question.explained_usage):
            if not isinstance(value, bool):
                raise ValueError(f"{self.question} takes true or false")
        elif self.question == Question.rating:
            if (isinstance(value, bool) or not isinstance(value, int)
                    or not RATING_MIN <= value <= RATING_MAX):
                raise ValueError(f"rating takes an integer from {RATING_MIN} to {RATING_MAX}")
        else:
            if not isinstance(value, str):
                raise ValueError("comment takes a text")
            self.value = clean(value)
            if len(self.value) > COMMENT_MAX:
                raise ValueError(f"a comment has at most {COMMENT_MAX} characters")
        return self


class AnswerOut(BaseModel):
    survey_id: int
    recorded: bool = Field(description="false: this question was answered before (or the "
                                       "survey expired): nothing changed")
    next: Question | None = Field(description="the question to ask next; null: done")
    reopened: bool = Field(False, description="this answer (not solved) reopened the ticket")


class FollowUpOut(BaseModel):
    """A return visit staff must follow up: the customer said not solved, or rated 1-2."""

    ticket_number: str
    ticket_type: str
    ticket_status: str
    reason: SurveyEventKind
    at: datetime = Field(description="when the customer answered")
    solved: bool | None
    rating: int | None
    comment: str | None

"""Return-visit survey (回访) vocabulary: states, questions, and the event kinds this package
writes (its push kinds are the kernel's: backend.kernel.pushes)."""

from __future__ import annotations

from enum import StrEnum


class SurveyState(StrEnum):
    open = "open"  # sent, not all required answers in
    answered = "answered"  # solved and rating (and explained_usage for installations) are in
    expired = "expired"  # not answered in time, or the customer opted out of surveys


class Question(StrEnum):
    solved = "solved"
    rating = "rating"
    comment = "comment"
    explained_usage = "explained_usage"


# The order the bot asks in. The comment is optional and asked last, so a survey is already
# `answered` when the customer is asked for one.
QUESTION_ORDER: tuple[Question, ...] = (
    Question.solved, Question.rating, Question.explained_usage, Question.comment,
)
# Asked of installations only: did the installer explain how to use the product?
INSTALLATION_ONLY = frozenset({Question.explained_usage})

RATING_MIN, RATING_MAX = 1, 5
# A rating this low asks a supervisor to follow up (follow_up, a survey_low_rating event).
LOW_RATINGS = frozenset({1, 2})
# Ratings that count as satisfied (满意) in the satisfaction rate.
SATISFIED_RATINGS = frozenset({4, 5})
COMMENT_MAX = 1000


class SurveyEventKind(StrEnum):
    """Ticket events written by this package, for staff."""

    survey_not_solved = "survey_not_solved"  # the customer says it is not solved: reopened
    survey_low_rating = "survey_low_rating"  # rated 1 or 2: a supervisor follows up

"""The return visit (回访) in the chat: after a ticket is resolved the backend pushes a
survey; the bot asks its questions one at a time (solved?, stars, a comment, for an
installation whether its use was explained) and records each answer. The backend says which
question comes next; a survey answered once cannot be answered again."""

from __future__ import annotations

from bot.backend_client import BackendUnavailable
from bot.catalogue import text as t
from bot.dialogue.buttons import SURVEY
from bot.dialogue.replies import backend_down, stale
from bot.dialogue.services import Services
from bot.dialogue.state import Conversation
from bot.dialogue.types import Button, Reply
from bot.language import DEFAULT_LANGUAGE

QUESTIONS = ("solved", "rating", "comment", "explained_usage")


async def start(svc: Services, event: dict, kind: str) -> list[Reply]:
    """The survey pushed (`survey_request`, or its `survey_reminder`): its first question."""
    channel, chat_id = event["channel"], str(event["chat_id"])
    async with svc.lock(channel, chat_id):
        async with svc.store.turn(channel, chat_id, None) as conv:
            assert conv is not None  # a turn without an update id always has its state
            conv.language = conv.language or event.get("language") or DEFAULT_LANGUAGE
            conv.survey = {"id": event["survey_id"], "ticket": event["ticket_number"],
                           "type": event.get("ticket_type"), "asking": "solved"}
            intro = "survey.reminder" if kind == "survey_reminder" else "survey.intro"
            return [Reply(t(conv.lang, intro, number=event["ticket_number"])),
                    question(conv, "solved")]


def question(conv: Conversation, asked: str) -> Reply:
    lang, survey_id = conv.lang, conv.survey["id"]  # type: ignore[index]
    prefix = f"{SURVEY}{survey_id}:{asked}:"
    if asked == "rating":
        rows = [[Button(t(lang, f"survey.stars.{n}"), f"{prefix}{n}") for n in range(1, 6)]]
    elif asked == "comment":
        rows = [[Button(t(lang, "survey.skip"), prefix)]]
    else:  # solved, explained_usage
        rows = [[Button(t(lang, "survey.yes"), f"{prefix}yes"),
                 Button(t(lang, "survey.no"), f"{prefix}no")]]
    if asked == "solved":
        rows.append([Button(t(lang, "survey.opt_out"), f"{SURVEY}{survey_id}:optout:")])
    return Reply(t(lang, f"survey.ask.{asked}"), buttons=rows)


def _value(question_name: str, raw: str) -> object:
    """The answer as the backend takes it; None for a button that cannot be an answer."""
    if question_name in ("solved", "explained_usage"):
        return raw == "yes"
    if question_name == "rating":
        return int(raw) if raw in {"1", "2", "3", "4", "5"} else None
    return raw[:1000]  # the comment


async def answer(svc: Services, conv: Conversation, survey_id: str, asked: str,
                 raw: str) -> list[Reply]:
    """Record one answer (or the opt-out), then the next question or the thanks."""
    lang = conv.lang
    if asked not in (*QUESTIONS, "optout"):
        return [stale(lang)]
    value = None if asked == "optout" else _value(asked, raw)
    if asked != "optout" and value is None:
        return [stale(lang)]
    try:
        if asked == "optout":
            await svc.backend.survey_opt_out(conv.channel, conv.chat_id)
            conv.survey = None
            return [Reply(t(lang, "survey.opted_out"))]
        result = await svc.backend.survey_answer(conv.channel, conv.chat_id, survey_id,
                                                 asked, value)
    except BackendUnavailable:
        return [backend_down(lang)]
    if result is None or not result.get("recorded"):
        return [Reply(t(lang, "survey.already"))]
    replies = []
    if asked == "solved" and value is False:  # one message: no status push follows
        number = (conv.survey or {}).get("ticket", "")
        replies.append(Reply(t(lang, "survey.not_solved", number=number)
                             if result.get("reopened")
                             else t(lang, "survey.not_solved_follow_up")))
    if asked == "rating" and value in (1, 2):
        replies.append(Reply(t(lang, "survey.low_rating")))
    following = result.get("next")
    if following:
        conv.survey = {**(conv.survey or {"id": survey_id}), "asking": following}
        replies.append(question(conv, following))
    else:
        conv.survey = None
        replies.append(Reply(t(lang, "survey.thanks")))
    return replies

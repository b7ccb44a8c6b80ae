"""How far the bot trusts a parse.

- A long message is read sentence by sentence as well as whole, so a story that ends in "please
  send someone" is a repair request, not a complaint because it is long (`understand`).
- A "complaint" that asks for a visit and says nothing against the service ("那你们来个人给瞅瞅
  吧") is the request for the visit: an installation when it says so, else a repair.
- A message that reads as details only (an address, a phone) is read again without them: 「洗衣机
  显示E21不转了，地址…，电话…，明天下午在家」 asks for a repair; the details fill the form.
- Nothing a customer cannot undo (seeing or erasing their personal data, cancelling a ticket)
  and no action on an existing ticket happens on an unsure parse: the bot asks back, "Did you
  mean …?", with the likeliest requests as buttons (`needs_asking`, `ask`). The button carries
  the intent; the customer's words are kept on the conversation to act on once they choose.
  A cancellation or erasure taken back in the same message ("cancel pls.. no wait dont
  cancel, when is the technician coming") is read from what follows, or asked back.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import replace

from backend.kernel.clock import local_naive
from bot.catalogue import text as t
from bot.dialogue.addresses import find_address
from bot.dialogue.buttons import GUESS, GUESS_NONE
from bot.dialogue.extract import (
    asks_for_visit,
    asks_price,
    complains_outright,
    is_question,
    refuses_to_undo,
    retracted,
    wants_installation,
)
from bot.dialogue.state import Conversation
from bot.dialogue.types import Button, Reply
from bot.dialogue.when import parse_when
from nlu.client import FALLBACK_INTENT, NluClient, NluUnavailable, Parse
from nlu.entities import find_phone

# Intents the bot acts on irreversibly, or on an existing ticket, and how sure it must be.
CAREFUL = {"data_export": 0.85, "data_deletion": 0.85, "cancel_request": 0.8,
           "expedite": 0.6, "change_appointment": 0.6, "ticket_status": 0.5,
           # A complaint goes straight to a supervisor as a high-priority ticket.
           "complaint": 0.8}
# What "did you mean" may offer (each has a label `guess.option.<intent>`).
OFFERED = ("repair_request", "installation_request", "return_exchange", "complaint",
           "inquiry", "ticket_status", "expedite", "cancel_request", "change_appointment",
           "human_agent", "data_export", "data_deletion", "register_product")
# The runner-up must be this far behind for a careful intent to count as clear.
MARGIN = 0.3
# Below this a parse is no parse at all (Rasa's own fallback threshold).
MIN_CONFIDENCE = 0.3

# Longer than this, a message is also read sentence by sentence.
LONG = 140
_SENTENCE = re.compile(r"(?<=[。！？!?\n；;])|(?<=[.])\s+")
# Requests a sentence of a long message can name (not the irreversible ones).
_REQUESTS = ("repair_request", "installation_request", "return_exchange", "inquiry",
             "ticket_status", "expedite", "change_appointment", "human_agent", "complaint",
             "register_product")
MAX_SENTENCES = 8
_FORM_REQUESTS = ("repair_request", "installation_request", "return_exchange", "inquiry")
# Requests that a message full of details makes (a registration names model, serial, date).
_DETAILED_REQUESTS = (*_FORM_REQUESTS, "register_product")
# Readings that make no request: such a message may make one besides the details it gives.
_NO_REQUEST = ("out_of_scope", "inform", FALLBACK_INTENT)
_OVERRULABLE = ("complaint", "praise", *_NO_REQUEST)
# What cannot be undone: a request for it that the customer takes back is not acted on.
_IRREVERSIBLE = ("cancel_request", "data_deletion")
_HAN = re.compile(r"[\u3400-\u9fff]")


async def understand(nlu: NluClient, text: str, limit: int) -> Parse:
    """The parse of a message; a long one also sentence by sentence, where a request said in
    one sentence (a repair, a question) wins over a whole that reads as a complaint."""
    whole = await nlu.parse(text[:limit])
    taken_back = retracted(text)
    if taken_back is not None and (whole.intent in _IRREVERSIBLE or refuses_to_undo(text)):
        # "cancel pls.. no wait dont cancel, i just want to know when they come", "她说别取消，
        # 还是要修的": what follows is the request; "if I cancel is there a fee? Not cancelling
        # yet": the question before it. With neither, a cancellation or erasure is asked back.
        # ("洗衣机不转了, no wait, it's the dryer" corrects a detail: read as usual.)
        before, after = taken_back
        for part in ((before,) if is_question(before) else ()) + (after,):
            if len(part) >= 4 and len(part.split()) + len(_HAN.findall(part)) >= 4:
                return _about_a_fee(await nlu.parse(part[:limit]), part)
        if whole.intent in _IRREVERSIBLE:
            return replace(whole, confidence=min(whole.confidence, MIN_CONFIDENCE))
    whole = _about_a_fee(whole, text)
    if whole.intent in _NO_REQUEST or whole.confidence < 0.5:
        whole = await _beside_details(nlu, text[:limit], whole)
    if whole.intent == "complaint" and asks_for_visit(text) and not complains_outright(text):
        # "那你们来个人给瞅瞅吧", "嘛时候来给装上啊": frustration that asks for a visit and says
        # nothing against the service is the request for the visit.
        return _as_visit(whole, text)
    if len(text) <= LONG:
        return whole
    sentences = [s.strip() for s in _SENTENCE.split(text) if len(s.strip()) >= 4]
    if len(sentences) < 2:
        return whole
    try:
        parts = await asyncio.gather(*(nlu.parse(s[:limit]) for s in sentences[:MAX_SENTENCES]))
    except NluUnavailable:
        return whole
    score: dict[str, float] = {}
    for reading in parts:
        if reading.intent in _REQUESTS and reading.confidence >= MIN_CONFIDENCE:
            score[reading.intent] = score.get(reading.intent, 0.0) + reading.confidence
    if whole.intent in _REQUESTS:
        score[whole.intent] = score.get(whole.intent, 0.0) + whole.confidence
    entities = {name: list(values) for name, values in whole.entities.items()}
    for reading in parts:
        for name, values in reading.entities.items():
            entities.setdefault(name, list(values))
    best = max(score, key=score.__getitem__, default=whole.intent)
    if whole.intent == "complaint" and not any(
            p.intent == "complaint" and p.confidence >= 0.8 for p in parts):
        # A story read as a grievance as a whole, with no sentence that complains outright:
        # the request one of its sentences makes (a visit, a question) is what it asks for.
        asked = [p for p in parts if p.intent in _FORM_REQUESTS and p.confidence >= 0.6]
        if asked:
            strongest = max(asked, key=lambda p: p.confidence)
            return replace(whole, intent=strongest.intent, confidence=strongest.confidence,
                           entities=entities)
    # Only a reading that long stories are prone to is overruled (a complaint, "nothing I
    # know", an unsure one), and a complaint only by a request said more strongly than it.
    overrulable = whole.intent in _OVERRULABLE or whole.confidence < 0.5
    if best == whole.intent or best == "complaint" or not overrulable:
        return replace(whole, entities=entities)
    confidence = max(p.confidence for p in (*parts, whole) if p.intent == best)
    return replace(whole, intent=best, confidence=confidence, entities=entities)


def _about_a_fee(parse: Parse, text: str) -> Parse:
    """"取消要收费吗", "is there a fee if I cancel?", "how much is your call out fee?": a question
    about the fee, not the act or a ticket's progress."""
    if (parse.intent in (*_IRREVERSIBLE, "ticket_status", "expedite") and is_question(text)
            and asks_price(text)):
        return replace(parse, intent="inquiry")
    return parse


_CLAUSES = re.compile(r"[，,。;；!！\n]+|(?<=[.?])\s+")


async def _beside_details(nlu: NluClient, text: str, whole: Parse) -> Parse:
    """The request a message makes besides the details it gives (the clauses that hold a phone
    or an address, and the ones that are little more than a time, left out), when that is
    clearly a request; else the parse as it was."""
    now = local_naive()  # only whether a clause names a time, not which

    def detail(clause: str) -> bool:
        short = len(clause) <= 14 or len(clause.split()) <= 6
        return bool(find_phone(clause) or find_address(clause)
                    or short and parse_when(clause, now=now) is not None)

    clauses = [c.strip() for c in _CLAUSES.split(text) if c.strip()]
    rest = [c for c in clauses if not detail(c)]
    if not rest or len(rest) == len(clauses):
        return whole
    try:
        request = await nlu.parse("，".join(rest))
    except NluUnavailable:
        return whole
    # What is left asks for something, or says more details: the likeliest request in it.
    asked = [(name, confidence) for name, confidence in
             ((request.intent, request.confidence), *request.ranking)
             if name not in ("inform", "out_of_scope", FALLBACK_INTENT)]
    if not asked or asked[0][0] not in _DETAILED_REQUESTS or asked[0][1] < 0.45:
        return whole
    return replace(whole, intent=asked[0][0], confidence=asked[0][1], ranking=request.ranking)


def _as_visit(parse: Parse, text: str) -> Parse:
    """The parse as the visit it asks for: an installation when it says so, else a repair."""
    intent = "installation_request" if wants_installation(text) else "repair_request"
    confidence = dict(parse.ranking).get(intent, 0.0)
    return replace(parse, intent=intent, confidence=max(confidence, 0.6))


def _runner_up(parse: Parse) -> float:
    others = [c for name, c in parse.ranking if name != parse.intent]
    return max(others, default=0.0)


def needs_asking(parse: Parse) -> bool:
    """Whether to ask back instead of acting: an unsure parse, or a careful intent that is not
    clearly ahead of the rest."""
    if parse.intent == FALLBACK_INTENT or parse.confidence < MIN_CONFIDENCE:
        return bool(choices(parse))
    threshold = CAREFUL.get(parse.intent)
    if threshold is None:
        return False
    return parse.confidence < threshold or parse.confidence - _runner_up(parse) < MARGIN


def choices(parse: Parse, limit: int = 4) -> list[str]:
    """The likeliest requests to offer, most likely first."""
    ranked = [(parse.intent, parse.confidence), *parse.ranking]
    picked: list[str] = []
    for name, confidence in ranked:
        if name in OFFERED and name not in picked and confidence >= 0.05:
            picked.append(name)
    return picked[:limit]


def ask(conv: Conversation, parse: Parse, text: str) -> Reply:
    """"Did you mean …?" with the likeliest requests and "none of these"; the words are kept
    for when the customer chooses."""
    return offer(conv, choices(parse), text)


def offer(conv: Conversation, intents: Sequence[str], text: str) -> Reply:
    """"Did you mean …?" with these requests, in this order, and "none of these" (an
    appliance's name alone: repair first; a moved visit said as a new request: the move
    first)."""
    lang = conv.lang
    conv.guess = {"text": text}
    buttons = [[Button(t(lang, f"guess.option.{intent}"), f"{GUESS}{intent}")]
               for intent in intents]
    buttons.append([Button(t(lang, "guess.none"), GUESS_NONE)])
    return Reply(t(lang, "guess.ask"), buttons=buttons)


def chosen(conv: Conversation, data: str) -> tuple[str, str] | None:
    """(intent, the words it was said with) for a "did you mean" button, or None for "none of
    these" or a button whose question has passed."""
    pending, conv.guess = conv.guess, None
    intent = data.removeprefix(GUESS)
    if data == GUESS_NONE or pending is None or intent not in OFFERED:
        return None
    return intent, str(pending.get("text") or "")

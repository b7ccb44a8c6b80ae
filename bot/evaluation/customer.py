"""The simulated customer: plays one conversation of the file into the dialogue engine.

It says the `say` messages, then answers what the bot asks, looking only at what a customer
sees (the replies and their buttons) and at which detail the form is asking for
(`Form.asking`, `Form.editing` in the conversation store): the answers of the file for that
detail, the skip button of an optional one, `at_summary` at the summary, the right button of
a "did you mean ...?" question, a cancel or erasure confirmation only when the conversation
is meant to end that way. It stops when nothing is asked, or after `MAX_TURNS` turns.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from bot.dialogue.buttons import (
    APPOINTMENT_OTHER,
    CANCEL,
    CANCEL_CONFIRMED,
    CANCEL_TICKET,
    CHANGE,
    EDIT,
    EXPEDITE,
    HELPED,
    KEEP_TICKET,
    MENU,
    PICK,
    PRIVACY_ERASE,
    PRIVACY_KEEP,
    SKIP,
    SUBMIT,
)
from bot.dialogue.state import CONFIRM
from bot.dialogue.types import Attachment, InboundMessage, Reply
from bot.evaluation.harness import CHANNEL, Harness
from bot.evaluation.spec import Conversation, Message

MAX_TURNS = 25
# Times the last answer for a detail is given again once the file's answers ran out.
MAX_REPEATS = 3
# The "did you mean ...?" question: guess:<intent> | guess:no.
GUESS = "guess:"
GUESS_NO = "guess:no"

TYPE_INTENTS = {"repair": "repair_request", "installation": "installation_request",
                "return_exchange": "return_exchange", "complaint": "complaint"}
OUTCOME_INTENTS = {"status_shown": "ticket_status", "expedited": "expedite",
                   "cancelled": "cancel_request", "appointment_change": "change_appointment",
                   "handoff": "human_agent", "personal_data_shown": "data_export",
                   "personal_data_deleted": "data_deletion", "answered": "inquiry",
                   "product_registered": "register_product", "warranty_shown": "inquiry"}
SETUP_DEFAULTS = {
    "zh-Hans": {"description": "不制冷", "address": "上海市浦东新区张杨路100号"},
    "zh-Hant": {"description": "不製冷", "address": "台北市信義區松仁路100號"},
    "en": {"description": "not cooling", "address": "100 Nanjing Road, Huangpu, Shanghai"},
}
SETUP_FIELDS = ("product", "description", "phone", "address", "error_code", "details",
                "preferred_time")

_chat_numbers = itertools.count(1)


def expected_intent(conversation: Conversation) -> str | None:
    expect = conversation.expect
    if expect.outcome == "ticket":
        return TYPE_INTENTS.get(expect.ticket.get("type", ""))
    return OUTCOME_INTENTS.get(expect.outcome)


@dataclass
class Turn:
    who: str  # customer | bot
    text: str
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (label, data)


@dataclass
class Played:
    """What happened in one conversation."""

    conversation: Conversation
    chat_id: str
    setup_number: str | None = None
    setup_products: list[int] = field(default_factory=list)
    transcript: list[Turn] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    customer_texts: list[str] = field(default_factory=list)
    # (category, reason) of what went wrong while playing
    problems: list[tuple[str, str]] = field(default_factory=list)
    guess_shown: bool = False
    # What the last replies were when the customer stopped (for the reasons of a failure).
    ending: str = ""


class Customer:
    def __init__(self, harness: Harness, conversation: Conversation, run_id: str) -> None:
        self.harness, self.conversation = harness, conversation
        self.played = Played(conversation, f"eval-{run_id}-{next(_chat_numbers)}")
        self._updates = itertools.count(1)
        self._last: list[Reply] = []
        self._used: Counter[str] = Counter()
        self._repeats: Counter[str] = Counter()
        self._summaries = 0
        self._change_pressed = self._edit_pressed = self._changed = False
        self._pressed: set[str] = set()
        self._stop_after = False

    # ---- the customer's ticket before the chat ---------------------------------------------

    async def setup(self) -> None:
        for product in self.conversation.products:
            registered = await self.harness.service.post(
                f"/api/v1/customers/{CHANNEL}/{self.played.chat_id}/products", json=product)
            registered.raise_for_status()
            self.played.setup_products.append(registered.json()["id"])
        spec = self.conversation.setup
        if spec is None:
            return
        harness, lang = self.harness, self.conversation.lang
        body = {"customer": {"channel": CHANNEL, "chat_id": self.played.chat_id,
                             "language": lang},
                "type": spec["type"], "phone": "13800000000", **SETUP_DEFAULTS[lang]}
        body.update({k: spec[k] for k in SETUP_FIELDS if spec.get(k) is not None})
        created = await harness.service.post(
            "/api/v1/tickets", json=body,
            headers={"Idempotency-Key": f"{self.played.chat_id}-setup"})
        created.raise_for_status()
        number = self.played.setup_number = created.json()["number"]
        status = spec["status"]
        if status == "scheduled":
            day = (harness.now() + timedelta(days=3)).date().isoformat()
            moved = await harness.staff.post(f"/api/v1/tickets/{number}/schedule",
                                             json={"date": day, "window": "morning"})
            moved.raise_for_status()
        elif status != "new":
            for step in (("resolved", "closed") if status == "closed" else (status,)):
                # (a repair resolved without the customer's confirmation: staff say why)
                moved = await harness.staff.post(f"/api/v1/tickets/{number}/status", json={
                    "status": step, "override_reason": "evaluation setup"})
                moved.raise_for_status()

    def fill_in(self, text: str) -> str:
        number = self.played.setup_number
        if number:
            text = text.replace("{ticket_compact}", number.replace("-", "").lower())
            text = text.replace("{ticket}", number)
        return text

    # ---- talking ---------------------------------------------------------------------------

    async def _send(self, *, text: str | None = None, button: str | None = None,
                    photo: bool = False, shown: str | None = None) -> None:
        played = self.played
        if text:
            played.customer_texts.append(text)
        said = shown or (text or "")
        if photo:
            said = f"[photo] {said}".strip()
        played.transcript.append(Turn("customer", said))
        attachments = (Attachment("photo", f"eval-photo-{len(played.transcript)}"),) \
            if photo else ()
        replies = await self.harness.engine.handle(InboundMessage(
            channel=CHANNEL, chat_id=played.chat_id, text=text, button=button,
            update_id=f"{played.chat_id}-{next(self._updates)}", attachments=attachments,
            # What a messenger tells of its user (Telegram's language_code, the browser's
            # locale): a hint that decides only where the words do not.
            locale_hint=self.conversation.lang))
        self._last = replies
        played.replies.extend(replies)
        played.transcript.extend(
            Turn("bot", r.text, [(b.label, b.data) for row in r.buttons for b in row])
            for r in replies)

    async def _press(self, data: str) -> None:
        label = next((b.label for r in self._last for row in r.buttons for b in row
                      if b.data == data), data)
        self._pressed.add(data)
        await self._send(button=data, shown=f"[{label}]")

    def _buttons(self) -> list[tuple[str, str]]:
        return [(b.label, b.data) for r in self._last for row in r.buttons for b in row]

    def _problem(self, category: str, reason: str) -> None:
        self.played.problems.append((category, reason))

    async def play(self) -> Played:
        for message in self.conversation.say:
            await self._say(message)
        turns = 0
        while not self._stop_after:
            step = await self._next_step()
            if step is None:
                break
            if turns >= MAX_TURNS:
                self._problem("turn limit", f"still asked something after {MAX_TURNS} turns")
                break
            turns += 1
            kind, value = step
            if kind == "button":
                await self._press(value)
            else:
                await self._send(text=value)
        self.played.ending = self.played.ending or self._ending()
        return self.played

    def _ending(self) -> str:
        buttons = [data for _, data in self._buttons()]
        if not self._last:
            return "no reply"
        if any(data.startswith(GUESS) for data in buttons):
            return "a did-you-mean question without the expected request"
        if any(data.startswith(MENU) for data in buttons):
            return "the bot's menu"
        if HELPED in buttons:
            return "a knowledge answer"
        return "a reply asking nothing"

    async def _say(self, message: Message) -> None:
        text = self.fill_in(message.text) if message.text is not None else None
        await self._send(text=text, photo=message.photo)

    # ---- what the customer does next ---------------------------------------------------------

    async def _next_step(self) -> tuple[str, str] | None:
        conversation, expect = self.conversation, self.conversation.expect
        buttons = [data for _, data in self._buttons()]
        number = self.played.setup_number
        state = await self.harness.engine.store.load(CHANNEL, self.played.chat_id)
        if state.with_staff:
            return None
        guesses = [data for data in buttons if data.startswith(GUESS)]
        if guesses:
            self.played.guess_shown = True
            wanted = expected_intent(conversation)
            if wanted and f"{GUESS}{wanted}" in guesses:
                return "button", f"{GUESS}{wanted}"
            self._stop_after = True
            self.played.ending = "a did-you-mean question without the expected request"
            return ("button", GUESS_NO) if GUESS_NO in guesses else None
        if any(data.startswith(CANCEL_CONFIRMED) for data in buttons):
            if expect.outcome == "cancelled":
                return "button", self._cancel_reason(buttons)
            self._stop_after = True
            return ("button", KEEP_TICKET) if KEEP_TICKET in buttons else None
        for prefix, outcome in ((CANCEL_TICKET, "cancelled"), (EXPEDITE, "expedited")):
            choice = f"{prefix}{number}"
            if expect.outcome == outcome and choice in buttons and choice not in self._pressed:
                return "button", choice
        if PRIVACY_ERASE in buttons:
            if expect.outcome == "personal_data_deleted":
                return "button", PRIVACY_ERASE
            self._stop_after = True
            return "button", PRIVACY_KEEP
        other_time = f"{APPOINTMENT_OTHER}{number}"
        if (expect.outcome == "appointment_change" and other_time in buttons
                and other_time not in self._pressed):
            return "button", other_time
        form = state.form
        if form is None or not form.asking:
            return None
        if form.asking == CONFIRM:
            return self._at_summary(buttons)
        return self._answer(form.asking, form.editing)

    def _cancel_reason(self, buttons: list[str]) -> str:
        """The reason button matching the file's cancel_reason (its code or label), else
        `other`."""
        options = {data.rsplit(":", 1)[-1]: data for data in buttons
                   if data.startswith(CANCEL_CONFIRMED)}
        wanted = [self.fill_in(a) for a in self.conversation.answers.get("cancel_reason", ())]
        for answer in wanted:
            if answer in options:
                return options[answer]
            for label, data in self._buttons():
                if data in options.values() and _same(label, answer):
                    return data
        return options.get("other") or next(iter(options.values()))

    def _at_summary(self, buttons: list[str]) -> tuple[str, str] | None:
        action = self.conversation.at_summary
        edits = [data for data in buttons if data.startswith(EDIT)]
        if edits and isinstance(action, tuple) and not self._edit_pressed:
            self._edit_pressed = True
            wanted = f"{EDIT}{action[1]}"
            if wanted in edits:
                return "button", wanted
            self._problem("summary", f"the change menu does not offer {action[1]}")
            return None
        if SUBMIT not in buttons:
            return None  # the summary is not on screen: nothing asked
        self._summaries += 1
        if self._summaries > 3:
            self._problem("summary", "the summary came back again and again")
            return None
        if action == "cancel":
            self._stop_after = True
            return "button", CANCEL
        if isinstance(action, tuple) and not self._change_pressed:
            self._change_pressed = True
            return "button", CHANGE
        return "button", SUBMIT

    def _answer(self, slot: str, editing: bool) -> tuple[str, str] | None:
        action = self.conversation.at_summary
        if editing and isinstance(action, tuple) and action[1] == slot and not self._changed:
            self._changed = True
            return "text", self.fill_in(action[2])
        answers = self.conversation.answers.get(slot)
        if not answers:
            skip = f"{SKIP}{slot}"
            if skip in [data for _, data in self._buttons()]:
                return "button", skip
            self._problem("no answer", f"asked for {slot}, customer has no answer")
            return None
        used = self._used[slot]
        if used >= len(answers):
            self._repeats[slot] += 1
            if self._repeats[slot] > MAX_REPEATS:
                self._problem("answers ran out",
                              f"asked for {slot} again after all {len(answers)} answer(s) "
                              f"and {MAX_REPEATS} repeats")
                return None
        self._used[slot] += 1
        answer = self.fill_in(answers[min(used, len(answers) - 1)])
        # An answer that is one of the offered choices is pressed, as a customer would.
        for label, data in self._buttons():
            if data.startswith((PICK, SKIP)) and (
                    _same(label, answer) or data == f"{PICK}{slot}:{answer}"):
                return "button", data
        return "text", answer


def _same(label: str, answer: str) -> bool:
    def plain(text: str) -> str:
        return re.sub(r"[\W_]+", "", text).lower()
    return bool(plain(answer)) and plain(label) == plain(answer)


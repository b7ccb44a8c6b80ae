"""The dialogue engine: what the bot says to what a customer does, whatever the channel.

One turn: the channel adapter hands in an `InboundMessage`; the engine loads the chat's
conversation, understands the message (Rasa through the NLU client, or the buttons), moves the
conversation on and returns `Reply`s, which the adapter shows. The engine knows no channel's
types. This module routes; each concern has its own module:
- `formflow`: a form's questions, answers, summary and the ticket it becomes;
- `tickets`: the customer's tickets (status, expedite, cancel, acceptance, praise);
- `inquiry`: answers from the knowledge base; `handoff`: a person; `surveys`: the return
  visit; `appointments`: a booked visit moved; `privacy`: the customer's own data;
- `pushes`: what the chat shows for an event the backend pushed;
- `photo_reading`: a registration's photo, read in the background, filling the form;
- `understanding`: the NLU's reading made safe ("did you mean …?"); `buttons`: the
  buttons' callback data; `services`: what every part is handed.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from backend.kernel.clock import local_naive
from bot.backend_client import BackendClient
from bot.catalogue import has
from bot.catalogue import text as t
from bot.dialogue import (
    appointments,
    formflow,
    handoff,
    inquiry,
    photo_reading,
    privacy,
    pushes,
    quotes,
    records,
    surveys,
    tickets,
    understanding,
)
from bot.dialogue.buttons import CANCEL_TICKET, EXPEDITE, Pressed
from bot.dialogue.buttons import parse as parse_button
from bot.dialogue.extract import (
    asks_about_code,
    asks_about_trouble,
    asks_for_visit,
    asks_to_cancel,
    asks_to_reschedule,
    bare_ticket_number,
    claims_photo,
    is_question,
    puts_off,
    wants_to_stop,
)
from bot.dialogue.forms import FORMS, INTENT_FORMS
from bot.dialogue.product_names import find_product, is_only_product
from bot.dialogue.replies import menu, stale
from bot.dialogue.services import Services
from bot.dialogue.state import CONFIRM, Conversation, ConversationStore, Mode
from bot.dialogue.types import InboundMessage, Reply
from bot.language import DEFAULT_LANGUAGE, detect_language, from_locale
from nlu.client import FALLBACK_INTENT, NluClient, Parse
from nlu.entities import canonical_product

log = logging.getLogger(__name__)

MAX_TEXT = 4096
# Below this confidence the bot asks back instead of guessing (Rasa's own fallback threshold;
# at 0.5 the bot rejected 12 correct answers of the test split).
MIN_CONFIDENCE = understanding.MIN_CONFIDENCE
# Inside a form, another request must be said clearly to win over an answer to the question.
INTERRUPT_CONFIDENCE = 0.8
# What a question about why a fault happens may be read as (the self-checks come first).
_TROUBLE_INTENTS = ("repair_request", "complaint", "inquiry", "expedite", "out_of_scope",
                    "inform", FALLBACK_INTENT)
# What a message about an appliance may be for, when it does not say: the repair first.
_ABOUT_AN_APPLIANCE = ("repair_request", "installation_request", "inquiry", "return_exchange")

def _printable(text: str) -> str:
    """Drop control characters (NUL and the like break storage and say nothing)."""
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")



class DialogueEngine:
    def __init__(self, *, nlu: NluClient, backend: BackendClient, store: ConversationStore,
                 hotline: str = "", clock: Callable[[], datetime] = local_naive,
                 retry_delays: tuple[float, ...] = (5, 10, 20, 40, 60)) -> None:
        self._svc = Services(nlu=nlu, backend=backend, store=store, hotline=hotline,
                             clock=clock, retry_delays=retry_delays)
        # The parts a channel and the bot's workers use.
        self.nlu, self.backend, self.store = nlu, backend, store
        # Channels whose photos are read for a registration (bot/main.py: those that can fetch
        # files, with the photo reader running).
        self.photo_channels: frozenset[str] = frozenset()
        # Channels that can send the customer a file (a service record's PDF): bot/main.py.
        self.file_senders = self._svc.file_senders

    # ---- what the channels and workers call ---------------------------------------------

    async def handle(self, message: InboundMessage, *, outbox: bool = False) -> list[Reply]:
        """Answer one customer message. A failure of the dialogue becomes a polite reply; only
        a failure to save the turn raises (nothing was saved: the message can be handled
        again). With `outbox`, the replies are also saved with the turn, for the channel to
        send from there (ConversationStore.send_outgoing)."""
        outgoing: list[Reply] = []
        async with self._svc.lock(message.channel, message.chat_id):
            async with self.store.turn(message.channel, message.chat_id, message.update_id,
                                       outgoing if outbox else None) as conversation:
                if conversation is None:
                    log.info("update %s on %s already handled", message.update_id,
                             message.channel)
                    return []
                try:
                    outgoing.extend(await self._respond(conversation, message))
                except Exception:
                    log.exception("dialogue failed on %s", message.channel)
                    outgoing.append(Reply(t(conversation.language or DEFAULT_LANGUAGE,
                                            "error.sorry")))
                return outgoing

    async def render_push(self, event: dict) -> list[Reply]:
        """What the customer's chat shows for an event the backend pushed."""
        return await pushes.render(self._svc, event)

    async def retry_submissions(self) -> list[tuple[str, str, list[Reply], str]]:
        """Forms the backend could not take, tried again (formflow.retry_submissions)."""
        return await formflow.retry_submissions(self._svc)

    # ---- one turn --------------------------------------------------------------------------

    async def _respond(self, conv: Conversation, message: InboundMessage) -> list[Reply]:
        text = _printable(message.text or "")[:MAX_TEXT].strip()
        if text and not text.startswith("/"):  # a command says nothing of the language
            # A short answer inside a form (a street name, "ok") keeps the form's language.
            answering = conv.form.asking if conv.form else None
            conv.language = detect_language(text, current=conv.language,
                                            hint=message.locale_hint, answering=answering)
        elif conv.language is None:
            conv.language = from_locale(message.locale_hint) or DEFAULT_LANGUAGE
        replies = await self._route(conv, message, text)
        form = conv.form
        if (text and not message.attachments and claims_photo(text)
                and not (form and form.attachments)):
            # "Photo attached", and none came: say so before anything else.
            return [Reply(t(conv.lang, "attachment.none_received")), *replies]
        return replies

    async def _route(self, conv: Conversation, message: InboundMessage,
                     text: str) -> list[Reply]:
        """By the conversation's mode first (a person, a visit's new time), then by what came:
        a button, a photo, a command, a ticket number, words."""
        svc = self._svc
        if message.reading is not None:  # a photo read in the background (bot/photos.py)
            return photo_reading.apply(svc, conv, message.reading)
        if conv.mode is Mode.WITH_STAFF:
            replies = await handoff.relay(svc, conv, message, text)
            if replies is not None:
                return replies
        if quotes.waiting_for_reason(conv):  # why the customer declines a quote
            replies = await quotes.on_pending(svc, conv, message, text)
            if replies is not None:
                return replies
        if records.waiting_for_words(conv):  # what is still wrong after "not fixed"
            replies = await records.on_pending(svc, conv, message, text)
            if replies is not None:
                return replies
        if conv.mode is Mode.AWAITING_TIME:
            replies = await appointments.on_pending(svc, conv, message, text)
            if replies is not None:
                return replies
        if message.button:
            return await self._on_button(conv, parse_button(message.button), message.button)
        if message.attachments:
            taken = await photo_reading.take(svc, conv, message, self.photo_channels)
            if taken is not None:
                # A registration's photo: its caption ("这是发票") is no answer to the question
                # asked; the details it names in passing are kept.
                photo_reading.caption(svc, conv, text)
                return taken
            replies = formflow.on_attachments(conv, message)
            if not text:
                return replies
            if conv.form is None:
                # A photo whose caption opens a request ("冰箱不制冷了" with the photo of it):
                # the form the words open keeps the photo.
                answer = await self._route(conv, replace(message, attachments=()), text)
                formflow.attach(conv, message)
                return answer
        if not text:
            return [Reply(t(conv.lang, "error.empty"))]
        if text.startswith("/"):
            return await self._on_command(conv, text)
        number = bare_ticket_number(text)
        if number and not (conv.form and conv.form.asking in ("related_ticket", "item")):
            # Only a ticket number, in any spelling: its status (the bot asks for exactly that).
            status = await tickets.status(svc, conv, number)
            if conv.form and conv.form.asking:
                return [*status, Reply(t(conv.lang, "form.resume")),
                        formflow.current_step(conv)]
            return status
        if conv.guess and not conv.form:
            # More words while "did you mean" waits: read them with what came before.
            text = f"{conv.guess.get('text', '')}\n{text}".strip()
            conv.guess = None
        parse = await svc.understand(text)
        if conv.mode is Mode.IN_FORM:
            return await self._on_form_message(conv, text, parse)
        if conv.mode is Mode.SURVEY_COMMENT and (parse is None or parse.intent not in (
                "repair_request", "installation_request", "return_exchange", "complaint",
                "ticket_status", "human_agent")):
            survey_id = str((conv.survey or {}).get("id", ""))
            return await surveys.answer(svc, conv, survey_id, "comment", text)
        if parse is None:
            return [menu(conv.lang, "fallback.nlu_down")]
        return await self._on_intent(conv, parse, text)

    # ---- intents, commands, buttons -------------------------------------------------------

    async def _on_intent(self, conv: Conversation, parse: Parse, text: str) -> list[Reply]:
        """A request outside a form: a question about a code, an unsure parse asked back, or
        what was asked."""
        intent = parse.intent
        if product := parse.entity("product") or canonical_product(text):
            # What the customer talks about: a repair asked for next does not ask again.
            inquiry.remember(conv, parse, product)
        if asks_about_code(parse, text):
            # "E4 是什么意思": the knowledge base first; the repair is offered with the answer.
            return await inquiry.answer(self._svc, conv, parse, text, offer_repair=True)
        if intent in _TROUBLE_INTENTS and asks_about_trouble(text):
            # "为什么洗衣机底下漏水": the self-checks for that trouble if there are any.
            checks = await inquiry.self_checks(self._svc, conv, parse, text)
            if checks:
                return checks
        if is_only_product(text):
            # "aircon": what about it? The likely requests, as buttons.
            return [understanding.offer(conv, _ABOUT_AN_APPLIANCE, text)]
        if intent in ("installation_request", "repair_request") and asks_to_reschedule(text):
            # "洗碗机安装的时间我想换一下": moving the booked visit, or a new one? Asked.
            return [understanding.offer(conv, ("change_appointment", intent), text)]
        if intent in ("installation_request", "repair_request") and asks_to_cancel(text):
            # "cancel my range hood installation pls": cancelling the visit, surely; asked.
            return [understanding.offer(conv, ("cancel_request", intent), text)]
        if puts_off(text) and (intent in (FALLBACK_INTENT, "out_of_scope")
                               or understanding.needs_asking(parse)):
            # "等下，我问问我老婆" while a choice waits: nothing is done, nothing asked.
            return [Reply(t(conv.lang, "smalltalk.wait"))]
        if understanding.needs_asking(parse):
            return [understanding.ask(conv, parse, text)]
        if intent in (FALLBACK_INTENT, "out_of_scope", "inform") or (
                parse.confidence < MIN_CONFIDENCE):
            # Details with no request ("17 Stanley Village Road, 5300 4000") are unclear too.
            if find_product(text) or parse.entity("product"):
                # "灶台左边那个眼点不着火了": about an appliance, unclear what for. Asked, the
                # repair first; its brand, model and purchase date alone may be a registration.
                return [understanding.offer(
                    conv, ("repair_request", "inquiry", "installation_request",
                           "return_exchange", "register_product"), text)]
            return [menu(conv.lang, "fallback.unsure")]
        return await self._act_on_intent(conv, parse, text)

    async def _act_on_intent(self, conv: Conversation, parse: Parse,
                             text: str) -> list[Reply]:
        """Do what the customer asked (the request is clear by now)."""
        svc, intent, lang = self._svc, parse.intent, conv.lang
        number = tickets.named_number(parse, text)
        if intent in INTENT_FORMS:
            return await formflow.start(svc, conv, FORMS[INTENT_FORMS[intent]], parse, text)
        if intent in ("expedite", "ticket_status") and number is None and (
                asks_for_visit(text) and not await tickets.has_open_ticket(svc, conv)):
            # "能不能尽快派个师傅来看看", "那幫我安排維修好了" with nothing open: a new repair.
            return await formflow.start(svc, conv, FORMS["repair"], parse, text)
        if intent == "ticket_status":
            return await tickets.status(svc, conv, number)
        if intent == "cancel_request":
            if conv.form:
                return formflow.cancel(conv)
            return await tickets.choose(svc, conv, number, CANCEL_TICKET)
        if intent == "expedite":
            return await tickets.choose(svc, conv, number, EXPEDITE)
        if intent == "inquiry":
            return await inquiry.answer(svc, conv, parse, text)
        if intent == "praise":
            return await tickets.praise(svc, conv, number, text)
        if intent == "human_agent":
            return await handoff.request_person(svc, conv, "human_agent", text)
        if intent == "greet":
            return [menu(lang, "greet")]
        if intent in privacy.INTENTS:
            return await privacy.on_intent(self._svc, conv, intent)
        if intent == "change_appointment":
            return await appointments.on_intent(svc, conv, parse, text)
        if has(lang, f"smalltalk.{intent}"):
            return [Reply(t(lang, f"smalltalk.{intent}"))]
        return [menu(lang, "fallback.out_of_scope")]

    async def _on_command(self, conv: Conversation, command: str) -> list[Reply]:
        name = command.split()[0].split("@")[0].lower()
        if name == "/cancel":
            return formflow.cancel(conv)
        if name == "/status":
            return await tickets.status(self._svc, conv, None)
        if name in privacy.COMMANDS:
            return await privacy.on_intent(self._svc, conv, privacy.COMMANDS[name])
        conv.form = None  # /start (start over), /help and anything else
        return [menu(conv.lang, "greet")]

    async def _on_button(self, conv: Conversation, pressed: Pressed, data: str) -> list[Reply]:
        """A button of the bot's (`buttons.py`: its callback data); one whose question has
        passed says so."""
        svc, form, lang = self._svc, conv.form, conv.lang
        confirming = form is not None and form.asking == CONFIRM
        match pressed.kind, pressed.args:
            case "menu", (choice,) if choice in FORMS:
                return await formflow.start(svc, conv, FORMS[choice], None, "")
            case "menu", ("status",):
                return await tickets.status(svc, conv, None)
            case "menu", ("human",):
                return await handoff.request_person(svc, conv, "human_agent", None)
            case "ticket", (number,):
                return await tickets.status(svc, conv, number)
            case "expedite", (number,):
                return await tickets.expedite(svc, conv, number)
            case "cancel", ("keep",):
                return [Reply(t(lang, "cancel.kept"))]
            case "cancel", (number,):
                return [tickets.confirm_cancel(conv, number)]
            case "cancelok", (number, reason):
                return await tickets.cancel(svc, conv, number, reason)
            case "faq", ("helped",):
                return [Reply(t(lang, "inquiry.glad"))]
            case "guess", _:
                return await self._on_guess(conv, data)
            case "privacy", _:
                return await privacy.on_button(self._svc, conv, data)
            case "person", (reason,) if reason != "leave":
                return await handoff.request_person(svc, conv, reason, None)
            case "survey", (survey_id, question, value):
                return await surveys.answer(svc, conv, survey_id, question, value)
            case ("accept" | "reject") as kind, (number,):
                return await tickets.acceptance(svc, conv, number, kind == "accept")
            case "quote", _:
                return await quotes.on_button(svc, conv, pressed)
            case "rec", _:
                return await records.on_button(svc, conv, pressed)
            case "appt", _:
                return await appointments.on_button(svc, conv, pressed)
            case "form", ("cancel",) if form:
                return formflow.cancel(conv)
            case "form", ("submit",) if confirming:
                return await formflow.submit(svc, conv)
            case "form", ("change",) if confirming:
                return [formflow.change_menu(conv)]
            case "own", (product_id,) if form and form.asking == "product":
                return formflow.pick_owned(conv, product_id)
            case ("pick" | "skip") as kind, (slot, *value) if form and not confirming:
                if slot == form.asking:
                    return formflow.fill(svc, conv, value[0] if kind == "pick" else "", None)
            case "edit", (slot,) if form:
                return formflow.edit(conv, slot)
        return [stale(lang)]

    async def _on_guess(self, conv: Conversation, data: str) -> list[Reply]:
        """The customer's answer to "did you mean …?": act on the words they said, now that the
        request is clear."""
        picked = understanding.chosen(conv, data)
        if picked is None:
            return [menu(conv.lang, "guess.what_then")]
        intent, text = picked
        parse = await self._svc.understand(text) if text else None
        entities = parse.entities if parse else {}
        return await self._act_on_intent(conv, Parse(intent, 1.0, entities), text)

    async def _on_form_message(self, conv: Conversation, text: str,
                               parse: Parse | None) -> list[Reply]:
        """Text while a form is open: an answer, or another request said clearly."""
        svc, lang, form = self._svc, conv.lang, conv.form
        assert form is not None
        if wants_to_stop(text):
            return formflow.cancel(conv)  # "算了", "never mind, forget it"
        if parse and parse.confidence >= INTERRUPT_CONFIDENCE:
            if parse.intent == "cancel_request" or parse.intent == "human_agent" and (
                    form.asking != "wanted"):  # "a call back from a supervisor" is the remedy
                return await self._on_intent(conv, parse, text)
            if (parse.intent == "ticket_status" or parse.intent == "inquiry" and is_question(text)
                    ) and form.asking != "related_ticket":
                # Answer the question, then pick the form up where it was.
                if parse.intent == "inquiry":
                    answer = await inquiry.answer(svc, conv, parse, text, in_form=True)
                else:
                    answer = await tickets.status(svc, conv, tickets.named_number(parse, text))
                return [*answer, Reply(t(lang, "form.resume")), formflow.current_step(conv)]
        if form.asking == CONFIRM:
            if parse and parse.intent == "affirm":
                return [Reply(t(lang, "form.press_submit")), formflow.summary(conv)]
            return [formflow.summary(conv)]
        return formflow.fill(svc, conv, text, parse)


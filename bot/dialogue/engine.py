"""The dialogue engine: what the bot says to what a customer does, whatever the channel.

One turn: the channel adapter hands in an `InboundMessage`; the engine loads the chat's
conversation, understands the message (Rasa through the NLU client, or the buttons), moves the
conversation on (answer, fill a form, create or look up a ticket) and returns `Reply`s, which
the adapter shows. The engine knows no channel's types.
"""

from __future__ import annotations

import asyncio
import logging
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from backend.clock import local_naive, utcnow
from bot.backend_client import BackendClient, BackendUnavailable, NotAllowed, TicketRefused
from bot.catalogue import has, text as t
from bot.dialogue import appointments, privacy, understanding
from bot.dialogue.extract import (
    asks_about_code,
    asks_about_trouble,
    asks_for_visit,
    asks_to_cancel,
    asks_to_reschedule,
    bare_ticket_number,
    claims_photo,
    corrected,
    denies,
    find_order_number,
    find_product,
    is_only_product,
    is_question,
    topic_of,
    only_points_to_photo,
    puts_off,
    wants_to_stop,
)
from bot.dialogue.forms import (
    FORMS,
    INTENT_FORMS,
    PRODUCTS,
    FormSpec,
    describes_in_detail,
)
from bot.dialogue.state import CONFIRM, Conversation, ConversationStore, Form, Submission
from bot.dialogue.types import Button, InboundMessage, Reply
from bot.dialogue.when import Appointment
from bot.language import DEFAULT_LANGUAGE, detect_language, from_locale
from nlu.client import FALLBACK_INTENT, NluClient, NluUnavailable, Parse
from nlu.entities import canonical_product, canonical_ticket_number

log = logging.getLogger(__name__)

# Callback data of the buttons. Routing is on these values, never on translated labels.
MENU = "menu:"          # menu:<form> | menu:status | menu:human — the main menu
PICK = "pick:"          # pick:<slot>:<value> — a choice offered for the slot being asked
SKIP = "skip:"          # skip:<slot> — leave an optional slot empty
SUBMIT = "form:submit"
CHANGE = "form:change"
CANCEL = "form:cancel"
EDIT = "edit:"          # edit:<slot> — change one detail from the summary
TICKET = "ticket:"      # ticket:<number> — show one ticket
EXPEDITE = "expedite:"  # expedite:<number>
CANCEL_TICKET = "cancel:"  # cancel:<number> — asks to confirm, with a reason
CANCEL_CONFIRMED = "cancelok:"  # cancelok:<number>:<reason>
KEEP_TICKET = "cancel:keep"
HELPED = "faq:helped"
ACCEPT = "accept:"      # accept:<number> — the customer confirms the job is done
REJECT = "reject:"      # reject:<number> — not fixed: back to the technician
SURVEY = "survey:"      # survey:<id>:<question>:<value> | survey:<id>:optout
PERSON = "person:"      # person:<reason> — queue for staff (human_agent | failures | complaint)
LEAVE_STAFF = "person:leave"

# Reasons a customer can give for cancelling a ticket (labels `cancel.reason.<code>`).
CANCEL_REASONS = ("solved", "no_longer_needed", "wrong_time", "other")
# Tickets in these statuses are past acting on.
FINAL_STATUSES = {"resolved", "closed", "cancelled"}

MAX_TEXT = 4096
# What Rasa reads of a message: its time grows with the length (4,096 characters took it
# 150-650 ms against 20 ms), and a request is said in the first lines.
NLU_TEXT = 500
# Below this confidence the bot asks back instead of guessing (Rasa's own fallback threshold;
# at 0.5 the bot rejected 12 correct answers of the test split).
MIN_CONFIDENCE = understanding.MIN_CONFIDENCE
# Inside a form, another request must be said clearly to win over an answer to the question.
INTERRUPT_CONFIDENCE = 0.8
MAX_FAILURES = 3
# What a question about why a fault happens may be read as (the self-checks come first).
_TROUBLE_INTENTS = ("repair_request", "complaint", "inquiry", "expedite", "out_of_scope",
                    "inform", FALLBACK_INTENT)
# What a message about an appliance may be for, when it does not say: the repair first.
_ABOUT_AN_APPLIANCE = ("repair_request", "installation_request", "inquiry", "return_exchange")
# Fields of a form that the ticket carries as such; the rest go into the ticket's details.
TICKET_FIELDS = ("product", "description", "error_code", "phone", "address")


def _number(parse: Parse, text: str) -> str | None:
    """The ticket number the customer named, if any."""
    return parse.entity("ticket_number") or canonical_ticket_number(text)


def _printable(text: str) -> str:
    """Drop control characters (NUL and the like break storage and say nothing)."""
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")


class DialogueEngine:
    def __init__(self, *, nlu: NluClient, backend: BackendClient, store: ConversationStore,
                 hotline: str = "", clock: Callable[[], datetime] = local_naive,
                 retry_delays: tuple[float, ...] = (5, 10, 20, 40, 60)) -> None:
        self.nlu = nlu
        self.backend = backend
        self.privacy = privacy.PrivacyDialogue(backend)
        self.store = store
        self.hotline = hotline
        self.clock = clock
        # Seconds between attempts at a form the backend could not take (the last repeats).
        self.retry_delays = retry_delays
        self._locks: defaultdict[tuple[str, str], asyncio.Lock] = defaultdict(asyncio.Lock)

    @staticmethod
    def clock_utc() -> datetime:
        return utcnow()

    # ---- one turn --------------------------------------------------------------------------

    async def handle(self, message: InboundMessage, *, outbox: bool = False) -> list[Reply]:
        """Answer one customer message. A failure of the dialogue becomes a polite reply; only
        a failure to save the turn raises (nothing was saved: the message can be handled
        again). With `outbox`, the replies are also saved with the turn, for the channel to
        send from there (ConversationStore.send_outgoing)."""
        outgoing: list[Reply] = []
        async with self._locks[(message.channel, message.chat_id)]:
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
            return [Reply(t(conv.language, "attachment.none_received")), *replies]
        return replies

    async def _route(self, conv: Conversation, message: InboundMessage,
                     text: str) -> list[Reply]:
        if conv.with_staff:
            replies = await self._with_staff(conv, message, text)
            if replies is not None:
                return replies
        if appointments.waiting_for_time(conv):
            replies = await appointments.on_pending(self, conv, message, text)
            if replies is not None:
                return replies
        if message.button:
            return await self._on_button(conv, message.button)
        if message.attachments:
            replies = self._on_attachments(conv, message)
            if not text:
                return replies
        if not text:
            return [Reply(t(conv.language, "error.empty"))]
        if text.startswith("/"):
            return await self._on_command(conv, text)
        number = bare_ticket_number(text)
        if number and not (conv.form and conv.form.asking in ("related_ticket", "item")):
            # Only a ticket number, in any spelling: its status (the bot asks for exactly that).
            status = await self._ticket_status(conv, number)
            if conv.form and conv.form.asking:
                return [*status, Reply(t(conv.language, "form.resume")), self._current_step(conv)]
            return status
        if conv.guess and not conv.form:
            # More words while "did you mean" waits: read them with what came before.
            text = f"{conv.guess.get('text', '')}\n{text}".strip()
            conv.guess = None
        parse = await self._understand(text)
        if conv.form and conv.form.asking:
            return await self._on_form_message(conv, text, parse)
        if conv.survey and conv.survey.get("asking") == "comment" and (
                parse is None or parse.intent not in (
                "repair_request", "installation_request", "return_exchange", "complaint",
                "ticket_status", "human_agent")):
            return await self._survey_answer(conv, str(conv.survey["id"]), "comment", text)
        if parse is None:
            return [self._menu(conv, "fallback.nlu_down")]
        return await self._on_intent(conv, parse, text)

    async def _understand(self, text: str) -> Parse | None:
        try:
            return await understanding.understand(self.nlu, text, NLU_TEXT)
        except NluUnavailable:
            return None

    # ---- intents, commands, buttons -------------------------------------------------------

    async def _on_intent(self, conv: Conversation, parse: Parse, text: str) -> list[Reply]:
        """A request outside a form: a question about a code, an unsure parse asked back, or
        what was asked."""
        intent = parse.intent
        if product := parse.entity("product") or canonical_product(text):
            # What the customer talks about: a repair asked for next does not ask again.
            self._remember(conv, parse, product)
        if asks_about_code(parse, text):
            # "E4 是什么意思": the knowledge base first; the repair is offered with the answer.
            return await self._inquiry(conv, parse, text, offer_repair=True)
        if intent in _TROUBLE_INTENTS and asks_about_trouble(text):
            # "为什么洗衣机底下漏水": the self-checks for that trouble if there are any.
            checks = await self._self_checks(conv, parse, text)
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
            return [Reply(t(conv.language, "smalltalk.wait"))]
        if understanding.needs_asking(parse):
            return [understanding.ask(conv, parse, text)]
        if intent in (FALLBACK_INTENT, "out_of_scope", "inform") or (
                parse.confidence < MIN_CONFIDENCE):
            # Details with no request ("17 Stanley Village Road, 5300 4000") are unclear too.
            if find_product(text) or parse.entity("product"):
                # "灶台左边那个眼点不着火了": about an appliance, unclear what for. Asked, the
                # repair first.
                return [understanding.offer(
                    conv, ("repair_request", "inquiry", "installation_request",
                           "return_exchange"), text)]
            return [self._menu(conv, "fallback.unsure")]
        return await self._act_on_intent(conv, parse, text)

    async def _act_on_intent(self, conv: Conversation, parse: Parse,
                             text: str) -> list[Reply]:
        """Do what the customer asked (the request is clear by now)."""
        intent, lang = parse.intent, conv.language
        if intent in INTENT_FORMS:
            return self._start_form(conv, FORMS[INTENT_FORMS[intent]], parse, text)
        if intent in ("expedite", "ticket_status") and _number(parse, text) is None and (
                asks_for_visit(text) and not await self._has_open_ticket(conv)):
            # "能不能尽快派个师傅来看看", "那幫我安排維修好了" with nothing open: a new repair.
            return self._start_form(conv, FORMS["repair"], parse, text)
        if intent == "ticket_status":
            return await self._ticket_status(conv, _number(parse, text))
        if intent == "cancel_request":
            if conv.form:
                return self._cancel_form(conv)
            return await self._choose_ticket(conv, _number(parse, text), CANCEL_TICKET)
        if intent == "expedite":
            return await self._choose_ticket(conv, _number(parse, text), EXPEDITE)
        if intent == "inquiry":
            return await self._inquiry(conv, parse, text)
        if intent == "praise":
            return await self._praise(conv, _number(parse, text), text)
        if intent == "human_agent":
            return await self._request_person(conv, "human_agent", text)
        if intent == "greet":
            return [self._menu(conv, "greet")]
        if intent in privacy.INTENTS:
            return await self.privacy.on_intent(conv, intent)
        if intent == "change_appointment":
            return await appointments.on_intent(self, conv, parse, text)
        if has(lang, f"smalltalk.{intent}"):
            return [Reply(t(lang, f"smalltalk.{intent}"))]
        return [self._menu(conv, "fallback.out_of_scope")]

    async def _on_command(self, conv: Conversation, command: str) -> list[Reply]:
        name = command.split()[0].split("@")[0].lower()
        if name == "/cancel":
            return self._cancel_form(conv)
        if name == "/status":
            return await self._ticket_status(conv, None)
        if name in privacy.COMMANDS:
            return await self.privacy.on_intent(conv, privacy.COMMANDS[name])
        conv.form = None  # /start (start over), /help and anything else
        return [self._menu(conv, "greet")]

    async def _on_button(self, conv: Conversation, data: str) -> list[Reply]:
        form = conv.form
        if data.startswith(MENU):
            choice = data.removeprefix(MENU)
            if choice in FORMS:
                return self._start_form(conv, FORMS[choice], None, "")
            if choice == "status":
                return await self._ticket_status(conv, None)
            if choice == "human":
                return await self._request_person(conv, "human_agent", None)
        elif data.startswith(TICKET):
            return await self._ticket_status(conv, data.removeprefix(TICKET))
        elif data.startswith(EXPEDITE):
            return await self._expedite(conv, data.removeprefix(EXPEDITE))
        elif data == KEEP_TICKET:
            return [Reply(t(conv.language, "cancel.kept"))]
        elif data.startswith(CANCEL_TICKET):
            return [self._confirm_cancel(conv, data.removeprefix(CANCEL_TICKET))]
        elif data.startswith(CANCEL_CONFIRMED):
            number, _, reason = data.removeprefix(CANCEL_CONFIRMED).partition(":")
            return await self._cancel_ticket(conv, number, reason)
        elif data == HELPED:
            return [Reply(t(conv.language, "inquiry.glad"))]
        elif data.startswith(understanding.GUESS):
            return await self._on_guess(conv, data)
        elif data.startswith(privacy.PREFIX):
            return await self.privacy.on_button(conv, data)
        elif data.startswith(PERSON) and data != LEAVE_STAFF:
            return await self._request_person(conv, data.removeprefix(PERSON), None)
        elif data.startswith(SURVEY):
            survey_id, _, rest = data.removeprefix(SURVEY).partition(":")
            question, _, value = rest.partition(":")
            return await self._survey_answer(conv, survey_id, question, value)
        elif data.startswith((ACCEPT, REJECT)):
            accepted = data.startswith(ACCEPT)
            number = data.removeprefix(ACCEPT if accepted else REJECT)
            return await self._acceptance(conv, number, accepted)
        elif data.startswith(appointments.BUTTON):
            return await appointments.on_button(self, conv, data)
        elif form and data == CANCEL:
            return self._cancel_form(conv)
        elif form and data.startswith((PICK, SKIP)) and form.asking != CONFIRM:
            slot, _, value = data.removeprefix(PICK).removeprefix(SKIP).partition(":")
            if slot == form.asking:
                return self._fill(conv, value if data.startswith(PICK) else "", None)
        elif form and form.asking == CONFIRM and data == SUBMIT:
            return await self._submit(conv)
        elif form and form.asking == CONFIRM and data == CHANGE:
            return [self._change_menu(conv)]
        elif form and data.startswith(EDIT):
            return self._edit(conv, data.removeprefix(EDIT))
        return [Reply(t(conv.language, "button.stale"))]

    async def _on_guess(self, conv: Conversation, data: str) -> list[Reply]:
        """The customer's answer to "did you mean …?": act on the words they said, now that the
        request is clear."""
        picked = understanding.chosen(conv, data)
        if picked is None:
            return [self._menu(conv, "guess.what_then")]
        intent, text = picked
        parse = await self._understand(text) if text else None
        entities = parse.entities if parse else {}
        return await self._act_on_intent(conv, Parse(intent, 1.0, entities), text)

    def _menu(self, conv: Conversation, key: str) -> Reply:
        lang = conv.language
        return Reply(t(lang, key), buttons=[
            [Button(t(lang, "menu.repair"), f"{MENU}repair"),
             Button(t(lang, "menu.installation"), f"{MENU}installation")],
            [Button(t(lang, "menu.status"), f"{MENU}status"),
             Button(t(lang, "menu.complaint"), f"{MENU}complaint")],
            [Button(t(lang, "menu.return_exchange"), f"{MENU}return_exchange"),
             Button(t(lang, "menu.human"), f"{MENU}human")],
        ])

    def _on_attachments(self, conv: Conversation, message: InboundMessage) -> list[Reply]:
        form = conv.form
        photos = [a for a in message.attachments if a.kind in ("photo", "document")]
        if form and photos and FORMS[form.name].accepts_photos:
            form.attachments += [{"kind": a.kind, "file_id": a.file_id,
                                  "channel": conv.channel} for a in photos]
            added = Reply(t(conv.language, "attachment.added", count=len(form.attachments)))
            return [added, self._current_step(conv)] if form.asking else [added]
        return [Reply(t(conv.language, "attachment.unsupported"))]

    # ---- forms -----------------------------------------------------------------------------

    def _spec(self, conv: Conversation) -> FormSpec:
        assert conv.form is not None
        return FORMS[conv.form.name]

    def _start_form(self, conv: Conversation, spec: FormSpec, parse: Parse | None,
                    text: str) -> list[Reply]:
        form = Form(name=spec.name)
        conv.form = form
        if parse:
            # What the customer already said is not asked again.
            for slot in spec.slots:
                value = parse.entity(slot.entity) if slot.entity else None
                if slot.name in ("product", "item") and value not in PRODUCTS:
                    # A name we list, found in the words, beats the model's fragment of one
                    # ("tumble" of "tumble dryer"); an appliance we do not list stays as said.
                    value = find_product(text) or value
                if value:
                    accepted = slot.accept(value, parse, self.clock())
                    if accepted:
                        form.slots[slot.name] = accepted
            if spec.narrative and describes_in_detail(text):
                form.slots[spec.narrative] = " ".join(text.split())[:1000]
            self._take_details(form, spec, text, parse)
        # The appliance and code the last answer was about, unless this request names others.
        names = {slot.name for slot in spec.slots}
        for name, value in (conv.context or {}).items():
            if value and name in names and name not in form.slots:
                form.slots[name] = value
        conv.context = None
        return [Reply(t(conv.language, f"form.{spec.name}.intro")), self._next_step(conv)]

    def _take_details(self, form: Form, spec: FormSpec, text: str, parse: Parse | None,
                      besides: str | None = None) -> bool:
        """Details said in passing (the address, the phone, the visit time in a message about
        the fault, or the phone with the address) fill their slots, so they are not asked."""
        now, taken = self.clock(), False
        if "item" in {s.name for s in spec.slots} and "product" in spec.extras:
            # A return that names its order: the order number is the item, the product is
            # kept beside it.
            order, item = find_order_number(text), form.slots.get("item", "")
            if order and besides != "item" and not item[-6:].isdigit():
                if item in PRODUCTS:
                    form.slots["product"] = item
                form.slots["item"], taken = order, True
            product = canonical_product(text)
            if form.slots.get("item", "")[-6:].isdigit() and product:
                form.slots.setdefault("product", product)
        elif "product" in spec.extras and "product" not in form.slots:
            # A complaint about "the air-conditioner technician": the ticket names the product
            # (as written: a near spelling is no evidence here, 电机板 is not 电视机).
            if product := canonical_product(text):
                form.slots["product"], taken = product, True
        for slot in spec.slots:
            if slot.find is None or slot.name in form.slots or slot.name == besides:
                continue
            value = slot.find(text)
            accepted = slot.accept(value, None, now) if value else None
            if accepted:
                form.slots[slot.name], taken = accepted, True
        return taken

    def _next_step(self, conv: Conversation) -> Reply:
        form, spec = conv.form, self._spec(conv)
        assert form is not None
        form.editing = False
        for slot in spec.slots:
            if slot.name not in form.slots:
                form.asking = slot.name
                return self._ask(conv, slot.name)
        form.asking = CONFIRM
        return self._summary(conv)

    def _ask(self, conv: Conversation, slot_name: str) -> Reply:
        spec, lang = self._spec(conv), conv.language
        slot = spec.slot(slot_name)
        buttons = [Button(self._label(lang, slot_name, value), f"{PICK}{slot_name}:{value}")
                   for value in slot.choices]
        if slot.optional:
            buttons.append(Button(t(lang, "form.skip"), f"{SKIP}{slot_name}"))
        rows = [buttons[i:i + 3] for i in range(0, len(buttons), 3)]
        rows.append([Button(t(lang, "form.cancel"), CANCEL)])
        return Reply(t(lang, f"form.{spec.name}.ask.{slot_name}"), buttons=rows)

    @staticmethod
    def _label(lang: str, slot_name: str, value: str) -> str:
        if not value:
            return t(lang, "form.none")
        if slot_name == "when":
            appointment = Appointment.from_str(value)
            window = t(lang, f"window.{appointment.window}") if appointment.window else ""
            return f"{appointment.date.isoformat()} {window}".strip()
        for key in (f"choice.{slot_name}.{value}", f"product.{value}"):
            if has(lang, key):
                return t(lang, key)
        return value

    async def _on_form_message(self, conv: Conversation, text: str,
                               parse: Parse | None) -> list[Reply]:
        """Text while a form is open: an answer, or another request said clearly."""
        lang, form = conv.language, conv.form
        assert form is not None
        if wants_to_stop(text):
            return self._cancel_form(conv)  # "算了", "never mind, forget it"
        if parse and parse.confidence >= INTERRUPT_CONFIDENCE:
            if parse.intent == "cancel_request" or parse.intent == "human_agent" and (
                    form.asking != "wanted"):  # "a call back from a supervisor" is the remedy
                return await self._on_intent(conv, parse, text)
            if (parse.intent == "ticket_status" or parse.intent == "inquiry" and is_question(text)
                    ) and form.asking != "related_ticket":
                # Answer the question, then pick the form up where it was.
                if parse.intent == "inquiry":
                    answer = await self._inquiry(conv, parse, text, in_form=True)
                else:
                    answer = await self._ticket_status(conv, _number(parse, text))
                return [*answer, Reply(t(lang, "form.resume")), self._current_step(conv)]
        if form.asking == CONFIRM:
            if parse and parse.intent == "affirm":
                return [Reply(t(lang, "form.press_submit")), self._summary(conv)]
            return [self._summary(conv)]
        return self._fill(conv, text, parse)

    def _current_step(self, conv: Conversation) -> Reply:
        form = conv.form
        assert form is not None
        return self._summary(conv) if form.asking == CONFIRM else self._ask(conv, form.asking)

    def _fill(self, conv: Conversation, text: str, parse: Parse | None) -> list[Reply]:
        """Take an answer for the slot being asked, or explain what is wrong with it."""
        form, spec, lang = conv.form, self._spec(conv), conv.language
        assert form is not None and form.asking is not None
        slot = spec.slot(form.asking)
        now = self.clock()
        if not form.attachments and only_points_to_photo(text):
            return [self._ask(conv, slot.name)]  # no photo came: said before the question
        # "13601128834，不对，是13601128843": the corrected value, else the whole answer.
        fixed = corrected(text)
        value = (slot.accept(fixed, None, now)  # an address splices its own corrections
                 if fixed and slot.name not in ("description", "address") else None)
        if value is None:
            value = "" if (text == "" and slot.optional) else slot.accept(text, parse, now)
        if value is None and slot.optional and denies(text):
            value = ""  # "没有", "no code", "睇唔到有咩號碼": none to give
        if value is None and form.attachments and claims_photo(text):
            value = text  # "see the photo": it came with the form
        if value is None and self._take_details(form, spec, text, parse, besides=slot.name):
            # Not this detail but others (the address and phone when asked for the code):
            # kept; an optional detail counts as not given, a needed one is asked again.
            if not slot.optional:
                return [self._next_step(conv)]
            value = ""
        if value is None:
            form.failures += 1
            reason = (slot.explain(text, now) if slot.explain else None) or f"invalid.{slot.name}"
            reply = Reply(t(lang, reason))
            if form.failures >= MAX_FAILURES:
                return [reply, Reply(t(lang, "form.too_many_failures", hotline=self.hotline),
                                     buttons=[[Button(t(lang, "menu.human"), f"{PERSON}failures"),
                                               Button(t(lang, "form.cancel"), CANCEL)]])]
            return [reply, self._ask(conv, slot.name)]
        form.slots[slot.name] = value
        form.failures = 0
        if text and not form.editing:
            self._take_details(form, spec, text, parse, besides=slot.name)
        if form.editing:
            form.editing = False
            form.asking = CONFIRM
            return [self._summary(conv)]
        return [self._next_step(conv)]

    def _summary(self, conv: Conversation) -> Reply:
        form, spec, lang = conv.form, self._spec(conv), conv.language
        assert form is not None
        lines = [t(lang, f"form.{spec.name}.summary")]
        for slot in spec.slots:
            value = self._label(lang, slot.name, form.slots.get(slot.name, ""))
            lines.append(f"{t(lang, f'field.{slot.name}')}: {value}")
        if form.attachments:
            lines.append(t(lang, "attachment.count", count=len(form.attachments)))
        return Reply("\n".join(lines), buttons=[[
            Button(t(lang, "form.submit"), SUBMIT),
            Button(t(lang, "form.change"), CHANGE),
            Button(t(lang, "form.cancel"), CANCEL),
        ]])

    def _change_menu(self, conv: Conversation) -> Reply:
        spec, lang = self._spec(conv), conv.language
        buttons = [Button(t(lang, f"field.{slot.name}"), f"{EDIT}{slot.name}")
                   for slot in spec.slots]
        return Reply(t(lang, "form.which_field"),
                     buttons=[buttons[i:i + 2] for i in range(0, len(buttons), 2)])

    def _edit(self, conv: Conversation, slot_name: str) -> list[Reply]:
        form, spec = conv.form, self._spec(conv)
        assert form is not None
        if slot_name not in {s.name for s in spec.slots}:
            return [Reply(t(conv.language, "button.stale"))]
        form.asking, form.editing = slot_name, True
        return [self._ask(conv, slot_name)]

    def _cancel_form(self, conv: Conversation) -> list[Reply]:
        if conv.form is None:
            return [self._menu(conv, "form.nothing_to_cancel")]
        conv.form = None
        return [self._menu(conv, "form.cancelled")]

    def _ticket_request(self, conv: Conversation) -> dict:
        """The backend's create request for the completed form."""
        form, spec = conv.form, self._spec(conv)
        assert form is not None
        slots = {name: value for name, value in form.slots.items() if value}
        if "reason" in slots:
            slots["description"] = slots.pop("reason")
        item = slots.pop("item", None)
        if item:
            slots["product" if item in PRODUCTS or not item[-6:].isdigit()
                  else "order_number"] = item
        request = {name: slots.pop(name) for name in TICKET_FIELDS if name in slots}
        request.update(
            customer={"channel": conv.channel, "chat_id": conv.chat_id,
                      "language": conv.language},
            type=spec.ticket_type,
            preferred_time=slots.pop("when", None),
            details=slots,
            attachments=form.attachments,
        )
        if spec.priority:
            request["priority"] = spec.priority
        return request

    async def _submit(self, conv: Conversation) -> list[Reply]:
        form, spec, lang = conv.form, self._spec(conv), conv.language
        assert form is not None
        submission = Submission(
            # The same form always carries the same key: a retry never makes a second ticket.
            idempotency_key=f"{conv.channel}:{conv.chat_id}:{form.id}", channel=conv.channel,
            chat_id=conv.chat_id, form=spec.name, language=lang,
            ticket=self._ticket_request(conv), attempts=0)
        try:
            created = await self.backend.create_ticket(
                idempotency_key=submission.idempotency_key, ticket=submission.ticket)
        except TicketRefused:
            log.warning("the backend refused a %s form", spec.name)
            return [Reply(t(lang, "form.submit_refused", hotline=self.hotline),
                          buttons=[[Button(t(lang, "form.submit"), SUBMIT),
                                    Button(t(lang, "form.cancel"), CANCEL)]])]
        except BackendUnavailable:
            # Kept and retried in the background with the same key; the number follows.
            await self.store.hold_submission(
                submission, self.clock_utc() + timedelta(seconds=self.retry_delays[0]))
            conv.form = None
            return [Reply(t(lang, "form.submit_pending"))]
        conv.form = None
        return [self._created(spec, lang, created["number"])]

    def _created(self, spec: FormSpec, lang: str, number: str) -> Reply:
        done = Reply(t(lang, f"form.{spec.name}.created", number=number))
        if spec.ticket_type == "complaint":
            done = Reply(done.text, buttons=[[Button(t(lang, "handoff.discuss"),
                                                     f"{PERSON}complaint")]])
        return done

    async def retry_submissions(self) -> list[tuple[str, str, list[Reply], str]]:
        """Try again the forms the backend could not take. For each that is a ticket now (or
        was refused for good): (channel, chat_id, replies to show, idempotency key); the
        caller shows the replies, then drops the submission (`store.drop_submission`)."""
        done = []
        for submission in await self.store.due_submissions(self.clock_utc()):
            spec, lang = FORMS[submission.form], submission.language
            try:
                created = await self.backend.create_ticket(
                    idempotency_key=submission.idempotency_key, ticket=submission.ticket)
            except TicketRefused:
                log.warning("the backend refused a held %s form", submission.form)
                reply = Reply(t(lang, "form.submit_refused", hotline=self.hotline))
            except BackendUnavailable:
                delay = self.retry_delays[min(submission.attempts + 1,
                                              len(self.retry_delays) - 1)]
                await self.store.hold_submission(
                    replace(submission, attempts=submission.attempts + 1),
                    self.clock_utc() + timedelta(seconds=delay))
                continue
            else:
                reply = self._created(spec, lang, created["number"])
            done.append((submission.channel, submission.chat_id, [reply],
                         submission.idempotency_key))
        return done

    # ---- tickets ---------------------------------------------------------------------------

    async def _ticket_status(self, conv: Conversation, number: str | None) -> list[Reply]:
        lang = conv.language
        try:
            if number:
                ticket = await self.backend.get_ticket(conv.channel, conv.chat_id, number)
                if ticket is None:
                    return [Reply(t(lang, "status.not_found", number=number))]
                return [Reply(self._describe(lang, ticket))]
            tickets = await self.backend.list_tickets(conv.channel, conv.chat_id)
        except BackendUnavailable:
            return [Reply(t(lang, "error.backend_down"))]
        if not tickets:
            return [self._menu(conv, "status.none")]
        shown = tickets[:5]
        lines = [t(lang, "status.list")] + [
            t(lang, "status.line", number=tk["number"], type=t(lang, f"type.{tk['type']}"),
              status=t(lang, f"status_name.{tk['status']}")) for tk in shown
        ]
        return [Reply("\n".join(lines), buttons=[
            [Button(tk["number"], f"{TICKET}{tk['number']}")] for tk in shown
        ])]

    @staticmethod
    def _describe(lang: str, ticket: dict) -> str:
        product = ticket.get("product") or ""
        if has(lang, f"product.{product}"):
            product = t(lang, f"product.{product}")
        return t(lang, "status.detail", number=ticket["number"],
                 type=t(lang, f"type.{ticket['type']}"),
                 status=t(lang, f"status_name.{ticket['status']}"), product=product,
                 next=t(lang, f"next_step.{ticket['status']}"))

    # ---- a person ---------------------------------------------------------------------------

    async def _request_person(self, conv: Conversation, reason: str,
                              text: str | None) -> list[Reply]:
        """Queue the customer for staff (their place and expected wait), or, outside business
        hours, a callback ticket and when staff are back."""
        lang = conv.language
        if reason not in ("human_agent", "failures", "complaint"):
            return [Reply(t(lang, "button.stale"))]
        try:
            answer = await self.backend.request_person(conv.channel, conv.chat_id, language=lang,
                                                       reason=reason, text=text)
        except BackendUnavailable:
            return [Reply(t(lang, "human.hotline", hotline=self.hotline))]
        conv.form = None
        if answer["state"] == "callback":
            back = datetime.fromisoformat(answer["back_at"])
            return [Reply(t(lang, "handoff.callback", number=answer["ticket_number"],
                            back=back.strftime("%m-%d %H:%M"), hotline=self.hotline))]
        conv.with_staff = True
        if answer["state"] == "active":
            return [Reply(t(lang, "handoff.connected"))]
        return [self._queue_place(lang, "handoff.queued", answer.get("position"),
                                  answer.get("expected_wait_minutes"))]

    @staticmethod
    def _queue_place(lang: str, key: str, ahead: object, minutes: object) -> Reply:
        """The customer's place in the line for staff and the expected wait (`key`: queued,
        moved or asked; its `_next` form when nobody is ahead), with the button to stop
        waiting."""
        ahead = ahead if isinstance(ahead, int) and ahead >= 0 else 0
        minutes = minutes if isinstance(minutes, int) and minutes > 0 else 1
        wait = (t(lang, "handoff.wait_one") if minutes == 1
                else t(lang, "handoff.wait", minutes=minutes))
        text = (t(lang, f"{key}_next", wait=wait) if ahead == 0
                else t(lang, key, position=ahead, wait=wait))
        return Reply(text, buttons=[[Button(t(lang, "handoff.leave"), LEAVE_STAFF)]])

    async def _with_staff(self, conv: Conversation, message: InboundMessage,
                          text: str) -> list[Reply] | None:
        """While the customer waits for staff or talks to them, the bot passes messages on and
        says nothing itself, so it never answers alongside staff; a customer still waiting is
        answered by the backend (a `handoff_position` push: their place and the expected
        wait). None: the conversation with staff is over, answer as usual."""
        lang = conv.language
        try:
            if message.button == LEAVE_STAFF or text in ("/cancel", "/start"):
                await self.backend.leave_staff(conv.channel, conv.chat_id)
                conv.with_staff = False
                return [self._menu(conv, "handoff.left")]
            if message.button:
                return [Reply(t(lang, "handoff.waiting"))]
            if text and await self.backend.forward_to_staff(conv.channel, conv.chat_id, text):
                return []
            if not text:
                return []
        except BackendUnavailable:
            return [Reply(t(lang, "error.backend_down"))]
        conv.with_staff = False
        return None

    async def _has_open_ticket(self, conv: Conversation) -> bool:
        try:
            return bool(await self._open_tickets(conv))
        except BackendUnavailable:
            return True  # not known: the usual way (which says the backend is down)

    async def _open_tickets(self, conv: Conversation) -> list[dict]:
        tickets = await self.backend.list_tickets(conv.channel, conv.chat_id)
        return [tk for tk in tickets if tk["status"] not in FINAL_STATUSES]

    async def _choose_ticket(self, conv: Conversation, number: str | None,
                             action: str) -> list[Reply]:
        """Expedite or cancel: the ticket named, the one open ticket, or a choice."""
        lang, kind = conv.language, action.rstrip(":")
        if number is None:
            try:
                open_tickets = await self._open_tickets(conv)
            except BackendUnavailable:
                return [Reply(t(lang, "error.backend_down"))]
            if not open_tickets:
                return [self._menu(conv, f"{kind}.none")]
            if len(open_tickets) > 1:
                return [Reply(t(lang, f"{kind}.which"), buttons=[
                    [Button(f"{tk['number']} " + t(lang, "type." + tk["type"]),
                            f"{action}{tk['number']}")] for tk in open_tickets[:5]])]
            number = open_tickets[0]["number"]
        if action == EXPEDITE:
            return await self._expedite(conv, number)
        return [self._confirm_cancel(conv, number)]

    async def _act(self, conv: Conversation, number: str, action: str,
                   body: dict | None = None) -> tuple[dict | None, list[Reply]]:
        """A customer's action on their ticket: the backend's answer, or (None, what to say
        instead) when the ticket is not theirs, its status forbids it, or the backend is down."""
        try:
            result = await self.backend.ticket_action(conv.channel, conv.chat_id, number,
                                                      action, body)
        except NotAllowed:
            return None, await self._ticket_status(conv, number)
        except BackendUnavailable:
            return None, [Reply(t(conv.language, "error.backend_down"))]
        if result is None:
            return None, [Reply(t(conv.language, "status.not_found", number=number))]
        return result, []

    async def _expedite(self, conv: Conversation, number: str) -> list[Reply]:
        lang = conv.language
        result, refusal = await self._act(conv, number, "expedite")
        if result is None:
            return refusal
        ticket = result["ticket"]
        follow_up = "expedite.raised" if result["priority_raised"] else "expedite.noted"
        return [Reply("\n".join([
            t(lang, "expedite.done", number=ticket["number"],
              status=t(lang, f"status_name.{ticket['status']}")),
            t(lang, follow_up, hours=result["act_within_hours"]),
        ]))]

    def _confirm_cancel(self, conv: Conversation, number: str) -> Reply:
        lang = conv.language
        reasons = [Button(t(lang, f"cancel.reason.{code}"), f"{CANCEL_CONFIRMED}{number}:{code}")
                   for code in CANCEL_REASONS]
        return Reply(t(lang, "cancel.confirm", number=number),
                     buttons=[reasons[:2], reasons[2:], [Button(t(lang, "cancel.keep"),
                                                                KEEP_TICKET)]])

    async def _cancel_ticket(self, conv: Conversation, number: str, reason: str) -> list[Reply]:
        lang = conv.language
        if reason not in CANCEL_REASONS:
            return [Reply(t(lang, "button.stale"))]
        result, refusal = await self._act(conv, number, "cancel", {"reason": reason})
        if result is None:
            return refusal
        return [Reply(t(lang, "cancel.done", number=number))]

    async def _inquiry(self, conv: Conversation, parse: Parse, text: str,
                       in_form: bool = False, offer_repair: bool = False) -> list[Reply]:
        """Answer from the knowledge base; what it cannot answer becomes an inquiry ticket."""
        lang = conv.language
        try:
            code = parse.entity("error_code") if offer_repair else None
            product = parse.entity("product") or find_product(text)
            topic = topic_of(parse, text)
            entry = await self.backend.answer(
                language=lang, topic=topic, product=product,
                city=parse.entity("city"), text=text, code=code)
            if code and not (entry and code.lower() in entry["answer"].lower()):
                # Nothing on this code: said so, not another answer in its place.
                return [Reply(t(lang, "inquiry.unknown_code", code=code), buttons=[
                    [Button(t(lang, "menu.repair"), f"{MENU}repair"),
                     Button(t(lang, "menu.human"), f"{MENU}human")]])]
            if entry:
                self._remember(conv, parse, product)
                buttons = [] if in_form else [[Button(t(lang, "inquiry.helped"), HELPED),
                                               Button(t(lang, "menu.human"), f"{MENU}human")]]
                if not in_form and (offer_repair or product and topic in ("warranty", "fee")):
                    # "还在保修吗" about an appliance: the repair is one tap away.
                    buttons.insert(0, [Button(t(lang, "menu.repair"), f"{MENU}repair")])
                return [Reply(entry["answer"], buttons=buttons)]
            created = await self.backend.create_ticket(
                idempotency_key=f"{conv.channel}:{conv.chat_id}:inquiry:{uuid.uuid4().hex}",
                ticket={"customer": {"channel": conv.channel, "chat_id": conv.chat_id,
                                     "language": lang},
                        "type": "inquiry", "description": text[:2000],
                        "product": parse.entity("product")})
        except BackendUnavailable:
            return [Reply(t(lang, "error.backend_down"))]
        return [Reply(t(lang, "inquiry.ticket", number=created["number"]))]

    async def _self_checks(self, conv: Conversation, parse: Parse, text: str) -> list[Reply]:
        """The troubleshooting entry for the trouble described, with the repair offered; none
        when the knowledge base has none for it (the request goes on as it was)."""
        lang = conv.language
        product = parse.entity("product") or find_product(text)
        try:
            entry = await self.backend.answer(
                language=lang, topic=None, city=None, text=text, product=product)
        except BackendUnavailable:
            return []
        if not entry or entry.get("topic") != "usage":
            return []
        self._remember(conv, parse, product)
        return [Reply(entry["answer"], buttons=[
            [Button(t(lang, "menu.repair"), f"{MENU}repair")],
            [Button(t(lang, "inquiry.helped"), HELPED), Button(t(lang, "menu.human"), f"{MENU}human")]])]

    @staticmethod
    def _remember(conv: Conversation, parse: Parse, product: str | None) -> None:
        """Keep the appliance (and the code) a message or an answer was about, for a repair
        asked for next."""
        context = {"product": product, "error_code": parse.entity("error_code")}
        conv.context = {k: v for k, v in context.items() if v} or None

    async def _praise(self, conv: Conversation, number: str | None, text: str) -> list[Reply]:
        """Thank the customer, and record the praise on the ticket it is about (the one named,
        else their latest)."""
        try:
            if number is None:
                tickets = await self.backend.list_tickets(conv.channel, conv.chat_id)
                number = tickets[0]["number"] if tickets else None
            if number:
                await self.backend.ticket_action(conv.channel, conv.chat_id, number, "feedback",
                                                 {"kind": "praise", "text": text[:1000]})
        except (BackendUnavailable, NotAllowed):
            log.warning("praise not recorded")
        return [Reply(t(conv.language, "smalltalk.praise"))]

    # ---- pushes from the backend ----------------------------------------------------------

    async def render_push(self, event: dict) -> list[Reply]:
        """What the customer's chat shows for an event the backend pushed."""
        conv = await self.store.load(event["channel"], str(event["chat_id"]))
        lang = conv.language or event.get("language") or DEFAULT_LANGUAGE
        number, kind = event.get("ticket_number", ""), event.get("kind") or "status_changed"
        if kind == "status_changed":
            lines = [t(lang, "push.status_changed", number=number,
                       status=t(lang, f"status_name.{event['status']}")),
                     t(lang, f"next_step.{event['status']}")]
            reply = appointments.status_reply(lang, event, lines)
            if event.get("note"):  # the staff's own words, set apart and labelled as theirs
                reply = Reply(f"{reply.text}\n\n{t(lang, 'push.note', note=event['note'])}",
                              buttons=reply.buttons)
            return [reply]
        if kind == "appointment_reminder":
            window = event.get("window")
            return [Reply(t(lang, "push.reminder", number=number, date=event["date"],
                            window=t(lang, f"window.{window}") if window else ""))]
        if kind == "acceptance_request":
            return [Reply(t(lang, "push.acceptance", number=number), buttons=[[
                Button(t(lang, "acceptance.accept"), f"{ACCEPT}{number}"),
                Button(t(lang, "acceptance.reject"), f"{REJECT}{number}")]])]
        if kind == "handoff_position":  # the customer's place changed, or they wrote
            if not conv.with_staff:  # left the line meanwhile: nothing to tell
                return []
            key = "handoff.asked" if event.get("cause") == "asked" else "handoff.moved"
            return [self._queue_place(lang, key, event.get("position"),
                                      event.get("expected_wait_minutes"))]
        if kind == "handoff_taken":
            return [Reply(t(lang, "handoff.taken", staff=event.get("staff", "")))]
        if kind == "staff_message":
            return [Reply(t(lang, "handoff.staff_says", staff=event.get("staff", ""),
                            text=event.get("text", "")))]
        if kind == "ticket_reply":
            return [Reply(t(lang, "ticket_reply.says", staff=event.get("staff", ""),
                            number=number, text=event.get("text", "")))]
        if kind == "handoff_ended":
            return await self._back_from_staff(event)
        if kind in ("survey_request", "survey_reminder"):
            return await self._start_survey(event, kind)
        if kind == "staff_alert":
            return [Reply(t(lang, "push.staff_alert", number=number,
                            text=event.get("text", "")))]
        log.warning("push of unknown kind %s shown as a generic update", kind)
        return [Reply(t(lang, "push.updated", number=number))]

    async def _back_from_staff(self, event: dict) -> list[Reply]:
        channel, chat_id = event["channel"], str(event["chat_id"])
        async with self._locks[(channel, chat_id)]:
            async with self.store.turn(channel, chat_id, None) as conv:
                conv.with_staff = False
                return [self._menu(conv, "handoff.ended")]

    async def _start_survey(self, event: dict, kind: str) -> list[Reply]:
        """The return visit (回访) after a ticket is resolved: its first question."""
        channel, chat_id = event["channel"], str(event["chat_id"])
        async with self._locks[(channel, chat_id)]:
            async with self.store.turn(channel, chat_id, None) as conv:
                conv.language = conv.language or event.get("language") or DEFAULT_LANGUAGE
                conv.survey = {"id": event["survey_id"], "ticket": event["ticket_number"],
                               "type": event.get("ticket_type"), "asking": "solved"}
                intro = "survey.reminder" if kind == "survey_reminder" else "survey.intro"
                return [Reply(t(conv.language, intro, number=event["ticket_number"])),
                        self._survey_question(conv, "solved")]

    def _survey_question(self, conv: Conversation, question: str) -> Reply:
        lang, survey_id = conv.language, conv.survey["id"]  # type: ignore[index]
        prefix = f"{SURVEY}{survey_id}:{question}:"
        if question == "rating":
            rows = [[Button(t(lang, f"survey.stars.{n}"), f"{prefix}{n}") for n in range(1, 6)]]
        elif question == "comment":
            rows = [[Button(t(lang, "survey.skip"), prefix)]]
        else:  # solved, explained_usage
            rows = [[Button(t(lang, "survey.yes"), f"{prefix}yes"),
                     Button(t(lang, "survey.no"), f"{prefix}no")]]
        if question == "solved":
            rows.append([Button(t(lang, "survey.opt_out"), f"{SURVEY}{survey_id}:optout:")])
        return Reply(t(lang, f"survey.ask.{question}"), buttons=rows)

    async def _survey_answer(self, conv: Conversation, survey_id: str, question: str,
                             raw: str) -> list[Reply]:
        lang = conv.language
        try:
            if question == "optout":
                await self.backend.survey_opt_out(conv.channel, conv.chat_id)
                conv.survey = None
                return [Reply(t(lang, "survey.opted_out"))]
            if question not in ("solved", "rating", "comment", "explained_usage"):
                return [Reply(t(lang, "button.stale"))]
            value: object = raw
            if question in ("solved", "explained_usage"):
                value = raw == "yes"
            elif question == "rating":
                if raw not in {"1", "2", "3", "4", "5"}:
                    return [Reply(t(lang, "button.stale"))]
                value = int(raw)
            elif question == "comment":
                value = raw[:1000]
            result = await self.backend.survey_answer(conv.channel, conv.chat_id, survey_id,
                                                      question, value)
        except BackendUnavailable:
            return [Reply(t(lang, "error.backend_down"))]
        if result is None or not result.get("recorded"):
            return [Reply(t(lang, "survey.already"))]
        replies = []
        if question == "solved" and value is False:  # one message: no status push follows
            number = (conv.survey or {}).get("ticket", "")
            replies.append(Reply(t(lang, "survey.not_solved", number=number)
                                 if result.get("reopened")
                                 else t(lang, "survey.not_solved_follow_up")))
        if question == "rating" and value in (1, 2):
            replies.append(Reply(t(lang, "survey.low_rating")))
        following = result.get("next")
        if following:
            conv.survey = {**(conv.survey or {"id": survey_id}), "asking": following}
            replies.append(self._survey_question(conv, following))
        else:
            conv.survey = None
            replies.append(Reply(t(lang, "survey.thanks")))
        return replies

    async def _acceptance(self, conv: Conversation, number: str, accepted: bool) -> list[Reply]:
        """The customer confirms the job is done (验收), or says it is not fixed."""
        lang = conv.language
        action, body = ("accept", None) if accepted else (
            "reject", {"note": t(lang, "acceptance.rejected_note")})
        result, refusal = await self._act(conv, number, action, body)
        if result is None:
            return refusal
        return [Reply(t(lang, "acceptance.thanks" if accepted else "acceptance.sent_back",
                        number=number))]

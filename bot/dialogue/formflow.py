"""A form in the chat: its questions one at a time, the answers checked, the summary with
submit / change / cancel, and the ticket it becomes.

The forms themselves (their slots, what each accepts) are in `forms.py`; this is their flow.
What the customer already said is not asked again: the request's own words fill what they
name, and details said in passing (the address, the phone, the visit time) fill their slots
whenever they come. A form the backend cannot take now is held and retried with the same
idempotency key, so it becomes one ticket, later."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

from bot.backend_client import BackendUnavailable, TicketRefused
from bot.catalogue import has
from bot.catalogue import text as t
from bot.dialogue import owned, registration, warranty
from bot.dialogue.buttons import CANCEL, CHANGE, EDIT, PERSON, PICK, SKIP, SUBMIT
from bot.dialogue.extract import (
    claims_photo,
    corrected,
    denies,
    find_order_number,
    goes_to_check,
    only_points_to_photo,
)
from bot.dialogue.forms import FORMS, PRODUCTS, FormSpec, describes_in_detail
from bot.dialogue.product_names import find_product
from bot.dialogue.replies import menu, stale
from bot.dialogue.services import Services
from bot.dialogue.state import CONFIRM, Conversation, Form, Submission
from bot.dialogue.types import Button, InboundMessage, Reply
from bot.dialogue.when import Appointment
from nlu.client import Parse
from nlu.entities import canonical_product

log = logging.getLogger(__name__)

MAX_FAILURES = 3
# An optional detail not understood this many times running is left empty.
OPTIONAL_TRIES = 2
# Fields of a form that the ticket carries as such; the rest go into the ticket's details.
TICKET_FIELDS = ("product", "description", "error_code", "phone", "address")


def _spec(conv: Conversation) -> FormSpec:
    assert conv.form is not None
    return FORMS[conv.form.name]


async def start(svc: Services, conv: Conversation, spec: FormSpec, parse: Parse | None,
                text: str) -> list[Reply]:
    """Open the form; what the request already says fills its slots."""
    form = Form(name=spec.name)
    conv.form = form
    if spec.name in owned.LINKED_FORMS:
        form.owned = await owned.load(svc, conv)
    if parse:
        for slot in spec.slots:
            value = parse.entity(slot.entity) if slot.entity else None
            if slot.name in ("product", "item") and value not in PRODUCTS:
                # A name we list, found in the words, beats the model's fragment of one
                # ("tumble" of "tumble dryer"); an appliance we do not list stays as said.
                value = find_product(text) or value
            elif value and slot.find and (whole := slot.find(text)) and value in whole:
                value = whole  # "KFR-35GW/NhGd1B" of the model's "KFR-35GW", "Little Swan"
            elif value and slot.find and _found_for_another(spec, slot.name, text, value):
                value = None  # the model's "model" is the code after 机身码: the serial's
            if value:
                accepted = slot.accept_for(conv.lang)(value, parse, svc.clock())
                if accepted:
                    form.slots[slot.name] = accepted
        if spec.narrative and describes_in_detail(text):
            form.slots[spec.narrative] = " ".join(text.split())[:1000]
        take_details(svc, form, spec, text, parse, lang=conv.lang)
    # The appliance and code the last answer was about, unless this request names others.
    names = {slot.name for slot in spec.slots}
    for name, value in (conv.context or {}).items():
        if value and name in names and name not in form.slots:
            form.slots[name] = value
    conv.context = None
    return [Reply(t(conv.lang, f"form.{spec.name}.intro")), next_step(conv)]


def _found_for_another(spec: FormSpec, name: str, text: str, value: str) -> bool:
    """Whether another slot's `find` takes `value` out of the words (the NLU's model entity
    that is the number after 序列号): then it is not this slot's."""
    for slot in spec.slots:
        found = slot.find(text) if slot.name != name and slot.find else None
        if found and found != text and value in found:
            return True
    return False


def take_details(svc: Services, form: Form, spec: FormSpec, text: str, parse: Parse | None,
                 besides: str | None = None, lang: str | None = None) -> bool:
    """Details said in passing (the address, the phone, the visit time in a message about
    the fault, or the phone with the address) fill their slots, so they are not asked;
    checked as answers are in the conversation's language `lang`."""
    now, taken = svc.clock(), False
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
        accepted = slot.accept_for(lang)(value, None, now) if value else None
        if accepted:
            form.slots[slot.name], taken = accepted, True
    return taken


def next_step(conv: Conversation) -> Reply:
    """The first slot not yet filled, asked; the summary when all are."""
    form, spec = conv.form, _spec(conv)
    assert form is not None
    form.editing = False
    owned.link(form)
    for slot in spec.slots:
        if slot.name not in form.slots:
            form.asking = slot.name
            return ask(conv, slot.name)
    form.asking = CONFIRM
    return summary(conv)


def ask(conv: Conversation, slot_name: str) -> Reply:
    spec, lang = _spec(conv), conv.lang
    slot = spec.slot(slot_name)
    buttons = [Button(label(lang, slot_name, value), f"{PICK}{slot_name}:{value}")
               for value in slot.choices]
    if slot.optional:
        buttons.append(Button(t(lang, "form.skip"), f"{SKIP}{slot_name}"))
    rows = [buttons[i:i + 3] for i in range(0, len(buttons), 3)]
    if slot_name == "product" and conv.form is not None:
        rows = owned.buttons(lang, conv.form) + rows  # their own first: "my Midea fridge"
    rows.append([Button(t(lang, "form.cancel"), CANCEL)])
    return Reply(t(lang, f"form.{spec.name}.ask.{slot_name}"), buttons=rows)


def label(lang: str, slot_name: str, value: str) -> str:
    """A slot's value as the customer reads it."""
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


def current_step(conv: Conversation) -> Reply:
    """The question the form waits on (asked again after an aside)."""
    form = conv.form
    assert form is not None and form.asking is not None
    return summary(conv) if form.asking == CONFIRM else ask(conv, form.asking)


def fill(svc: Services, conv: Conversation, text: str, parse: Parse | None) -> list[Reply]:
    """Take an answer for the slot being asked, or explain what is wrong with it."""
    form, spec, lang = conv.form, _spec(conv), conv.lang
    assert form is not None and form.asking is not None
    slot = spec.slot(form.asking)
    now = svc.clock()
    if not form.attachments and only_points_to_photo(text):
        return [ask(conv, slot.name)]  # no photo came: said before the question
    if goes_to_check(text):  # "hang on, let me check": the question waits for them
        waits = "form.take_your_time" if slot.optional else "form.take_your_time_needed"
        return [Reply(t(lang, waits)), ask(conv, slot.name)]
    # "13601128834，不对，是13601128843": the corrected value, else the whole answer.
    fixed, accept = corrected(text), slot.accept_for(lang)
    value = (accept(fixed, None, now)  # an address splices its own corrections
             if fixed and slot.name not in ("description", "address") else None)
    if value is None:
        value = "" if (text == "" and slot.optional) else accept(text, parse, now)
    if value is None and slot.optional and denies(text):
        value = ""  # "没有", "no code", "睇唔到有咩號碼": none to give
    if value is None and form.attachments and claims_photo(text):
        value = text  # "see the photo": it came with the form
    if value is None and take_details(svc, form, spec, text, parse, besides=slot.name,
                                      lang=lang):
        # Not this detail but others (the address and phone when asked for the code):
        # kept; an optional detail counts as not given, a needed one is asked again.
        if not slot.optional:
            return [next_step(conv)]
        value = ""
    if value is None:
        form.failures += 1
        reason = (slot.explain(text, now) if slot.explain else None) or f"invalid.{slot.name}"
        reply = Reply(t(lang, reason))
        if slot.optional and form.failures >= OPTIONAL_TRIES:
            # A detail we can do without, twice not understood ("2025年3月" for the day of
            # purchase): left empty, said so, rather than a third time or a guess.
            form.slots[slot.name] = ""
            form.failures = 0
            left = Reply(t(lang, "form.left_empty", field=t(lang, f"field.{slot.name}")))
            return [left, _after_answer(conv)]
        if form.failures >= MAX_FAILURES:
            return [reply, Reply(t(lang, "form.too_many_failures", hotline=svc.hotline),
                                 buttons=[[Button(t(lang, "menu.human"), f"{PERSON}failures"),
                                           Button(t(lang, "form.cancel"), CANCEL)]])]
        return [reply, ask(conv, slot.name)]
    form.slots[slot.name] = value
    form.failures = 0
    if text and not form.editing:
        take_details(svc, form, spec, text, parse, besides=slot.name, lang=lang)
    return [_after_answer(conv)]


def _after_answer(conv: Conversation) -> Reply:
    """The summary again after a change, else the next question."""
    form = conv.form
    assert form is not None
    if form.editing:
        form.editing = False
        form.asking = CONFIRM
        owned.link(form)
        return summary(conv)
    return next_step(conv)


def pick_owned(conv: Conversation, product_id: str) -> list[Reply]:
    """One of the customer's registered products pressed for "which appliance?"."""
    assert conv.form is not None
    if not owned.pick(conv.form, product_id):
        return [stale(conv.lang)]
    return [_after_answer(conv)]


def summary(conv: Conversation) -> Reply:
    form, spec, lang = conv.form, _spec(conv), conv.lang
    assert form is not None
    lines = [t(lang, f"form.{spec.name}.summary")]
    for slot in spec.slots:
        value = label(lang, slot.name, form.slots.get(slot.name, ""))
        lines.append(f"{t(lang, f'field.{slot.name}')}: {value}")
    if linked := owned.summary_line(lang, form):
        lines.append(linked)
    if form.attachments:
        lines.append(t(lang, "attachment.count", count=len(form.attachments)))
    return Reply("\n".join(lines), buttons=[[
        Button(t(lang, "form.submit"), SUBMIT),
        Button(t(lang, "form.change"), CHANGE),
        Button(t(lang, "form.cancel"), CANCEL),
    ]])


def change_menu(conv: Conversation) -> Reply:
    spec, lang = _spec(conv), conv.lang
    buttons = [Button(t(lang, f"field.{slot.name}"), f"{EDIT}{slot.name}")
               for slot in spec.slots]
    return Reply(t(lang, "form.which_field"),
                 buttons=[buttons[i:i + 2] for i in range(0, len(buttons), 2)])


def edit(conv: Conversation, slot_name: str) -> list[Reply]:
    form, spec = conv.form, _spec(conv)
    assert form is not None
    if slot_name not in {s.name for s in spec.slots}:
        return [stale(conv.lang)]
    form.asking, form.editing = slot_name, True
    return [ask(conv, slot_name)]


def cancel(conv: Conversation) -> list[Reply]:
    if conv.form is None:
        return [menu(conv.lang, "form.nothing_to_cancel")]
    conv.form = None
    return [menu(conv.lang, "form.cancelled")]


def ticket_request(conv: Conversation) -> dict:
    """The backend's create request for the completed form."""
    form, spec = conv.form, _spec(conv)
    assert form is not None
    slots = {name: value for name, value in form.slots.items() if value}
    if "reason" in slots:
        slots["description"] = slots.pop("reason")
    item = slots.pop("item", None)
    if item:
        slots["product" if item in PRODUCTS or not item[-6:].isdigit()
              else "order_number"] = item
    request: dict[str, object] = {name: slots.pop(name) for name in TICKET_FIELDS
                                  if name in slots}
    request.update(
        customer={"channel": conv.channel, "chat_id": conv.chat_id,
                  "language": conv.lang},
        type=spec.ticket_type,
        preferred_time=slots.pop("when", None),
        details=slots,
        attachments=form.attachments,
    )
    if spec.priority:
        request["priority"] = spec.priority
    if form.product_id is not None:
        request["product_id"] = form.product_id
    return request


async def submit(svc: Services, conv: Conversation) -> list[Reply]:
    form, spec, lang = conv.form, _spec(conv), conv.lang
    assert form is not None
    if spec.ticket_type is None:
        return await registration.submit(svc, conv)
    submission = Submission(
        # The same form always carries the same key: a retry never makes a second ticket.
        idempotency_key=f"{conv.channel}:{conv.chat_id}:{form.id}", channel=conv.channel,
        chat_id=conv.chat_id, form=spec.name, language=lang,
        ticket=ticket_request(conv), attempts=0)
    try:
        created = await svc.backend.create_ticket(
            idempotency_key=submission.idempotency_key, ticket=submission.ticket)
    except TicketRefused:
        log.warning("the backend refused a %s form", spec.name)
        return [Reply(t(lang, "form.submit_refused", hotline=svc.hotline),
                      buttons=[[Button(t(lang, "form.submit"), SUBMIT),
                                Button(t(lang, "form.cancel"), CANCEL)]])]
    except BackendUnavailable:
        # Kept and retried in the background with the same key; the number follows.
        await svc.store.hold_submission(
            submission, svc.clock_utc() + timedelta(seconds=svc.retry_delays[0]))
        conv.form = None
        return [Reply(t(lang, "form.submit_pending"))]
    conv.form = None
    return [created_reply(spec, lang, created["number"], created.get("warranty"))]


def created_reply(spec: FormSpec, lang: str, number: str, cover: dict | None = None) -> Reply:
    done = Reply(t(lang, f"form.{spec.name}.created", number=number))
    if cover:  # a repair of a registered product: its warranty, as the ticket keeps it
        done = Reply("\n".join([done.text, *warranty.ticket_lines(lang, cover)]))
    if spec.ticket_type == "complaint":
        done = Reply(done.text, buttons=[[Button(t(lang, "handoff.discuss"),
                                                 f"{PERSON}complaint")]])
    return done


async def retry_submissions(svc: Services) -> list[tuple[str, str, list[Reply], str]]:
    """Try again the forms the backend could not take. For each that is a ticket now (or
    was refused for good): (channel, chat_id, replies to show, idempotency key); the
    caller shows the replies, then drops the submission (`store.drop_submission`)."""
    done = []
    for submission in await svc.store.due_submissions(svc.clock_utc()):
        spec, lang = FORMS[submission.form], submission.language
        try:
            created = await svc.backend.create_ticket(
                idempotency_key=submission.idempotency_key, ticket=submission.ticket)
        except TicketRefused:
            log.warning("the backend refused a held %s form", submission.form)
            reply = Reply(t(lang, "form.submit_refused", hotline=svc.hotline))
        except BackendUnavailable:
            delay = svc.retry_delays[min(submission.attempts + 1,
                                         len(svc.retry_delays) - 1)]
            await svc.store.hold_submission(
                replace(submission, attempts=submission.attempts + 1),
                svc.clock_utc() + timedelta(seconds=delay))
            continue
        else:
            reply = created_reply(spec, lang, created["number"], created.get("warranty"))
        done.append((submission.channel, submission.chat_id, [reply],
                     submission.idempotency_key))
    return done


# ---- photos and files sent while a form is open -----------------------------------------------

def attach(conv: Conversation, message: InboundMessage) -> bool:
    """The message's photos and files kept with the open form, if it takes them."""
    form = conv.form
    photos = [a for a in message.attachments if a.kind in ("photo", "document")]
    if form is None or not photos or not FORMS[form.name].accepts_photos:
        return False
    form.attachments += [{"kind": a.kind, "file_id": a.file_id, "channel": conv.channel}
                         for a in photos]
    return True


def on_attachments(conv: Conversation, message: InboundMessage) -> list[Reply]:
    """Photos or files sent: kept with the open form (then its question again), else said
    that they cannot be taken here."""
    form = conv.form
    if form and attach(conv, message):
        added = Reply(t(conv.lang, "attachment.added", count=len(form.attachments)))
        return [added, current_step(conv)] if form.asking else [added]
    return [Reply(t(conv.lang, "attachment.unsupported"))]

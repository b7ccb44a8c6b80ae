"""A photo of the invoice (发票) or the nameplate (铭牌) sent while a product is being
registered: read in the background, its details put into the form.

In the turn (`take`) the photo is kept as the form's attachment and a photo job is saved
(bot/photos.py reads it): the customer hears at once that it is being read, and nothing waits
for the reading. Words sent with the photo (its caption: "这是发票") are no answer to the
question asked, so the photo is what the turn is about; the details they name in passing are
kept (`caption`). The reading comes back later as a message of its own (`apply`): if the same
form is still open, the details the customer has not given yet are filled in, each through
its slot's own `accept` (the same checks as a typed answer: a listed category, no future
purchase date), the customer is told what was read, and the form goes on with its next
question or its summary. Nothing is registered until the customer presses "Submit". A
reading that finds the form closed, or another form open, changes nothing.

The backend keeps each photo it read and names it by a token in the reading; the form holds
the tokens (`Form.photos`, never asked nor shown) and the registration sends them, so the
photo is kept with the product (one never registered is deleted by the backend after a day).

Photos are read only on channels that can fetch files and have the reader running
(`DialogueEngine.photo_channels`); elsewhere a photo is what it was before.
"""

from __future__ import annotations

import hashlib
import re
import uuid

from bot.catalogue import text as t
from bot.dialogue import formflow
from bot.dialogue.forms import FORMS, REGISTER_PRODUCT
from bot.dialogue.services import Services
from bot.dialogue.state import Conversation, Form, PhotoJob
from bot.dialogue.types import Attachment, InboundMessage, Reply

# What the reading calls each detail, and the form's slot it goes into (in the form's order).
SLOTS = (("category", "product"), ("brand", "brand"), ("model", "model"),
         ("serial", "serial"), ("purchase_date", "purchase_date"),
         ("purchased_from", "purchased_from"))
# Why a photo has no reading: a file that is no photo we can read, or the reader away for
# every attempt (bot/photos.py). Each has its catalogue text, `photo.<problem>`.
UNUSABLE, FAILED = "unusable", "failed"
# A caption's model number is taken only where the caption says it is one: a bare code under
# a photo is as likely the invoice's number ("INV-123456") or the file's name ("IMG_2041").
_MODEL_LABEL = re.compile(r"型号|型號|\bmodel\b", re.IGNORECASE)
# Photos one registration may keep (the backend takes at most 10: backend/products/schemas.py).
MAX_PHOTOS = 10


def images(message: InboundMessage) -> list[Attachment]:
    """The photos of a message, and the files that are images (a photo sent as a file)."""
    return [a for a in message.attachments
            if a.kind == "photo" or a.kind == "document"
            and (a.mime_type or "").lower().startswith("image/")]


def job_id(message: InboundMessage, attachment: Attachment) -> str:
    """The same for the same update and file: a turn handled again saves the same job."""
    update = message.update_id or uuid.uuid4().hex
    key = f"{message.channel}\n{message.chat_id}\n{update}\n{attachment.file_id}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


async def take(svc: Services, conv: Conversation, message: InboundMessage,
               channels: frozenset[str]) -> list[Reply] | None:
    """A photo for the open registration, on a channel whose photos are read: kept with the
    form, saved to be read, and "reading it now" said. None: not such a photo."""
    form, photos = conv.form, images(message)
    if (form is None or form.name != REGISTER_PRODUCT.name or conv.channel not in channels
            or not photos):
        return None
    for photo in photos:  # saved before the form changes: a failure leaves it as it was
        await svc.store.hold_photo_job(PhotoJob(
            job_id(message, photo), conv.channel, conv.chat_id, form.id, photo.file_id),
            svc.clock_utc())
    form.attachments += [{"kind": a.kind, "file_id": a.file_id, "channel": conv.channel}
                         for a in photos]
    return [Reply(t(conv.lang, "photo.reading"))]


def caption(svc: Services, conv: Conversation, text: str) -> None:
    """The words sent with a photo `take` took (its caption): no answer to the question asked
    ("这是发票", "this is the invoice" name no appliance), but the details they name in passing
    fill the slots still empty, as in any message: the appliance, the brand, a labelled serial
    or model number, the day of purchase. The photo's reading fills only what is left, and
    the question asked once it is read is the first detail still missing."""
    form = conv.form
    if not text or text.startswith("/") or form is None:
        return
    spec, now = FORMS[form.name], svc.clock()
    for slot in spec.slots:
        if slot.find is None or slot.name in form.slots or (
                slot.name == "model" and not _MODEL_LABEL.search(text)):
            continue
        value = slot.find(text)
        accepted = slot.accept_for(conv.lang)(value, None, now) if value else None
        if accepted:
            form.slots[slot.name] = accepted
    if form.asking in form.slots and not form.editing:
        formflow.next_step(conv)  # only moves the question on: it is asked after the reading


def apply(svc: Services, conv: Conversation, reading: dict) -> list[Reply]:
    """A photo's reading, handed in by the photo reader: the form filled and gone on with,
    or why not."""
    form, lang = conv.form, conv.lang
    if conv.with_staff:
        return []  # the bot is silent while a person has the chat
    if form is None or form.name != REGISTER_PRODUCT.name or form.id != reading.get("form_id"):
        return [Reply(t(lang, "photo.form_closed"))]
    keep(form, reading.get("photo"))
    problem = reading.get("problem")
    if problem in (UNUSABLE, FAILED):
        return [Reply(t(lang, f"photo.{problem}")), formflow.current_step(conv)]
    filled = fill(svc, conv, reading.get("fields") or {})
    if filled:
        said = Reply("\n".join([t(lang, "photo.read"), *(
            f"{t(lang, f'field.{slot}')}: {formflow.label(lang, slot, value)}"
            for slot, value in filled.items())]))
    else:
        said = Reply(t(lang, "photo.nothing_new" if reading.get("readable")
                       else "photo.unreadable"))
    if form.asking in filled:
        form.failures = 0
    # A field being changed from the summary stays the question; else what is left to ask.
    going_on = (formflow.current_step(conv) if form.editing or not filled
                else formflow.next_step(conv))
    return [said, going_on]


def keep(form: Form, token: object) -> None:
    """The backend's token of a photo read for this form, to send with the registration."""
    if (isinstance(token, str) and token and token not in form.photos
            and len(form.photos) < MAX_PHOTOS):
        form.photos.append(token)


def fill(svc: Services, conv: Conversation, fields: dict) -> dict[str, str]:
    """The slots still empty that the reading's fields fill, as their `accept` takes them
    (a field it refuses is left out): {slot: value}. What the customer gave is kept."""
    assert conv.form is not None
    form, spec, now = conv.form, FORMS[conv.form.name], svc.clock()
    filled: dict[str, str] = {}
    for field, slot_name in SLOTS:
        value = fields.get(field)
        if not isinstance(value, str) or not value.strip() or form.slots.get(slot_name):
            continue
        accepted = spec.slot(slot_name).accept(value.strip()[:200], None, now)
        if accepted:  # the product slot takes only the categories we register
            form.slots[slot_name] = filled[slot_name] = accepted
    return filled

"""The buttons' callback data: one grammar, written and read here.

Routing is on these values, never on translated labels. A value is `<kind>:<arguments>`,
separated by colons; the last argument keeps any colon of its own (a visit time). Buttons
already shown in a chat keep working across releases, so a value once sent is never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass

MENU = "menu:"          # menu:<form> | menu:status | menu:human — the main menu
PICK = "pick:"          # pick:<slot>:<value> — a choice offered for the slot being asked
OWN = "own:"            # own:<product id> — one of the customer's registered products
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
SURVEY = "survey:"      # survey:<id>:<question>:<value> | survey:<id>:optout:
PERSON = "person:"      # person:<reason> — queue for staff (human_agent | failures | complaint)
LEAVE_STAFF = "person:leave"
GUESS = "guess:"        # guess:<intent> — "yes, that is what I meant"
GUESS_NONE = "guess:no"  # none of these
PRIVACY_ASK = "privacy:ask"  # under the export: "delete my data", which asks to confirm
PRIVACY_ERASE = "privacy:erase"
PRIVACY_KEEP = "privacy:keep"
APPOINTMENT_OK = "appt:ok:"        # appt:ok:<number> — the visit staff booked suits
APPOINTMENT_OTHER = "appt:other:"  # appt:other:<number> — ask for another time
APPOINTMENT_KEEP = "appt:keep"     # stop asking: the appointment stands
# quote:<ok|no|ask|keep>:<number>:<version> — accept, decline (asks why), a person, keep it
# open; quote:why:<number>:<version>:<reason> — decline for that reason (bot/dialogue/quotes.py)
QUOTE = "quote:"
# rec:<ok|no|skip>:<number>:<version> — the service record shown: confirm (the customer's
# signature), not fixed (asks what is still wrong), skip saying it (bot/dialogue/records.py)
RECORD = "rec:"

# How many arguments each kind has (one when not listed).
_ARGUMENTS = {"pick": 2, "cancelok": 2, "survey": 3, "appt": 2, "quote": 4,
              "rec": 3}


@dataclass(frozen=True)
class Pressed:
    """A pressed button: its kind (the part before the first colon) and its arguments."""

    kind: str
    args: tuple[str, ...]

    @property
    def arg(self) -> str:
        return self.args[0]


def parse(data: str) -> Pressed:
    """Any string is a `Pressed` (a kind nobody handles is a stale button); missing
    arguments are empty."""
    kind, _, rest = data.partition(":")
    count = _ARGUMENTS.get(kind, 1)
    args = rest.split(":", count - 1)
    return Pressed(kind, tuple(args + [""] * (count - len(args))))

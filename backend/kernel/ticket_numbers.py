"""The ticket-number grammar, the one in Python: `RS-20261124-0007` = type prefix, local date,
daily sequence of that prefix (4 digits, more only past 9999).

Written any way a person types it: any case, full-width (`ＲＳ－２０２６…`), with or without
separators (spaces, `-`, `_`, `.`, `/`, `#`) between the three parts. `normalise_ticket_number`
reads a whole text as a number (the API's `{number}`); `find_ticket_number` and
`TICKET_NUMBER_RE` find one inside a message (the bot, the NLU's entity values).

The Rasa model has its own copy, a regex feature in nlu/data/regex.yml (Rasa reads only its
training data); tests/nlu/test_ticket_number_grammar.py checks that the two agree, and lists
where they knowingly differ. Standard library only: nlu/ imports this too.
"""

from __future__ import annotations

import re
import unicodedata

# Ticket number prefix of each ticket type (backend.tickets.enums.TicketType values).
PREFIXES: dict[str, str] = {
    "repair": "RS",
    "installation": "IN",
    "complaint": "CP",
    "return_exchange": "RE",
    "inquiry": "IQ",
}

_PREFIX = "|".join(sorted(PREFIXES.values()))
_SEPARATOR = r"[\s\-_./#]*"
_SEQUENCE = r"\d{4}|[1-9]\d{4,5}"  # 0007; 10000 once a day has that many
_BODY = rf"({_PREFIX}){_SEPARATOR}(\d{{8}}){_SEPARATOR}({_SEQUENCE})"

# A ticket number inside a text: not glued to a word before it, nor to digits after it.
TICKET_NUMBER_RE = re.compile(rf"(?<![A-Za-z0-9]){_BODY}(?!\d)", re.IGNORECASE)
_WHOLE = re.compile(_BODY, re.IGNORECASE)
# Longer than any spelling of a number: not read at all.
_MAX_LENGTH = 64


def format_number(prefix: str, day: str, sequence: int) -> str:
    """The canonical spelling: `RS-20261124-0007`."""
    return f"{prefix}-{day}-{sequence:04d}"


def _canonical(match: re.Match[str]) -> str:
    prefix, day, sequence = (unicodedata.normalize("NFKC", part) for part in match.groups())
    return format_number(prefix.upper(), day, int(sequence))


def normalise_ticket_number(text: str) -> str | None:
    """The canonical spelling of a text that is a ticket number typed any way
    (`rs202611240007`, `RS 20261124 0007`, full-width `ＲＳ－２０２６…`), or None if it is not
    one."""
    if not text:
        return None
    match = _WHOLE.fullmatch(unicodedata.normalize("NFKC", text[:_MAX_LENGTH]).strip())
    return _canonical(match) if match else None


def find_ticket_number(text: str) -> str | None:
    """The canonical spelling of the first ticket number inside `text`, or None."""
    match = TICKET_NUMBER_RE.search(unicodedata.normalize("NFKC", text or ""))
    return _canonical(match) if match else None

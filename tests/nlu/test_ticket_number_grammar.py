"""One ticket-number grammar: the Python one (backend/kernel/ticket_numbers.py, which the backend,
the bot and nlu/entities.py read numbers with) and the Rasa model's regex feature
(nlu/data/regex.yml, which must stay in the training data) agree on how numbers are written,
except where they knowingly differ (KNOWN_DIFFERENCES: Rasa's copy is narrower, and changing
it means retraining; the bot reads those spellings itself when Rasa tags no entity)."""

from __future__ import annotations

import re

import pytest
import yaml

from backend.kernel.ticket_numbers import (
    PREFIXES,
    TICKET_NUMBER_RE,
    find_ticket_number,
    normalise_ticket_number,
)
from nlu import entities

# Ways customers write numbers: both grammars read them, as this number.
SPELLINGS = {
    "RS-20261124-0007": "RS-20261124-0007",
    "rs202611240007": "RS-20261124-0007",
    "RS 20261124 0007": "RS-20261124-0007",
    "Rs_20261124_0007": "RS-20261124-0007",
    "RS--20261124--0007": "RS-20261124-0007",
    "RS -20261124- 0007": "RS-20261124-0007",
    "in-20261101-0345": "IN-20261101-0345",
    "CP20261003-0021": "CP-20261003-0021",
    "Re 20261111 0002": "RE-20261111-0002",
    "iq_20261115_0020": "IQ-20261115-0020",
    "IQ-20270101-9999": "IQ-20270101-9999",
}
# Not numbers, to either grammar.
NON_NUMBERS = [
    "XX-20261124-0007",  # unknown prefix
    "RS-2026112-0007",  # date too short
    "RS-202611245-0007",  # date too long
    "RS-20261124-007",  # sequence too short
    "RS-20261124-00071",  # a zero-padded sequence of 5 digits
    "RS-20261124-1234567",  # sequence too long
    "RS20261124",  # no sequence
    "20261124-0007",  # no prefix
    "R S-20261124-0007",  # a split prefix
    "13812345678",
    "E4",
]
# Spelling -> what the Python grammar reads; Rasa's regex matches none of them. Why:
KNOWN_DIFFERENCES = {
    # separators other than space, - and _ (the backend has always read these)
    "RS.20261124.0007": "RS-20261124-0007",
    "RS/20261124/0007": "RS-20261124-0007",
    "RS#20261124#0007": "RS-20261124-0007",
    "RS\t20261124\t0007": "RS-20261124-0007",
    # more than two separator characters between two parts
    "RS - 20261124 - 0007": "RS-20261124-0007",
    # full width (the Python grammar reads text NFKC-normalised)
    "ＲＳ－２０２６１１２４－０００７": "RS-20261124-0007",
    # a date not of this century (Rasa's regex wants 20xxxxxx)
    "RS-19991124-0007": "RS-19991124-0007",
    # a sequence past 9999: numbers have 5 digits once a day has that many tickets of a type
    "RS-20261124-10000": "RS-20261124-10000",
}


def rasa_ticket_number_regex() -> re.Pattern[str]:
    """The ticket_number patterns of regex.yml, as Rasa's RegexEntityExtractor uses them
    (case_sensitive: false in nlu/config.yml)."""
    content = yaml.safe_load((entities.DATA_DIR / "regex.yml").read_text(encoding="utf-8"))
    [block] = [b for b in content["nlu"] if b.get("regex") == "ticket_number"]
    patterns = [line.strip()[2:] for line in block["examples"].splitlines() if line.strip()]
    assert patterns
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


RASA = rasa_ticket_number_regex()


@pytest.mark.parametrize(("written", "number"), SPELLINGS.items())
def test_both_grammars_read_every_spelling(written: str, number: str) -> None:
    assert normalise_ticket_number(written) == number
    for text in (written, f"查一下{written}的进度", f"where is {written}?"):
        assert find_ticket_number(text) == number
        assert entities.canonical_ticket_number(text) == number
        assert (rasa := RASA.search(text)) is not None
        assert normalise_ticket_number(rasa.group(0)) == number  # the same span
        assert TICKET_NUMBER_RE.search(text).group(0) == rasa.group(0)


@pytest.mark.parametrize("text", NON_NUMBERS)
def test_neither_grammar_reads_a_non_number(text: str) -> None:
    assert normalise_ticket_number(text) is None
    for inside in (text, f"查一下{text}的进度", f"ticket {text} please"):
        assert find_ticket_number(inside) is None
        assert RASA.search(inside) is None


@pytest.mark.parametrize(("written", "number"), KNOWN_DIFFERENCES.items())
def test_where_they_knowingly_differ(written: str, number: str) -> None:
    """If Rasa's regex learns one of these (a retrain), move it to SPELLINGS."""
    assert normalise_ticket_number(written) == number
    assert find_ticket_number(f"查一下{written}的进度") == number
    assert RASA.search(written) is None


def test_both_know_the_same_prefixes() -> None:
    rasa_prefixes = set(re.findall(r"\b[A-Z]{2}\b", RASA.pattern))
    assert rasa_prefixes == set(PREFIXES.values())


def test_a_number_glued_to_a_word_is_none_to_either() -> None:
    for text in ("ARS-20261124-0007", "x1RS-20261124-0007"):
        assert find_ticket_number(text) is None and RASA.search(text) is None

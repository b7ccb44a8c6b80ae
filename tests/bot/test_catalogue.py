import re
import string

import pytest

from bot.catalogue import keys, text
from bot.dialogue.forms import FORMS, PRODUCTS
from bot.language import LANGUAGES

FIELDS = string.Formatter()


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in FIELDS.parse(template) if name}


def test_every_language_has_every_key():
    reference = keys("zh-Hans")
    for language in LANGUAGES:
        assert keys(language) == reference, language


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_agree_across_languages(language):
    from bot.catalogue import _catalogue

    for key, template in _catalogue("zh-Hans").items():
        assert placeholders(_catalogue(language)[key]) == placeholders(template), key


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_form_question_product_and_status_is_translated(language):
    needed = {f"product.{p}" for p in PRODUCTS}
    for form in FORMS.values():
        needed |= {f"form.{form.name}.ask.{s.name}" for s in form.slots}
        needed |= {f"invalid.{s.name}" for s in form.slots}
        needed |= {f"field.{s.name}" for s in form.slots}
        needed |= {f"form.{form.name}.intro", f"form.{form.name}.summary"}
        # A ticket's form says its number; a product's registration says its warranty.
        needed |= ({f"form.{form.name}.created"} if form.ticket_type
                   else {"registration.saved", "registration.not_saved"})
    for status in ("new", "assigned", "scheduled", "in_progress", "resolved", "closed",
                   "cancelled", "reopened"):
        needed |= {f"status_name.{status}", f"next_step.{status}"}
    assert needed <= keys(language)


def test_traditional_catalogue_is_written_in_traditional_characters():
    import hanzidentifier

    from bot.catalogue import _catalogue

    simplified_only = [
        key for key, value in _catalogue("zh-Hant").items()
        if hanzidentifier.identify("".join(re.findall(r"[\u4e00-\u9fff]", value)))
        == hanzidentifier.SIMPLIFIED
    ]
    assert simplified_only == []


def test_placeholders_are_filled():
    assert "RS-20261124-0007" in text("en", "form.repair.created", number="RS-20261124-0007")

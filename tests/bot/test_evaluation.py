"""The conversation evaluation (`frontdesk eval conversations`): the runner is the unit under
test. It plays tests/bot/conversations.yml (conversations the bot handles) through the real
engine, Rasa model and a backend process, and must pass them; the same conversations with a
deliberately wrong expectation must be reported as failures, each with the right reason."""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path

import pytest
import yaml

from backend.kernel.config import Settings
from bot.evaluation import Report, main, run, spec
from bot.evaluation.harness import open_harness
from bot.evaluation.spec import EvalError

FILE = Path(__file__).with_name("conversations.yml")
RAW = {c["id"]: c for c in yaml.safe_load(FILE.read_text(encoding="utf-8"))}


def variant(base: str, new_id: str, **changes) -> dict:
    """A conversation of the file with some of its keys replaced (expect: merged)."""
    raw = copy.deepcopy(RAW[base])
    raw["id"] = new_id
    for key, value in changes.items():
        if key == "expect":
            raw["expect"] = {**raw["expect"], **value}
        elif key == "answers":
            raw["answers"] = {**raw.get("answers", {}), **value}
            raw["answers"] = {k: v for k, v in raw["answers"].items() if v is not None}
        else:
            raw[key] = value
    return raw


# id: (the conversation, the category and words its failure must be reported with)
WRONG = {
    "w-product": (variant("t-repair-zh-01", "w-product",
                          expect={"ticket": {"type": "repair", "product": "冰箱"}}),
                  "ticket field", "ticket product is '洗衣机', expected '冰箱'"),
    "w-topic": (variant("t-inquiry-zh-01", "w-topic", expect={"topic": "fee"}),
                "wrong outcome", "answered on warranty, expected fee"),
    "w-language": (variant("t-smalltalk-hant-01", "w-language", lang="en"),
                   "language", "replied in zh-Hant, expected en"),
    "w-no-answer": (variant("t-repair-zh-01", "w-no-answer", answers={"address": None}),
                    "no answer", "asked for address, customer has no answer"),
    "w-ran-out": (variant("t-repair-zh-01", "w-ran-out", answers={"phone": ["12"]}),
                  "answers ran out", "asked for phone again after all 1 answer(s)"),
    "w-no-ticket": (variant("t-repair-zh-01", "w-no-ticket", expect={"outcome": "no_ticket"}),
                    "wrong outcome", "expected no ticket, got 1 (repair)"),
    "w-sensitive": (variant("t-privacy-zh-01", "w-sensitive",
                            expect={"outcome": "smalltalk", "never": []}),
                    "sensitive action", "show_personal_data though not asked for"),
    "w-says": (variant("t-repair-zh-01", "w-says", expect={"says": ["asks_again_phone"]}),
               "says", "never said asks_again_phone"),
    "w-expedite": (variant("t-status-zh-01", "w-expedite", expect={"outcome": "expedited"}),
                   "wrong outcome", "the ticket was not expedited"),
    "w-never": (variant("t-repair-zh-03", "w-never", at_summary="submit"),
                "never", "create_ticket happened"),
    "w-warranty": (variant("t-warranty-zh-01", "w-warranty",
                           setup={"products": [{"category": "冰箱", "purchase_date": "2025-06-18"}]}),
                   "wrong outcome", "no reply gives the warranty of their 空调"),
    "w-registered": (variant("t-warranty-zh-01", "w-registered",
                             expect={"outcome": "product_registered"}),
                     "wrong outcome", "expected one new product, got 0"),
    # Not meant to cancel: the customer keeps the ticket at the confirmation.
    "w-keep": (variant("t-cancel-zh-01", "w-keep", expect={"outcome": "status_shown"}),
               "wrong outcome", "no reply shows"),
}


async def _play(rasa_url: str) -> tuple[Report, Report]:
    good = spec.load(FILE)
    wrong = [spec.parse_conversation(raw, i) for i, (raw, _, _) in enumerate(WRONG.values())]
    harness = await open_harness(Settings(), rasa_url=rasa_url)  # its own backend process
    try:
        return await run(good, harness), await run(wrong, harness)
    finally:
        await harness.aclose()


@pytest.fixture(scope="module")
def reports(rasa_url: str) -> tuple[Report, Report]:
    return asyncio.run(_play(rasa_url))


def _explain(report: Report) -> str:
    return "\n".join(f"{r.conversation.id}: {r.reason}" for r in report.results if not r.passed)


@pytest.mark.rasa
def test_the_conversations_the_bot_handles_pass(reports):
    good, _ = reports
    assert len(good.results) == len(RAW) >= 15
    assert good.passed == len(RAW), _explain(good)
    assert good.share == 1.0 and good.sensitive_violations == 0
    text = good.text()
    assert text.startswith(f"{len(RAW)}/{len(RAW)} conversations (100.0 %) reached the right "
                           "outcome; sensitive actions on a guess: 0")
    assert "zh-Hant" in text and "status_shown" in text


@pytest.mark.rasa
@pytest.mark.parametrize("conversation_id", list(WRONG))
def test_a_wrong_expectation_is_a_failure_with_its_reason(reports, conversation_id):
    _, wrong = reports
    result = next(r for r in wrong.results if r.conversation.id == conversation_id)
    _, category, words = WRONG[conversation_id]
    assert not result.passed, f"{conversation_id} passed"
    assert any(c == category and words in why for c, why in result.problems), result.problems
    assert result.transcript[0].who == "customer" and result.transcript[1].who == "bot"


@pytest.mark.rasa
def test_what_the_runner_did_follows_the_expectation(reports):
    _, wrong = reports
    by_id = {r.conversation.id: r for r in wrong.results}
    # A cancel confirmation is declined when the conversation is not meant to cancel.
    keep = by_id["w-keep"]
    assert [t.text for t in keep.transcript if t.who == "customer"][-1].startswith("[")
    assert not any(c == "sensitive action" for c, _ in keep.problems), keep.problems
    assert any("cancel:keep" in [d for _, d in t.buttons] for t in keep.transcript)
    # A detail without an answer stops the customer: nothing was submitted.
    assert not any(c == "ticket field" for c, _ in by_id["w-no-answer"].problems)
    assert wrong.sensitive_violations == 1  # the export in w-sensitive
    data = wrong.to_json()
    assert data["n"] == len(WRONG) and data["passed"] == 0
    failure = next(f for f in data["failures"] if f["id"] == "w-language")
    assert failure["reason"] == "replied in zh-Hant, expected en"
    assert failure["transcript"][0] == {"who": "customer", "text": RAW["t-smalltalk-hant-01"]
                                        ["say"][0], "buttons": []}
    assert data["per_language"]["en"]["n"] >= 1
    assert json.dumps(data, ensure_ascii=False)


@pytest.mark.rasa
def test_the_command_reports_json_and_honours_min_share(rasa_url, backend_url, tmp_path,
                                                        capsys):
    path = tmp_path / "two.yml"
    path.write_text(yaml.safe_dump([RAW["t-smalltalk-hant-01"],
                                    variant("t-inquiry-en-01", "w-hours",
                                            expect={"topic": "warranty"})],
                                   allow_unicode=True), encoding="utf-8")
    settings = Settings()
    assert main(str(path), settings, rasa_url=rasa_url, backend_url=backend_url,
                as_json=True, min_share="0.9") == 1
    data = json.loads(capsys.readouterr().out)
    assert (data["n"], data["passed"], data["share"]) == (2, 1, 0.5)
    assert [f["id"] for f in data["failures"]] == ["w-hours"]
    assert data["failures"][0]["reason"] == "answered on hours, expected warranty"
    assert main(str(path), settings, rasa_url=rasa_url, backend_url=backend_url,
                min_share="50%") == 0
    out = capsys.readouterr().out
    assert out.startswith("1/2 conversations (50.0 %)")
    assert "w-hours [en, answered] FAILED: answered on hours, expected warranty" in out
    assert "  customer> What are your service hours?" in out


def test_a_bad_file_is_refused_with_the_conversation_and_field(tmp_path, capsys):
    bad = [{**RAW["t-inquiry-en-01"], "expect": {"outcome": "solved"}}]
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(EvalError, match=r"conversation t-inquiry-en-01\.expect\.outcome"):
        spec.load(path)
    path.write_text(yaml.safe_dump([RAW["t-inquiry-en-01"]] * 2), encoding="utf-8")
    with pytest.raises(EvalError, match="t-inquiry-en-01 is used twice"):
        spec.load(path)
    wrong_slot = [{**RAW["t-repair-zh-01"], "answers": {"adress": ["x"]}}]
    path.write_text(yaml.safe_dump(wrong_slot, allow_unicode=True), encoding="utf-8")
    with pytest.raises(EvalError, match=r"answers: \['adress'\]"):
        spec.load(path)
    # The command says so and exits 2, before starting anything.
    assert main(str(path), Settings(), rasa_url="http://127.0.0.1:9") == 2
    assert "adress" in capsys.readouterr().err


def test_the_file_format_reads_every_form_of_message_and_summary_action():
    conversation = spec.parse_conversation({
        "id": "x", "lang": "zh-Hans", "setup": {"ticket": {"product": "冰箱"}},
        "say": ["报修", {"text": "看图", "photo": True}, {"photo": True}],
        "answers": {"phone": "13900001111", "address": ["不知道", "上海市张杨路500号"]},
        "at_summary": {"change": "phone", "to": 13900002222},
        "expect": {"outcome": "ticket", "ticket": {"type": "repair"}},
    }, 0)
    assert conversation.setup == {"product": "冰箱", "type": "repair", "status": "new"}
    assert [(m.text, m.photo) for m in conversation.say] == [
        ("报修", False), ("看图", True), (None, True)]
    assert conversation.answers == {"phone": ("13900001111",),
                                    "address": ("不知道", "上海市张杨路500号")}
    assert conversation.at_summary == ("change", "phone", "13900002222")


def test_the_file_format_reads_products_and_their_outcomes():
    conversation = spec.parse_conversation({
        "id": "p", "lang": "en", "setup": {"products": [{"category": "冰箱", "brand": "Haier"}]},
        "say": ["is my fridge still covered?"],
        "answers": {"serial": ["don't know"], "purchase_date": "2025-03-15"},
        "expect": {"outcome": "warranty_shown", "product": {"category": "冰箱"}},
    }, 0)
    assert conversation.setup is None
    assert conversation.products == ({"category": "冰箱", "brand": "Haier"},)
    assert conversation.expect.product == {"category": "冰箱"}
    for wrong in ({"outcome": "product_registered"},
                  {"outcome": "product_registered", "product": {"colour": "red"}}):
        with pytest.raises(EvalError, match="product"):
            spec.parse_conversation({"id": "q", "lang": "en", "say": ["hi"], "expect": wrong}, 0)

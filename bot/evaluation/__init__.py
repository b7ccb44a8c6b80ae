"""`frontdesk eval conversations FILE.yml`: whole conversations as data, played through the
real dialogue engine (the Rasa model through the NLU client, a real backend process), scored
on whether each reaches the right outcome.

The file format is in docs/nlu.md (Conversation evaluation) and `bot/evaluation/spec.py`;
the simulated customer in `customer.py`; the outcome checks in `checks.py`; the engine, the
backend process and the recording backend client in `harness.py`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import uuid
from collections import Counter
from dataclasses import dataclass, field

from backend.kernel.config import Settings
from bot.evaluation import spec
from bot.evaluation.checks import judge
from bot.evaluation.customer import Customer, Turn
from bot.evaluation.harness import Harness, open_harness
from bot.evaluation.spec import Conversation, EvalError

__all__ = ["ConversationResult", "EvalError", "Report", "evaluate", "main", "run"]

LINE = 140  # characters of one transcript line in the readable report


@dataclass
class ConversationResult:
    conversation: Conversation
    problems: list[tuple[str, str]]
    transcript: list[Turn]
    sensitive: int = 0

    @property
    def passed(self) -> bool:
        return not self.problems

    @property
    def reason(self) -> str:
        return "; ".join(reason for _, reason in self.problems)


@dataclass
class Report:
    results: list[ConversationResult] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def share(self) -> float:
        return self.passed / len(self.results) if self.results else 0.0

    @property
    def sensitive_violations(self) -> int:
        return sum(r.sensitive for r in self.results)

    def by(self, key) -> dict[str, dict]:
        groups: dict[str, list[ConversationResult]] = {}
        for result in self.results:
            groups.setdefault(key(result.conversation), []).append(result)
        return {name: {"n": len(rs), "passed": sum(r.passed for r in rs),
                       "share": round(sum(r.passed for r in rs) / len(rs), 4)}
                for name, rs in sorted(groups.items())}

    def categories(self) -> dict[str, int]:
        counts = Counter(category for r in self.results for category, _ in r.problems[:1])
        return dict(counts.most_common())

    def to_json(self) -> dict:
        return {
            "n": len(self.results), "passed": self.passed, "share": round(self.share, 4),
            "per_language": self.by(lambda c: c.lang),
            "per_outcome": self.by(lambda c: c.expect.outcome),
            "sensitive_violations": self.sensitive_violations,
            "failure_categories": self.categories(),
            "failures": [{
                "id": r.conversation.id, "lang": r.conversation.lang,
                "outcome": r.conversation.expect.outcome, "reason": r.reason,
                "problems": [{"category": c, "reason": why} for c, why in r.problems],
                "transcript": [{"who": turn.who, "text": turn.text,
                                "buttons": [data for _, data in turn.buttons]}
                               for turn in r.transcript],
            } for r in self.results if not r.passed],
        }

    def text(self, verbose: bool = False) -> str:
        n = len(self.results)
        head = (f"{self.passed}/{n} conversations ({100 * self.share:.1f} %) reached the right "
                f"outcome; sensitive actions on a guess: {self.sensitive_violations}")
        lines = [head, ""]
        for title, groups in (("language", self.by(lambda c: c.lang)),
                              ("outcome", self.by(lambda c: c.expect.outcome))):
            lines.append(f"per {title}:")
            lines += [f"  {name:22} {g['passed']:>4}/{g['n']:<4} {100 * g['share']:5.1f} %"
                      for name, g in groups.items()]
            lines.append("")
        if self.categories():
            lines.append("failures by first reason: " + ", ".join(
                f"{name} {count}" for name, count in self.categories().items()))
            lines.append("")
        for result in self.results:
            if result.passed and not verbose:
                continue
            c = result.conversation
            verdict = "ok" if result.passed else f"FAILED: {result.reason}"
            lines.append(f"{c.id} [{c.lang}, {c.expect.outcome}] {verdict}")
            for turn in result.transcript:
                who = "  customer> " if turn.who == "customer" else "  bot>      "
                text = " / ".join(turn.text.splitlines())
                if turn.buttons:
                    text += "  " + " ".join(f"[{label}]" for label, _ in turn.buttons)
                if not verbose and len(text) > LINE:
                    text = text[:LINE - 1] + "…"
                lines.append(who + text)
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"


async def play(harness: Harness, conversation: Conversation, run_id: str) -> ConversationResult:
    customer = Customer(harness, conversation, run_id)
    harness.backend.calls = []
    try:
        await customer.setup()
        played = await customer.play()
        tickets = await harness.customer_tickets(played.chat_id)
        products = await harness.customer_products(played.chat_id)
    except Exception as exc:  # one broken conversation does not end the run
        logging.getLogger(__name__).exception("conversation %s", conversation.id)
        error = ("runner error", f"{type(exc).__name__}: {exc}")
        return ConversationResult(conversation, [error], customer.played.transcript)
    problems, sensitive = judge(played, tickets, harness.backend.calls, harness.now(),
                                products=products)
    return ConversationResult(conversation, problems, played.transcript, sensitive)


async def run(conversations: list[Conversation], harness: Harness,
              progress=None) -> Report:
    report, run_id = Report(), uuid.uuid4().hex[:8]
    for conversation in conversations:
        result = await play(harness, conversation, run_id)
        report.results.append(result)
        if progress:
            progress(result)
    return report


async def evaluate(path: str, settings: Settings, *, rasa_url: str,
                   backend_url: str | None = None, progress=None) -> Report:
    """Play every conversation of the file; raises EvalError for a bad file or missing
    parts."""
    conversations = spec.load(path)
    harness = await open_harness(settings, rasa_url=rasa_url, backend_url=backend_url)
    try:
        return await run(conversations, harness, progress)
    finally:
        await harness.aclose()


def _share(raw: str | None) -> float | None:
    if raw is None:
        return None
    value = float(raw.rstrip("%"))
    return value / 100 if value > 1 or raw.endswith("%") else value


def main(path: str, settings: Settings, *, rasa_url: str, backend_url: str | None = None,
         as_json: bool = False, verbose: bool = False, min_share: str | None = None) -> int:
    """The command: prints the report; 0, or 1 when `min_share` (0.85, 85 or 85%) is not
    reached; 2 when the file or a part is unusable."""
    try:
        wanted = _share(min_share)
    except ValueError:
        print(f"--min-share: {min_share!r} is not a number", file=sys.stderr)
        return 2

    def progress(result: ConversationResult) -> None:
        if verbose:
            print(f"{result.conversation.id}: {'ok' if result.passed else result.reason}",
                  file=sys.stderr, flush=True)

    try:
        report = asyncio.run(evaluate(path, settings, rasa_url=rasa_url,
                                      backend_url=backend_url, progress=progress))
    except EvalError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if as_json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(report.text(verbose), end="")
    if wanted is not None and report.share < wanted:
        print(f"share {report.share:.3f} is below --min-share {wanted:.3f}", file=sys.stderr)
        return 1
    return 0

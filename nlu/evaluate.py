"""`frontdesk nlu eval PATH.tsv [--json] [--url URL]`: score a running Rasa NLU server.

The test file is tab-separated with the header `intent<TAB>lang<TAB>text` and an optional
fourth column `entities`: a JSON list of {"entity": ..., "value": ...} with values as
normalised by nlu.entities. Every row is sent to `POST {url}/model/parse`; the report has
intent accuracy (overall and per language), per-intent precision/recall/F1, macro-F1,
per-entity precision/recall/F1, the confusion pairs and the parse latency.

Scoring rules:
- A prediction of `nlu_fallback` counts as `out_of_scope`.
- Entities are scored only on rows that have the entities column (an empty list `[]` still
  counts: anything predicted there is a false positive). Gold values and predicted values
  are both passed through `normalise_entity`; the predicted (entity, value) pairs of a row
  are de-duplicated first, exactly as the bot's client does (two extractors may report the
  same value), and then compared with the gold multiset, case-insensitively.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from nlu.entities import normalise_entity

LANGUAGES = ("zh", "zh-Hant", "en")
FALLBACK_INTENT = "nlu_fallback"
FALLBACK_COUNTS_AS = "out_of_scope"
HEADER = ("intent", "lang", "text")
ENTITIES_COLUMN = "entities"


class EvalError(Exception):
    """A problem the user must fix (bad file, unreachable server); the message says what."""


@dataclass(frozen=True)
class Example:
    line: int
    intent: str
    lang: str
    text: str
    # None: the row has no entities column and is not scored for entities.
    entities: tuple[tuple[str, str], ...] | None = None


@dataclass(frozen=True)
class Prediction:
    intent: str
    entities: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    latency_ms: float = 0.0


# ---- reading the test file ------------------------------------------------------------------

def _parse_entities(raw: str, where: str) -> tuple[tuple[str, str], ...]:
    try:
        items = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise EvalError(f"{where}: the entities column is not valid JSON ({exc.msg})") from None
    if not isinstance(items, list):
        raise EvalError(f"{where}: the entities column must be a JSON list")
    entities = []
    for item in items:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("entity"), str)
            or not isinstance(item.get("value"), str)
            or not item["entity"]
        ):
            raise EvalError(
                f'{where}: each entity must be an object {{"entity": "...", "value": "..."}} '
                f"with string fields, got {json.dumps(item, ensure_ascii=False)}"
            )
        entities.append((item["entity"], normalise_entity(item["entity"], item["value"])))
    return tuple(entities)


def parse_tsv(text: str, source: str = "<input>") -> list[Example]:
    """Parse the test file's content; raise EvalError naming the line on any problem."""
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise EvalError(f"{source}:1: missing header 'intent<TAB>lang<TAB>text[<TAB>entities]'")
    header = tuple(column.strip() for column in lines[0].lstrip("\ufeff").split("\t"))
    if header not in (HEADER, (*HEADER, ENTITIES_COLUMN)):
        raise EvalError(
            f"{source}:1: bad header {'<TAB>'.join(header)!r}; expected "
            f"'intent<TAB>lang<TAB>text' with an optional '<TAB>entities'"
        )
    max_columns = len(header)
    examples = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        columns = line.split("\t")
        if not 3 <= len(columns) <= max_columns:
            raise EvalError(
                f"{where}: expected {'3 or 4' if max_columns == 4 else '3'} tab-separated "
                f"columns, found {len(columns)}"
            )
        intent, lang, text_ = (c.strip() for c in columns[:3])
        if not intent:
            raise EvalError(f"{where}: the intent is empty")
        if lang not in LANGUAGES:
            raise EvalError(f"{where}: bad lang {lang!r}; expected one of {', '.join(LANGUAGES)}")
        if not text_:
            raise EvalError(f"{where}: the text is empty")
        entities = None
        if len(columns) == 4 and columns[3].strip():
            entities = _parse_entities(columns[3].strip(), where)
        examples.append(Example(number, intent, lang, text_, entities))
    if not examples:
        raise EvalError(f"{source}: no examples after the header")
    return examples


def read_tsv(path: str | Path) -> list[Example]:
    try:
        content = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EvalError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalError(f"{path}: cannot read it ({exc})") from None
    return parse_tsv(content, str(path))


# ---- scoring (pure) -------------------------------------------------------------------------

def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q  # linear interpolation between closest ranks
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (rank - low), 2)


def _key(item: tuple[str, str]) -> tuple[str, str]:
    # Values are compared case-insensitively: Rasa's synonym mapper restores the case of the
    # training annotation ("monday afternoon" -> "Monday afternoon"), which changes nothing.
    return item[0], item[1].casefold()


def predicted_intent(name: str | None) -> str:
    if not name or name == FALLBACK_INTENT:
        return FALLBACK_COUNTS_AS
    return name


def score(examples: list[Example], predictions: list[Prediction]) -> dict:
    """The report for gold `examples` and the server's `predictions` (same order)."""
    if len(examples) != len(predictions):
        raise ValueError("one prediction per example is needed")
    n = len(examples)
    pairs = [(e.intent, predicted_intent(p.intent)) for e, p in zip(examples, predictions)]
    correct = sum(gold == pred for gold, pred in pairs)

    per_language: dict[str, float | None] = {}
    for lang in LANGUAGES:
        rows = [(g, p) for (g, p), e in zip(pairs, examples) if e.lang == lang]
        per_language[lang] = round(sum(g == p for g, p in rows) / len(rows), 4) if rows else None

    labels = sorted({g for g, _ in pairs} | {p for _, p in pairs})
    per_intent = {}
    for label in labels:
        tp = sum(g == label and p == label for g, p in pairs)
        fp = sum(g != label and p == label for g, p in pairs)
        fn = sum(g == label and p != label for g, p in pairs)
        per_intent[label] = {**_prf(tp, fp, fn), "support": tp + fn}
    macro_f1 = statistics.fmean(v["f1"] for v in per_intent.values()) if per_intent else 0.0

    counts: dict[str, Counter] = {}
    for example, prediction in zip(examples, predictions):
        if example.entities is None:
            continue
        gold = Counter(_key(item) for item in example.entities)
        predicted = Counter(dict.fromkeys((_key(item) for item in prediction.entities), 1))
        for name in {name for name, _ in gold} | {name for name, _ in predicted}:
            g = Counter({k: v for k, v in gold.items() if k[0] == name})
            p = Counter({k: v for k, v in predicted.items() if k[0] == name})
            tp = sum((g & p).values())
            tally = counts.setdefault(name, Counter())
            tally["tp"] += tp
            tally["fp"] += sum(p.values()) - tp
            tally["fn"] += sum(g.values()) - tp
    entities = {
        name: {**_prf(c["tp"], c["fp"], c["fn"]), "support": c["tp"] + c["fn"]}
        for name, c in sorted(counts.items())
    }

    confusions = Counter((g, p) for g, p in pairs if g != p)
    latencies = [p.latency_ms for p in predictions]
    return {
        "n": n,
        "accuracy": round(correct / n, 4) if n else 0.0,
        "macro_f1": round(macro_f1, 4),
        "per_language": per_language,
        "per_intent": per_intent,
        "entities": entities,
        "confusions": [[g, p, c] for (g, p), c in sorted(confusions.items(),
                                                         key=lambda kv: (-kv[1], kv[0]))],
        "latency_ms": {"p50": _percentile(latencies, 0.50), "p95": _percentile(latencies, 0.95)},
    }


# ---- talking to Rasa ------------------------------------------------------------------------

def prediction_from_rasa(payload: dict, latency_ms: float = 0.0) -> Prediction:
    intent = (payload.get("intent") or {}).get("name")
    entities = []
    for item in payload.get("entities") or []:
        name, value = item.get("entity"), item.get("value")
        if not name or value is None:
            continue
        normalised = normalise_entity(name, str(value))
        if normalised:
            entities.append((name, normalised))
    return Prediction(intent or FALLBACK_INTENT, tuple(dict.fromkeys(entities)), latency_ms)


def predict_all(examples: list[Example], rasa_url: str, timeout: float = 10.0) -> list[Prediction]:
    url = rasa_url.rstrip("/") + "/model/parse"
    predictions = []
    with httpx.Client(timeout=timeout, trust_env=False) as client:
        for example in examples:
            started = time.perf_counter()
            try:
                response = client.post(url, json={"text": example.text})
            except httpx.HTTPError as exc:
                raise EvalError(
                    f"cannot reach the Rasa server at {rasa_url} ({type(exc).__name__}); "
                    f"is it running? (`frontdesk nlu serve`)"
                ) from None
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise EvalError(
                    f"the Rasa server at {rasa_url} answered HTTP {response.status_code} "
                    f"for line {example.line}"
                )
            try:
                payload = response.json()
            except ValueError:
                raise EvalError(f"the Rasa server at {rasa_url} did not answer JSON") from None
            if not isinstance(payload, dict) or "intent" not in payload:
                raise EvalError(f"the server at {rasa_url} does not look like Rasa /model/parse")
            predictions.append(prediction_from_rasa(payload, elapsed))
    return predictions


# ---- output ---------------------------------------------------------------------------------

def _fmt(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.3f}"


def render(report: dict) -> str:
    out = [
        f"examples: {report['n']}   intent accuracy: {_fmt(report['accuracy'])}   "
        f"macro-F1: {_fmt(report['macro_f1'])}",
        "per language: " + "   ".join(f"{lang} {_fmt(acc)}"
                                      for lang, acc in report["per_language"].items()),
        f"latency ms: p50 {report['latency_ms']['p50']}   p95 {report['latency_ms']['p95']}",
        "",
        f"{'intent':<22}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}",
    ]
    for name, m in report["per_intent"].items():
        out.append(f"{name:<22}{_fmt(m['precision']):>10}{_fmt(m['recall']):>10}"
                   f"{_fmt(m['f1']):>10}{m['support']:>9}")
    if report["entities"]:
        out += ["", f"{'entity':<22}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}"]
        for name, m in report["entities"].items():
            out.append(f"{name:<22}{_fmt(m['precision']):>10}{_fmt(m['recall']):>10}"
                       f"{_fmt(m['f1']):>10}{m['support']:>9}")
    if report["confusions"]:
        out += ["", "confusions (true -> predicted: count)"]
        out += [f"  {g} -> {p}: {c}" for g, p, c in report["confusions"]]
    return "\n".join(out)


def main(path: str, rasa_url: str, as_json: bool) -> int:
    """Evaluate the server at `rasa_url` on the test file `path`; 0 on success."""
    try:
        examples = read_tsv(path)
        predictions = predict_all(examples, rasa_url)
    except EvalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report = score(examples, predictions)
    print(json.dumps(report, ensure_ascii=False) if as_json else render(report))
    return 0


if __name__ == "__main__":  # python -m nlu.evaluate PATH [--json] [--url URL]
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    args = parser.parse_args()
    sys.exit(main(args.path, args.url, args.json))

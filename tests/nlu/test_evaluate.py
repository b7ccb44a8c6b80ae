"""nlu.evaluate: the metrics, the file checks and the CLI entry point (no Rasa needed).

The metrics are tested on the pure `score` function; `main` is tested end to end against a
tiny stub of Rasa's `POST /model/parse` on loopback.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from nlu.evaluate import EvalError, Example, Prediction, main, parse_tsv, score

HEADER = "intent\tlang\ttext\tentities\n"


def ex(intent: str, lang: str = "zh", entities: tuple | None = None, text: str = "x") -> Example:
    return Example(line=0, intent=intent, lang=lang, text=text, entities=entities)


def pred(intent: str, *entities: tuple[str, str], ms: float = 10.0) -> Prediction:
    return Prediction(intent=intent, entities=tuple(entities), latency_ms=ms)


# ---- metrics ------------------------------------------------------------------------------

def test_accuracy_per_language_and_fallback_counts_as_out_of_scope() -> None:
    examples = [
        ex("greet", "zh"), ex("greet", "en"), ex("out_of_scope", "en"),
        ex("repair_request", "zh-Hant"), ex("repair_request", "zh-Hant"),
    ]
    predictions = [
        pred("greet"), pred("thanks"), pred("nlu_fallback"), pred("repair_request"),
        pred("complaint"),
    ]
    report = score(examples, predictions)
    assert report["n"] == 5
    assert report["accuracy"] == 0.6
    assert report["per_language"] == {"zh": 1.0, "zh-Hant": 0.5, "en": 0.5}
    assert report["per_intent"]["out_of_scope"] == {
        "precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert "nlu_fallback" not in report["per_intent"]


def test_per_intent_precision_recall_f1_and_macro_f1() -> None:
    # greet: tp 2, fn 1 (-> thanks); thanks: tp 1, fp 1; goodbye: fn 1 (-> greet), greet fp 1
    examples = [ex("greet"), ex("greet"), ex("greet"), ex("thanks"), ex("goodbye")]
    predictions = [pred("greet"), pred("greet"), pred("thanks"), pred("thanks"), pred("greet")]
    report = score(examples, predictions)
    greet = report["per_intent"]["greet"]
    assert (greet["precision"], greet["recall"], greet["support"]) == (0.6667, 0.6667, 3)
    assert greet["f1"] == 0.6667
    thanks = report["per_intent"]["thanks"]
    assert (thanks["precision"], thanks["recall"], thanks["f1"]) == (0.5, 1.0, 0.6667)
    goodbye = report["per_intent"]["goodbye"]
    assert (goodbye["precision"], goodbye["recall"], goodbye["f1"]) == (0.0, 0.0, 0.0)
    assert report["macro_f1"] == pytest.approx((0.6667 + 0.6667 + 0.0) / 3, abs=1e-4)
    assert report["confusions"] == [["goodbye", "greet", 1], ["greet", "thanks", 1]]


def test_a_label_only_ever_predicted_counts_in_macro_f1() -> None:
    report = score([ex("greet"), ex("greet")], [pred("greet"), pred("praise")])
    assert report["per_intent"]["praise"] == {
        "precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert report["macro_f1"] == pytest.approx((0.6667 + 0.0) / 2, abs=1e-4)


def test_entity_scores_multisets_and_skips_rows_without_the_column() -> None:
    examples = [
        ex("repair_request", entities=(("product", "冰箱"), ("error_code", "E4"))),
        ex("inform", entities=(("phone", "13812345678"),)),
        ex("inform", entities=()),  # empty list: anything predicted is a false positive
        ex("inform", entities=None),  # no column: not scored at all
        ex("installation_request", entities=(("product", "空调"), ("product", "空调"))),
    ]
    predictions = [
        pred("repair_request", ("product", "冰箱"), ("error_code", "E4")),
        pred("inform", ("phone", "13812345670")),
        pred("inform", ("product", "电视")),
        pred("inform", ("product", "洗衣机"), ("phone", "1")),
        pred("installation_request", ("product", "空调")),
    ]
    entities = score(examples, predictions)["entities"]
    assert entities["error_code"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert entities["phone"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    # product: tp 冰箱 + 空调 = 2, fp 电视 = 1, fn the second 空调 = 1
    assert entities["product"] == {
        "precision": 0.6667, "recall": 0.6667, "f1": 0.6667, "support": 3}


def test_latency_percentiles() -> None:
    examples = [ex("greet") for _ in range(100)]
    predictions = [pred("greet", ms=float(i)) for i in range(1, 101)]
    latency = score(examples, predictions)["latency_ms"]
    assert latency == {"p50": 50.5, "p95": 95.05}


# ---- reading the file -----------------------------------------------------------------------

def test_parse_tsv_reads_rows_and_normalises_gold_entities() -> None:
    content = (
        HEADER
        + 'ticket_status\ten\twhere is rs202611240007\t[{"entity": "ticket_number", '
        '"value": "rs202611240007"}]\n'
        + "greet\tzh-Hant\t你好\n"
        + "\n"
        + 'repair_request\tzh\t雪柜坏了\t[{"entity": "product", "value": "雪柜"}]\n'
    )
    rows = parse_tsv(content, "t.tsv")
    assert [r.intent for r in rows] == ["ticket_status", "greet", "repair_request"]
    assert rows[0].entities == (("ticket_number", "RS-20261124-0007"),)
    assert rows[1].entities is None
    assert rows[2].entities == (("product", "冰箱"),)
    assert rows[2].line == 5


def test_three_column_header_is_fine() -> None:
    assert len(parse_tsv("intent\tlang\ttext\ngreet\ten\thi\n")) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "t.tsv:1: missing header"),
        ("greet\ten\thi\n", "t.tsv:1: bad header"),
        (HEADER + "greet\tfr\tbonjour\n", "t.tsv:2: bad lang 'fr'"),
        (HEADER + "greet\ten\n", "t.tsv:2: expected 3 or 4 tab-separated columns, found 2"),
        (HEADER + "greet\ten\thi\t[]\textra\n", "t.tsv:2: expected 3 or 4"),
        ("intent\tlang\ttext\ngreet\ten\thi\t[]\n", "t.tsv:2: expected 3 tab-separated"),
        (HEADER + "greet\ten\thi\n" + "greet\ten\thi\t[{bad json\n", "t.tsv:3: the entities "
                                                                      "column is not valid JSON"),
        (HEADER + 'greet\ten\thi\t{"entity": "x"}\n', "t.tsv:2: the entities column must be"),
        (HEADER + 'greet\ten\thi\t[{"entity": "x"}]\n', "t.tsv:2: each entity must be"),
        (HEADER + "\ten\thi\n", "t.tsv:2: the intent is empty"),
        (HEADER + "greet\ten\t \n", "t.tsv:2: the text is empty"),
        (HEADER, "t.tsv: no examples"),
    ],
)
def test_malformed_files_name_the_line(content: str, message: str) -> None:
    with pytest.raises(EvalError) as caught:
        parse_tsv(content, "t.tsv")
    assert str(caught.value).startswith(message)


# ---- main() against a stub server -----------------------------------------------------------

class StubRasa(BaseHTTPRequestHandler):
    answers: dict[str, dict] = {}

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        answer = self.answers.get(body["text"], {"intent": {"name": "nlu_fallback",
                                                            "confidence": 0.3}})
        data = json.dumps({"text": body["text"], "entities": [], **answer}).encode()
        self.send_response(200 if self.path == "/model/parse" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def stub_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), StubRasa)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def write(tmp_path: Path, content: str) -> str:
    path = tmp_path / "test.tsv"
    path.write_text(content, encoding="utf-8")
    return str(path)


def test_main_prints_one_json_report(tmp_path: Path, stub_url: str, capsys) -> None:
    StubRasa.answers = {
        "我的工单到哪了 RS 20261124 0007": {
            "intent": {"name": "ticket_status", "confidence": 0.9},
            "entities": [
                {"entity": "ticket_number", "value": "RS 20261124 0007", "start": 8, "end": 24},
                # the regex extractor and DIET report the same span: counted once
                {"entity": "ticket_number", "value": "RS-20261124-0007", "start": 8, "end": 24},
            ],
        },
        "hi": {"intent": {"name": "greet", "confidence": 0.99}, "entities": []},
    }
    path = write(tmp_path, HEADER
                 + 'ticket_status\tzh\t我的工单到哪了 RS 20261124 0007\t'
                   '[{"entity": "ticket_number", "value": "RS-20261124-0007"}]\n'
                 + "greet\ten\thi\t[]\n"
                 + "out_of_scope\ten\twhat's the weather\n")
    assert main(path, stub_url, as_json=True) == 0
    out = capsys.readouterr().out.strip()
    report = json.loads(out)  # exactly one JSON object
    assert set(report) == {"n", "accuracy", "macro_f1", "per_language", "per_intent",
                           "entities", "confusions", "latency_ms"}
    assert report["n"] == 3 and report["accuracy"] == 1.0 and report["macro_f1"] == 1.0
    assert report["per_language"] == {"zh": 1.0, "zh-Hant": None, "en": 1.0}
    assert report["entities"]["ticket_number"]["f1"] == 1.0
    assert report["confusions"] == []
    assert report["latency_ms"]["p50"] > 0


def test_main_readable_report(tmp_path: Path, stub_url: str, capsys) -> None:
    StubRasa.answers = {"hi": {"intent": {"name": "greet", "confidence": 0.99}}}
    path = write(tmp_path, HEADER + "greet\ten\thi\nthanks\ten\tthx\n")
    assert main(path, stub_url, as_json=False) == 0
    out = capsys.readouterr().out
    assert "intent accuracy: 0.500" in out
    assert "thanks -> out_of_scope: 1" in out


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_main_unreachable_server_is_one_line(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, HEADER + "greet\ten\thi\n")
    assert main(path, f"http://127.0.0.1:{_unused_port()}", as_json=True) != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "cannot reach the Rasa server" in lines[0]
    assert "Traceback" not in captured.err


def test_main_malformed_file_is_one_line(tmp_path: Path, stub_url: str, capsys) -> None:
    path = write(tmp_path, HEADER + "greet\tde\thallo\n")
    assert main(path, stub_url, as_json=True) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: {path}:2: bad lang 'de'; expected one of zh, zh-Hant, en"


def test_main_missing_file(tmp_path: Path, capsys) -> None:
    assert main(str(tmp_path / "nope.tsv"), "http://127.0.0.1:1", as_json=False) == 2
    assert "no such file" in capsys.readouterr().err


def test_main_server_error_status(tmp_path: Path, stub_url: str, capsys) -> None:
    path = write(tmp_path, HEADER + "greet\ten\thi\n")
    assert main(path, stub_url + "/not-rasa", as_json=True) == 2
    assert "answered HTTP 404 for line 2" in capsys.readouterr().err


def test_entity_values_compare_case_insensitively() -> None:
    # Rasa's synonym mapper may restore a training annotation's case ("Monday afternoon").
    examples = [ex("inform", entities=(("time", "monday afternoon"),))]
    predictions = [pred("inform", ("time", "Monday afternoon"))]
    assert score(examples, predictions)["entities"]["time"]["f1"] == 1.0

"""nlu.client.NluClient with several Rasa replicas: spreading, failover, errors.

Spreading and failover are checked against small recording stand-ins for Rasa's
`POST /model/parse` on loopback (they count the parses each replica gets); the last tests
parse through the real Rasa server, with a dead replica beside it.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from nlu.client import NluClient, NluUnavailable, split_urls
from tests.support.processes import free_port


class Replica(ThreadingHTTPServer):
    """A stand-in Rasa replica: answers `greet` after `delay` s with HTTP `status`."""

    def __init__(self, *, status: int = 200, delay: float = 0.0) -> None:
        super().__init__(("127.0.0.1", 0), ReplicaHandler)
        self.status, self.delay, self.hits = status, delay, 0
        self.working = self.most_at_once = 0
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class ReplicaHandler(BaseHTTPRequestHandler):
    server: Replica

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        server = self.server
        with server.lock:
            server.hits += 1
            server.working += 1
            server.most_at_once = max(server.most_at_once, server.working)
        time.sleep(server.delay)
        with server.lock:
            server.working -= 1
        data = json.dumps({"text": body["text"], "entities": [],
                           "intent": {"name": "greet", "confidence": 0.9}}).encode()
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def replicas() -> Iterator[callable]:
    started: list[Replica] = []

    def start(**kwargs: object) -> Replica:
        server = Replica(**kwargs)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


def dead_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


def test_rasa_url_lists_replicas_comma_separated() -> None:
    assert split_urls("http://a:5005") == ["http://a:5005"]
    assert split_urls(" http://a:5005/, http://b:5006 ,") == ["http://a:5005", "http://b:5006"]
    assert split_urls(["http://a:5005/"]) == ["http://a:5005"]
    with pytest.raises(ValueError):
        NluClient(" , ")


async def test_simultaneous_parses_are_spread_evenly(replicas) -> None:
    first, second = replicas(delay=0.2), replicas(delay=0.2)
    client = NluClient(f"{first.url},{second.url}")
    try:
        parses = await asyncio.gather(*(client.parse("hi") for _ in range(8)))
    finally:
        await client.aclose()
    assert {parse.intent for parse in parses} == {"greet"}
    assert (first.hits, second.hits) == (4, 4)


async def test_a_replica_gets_two_parses_at_a_time_the_rest_wait_their_turn(replicas) -> None:
    # More would queue inside one `rasa run`, which serves them in batches, not in order.
    first, second = replicas(delay=0.1), replicas(delay=0.1)
    client = NluClient([first.url, second.url])
    try:
        parses = await asyncio.gather(*(client.parse("hi") for _ in range(12)))
    finally:
        await client.aclose()
    assert len(parses) == 12
    assert (first.most_at_once, second.most_at_once) == (2, 2)
    assert (first.hits, second.hits) == (6, 6)


async def test_waiting_for_a_free_replica_counts_against_the_timeout(replicas) -> None:
    slow = replicas(delay=1.0)
    client = NluClient(slow.url, timeout=1.5, per_replica=1)
    try:
        results = await asyncio.gather(*(client.parse("hi") for _ in range(3)),
                                       return_exceptions=True)
    finally:
        await client.aclose()
    assert [r.intent for r in results[:2]] == ["greet", "greet"]  # waited 0 s and 1 s
    assert isinstance(results[2], NluUnavailable)  # would have waited 2 s
    assert slow.hits == 2


async def test_a_busy_replica_is_passed_over(replicas) -> None:
    # The slow one is busy for longer than four quick parses take on a loaded machine.
    slow, quick = replicas(delay=2.0), replicas()
    client = NluClient([slow.url, quick.url])
    try:
        long_parse = asyncio.create_task(client.parse("a long message"))
        for _ in range(100):  # until the slow replica is working on it
            if slow.hits:
                break
            await asyncio.sleep(0.02)
        for _ in range(4):
            await client.parse("hi")
        await long_parse
    finally:
        await client.aclose()
    assert (slow.hits, quick.hits) == (1, 4)


async def test_parses_one_after_another_take_turns(replicas) -> None:
    first, second, third = replicas(), replicas(), replicas()
    client = NluClient([first.url, second.url, third.url])
    try:
        for _ in range(6):
            await client.parse("hi")
    finally:
        await client.aclose()
    assert (first.hits, second.hits, third.hits) == (2, 2, 2)


async def test_a_failing_replica_is_skipped_then_tried_again(replicas) -> None:
    broken, healthy = replicas(status=503), replicas()
    client = NluClient([broken.url, healthy.url], retry_after=0.3)
    try:
        for _ in range(4):
            assert (await client.parse("hi")).intent == "greet"
        assert broken.hits == 1  # failed once, then left alone
        assert healthy.hits == 4
        await asyncio.sleep(0.35)
        broken.status = 200
        for _ in range(4):
            await client.parse("hi")
    finally:
        await client.aclose()
    assert broken.hits == 3  # back in turn after the pause
    assert healthy.hits == 6


async def test_unusable_answer_is_not_retried_on_another_replica(replicas) -> None:
    rejecting, other = replicas(status=400), replicas(status=400)
    client = NluClient([rejecting.url, other.url])
    try:
        with pytest.raises(NluUnavailable):
            await client.parse("hi")
    finally:
        await client.aclose()
    assert (rejecting.hits, other.hits) == (1, 0)


async def test_no_replica_answering_is_nlu_unavailable() -> None:
    client = NluClient(f"{dead_url()},{dead_url()}", timeout=0.5)
    try:
        with pytest.raises(NluUnavailable):
            await client.parse("hi")
    finally:
        await client.aclose()


@pytest.mark.rasa
async def test_real_rasa_understands_through_a_list_with_a_dead_replica(rasa_url) -> None:
    client = NluClient(f"{dead_url()},{rasa_url}", timeout=3)
    try:
        parses = [await client.parse("我家雪櫃唔凍,可唔可以派師傅嚟睇下") for _ in range(3)]
    finally:
        await client.aclose()
    for parse in parses:
        assert parse.intent == "repair_request"
        assert parse.entity("product") == "冰箱"

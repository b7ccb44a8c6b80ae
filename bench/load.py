"""Load test: many customers holding real multi-turn conversations at once (issue 8).

Each simulated customer writes a repair request in Telegram (the fake Bot API on loopback),
answers the bot's questions one by one with a think time between turns, and submits: seven
bot answers over six turns, and one ticket. Everything else is real: the bot process(es), the
backend on a throwaway PostgreSQL database, the Rasa server. At the end it prints messages per
second, reply latency p50/p95/p99 (customer message → the bot's answer seen by Telegram), the
peak memory of each process, and the count of lost and doubled tickets and of missing and
repeated answers (all four must be 0; the exit code says so).

    .venv/bin/python -m bench.load --customers 1000 --rasa-url http://127.0.0.1:5005
    .venv/bin/python -m bench.load --customers 1000 --workers 2   # webhook, 2 bot processes

The test suite runs it with a few customers (tests/faults/test_load.py).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from backend.kernel.config import Settings
from bench.chat_latency import percentile
from nlu import rasa_env
from tests.support.processes import Service, free_port
from tests.support.proxy import TcpProxy
from tests.support.stack import running_stack

# (what the customer says, how many bot answers the chat holds afterwards)
SCRIPT = [("我家冰箱不制冷了,麻烦派个师傅来看看", 2), (("button", "skip:error_code"), 3),
          ("北京市朝阳区建国路88号3单元501", 4), (None, 5),  # None: the customer's phone
          ("明天下午", 6), (("button", "form:submit"), 7)]
ANSWERS = SCRIPT[-1][1]


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    failed_turns: int = 0
    started: float = 0.0
    finished: float = 0.0


class Watcher:
    """Follows everything the bot sends (one reader for all chats) and wakes the customers."""

    def __init__(self, telegram) -> None:
        self.telegram, self.seen = telegram, 0
        self.counts: defaultdict[int, int] = defaultdict(int)
        self.waiters: dict[int, tuple[int, asyncio.Future]] = {}

    async def run(self) -> None:
        while True:
            for message in self.telegram.sent_since(self.seen):
                self.seen = message.seq
                if message.method == "sendMessage":
                    self.counts[message.chat_id] += 1
            for chat, (count, future) in list(self.waiters.items()):
                if self.counts[chat] >= count and not future.done():
                    future.set_result(None)
            await asyncio.sleep(0.02)

    async def until(self, chat: int, count: int, timeout: float) -> None:
        future = asyncio.get_running_loop().create_future()
        self.waiters[chat] = (count, future)
        try:
            await asyncio.wait_for(future, timeout)
        finally:
            self.waiters.pop(chat, None)


async def customer(stack, watcher: Watcher, chat: int, results: Results, *, ramp: float,
                   think: tuple[float, float], timeout: float) -> None:
    await asyncio.sleep(random.uniform(0, ramp))
    for said, answers in SCRIPT:
        if said is None:
            stack.telegram.send_text(chat, f"139{chat % 100_000_000:08d}")
        elif isinstance(said, tuple):
            stack.telegram.press_button(chat, said[1])
        else:
            stack.telegram.send_text(chat, said)
        sent = time.perf_counter()
        try:
            await watcher.until(chat, answers, timeout)
        except TimeoutError:
            results.failed_turns += 1
            return
        results.latencies.append((time.perf_counter() - sent) * 1000)
        await asyncio.sleep(random.uniform(*think))


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def sample_memory(pids: dict[str, int], peaks: dict[str, float]) -> None:
    while True:
        for name, pid in pids.items():
            try:
                peaks[name] = max(peaks.get(name, 0.0), rss_mb(pid))
            except OSError:
                pass
        await asyncio.sleep(0.5)


async def drive(stack, chats: list[int], pids: dict[str, int], args) -> dict:
    watcher, results, peaks = Watcher(stack.telegram), Results(), {}
    background = [asyncio.create_task(watcher.run()),
                  asyncio.create_task(sample_memory(pids, peaks))]
    results.started = time.perf_counter()
    await asyncio.gather(*(customer(stack, watcher, chat, results, ramp=args.ramp,
                                    think=(args.think_min, args.think_max),
                                    timeout=args.timeout) for chat in chats))
    results.finished = time.perf_counter()
    await asyncio.sleep(args.settle)  # anything late or repeated shows up now
    for task in background:
        task.cancel()
    for message in stack.telegram.sent_since(watcher.seen):
        if message.method == "sendMessage":
            watcher.counts[message.chat_id] += 1
    return {"results": results, "counts": watcher.counts, "peaks": peaks}


def run(args) -> dict:
    """Run the load test; the figures as a dict (also used by the test suite)."""
    rasa_process = None
    rasa_url = args.rasa_url
    if not rasa_url:
        port = free_port()
        rasa_process = rasa_env.start_server(Settings(), port=port,
                                             log_file=Path(tempfile.mkdtemp()) / "rasa.log")
        rasa_url = f"http://127.0.0.1:{port}"
        rasa_env.wait_until_ready(rasa_url, timeout=300, process=rasa_process)
    balancer = TcpProxy() if args.workers > 1 else None
    overrides = {"CHAT_RATE_PER_MINUTE": "60", "CHAT_RATE_BURST": "20"}
    if balancer:
        overrides.update(TELEGRAM_WEBHOOK_URL=f"{balancer.url}/telegram/webhook",
                         TELEGRAM_WEBHOOK_SECRET="load-test-secret")
    try:
        with running_stack(rasa_url, Path(tempfile.mkdtemp()), **overrides) as stack:
            bots = [stack.bot]
            if balancer:
                for _ in range(args.workers - 1):
                    port = free_port()
                    bots.append(Service("bot", ["bot"], {**stack.bot.env, "BOT_PORT": str(port)},
                                        f"http://127.0.0.1:{port}/health").start())
                balancer.targets = [("127.0.0.1", urlparse(b.health_url).port) for b in bots]
                balancer.up()
            pids = {"backend": stack.backend.process.pid,
                    **{f"bot{i + 1}": b.process.pid for i, b in enumerate(bots)}}
            if rasa_process:
                pids["rasa"] = rasa_process.pid
            chats = [800_000_000 + i for i in range(args.customers)]
            outcome = asyncio.run(drive(stack, chats, pids, args))
            tickets = {int(row["chat_id"]): row["n"] for row in stack.sql("""
                SELECT c.chat_id, count(t.id) AS n FROM chat_identities c
                JOIN tickets t ON t.customer_id = c.customer_id
                WHERE c.channel = 'telegram' GROUP BY c.chat_id""")}
            for extra in bots[1:]:
                extra.stop()
    finally:
        if balancer:
            balancer.close()
        if rasa_process:
            rasa_env.stop_server(rasa_process)
    results, counts = outcome["results"], outcome["counts"]
    seconds = results.finished - results.started
    return {
        "customers": args.customers, "workers": args.workers,
        "turns": len(results.latencies), "failed_turns": results.failed_turns,
        "seconds": seconds,
        "messages_per_second": sum(counts.values()) / seconds if seconds else 0.0,
        "p50_ms": statistics.median(results.latencies) if results.latencies else 0.0,
        "p95_ms": percentile(results.latencies, .95),
        "p99_ms": percentile(results.latencies, .99),
        "memory_mb": outcome["peaks"],
        "lost_tickets": sum(1 for chat in chats if tickets.get(chat, 0) == 0),
        "doubled_tickets": sum(1 for chat in chats if tickets.get(chat, 0) > 1),
        "missing_answers": sum(max(0, ANSWERS - counts[chat]) for chat in chats),
        "repeated_answers": sum(max(0, counts[chat] - ANSWERS) for chat in chats),
    }


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1,
                        help="bot processes; more than 1 runs webhook mode behind a balancer")
    parser.add_argument("--rasa-url", help="a running Rasa server (default: start one)")
    parser.add_argument("--ramp", type=float, default=60.0,
                        help="customers start within this many seconds")
    parser.add_argument("--think-min", type=float, default=1.0)
    parser.add_argument("--think-max", type=float, default=4.0)
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds a customer waits for an answer before giving up")
    parser.add_argument("--settle", type=float, default=5.0)
    return parser


def main() -> None:
    figures = run(parser().parse_args())
    memory = ", ".join(f"{name} {mb:.0f} MB" for name, mb in figures.pop("memory_mb").items())
    for name, value in figures.items():
        print(f"{name:<20} {value:.1f}" if isinstance(value, float) else f"{name:<20} {value}")
    print(f"{'peak memory':<20} {memory}")
    bad = sum(figures[k] for k in ("lost_tickets", "doubled_tickets", "missing_answers",
                                   "repeated_answers", "failed_turns"))
    raise SystemExit(1 if bad else 0)


if __name__ == "__main__":
    main()

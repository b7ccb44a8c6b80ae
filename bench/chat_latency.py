"""Chat message → bot reply latency through the fake Telegram Bot API, on the real parts.

Starts the backend (a throwaway PostgreSQL database) and the bot as processes, the fake Bot
API on loopback, and uses a running Rasa server (--rasa-url) or starts one. Each of N
customers sends a message and the time until the bot's reply appears is measured; first
sequentially, then with C customers writing at once.

    .venv/bin/python -m bench.chat_latency --rasa-url http://127.0.0.1:5005 -n 100 -c 8
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from backend.kernel.config import Settings
from nlu import rasa_env
from tests.support.processes import free_port
from tests.support.stack import running_stack

MESSAGES = ["你好", "我的工单到哪了", "hello", "where is my ticket?", "你們幾點開門？",
            "冰箱保修多久", "thanks!", "謝謝"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def one_turn(stack, chat_id: int, text: str) -> float:
    mark = stack.telegram.mark()
    started = time.perf_counter()
    stack.telegram.send_text(chat_id, text)
    stack.telegram.wait_for_messages(chat_id, 1, timeout=30, since=mark, methods={"sendMessage"})
    return (time.perf_counter() - started) * 1000


def report(name: str, latencies: list[float], seconds: float) -> None:
    print(f"{name:<14} n={len(latencies):<5} {len(latencies) / seconds:6.1f} msg/s   "
          f"p50 {statistics.median(latencies):6.1f} ms   p95 {percentile(latencies, .95):6.1f} ms"
          f"   p99 {percentile(latencies, .99):6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rasa-url")
    parser.add_argument("-n", type=int, default=100, help="messages per run")
    parser.add_argument("-c", type=int, default=8, help="customers writing at once")
    args = parser.parse_args()
    rasa = None
    rasa_url = args.rasa_url
    if not rasa_url:
        port = free_port()
        rasa = rasa_env.start_server(Settings(), port=port)
        rasa_url = f"http://127.0.0.1:{port}"
        rasa_env.wait_until_ready(rasa_url, timeout=300, process=rasa)
    try:
        with running_stack(rasa_url, Path(tempfile.mkdtemp())) as stack:
            for warm in range(5):
                one_turn(stack, 900_000 + warm, "你好")
            started = time.perf_counter()
            latencies = [one_turn(stack, 910_000 + i, MESSAGES[i % len(MESSAGES)])
                         for i in range(args.n)]
            report("sequential", latencies, time.perf_counter() - started)
            started = time.perf_counter()
            with ThreadPoolExecutor(args.c) as pool:
                latencies = list(pool.map(
                    lambda i: one_turn(stack, 920_000 + i, MESSAGES[i % len(MESSAGES)]),
                    range(args.n)))
            report(f"{args.c} at once", latencies, time.perf_counter() - started)
    finally:
        if rasa:
            rasa_env.stop_server(rasa)


if __name__ == "__main__":
    main()

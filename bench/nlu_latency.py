"""Latency of NLU parses as the bot sees them, sequential and with concurrent clients.

The requests go through the bot's own `nlu.client.NluClient` (one client shared by all
chats, as in the bot), so with several Rasa replicas the benchmark measures the same
least-busy spreading and the same entity normalisation the bot gets. Start the server(s)
first (`frontdesk nlu serve`, or `frontdesk up` with RASA_REPLICAS=2), then:

    .venv/bin/python bench/nlu_latency.py [--url http://127.0.0.1:5005[,http://127.0.0.1:5006]]
                                           [--requests 300] [--concurrency 8] [--json]
                                           [--cpu-pid PID ...]

`--cpu-pid` (Linux) also reports the CPU time the given Rasa processes spent per parse,
which unlike wall-clock latency does not depend on what else runs on the machine.
The messages are a fixed mix of short and long Simplified, Traditional, English and mixed
texts. Each phase is warmed up first and is bounded in count and time; loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nlu.client import NluClient, NluUnavailable  # noqa: E402

MESSAGES = [
    "我家冰箱不制冷了,麻烦派个师傅来看看",
    "我的工单到哪了",
    "where is my ticket RS-20261124-0007",
    "冷氣壞咗,幾時可以上門",
    "13812345678",
    "明天下午",
    "the fridge",
    "催",
    "hi",
    "热水器显示E4,没有热水,家里老人小孩都等着洗澡,能不能今天就派人过来看一下,地址是朝阳区建国路88号",
    "my washing machine shows E24 and won't drain, can a technician come next Monday morning?",
    "雪櫃唔凍,可唔可以派師傅嚟睇下",
    "保固期多久",
    "转人工",
    "AC不制冷了,想book个repair 😩",
    "thanks, bye",
]
TIME_LIMIT_S = 120  # per phase: the benchmark always stops by itself


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pick(q: float) -> float:
        rank = (len(ordered) - 1) * q
        low = int(rank)
        high = min(low + 1, len(ordered) - 1)
        return round(ordered[low] + (ordered[high] - ordered[low]) * (rank - low), 2)

    return {
        "n": len(ordered),
        "p50": pick(0.50),
        "p95": pick(0.95),
        "p99": pick(0.99),
        "mean": round(statistics.fmean(ordered), 2),
        "max": round(ordered[-1], 2),
    }


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the processes so far (Linux /proc)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


async def phase(client: NluClient, requests: int, clients: int, pids: list[int]) -> dict:
    """`clients` tasks send the messages back to back until `requests` parses are done."""
    samples: list[float] = []
    counter = iter(range(requests))
    await asyncio.gather(*(client.parse(text) for text in MESSAGES))  # warm-up

    async def worker() -> None:
        for i in counter:
            if time.perf_counter() - started > TIME_LIMIT_S:
                return
            t0 = time.perf_counter()
            await client.parse(MESSAGES[i % len(MESSAGES)])
            samples.append((time.perf_counter() - t0) * 1000)

    cpu_before = cpu_seconds(pids) if pids else 0.0
    own_cpu_before = time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    result = {**percentiles(samples), "req_per_s": round(len(samples) / elapsed, 1),
              "client_cpu_ms_per_parse": round(
                  (time.process_time() - own_cpu_before) * 1000 / len(samples), 2)}
    if pids:
        result["server_cpu_ms_per_parse"] = round(
            (cpu_seconds(pids) - cpu_before) * 1000 / len(samples), 2)
    return result


async def run(urls: str, requests: int, concurrency: int, pids: list[int]) -> dict:
    client = NluClient(urls, timeout=30)
    try:
        return {
            "url": urls,
            "replicas": len(client.replicas),
            "load_average_1min": os.getloadavg()[0],
            "sequential": await phase(client, requests, 1, pids),
            f"concurrent_{concurrency}": await phase(client, requests, concurrency, pids),
        }
    finally:
        await client.aclose()


def main() -> int:
    parser = argparse.ArgumentParser(description="NLU parse latency through the bot's client")
    parser.add_argument("--url", default="http://127.0.0.1:5005",
                        help="Rasa base URL, or several comma-separated (replicas)")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--cpu-pid", type=int, action="append", default=[],
                        help="a Rasa server process to report CPU per parse for (repeatable)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    try:
        result = asyncio.run(run(args.url, args.requests, args.concurrency, args.cpu_pid))
    except (NluUnavailable, OSError) as exc:
        print(f"error: cannot benchmark {args.url}: {type(exc).__name__}: {exc}",
              file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{result['url']}: {result['replicas']} replica(s), "
          f"load average {result['load_average_1min']:.2f} before the run")
    for name, r in result.items():
        if not isinstance(r, dict):
            continue
        cpu = f"  CPU/parse: client {r['client_cpu_ms_per_parse']:.2f} ms"
        if "server_cpu_ms_per_parse" in r:
            cpu += f", server {r['server_cpu_ms_per_parse']:.2f} ms"
        print(f"{name:<14} n={r['n']:<4} p50 {r['p50']:7.2f} ms  p95 {r['p95']:7.2f} ms  "
              f"p99 {r['p99']:7.2f} ms  max {r['max']:7.2f} ms  {r['req_per_s']:6.1f} req/s{cpu}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

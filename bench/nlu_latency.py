"""Latency of the Rasa NLU server's `POST /model/parse`, sequential and concurrent.

Start the server first (`frontdesk nlu serve`, or `rasa run --enable-api -i 127.0.0.1
--port 5005 -m nlu/models`), then:

    .venv/bin/python bench/nlu_latency.py [--url http://127.0.0.1:5005] [--requests 300]
                                           [--concurrency 8] [--json]

The messages are a fixed mix of short and long Simplified, Traditional, English and mixed
texts. Each phase is warmed up first and is bounded in count and time; loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time

import httpx

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


def sequential(url: str, requests: int) -> tuple[dict[str, float], float]:
    samples = []
    with httpx.Client(timeout=10, trust_env=False) as client:
        for text in MESSAGES:  # warm-up
            client.post(url, json={"text": text}).raise_for_status()
        started = time.perf_counter()
        for i in range(requests):
            if time.perf_counter() - started > TIME_LIMIT_S:
                break
            t0 = time.perf_counter()
            client.post(url, json={"text": MESSAGES[i % len(MESSAGES)]}).raise_for_status()
            samples.append((time.perf_counter() - t0) * 1000)
        elapsed = time.perf_counter() - started
    return percentiles(samples), len(samples) / elapsed


async def concurrent(url: str, requests: int, clients: int) -> tuple[dict[str, float], float]:
    samples: list[float] = []
    counter = iter(range(requests))
    started = time.perf_counter()

    async def worker(client: httpx.AsyncClient) -> None:
        for i in counter:
            if time.perf_counter() - started > TIME_LIMIT_S:
                return
            t0 = time.perf_counter()
            response = await client.post(url, json={"text": MESSAGES[i % len(MESSAGES)]})
            response.raise_for_status()
            samples.append((time.perf_counter() - t0) * 1000)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=30, trust_env=False, limits=limits) as client:
        await asyncio.gather(*(client.post(url, json={"text": t}) for t in MESSAGES[:clients]))
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return percentiles(samples), len(samples) / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description="Rasa /model/parse latency benchmark")
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    url = args.url.rstrip("/") + "/model/parse"
    try:
        seq, seq_rps = sequential(url, args.requests)
        conc, conc_rps = asyncio.run(concurrent(url, args.requests, args.concurrency))
    except httpx.HTTPError as exc:
        print(f"error: cannot benchmark {url}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    result = {
        "url": url,
        "sequential": {**seq, "req_per_s": round(seq_rps, 1)},
        f"concurrent_{args.concurrency}": {**conc, "req_per_s": round(conc_rps, 1)},
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"POST {url}")
        for name, r in result.items():
            if name == "url":
                continue
            print(f"{name:<14} n={r['n']:<4} p50 {r['p50']:7.2f} ms  p95 {r['p95']:7.2f} ms  "
                  f"p99 {r['p99']:7.2f} ms  max {r['max']:7.2f} ms  {r['req_per_s']:6.1f} req/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

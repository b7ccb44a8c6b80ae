"""Benchmark: the statistics endpoint on 100,000 tickets (PostgreSQL).

    .venv/bin/python bench/stats.py [-n 100000] [--calls 20]

In a throwaway PostgreSQL database (tests.support.db; FRONTDESK_TEST_PG_URL):
1. a year of generated service history (tests/backend/stats/dataset.py: tickets with their
   events, milestone columns and surveys) loaded with COPY (the triggers queue every ticket),
   then the statistics' facts written from the queue (timed), then ANALYZE;
2. the backend in its own process (uvicorn on loopback, background workers off);
3. for each query, 3 warm-up calls, then `--calls` sequential calls over HTTP, twice:
   "changed", where a ticket was changed before each call (so the call writes that ticket's
   facts and computes the report: what a request costs on a busy service), and "unchanged"
   (the report comes from the cache). Prints p50 and p95 of the wall time per call, the
   tickets each call covers, and the CPU time per call of the backend process and of
   PostgreSQL's server processes (what the call costs, whatever else the machine is doing),
   with a yardstick of the machine's speed and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from backend.kernel.config import DEV_STAFF_TOKEN  # noqa: E402
from backend.kernel.database import make_engine, make_sessionmaker  # noqa: E402
from backend.stats import service as stats_service  # noqa: E402
from tests.backend.stats.dataset import Dataset, generate  # noqa: E402
from tests.support.db import postgres_database  # noqa: E402
from tests.support.processes import Service, free_port  # noqa: E402

START = datetime(2025, 1, 1, tzinfo=UTC)
DAYS = 365
WARMUP = 3
# What the console's statistics page asks for (one breakdown at a time), and the whole report.
QUERIES = [
    ("page: 30 days by day, by type",
     {"from": "2025-11-01", "to": "2025-11-30", "group_by": "day", "breakdown": "type"}),
    ("one month by day, every breakdown",
     {"from": "2025-11-01", "to": "2025-11-30", "group_by": "day"}),
    ("page: one month, repairs of one technician",
     {"from": "2025-11-01", "to": "2025-11-30", "group_by": "day", "type": "repair",
      "technician": "li.na", "breakdown": "type"}),
    ("page: a quarter by week, by product",
     {"from": "2025-07-01", "to": "2025-09-30", "group_by": "week", "breakdown": "product"}),
    ("page: half a year by month, by outlet",
     {"from": "2025-07-01", "to": "2025-12-31", "group_by": "month", "breakdown": "outlet"}),
    ("page: the year by month, by technician",
     {"from": "2025-01-01", "to": "2025-12-31", "group_by": "month",
      "breakdown": "technician"}),
    ("the year by month, every breakdown", {"from": "2025-01-01", "to": "2025-12-31",
                                            "group_by": "month"}),
    ("CSV: the year by month", {"from": "2025-01-01", "to": "2025-12-31", "group_by": "month",
                                "csv": True}),
]
JSON_COLUMNS = {"details", "attachments", "districts"}


async def load(database_url: str, data: Dataset) -> None:
    """COPY every generated row in (asyncpg)."""
    connection = await asyncpg.connect(
        make_url(database_url).set(drivername="postgresql").render_as_string(False))
    try:
        for table, rows in (("customers", data.customers), ("staff", data.staff),
                            ("outlets", data.outlets), ("sla_policies", data.policies),
                            ("tickets", data.tickets), ("ticket_events", data.events),
                            ("surveys", data.surveys)):
            columns = list(rows[0])
            records = [tuple(json.dumps(row[c], ensure_ascii=False) if c in JSON_COLUMNS
                             else row[c] for c in columns) for row in rows]
            await connection.copy_records_to_table(table, records=records, columns=columns)
    finally:
        await connection.close()


async def write_facts(database_url: str) -> int:
    """The facts of every ticket queued by the COPY (what the facts worker does), then
    ANALYZE."""
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            written = await stats_service.refresh_facts(db_session=session)
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.exec_driver_sql("VACUUM ANALYZE")
    finally:
        await engine.dispose()
    return written


def start_backend(database_url: str, port: int) -> Service:
    """The backend as its own process (`frontdesk backend`), healthy."""
    return Service("backend", ["backend"], {
        "ENVIRONMENT": "development", "DATABASE_URL": database_url, "BACKEND_PORT": str(port),
        "OUTBOX_DISPATCHER_ENABLED": "false", "SLA_WORKER_ENABLED": "false",
        "SURVEY_WORKER_ENABLED": "false", "STATS_FACTS_WORKER_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
    }, f"http://127.0.0.1:{port}/health").start(timeout=30)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_backends(database_url: str) -> list[int]:
    """The server processes serving the benchmark database (the backend's connections)."""
    async def pids() -> list[int]:
        connection = await asyncpg.connect(
            make_url(database_url).set(drivername="postgresql").render_as_string(False))
        try:
            rows = await connection.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()")
            return [row["pid"] for row in rows]
        finally:
            await connection.close()
    return asyncio.run(pids())


@dataclass(frozen=True)
class Result:
    name: str
    changed: bool  # a ticket changed before each call
    tickets: int
    p50: float
    p95: float
    backend_cpu: float  # ms per call, the uvicorn process
    database_cpu: float  # ms per call, PostgreSQL's server processes


class TicketToucher:
    """Changes a ticket (sets its status to itself: the trigger queues it) from its own
    connection, whose CPU is not counted."""

    def __init__(self, database_url: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._connection = self._loop.run_until_complete(asyncpg.connect(
            make_url(database_url).set(drivername="postgresql").render_as_string(False)))
        self.pid = self._connection.get_server_pid()
        self._next = 0

    def touch(self) -> None:
        self._next += 1
        self._loop.run_until_complete(self._connection.execute(
            "UPDATE tickets SET status = status WHERE id = $1", self._next))

    def close(self) -> None:
        self._loop.run_until_complete(self._connection.close())
        self._loop.close()


def measure(base_url: str, database_url: str, backend_pid: int, calls: int) -> list[Result]:
    headers = {"Authorization": f"Bearer {DEV_STAFF_TOKEN}"}
    results = []
    toucher = TicketToucher(database_url)
    try:
        with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
            for name, query in QUERIES:
                params = {k: v for k, v in query.items() if k != "csv"}
                path = "/api/v1/stats.csv" if query.get("csv") else "/api/v1/stats"
                for _ in range(WARMUP):
                    client.get(path, params=params).raise_for_status()
                tickets = client.get("/api/v1/stats", params={**params, "breakdown": "type"}
                                     ).json()["overall"]["tickets"]
                for changed in (True, False):
                    servers = [p for p in postgres_backends(database_url) if p != toucher.pid]
                    cpu_before = (cpu_seconds(backend_pid),
                                  sum(cpu_seconds(p) for p in servers))
                    times = []
                    for _ in range(calls):
                        if changed:
                            toucher.touch()
                        began = time.perf_counter()
                        response = client.get(path, params=params)
                        times.append((time.perf_counter() - began) * 1000)
                        response.raise_for_status()
                    backend_cpu = (cpu_seconds(backend_pid) - cpu_before[0]) * 1000 / calls
                    database_cpu = ((sum(cpu_seconds(p) for p in servers) - cpu_before[1])
                                    * 1000 / calls)
                    p95 = statistics.quantiles(times, n=20, method="inclusive")[18]
                    results.append(Result(name, changed, tickets, statistics.median(times),
                                          p95, backend_cpu, database_cpu))
    finally:
        toucher.close()
    return results


def count_all_tickets_ms(database_url: str) -> float:
    """A yardstick of this machine's speed: the best of 5 `SELECT count(*) FROM tickets`."""
    async def timed() -> float:
        connection = await asyncpg.connect(
            make_url(database_url).set(drivername="postgresql").render_as_string(False))
        try:
            best = float("inf")
            for _ in range(5):
                began = time.perf_counter()
                await connection.fetchval("SELECT count(*) FROM tickets")
                best = min(best, (time.perf_counter() - began) * 1000)
            return best
        finally:
            await connection.close()
    return asyncio.run(timed())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000, help="tickets")
    parser.add_argument("--calls", type=int, default=20, help="measured calls per query")
    args = parser.parse_args()

    began = time.perf_counter()
    data = generate(args.n, seed=1, start=START, days=DAYS)
    generated = time.perf_counter() - began
    with postgres_database(prefix="frontdesk_bench") as database_url:
        began = time.perf_counter()
        asyncio.run(load(database_url, data))
        loaded = time.perf_counter() - began
        began = time.perf_counter()
        written = asyncio.run(write_facts(database_url))
        facts_seconds = time.perf_counter() - began
        yardstick = count_all_tickets_ms(database_url)
        port = free_port()
        backend = start_backend(database_url, port)
        try:
            load_before = os.getloadavg()[0]
            results = measure(f"http://127.0.0.1:{port}", database_url, backend.process.pid,
                              args.calls)
            load_after = os.getloadavg()[0]
        finally:
            backend.stop()

    print(f"PostgreSQL, {len(data.tickets)} tickets, {len(data.events)} events, "
          f"{len(data.surveys)} surveys over {DAYS} days (generated in {generated:.0f} s, "
          f"COPY {loaded:.0f} s, facts of {written} queued changes + ANALYZE "
          f"{facts_seconds:.1f} s); {os.cpu_count()} CPUs, load average "
          f"{load_before:.1f} before, {load_after:.1f} after; "
          f"{WARMUP} warm-up + {args.calls} sequential calls per query")
    print(f"yardstick: SELECT count(*) FROM tickets takes {yardstick:.1f} ms on this machine")
    print(f"{'query':<44} {'tickets':>8} {'before':>10} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'CPU ms/call':>20}")
    for r in results:
        cpu = f"{r.backend_cpu:.0f} app + {r.database_cpu:.0f} db"
        before = "changed" if r.changed else "unchanged"
        print(f"{r.name:<44} {r.tickets:>8} {before:>10} {r.p50:>8.1f} {r.p95:>8.1f} "
              f"{cpu:>20}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

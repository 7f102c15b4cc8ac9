"""``bulk``: provisioning ``sizes.bulk_pools`` new pools through the engine versus a
hand-written raw aiohttp loop, at the same concurrency.

* engine: ``bland_pools.provision.provision(desired_mapping, manifest=<fresh SQLite file>,
  client=AsyncBlandClient(api_key=..., base_url=<server>, max_rate=math.inf),
  concurrency=32)``: it checks and normalizes the input, lists the organization's pools
  (one request), plans, and runs a fixed set of workers, each committing an intent to the
  manifest before its create and the outcome after it;
* raw: what one would write by hand, ``asyncio.gather`` over one coroutine per pool under an
  ``asyncio.Semaphore(32)``, each ``session.post(url, json={"phone_numbers": [...]},
  headers={"Authorization": key})`` + ``resp.json()``: no input checks, no manifest, no
  retries.

Both create the same pools (two numbers each) against the fast server (``_server.py``, another
process), which answers a create with a new pool in microseconds. Each round uses a fresh
client (or session) and a fresh manifest; rounds alternate which side goes first. The figure
is the median of the per-round ratios of pools per second, engine/raw.

Beside wall time, each side's CPU time per pool (``time.process_time`` of the benchmark
process around the side's run: the server is another process, so this is the client's own
work, and it holds still on a loaded machine where wall time swings). The CPU figure is the
median of the per-round ratios engine/raw of CPU microseconds per pool; target at most 1.15.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import tempfile
import time
from pathlib import Path
from typing import Final

import aiohttp

from benchmarks._harness import CpuWatch, Outcome, Sizes, log, median_ratio, orders
from benchmarks.bench_overhead import API_KEY, BenchmarkError, Server, can_pin, running_server
from bland_pools import AsyncBlandClient
from bland_pools.provision import provision

TITLE: Final = "Bulk provisioning: the engine vs a raw aiohttp loop"
TARGET: Final = 0.8
CPU_TARGET: Final = 1.15


def desired_pools(count: int) -> dict[str, list[str]]:
    """``count`` pools of two numbers each, every number distinct (``+1`` and ten digits)."""
    return {
        f"pool-{i:06d}": [f"+1{2_000_000_000 + 2 * i}", f"+1{2_000_000_000 + 2 * i + 1}"]
        for i in range(count)
    }


def run(sizes: Sizes) -> Outcome:
    outcome = Outcome(TITLE, sizes.describe("bulk_pools", "bulk_rounds", "bulk_concurrency"))
    desired = desired_pools(sizes.bulk_pools)
    with running_server(pin=can_pin()) as server:
        seconds, cpu = asyncio.run(_rounds(server, desired, sizes, outcome))
    per_pool = {side: [c / sizes.bulk_pools * 1e6 for c in values] for side, values in cpu.items()}
    rates = {side: [sizes.bulk_pools / s for s in values] for side, values in seconds.items()}
    outcome.add(
        "engine_vs_raw",
        f"Bulk {sizes.bulk_pools:,} creates x{sizes.bulk_concurrency}: engine/raw pools/s",
        median_ratio(rates["engine"], rates["raw"]),
        target=TARGET,
        measured={
            "engine_pools_per_s": round(statistics.median(rates["engine"])),
            "raw_pools_per_s": round(statistics.median(rates["raw"])),
            "engine_seconds": round(statistics.median(seconds["engine"]), 3),
            "raw_seconds": round(statistics.median(seconds["raw"]), 3),
            "rounds": rates,
        },
        summary=f"engine {statistics.median(rates['engine']):,.0f} vs raw "
        f"{statistics.median(rates['raw']):,.0f} pools/s",
    )
    engine_us, raw_us = (statistics.median(per_pool[side]) for side in ("engine", "raw"))
    outcome.add(
        "engine_cpu_vs_raw",
        f"Bulk {sizes.bulk_pools:,} creates x{sizes.bulk_concurrency}: engine/raw CPU per pool",
        median_ratio(per_pool["engine"], per_pool["raw"]),
        target=CPU_TARGET,
        compare="<=",
        measured={
            "engine_cpu_us_per_pool": round(engine_us, 1),
            "raw_cpu_us_per_pool": round(raw_us, 1),
            "rounds": per_pool,
        },
        summary=f"engine {engine_us:.0f} vs raw {raw_us:.0f} us CPU per pool",
    )
    return outcome


async def _rounds(
    server: Server, desired: dict[str, list[str]], sizes: Sizes, outcome: Outcome
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    sides = {
        "engine": lambda: _engine(server.base_url, desired, sizes.bulk_concurrency),
        "raw": lambda: _raw(server.base_url, desired, sizes.bulk_concurrency),
    }
    seconds: dict[str, list[float]] = {side: [] for side in sides}
    cpu: dict[str, list[float]] = {side: [] for side in sides}
    with CpuWatch(server.pid) as watch:
        for index, order in enumerate(orders(list(sides), sizes.bulk_rounds)):
            for side in order:
                started = time.process_time()
                seconds[side].append(await sides[side]())
                cpu[side].append(time.process_time() - started)
            log(
                f"  bulk round {index + 1}/{sizes.bulk_rounds}: "
                + ", ".join(f"{s} {len(desired) / v[-1]:,.0f} pools/s" for s, v in seconds.items())
            )
    outcome.watch(watch)
    return seconds, cpu


async def _engine(base_url: str, desired: dict[str, list[str]], concurrency: int) -> float:
    """Seconds the engine takes to create every pool of ``desired``, on a fresh manifest."""
    return await engine_seconds(base_url, API_KEY, desired, concurrency, max_rate=math.inf)


async def engine_seconds(
    base_url: str,
    api_key: str,
    desired: dict[str, list[str]],
    concurrency: int,
    *,
    max_rate: float,
    max_retries: int = 2,
) -> float:
    """Seconds ``provision`` takes to create every pool of ``desired`` on a fresh manifest,
    with a client of this pace (the bulk and the rate-limited measures)."""
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
        async with AsyncBlandClient(
            api_key=api_key, base_url=base_url, max_rate=max_rate, max_retries=max_retries
        ) as client:
            started = time.perf_counter()
            report = await provision(
                desired, manifest=Path(tmp) / "pools.db", client=client, concurrency=concurrency
            )
            elapsed = time.perf_counter() - started
    if report.count("created") != len(desired):
        raise BenchmarkError(f"the engine did not create every pool: {report.to_dict()['counts']}")
    return elapsed


async def _raw(base_url: str, desired: dict[str, list[str]], concurrency: int) -> float:
    """Seconds a hand-written loop takes to create every pool of ``desired``."""
    url = f"{base_url}/v1/custom-dialing-pools"
    headers = {"Authorization": API_KEY}
    async with aiohttp.ClientSession() as session:
        semaphore = asyncio.Semaphore(concurrency)

        async def create(numbers: list[str]) -> str:
            async with (
                semaphore,
                session.post(url, json={"phone_numbers": numbers}, headers=headers) as resp,
            ):
                payload = await resp.json()
            pool_id: str = payload["data"]["id"]
            return pool_id

        started = time.perf_counter()
        ids = await asyncio.gather(*(create(numbers) for numbers in desired.values()))
        elapsed = time.perf_counter() - started
    if len(set(ids)) != len(desired):
        raise BenchmarkError("the raw loop did not create every pool")
    return elapsed

"""``ghl_export``: listing many locations at once under GoHighLevel's real rate limit.

A ``GHLEmulator`` (``benchmarks/_emulator.py ghl``, in its own process) allows one token 20
locations (three sample pools each) and limits each location to 100 requests per 10 seconds,
as GoHighLevel does. One ``AsyncGHLClient`` makes 150 ``pools.list(location_id=...)``
requests per location, all locations at once: a fixed set of 10 worker tasks per location
(200 in all), each looping until its location's 150 are used up. The client's limiter is
what keeps it within the limit.

The theoretical minimum: in each location the first 100 requests go at once and the 101st
can go when the first leaves the window, so 150 requests take one interval, 10 s (in general
``floor((requests - 1) / limit) * interval``). Figures: completion time / minimum (target
within 10%: at most 1.10) and the number of 429 answers in the emulator's request log
(target: none).
"""

from __future__ import annotations

import asyncio
import collections
import math
import time
from pathlib import Path
from typing import Any, Final

import aiohttp

import ghl_pools
from benchmarks._harness import CpuWatch, Outcome, Sizes, log
from benchmarks.bench_overhead import BenchmarkError, can_pin, running_script

TITLE: Final = "GoHighLevel export of many locations under the 100 per 10 s limit"
TARGET: Final = 1.10
TOKEN: Final = "bench-export-token"
EMULATOR_SCRIPT: Final = str(Path(__file__).resolve().parent.parent / "_emulator.py")


def minimum_seconds(requests: int, limit: int, interval: float) -> float:
    """The least time ``requests`` take at ``limit`` per sliding ``interval``, if each one
    took no time: the (k * limit + 1)-th can go at k intervals."""
    return math.floor((requests - 1) / limit) * interval


def run(sizes: Sizes) -> Outcome:
    outcome = Outcome(
        TITLE,
        sizes.describe(
            "export_locations",
            "export_requests",
            "export_rate_limit",
            "export_rate_interval",
            "export_workers",
        ),
    )
    locations = [f"benchLocation{i:02d}" for i in range(sizes.export_locations)]
    total = len(locations) * sizes.export_requests
    args = [EMULATOR_SCRIPT, "ghl", "--token", TOKEN]
    for location in locations:
        args += ["--location", location]
    args += [
        "--rate-limit",
        str(sizes.export_rate_limit),
        "--rate-interval",
        str(sizes.export_rate_interval),
        "--log-limit",
        str(total * 4 + 100),
    ]
    with running_script(args, pin=can_pin()) as emulator:
        with CpuWatch(emulator.pid) as watch:
            elapsed, failures = asyncio.run(_export(emulator.base_url, locations, sizes))
        outcome.watch(watch)
        log_entries = asyncio.run(_request_log(emulator.base_url))
    statuses = collections.Counter(str(entry.get("status")) for entry in log_entries)
    minimum = minimum_seconds(
        sizes.export_requests, sizes.export_rate_limit, sizes.export_rate_interval
    )
    log(
        f"  ghl_export: {total:,} lists in {elapsed:.2f} s (minimum {minimum:.2f} s), "
        f"answers {dict(statuses)}"
    )
    if failures:
        outcome.note(f"ghl_export: {failures} of {total} calls failed (see the statuses)")
    where = f"{len(locations)} locations x {sizes.export_requests}"
    outcome.add(
        "completion",
        f"GHL export {where}: time/theoretical minimum",
        elapsed / minimum if minimum > 0 else None,
        target=TARGET,
        compare="<=",
        measured={
            "seconds": round(elapsed, 3),
            "minimum_seconds": minimum,
            "requests": total,
            "failed_calls": failures,
            "server_cpu_percent": watch.server,
        },
        summary=f"{elapsed:.2f} s vs {minimum:g} s minimum",
    )
    outcome.add(
        "rate_limited",
        f"GHL export {where}: 429 answers",
        float(statuses.get("429", 0)),
        unit="count",
        target=0,
        compare="<=",
        measured={"statuses": dict(statuses), "logged_requests": len(log_entries)},
        summary=f"{len(log_entries):,} requests logged, {statuses.get('429', 0)} answered 429",
    )
    return outcome


async def _export(base_url: str, locations: list[str], sizes: Sizes) -> tuple[float, int]:
    """Seconds for every location's requests, and how many calls raised."""
    failures = 0
    async with ghl_pools.AsyncGHLClient(token=TOKEN, base_url=base_url) as ghl:
        pools = ghl.pools

        async def worker(location: str, left: list[int]) -> None:
            nonlocal failures
            while left[0] > 0:
                left[0] -= 1
                try:
                    page = await pools.list(location_id=location)
                except ghl_pools.GHLError:
                    failures += 1
                    continue
                if len(page) != 3:
                    raise BenchmarkError(f"{location}: a page of {len(page)} pools, not 3")

        started = time.perf_counter()
        async with asyncio.TaskGroup() as group:
            for location in locations:
                left = [sizes.export_requests]
                for _ in range(min(sizes.export_workers, sizes.export_requests)):
                    group.create_task(worker(location, left))
        elapsed = time.perf_counter() - started
    return elapsed, failures


async def _request_log(base_url: str) -> list[dict[str, Any]]:
    """The emulator's log of the list requests (every answer's status)."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{base_url}/_emulator/requests") as resp,
    ):
        entries: list[dict[str, Any]] = await resp.json()
    return [e for e in entries if e.get("path") == "/phone-system/number-pools"]

"""Many concurrent creates with the client alone, safely.

    python examples/bulk_provision.py --emulator --pools 500 --concurrency 16

For a real job (a file of pools, a manifest, resumable after a crash, updates and deletes),
use the engine instead: ``bland-pools provision FILE --manifest PATH`` or
``bland_pools.provision.provision()``. This script shows what it builds on: one client's
duplicate-free create under concurrency and faults.

Each pool gets its own block of numbers. Concurrency is bounded by a fixed set of worker tasks
(never a gather over the whole job), failures are collected per pool instead of aborting the
run, and the SDK's duplicate-free create means a retried pool is never created twice. With
``--emulator`` the job runs against an embedded emulator that injects faults (5xx, dropped
connections after the pool was made, 429s), and checks at the end that no duplicate was left.
Without it, the API key comes from ``BLAND_API_KEY``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import bland_pools
from bland_pools import AsyncBlandClient, DialingPool

if TYPE_CHECKING:
    from bland_pools.testing import BlandEmulator


def numbers_for(index: int, size: int) -> list[str]:
    """``size`` distinct numbers for pool ``index`` (up to 9,999 pools of 999 numbers)."""
    return [f"+1555{index:04d}{n:03d}" for n in range(size)]


async def provision(
    bland: AsyncBlandClient, jobs: list[list[str]], concurrency: int
) -> tuple[list[DialingPool], list[tuple[list[str], bland_pools.BlandError]]]:
    queue: asyncio.Queue[list[str]] = asyncio.Queue()
    for numbers in jobs:
        queue.put_nowait(numbers)
    created: list[DialingPool] = []
    failed: list[tuple[list[str], bland_pools.BlandError]] = []

    async def worker() -> None:
        while not queue.empty():
            numbers = queue.get_nowait()
            try:
                created.append(await bland.pools.create(numbers))
            except bland_pools.BlandError as exc:  # keep going; report at the end
                failed.append((numbers, exc))

    async with asyncio.TaskGroup() as group:
        for _ in range(concurrency):
            group.create_task(worker())
    return created, failed


@contextlib.asynccontextmanager
async def client(
    use_emulator: bool,
) -> AsyncIterator[tuple[AsyncBlandClient, BlandEmulator | None]]:
    # A bulk job would rather wait out a bad minute than report failures: retry more.
    retries = 6
    if not use_emulator:
        async with AsyncBlandClient(max_retries=retries) as bland:
            yield bland, None
        return
    from bland_pools.testing import BlandEmulator, FaultPlan

    # 11% of requests fail: 5xx, connections dropped after the pool was made, 429s.
    faults = FaultPlan(
        seed=42, server_error=0.05, drop_after=0.03, rate_limited=0.03, retry_after=0.05
    )
    async with (
        BlandEmulator(api_keys=["demo-key"], faults=faults) as emu,
        AsyncBlandClient(api_key="demo-key", base_url=emu.url, max_retries=retries) as bland,
    ):
        yield bland, emu


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--emulator", action="store_true", help="run against an emulator")
    parser.add_argument("--pools", type=int, default=200)
    parser.add_argument("--numbers-per-pool", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    jobs = [numbers_for(i, args.numbers_per_pool) for i in range(args.pools)]
    started = time.perf_counter()
    async with client(args.emulator) as (bland, emu):
        created, failed = await provision(bland, jobs, args.concurrency)
        elapsed = time.perf_counter() - started
        print(f"created {len(created)} pools in {elapsed:.2f}s, {len(failed)} failed")
        for numbers, exc in failed[:10]:
            print(f"  {numbers[0]}...: {exc}")
        if emu is not None:
            stored = emu.pools()
            faults = sum(1 for r in emu.requests if r.fault)
            print(f"emulator: {faults} faults injected, {len(stored)} pools stored")
            # Every pool stored was returned to its caller exactly once: no duplicates.
            assert sorted(p.id for p in created) == sorted(p["id"] for p in stored)


if __name__ == "__main__":
    asyncio.run(main())

"""A bulk job under a seeded random fault plan: every create returns its pool, and the server
ends up with exactly one pool per create, never a duplicate, never a lost one."""

from __future__ import annotations

import asyncio
from collections import Counter

from bland_pools import AsyncBlandClient, DialingPool
from bland_pools.testing import BlandEmulator, FaultPlan

from ._support import KEY_A, FakeClock, numbers, pool_json

CREATES = 200
WORKERS = 16


async def test_200_creates_under_random_faults_make_exactly_200_pools() -> None:
    plan = FaultPlan(seed=20240115, server_error=0.10, drop_after=0.05, rate_limited=0.05)
    async with (
        BlandEmulator(api_keys=[KEY_A], faults=plan) as emu,
        # Enough retries that a run of faults on one call cannot exhaust them (0.2 ** 9).
        AsyncBlandClient(
            api_key=KEY_A, base_url=emu.url, max_retries=8, clock=(fake := FakeClock())
        ) as client,
    ):
        jobs: asyncio.Queue[int] = asyncio.Queue()
        for index in range(CREATES):
            jobs.put_nowait(index)
        results: dict[int, DialingPool] = {}

        async def worker() -> None:
            # A fixed pool of workers bounds the concurrency.
            while not jobs.empty():
                index = jobs.get_nowait()
                results[index] = await client.pools.create(numbers(index, 1 + index % 3))

        await asyncio.gather(*(worker() for _ in range(WORKERS)))

    stored = emu.pools(KEY_A)
    assert len(results) == CREATES
    assert len(stored) == CREATES
    assert len({p["id"] for p in stored}) == CREATES
    assert len({p.id for p in results.values()}) == CREATES
    by_id = {p["id"]: p for p in stored}
    for index, pool in results.items():
        assert pool.phone_numbers == tuple(numbers(index, 1 + index % 3))
        assert by_id[pool.id] == pool_json(pool)

    # The plan did stage every kind of fault, on creates and on the checks' lists alike.
    staged = Counter((r.method, r.fault) for r in emu.requests if r.fault)
    assert staged[("POST", "server_error")] > 0
    assert staged[("POST", "drop_after")] > 0
    assert staged[("POST", "rate_limited")] > 0
    # Every create that was lost after being applied was adopted, never sent again: the
    # successful POSTs plus the adopted drops add up to exactly one per create.
    posts = [r for r in emu.requests if r.method == "POST"]
    assert sum(1 for r in posts if r.status == 200 or r.fault == "drop_after") == CREATES
    assert 1.0 in fake.sleeps  # the 429s' Retry-After was honored (recorded, not slept)

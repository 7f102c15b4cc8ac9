"""GoHighLevel's burst limit end to end: the client-side limiter paces a bulk job under the
server's limit (learned from the ``X-RateLimit-*`` headers) so the server answers no 429, keeps
each location apart, and shows the figures of the latest answer.

The emulator counts per (token, location) in a sliding window, as GoHighLevel documents."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import SimpleNamespace

import aiohttp
import pytest
from multidict import CIMultiDictProxy

import ghl_pools
from ghl_pools import AsyncGHLClient
from ghl_pools.testing import GHLEmulator

from ._support import LOCATION, SECOND_LOCATION, TOKEN, FakeClock, RecordingClock

LIMIT = 5
INTERVAL = 0.5
BURST = 30


@pytest.fixture
async def paced_emu() -> AsyncIterator[GHLEmulator]:
    tokens = {TOKEN: [LOCATION, SECOND_LOCATION]}
    async with GHLEmulator(tokens=tokens, rate_limit=LIMIT, rate_interval=INTERVAL) as emu:
        yield emu


class AnswerHeaders:
    """An aiohttp trace that keeps the headers of every answer, in the order they came."""

    def __init__(self) -> None:
        self.seen: list[CIMultiDictProxy[str]] = []
        self.config = aiohttp.TraceConfig()
        self.config.on_request_end.append(self._end)

    async def _end(
        self, session: aiohttp.ClientSession, ctx: SimpleNamespace, params: object
    ) -> None:
        self.seen.append(params.response.headers)  # type: ignore[attr-defined]


def statuses(emu: GHLEmulator) -> list[int | None]:
    return [r.status for r in emu.requests]


async def test_a_burst_of_30_is_paced_by_the_servers_figures(paced_emu: GHLEmulator) -> None:
    paced_emu.seed_samples(LOCATION)
    answers = AnswerHeaders()
    waits = RecordingClock()
    async with (
        aiohttp.ClientSession(trace_configs=[answers.config]) as session,
        AsyncGHLClient(token=TOKEN, base_url=paced_emu.url, session=session, clock=waits) as client,
    ):
        for _ in range(BURST):
            page = await client.pools.list(location_id=LOCATION)
            assert page.total == 3

        info = client.rate_limit
        last = answers.seen[-1]

    # Paced by waiting: the server's 5 per 0.5 s, learned from its headers, not the default
    # 100 per 10 s (unpaced, 25 of the 30 would be refused).
    assert waits.sleeps
    assert all(0 < s <= INTERVAL for s in waits.sleeps)
    served = statuses(paced_emu)
    assert served.count(200) == BURST
    assert served.count(429) == 0
    assert info is not None
    assert info == client.rate_limit_for(LOCATION)
    assert (info.limit, info.remaining, info.interval, info.daily_limit, info.daily_remaining) == (
        int(last["X-RateLimit-Max"]),
        int(last["X-RateLimit-Remaining"]),
        int(last["X-RateLimit-Interval-Milliseconds"]) / 1000,
        int(last["X-RateLimit-Limit-Daily"]),
        int(last["X-RateLimit-Daily-Remaining"]),
    )
    assert (info.limit, info.interval, info.daily_remaining) == (LIMIT, INTERVAL, 200_000 - BURST)


@pytest.fixture
async def long_window_emu(fake: FakeClock) -> AsyncIterator[GHLEmulator]:
    """A window of a minute on a fake clock shared with the client: time moves only when the
    client waits, so any wait is the limiter's."""
    tokens = {TOKEN: [LOCATION, SECOND_LOCATION]}
    async with GHLEmulator(tokens=tokens, rate_limit=LIMIT, rate_interval=60, clock=fake) as emu:
        yield emu


async def test_locations_are_paced_independently(
    long_window_emu: GHLEmulator, fake: FakeClock
) -> None:
    emu = long_window_emu
    async with AsyncGHLClient(token=TOKEN, base_url=emu.url, clock=fake) as client:
        await client.pools.list(location_id=LOCATION)  # learn the server's figures
        await client.pools.list(location_id=SECOND_LOCATION)

        async def fill(location: str) -> None:
            for _ in range(LIMIT - 1):
                await client.pools.list(location_id=location)

        # 2 x 5 requests in one window: only separate buckets take them without a wait.
        await asyncio.gather(fill(LOCATION), fill(SECOND_LOCATION))
        first, second = client.rate_limit_for(LOCATION), client.rate_limit_for(SECOND_LOCATION)

    assert statuses(emu) == [200] * (2 * LIMIT)
    assert fake.sleeps == []
    assert first is not None
    assert second is not None
    assert (first.remaining, second.remaining) == (0, 0)
    assert (first.daily_remaining, second.daily_remaining) == (200_000 - LIMIT,) * 2
    queried = [r.query["locationId"] for r in emu.requests]
    assert queried.count(LOCATION) == queried.count(SECOND_LOCATION) == LIMIT


async def test_a_full_location_does_not_hold_up_another(
    long_window_emu: GHLEmulator, fake: FakeClock
) -> None:
    emu = long_window_emu
    async with AsyncGHLClient(token=TOKEN, base_url=emu.url, clock=fake) as client:
        for _ in range(LIMIT):
            await client.pools.list(location_id=LOCATION)
        # LOCATION's window is full; SECOND_LOCATION goes at once.
        await client.pools.list(location_id=SECOND_LOCATION)
        assert fake.sleeps == []
        # ...while one more for LOCATION waits for its window (on the shared fake clock),
        # and is then served, not refused.
        await client.pools.list(location_id=LOCATION, max_retries=0)
        assert len(fake.sleeps) == 1
        assert 59 < fake.sleeps[0] <= 60

    assert statuses(emu) == [200] * (LIMIT + 2)


# -- known defects ----------------------------------------------------------------------------


async def _burst_with_workers(
    client: AsyncGHLClient, calls: int, workers: int
) -> list[ghl_pools.RateLimitError]:
    """``calls`` list calls from a fixed pool of ``workers`` tasks, without retries (a 429
    shows at once instead of being waited out); returns the 429s raised."""
    left = iter(range(calls))
    refused: list[ghl_pools.RateLimitError] = []

    async def worker() -> None:
        for _ in left:
            try:
                await client.pools.list(location_id=LOCATION, max_retries=0)
            except ghl_pools.RateLimitError as exc:
                refused.append(exc)

    await asyncio.gather(*(worker() for _ in range(workers)))
    return refused


async def test_a_cold_concurrent_burst_draws_no_429(paced_emu: GHLEmulator) -> None:
    async with AsyncGHLClient(token=TOKEN, base_url=paced_emu.url) as client:
        refused = await _burst_with_workers(client, 2 * LIMIT, workers=2 * LIMIT)

    assert refused == []
    assert 429 not in statuses(paced_emu)


async def test_a_burst_on_slow_new_connections_draws_no_429(
    paced_emu: GHLEmulator,
) -> None:
    delayed = 0
    warm = False

    async def slow_first_sends(*_: object) -> None:
        # The first window's requests take 0.2 s to reach the server (say, TLS handshakes).
        nonlocal delayed
        if warm and delayed < LIMIT:
            delayed += 1
            await asyncio.sleep(0.2)

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(slow_first_sends)
    async with (
        aiohttp.ClientSession(trace_configs=[trace]) as session,
        AsyncGHLClient(token=TOKEN, base_url=paced_emu.url, session=session) as client,
    ):
        # The client knows the server's figures already (one answer), not a cold start; the
        # burst starts once that request has left both windows.
        await client.pools.list(location_id=LOCATION)
        await asyncio.sleep(INTERVAL + 0.05)
        warm = True
        refused = await _burst_with_workers(client, LIMIT + 1, workers=LIMIT)

    assert refused == []
    assert 429 not in statuses(paced_emu)

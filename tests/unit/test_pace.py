"""The client pace (``pools_core._pace.Pace``), a control loop, on virtual time.

With a rate N, sends are booked on a sliding second (never more than N in any second, N a
second exactly, each counted until a second after its answer). Without one, few requests are in
flight until the server refuses; a 429 holds every acquire for its ``Retry-After``, sets the
level to what the server accepted in the second before, and probes one send above it after the
hold: refused, the level is confirmed (the next probe after a calm minute); accepted twice, the
429 was a stray one and the pace is unlimited again; a second 429 in the same burst confirms the
level without a probe. Against a simulated server that enforces N
per sliding second the pace learns N and keeps to it. End to end, an ``AsyncBlandClient``
against ``BlandEmulator(rate_limit=...)`` sharing the client's fake clock.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from bland_pools import AsyncBlandClient, ConfigurationError
from bland_pools.testing import BlandEmulator, FakeClock
from pools_core._pace import Pace

KEY = "sk-pace-test-5e1d"
_T = TypeVar("_T")


def retry_after(seconds: float | None) -> CIMultiDictProxy[str]:
    """A 429's headers as the transport hands them over (case-insensitive)."""
    values = {} if seconds is None else {"Retry-After": f"{seconds:g}"}
    return CIMultiDictProxy(CIMultiDict(values))


class VirtualClock:
    """Time that moves only when every task waits: a sleep ends when the clock reaches its
    end, and concurrent sleeps overlap as real ones do (``FakeClock`` adds them up)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.slept: list[float] = []
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (self.now + seconds, next(self._seq), future))
        await future

    async def run(self, work: Coroutine[Any, Any, _T]) -> _T:
        """Run ``work``, moving time to the next timer whenever nothing else can run."""
        task = asyncio.ensure_future(work)
        while not task.done():
            for _ in range(50):  # let every runnable task run
                await asyncio.sleep(0)
                if task.done():
                    break
            else:
                while self._timers and self._timers[0][2].done():
                    heapq.heappop(self._timers)  # cancelled
                if not self._timers:
                    raise AssertionError("deadlock: every task waits and no timer is set")
                when, _, future = heapq.heappop(self._timers)
                self.now = max(self.now, when)
                future.set_result(None)
        return task.result()


class SlidingServer:
    """A server allowing ``limit`` requests per sliding second (refused ones do not count),
    answering a refusal with ``Retry-After`` in whole seconds, as the emulator does."""

    def __init__(self, clock: VirtualClock, limit: float) -> None:
        self.clock = clock
        self.limit = limit
        self.arrivals: deque[float] = deque()
        self.accepted: list[float] = []
        self.refused = 0

    def answer(self) -> tuple[int, CIMultiDictProxy[str]]:
        now = self.clock.now
        while self.arrivals and self.arrivals[0] <= now - 1.0:
            self.arrivals.popleft()
        if len(self.arrivals) >= self.limit:
            self.refused += 1
            return 429, retry_after(max(1, math.ceil(self.arrivals[0] + 1.0 - now)))
        self.arrivals.append(now)
        self.accepted.append(now)
        return 200, retry_after(None)


async def send_all(
    pace: Pace,
    clock: VirtualClock,
    answer: Callable[[], tuple[int, CIMultiDictProxy[str]]],
    requests: int,
    *,
    workers: int = 8,
    rtt: float = 0.01,
) -> list[int]:
    """``requests`` requests through ``pace`` by a fixed set of workers, each retrying its
    429s; every status in answer order."""
    statuses: list[int] = []
    left = [requests]

    async def worker() -> None:
        while left[0] > 0:
            left[0] -= 1
            while True:
                booking = pace.try_acquire("")
                if booking is None:
                    booking = await pace.acquire("")
                status, headers = answer()
                await clock.sleep(rtt)
                pace.done("", booking, headers, status)
                statuses.append(status)
                if status != 429:
                    break

    async with asyncio.TaskGroup() as group:
        for _ in range(workers):
            group.create_task(worker())
    return statuses


def most_in_one_second(times: list[float]) -> int:
    times = sorted(times)
    return max((sum(1 for t in times[i:] if t < start + 1.0) for i, start in enumerate(times)))


async def on(clock: VirtualClock, work: Awaitable[_T]) -> _T:
    async def wrapped() -> _T:
        return await work

    return await clock.run(wrapped())


# -- a rate: a sliding second ----------------------------------------------------------------


async def test_a_rate_books_n_sends_per_sliding_second() -> None:
    clock = FakeClock()
    pace = Pace(4, clock=clock)

    bookings = [await pace.acquire("") for _ in range(9)]

    # Four at once, then none until a second after the first four: a window, not spacing.
    assert bookings == pytest.approx([1000.0] * 4 + [1001.0] * 4 + [1002.0])
    assert pace.rate == 4


async def test_a_send_counts_until_a_second_after_its_answer() -> None:
    # The server counted it somewhere between the send and the answer.
    clock = FakeClock()
    pace = Pace(1, clock=clock)
    first = await pace.acquire("")
    clock.advance(0.3)
    pace.done("", first, retry_after(None), 200)

    second = await pace.acquire("")

    assert second == pytest.approx(1001.3)


async def test_requests_spread_out_need_no_wait() -> None:
    clock = FakeClock()
    pace = Pace(2, clock=clock)

    for _ in range(4):
        pace.done("", await pace.acquire(""), retry_after(None), 200)
        clock.advance(0.5)

    assert clock.sleeps == []


async def test_a_fractional_rate_books_its_whole_part_per_share_of_a_second() -> None:
    clock = FakeClock()
    pace = Pace(2.5, clock=clock)  # two per 0.8 s

    bookings = [await pace.acquire("") for _ in range(5)]

    assert bookings == pytest.approx([1000.0, 1000.0, 1000.8, 1000.8, 1001.6])
    assert pace.rate == pytest.approx(2.5)


@pytest.mark.parametrize("limit", [5, 20, 100])
async def test_at_the_server_s_rate_never_more_than_n_in_any_second_and_no_429(
    limit: int,
) -> None:
    clock = VirtualClock()
    pace = Pace(limit, clock=clock)
    server = SlidingServer(clock, limit)

    statuses = await on(clock, send_all(pace, clock, server.answer, limit * 5 + 1))

    assert server.refused == 0
    assert set(statuses) == {200}
    assert most_in_one_second(server.accepted) == limit
    # N a second exactly, give or take each window's round trip (0.01 s).
    assert clock.now - 1000.0 == pytest.approx(5.0, abs=0.06)


@pytest.mark.parametrize("bad", [0, -1, math.nan])
def test_a_rate_must_be_positive(bad: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        Pace(bad, clock=FakeClock())


@pytest.mark.parametrize("bad", [0, -2.5, True, "5", math.nan])
def test_the_clients_max_rate_must_be_a_positive_number(bad: object) -> None:
    with pytest.raises(ConfigurationError, match="max_rate"):
        AsyncBlandClient(api_key=KEY, max_rate=bad)  # type: ignore[arg-type]


# -- no rate: few in flight until the server refuses -----------------------------------------


async def test_no_rate_never_waits_for_time_until_a_429() -> None:
    clock = FakeClock()
    pace = Pace(math.inf, clock=clock)

    for _ in range(200):
        pace.done("", await pace.acquire(""), retry_after(None), 200)
    for status in (400, 404, 500, 503, 0):
        pace.done("", await pace.acquire(""), None, status)

    assert clock.sleeps == []
    assert math.isinf(pace.rate)


async def test_no_rate_keeps_two_in_flight_while_nothing_is_known() -> None:
    clock = FakeClock()
    pace = Pace(math.inf, clock=clock)
    first, second = pace.try_acquire(""), pace.try_acquire("")
    assert first is not None
    assert second is not None

    assert pace.try_acquire("") is None  # a third waits for an answer, not for time
    third = asyncio.ensure_future(pace.acquire(""))
    await asyncio.sleep(0)
    assert not third.done()
    pace.done("", first, retry_after(None), 200)
    assert await third == clock.now
    assert clock.sleeps == []


async def test_more_fly_as_the_accepted_rate_grows() -> None:
    clock = FakeClock()
    pace = Pace(math.inf, clock=clock)
    for _ in range(320):  # 320 accepted within the second: ten may fly
        pace.done("", await pace.acquire(""), retry_after(None), 200)

    out = [pace.try_acquire("") for _ in range(12)]

    assert sum(b is not None for b in out) == 10


# -- a 429 ------------------------------------------------------------------------------------


async def test_a_429_holds_the_next_acquire_for_its_retry_after() -> None:
    clock = FakeClock()
    pace = Pace(10, clock=clock)
    booking = await pace.acquire("")

    pace.done("", booking, retry_after(3), 429)
    await pace.acquire("")

    assert clock.sleeps == pytest.approx([3.0])


async def test_a_429_holds_every_waiting_acquire() -> None:
    clock = VirtualClock()
    pace = Pace(10, clock=clock)
    booking = pace.try_acquire("")
    assert booking is not None
    pace.done("", booking, retry_after(2), 429)

    bookings = await clock.run(asyncio.gather(*(pace.acquire("") for _ in range(4))))

    assert clock.slept[:4] == pytest.approx([2.0] * 4)  # every one waits the Retry-After
    assert min(bookings) == pytest.approx(1002.0)  # none before it


async def test_a_429_without_retry_after_holds_a_second() -> None:
    clock = FakeClock()
    pace = Pace(100, clock=clock)

    pace.done("", await pace.acquire(""), None, 429)
    await pace.acquire("")

    assert clock.sleeps == pytest.approx([1.0])


async def test_a_long_retry_after_holds_at_most_a_minute() -> None:
    clock = FakeClock()
    pace = Pace(100, clock=clock)

    pace.done("", await pace.acquire(""), retry_after(3600), 429)
    await pace.acquire("")

    assert clock.sleeps == pytest.approx([60.0])


async def test_the_hold_extends_to_the_latest_retry_after() -> None:
    clock = FakeClock()
    pace = Pace(16, clock=clock)
    first, second = await pace.acquire(""), await pace.acquire("")

    pace.done("", first, retry_after(5), 429)
    clock.advance(1)
    pace.done("", second, retry_after(1), 429)  # asks for less: the earlier hold stands
    await pace.acquire("")

    assert clock.sleeps == pytest.approx([4.0])


async def test_a_429_sets_the_level_to_what_the_server_took_in_the_last_second() -> None:
    clock = FakeClock()
    pace = Pace(math.inf, clock=clock)
    for _ in range(7):
        pace.done("", await pace.acquire(""), retry_after(None), 200)
        clock.advance(0.1)
    clock.advance(0.4)  # the first two answers are more than a second old now

    pace.done("", await pace.acquire(""), retry_after(1), 429)

    assert pace.rate == 5


async def test_the_429s_of_sends_out_before_the_cut_do_not_cut_again() -> None:
    clock = FakeClock()
    pace = Pace(math.inf, clock=clock)
    for _ in range(6):
        pace.done("", await pace.acquire(""), retry_after(None), 200)
    out = [await pace.acquire("") for _ in range(2)]
    pace.done("", out[0], retry_after(1), 429)
    assert pace.rate == 6

    pace.done("", out[1], retry_after(1), 429)  # sent before that cut: the same burst

    assert pace.rate == 6


# -- probing back up ---------------------------------------------------------------------------


@pytest.mark.parametrize(("refusals", "sixth"), [(1, 1001.0), (2, 1002.0)])
async def test_after_a_lone_429_a_probe_goes_and_after_two_in_one_burst_none(
    refusals: int, sixth: float
) -> None:
    clock = FakeClock()
    pace = Pace(math.inf, clock=clock)
    for _ in range(5):
        pace.done("", await pace.acquire(""), retry_after(None), 200)
    out = [await pace.acquire("") for _ in range(refusals)]
    for booking in out:
        pace.done("", booking, retry_after(1), 429)
    assert pace.rate == 5

    bookings = [await pace.acquire("") for _ in range(6)]

    # Five when the hold is over; the sixth goes at once as a probe above the level (a lone
    # 429 may be a stray one), or waits for the window (two in one burst: the limit refused).
    assert bookings[:5] == pytest.approx([1001.0] * 5)
    assert bookings[5] == pytest.approx(sixth, abs=1e-6)


async def test_a_single_429_early_costs_its_retry_after_and_the_pace_is_unlimited_again() -> None:
    # A server without a limit refuses one request early on (a stray 429).
    clock = VirtualClock()
    pace = Pace(math.inf, clock=clock)
    stray = deque([(429, retry_after(1))])

    def answer() -> tuple[int, CIMultiDictProxy[str]]:
        return stray.popleft() if stray else (200, retry_after(None))

    statuses = await on(clock, send_all(pace, clock, answer, 1000, rtt=0.001))

    assert statuses.count(429) == 1
    assert statuses.count(200) == 1000
    assert math.isinf(pace.rate)  # not capped for the rest of the run
    # The one-second hold, then two probes above the cut level, then unlimited: a thousand
    # requests at a millisecond each with few in flight took the rest.
    assert clock.now - 1000.0 < 1.0 + 1.0
    assert max(clock.slept) == pytest.approx(1.0, abs=0.01)


async def test_a_refused_probe_confirms_the_level_and_the_next_probe_waits_a_minute() -> None:
    clock = VirtualClock()
    pace = Pace(math.inf, clock=clock)
    server = SlidingServer(clock, 5)

    statuses = await on(clock, send_all(pace, clock, server.answer, 5 * 50, rtt=0.005))

    # One refused at the start (with one other already out), one refused probe; then 5 a
    # second until the calm minute is over and one probe more is refused.
    assert statuses.count(429) <= 4
    assert pace.rate == 5
    assert most_in_one_second(server.accepted) == 5
    assert clock.now - 1000.0 == pytest.approx(50.0, abs=1.5)


async def test_a_probe_accepted_after_a_confirmed_level_climbs_one_at_a_time() -> None:
    clock = VirtualClock()
    pace = Pace(math.inf, clock=clock)
    server = SlidingServer(clock, 5)
    await on(clock, send_all(pace, clock, server.answer, 30, rtt=0.005))
    assert pace.rate == 5

    server.limit = 8  # the organization's limit was raised
    statuses = await on(clock, send_all(pace, clock, server.answer, 8 * 70, rtt=0.005))

    assert pace.rate == 8  # after the calm minute: 6, 7, 8 accepted, 9 refused
    assert statuses.count(429) <= 2


@pytest.mark.parametrize("limit", [5, 20, 100])
async def test_without_a_rate_the_pace_learns_the_server_s_limit(limit: int) -> None:
    clock = VirtualClock()
    pace = Pace(math.inf, clock=clock)
    server = SlidingServer(clock, limit)

    statuses = await on(clock, send_all(pace, clock, server.answer, limit * 10 + 1, rtt=0.003))

    assert statuses.count(429) <= 5
    assert pace.rate == limit
    assert clock.now - 1000.0 <= 10.0 * 1.05


async def test_a_rate_below_the_server_s_limit_is_never_exceeded_by_a_probe() -> None:
    clock = VirtualClock()
    pace = Pace(5, clock=clock)
    server = SlidingServer(clock, 4)  # stricter than the rate asked for

    statuses = await on(clock, send_all(pace, clock, server.answer, 4 * 90, rtt=0.005))

    assert pace.rate == 4
    assert statuses.count(429) <= 3
    assert most_in_one_second(server.accepted) == 4


# -- end to end: the whole client, the emulator's limit ----------------------------------------


async def test_a_client_at_the_emulator_s_rate_draws_no_429() -> None:
    clock = FakeClock()
    async with (
        BlandEmulator(api_keys=[KEY], rate_limit=5, clock=clock) as emu,
        AsyncBlandClient(api_key=KEY, base_url=emu.url, max_rate=5, clock=clock) as bland,
    ):
        for _ in range(16):  # one at a time: the fake clock moves by each wait
            await bland.pools.list()

    assert [r.status for r in emu.requests] == [200] * 16
    assert clock.sleeps == pytest.approx([1.0] * 3, abs=0.05)  # five a second


async def test_a_client_without_a_rate_learns_the_emulator_s_limit() -> None:
    clock = FakeClock()
    async with (
        BlandEmulator(api_keys=[KEY], rate_limit=5, clock=clock) as emu,
        AsyncBlandClient(api_key=KEY, base_url=emu.url, max_rate=math.inf, clock=clock) as bland,
    ):
        for _ in range(40):
            await bland.pools.list()

    statuses = [r.status for r in emu.requests]
    # The sixth refused, one refused probe after the hold; then five a second.
    assert statuses.count(200) == 40
    assert statuses.count(429) == 2
    assert 429 not in statuses[statuses.index(429) + 8 :]

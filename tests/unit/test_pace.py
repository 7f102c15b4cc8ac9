"""The client pace (``pools_core._pace.Pace``) on a fake clock: a finite rate spaces requests by
``1/rate``; ``math.inf`` never waits until a 429; a 429 holds every acquire for its
``Retry-After`` and halves the rate once per burst (two 429s within two seconds cut once);
the rate doubles per calm second back up to the cap, never above it, and never falls below
one request a second. End to end, an ``AsyncBlandClient(max_rate=...)`` against the emulator:
after one 429 every call of the client waits the ``Retry-After``, not only the one that got it,
and the calls that follow go at half the rate."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable

import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from bland_pools import AsyncBlandClient, ConfigurationError, RateLimitError
from bland_pools.testing import BlandEmulator, FakeClock, Fault
from pools_core._pace import Pace

KEY = "sk-pace-test-5e1d"


def rate_limited(seconds: float | None) -> CIMultiDictProxy[str]:
    """A 429's headers as the transport hands them over (case-insensitive)."""
    values = {} if seconds is None else {"Retry-After": f"{seconds:g}"}
    return CIMultiDictProxy(CIMultiDict(values))


def answer_429(pace: Pace, clock: FakeClock, retry_after: float | None = None) -> None:
    pace.done("", clock.now, rate_limited(retry_after), 429)


class GatedClock(FakeClock):
    """A :class:`FakeClock` whose sleeps, while the gate is closed, are recorded and then wait
    for the gate: every task that waits shows up in ``sleeps`` before time moves."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.gate.set()

    async def sleep(self, seconds: float) -> None:
        if self.gate.is_set():
            await super().sleep(seconds)
            return
        self.sleeps.append(seconds)
        target = self.now + seconds
        await self.gate.wait()
        self.now = max(self.now, target)


async def until(condition: Callable[[], bool]) -> None:
    """Wait for ``condition``, polling; the bound (30 s of real time) is a safety net only."""
    for _ in range(15_000):
        if condition():
            return
        await asyncio.sleep(0.002)
    raise AssertionError("the condition never came true")


# -- spacing ---------------------------------------------------------------------------------


async def test_a_finite_rate_spaces_requests_by_one_over_the_rate() -> None:
    clock = FakeClock()
    pace = Pace(4, clock=clock)

    for _ in range(5):
        await pace.acquire("")

    assert clock.sleeps == pytest.approx([0.25] * 4)
    assert pace.rate == 4


async def test_requests_spread_out_need_no_wait() -> None:
    clock = FakeClock()
    pace = Pace(2, clock=clock)

    for _ in range(3):
        await pace.acquire("")
        clock.advance(0.5)

    assert clock.sleeps == []


async def test_an_infinite_rate_never_waits_until_a_429() -> None:
    clock = FakeClock()
    pace = Pace(math.inf, clock=clock)

    for _ in range(200):
        booking = await pace.acquire("")
        pace.done("", booking, {}, 200)
    for status in (400, 404, 500, 503):
        pace.done("", clock.now, {}, status)
    await pace.acquire("")

    assert clock.sleeps == []
    assert math.isinf(pace.rate)


@pytest.mark.parametrize("bad", [0, -1, math.nan])
def test_a_rate_must_be_positive(bad: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        Pace(bad, clock=FakeClock())


@pytest.mark.parametrize("bad", [0, -2.5, True, "5", math.nan])
def test_the_clients_max_rate_must_be_a_positive_number(bad: object) -> None:
    with pytest.raises(ConfigurationError, match="max_rate"):
        AsyncBlandClient(api_key=KEY, max_rate=bad)  # type: ignore[arg-type]


# -- a 429 -----------------------------------------------------------------------------------


async def test_a_429_holds_the_next_acquire_for_its_retry_after() -> None:
    clock = FakeClock()
    pace = Pace(10, clock=clock)
    await pace.acquire("")

    answer_429(pace, clock, 3)
    await pace.acquire("")

    assert clock.sleeps == pytest.approx([3.0])
    assert pace.rate == 5


async def test_a_429_holds_every_waiting_acquire() -> None:
    clock = GatedClock()
    pace = Pace(10, clock=clock)
    await pace.acquire("")
    answer_429(pace, clock, 2)
    clock.gate.clear()

    waiters = [asyncio.create_task(pace.acquire("")) for _ in range(4)]
    await until(lambda: len(clock.sleeps) == 4)

    assert clock.sleeps == pytest.approx([2.0] * 4)  # every one waits the Retry-After
    assert not any(w.done() for w in waiters)
    clock.gate.set()
    bookings = await asyncio.gather(*waiters)
    # Then one at a time, at half the rate.
    assert sorted(bookings) == pytest.approx([1002.0, 1002.2, 1002.4, 1002.6])


async def test_a_429_without_retry_after_holds_a_second() -> None:
    clock = FakeClock()
    pace = Pace(100, clock=clock)

    answer_429(pace, clock)
    await pace.acquire("")

    assert clock.sleeps == pytest.approx([1.0])


async def test_a_long_retry_after_holds_at_most_a_minute() -> None:
    clock = FakeClock()
    pace = Pace(100, clock=clock)

    answer_429(pace, clock, 3600)
    await pace.acquire("")

    assert clock.sleeps == pytest.approx([60.0])


async def test_two_429s_within_two_seconds_cut_the_rate_once() -> None:
    clock = FakeClock()
    pace = Pace(16, clock=clock)

    answer_429(pace, clock, 0)
    assert pace.rate == 8
    clock.advance(1.0)
    answer_429(pace, clock, 0)
    clock.advance(0.9)
    answer_429(pace, clock, 0)
    assert pace.rate == 8  # one burst
    clock.advance(0.2)  # 2.1 s after the cut: a new burst
    answer_429(pace, clock, 0)
    assert pace.rate == 4


async def test_the_hold_extends_to_the_latest_retry_after() -> None:
    clock = FakeClock()
    pace = Pace(16, clock=clock)

    answer_429(pace, clock, 5)
    clock.advance(1)
    answer_429(pace, clock, 1)  # asks for less: the earlier hold stands
    await pace.acquire("")

    assert clock.sleeps == pytest.approx([4.0])


async def test_the_rate_never_falls_below_one_a_second() -> None:
    clock = FakeClock()
    pace = Pace(1.5, clock=clock)

    answer_429(pace, clock, 0)
    assert pace.rate == 1
    for _ in range(3):
        clock.advance(2.5)
        answer_429(pace, clock, 0)
    assert pace.rate == 1


async def test_a_429_uncapped_starts_from_what_the_server_took() -> None:
    clock = FakeClock()
    pace = Pace(math.inf, clock=clock)
    for _ in range(40):  # 40 answers over two seconds: 20 a second
        pace.done("", clock.now, {}, 200)
        clock.advance(0.05)

    answer_429(pace, clock, 0)

    assert pace.rate == pytest.approx(10, rel=0.05)
    await pace.acquire("")
    await pace.acquire("")
    assert clock.sleeps == pytest.approx([1 / pace.rate])


async def test_a_429_uncapped_with_nothing_measured_starts_from_bland_s_default() -> None:
    clock = FakeClock()
    pace = Pace(math.inf, clock=clock)

    answer_429(pace, clock, 0)

    assert pace.rate == 2.5  # half of the documented organization default of 5


# -- climbing back ---------------------------------------------------------------------------


async def test_the_rate_doubles_per_calm_second_up_to_the_cap() -> None:
    clock = FakeClock()
    pace = Pace(100, clock=clock)
    for _ in range(3):  # three bursts: 50, 25, 12.5
        answer_429(pace, clock, 0)
        clock.advance(2.5)
    # (No acquire in between, so no climb yet.)
    assert pace.rate == 12.5

    seen = []
    for _ in range(5):
        await pace.acquire("")
        seen.append(pace.rate)
        clock.advance(1.0)

    assert seen == [25, 50, 100, 100, 100]  # doubled each calm second, never above the cap


async def test_a_climb_from_the_floor_stops_at_a_cap_that_is_not_a_power_of_two() -> None:
    clock = FakeClock()
    pace = Pace(1.5, clock=clock)
    answer_429(pace, clock, 0)
    assert pace.rate == 1  # the floor, not 0.75

    for _ in range(3):
        clock.advance(1.0)
        await pace.acquire("")

    assert pace.rate == 1.5  # 2 would be above the cap


async def test_no_climb_during_the_hold_nor_in_the_first_calm_second() -> None:
    clock = FakeClock()
    pace = Pace(8, clock=clock)

    answer_429(pace, clock, 3)
    await pace.acquire("")  # waits out the hold
    assert pace.rate == 4
    clock.advance(0.9)
    await pace.acquire("")
    assert pace.rate == 4
    clock.advance(0.2)
    await pace.acquire("")
    assert pace.rate == 8


async def test_climbing_from_uncapped_stops_at_what_the_server_was_seen_to_take() -> None:
    clock = FakeClock()
    pace = Pace(math.inf, clock=clock)
    answer_429(pace, clock, 0)  # nothing seen yet: Bland's documented default, 5 a second
    assert pace.rate == 2.5  # halved from it

    seen = []
    for _ in range(4):
        clock.advance(1.0)
        await pace.acquire("")
        seen.append(pace.rate)

    assert seen == [5, 5, 5, 5]  # doubles back to the cap, and not above it


# -- end to end: the whole client slows down -------------------------------------------------


async def test_after_one_429_every_call_of_the_client_waits() -> None:
    clock = GatedClock()
    async with (
        BlandEmulator(api_keys=[KEY]) as emu,
        AsyncBlandClient(api_key=KEY, base_url=emu.url, max_rate=10, clock=clock) as bland,
    ):
        emu.add_pool(KEY, ["+15550000001"])
        emu.inject(Fault.RATE_LIMITED, method="GET", retry_after=2)
        clock.gate.clear()

        first = asyncio.create_task(bland.pools.list())
        await until(lambda: len(clock.sleeps) == 1)  # its own retry waits the Retry-After
        others = [asyncio.create_task(bland.pools.list()) for _ in range(5)]
        await until(lambda: len(clock.sleeps) == 6)

        # Every later call waits the Retry-After too; none was sent meanwhile.
        assert clock.sleeps == pytest.approx([2.0] * 6)
        assert [r.status for r in emu.requests] == [429]

        clock.gate.set()
        results = await asyncio.gather(first, *others)

    assert all(len(pools) == 1 for pools in results)
    assert [r.status for r in emu.requests] == [429] + [200] * 6
    # After the hold (at 1002), the six calls went at half the rate (5/s, 0.2 s apart), not
    # at the cap's 0.1: the last one at 1003.
    assert all(s <= 0.2 + 1e-9 for s in clock.sleeps[6:])
    assert clock.now == pytest.approx(1003.0)


async def test_without_a_pace_only_the_call_that_got_the_429_waits() -> None:
    # The contrast: with no max_rate, each call retries its own 429.
    clock = GatedClock()
    async with (
        BlandEmulator(api_keys=[KEY]) as emu,
        AsyncBlandClient(api_key=KEY, base_url=emu.url, clock=clock) as bland,
    ):
        emu.inject(Fault.RATE_LIMITED, method="GET", retry_after=2)
        clock.gate.clear()
        first = asyncio.create_task(bland.pools.list())
        await until(lambda: len(clock.sleeps) == 1)

        await asyncio.gather(*(bland.pools.list() for _ in range(3)))

        assert clock.sleeps == pytest.approx([2.0])
        clock.gate.set()
        await first

    assert [r.status for r in emu.requests].count(200) == 4


async def test_an_uncapped_client_is_paced_after_a_429() -> None:
    clock = FakeClock()
    async with (
        BlandEmulator(api_keys=[KEY]) as emu,
        AsyncBlandClient(api_key=KEY, base_url=emu.url, max_rate=math.inf, clock=clock) as bland,
    ):
        await asyncio.gather(*(bland.pools.list() for _ in range(5)))
        assert clock.sleeps == []  # no cap before the first 429
        emu.inject(Fault.RATE_LIMITED, method="GET", retry_after=2)
        with pytest.raises(RateLimitError):
            await bland.pools.list(max_retries=0)
        held_from = clock.now

        await asyncio.gather(*(bland.pools.list() for _ in range(4)))

    # The hold first, then the calls one after another at a finite pace (half of what the
    # server was seen to take), where before the 429 nothing waited at all.
    assert clock.sleeps[0] == pytest.approx(2.0)
    assert len(clock.sleeps) >= 3
    assert all(0 < s < 1 for s in clock.sleeps[1:])
    assert clock.now - held_from > 2.0 + 0.05
    assert [r.status for r in emu.requests] == [200] * 5 + [429] + [200] * 4

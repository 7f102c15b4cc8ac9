"""The per-location limiter (fake clock, fake sleep) and the rate-limit figures a GoHighLevel
client exposes after an answer with ``X-RateLimit-*`` headers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from aioresponses import aioresponses

import ghl_pools
from ghl_pools import AsyncGHLClient, RateLimitInfo
from pools_core._ratelimit import Blocked, SlidingWindowLimiter

from ._support import GHL_HEADERS, LOCATION, FakeClock, Wire, fixture_json, ghl_list_url, headers


def _limiter(fake: FakeClock, **kwargs: float) -> SlidingWindowLimiter:
    return SlidingWindowLimiter(clock=fake, **kwargs)  # type: ignore[arg-type]


class _GatedClock(FakeClock):
    """A fake clock whose every sleep waits until ``gate`` is set (a timer not yet fired)."""

    def __init__(self, gate: asyncio.Event) -> None:
        super().__init__()
        self.gate = gate

    async def sleep(self, seconds: float) -> None:
        await self.gate.wait()


async def _acquire_times(
    limiter: SlidingWindowLimiter, fake: FakeClock, key: str, n: int
) -> list[float]:
    times = []
    for _ in range(n):
        await limiter.acquire(key)
        times.append(fake.now)
    return times


def _max_in_any_window(times: list[float], interval: float) -> int:
    return max(sum(1 for t in times if start <= t < start + interval) for start in times)


# -- the limiter ---------------------------------------------------------------------------


async def test_never_more_than_limit_acquisitions_per_interval() -> None:
    fake = FakeClock()
    limiter = _limiter(fake, limit=5, interval=10.0)

    times = await _acquire_times(limiter, fake, "loc", 23)

    assert _max_in_any_window(times, 10.0) == 5
    assert times[:5] == [times[0]] * 5  # a burst up to the limit does not wait
    assert fake.sleeps  # the sixth had to wait


async def test_the_documented_burst_of_100_per_10_seconds_is_the_default() -> None:
    fake = FakeClock()
    limiter = _limiter(fake)

    times = await _acquire_times(limiter, fake, "loc", 250)

    assert _max_in_any_window(times, 10.0) == 100
    assert times[99] == times[0]
    assert times[100] >= times[0] + 10.0


async def test_concurrent_acquisitions_respect_the_limit() -> None:
    fake = FakeClock()
    limiter = _limiter(fake, limit=4, interval=1.0)
    times: list[float] = []

    async def one() -> None:
        await limiter.acquire("loc")
        times.append(fake.now)

    await asyncio.gather(*(one() for _ in range(17)))

    assert len(times) == 17
    assert _max_in_any_window(sorted(times), 1.0) <= 4


async def test_keys_are_independent() -> None:
    fake = FakeClock()
    limiter = _limiter(fake, limit=5, interval=10.0)

    await _acquire_times(limiter, fake, "a", 5)
    await _acquire_times(limiter, fake, "b", 5)

    assert fake.sleeps == []


async def test_a_safety_margin_is_kept_back() -> None:
    fake = FakeClock()
    limiter = _limiter(fake, limit=5, interval=10.0, safety=1)

    times = await _acquire_times(limiter, fake, "loc", 12)

    assert _max_in_any_window(times, 10.0) == 4


async def test_remaining_lower_than_the_local_count_books_the_difference() -> None:
    fake = FakeClock()
    limiter = _limiter(fake, limit=10, interval=10.0)
    await limiter.acquire("loc")

    # The server counts 8 of 10 used; we sent 1: others sent 7, which we book now.
    limiter.observe("loc", headers({"X-RateLimit-Max": "10", "X-RateLimit-Remaining": "2"}))
    times = await _acquire_times(limiter, fake, "loc", 3)

    assert times[0] == times[1] == 1000.0
    assert fake.sleeps == [10.0]
    assert times[2] == 1010.0


async def test_remaining_higher_than_the_local_count_books_nothing() -> None:
    fake = FakeClock()
    limiter = _limiter(fake, limit=10, interval=10.0)
    await _acquire_times(limiter, fake, "loc", 5)

    limiter.observe("loc", headers({"X-RateLimit-Max": "10", "X-RateLimit-Remaining": "9"}))
    await _acquire_times(limiter, fake, "loc", 5)

    assert fake.sleeps == []


async def test_limit_and_interval_adapt_to_the_headers() -> None:
    fake = FakeClock()
    limiter = _limiter(fake, limit=100, interval=10.0)

    limiter.observe(
        "loc",
        headers(
            {
                "X-RateLimit-Max": "3",
                "X-RateLimit-Remaining": "3",
                "X-RateLimit-Interval-Milliseconds": "2000",
            }
        ),
    )
    times = await _acquire_times(limiter, fake, "loc", 7)

    assert _max_in_any_window(times, 2.0) == 3
    assert fake.sleeps == [2.0, 2.0]


async def test_headers_for_one_key_do_not_touch_another() -> None:
    fake = FakeClock()
    limiter = _limiter(fake, limit=10, interval=10.0)

    limiter.observe("a", headers({"X-RateLimit-Max": "10", "X-RateLimit-Remaining": "0"}))
    await _acquire_times(limiter, fake, "b", 10)

    assert fake.sleeps == []


async def test_a_429_blocks_the_key_for_retry_after() -> None:
    fake = FakeClock()
    limiter = _limiter(fake, limit=10, interval=10.0)

    limiter.observe("a", headers({"Retry-After": "7"}), 429)
    await limiter.acquire("b")
    assert fake.sleeps == []
    await limiter.acquire("a")

    (slept,) = fake.sleeps
    assert 7.0 <= slept <= 8.75  # Retry-After, plus up to a quarter of jitter


async def test_a_429_block_is_jittered_so_sharers_do_not_return_together() -> None:
    waits = []
    for _ in range(50):  # fifty processes, each told the same Retry-After
        fake = FakeClock()
        limiter = _limiter(fake, limit=10, interval=10.0)
        limiter.observe("a", headers({"Retry-After": "4"}), 429)
        await limiter.acquire("a")
        waits.extend(fake.sleeps)

    assert len(waits) == 50
    assert all(4.0 <= w <= 5.0 for w in waits)
    assert len(set(waits)) > 40


async def test_a_429_without_retry_after_blocks_the_key_for_an_interval() -> None:
    fake = FakeClock()
    limiter = _limiter(fake, limit=10, interval=10.0)

    limiter.observe("a", headers({}), 429)
    await limiter.acquire("a")

    (slept,) = fake.sleeps
    assert 10.0 <= slept <= 12.5


async def test_a_hold_longer_than_max_block_is_refused_not_waited() -> None:
    fake = FakeClock()
    limiter = _limiter(fake, limit=10, interval=10.0, max_block=60.0)

    limiter.observe("a", headers({"Retry-After": "86400"}), 429)
    with pytest.raises(Blocked) as caught:
        await limiter.acquire("a")

    assert caught.value.remaining == 86400.0
    assert fake.sleeps == []
    await limiter.acquire("b")  # other keys are not held
    fake.now += 86400.0
    await limiter.acquire("a")  # the hold is over
    assert fake.sleeps == []


async def test_the_jitter_never_turns_an_accepted_wait_into_a_refusal() -> None:
    for _ in range(50):
        fake = FakeClock()
        limiter = _limiter(fake, limit=10, interval=10.0, max_block=60.0)
        limiter.observe("a", headers({"Retry-After": "55"}), 429)
        await limiter.acquire("a")  # never Blocked, though 55 s x 1.25 would be over 60
        (slept,) = fake.sleeps
        assert 55.0 <= slept <= 60.0


def test_latest_figures_per_key_and_overall() -> None:
    fake = FakeClock()
    limiter = _limiter(fake)
    assert limiter.latest() is None

    limiter.observe("a", headers(GHL_HEADERS))
    limiter.observe("b", headers({**GHL_HEADERS, "X-RateLimit-Remaining": "50"}))

    a, b = limiter.latest("a"), limiter.latest("b")
    assert a is not None
    assert a.remaining == 97
    assert b is not None
    assert b.remaining == 50
    assert limiter.latest() == b
    assert limiter.latest("c") is None


@pytest.mark.parametrize(
    "kwargs", [{"limit": 0}, {"interval": 0.0}, {"limit": 5, "safety": 5}, {"safety": -1}]
)
def test_limiter_rejects_impossible_settings(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="limit"):
        SlidingWindowLimiter(**kwargs)  # type: ignore[arg-type]


# -- through the client --------------------------------------------------------------------


async def test_client_rate_limit_is_none_before_any_answer(ghl: AsyncGHLClient) -> None:
    assert ghl.rate_limit is None
    assert ghl.rate_limit_for(LOCATION) is None


async def test_client_exposes_the_figures_of_the_latest_answer(
    mock_http: aioresponses, ghl: AsyncGHLClient
) -> None:
    mock_http.get(
        ghl_list_url(), payload=fixture_json("ghl/list_success.json"), headers=GHL_HEADERS
    )

    await ghl.pools.list(location_id=LOCATION)

    info = ghl.rate_limit
    assert isinstance(info, RateLimitInfo)
    assert (info.limit, info.remaining, info.interval) == (100, 97, 10.0)
    assert (info.daily_limit, info.daily_remaining) == (200000, 199990)
    assert ghl.rate_limit_for(LOCATION) == info
    assert ghl.rate_limit_for("elsewhere") is None


async def test_client_keeps_figures_per_location(
    mock_http: aioresponses, ghl: AsyncGHLClient
) -> None:
    mock_http.get(ghl_list_url("locA"), payload={"data": []}, headers=GHL_HEADERS)
    mock_http.get(
        ghl_list_url("locB"),
        payload={"data": []},
        headers={**GHL_HEADERS, "X-RateLimit-Remaining": "12"},
    )

    await ghl.pools.list(location_id="locA")
    await ghl.pools.list(location_id="locB")

    a, b = ghl.rate_limit_for("locA"), ghl.rate_limit_for("locB")
    assert a is not None
    assert a.remaining == 97
    assert b is not None
    assert b.remaining == 12
    assert ghl.rate_limit == b


async def test_client_paces_a_bulk_job_under_the_burst_limit(
    wire: Wire, ghl: AsyncGHLClient, clock: FakeClock
) -> None:
    wire.add("GET", ghl_list_url(), payload={"data": []}, repeat=True)

    for _ in range(100):
        await ghl.pools.list(location_id=LOCATION)
    assert clock.sleeps == []
    await ghl.pools.list(location_id=LOCATION)

    assert clock.sleeps == [10.0]
    assert len(wire.log) == 101


async def test_client_waits_when_the_server_says_nothing_remains(
    wire: Wire, ghl: AsyncGHLClient, clock: FakeClock
) -> None:
    wire.add(
        "GET",
        ghl_list_url(),
        payload={"data": []},
        headers={**GHL_HEADERS, "X-RateLimit-Remaining": "0"},
    )
    wire.add("GET", ghl_list_url(), payload={"data": []})

    await ghl.pools.list(location_id=LOCATION)
    assert clock.sleeps == []
    await ghl.pools.list(location_id=LOCATION)

    assert clock.sleeps == [10.0]


async def test_client_paces_other_locations_independently(
    wire: Wire, ghl: AsyncGHLClient, clock: FakeClock
) -> None:
    wire.add(
        "GET",
        ghl_list_url("locA"),
        payload={"data": []},
        headers={**GHL_HEADERS, "X-RateLimit-Remaining": "0"},
    )
    wire.add("GET", ghl_list_url("locB"), payload={"data": []})

    await ghl.pools.list(location_id="locA")
    await ghl.pools.list(location_id="locB")

    assert clock.sleeps == []


async def test_a_used_up_daily_quota_fails_fast_without_retrying(
    wire: Wire, ghl: AsyncGHLClient, clock: FakeClock
) -> None:
    exhausted = {**GHL_HEADERS, "X-RateLimit-Remaining": "50", "X-RateLimit-Daily-Remaining": "0"}
    wire.add("GET", ghl_list_url(), status=429, headers=exhausted)

    with pytest.raises(ghl_pools.RateLimitError, match="daily limit") as caught:
        await ghl.pools.list(location_id=LOCATION)

    assert len(wire.log) == 1  # not retried: seconds of backoff cannot bring a day back
    assert clock.sleeps == []
    # retry_after is the wait until the next UTC midnight (GoHighLevel's reset is undocumented)
    now = datetime.now(UTC)
    midnight = datetime.combine(now.date(), datetime.min.time(), UTC).timestamp() + 86400
    assert caught.value.retry_after is not None
    assert abs(caught.value.retry_after - (midnight - now.timestamp())) < 60
    # and later calls for the location are not held back by a block
    wire.add("GET", ghl_list_url(), payload={"data": []})
    await ghl.pools.list(location_id=LOCATION)
    assert clock.sleeps == []


async def test_a_burst_429_waits_the_interval_the_answer_states(
    wire: Wire, ghl: AsyncGHLClient, clock: FakeClock
) -> None:
    burst = {
        **GHL_HEADERS,
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Interval-Milliseconds": "500",
    }
    wire.add("GET", ghl_list_url(), status=429, headers=burst)
    wire.add("GET", ghl_list_url(), payload={"data": []})

    await ghl.pools.list(location_id=LOCATION)

    assert len(wire.log) == 2
    # The retry waited in the limiter for this answer's 0.5 s interval (plus up to a
    # quarter of jitter), not the default 10 s.
    assert 0.5 <= sum(clock.sleeps) <= 0.625


async def test_done_moves_a_booking_to_the_answer_time() -> None:
    fake = FakeClock()
    limiter = _limiter(fake, limit=1, interval=10.0)
    first = await limiter.acquire("loc")
    fake.now += 4.0  # the answer comes 4 s later: the server counted it then, at the latest
    limiter.done("loc", first)
    fake.now += 6.5  # 10.5 s after the send, but only 6.5 s after the answer

    await limiter.acquire("loc")

    # Booked at the send, the window would be free again; booked at the answer, 3.5 s to go.
    assert fake.sleeps == [pytest.approx(3.5)]


async def test_probe_first_holds_a_new_key_until_its_first_answer() -> None:
    fake = FakeClock()
    limiter = _limiter(fake, limit=100, interval=10.0, probe_first=True)  # type: ignore[arg-type]
    probe = await limiter.acquire("loc")
    waiting = asyncio.create_task(limiter.acquire("loc"))
    other_key = await limiter.acquire("elsewhere")  # another key has its own probe

    for _ in range(5):
        await asyncio.sleep(0)
    assert not waiting.done()
    limiter.done("loc", probe, headers({"X-RateLimit-Max": "100", "X-RateLimit-Remaining": "3"}))
    await waiting

    assert other_key == probe
    # The answer said 97 were used elsewhere: the window is nearly full already.
    info = limiter.latest("loc")
    assert info is not None
    assert info.remaining == 3


async def test_a_probe_that_fails_without_an_answer_releases_the_key() -> None:
    fake = FakeClock()
    limiter = _limiter(fake, probe_first=True)  # type: ignore[arg-type]
    probe = await limiter.acquire("loc")
    waiting = asyncio.create_task(limiter.acquire("loc"))
    await asyncio.sleep(0)

    limiter.done("loc", probe)  # a connection error: no headers

    await asyncio.wait_for(waiting, 1)


async def test_a_probe_cancelled_before_it_went_out_lets_another_request_probe() -> None:
    gate = asyncio.Event()
    fake = _GatedClock(gate)
    limiter = SlidingWindowLimiter(limit=1, interval=10.0, probe_first=True, clock=fake)
    # Figures learned without an answer of our own: the window is full, the key unprobed.
    limiter.observe("loc", headers({"X-RateLimit-Max": "1", "X-RateLimit-Remaining": "0"}))
    prober = asyncio.create_task(limiter.acquire("loc"))  # holds the probe, waits for room
    for _ in range(3):
        await asyncio.sleep(0)
    waiter = asyncio.create_task(limiter.acquire("loc"))  # waits for the probe's answer
    for _ in range(3):
        await asyncio.sleep(0)
    assert not waiter.done()

    prober.cancel()  # e.g. the caller's asyncio.timeout: the probe never goes out
    fake.now += 10.0
    gate.set()

    assert await asyncio.wait_for(waiter, 1) == fake.now
    with pytest.raises(asyncio.CancelledError):
        await prober


async def test_a_ghl_call_after_a_long_retry_after_is_refused_without_sending(
    wire: Wire, ghl: AsyncGHLClient, clock: FakeClock
) -> None:
    wire.add("GET", ghl_list_url(), status=429, headers={**GHL_HEADERS, "Retry-After": "3600"})

    with pytest.raises(ghl_pools.RateLimitError) as first:
        await ghl.pools.list(location_id=LOCATION)
    with pytest.raises(ghl_pools.RateLimitError, match="Not sent") as second:
        await ghl.pools.list(location_id=LOCATION)

    assert first.value.retry_after == 3600.0
    assert first.value.status == 429
    assert second.value.retry_after == pytest.approx(3600.0)
    assert second.value.status is None
    assert len(wire.log) == 1  # the second call never reached the server
    assert clock.sleeps == []


async def test_pruning_many_keys_keeps_the_windows_of_requests_in_flight() -> None:
    fake = FakeClock()
    limiter = _limiter(fake, interval=10.0, probe_first=True, prune_above=4)  # type: ignore[arg-type]
    probe = await limiter.acquire("slow-location")  # its answer takes longer than the window
    waiter = asyncio.create_task(limiter.acquire("slow-location"))
    await asyncio.sleep(0)
    fake.now += 30.0

    for i in range(12):  # other locations come and go, and trigger pruning
        key = f"loc-{i}"
        limiter.done(key, await limiter.acquire(key), headers(GHL_HEADERS))
        fake.now += 30.0
    limiter.done("slow-location", probe, headers(GHL_HEADERS))

    await asyncio.wait_for(waiter, 1)  # released by the probe's answer, not stranded
    assert len(limiter.tracked_keys()) <= 5  # and idle windows were pruned all along


async def test_pruning_never_drops_a_window_a_request_waits_on() -> None:
    timer_fired = asyncio.Event()
    fake = _GatedClock(timer_fired)
    limiter = SlidingWindowLimiter(limit=2, interval=10.0, clock=fake, prune_above=2)
    for _ in range(2):
        limiter.done("A", await limiter.acquire("A"))  # A's window is full
    sleeper = asyncio.create_task(limiter.acquire("A"))  # waits for room in it
    await asyncio.sleep(0)
    limiter.done("B", await limiter.acquire("B"))
    fake.now += 10.0  # A's sends expire; the sleeper has not woken yet
    limiter.done("C", await limiter.acquire("C"))  # a new key: pruning runs

    assert "A" in limiter.tracked_keys()  # kept: a request waits on it
    timer_fired.set()
    booking = await asyncio.wait_for(sleeper, 1)
    assert limiter.booked("A") == [booking]  # booked where later requests will count it


@pytest.mark.parametrize(
    ("figures", "booked"),
    [
        ({"X-RateLimit-Max": "10", "X-RateLimit-Remaining": "25"}, 0),  # more left than allowed
        ({"X-RateLimit-Max": "99999", "X-RateLimit-Remaining": "99000"}, 999),  # Max clamped
        ({"X-RateLimit-Max": "99999", "X-RateLimit-Remaining": "0"}, 10_000),  # a full window
    ],
    ids=["remaining-above-max", "max-above-the-clamp", "max-above-the-clamp-all-used"],
)
def test_the_sends_booked_for_others_stay_within_the_window(
    figures: dict[str, str], booked: int
) -> None:
    fake = FakeClock()
    limiter = _limiter(fake)

    limiter.observe("loc", headers(figures))

    assert len(limiter.booked("loc")) == booked
    assert limiter.limit_of("loc") == min(int(figures["X-RateLimit-Max"]), 10_000)


async def test_absurd_header_figures_are_bounded() -> None:
    fake = FakeClock()
    limiter = _limiter(fake)
    limiter.observe(
        "loc",
        headers(
            {
                "X-RateLimit-Max": "20000000",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Interval-Milliseconds": "86400000",
            }
        ),
    )

    assert len(limiter.booked("loc")) <= 10_000  # not twenty million bookings
    await limiter.acquire("loc")
    assert fake.sleeps == [pytest.approx(300.0)]  # at most five minutes, not a day

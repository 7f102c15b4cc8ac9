"""Retries: which failures are retried for which calls, how long the client waits (sleeps are
faked and recorded), per-call limits, the final error, and the log line of each retry."""

from __future__ import annotations

import email.utils
import logging
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from aioresponses import aioresponses

import bland_pools
import ghl_pools
from bland_pools import AsyncBlandClient
from bland_pools._exceptions import ERRORS
from bland_pools._protocol import decode_pool, get_request
from ghl_pools import AsyncGHLClient
from pools_core import RetryPolicy
from pools_core._auth import Auth
from pools_core._retry import outcome_unknown
from pools_core._transport import Transport
from pools_core._types import RedactedHeaders

from ._support import (
    API_KEY,
    LOCATION,
    NUMBERS,
    POOL_ID,
    POOLS_URL,
    FakeClock,
    Wire,
    connector_error,
    envelope,
    fixture_json,
    ghl_list_url,
    pool_json,
    pool_url,
    update_url,
)

RETRIED_STATUSES = [408, 429, 500, 502, 503, 504]
NOT_RETRIED_STATUSES = [400, 401, 403, 404, 409, 422, 501]


def _ok_pool() -> dict[str, object]:
    return envelope(pool_json())


# -- Retry-After -----------------------------------------------------------------------------


async def test_429_with_retry_after_seconds_waits_that_long(
    wire: Wire, bland: AsyncBlandClient, clock: FakeClock
) -> None:
    wire.add("GET", pool_url(), status=429, headers={"Retry-After": "3"})
    wire.add("GET", pool_url(), payload=_ok_pool())

    pool = await bland.pools.get(POOL_ID)

    assert pool.id == POOL_ID
    assert clock.sleeps == [3.0]
    assert len(wire.log) == 2
    wire.assert_complete()


async def test_retry_after_ms_is_honored_before_retry_after(
    wire: Wire, bland: AsyncBlandClient, clock: FakeClock
) -> None:
    wire.add("GET", pool_url(), status=429, headers={"retry-after-ms": "1500", "Retry-After": "9"})
    wire.add("GET", pool_url(), payload=_ok_pool())

    await bland.pools.get(POOL_ID)

    assert clock.sleeps == [1.5]


async def test_retry_after_as_an_http_date_waits_until_then(
    wire: Wire, bland: AsyncBlandClient, clock: FakeClock
) -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    wire.add(
        "GET",
        pool_url(),
        status=429,
        headers={"Retry-After": email.utils.format_datetime(when, usegmt=True)},
    )
    wire.add("GET", pool_url(), payload=_ok_pool())

    await bland.pools.get(POOL_ID)

    (slept,) = clock.sleeps
    assert 25.0 <= slept <= 30.0  # the date has one-second resolution


@pytest.mark.parametrize(
    ("status", "error"),
    [(429, bland_pools.RateLimitError), (503, bland_pools.ServerError)],
    ids=["429", "503"],
)
async def test_retry_after_beyond_the_cap_raises_at_once(
    wire: Wire,
    bland: AsyncBlandClient,
    clock: FakeClock,
    status: int,
    error: type[bland_pools.APIError],
) -> None:
    wire.add("GET", pool_url(), status=status, headers={"Retry-After": "3600"})

    with pytest.raises(error) as caught:
        await bland.pools.get(POOL_ID)

    assert type(caught.value) is error
    assert caught.value.status == status
    assert caught.value.headers["Retry-After"] == "3600"
    if isinstance(caught.value, bland_pools.RateLimitError):
        assert caught.value.retry_after == 3600.0
    assert clock.sleeps == []
    assert len(wire.log) == 1
    wire.assert_complete()


@pytest.mark.parametrize(("retry_after", "sleeps"), [("6", []), ("5", [5.0])])
async def test_the_retry_after_cap_comes_from_the_clients_policy(
    wire: Wire, clock: FakeClock, retry_after: str, sleeps: list[float]
) -> None:
    wire.add("GET", pool_url(), status=429, headers={"Retry-After": retry_after})
    wire.add("GET", pool_url(), payload=_ok_pool())
    policy = RetryPolicy(max_retries=2, max_retry_after=5.0)

    async with AsyncBlandClient(api_key=API_KEY, retry_policy=policy, clock=clock) as client:
        if sleeps:
            await client.pools.get(POOL_ID)
        else:
            with pytest.raises(bland_pools.RateLimitError):
                await client.pools.get(POOL_ID)

    assert clock.sleeps == sleeps


async def test_the_backoff_figures_come_from_the_clients_policy(
    wire: Wire, clock: FakeClock
) -> None:
    wire.add("GET", pool_url(), status=503, repeat=3)
    wire.add("GET", pool_url(), payload=_ok_pool())
    policy = RetryPolicy(max_retries=3, initial_backoff=0.01, max_backoff=0.02, min_backoff=0.0)

    async with AsyncBlandClient(api_key=API_KEY, retry_policy=policy, clock=clock) as client:
        await client.pools.get(POOL_ID)

    assert len(clock.sleeps) == 3
    assert all(0.0 <= s <= 0.02 for s in clock.sleeps)


async def test_max_retries_overrides_the_policys(wire: Wire, clock: FakeClock) -> None:
    wire.add("GET", pool_url(), status=503, repeat=True)
    policy = RetryPolicy(max_retries=5)

    async with AsyncBlandClient(
        api_key=API_KEY, retry_policy=policy, max_retries=1, clock=clock
    ) as client:
        with pytest.raises(bland_pools.ServerError):
            await client.pools.get(POOL_ID)

    assert len(wire.log) == 2


async def test_429_without_retry_after_backs_off_with_jitter(
    wire: Wire, bland: AsyncBlandClient, clock: FakeClock
) -> None:
    wire.add("GET", pool_url(), status=429)
    wire.add("GET", pool_url(), payload=_ok_pool())

    await bland.pools.get(POOL_ID)

    (slept,) = clock.sleeps
    assert 0.0 <= slept <= 0.5  # under the first ceiling; the spread is tested on RetryPolicy


@pytest.mark.parametrize("status", [408, 500, 502, 503, 504])
async def test_retry_after_on_a_retried_status_is_honored(
    wire: Wire, bland: AsyncBlandClient, clock: FakeClock, status: int
) -> None:
    wire.add("GET", pool_url(), status=status, headers={"Retry-After": "3"})
    wire.add("GET", pool_url(), payload=_ok_pool())

    await bland.pools.get(POOL_ID)

    assert clock.sleeps == [3.0]
    assert len(wire.log) == 2


async def test_retry_after_ms_on_a_503_is_honored_for_an_update(
    wire: Wire, bland: AsyncBlandClient, clock: FakeClock
) -> None:
    wire.add("POST", update_url(), status=503, headers={"retry-after-ms": "1500"})
    wire.add("POST", update_url(), payload=_ok_pool())

    await bland.pools.update(POOL_ID, NUMBERS)

    assert clock.sleeps == [1.5]


async def test_retry_after_on_a_refused_status_does_not_make_it_retried(
    wire: Wire, bland: AsyncBlandClient, clock: FakeClock
) -> None:
    wire.add("GET", pool_url(), status=400, headers={"Retry-After": "1"}, payload={})

    with pytest.raises(bland_pools.BlandError):
        await bland.pools.get(POOL_ID)

    assert clock.sleeps == []
    assert len(wire.log) == 1


RATE_LIMITED = {
    "status": "error",
    "data": None,
    "errors": [{"error": "TOO_MANY_REQUESTS", "message": "Too many requests"}],
}


def _rate_limited_with_retry_after_zero(mock: aioresponses) -> None:
    """Every list is answered 429 with ``Retry-After: 0``."""
    mock.get(POOLS_URL, status=429, payload=RATE_LIMITED, headers={"Retry-After": "0"}, repeat=True)


def test_the_default_minimum_backoff_is_a_tenth_of_a_second() -> None:
    assert RetryPolicy().min_backoff == 0.1


async def test_a_storm_of_429_with_retry_after_zero_still_waits_between_retries(
    mock_http: aioresponses,
) -> None:
    _rate_limited_with_retry_after_zero(mock_http)
    clock = FakeClock()

    async with AsyncBlandClient(api_key=API_KEY, clock=clock, max_retries=20) as client:
        with pytest.raises(bland_pools.RateLimitError):
            await client.pools.list()

    assert sum(len(calls) for calls in mock_http.requests.values()) == 21
    assert len(clock.sleeps) == 20
    assert all(seconds >= RetryPolicy().min_backoff for seconds in clock.sleeps), clock.sleeps


async def test_a_minimum_backoff_of_zero_honors_retry_after_zero(mock_http: aioresponses) -> None:
    _rate_limited_with_retry_after_zero(mock_http)
    clock = FakeClock()
    policy = RetryPolicy(min_backoff=0, max_retries=20)

    async with AsyncBlandClient(api_key=API_KEY, clock=clock, retry_policy=policy) as client:
        with pytest.raises(bland_pools.RateLimitError):
            await client.pools.list()

    assert clock.sleeps == [0.0] * 20


# -- which failures are retried ------------------------------------------------------------


@pytest.mark.parametrize("status", RETRIED_STATUSES)
async def test_get_is_retried_after_a_retryable_status(
    wire: Wire, bland: AsyncBlandClient, clock: FakeClock, status: int
) -> None:
    wire.add("GET", pool_url(), status=status, body=b"")
    wire.add("GET", pool_url(), payload=_ok_pool())

    assert (await bland.pools.get(POOL_ID)).id == POOL_ID
    assert wire.calls == [("GET", pool_url())] * 2
    assert len(clock.sleeps) == 1


@pytest.mark.parametrize("status", RETRIED_STATUSES)
async def test_list_is_retried_after_a_retryable_status(
    wire: Wire, bland: AsyncBlandClient, status: int
) -> None:
    wire.add("GET", POOLS_URL, status=status, body=b"")
    wire.add("GET", POOLS_URL, payload=envelope([]))

    assert await bland.pools.list() == []
    assert len(wire.log) == 2


@pytest.mark.parametrize("status", RETRIED_STATUSES)
async def test_update_is_retried_after_a_retryable_status_with_the_same_body(
    wire: Wire, bland: AsyncBlandClient, status: int
) -> None:
    wire.add("POST", update_url(), status=status, body=b"")
    wire.add("POST", update_url(), payload=_ok_pool())

    await bland.pools.update(POOL_ID, NUMBERS, encrypted_key=None)

    assert wire.calls == [("POST", update_url())] * 2
    assert wire.log[0].kwargs["data"] == wire.log[1].kwargs["data"]


@pytest.mark.parametrize("status", NOT_RETRIED_STATUSES)
async def test_get_is_not_retried_after_a_client_error_or_501(
    wire: Wire, clock: FakeClock, status: int
) -> None:
    wire.add("GET", pool_url(), status=status, body=b"")
    # Pinned to one name: unpinned, a bare 404 is sent once more under the resource's other
    # name (tests/unit/test_resource_path.py), which is not a retry.
    pinned = AsyncBlandClient(api_key=API_KEY, clock=clock, resource_path="custom-dialing-pools")

    async with pinned as bland:
        with pytest.raises(bland_pools.APIError) as caught:
            await bland.pools.get(POOL_ID)

    assert caught.value.status == status
    assert len(wire.log) == 1
    assert clock.sleeps == []
    wire.assert_complete()


@pytest.mark.parametrize("status", [400, 401, 403, 422])
async def test_create_is_not_retried_after_a_client_error(
    wire: Wire, bland: AsyncBlandClient, status: int
) -> None:
    wire.add("POST", POOLS_URL, status=status, body=b"")

    with pytest.raises(bland_pools.APIError):
        await bland.pools.create(NUMBERS)

    assert wire.calls == [("POST", POOLS_URL)]
    wire.assert_complete()


async def test_create_is_retried_after_a_429_without_listing(
    wire: Wire, bland: AsyncBlandClient, clock: FakeClock
) -> None:
    wire.add("POST", POOLS_URL, status=429, headers={"Retry-After": "2"})
    wire.add("POST", POOLS_URL, payload=_ok_pool())

    await bland.pools.create(NUMBERS)

    assert wire.calls == [("POST", POOLS_URL), ("POST", POOLS_URL)]
    assert clock.sleeps == [2.0]
    wire.assert_complete()


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
async def test_create_after_a_5xx_is_retried_only_once_a_list_shows_nothing_was_made(
    wire: Wire, bland: AsyncBlandClient, status: int
) -> None:
    wire.add("POST", POOLS_URL, status=status, body=b"")
    wire.add("GET", POOLS_URL, payload=envelope([]))
    wire.add("POST", POOLS_URL, payload=_ok_pool())

    await bland.pools.create(NUMBERS)

    assert wire.calls == [("POST", POOLS_URL), ("GET", POOLS_URL), ("POST", POOLS_URL)]
    wire.assert_complete()


# -- limits --------------------------------------------------------------------------------


async def test_max_retries_zero_on_the_client_sends_once(wire: Wire, clock: FakeClock) -> None:
    wire.add("GET", pool_url(), status=503, repeat=True)
    client = AsyncBlandClient(api_key=API_KEY, max_retries=0, clock=clock)

    async with client:
        with pytest.raises(bland_pools.ServerError):
            await client.pools.get(POOL_ID)

    assert len(wire.log) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize(("per_call", "attempts"), [(0, 1), (1, 2), (3, 4), (5, 6)])
async def test_per_call_max_retries_overrides_the_client(
    wire: Wire, bland: AsyncBlandClient, clock: FakeClock, per_call: int, attempts: int
) -> None:
    wire.add("GET", pool_url(), status=503, repeat=True)

    with pytest.raises(bland_pools.ServerError):
        await bland.pools.get(POOL_ID, max_retries=per_call)

    assert len(wire.log) == attempts
    assert len(clock.sleeps) == attempts - 1


async def test_per_call_max_retries_beats_a_client_without_retries(
    wire: Wire, clock: FakeClock
) -> None:
    wire.add("GET", POOLS_URL, status=502, repeat=2)
    wire.add("GET", POOLS_URL, payload=envelope([]))
    client = AsyncBlandClient(api_key=API_KEY, max_retries=0, clock=clock)

    async with client:
        assert await client.pools.list(max_retries=2) == []

    assert len(wire.log) == 3


async def test_exhausted_retries_raise_the_last_typed_error(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    wire.add("GET", pool_url(), status=503, body=b"")
    wire.add("GET", pool_url(), status=502, body=b"")
    wire.add("GET", pool_url(), status=504, body=b"<html>gateway timeout</html>")

    with pytest.raises(bland_pools.ServerError) as caught:
        await bland.pools.get(POOL_ID)

    assert caught.value.status == 504
    assert "gateway timeout" in caught.value.message
    wire.assert_complete()


async def test_backoff_ceiling_doubles_between_retries(
    wire: Wire, bland: AsyncBlandClient, clock: FakeClock
) -> None:
    wire.add("GET", pool_url(), status=503, repeat=True)

    with pytest.raises(bland_pools.ServerError):
        await bland.pools.get(POOL_ID, max_retries=5)

    assert len(clock.sleeps) == 5
    for number, slept in enumerate(clock.sleeps, start=1):
        assert 0.0 <= slept <= min(8.0, 0.5 * 2 ** (number - 1))


# -- transport failures --------------------------------------------------------------------


async def test_timeouts_on_every_attempt_raise_api_timeout_error(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    wire.add("GET", pool_url(), exception=TimeoutError(), repeat=True)

    with pytest.raises(bland_pools.APITimeoutError) as caught:
        await bland.pools.get(POOL_ID)

    assert caught.value.status is None
    assert caught.value.request_sent is True
    # Nothing chained (aiohttp's frames hold the headers); the message says what happened.
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None
    assert "Timed out waiting for the answer" in caught.value.message
    assert len(wire.log) == 3


@pytest.mark.parametrize(
    "exc",
    [
        pytest.param(TimeoutError(), id="timeout"),
        aiohttp.ServerDisconnectedError(),
        aiohttp.ClientOSError(104, "Connection reset by peer"),
        aiohttp.ClientPayloadError("Response payload is not completed"),
    ],
)
async def test_a_timeout_or_a_dropped_connection_on_get_is_retried(
    wire: Wire, bland: AsyncBlandClient, exc: Exception
) -> None:
    wire.add("GET", pool_url(), exception=exc)
    wire.add("GET", pool_url(), payload=_ok_pool())

    assert (await bland.pools.get(POOL_ID)).id == POOL_ID
    assert len(wire.log) == 2


async def test_a_dropped_connection_on_every_attempt_raises_api_connection_error(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    wire.add("GET", POOLS_URL, exception=aiohttp.ServerDisconnectedError(), repeat=True)

    with pytest.raises(bland_pools.APIConnectionError) as caught:
        await bland.pools.list()

    assert not isinstance(caught.value, bland_pools.APITimeoutError)
    assert caught.value.request_sent is True
    assert len(wire.log) == 3


async def test_a_refused_connection_is_retried_even_for_create_without_listing(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    wire.add("POST", POOLS_URL, exception=connector_error())
    wire.add("POST", POOLS_URL, payload=_ok_pool())

    await bland.pools.create(NUMBERS)

    assert wire.calls == [("POST", POOLS_URL), ("POST", POOLS_URL)]
    wire.assert_complete()


async def test_a_connect_timeout_is_retried_even_for_create_without_listing(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    wire.add("POST", POOLS_URL, exception=aiohttp.ConnectionTimeoutError())
    wire.add("POST", POOLS_URL, payload=_ok_pool())

    await bland.pools.create(NUMBERS)

    assert wire.calls == [("POST", POOLS_URL), ("POST", POOLS_URL)]


async def test_a_refused_connection_on_every_attempt_says_nothing_was_sent(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    wire.add("POST", POOLS_URL, exception=connector_error(), repeat=True)

    with pytest.raises(bland_pools.APIConnectionError) as caught:
        await bland.pools.create(NUMBERS)

    assert caught.value.request_sent is False
    assert wire.calls == [("POST", POOLS_URL)] * 3


# -- logging -------------------------------------------------------------------------------


async def test_each_retry_is_logged_with_its_number(
    wire: Wire, bland: AsyncBlandClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bland_pools")
    wire.add("GET", pool_url(), status=429, headers={"Retry-After": "3"})
    wire.add("GET", pool_url(), status=503)
    wire.add("GET", pool_url(), payload=_ok_pool())

    await bland.pools.get(POOL_ID)

    retries = [r for r in caplog.records if r.name == "bland_pools" and "Retrying" in r.message]
    assert [r.levelno for r in retries] == [logging.INFO, logging.INFO]
    assert "retry 1 of 2" in retries[0].message
    assert "3.00s" in retries[0].message
    assert "RateLimitError (429)" in retries[0].message
    assert "retry 2 of 2" in retries[1].message
    assert "ServerError (503)" in retries[1].message


async def test_no_retry_no_retry_log(
    wire: Wire, bland: AsyncBlandClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bland_pools")
    wire.add("GET", pool_url(), payload=_ok_pool())

    await bland.pools.get(POOL_ID)

    assert not [r for r in caplog.records if "Retrying" in r.message]


# -- GoHighLevel ---------------------------------------------------------------------------


async def test_ghl_429_waits_retry_after_and_retries(
    wire: Wire, ghl: AsyncGHLClient, clock: FakeClock
) -> None:
    wire.add("GET", ghl_list_url(), status=429, headers={"Retry-After": "4"})
    wire.add("GET", ghl_list_url(), payload=fixture_json("ghl/list_success.json"))

    page = await ghl.pools.list(location_id=LOCATION)

    assert page.total == 1
    assert clock.sleeps[0] == 4.0
    # The limiter adds at most its jitter (a quarter), not a second full wait.
    assert 4.0 <= sum(clock.sleeps) <= 5.0
    assert len(wire.log) == 2


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_ghl_list_is_retried_after_a_5xx(
    wire: Wire, ghl: AsyncGHLClient, status: int
) -> None:
    wire.add("GET", ghl_list_url(), status=status)
    wire.add("GET", ghl_list_url(), payload=fixture_json("ghl/list_success.json"))

    assert (await ghl.pools.list(location_id=LOCATION)).total == 1


async def test_ghl_exhausted_retries_raise_ghl_server_error(
    wire: Wire, ghl: AsyncGHLClient
) -> None:
    wire.add("GET", ghl_list_url(), status=503, repeat=True)

    with pytest.raises(ghl_pools.ServerError):
        await ghl.pools.list(location_id=LOCATION)

    assert len(wire.log) == 3


# -- the transport on its own --------------------------------------------------------------


async def test_transport_takes_an_injected_clock(mock_http: aioresponses) -> None:
    fake = FakeClock()
    transport = Transport(
        base_url="https://us.api.bland.ai",
        auth=Auth(RedactedHeaders({"Authorization": API_KEY})),
        errors=ERRORS,
        logger=logging.getLogger("bland_pools"),
        clock=fake,
    )
    mock_http.get(pool_url(), status=429, headers={"Retry-After": "5"})
    mock_http.get(pool_url(), payload=_ok_pool())

    try:
        pool = await transport.request(get_request(POOL_ID), decode_pool)
    finally:
        await transport.close()

    assert pool.id == POOL_ID
    assert fake.sleeps == [5.0]


# -- the policy, I/O-free ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("err", "idempotent", "retried"),
    [
        (bland_pools.ServerError("x", status=503), True, True),
        (bland_pools.ServerError("x", status=503), False, False),
        (bland_pools.ServerError("x", status=501), True, False),
        (bland_pools.RateLimitError("x", status=429), False, True),
        (bland_pools.RateLimitError("x", status=429, retry_after=61.0), True, False),
        (bland_pools.APITimeoutError("x", request_sent=True), True, True),
        (bland_pools.APITimeoutError("x", request_sent=True), False, False),
        (bland_pools.APIConnectionError("x", request_sent=False), False, True),
        (bland_pools.BadRequestError("x", status=400), True, False),
        (bland_pools.UnexpectedResponseError("x", status=200), True, False),
        (ValueError("not ours"), True, False),
    ],
)
def test_retry_policy_should_retry(err: BaseException, idempotent: bool, retried: bool) -> None:
    assert RetryPolicy().should_retry(err, idempotent=idempotent) is retried


def test_retry_policy_backoff_honors_retry_after_up_to_the_cap() -> None:
    policy = RetryPolicy(max_retry_after=10.0)

    assert policy.backoff(1, bland_pools.RateLimitError("x", retry_after=7.0)) == 7.0
    assert policy.backoff(1, bland_pools.RateLimitError("x", retry_after=11.0)) <= 0.5


@pytest.mark.parametrize(
    ("retry_number", "ceiling"),
    [(1, 0.5), (2, 1.0), (5, 8.0), (20, 8.0)],
    ids=["first", "doubled", "capped", "far-beyond-the-cap"],
)
def test_retry_policy_backoff_is_full_jitter_under_a_capped_ceiling(
    retry_number: int, ceiling: float
) -> None:
    policy = RetryPolicy(initial_backoff=0.5, max_backoff=8.0)

    draws = [policy.backoff(retry_number) for _ in range(200)]

    assert all(0.0 <= d <= ceiling for d in draws)
    # Spread across the whole range, not a constant nor a narrow band.
    assert min(draws) < ceiling / 4
    assert max(draws) > ceiling * 3 / 4
    assert len(set(draws)) > 100


def test_retry_policy_default_is_two_retries() -> None:
    assert RetryPolicy().max_retries == 2


@pytest.mark.parametrize(
    ("err", "unknown"),
    [
        (bland_pools.APITimeoutError("x", request_sent=True), True),
        (bland_pools.APITimeoutError("x", request_sent=False), False),
        (bland_pools.APIConnectionError("x", request_sent=True), True),
        (bland_pools.APIConnectionError("x", request_sent=False), False),
        (bland_pools.ServerError("x", status=500), True),
        (bland_pools.RateLimitError("x", status=429), False),
        (bland_pools.BadRequestError("x", status=400), False),
        (bland_pools.UnexpectedResponseError("x", status=200), True),
        (bland_pools.UnexpectedResponseError("x", status=302), False),
    ],
)
def test_outcome_unknown(err: BaseException, unknown: bool) -> None:
    assert outcome_unknown(err) is unknown

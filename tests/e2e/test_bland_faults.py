"""Staged faults end to end: what is retried, how long the client waits (recorded, not slept),
what is raised when retries run out, and that a create whose answer is lost never leaves a
duplicate pool behind. Each test checks the emulator's request log and stored pools."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

import bland_pools
from bland_pools import AsyncBlandClient, Timeout
from bland_pools.testing import BlandEmulator, Fault
from pools_core import ConfigurationError

from ._support import CRED_A, KEY_A, POOLS_PATH, FakeClock, numbers, pool_json

SLOW = 5.0  # seconds a slow answer is late
TIMEOUT = 0.25  # the client's timeout where slowness is tested
POOL_PATH = f"{POOLS_PATH}/*"
UPDATE_PATH = f"{POOLS_PATH}/*/update"


@pytest.fixture
async def client(bland_emu: BlandEmulator, fake: FakeClock) -> AsyncIterator[AsyncBlandClient]:
    """A client whose retry waits are recorded, not slept."""
    async with AsyncBlandClient(api_key=KEY_A, base_url=bland_emu.url, clock=fake) as client:
        yield client


@pytest.fixture
async def slow_client(bland_emu: BlandEmulator) -> AsyncIterator[AsyncBlandClient]:
    """A client that gives up after TIMEOUT seconds; its retry waits are recorded."""
    async with AsyncBlandClient(
        api_key=KEY_A, base_url=bland_emu.url, timeout=TIMEOUT, clock=FakeClock()
    ) as client:
        yield client


def log(emu: BlandEmulator) -> list[tuple[str, str, int | None]]:
    return [(r.method, r.path, r.status) for r in emu.requests]


def methods(emu: BlandEmulator) -> list[str]:
    return [r.method for r in emu.requests]


# -- 429 and Retry-After ----------------------------------------------------------------------


async def test_a_429_waits_exactly_retry_after_then_succeeds(
    bland_emu: BlandEmulator, client: AsyncBlandClient, fake: FakeClock
) -> None:
    stored = bland_emu.add_pool(KEY_A, numbers(1))
    bland_emu.inject(Fault.RATE_LIMITED, method="GET", retry_after=3)

    pools = await client.pools.list()

    assert [pool_json(p) for p in pools] == [stored]
    assert fake.sleeps == [3.0]
    assert [(r.status, r.fault) for r in bland_emu.requests] == [(429, "rate_limited"), (200, None)]


async def test_a_429_on_create_is_retried_without_listing(
    bland_emu: BlandEmulator, client: AsyncBlandClient, fake: FakeClock
) -> None:
    bland_emu.inject(Fault.RATE_LIMITED, method="POST", retry_after=2.5)

    pool = await client.pools.create(numbers(1))

    assert fake.sleeps == [2.5]
    assert log(bland_emu) == [("POST", POOLS_PATH, 429), ("POST", POOLS_PATH, 200)]
    assert bland_emu.pools(KEY_A) == [pool_json(pool)]


@pytest.mark.parametrize(
    ("fault", "options", "error", "expected"),
    [
        pytest.param(
            Fault.RATE_LIMITED,
            {"retry_after": 120},
            bland_pools.RateLimitError,
            {"status": 429, "retry_after": 120.0, "code": "TOO_MANY_REQUESTS"},
            id="a-429-asking-for-too-long-a-wait",
        ),
        pytest.param(
            Fault.SERVER_ERROR,
            {"status": 501},
            bland_pools.ServerError,
            {"status": 501},
            id="a-client-error",
        ),
    ],
)
async def test_an_answer_not_worth_retrying_is_raised_at_once(
    bland_emu: BlandEmulator,
    client: AsyncBlandClient,
    fake: FakeClock,
    fault: Fault,
    options: dict[str, object],
    error: type[Exception],
    expected: dict[str, object],
) -> None:
    bland_emu.inject(fault, **options)

    with pytest.raises(error) as caught:
        await client.pools.list()

    assert {name: getattr(caught.value, name) for name in expected} == expected
    assert fake.sleeps == []
    assert len(bland_emu.requests) == 1


async def test_429s_on_every_attempt_raise_rate_limit_error(
    bland_emu: BlandEmulator, client: AsyncBlandClient, fake: FakeClock
) -> None:
    bland_emu.inject(Fault.RATE_LIMITED, times=3, retry_after=1)

    with pytest.raises(bland_pools.RateLimitError) as caught:
        await client.pools.list()

    assert (caught.value.status, caught.value.retry_after) == (429, 1.0)
    assert fake.sleeps == [1.0, 1.0]
    assert [r.status for r in bland_emu.requests] == [429, 429, 429]


# -- 5xx on idempotent calls ------------------------------------------------------------------

SERVER_FAULTS = [
    pytest.param(Fault.SERVER_ERROR, 500, id="500"),
    pytest.param(Fault.SERVER_ERROR, 502, id="502"),
    pytest.param(Fault.SERVER_ERROR, 503, id="503"),
    pytest.param(Fault.HTML_ERROR, 502, id="html-502"),
]


@pytest.mark.parametrize(("fault", "status"), SERVER_FAULTS)
async def test_a_server_error_on_list_is_retried_then_succeeds(
    bland_emu: BlandEmulator, client: AsyncBlandClient, fake: FakeClock, fault: Fault, status: int
) -> None:
    stored = bland_emu.add_pool(KEY_A, numbers(1))
    bland_emu.inject(fault, status=status)

    pools = await client.pools.list()

    assert [pool_json(p) for p in pools] == [stored]
    assert [r.status for r in bland_emu.requests] == [status, 200]
    (slept,) = fake.sleeps
    assert 0 <= slept <= 0.5  # under the first backoff ceiling (spread: test_retries)


@pytest.mark.parametrize(("fault", "status"), SERVER_FAULTS)
async def test_a_server_error_on_get_is_retried_then_succeeds(
    bland_emu: BlandEmulator, client: AsyncBlandClient, fake: FakeClock, fault: Fault, status: int
) -> None:
    stored = bland_emu.add_pool(KEY_A, numbers(1), CRED_A)
    bland_emu.inject(fault, times=2, status=status)

    pool = await client.pools.get(stored["id"])

    assert pool_json(pool) == stored
    assert [r.status for r in bland_emu.requests] == [status, status, 200]
    assert len(fake.sleeps) == 2


@pytest.mark.parametrize(("fault", "status"), SERVER_FAULTS)
async def test_server_errors_on_every_get_attempt_raise_server_error(
    bland_emu: BlandEmulator, client: AsyncBlandClient, fake: FakeClock, fault: Fault, status: int
) -> None:
    stored = bland_emu.add_pool(KEY_A, numbers(1))
    bland_emu.inject(fault, times=3, status=status)

    with pytest.raises(bland_pools.ServerError) as caught:
        await client.pools.get(stored["id"])

    assert caught.value.status == status
    assert caught.value.method == "GET"
    if fault is Fault.HTML_ERROR:
        assert caught.value.code is None
        assert "502 Bad Gateway" in caught.value.message  # the page's text, no tags
        assert "<" not in caught.value.message
    else:
        assert caught.value.code == caught.value.message.upper().replace(" ", "_")
    assert [r.status for r in bland_emu.requests] == [status] * 3
    assert len(fake.sleeps) == 2


async def test_a_server_error_on_update_is_retried_with_the_same_body(
    bland_emu: BlandEmulator, client: AsyncBlandClient, fake: FakeClock
) -> None:
    stored = bland_emu.add_pool(KEY_A, numbers(1), CRED_A)
    bland_emu.inject(Fault.SERVER_ERROR, status=503, path=UPDATE_PATH)

    pool = await client.pools.update(stored["id"], numbers(2), encrypted_key=None)

    assert bland_emu.pools(KEY_A) == [pool_json(pool)]
    assert (pool.phone_numbers, pool.encrypted_key) == (tuple(numbers(2)), None)
    first, second = bland_emu.requests
    assert (first.status, second.status) == (503, 200)
    assert first.json == second.json == {"phone_numbers": numbers(2), "encrypted_key": None}


async def test_a_dropped_update_is_sent_again_and_applied_once(
    bland_emu: BlandEmulator, client: AsyncBlandClient, fake: FakeClock
) -> None:
    stored = bland_emu.add_pool(KEY_A, numbers(1))
    bland_emu.inject(Fault.DROP_AFTER, path=UPDATE_PATH)

    pool = await client.pools.update(stored["id"], numbers(2))

    assert bland_emu.pools(KEY_A) == [pool_json(pool)] == [{**stored, "phone_numbers": numbers(2)}]
    assert [(r.method, r.status) for r in bland_emu.requests] == [("POST", None), ("POST", 200)]


async def test_a_get_dropped_past_aiohttps_own_resend_is_retried(
    bland_emu: BlandEmulator, client: AsyncBlandClient, fake: FakeClock
) -> None:
    stored = bland_emu.add_pool(KEY_A, numbers(1))
    # aiohttp resends a dropped GET once by itself; the second drop reaches the SDK.
    bland_emu.inject(Fault.DROP_BEFORE, times=2, method="GET")

    pools = await client.pools.list()

    assert [pool_json(p) for p in pools] == [stored]
    assert [(r.fault, r.status) for r in bland_emu.requests] == [
        ("drop_before", None),
        ("drop_before", None),
        (None, 200),
    ]
    assert len(fake.sleeps) == 1


# -- timeouts ---------------------------------------------------------------------------------


async def test_a_get_that_times_out_is_retried_then_succeeds(
    bland_emu: BlandEmulator, slow_client: AsyncBlandClient
) -> None:
    stored = bland_emu.add_pool(KEY_A, numbers(1))
    bland_emu.inject(Fault.SLOW, method="GET", slow_seconds=SLOW)

    pool = await slow_client.pools.get(stored["id"])

    assert pool_json(pool) == stored
    assert [(r.fault, r.status) for r in bland_emu.requests] == [("slow", None), (None, 200)]


async def test_timeouts_on_every_attempt_raise_api_timeout_error(
    bland_emu: BlandEmulator, slow_client: AsyncBlandClient
) -> None:
    bland_emu.inject(Fault.SLOW, times=2, method="GET", slow_seconds=SLOW)

    with pytest.raises(bland_pools.APITimeoutError) as caught:
        await slow_client.pools.list(max_retries=1)

    assert caught.value.status is None
    assert caught.value.request_sent
    assert isinstance(caught.value, bland_pools.APIConnectionError)
    assert f"total {TIMEOUT:g}s" in caught.value.message
    assert [r.fault for r in bland_emu.requests] == ["slow", "slow"]


@pytest.mark.parametrize("timeout", [float("inf"), float("nan")])
def test_an_infinite_or_nan_timeout_is_refused_up_front(
    bland_emu: BlandEmulator, timeout: float
) -> None:
    with pytest.raises(bland_pools.ConfigurationError, match="timeout"):
        AsyncBlandClient(api_key=KEY_A, base_url=bland_emu.url, timeout=timeout)
    with pytest.raises(ConfigurationError, match="total"):
        Timeout(total=timeout)


# -- create: never a duplicate ----------------------------------------------------------------


async def test_a_create_dropped_before_it_was_applied_is_sent_again_once(
    bland_emu: BlandEmulator, client: AsyncBlandClient, fake: FakeClock
) -> None:
    bland_emu.inject(Fault.DROP_BEFORE, method="POST")

    pool = await client.pools.create(numbers(1), encrypted_key=CRED_A)

    assert bland_emu.pools(KEY_A) == [pool_json(pool)]
    assert (pool.phone_numbers, pool.encrypted_key) == (tuple(numbers(1)), CRED_A)
    # The outcome was unknown: the list showed nothing was made, so it was sent again.
    assert log(bland_emu) == [
        ("POST", POOLS_PATH, None),
        ("GET", POOLS_PATH, 200),
        ("POST", POOLS_PATH, 200),
    ]


@pytest.mark.parametrize("fault", [Fault.DROP_AFTER, Fault.SLOW], ids=["drop_after", "slow"])
async def test_a_create_applied_but_unanswered_is_adopted_not_repeated(
    bland_emu: BlandEmulator, slow_client: AsyncBlandClient, fault: Fault
) -> None:
    bland_emu.add_pool(KEY_A, numbers(2))  # another pool: not adopted
    bland_emu.inject(fault, method="POST", slow_seconds=SLOW)

    pool = await slow_client.pools.create(numbers(1))

    made = [p for p in bland_emu.pools(KEY_A) if p["phone_numbers"] == numbers(1)]
    assert made == [pool_json(pool)]  # exactly one, and it is the one returned
    assert len(bland_emu.pools(KEY_A)) == 2
    assert log(bland_emu) == [("POST", POOLS_PATH, None), ("GET", POOLS_PATH, 200)]


@pytest.mark.parametrize(
    ("fault", "status"),
    [(Fault.SERVER_ERROR, 500), (Fault.SERVER_ERROR, 503), (Fault.HTML_ERROR, 502)],
    ids=["500", "503", "html-502"],
)
async def test_a_create_answered_with_a_server_error_is_checked_then_sent_again(
    bland_emu: BlandEmulator, client: AsyncBlandClient, fake: FakeClock, fault: Fault, status: int
) -> None:
    # The emulator applies nothing on a staged 5xx: the check finds no pool, so the create is
    # sent again, and exactly one pool results.
    bland_emu.inject(fault, method="POST", status=status)

    pool = await client.pools.create(numbers(1))

    assert bland_emu.pools(KEY_A) == [pool_json(pool)]
    assert log(bland_emu) == [
        ("POST", POOLS_PATH, status),
        ("GET", POOLS_PATH, 200),
        ("POST", POOLS_PATH, 200),
    ]


class CommitThenFail(BlandEmulator):
    """Stores the next ``fail_next`` creates, then answers them with a 5xx anyway (a server
    that crashed after its commit); the staged ``server_error`` fault applies nothing."""

    fail_next = 0
    fail_status = 500

    async def _create(self, request: web.Request) -> web.Response:
        response = await super()._create(request)
        if self.fail_next and response.status == 200:
            self.fail_next -= 1
            return self._error_response(request, self.fail_status, {})
        return response


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_a_create_applied_then_answered_with_a_5xx_is_adopted_not_repeated(
    status: int,
) -> None:
    async with CommitThenFail(api_keys={KEY_A: [CRED_A]}) as emu:
        emu.fail_next, emu.fail_status = 1, status
        fake = FakeClock()
        async with AsyncBlandClient(api_key=KEY_A, base_url=emu.url, clock=fake) as client:
            pool = await client.pools.create(numbers(1), encrypted_key=CRED_A)

    assert emu.pools(KEY_A) == [pool_json(pool)]
    assert log(emu) == [("POST", POOLS_PATH, status), ("GET", POOLS_PATH, 200)]
    assert len(fake.sleeps) == 1  # one backoff, then the check that adopts it


async def test_a_lost_create_is_adopted_even_without_retries(
    bland_emu: BlandEmulator, client: AsyncBlandClient, fake: FakeClock
) -> None:
    bland_emu.inject(Fault.DROP_AFTER, method="POST")

    pool = await client.pools.create(numbers(1), max_retries=0)

    assert bland_emu.pools(KEY_A) == [pool_json(pool)]
    assert methods(bland_emu) == ["POST", "GET"]


async def test_creates_lost_before_applying_on_every_attempt_check_each_time(
    bland_emu: BlandEmulator, client: AsyncBlandClient, fake: FakeClock
) -> None:
    bland_emu.inject(Fault.DROP_BEFORE, times=3, method="POST")

    with pytest.raises(bland_pools.APIConnectionError) as caught:
        await client.pools.create(numbers(1))

    assert caught.value.request_sent
    assert bland_emu.pools(KEY_A) == []
    assert methods(bland_emu) == ["POST", "GET", "POST", "GET", "POST", "GET"]


async def test_after_a_lost_create_another_clients_identical_pool_is_not_adopted(
    bland_emu: BlandEmulator, client: AsyncBlandClient, fake: FakeClock
) -> None:
    # A pool with the same numbers made long before the create is someone else's.
    bland_emu.add_pool(KEY_A, numbers(1), created_at="2024-01-15T10:30:00Z")
    bland_emu.inject(Fault.DROP_BEFORE, method="POST")

    pool = await client.pools.create(numbers(1))

    assert pool.id != bland_emu.pools(KEY_A)[0]["id"]
    assert [p["id"] for p in bland_emu.pools(KEY_A)][1:] == [pool.id]
    assert methods(bland_emu) == ["POST", "GET", "POST"]


@pytest.mark.parametrize(
    ("fault", "error", "pools_made"),
    [
        (Fault.DROP_AFTER, bland_pools.APIConnectionError, 1),
        (Fault.SLOW, bland_pools.APITimeoutError, 1),
        (Fault.SERVER_ERROR, bland_pools.ServerError, 0),
        (Fault.DROP_BEFORE, bland_pools.APIConnectionError, 0),
    ],
    ids=["drop_after", "slow", "server_error", "drop_before"],
)
async def test_when_the_check_fails_too_the_original_error_is_raised_and_nothing_resent(
    bland_emu: BlandEmulator,
    slow_client: AsyncBlandClient,
    fault: Fault,
    error: type[bland_pools.APIError],
    pools_made: int,
) -> None:
    bland_emu.inject(fault, method="POST", status=500 if fault is Fault.SERVER_ERROR else None)
    bland_emu.inject(Fault.SERVER_ERROR, times=50, method="GET", status=503)

    with pytest.raises(error) as caught:
        await slow_client.pools.create(numbers(1))

    assert type(caught.value) is error  # the create's own failure, not the list's 503
    assert any("outcome of this request is unknown" in n for n in caught.value.__notes__)
    assert methods(bland_emu) == ["POST", "GET", "GET", "GET"]  # the check's own retries
    assert len(bland_emu.pools(KEY_A)) == pools_made


async def test_a_rejected_create_is_neither_checked_nor_resent(
    bland_emu: BlandEmulator, client: AsyncBlandClient, fake: FakeClock
) -> None:
    with pytest.raises(bland_pools.InvalidCredentialsError):
        await client.pools.create(numbers(1), encrypted_key=str(uuid.uuid4()))

    assert methods(bland_emu) == ["POST"]
    assert fake.sleeps == []


# -- creates the caller cancelled (a deadline, task.cancel(), Ctrl-C) -------------------------


async def _cancelled_unapplied(
    emu: BlandEmulator, client: AsyncBlandClient, phone_numbers: list[str]
) -> None:
    """A create the caller's deadline cancelled in flight, which (as far as the emulator is
    concerned afterwards) made nothing: its pool and log are forgotten."""
    emu.inject(Fault.SLOW, method="POST", slow_seconds=SLOW)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(client.pools.create(phone_numbers), TIMEOUT)
    emu.reset()


async def test_a_create_cancelled_after_it_was_applied_is_adopted_by_the_next_identical_one(
    bland_emu: BlandEmulator, client: AsyncBlandClient
) -> None:
    bland_emu.inject(Fault.SLOW, method="POST", slow_seconds=SLOW)  # applied, answered late
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(client.pools.create(numbers(1)), TIMEOUT)

    pool = await client.pools.create(numbers(1))

    assert [pool_json(pool)] == bland_emu.pools(KEY_A)  # the cancelled create's pool, once
    assert methods(bland_emu) == ["POST", "GET"]


async def test_a_create_cancelled_without_effect_is_checked_for_then_sent(
    bland_emu: BlandEmulator, client: AsyncBlandClient
) -> None:
    await _cancelled_unapplied(bland_emu, client, numbers(1))

    pool = await client.pools.create(numbers(1))
    again = await client.pools.create(numbers(1))  # the check is made once, not every time

    assert [p["id"] for p in bland_emu.pools(KEY_A)] == [pool.id, again.id]
    assert methods(bland_emu) == ["GET", "POST", "POST"]


async def test_a_different_create_after_a_cancelled_one_is_sent_at_once(
    bland_emu: BlandEmulator, client: AsyncBlandClient
) -> None:
    await _cancelled_unapplied(bland_emu, client, numbers(1))

    await client.pools.create(numbers(2))

    assert methods(bland_emu) == ["POST"]


async def test_after_a_cancelled_create_several_identical_pools_are_not_claimed(
    bland_emu: BlandEmulator, client: AsyncBlandClient
) -> None:
    await _cancelled_unapplied(bland_emu, client, numbers(1))
    first = bland_emu.add_pool(KEY_A, numbers(1))  # made by others, about the same time
    second = bland_emu.add_pool(KEY_A, numbers(1))

    with pytest.raises(bland_pools.BlandError, match="Not sent") as caught:
        await client.pools.create(numbers(1))

    assert first["id"] in str(caught.value)
    assert second["id"] in str(caught.value)
    assert methods(bland_emu) == ["GET"]
    assert len(bland_emu.pools(KEY_A)) == 2


async def test_when_the_check_after_a_cancelled_create_fails_nothing_is_sent_until_it_works(
    bland_emu: BlandEmulator, client: AsyncBlandClient, fake: FakeClock
) -> None:
    await _cancelled_unapplied(bland_emu, client, numbers(1))
    bland_emu.inject(Fault.SERVER_ERROR, times=3, method="GET", status=503)

    with pytest.raises(bland_pools.ServerError) as caught:
        await client.pools.create(numbers(1))
    assert any("cancelled" in note for note in caught.value.__notes__)
    assert methods(bland_emu) == ["GET", "GET", "GET"]

    pool = await client.pools.create(numbers(1))  # checked again, then sent

    assert methods(bland_emu) == ["GET", "GET", "GET", "GET", "POST"]
    assert [p["id"] for p in bland_emu.pools(KEY_A)] == [pool.id]


@pytest.mark.parametrize(("later", "expected"), [(899.0, ["GET", "POST"]), (901.0, ["POST"])])
async def test_a_cancelled_create_is_looked_for_only_within_fifteen_minutes(
    bland_emu: BlandEmulator,
    client: AsyncBlandClient,
    fake: FakeClock,
    later: float,
    expected: list[str],
) -> None:
    await _cancelled_unapplied(bland_emu, client, numbers(1))
    # Fifteen minutes on, the ids it returned since are forgotten: adopting is no longer safe.
    fake.advance(later)

    await client.pools.create(numbers(1))

    assert methods(bland_emu) == expected

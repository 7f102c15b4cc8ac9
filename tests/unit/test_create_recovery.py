"""A create whose outcome is unknown never leaves a duplicate pool: the client lists the pools
and adopts the one the lost attempt made, and POSTs again only when there is none. Every test
asserts the exact sequence of requests."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aioresponses import CallbackResult, aioresponses

import bland_pools
from bland_pools import AsyncBlandClient
from bland_pools._recovery import Fingerprint, _Turn, fingerprint

from ._support import (
    API_KEY,
    KEY_ID,
    NUMBERS,
    POOLS_URL,
    SEED_CREATED_AT,
    FakeClock,
    Wire,
    envelope,
    http_date,
    pool_json,
    sent_json,
)

POST = ("POST", POOLS_URL)
LIST = ("GET", POOLS_URL)
LOST_ID = "11111111-1111-4111-8111-111111111111"
NEW_ID = "22222222-2222-4222-8222-222222222222"
OTHER_ID = "33333333-3333-4333-8333-333333333333"


def _lost(wire: Wire, kind: str) -> None:
    """The first POST fails so that nobody knows whether it created a pool."""
    if kind == "timeout":
        wire.add("POST", POOLS_URL, exception=TimeoutError())
    elif kind == "disconnected":
        wire.add("POST", POOLS_URL, exception=aiohttp.ServerDisconnectedError())
    elif kind == "reset":
        wire.add("POST", POOLS_URL, exception=aiohttp.ClientOSError(104, "Connection reset"))
    elif kind == "500":
        wire.add("POST", POOLS_URL, status=500, body=b"")
    elif kind == "502-html":
        wire.add("POST", POOLS_URL, status=502, body=b"<html>Bad Gateway</html>")
    elif kind == "200-truncated":
        wire.add("POST", POOLS_URL, body=b'{"status": "success", "data": {"id": "1')
    else:  # pragma: no cover
        raise AssertionError(kind)


LOST_KINDS = ["timeout", "disconnected", "reset", "500", "502-html", "200-truncated"]


def _listing(
    *pools: Callable[[datetime], dict[str, Any]], server_offset: float | None = 0.0
) -> Callable[[], CallbackResult]:
    """A list answer built when the request arrives: each pool is made from the server's "now";
    a ``Date`` header shows the server's clock (``None``: no Date header)."""

    def answer() -> CallbackResult:
        local_now = datetime.now(UTC)
        server_now = local_now + timedelta(seconds=server_offset or 0.0)
        headers = {} if server_offset is None else {"Date": http_date(server_now)}
        return CallbackResult(
            payload=envelope([make(server_now) for make in pools]), headers=headers
        )

    return answer


def made_now(
    pool_id: str = LOST_ID, numbers: Sequence[str] = NUMBERS, key: str | None = KEY_ID
) -> Callable[[datetime], dict[str, Any]]:
    return lambda now: pool_json(pool_id, numbers, key, created_at=now)


def made_at(
    when: datetime, pool_id: str = OTHER_ID, numbers: Sequence[str] = NUMBERS
) -> Callable[[datetime], dict[str, Any]]:
    return lambda _now: pool_json(pool_id, numbers, KEY_ID, created_at=when)


def made_ago(seconds: float, pool_id: str = OTHER_ID) -> Callable[[datetime], dict[str, Any]]:
    return lambda now: pool_json(
        pool_id, NUMBERS, KEY_ID, created_at=now - timedelta(seconds=seconds)
    )


def _created(pool_id: str = NEW_ID, numbers: Sequence[str] = NUMBERS) -> dict[str, Any]:
    return envelope(pool_json(pool_id, numbers, KEY_ID, created_at=datetime.now(UTC)))


# -- adoption ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", LOST_KINDS)
async def test_lost_create_is_adopted_from_the_list_without_a_second_post(
    wire: Wire, bland: AsyncBlandClient, kind: str
) -> None:
    _lost(wire, kind)
    wire.add("GET", POOLS_URL, answer=_listing(made_now(LOST_ID)))

    pool = await bland.pools.create(NUMBERS, encrypted_key=KEY_ID)

    assert pool.id == LOST_ID
    assert pool.phone_numbers == tuple(NUMBERS)
    assert wire.calls == [POST, LIST]
    wire.assert_complete()


@pytest.mark.parametrize(
    ("listing", "options", "stored_key"),
    [
        pytest.param(
            lambda: _listing(made_now(numbers=list(reversed(NUMBERS)))),
            {"encrypted_key": KEY_ID},
            KEY_ID,
            id="numbers-compared-regardless-of-order",
        ),
        pytest.param(
            lambda: _listing(made_now(key=None)), {}, None, id="without-a-key-a-pool-without-a-key"
        ),
        # The pool is stored with the key in lower case.
        pytest.param(
            lambda: _listing(made_now()),
            {"encrypted_key": KEY_ID.upper()},
            KEY_ID,
            id="key-in-another-case",
        ),
        pytest.param(
            lambda: _listing(made_now(), server_offset=3600.0),
            {"encrypted_key": KEY_ID},
            KEY_ID,
            id="follows-the-servers-clock-from-the-date-header",
        ),
        pytest.param(
            lambda: _listing(made_now()),
            {"encrypted_key": KEY_ID, "max_retries": 0},
            KEY_ID,
            id="without-retries-still-looked-up",
        ),
    ],
)
async def test_adoption_matches_the_lost_pool(
    wire: Wire,
    bland: AsyncBlandClient,
    listing: Callable[[], Callable[[], CallbackResult]],
    options: dict[str, Any],
    stored_key: str | None,
) -> None:
    _lost(wire, "timeout")
    wire.add("GET", POOLS_URL, answer=listing())

    pool = await bland.pools.create(NUMBERS, **options)

    assert pool.id == LOST_ID
    assert pool.encrypted_key == stored_key
    assert wire.calls == [POST, LIST]


async def test_two_matching_pools_are_ambiguous_and_neither_is_claimed(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    _lost(wire, "500")
    wire.add(
        "GET",
        POOLS_URL,
        answer=_listing(
            lambda now: pool_json(OTHER_ID, NUMBERS, KEY_ID, created_at=now + timedelta(seconds=1)),
            made_now(LOST_ID),
        ),
    )

    with pytest.raises(bland_pools.ServerError) as caught:
        await bland.pools.create(NUMBERS, encrypted_key=KEY_ID)

    # Another caller made an identical pool at the same time: guessing could hand out its
    # pool, and sending again could duplicate ours. The error says so; nothing is resent.
    assert wire.calls == [POST, LIST]
    notes = " ".join(getattr(caught.value, "__notes__", []))
    assert OTHER_ID in notes
    assert LOST_ID in notes


async def test_adoption_is_logged(
    wire: Wire, bland: AsyncBlandClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bland_pools")
    _lost(wire, "timeout")
    wire.add("GET", POOLS_URL, answer=_listing(made_now()))

    await bland.pools.create(NUMBERS, encrypted_key=KEY_ID)

    assert any(LOST_ID in r.getMessage() and "adopted" in r.getMessage() for r in caplog.records)


# -- nothing to adopt: send again ----------------------------------------------------------


@pytest.mark.parametrize("kind", [k for k in LOST_KINDS if k != "200-truncated"])
async def test_nothing_in_the_list_means_the_create_is_sent_again(
    wire: Wire, bland: AsyncBlandClient, kind: str
) -> None:
    _lost(wire, kind)
    wire.add("GET", POOLS_URL, answer=_listing())
    wire.add("POST", POOLS_URL, payload=_created())

    pool = await bland.pools.create(NUMBERS, encrypted_key=KEY_ID)

    assert pool.id == NEW_ID
    assert wire.calls == [POST, LIST, POST]
    assert sent_json(wire.log[0]) == sent_json(wire.log[2])
    wire.assert_complete()


async def test_an_unreadable_200_with_nothing_in_the_list_is_raised_not_resent(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    _lost(wire, "200-truncated")
    wire.add("GET", POOLS_URL, answer=_listing())

    with pytest.raises(bland_pools.UnexpectedResponseError) as caught:
        await bland.pools.create(NUMBERS, encrypted_key=KEY_ID)

    assert caught.value.status == 200
    assert wire.calls == [POST, LIST]
    wire.assert_complete()


@pytest.mark.parametrize(
    "listing",
    [
        pytest.param(lambda: _listing(made_at(SEED_CREATED_AT)), id="made-long-before"),
        pytest.param(lambda: _listing(made_ago(60.0)), id="a-minute-before-on-server-clock"),
        # The server's clock runs an hour ahead: a pool stamped with *our* now is an hour old there.
        pytest.param(
            lambda: _listing(made_at(datetime.now(UTC)), server_offset=3600.0),
            id="old-on-a-server-clock-ahead-of-ours",
        ),
        pytest.param(
            lambda: _listing(made_ago(3600.0), server_offset=None),
            id="an-hour-old-without-a-date-header",
        ),
    ],
)
async def test_a_pool_with_the_same_numbers_made_before_the_create_is_not_adopted(
    wire: Wire, bland: AsyncBlandClient, listing: Callable[[], Callable[[], CallbackResult]]
) -> None:
    _lost(wire, "timeout")
    wire.add("GET", POOLS_URL, answer=listing())
    wire.add("POST", POOLS_URL, payload=_created())

    pool = await bland.pools.create(NUMBERS, encrypted_key=KEY_ID)

    assert pool.id == NEW_ID
    assert wire.calls == [POST, LIST, POST]


@pytest.mark.parametrize(
    "make",
    [
        made_now(key="44444444-4444-4444-8444-444444444444"),
        made_now(key=None),
        made_now(numbers=NUMBERS[:2]),
        made_now(numbers=[*NUMBERS, "+17775551234"]),
    ],
    ids=["other-key", "no-key", "fewer-numbers", "more-numbers"],
)
async def test_a_recent_pool_that_differs_is_not_adopted(
    wire: Wire, bland: AsyncBlandClient, make: Callable[[datetime], dict[str, Any]]
) -> None:
    _lost(wire, "timeout")
    wire.add("GET", POOLS_URL, answer=_listing(make))
    wire.add("POST", POOLS_URL, payload=_created())

    pool = await bland.pools.create(NUMBERS, encrypted_key=KEY_ID)

    assert pool.id == NEW_ID
    assert wire.calls == [POST, LIST, POST]


async def test_pools_this_client_returned_earlier_are_never_adopted(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    first, second = "aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002"
    wire.add("POST", POOLS_URL, payload=_created(first))
    wire.add("POST", POOLS_URL, payload=_created(second))
    _lost(wire, "timeout")
    wire.add("GET", POOLS_URL, answer=_listing(made_now(first), made_now(second)))
    wire.add("POST", POOLS_URL, payload=_created(NEW_ID))

    assert (await bland.pools.create(NUMBERS, encrypted_key=KEY_ID)).id == first
    assert (await bland.pools.create(NUMBERS, encrypted_key=KEY_ID)).id == second
    third = await bland.pools.create(NUMBERS, encrypted_key=KEY_ID)

    assert third.id == NEW_ID
    assert wire.calls == [POST, POST, POST, LIST, POST]
    wire.assert_complete()


async def test_a_pool_adopted_once_is_not_adopted_again(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    _lost(wire, "timeout")
    wire.add("GET", POOLS_URL, answer=_listing(made_now(LOST_ID)))
    _lost(wire, "timeout")
    wire.add("GET", POOLS_URL, answer=_listing(made_now(LOST_ID)))
    wire.add("POST", POOLS_URL, payload=_created(NEW_ID))

    assert (await bland.pools.create(NUMBERS, encrypted_key=KEY_ID)).id == LOST_ID
    assert (await bland.pools.create(NUMBERS, encrypted_key=KEY_ID)).id == NEW_ID

    assert wire.calls == [POST, LIST, POST, LIST, POST]


# -- the check itself fails ----------------------------------------------------------------


async def test_a_failing_check_raises_the_original_error_and_never_posts_again(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    _lost(wire, "timeout")
    wire.add("GET", POOLS_URL, status=401, body=b"")

    with pytest.raises(bland_pools.APITimeoutError) as caught:
        await bland.pools.create(NUMBERS, encrypted_key=KEY_ID)

    assert caught.value.request_sent is True
    (note,) = caught.value.__notes__
    assert "Nothing was sent again" in note
    assert "401" in note
    assert wire.calls == [POST, LIST]
    wire.assert_complete()


async def test_a_check_that_keeps_failing_raises_the_original_error_and_never_posts_again(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    _lost(wire, "500")
    wire.add("GET", POOLS_URL, status=503, body=b"", repeat=True)

    with pytest.raises(bland_pools.ServerError) as caught:
        await bland.pools.create(NUMBERS, encrypted_key=KEY_ID)

    assert caught.value.status == 500
    assert wire.calls[0] == POST
    assert wire.calls.count(POST) == 1
    assert set(wire.calls[1:]) == {LIST}


async def test_a_check_that_times_out_raises_the_original_error(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    _lost(wire, "disconnected")
    wire.add("GET", POOLS_URL, exception=TimeoutError(), repeat=True)

    with pytest.raises(bland_pools.APIConnectionError) as caught:
        await bland.pools.create(NUMBERS, encrypted_key=KEY_ID)

    assert not isinstance(caught.value, bland_pools.APITimeoutError)
    assert wire.calls.count(POST) == 1


# -- the last attempt ----------------------------------------------------------------------


async def test_without_retries_and_nothing_found_the_original_error_is_raised(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    _lost(wire, "timeout")
    wire.add("GET", POOLS_URL, answer=_listing())

    with pytest.raises(bland_pools.APITimeoutError):
        await bland.pools.create(NUMBERS, encrypted_key=KEY_ID, max_retries=0)

    assert wire.calls == [POST, LIST]
    wire.assert_complete()


async def test_every_attempt_lost_checks_before_each_resend_and_after_the_last(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    wire.add("POST", POOLS_URL, status=500, body=b"", repeat=True)
    wire.add("GET", POOLS_URL, answer=_listing(), repeat=True)

    with pytest.raises(bland_pools.ServerError):
        await bland.pools.create(NUMBERS, encrypted_key=KEY_ID)

    assert wire.calls == [POST, LIST, POST, LIST, POST, LIST]


async def test_a_later_attempt_that_was_lost_is_adopted(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    _lost(wire, "500")
    wire.add("GET", POOLS_URL, answer=_listing())
    _lost(wire, "timeout")
    wire.add("GET", POOLS_URL, answer=_listing(made_now(LOST_ID)))

    pool = await bland.pools.create(NUMBERS, encrypted_key=KEY_ID)

    assert pool.id == LOST_ID
    assert wire.calls == [POST, LIST, POST, LIST]


# -- no check when nothing can have been created -------------------------------------------


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
async def test_a_rejected_create_is_neither_checked_nor_resent(
    wire: Wire, clock: FakeClock, status: int
) -> None:
    wire.add("POST", POOLS_URL, status=status, body=b"")
    # Pinned to one name: unpinned, a bare 404 sends the create once more under the resource's
    # other name (tests/unit/test_resource_path.py).
    pinned = AsyncBlandClient(api_key=API_KEY, clock=clock, resource_path="custom-dialing-pools")

    async with pinned as bland:
        with pytest.raises(bland_pools.APIError):
            await bland.pools.create(NUMBERS, encrypted_key=KEY_ID)

    assert wire.calls == [POST]
    wire.assert_complete()


async def test_a_successful_create_is_not_checked(wire: Wire, bland: AsyncBlandClient) -> None:
    wire.add("POST", POOLS_URL, payload=_created())

    await bland.pools.create(NUMBERS, encrypted_key=KEY_ID)

    assert wire.calls == [POST]


# -- concurrent creates of the same pool ---------------------------------------------------


async def test_concurrent_identical_creates_never_return_the_same_pool(
    mock_http: aioresponses, bland: AsyncBlandClient
) -> None:
    first_id, second_id = OTHER_ID, LOST_ID
    first_arrived, release_first = asyncio.Event(), asyncio.Event()
    made: dict[str, datetime] = {}

    async def post(url: Any, **kwargs: Any) -> CallbackResult:
        if not made:  # the first create: made at once, answered late
            made[first_id] = datetime.now(UTC)
            first_arrived.set()
            await release_first.wait()
            return CallbackResult(payload=envelope(pool_json(first_id, created_at=made[first_id])))
        made[second_id] = datetime.now(UTC)  # the second create: made, but the answer is lost
        raise TimeoutError

    def listing(url: Any, **kwargs: Any) -> CallbackResult:
        pools = [pool_json(pid, created_at=when) for pid, when in made.items()]
        return CallbackResult(
            payload=envelope(pools), headers={"Date": http_date(datetime.now(UTC))}
        )

    # One matcher for both POSTs: aioresponses drops a matcher only once it has answered.
    mock_http.post(POOLS_URL, callback=post, repeat=2)
    mock_http.get(POOLS_URL, callback=listing)

    first = asyncio.create_task(bland.pools.create(NUMBERS, encrypted_key=KEY_ID))
    await first_arrived.wait()
    second = asyncio.create_task(bland.pools.create(NUMBERS, encrypted_key=KEY_ID))
    for _ in range(20):  # let the second create run as far as it can
        await asyncio.sleep(0)
    # It waits its turn: sent now, its recovery would find only the first create's pool.
    assert list(made) == [first_id]
    release_first.set()

    assert (await first).id == first_id
    assert (await second).id == second_id


async def test_a_create_cancelled_while_waiting_its_turn_hands_the_turn_on(
    mock_http: aioresponses, bland: AsyncBlandClient
) -> None:
    ids = iter([OTHER_ID, NEW_ID, LOST_ID])
    sent: list[str] = []
    first_arrived, release_first = asyncio.Event(), asyncio.Event()

    async def post(url: Any, **kwargs: Any) -> CallbackResult:
        pool_id = next(ids)
        sent.append(pool_id)
        if len(sent) == 1:
            first_arrived.set()
            await release_first.wait()
        return CallbackResult(payload=envelope(pool_json(pool_id)))

    mock_http.post(POOLS_URL, callback=post, repeat=3)

    first = asyncio.create_task(bland.pools.create(NUMBERS, encrypted_key=KEY_ID))
    await first_arrived.wait()
    second = asyncio.create_task(bland.pools.create(NUMBERS, encrypted_key=KEY_ID))
    third = asyncio.create_task(bland.pools.create(NUMBERS, encrypted_key=KEY_ID))
    for _ in range(20):
        await asyncio.sleep(0)
    second.cancel()  # gives up while waiting in line
    for _ in range(20):
        await asyncio.sleep(0)
    assert sent == [OTHER_ID]  # the third still waits for the first
    release_first.set()

    assert (await first).id == OTHER_ID
    assert (await third).id == NEW_ID  # the turn went past the cancelled one
    with pytest.raises(asyncio.CancelledError):
        await second
    assert sent == [OTHER_ID, NEW_ID]
    # And the line is gone: another identical create goes at once.
    assert (await bland.pools.create(NUMBERS, encrypted_key=KEY_ID)).id == LOST_ID


async def test_a_create_cancelled_as_its_turn_comes_hands_the_turn_on() -> None:
    # The moment between being handed the turn and running: only reachable by cancelling in
    # the same step as the holder leaves, so the turn itself is driven here.
    lines: dict[Fingerprint, Any] = {}
    key = fingerprint(NUMBERS, KEY_ID)
    entered: list[str] = []

    async def take(name: str) -> None:
        async with _Turn(lines, key):
            entered.append(name)

    async with _Turn(lines, key):
        second = asyncio.create_task(take("second"))
        third = asyncio.create_task(take("third"))
        for _ in range(5):
            await asyncio.sleep(0)
        assert entered == []
    second.cancel()  # handed the turn on the way out above, cancelled before it ran

    with pytest.raises(asyncio.CancelledError):
        await second
    await third
    assert entered == ["third"]
    assert lines == {}  # nobody in line: the entry is gone

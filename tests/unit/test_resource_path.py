"""The resource's two names on the wire: ``/v1/custom-dialing-pools`` (the default) and
``/v1/geospatial-dialing-pools``. A route-level 404 (not ``POOL_NOT_FOUND``) sends that one call
once more, unchanged, under the other name, which the client then keeps; nothing else switches;
a pinned client (``resource_path=``, ``BLAND_RESOURCE_PATH``) never does."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, NamedTuple

import aiohttp
import pytest
from _loopback import serve
from aiohttp import web
from aioresponses import aioresponses

import bland_pools
from bland_pools import AsyncBlandClient, BlandClient

from ._support import (
    API_KEY,
    BLAND_URL,
    KEY_ID,
    NUMBERS,
    POOL_ID,
    FakeClock,
    Wire,
    envelope,
    error_envelope,
    pool_json,
    request_count,
    sent_headers,
    sent_json,
)

OLD_NAME = "custom-dialing-pools"
OLD = f"{BLAND_URL}/v1/custom-dialing-pools"
NEW = f"{BLAND_URL}/v1/geospatial-dialing-pools"
DELETED = {
    "data": {"message": "Geospatial dialing pool deleted successfully", "deleted_pool_id": POOL_ID},
    "errors": None,
}


class Endpoint(NamedTuple):
    name: str
    method: str
    suffix: str  # after the collection's path
    answer: dict[str, Any]
    call: Callable[[AsyncBlandClient], Awaitable[Any]]
    body: dict[str, Any] | None


ENDPOINTS = [
    Endpoint("list", "GET", "", envelope([pool_json()]), lambda b: b.pools.list(), None),
    Endpoint(
        "get", "GET", f"/{POOL_ID}", envelope(pool_json()), lambda b: b.pools.get(POOL_ID), None
    ),
    Endpoint(
        "create",
        "POST",
        "",
        envelope(pool_json()),
        lambda b: b.pools.create(NUMBERS, encrypted_key=KEY_ID),
        {"phone_numbers": NUMBERS, "encrypted_key": KEY_ID},
    ),
    Endpoint(
        "update",
        "POST",
        f"/{POOL_ID}/update",
        envelope(pool_json()),
        lambda b: b.pools.update(POOL_ID, NUMBERS),
        {"phone_numbers": NUMBERS},
    ),
    Endpoint("delete", "DELETE", f"/{POOL_ID}", DELETED, lambda b: b.pools.delete(POOL_ID), None),
]
BY_NAME = {e.name: e for e in ENDPOINTS}

# What a server answers for a route it does not have (Bland does not document it).
ROUTE_MISSES: dict[str, dict[str, Any]] = {
    "plain-text": {"body": b"404: Not Found", "content_type": "text/plain"},
    "html": {"body": b"<html><h1>404 Not Found</h1></html>", "content_type": "text/html"},
    "json-other-code": {"payload": error_envelope(("NOT_FOUND", "Cannot GET this path"))},
    "empty": {"body": b""},
}
POOL_NOT_FOUND = error_envelope(("POOL_NOT_FOUND", "Geospatial dialing pool not found"))


def _check_result(endpoint: Endpoint, result: Any) -> None:
    if endpoint.name == "list":
        assert [p.id for p in result] == [POOL_ID]
    elif endpoint.name == "delete":
        assert result is None
    else:
        assert result.id == POOL_ID
        assert list(result.phone_numbers) == NUMBERS


# -- the fallback ------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
@pytest.mark.parametrize("miss", list(ROUTE_MISSES), ids=str)
async def test_a_route_level_404_sends_the_same_call_once_under_the_other_name_and_keeps_it(
    wire: Wire, bland: AsyncBlandClient, endpoint: Endpoint, miss: str
) -> None:
    wire.add(endpoint.method, OLD + endpoint.suffix, status=404, **ROUTE_MISSES[miss])
    wire.add(endpoint.method, NEW + endpoint.suffix, payload=endpoint.answer, repeat=True)

    _check_result(endpoint, await endpoint.call(bland))
    _check_result(endpoint, await endpoint.call(bland))  # straight to the name that answered

    assert wire.calls == [
        (endpoint.method, OLD + endpoint.suffix),
        (endpoint.method, NEW + endpoint.suffix),
        (endpoint.method, NEW + endpoint.suffix),
    ]
    first, second = wire.log[0], wire.log[1]
    assert sent_headers(second) == sent_headers(first)  # the same request, another path
    assert sent_headers(second)["Authorization"] == API_KEY
    if endpoint.body is None:
        assert second.kwargs["data"] is None
    else:
        assert sent_json(second) == sent_json(first) == endpoint.body
    assert bland.resource_path == "geospatial-dialing-pools"
    wire.assert_complete()


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
async def test_the_default_name_that_answers_is_the_only_one_sent_to(
    wire: Wire, bland: AsyncBlandClient, endpoint: Endpoint
) -> None:
    wire.add(endpoint.method, OLD + endpoint.suffix, payload=endpoint.answer, repeat=True)

    _check_result(endpoint, await endpoint.call(bland))
    _check_result(endpoint, await endpoint.call(bland))

    assert wire.calls == [(endpoint.method, OLD + endpoint.suffix)] * 2
    assert bland.resource_path == "custom-dialing-pools"
    wire.assert_complete()


async def test_once_settled_a_later_route_level_404_is_an_error_not_a_switch(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    wire.add("GET", OLD, payload=envelope([]))
    wire.add("GET", f"{OLD}/{POOL_ID}", status=404, body=b"404: Not Found")

    await bland.pools.list()
    with pytest.raises(bland_pools.NotFoundError) as caught:
        await bland.pools.get(POOL_ID)

    assert "the URL looks wrong" in str(caught.value)
    assert wire.calls == [("GET", OLD), ("GET", f"{OLD}/{POOL_ID}")]
    wire.assert_complete()


async def test_a_pool_not_found_on_the_other_name_settles_it(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    wire.add("GET", f"{OLD}/{POOL_ID}", status=404, body=b"404: Not Found")
    wire.add("GET", f"{NEW}/{POOL_ID}", status=404, payload=POOL_NOT_FOUND)
    wire.add("GET", NEW, payload=envelope([]))

    with pytest.raises(bland_pools.PoolNotFoundError):
        await bland.pools.get(POOL_ID)
    assert await bland.pools.list() == []

    assert wire.calls == [("GET", f"{OLD}/{POOL_ID}"), ("GET", f"{NEW}/{POOL_ID}"), ("GET", NEW)]
    wire.assert_complete()


# -- what never switches -----------------------------------------------------------------------


async def test_pool_not_found_is_a_missing_pool_and_never_switches(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    wire.add("GET", f"{OLD}/{POOL_ID}", status=404, payload=POOL_NOT_FOUND)
    wire.add("GET", OLD, payload=envelope([]))

    with pytest.raises(bland_pools.PoolNotFoundError):
        await bland.pools.get(POOL_ID)
    await bland.pools.list()

    assert wire.calls == [("GET", f"{OLD}/{POOL_ID}"), ("GET", OLD)]
    assert bland.resource_path == "custom-dialing-pools"
    wire.assert_complete()


FAILURES: dict[str, tuple[dict[str, Any], type[bland_pools.APIError]]] = {
    "500": ({"status": 500, "payload": error_envelope(("X", "boom"))}, bland_pools.ServerError),
    "502-html": (
        {"status": 502, "body": b"<html>502 Bad Gateway</html>", "content_type": "text/html"},
        bland_pools.ServerError,
    ),
    "429": ({"status": 429, "headers": {"Retry-After": "1"}}, bland_pools.RateLimitError),
    "401": (
        {"status": 401, "payload": error_envelope(("UNAUTHORIZED", "Invalid API key"))},
        bland_pools.AuthenticationError,
    ),
    "dropped": (
        {"exception": aiohttp.ServerDisconnectedError()},
        bland_pools.APIConnectionError,
    ),
    "timeout": ({"exception": TimeoutError()}, bland_pools.APITimeoutError),
}


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
@pytest.mark.parametrize("failure", list(FAILURES), ids=str)
async def test_a_5xx_a_lost_answer_a_429_or_a_401_never_switches(
    wire: Wire, bland: AsyncBlandClient, endpoint: Endpoint, failure: str
) -> None:
    options, error = FAILURES[failure]
    wire.add(endpoint.method, OLD + endpoint.suffix, **options)
    wire.add(endpoint.method, OLD + endpoint.suffix, payload=endpoint.answer)
    if endpoint.name == "create" and failure in ("500", "502-html", "dropped", "timeout"):
        wire.add("GET", OLD, payload=envelope([]))  # its outcome unknown: the check, same name

    with pytest.raises(error):
        await _once(endpoint, bland)
    _check_result(endpoint, await endpoint.call(bland))

    assert all(not url.startswith(NEW) for _, url in wire.calls), wire.calls
    assert bland.resource_path == "custom-dialing-pools"
    wire.assert_complete()


async def _once(endpoint: Endpoint, bland: AsyncBlandClient) -> Any:
    """The endpoint's call without retries."""
    pools = bland.pools
    if endpoint.name == "list":
        return await pools.list(max_retries=0)
    if endpoint.name == "get":
        return await pools.get(POOL_ID, max_retries=0)
    if endpoint.name == "create":
        return await pools.create(NUMBERS, encrypted_key=KEY_ID, max_retries=0)
    if endpoint.name == "update":
        return await pools.update(POOL_ID, NUMBERS, max_retries=0)
    return await pools.delete(POOL_ID, max_retries=0)


# -- a pinned client ---------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["argument", "environment"])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
async def test_a_pinned_client_never_switches_and_raises_the_404(
    wire: Wire,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    endpoint: Endpoint,
    how: str,
) -> None:
    wire.add(endpoint.method, OLD + endpoint.suffix, status=404, body=b"404: Not Found", repeat=2)
    if how == "environment":
        monkeypatch.setenv("BLAND_RESOURCE_PATH", "custom-dialing-pools")
        pinned = AsyncBlandClient(api_key=API_KEY, clock=clock)
    else:
        pinned = AsyncBlandClient(
            api_key=API_KEY, clock=clock, resource_path="custom-dialing-pools"
        )

    async with pinned as bland:
        for _ in range(2):
            with pytest.raises(bland_pools.NotFoundError) as caught:
                await endpoint.call(bland)
            assert not isinstance(caught.value, bland_pools.PoolNotFoundError)
            assert "the URL looks wrong" in str(caught.value)

    assert wire.calls == [(endpoint.method, OLD + endpoint.suffix)] * 2
    wire.assert_complete()


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
async def test_a_client_pinned_to_the_new_name_sends_there_from_the_first_call(
    wire: Wire, clock: FakeClock, endpoint: Endpoint
) -> None:
    wire.add(endpoint.method, NEW + endpoint.suffix, payload=endpoint.answer)

    async with AsyncBlandClient(
        api_key=API_KEY, clock=clock, resource_path="geospatial-dialing-pools"
    ) as bland:
        assert bland.resource_path == "geospatial-dialing-pools"
        _check_result(endpoint, await endpoint.call(bland))

    assert wire.calls == [(endpoint.method, NEW + endpoint.suffix)]
    if endpoint.body is not None:
        assert sent_json(wire.log[0]) == endpoint.body
    wire.assert_complete()


async def test_the_argument_wins_over_the_environment(
    wire: Wire, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLAND_RESOURCE_PATH", "custom-dialing-pools")
    wire.add("GET", NEW, payload=envelope([]))

    async with AsyncBlandClient(
        api_key=API_KEY, clock=clock, resource_path="geospatial-dialing-pools"
    ) as bland:
        await bland.pools.list()

    assert wire.calls == [("GET", NEW)]


@pytest.mark.parametrize(
    "value", ["geospatial", "/v1/geospatial-dialing-pools", "Custom-Dialing-Pools", "", 3]
)
def test_a_bad_resource_path_is_refused_naming_it(mock_http: aioresponses, value: Any) -> None:
    with pytest.raises(bland_pools.ConfigurationError) as caught:
        AsyncBlandClient(api_key=API_KEY, resource_path=value)
    with pytest.raises(bland_pools.ConfigurationError):
        BlandClient(api_key=API_KEY, resource_path=value)

    message = str(caught.value)
    assert "resource_path must be 'custom-dialing-pools' or 'geospatial-dialing-pools'" in message
    assert f"got {value!r}" in message
    assert request_count(mock_http) == 0


def test_a_bad_resource_path_in_the_environment_is_refused_naming_the_variable(
    mock_http: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLAND_RESOURCE_PATH", "geospatial_dialing_pools")

    with pytest.raises(bland_pools.ConfigurationError) as caught:
        AsyncBlandClient(api_key=API_KEY)

    assert "BLAND_RESOURCE_PATH must be 'custom-dialing-pools' or" in str(caught.value)
    assert "got 'geospatial_dialing_pools'" in str(caught.value)
    assert request_count(mock_http) == 0


def test_the_blocking_client_takes_and_tells_the_resource_path(mock_http: aioresponses) -> None:
    mock_http.get(NEW, payload=envelope([]))

    with BlandClient(api_key=API_KEY, resource_path="geospatial-dialing-pools") as bland:
        assert bland.pools.list() == []
        assert bland.resource_path == "geospatial-dialing-pools"

    assert request_count(mock_http) == 1


# -- neither name ------------------------------------------------------------------------------


async def test_when_neither_name_is_served_the_first_404_is_raised_and_no_more_are_tried(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    wire.add("GET", OLD, status=404, body=b"404: Not Found", repeat=2)
    wire.add("GET", NEW, status=404, body=b"404: Not Found")

    with pytest.raises(bland_pools.NotFoundError) as caught:
        await bland.pools.list()
    with pytest.raises(bland_pools.NotFoundError):
        await bland.pools.list()  # one request now: the base URL is what is wrong

    assert caught.value.url == OLD
    assert "the URL looks wrong; check base_url" in str(caught.value)
    assert any(NEW in note for note in caught.value.__notes__)
    assert wire.calls == [("GET", OLD), ("GET", NEW), ("GET", OLD)]
    wire.assert_complete()


async def test_a_route_level_404_keeps_what_the_server_said_after_the_hint(
    wire: Wire, clock: FakeClock
) -> None:
    body = error_envelope(("NOT_FOUND", "Cannot GET /v1/custom-dialing-pools"))
    wire.add("GET", OLD, status=404, payload=body)

    async with AsyncBlandClient(api_key=API_KEY, clock=clock, resource_path=OLD_NAME) as bland:
        with pytest.raises(bland_pools.NotFoundError) as caught:
            await bland.pools.list()

    assert caught.value.message == (
        "Not found: this path answered 404 without the API's own error, so the URL looks "
        "wrong; check base_url (it should be the API's root, without /v1 or a path) (the "
        "server said: Cannot GET /v1/custom-dialing-pools)"
    )
    assert caught.value.code == "NOT_FOUND"


# -- creates -----------------------------------------------------------------------------------


async def test_a_create_answered_with_a_route_level_404_is_sent_once_on_the_other_name(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    # The 404 says the route is not there, so no pool was made: sent again without a check.
    wire.add("POST", OLD, status=404, body=b"404: Not Found")
    wire.add("POST", NEW, payload=envelope(pool_json()))

    pool = await bland.pools.create(NUMBERS, encrypted_key=KEY_ID)

    assert pool.id == POOL_ID
    assert wire.calls == [("POST", OLD), ("POST", NEW)]  # no listing, one create each
    wire.assert_complete()


async def test_a_create_whose_outcome_is_unknown_is_checked_on_the_name_it_was_sent_to(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    wire.add("POST", OLD, status=404, body=b"404: Not Found")
    wire.add("POST", NEW, status=500, payload=error_envelope(("INTERNAL", "boom")))
    wire.add("GET", NEW, payload=envelope([]))  # the check: no pool was made
    wire.add("POST", NEW, payload=envelope(pool_json()))

    pool = await bland.pools.create(NUMBERS, encrypted_key=KEY_ID)

    assert pool.id == POOL_ID
    assert wire.calls == [("POST", OLD), ("POST", NEW), ("GET", NEW), ("POST", NEW)]
    wire.assert_complete()


async def test_a_create_after_an_unknown_outcome_never_switches(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    # The first attempt may have made a pool; the check lists the pools on the same name,
    # which shows that name is served: a later 404 there is an error, never a reason to send
    # the create under the other name.
    wire.add("POST", OLD, status=500, payload=error_envelope(("INTERNAL", "boom")))
    wire.add("GET", OLD, payload=envelope([]))
    wire.add("POST", OLD, status=404, body=b"404: Not Found")

    with pytest.raises(bland_pools.NotFoundError):
        await bland.pools.create(NUMBERS, encrypted_key=KEY_ID)

    assert wire.calls == [("POST", OLD), ("GET", OLD), ("POST", OLD)]
    wire.assert_complete()


# -- concurrent first calls --------------------------------------------------------------------


async def test_concurrent_first_calls_meet_one_route_level_404_and_none_switches_back(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    wire.add("GET", f"{OLD}/{POOL_ID}", status=404, body=b"404: Not Found")
    wire.add("GET", f"{NEW}/{POOL_ID}", payload=envelope(pool_json()), repeat=True)

    pools = await asyncio.gather(*(bland.pools.get(POOL_ID) for _ in range(8)))

    assert [p.id for p in pools] == [POOL_ID] * 8
    assert wire.calls == [("GET", f"{OLD}/{POOL_ID}")] + [("GET", f"{NEW}/{POOL_ID}")] * 8
    wire.assert_complete()


class _TwoNames:
    """A server on 127.0.0.1 that serves only the new name, whose old name first answers a 500,
    then holds its 404s until ``hold`` requests are in: concurrent calls really interleave."""

    def __init__(self, hold: int) -> None:
        self.log: list[tuple[str, int]] = []
        self._hold = hold
        self._old_seen = 0
        self._all_in = asyncio.Event()

    async def old(self, request: web.Request) -> web.Response:
        self._old_seen += 1
        if self._old_seen == 1:
            self.log.append(("old", 500))
            return web.json_response(error_envelope(("INTERNAL", "boom")), status=500)
        if self._old_seen == 1 + self._hold:
            self._all_in.set()
        await self._all_in.wait()
        self.log.append(("old", 404))
        return web.Response(status=404, text="404: Not Found")

    async def new(self, request: web.Request) -> web.Response:
        self.log.append(("new", 200))
        return web.json_response(envelope([]))

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[str]:
        app = web.Application()
        app.router.add_get("/v1/custom-dialing-pools", self.old)
        app.router.add_get("/v1/geospatial-dialing-pools", self.new)
        async with serve(app) as url:
            yield url


async def test_after_an_answer_that_settles_nothing_calls_go_at_once_and_none_switches_back(
    clock: FakeClock,
) -> None:
    # The first answer is a 500: the others stop waiting and go at once; all four meet the
    # old name's 404 together. The first to see it switches; the others follow to the new
    # name (none flips the client back), each with its one extra request.
    server = _TwoNames(hold=4)
    async with (
        server.serving() as url,
        AsyncBlandClient(api_key=API_KEY, base_url=url, clock=clock) as bland,
    ):
        with pytest.raises(bland_pools.ServerError):
            await bland.pools.list(max_retries=0)
        results = await asyncio.gather(*(bland.pools.list() for _ in range(4)))
        assert await bland.pools.list() == []
        assert bland.resource_path == "geospatial-dialing-pools"

    assert results == [[]] * 4
    assert server.log == [("old", 500)] + [("old", 404)] * 4 + [("new", 200)] * 5

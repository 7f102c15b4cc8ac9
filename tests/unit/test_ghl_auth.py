"""GoHighLevel credentials: a token string or an async token provider asked per request and once
more after a 401; a pasted ``Bearer`` prefix is never doubled."""

from __future__ import annotations

import asyncio

import pytest
from aioresponses import aioresponses

import ghl_pools
from ghl_pools import AsyncGHLClient

from ._support import LOCATION, FakeClock, Wire, fixture_json, ghl_list_url, sent, sent_headers

LIST_URL = ghl_list_url(LOCATION)


class TokenSource:
    """An async token provider returning the given tokens in turn (the last one repeats)."""

    def __init__(self, *tokens: str) -> None:
        self.tokens = list(tokens)
        self.calls = 0

    async def __call__(self) -> str:
        token = self.tokens[min(self.calls, len(self.tokens) - 1)]
        self.calls += 1
        return token


def _client(token: object, clock: FakeClock) -> AsyncGHLClient:
    return AsyncGHLClient(token=token, location_id=LOCATION, clock=clock)  # type: ignore[arg-type]


def _authorizations(wire: Wire) -> list[str]:
    return [sent_headers(seen)["Authorization"] for seen in wire.log]


@pytest.mark.parametrize("given", ["Bearer tok-123", "bearer tok-123", "BEARER   tok-123"])
async def test_a_bearer_prefix_in_a_token_string_is_not_doubled(
    mock_http: aioresponses, clock: FakeClock, given: str
) -> None:
    mock_http.get(LIST_URL, payload=fixture_json("ghl/list_success.json"))

    async with _client(given, clock) as client:
        await client.pools.list()

    (call,) = sent(mock_http, "GET", LIST_URL)
    assert sent_headers(call).getall("Authorization") == ["Bearer tok-123"]


async def test_provider_is_called_for_every_request(wire: Wire, clock: FakeClock) -> None:
    source = TokenSource("tok-a", "tok-b", "tok-c")
    wire.add("GET", LIST_URL, payload=fixture_json("ghl/list_success.json"), repeat=3)

    async with _client(source, clock) as client:
        for _ in range(3):
            await client.pools.list()

    assert source.calls == 3
    assert _authorizations(wire) == ["Bearer tok-a", "Bearer tok-b", "Bearer tok-c"]


async def test_a_bearer_prefix_from_the_provider_is_not_doubled(
    wire: Wire, clock: FakeClock
) -> None:
    wire.add("GET", LIST_URL, payload=fixture_json("ghl/list_success.json"))

    async with _client(TokenSource("Bearer tok-p"), clock) as client:
        await client.pools.list()

    assert _authorizations(wire) == ["Bearer tok-p"]


async def test_after_a_401_the_provider_is_asked_again_and_the_request_retried_once(
    wire: Wire, clock: FakeClock
) -> None:
    source = TokenSource("expired", "fresh")
    wire.add("GET", LIST_URL, status=401)
    wire.add("GET", LIST_URL, payload=fixture_json("ghl/list_success.json"))

    async with _client(source, clock) as client:
        page = await client.pools.list()

    assert page.total == 1
    assert source.calls == 2
    assert _authorizations(wire) == ["Bearer expired", "Bearer fresh"]
    wire.assert_complete()


async def test_after_a_401_an_unchanged_token_raises_without_resending(
    wire: Wire, clock: FakeClock
) -> None:
    source = TokenSource("same")
    wire.add("GET", LIST_URL, status=401)

    async with _client(source, clock) as client:
        with pytest.raises(ghl_pools.AuthenticationError) as caught:
            await client.pools.list()

    assert caught.value.status == 401
    assert source.calls == 2
    assert _authorizations(wire) == ["Bearer same"]
    wire.assert_complete()


async def test_a_second_401_with_the_fresh_token_raises(wire: Wire, clock: FakeClock) -> None:
    source = TokenSource("old", "new", "newer")
    wire.add("GET", LIST_URL, status=401, repeat=2)

    async with _client(source, clock) as client:
        with pytest.raises(ghl_pools.AuthenticationError):
            await client.pools.list()

    assert _authorizations(wire) == ["Bearer old", "Bearer new"]
    wire.assert_complete()


async def test_a_static_token_is_not_resent_after_a_401(wire: Wire, clock: FakeClock) -> None:
    wire.add("GET", LIST_URL, status=401)

    async with _client("static-token", clock) as client:
        with pytest.raises(ghl_pools.AuthenticationError):
            await client.pools.list()

    assert len(wire.log) == 1
    wire.assert_complete()


NON_STRING_TOKENS: list[object] = [None, 42, b"bytes-token"]
UNUSABLE_TOKENS = ["", "   ", "tok\nen", "tok en\r"]


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        *[pytest.param(bad, "not a string", id=f"non-string-{bad!r}") for bad in NON_STRING_TOKENS],
        *[pytest.param(bad, None, id=f"unusable-{bad!r}") for bad in UNUSABLE_TOKENS],
    ],
)
async def test_a_provider_returning_a_bad_token_is_a_configuration_error_before_sending(
    mock_http: aioresponses, clock: FakeClock, bad: object, match: str | None
) -> None:
    async def provider() -> object:
        return bad

    async with _client(provider, clock) as client:
        with pytest.raises(ghl_pools.ConfigurationError, match=match):
            await client.pools.list()

    assert mock_http.requests == {}


async def test_a_plain_callable_is_a_token_provider_too(wire: Wire, clock: FakeClock) -> None:
    tokens = iter(["tok-old", "tok-new"])
    wire.add("GET", LIST_URL, status=401)
    wire.add("GET", LIST_URL, payload=fixture_json("ghl/list_success.json"))

    async with _client(lambda: next(tokens), clock) as client:
        page = await client.pools.list()

    assert page.pools[0].id == "ve9EPM428h8vShlRW1KT"
    assert _authorizations(wire) == ["Bearer tok-old", "Bearer tok-new"]


async def test_a_provider_returning_no_string_is_a_configuration_error(
    mock_http: aioresponses, clock: FakeClock
) -> None:
    async def provider() -> object:
        return 12345

    async with _client(provider, clock) as client:
        with pytest.raises(ghl_pools.ConfigurationError, match="returned int"):
            await client.pools.list()

    assert not mock_http.requests


async def test_a_token_provider_that_never_answers_is_cut_off_by_the_call_timeout(
    mock_http: aioresponses,
) -> None:
    async def never() -> str:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async with AsyncGHLClient(token=never, location_id=LOCATION) as client:
        async with asyncio.timeout(10):  # a safety net only: the SDK's own bound must fire
            with pytest.raises(ghl_pools.APITimeoutError) as caught:
                await client.pools.list(timeout=0.5)

    assert caught.value.request_sent is False
    assert mock_http.requests == {}

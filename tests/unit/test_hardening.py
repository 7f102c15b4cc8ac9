"""Hardening (issue 9), unit level: what a hostile test found, proven fixed.

- A caller's session closed under the client, and any exception that escapes aiohttp without
  being a ``ClientError``, come out as the SDK's documented classes, and the key is nowhere in
  their tracebacks printed with locals (causes and contexts included), for Bland and for
  GoHighLevel.
- Plain http is sent only to loopback: a name under ``.localhost`` is refused at construction,
  ``localhost`` itself is connected only where the resolver says loopback (a caller's own
  session, whose resolver the SDK cannot choose, is refused), and
  ``pools_core._config.LoopbackResolver`` drops every other answer.
- A ``base_url`` carrying a secret (credentials, a query) is refused without repeating it, and
  aiohttp's parser errors put none of the answer's bytes into the error or the DEBUG log.
- Waits are bounded: a token provider that never answers is cut off by the call's timeout, and
  a storm of 429s asking for ``Retry-After: 0`` still waits ``RetryPolicy.min_backoff`` between
  retries (``min_backoff=0`` restores zero waits).

No test touches the machine's hosts file or connects anywhere but loopback.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
import yarl
from aioresponses import aioresponses

import bland_pools
import ghl_pools
import pools_core
from bland_pools import AsyncBlandClient, RetryPolicy
from bland_pools.testing import BlandEmulator, FakeClock
from ghl_pools import AsyncGHLClient
from ghl_pools.testing import GHLEmulator
from pools_core._config import LoopbackResolver

# Distinctive enough that a leak is found by a plain substring search.
BLAND_KEY = "sk-hardening-bland-5e1d9c7a3b"
GHL_TOKEN = "pit-hardening-ghl-2f8a6d4c0e"
LOCATION = "ve9EPM428h8vShlRW1KT"
URL_SECRET = "SECRET-in-the-url-6c2b9e"
POOLS_PATH = "/v1/custom-dialing-pools"
# Each async client class with its credential argument, for tests that run on both.
CLIENTS = [(AsyncBlandClient, {"api_key": BLAND_KEY}), (AsyncGHLClient, {"token": GHL_TOKEN})]


def shown_with_locals(exc: BaseException) -> str:
    """Everything a tool such as Sentry or rich prints about ``exc``: the message, and every
    frame with its local variables, along the whole ``__cause__``/``__context__`` chain."""
    formatted = traceback.TracebackException.from_exception(exc, capture_locals=True).format()
    return "\n".join([str(exc), repr(exc), "".join(formatted)])


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_of(url: str) -> int:
    port = yarl.URL(url).port
    assert port is not None
    return port


@pytest.fixture
async def bland_emu() -> AsyncIterator[BlandEmulator]:
    async with BlandEmulator(api_keys=[BLAND_KEY]) as emulator:
        yield emulator


@pytest.fixture
async def ghl_emu() -> AsyncIterator[GHLEmulator]:
    async with GHLEmulator(tokens={GHL_TOKEN: [LOCATION]}) as emulator:
        yield emulator


# -- 1. the key in traceback locals --------------------------------------------------------


async def test_bland_call_on_a_session_the_caller_closed_raises_client_closed_without_the_key(
    bland_emu: BlandEmulator,
) -> None:
    session = aiohttp.ClientSession()
    client = AsyncBlandClient(api_key=BLAND_KEY, base_url=bland_emu.url, session=session)
    assert await client.pools.list() == []
    await session.close()

    with pytest.raises(bland_pools.ClientClosedError) as caught:
        await client.pools.list()

    assert BLAND_KEY not in shown_with_locals(caught.value)
    assert isinstance(caught.value, RuntimeError)
    assert "session" in str(caught.value)
    assert "closed" in str(caught.value)
    await client.close()


async def test_ghl_call_on_a_session_the_caller_closed_raises_client_closed_without_the_token(
    ghl_emu: GHLEmulator,
) -> None:
    session = aiohttp.ClientSession()
    client = AsyncGHLClient(
        token=GHL_TOKEN, location_id=LOCATION, base_url=ghl_emu.url, session=session
    )
    assert (await client.pools.list()).pools == ()
    await session.close()

    with pytest.raises(ghl_pools.ClientClosedError) as caught:
        await client.pools.list()

    assert GHL_TOKEN not in shown_with_locals(caught.value)
    assert isinstance(caught.value, RuntimeError)
    assert "session" in str(caught.value)
    assert "closed" in str(caught.value)
    await client.close()


def exploding_trace_config() -> aiohttp.TraceConfig:
    """A trace hook that raises a plain RuntimeError inside aiohttp's request, before any
    connection: an exception that escapes aiohttp without being a ``ClientError``."""

    async def explode(*_: object) -> None:
        raise RuntimeError("a trace hook failed")

    config = aiohttp.TraceConfig()
    config.on_request_start.append(explode)
    return config


async def test_bland_exception_escaping_aiohttp_is_an_api_connection_error_without_the_key() -> (
    None
):
    async with aiohttp.ClientSession(trace_configs=[exploding_trace_config()]) as session:
        client = AsyncBlandClient(
            api_key=BLAND_KEY,
            base_url=f"http://127.0.0.1:{closed_port()}",
            session=session,
            max_retries=0,
        )
        with pytest.raises(bland_pools.APIConnectionError) as caught:
            await client.pools.list()

    assert "RuntimeError" in str(caught.value)
    assert BLAND_KEY not in shown_with_locals(caught.value)


async def test_ghl_exception_escaping_aiohttp_is_an_api_connection_error_without_the_token() -> (
    None
):
    async with aiohttp.ClientSession(trace_configs=[exploding_trace_config()]) as session:
        client = AsyncGHLClient(
            token=GHL_TOKEN,
            location_id=LOCATION,
            base_url=f"http://127.0.0.1:{closed_port()}",
            session=session,
            max_retries=0,
        )
        with pytest.raises(ghl_pools.APIConnectionError) as caught:
            await client.pools.list()

    assert "RuntimeError" in str(caught.value)
    assert GHL_TOKEN not in shown_with_locals(caught.value)


# -- 2. plain http only to loopback --------------------------------------------------------


@pytest.mark.parametrize("base_url", ["http://evil.localhost:8080", "http://a.b.localhost"])
@pytest.mark.parametrize(("client_class", "credential"), CLIENTS, ids=["bland", "ghl"])
def test_plain_http_to_a_name_under_localhost_is_refused_at_construction(
    client_class: Callable[..., object], credential: dict[str, str], base_url: str
) -> None:
    with pytest.raises(pools_core.ConfigurationError, match="plain http"):
        client_class(**credential, base_url=base_url)


async def test_plain_http_to_localhost_reaches_an_emulator_on_127_0_0_1(
    bland_emu: BlandEmulator,
) -> None:
    base_url = f"http://localhost:{port_of(bland_emu.url)}"

    async with AsyncBlandClient(api_key=BLAND_KEY, base_url=base_url) as client:
        assert await client.pools.list() == []

    assert [(r.method, r.path, r.status) for r in bland_emu.requests] == [("GET", POOLS_PATH, 200)]


@pytest.mark.parametrize(("client_class", "credential"), CLIENTS, ids=["bland", "ghl"])
async def test_plain_http_to_localhost_with_the_callers_session_is_refused_at_construction(
    client_class: Callable[..., object], credential: dict[str, str]
) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(pools_core.ConfigurationError, match=r"127\.0\.0\.1"):
            client_class(**credential, base_url="http://localhost:8080", session=session)


class FixedResolver(aiohttp.abc.AbstractResolver):
    """Answers every name with the given addresses, as a hosts file or DNS might."""

    def __init__(self, *addresses: str) -> None:
        self.addresses = addresses
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[aiohttp.abc.ResolveResult]:
        self.asked.append(host)
        return [
            {
                "hostname": host,
                "host": address,
                "port": port,
                "family": socket.AF_INET6 if ":" in address else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for address in self.addresses
        ]

    async def close(self) -> None:
        pass


@pytest.fixture
async def connects(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every address the test's event loop connects a socket to. Loopback connections go
    through; any other is recorded and refused, so no test reaches the network even when the
    code under test would try."""
    loop = asyncio.get_running_loop()
    original = loop.sock_connect
    attempts: list[Any] = []

    async def sock_connect(sock: socket.socket, address: Any) -> None:
        attempts.append(address)
        if address[0] not in ("127.0.0.1", "::1"):
            raise ConnectionRefusedError(111, "refused by the test: not a loopback address")
        await original(sock, address)

    monkeypatch.setattr(loop, "sock_connect", sock_connect)
    return attempts


async def test_the_loopback_resolver_refuses_an_answer_that_is_not_loopback() -> None:
    inner = FixedResolver("192.0.2.7")
    resolver = LoopbackResolver(inner)

    with pytest.raises(OSError, match="loopback"):
        await resolver.resolve("localhost", 8080)

    assert inner.asked == ["localhost"]


async def test_the_loopback_resolver_keeps_only_the_loopback_answers() -> None:
    resolver = LoopbackResolver(FixedResolver("192.0.2.7", "127.0.0.1", "2001:db8::1", "::1"))

    found = await resolver.resolve("localhost", 8080)

    assert [(r["host"], r["port"]) for r in found] == [("127.0.0.1", 8080), ("::1", 8080)]


async def test_a_connector_with_the_loopback_resolver_connects_nothing_elsewhere(
    connects: list[Any],
) -> None:
    connector = aiohttp.TCPConnector(resolver=LoopbackResolver(FixedResolver("192.0.2.7")))
    async with aiohttp.ClientSession(connector=connector) as session:
        with pytest.raises(aiohttp.ClientConnectorError):
            await session.get(f"http://localhost:{closed_port()}/")

    assert connects == []


async def test_the_sdk_sends_nothing_when_localhost_resolves_elsewhere(
    bland_emu: BlandEmulator, connects: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = FixedResolver("192.0.2.7")
    monkeypatch.setattr(
        aiohttp.ThreadedResolver, "resolve", lambda _, *args, **kw: elsewhere.resolve(*args, **kw)
    )
    base_url = f"http://localhost:{port_of(bland_emu.url)}"

    async with AsyncBlandClient(api_key=BLAND_KEY, base_url=base_url, max_retries=0) as client:
        with pytest.raises(bland_pools.APIConnectionError) as caught:
            await client.pools.list()

    assert elsewhere.asked == ["localhost"]
    assert caught.value.request_sent is False
    assert connects == []
    assert bland_emu.requests == []


# -- 8. smaller leaks ----------------------------------------------------------------------


SECRET_URLS = ["ftp://user:{}@host", "https://host/?k={}", "https://user:{}@host"]
MORE_SECRET_URLS = ["https://host/#{}"]


@pytest.mark.parametrize("template", SECRET_URLS + MORE_SECRET_URLS)
@pytest.mark.parametrize(("client_class", "credential"), CLIENTS, ids=["bland", "ghl"])
def test_a_base_url_carrying_a_secret_is_refused_without_repeating_it(
    client_class: Callable[..., object], credential: dict[str, str], template: str
) -> None:
    with pytest.raises(pools_core.ConfigurationError) as caught:
        client_class(**credential, base_url=template.format(URL_SECRET))

    assert URL_SECRET not in str(caught.value)
    assert URL_SECRET not in repr(caught.value)


@pytest.mark.parametrize("template", SECRET_URLS)
@pytest.mark.parametrize(("client_class", "credential"), CLIENTS, ids=["bland", "ghl"])
def test_a_base_url_carrying_a_secret_is_in_no_frame_of_the_refusal(
    client_class: Callable[..., object], credential: dict[str, str], template: str
) -> None:
    with pytest.raises(pools_core.ConfigurationError) as caught:
        # Formatted in the call: no local variable of this test's frame holds the secret,
        # so the whole traceback with locals can be searched.
        client_class(**credential, base_url=template.format(URL_SECRET))

    assert URL_SECRET not in shown_with_locals(caught.value)


MARKER = "LEAKED-BODY-3f9d1c"
_MARK = MARKER.encode()

MALFORMED_ANSWERS = {
    "header-with-control-char": (
        b"HTTP/1.1 200 OK\r\nX-" + _MARK + b"\x01: x\r\nContent-Length: 2\r\n\r\n{}"
    ),
    "status-line": b"HTTP/1.1 2x0 " + _MARK + b"\r\nContent-Length: 2\r\n\r\n{}",
    "chunk-size": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz" + _MARK + b"\r\n"),
    "header-without-colon": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n" + _MARK + b"\r\n\r\n{}",
}


@pytest.fixture
async def answering() -> AsyncIterator[Callable[[str], Awaitable[str]]]:
    """``answering(name)`` starts a TCP server on 127.0.0.1 that answers every request with
    the bytes ``MALFORMED_ANSWERS[name]`` and closes; it returns the server's base URL."""
    servers: list[asyncio.Server] = []

    async def start(name: str) -> str:
        raw = MALFORMED_ANSWERS[name]

        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(raw)
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(answer, "127.0.0.1", 0)
        servers.append(server)
        return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("name", MALFORMED_ANSWERS)
async def test_a_malformed_answer_puts_none_of_its_bytes_in_the_error_or_the_debug_log(
    answering: Callable[[str], Awaitable[str]], caplog: pytest.LogCaptureFixture, name: str
) -> None:
    caplog.set_level(logging.DEBUG, logger="bland_pools")
    # The answer's bytes are looked up by name: no local of this frame holds them, so the
    # whole traceback with locals can be searched.
    base_url = await answering(name)

    async with AsyncBlandClient(api_key=BLAND_KEY, base_url=base_url, max_retries=0) as client:
        with pytest.raises(bland_pools.APIConnectionError) as caught:
            await client.pools.list()

    assert MARKER not in shown_with_locals(caught.value)
    assert caplog.records, "the failed attempt is logged at DEBUG"
    for record in caplog.records:
        logged = f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        assert MARKER not in logged


# -- 9. unbounded waits --------------------------------------------------------------------


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


RATE_LIMITED = {
    "status": "error",
    "data": None,
    "errors": [{"error": "TOO_MANY_REQUESTS", "message": "Too many requests"}],
}


def test_the_default_minimum_backoff_is_a_tenth_of_a_second() -> None:
    assert RetryPolicy().min_backoff == 0.1


async def test_a_storm_of_429_with_retry_after_zero_still_waits_between_retries(
    mock_http: aioresponses,
) -> None:
    mock_http.get(
        f"{bland_pools.DEFAULT_BASE_URL}{POOLS_PATH}",
        status=429,
        payload=RATE_LIMITED,
        headers={"Retry-After": "0"},
        repeat=True,
    )
    clock = FakeClock()

    async with AsyncBlandClient(api_key=BLAND_KEY, clock=clock, max_retries=20) as client:
        with pytest.raises(bland_pools.RateLimitError):
            await client.pools.list()

    assert sum(len(calls) for calls in mock_http.requests.values()) == 21
    assert len(clock.sleeps) == 20
    assert all(seconds >= RetryPolicy().min_backoff for seconds in clock.sleeps), clock.sleeps


async def test_a_minimum_backoff_of_zero_honors_retry_after_zero(mock_http: aioresponses) -> None:
    mock_http.get(
        f"{bland_pools.DEFAULT_BASE_URL}{POOLS_PATH}",
        status=429,
        payload=RATE_LIMITED,
        headers={"Retry-After": "0"},
        repeat=True,
    )
    clock = FakeClock()
    policy = RetryPolicy(min_backoff=0, max_retries=20)

    async with AsyncBlandClient(api_key=BLAND_KEY, clock=clock, retry_policy=policy) as client:
        with pytest.raises(bland_pools.RateLimitError):
            await client.pools.list()

    assert clock.sleeps == [0.0] * 20

"""Plain http is sent only to loopback: a name under ``.localhost`` is refused at construction,
``localhost`` itself is connected only where the resolver says loopback (a caller's own
session, whose resolver the SDK cannot choose, is refused), and
``pools_core._config.LoopbackResolver`` drops every other answer.

No test touches the machine's hosts file or connects anywhere but loopback."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
import yarl

import bland_pools
import pools_core
from bland_pools import AsyncBlandClient
from bland_pools.testing import BlandEmulator
from pools_core._config import LoopbackResolver

from ._support import API_KEY, CLIENTS, closed_port

POOLS_PATH = "/v1/custom-dialing-pools"


def port_of(url: str) -> int:
    port = yarl.URL(url).port
    assert port is not None
    return port


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

    async with AsyncBlandClient(api_key=API_KEY, base_url=base_url) as client:
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

    async with AsyncBlandClient(api_key=API_KEY, base_url=base_url, max_retries=0) as client:
        with pytest.raises(bland_pools.APIConnectionError) as caught:
            await client.pools.list()

    assert elsewhere.asked == ["localhost"]
    assert caught.value.request_sent is False
    assert connects == []
    assert bland_emu.requests == []

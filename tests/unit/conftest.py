"""Fixtures of the unit tests. HTTP is mocked with aioresponses (``mock_http``, from the parent
conftest) or served by :class:`LocalServer` or an in-package emulator on 127.0.0.1; nothing
reaches the internet."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from aioresponses import aioresponses

from bland_pools import AsyncBlandClient
from bland_pools.testing import BlandEmulator
from ghl_pools import AsyncGHLClient
from ghl_pools.testing import GHLEmulator

from ._server import LocalServer
from ._support import API_KEY, GHL_TOKEN, LOCATION, FakeClock, Wire


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def wire(mock_http: aioresponses) -> Wire:
    return Wire(mock_http)


@pytest.fixture
async def bland(clock: FakeClock) -> AsyncIterator[AsyncBlandClient]:
    """An async Bland client on the default base URL whose retry waits are recorded, not slept."""
    async with AsyncBlandClient(api_key=API_KEY, clock=clock) as client:
        yield client


@pytest.fixture
async def ghl(clock: FakeClock) -> AsyncIterator[AsyncGHLClient]:
    """An async GoHighLevel client whose retry waits and rate-limiter waits are faked."""
    async with AsyncGHLClient(token=GHL_TOKEN, clock=clock) as client:
        yield client


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    server = LocalServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def bland_emu() -> AsyncIterator[BlandEmulator]:
    """A Bland emulator on 127.0.0.1 that knows the key ``API_KEY``."""
    async with BlandEmulator(api_keys=[API_KEY]) as emulator:
        yield emulator


@pytest.fixture
async def ghl_emu() -> AsyncIterator[GHLEmulator]:
    """A GoHighLevel emulator on 127.0.0.1 where ``GHL_TOKEN`` may see ``LOCATION``."""
    async with GHLEmulator(tokens={GHL_TOKEN: [LOCATION]}) as emulator:
        yield emulator

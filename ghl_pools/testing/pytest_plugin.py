"""The pytest plugin of ``ghl_pools`` (entry point ``pytest11``; loaded in every session).

Fixtures for ``async def`` tests (they need pytest-asyncio):
    ``ghl_emulator``  a running :class:`~ghl_pools.testing.GHLEmulator` with one token
                      (``ghl_emulator.token``) allowed one location (``.location_id``)
    ``ghl_client``    an open :class:`~ghl_pools.AsyncGHLClient` pointed at it, with that
                      token and location

Fixtures for plain ``def`` tests (the blocking client):
    ``ghl_emulator_in_thread``  the same emulator, served from its own thread
    ``ghl_blocking_client``     an open :class:`~ghl_pools.GHLClient` pointed at it

    async def test_list(ghl_client, ghl_emulator):
        ghl_emulator.seed_samples()
        page = await ghl_client.pools.list()
        assert page.total == 3

A plain test that asks for an async fixture fails at once, naming the one to use; so does an
async fixture without pytest-asyncio. Importing this module is cheap: the emulator is imported
when a fixture first runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Final

import pytest

from pools_core._pytest_support import async_fixture, check_fixture_use

if TYPE_CHECKING:
    from ghl_pools import AsyncGHLClient, GHLClient

    from ._emulator import GHLEmulator

__all__ = [
    "TEST_LOCATION_ID",
    "TEST_TOKEN",
    "ghl_blocking_client",
    "ghl_client",
    "ghl_emulator",
    "ghl_emulator_in_thread",
]

#: The token and location of the ``ghl_emulator`` fixtures.
TEST_TOKEN: Final = "ghl-test-token"
TEST_LOCATION_ID: Final = "ve9EPM428h8vShlRW1KT"
_ASYNC_FIXTURES: Final = {
    "ghl_emulator": "ghl_emulator_in_thread",
    "ghl_client": "ghl_blocking_client",
}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    check_fixture_use(item, _ASYNC_FIXTURES, "ghl_pools")


@async_fixture
async def ghl_emulator() -> AsyncIterator[GHLEmulator]:
    """A running GoHighLevel emulator: one token, one location, no pools."""
    from ._emulator import GHLEmulator

    async with GHLEmulator(tokens={TEST_TOKEN: [TEST_LOCATION_ID]}) as emulator:
        yield emulator


@async_fixture
async def ghl_client(ghl_emulator: GHLEmulator) -> AsyncIterator[AsyncGHLClient]:
    """An open ``AsyncGHLClient`` on the ``ghl_emulator`` fixture, for its location."""
    from ghl_pools import AsyncGHLClient

    async with AsyncGHLClient(
        token=ghl_emulator.token, base_url=ghl_emulator.url, location_id=ghl_emulator.location_id
    ) as client:
        yield client


@pytest.fixture
def ghl_emulator_in_thread() -> Iterator[GHLEmulator]:
    """A GoHighLevel emulator served from its own thread, for plain tests."""
    from ._emulator import GHLEmulator

    with GHLEmulator(tokens={TEST_TOKEN: [TEST_LOCATION_ID]}).in_thread() as emulator:
        yield emulator


@pytest.fixture
def ghl_blocking_client(ghl_emulator_in_thread: GHLEmulator) -> Iterator[GHLClient]:
    """An open blocking ``GHLClient`` on the ``ghl_emulator_in_thread`` fixture."""
    from ghl_pools import GHLClient

    emu = ghl_emulator_in_thread
    with GHLClient(token=emu.token, base_url=emu.url, location_id=emu.location_id) as client:
        yield client

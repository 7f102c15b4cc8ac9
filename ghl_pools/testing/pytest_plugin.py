"""The pytest plugin of ``ghl_pools`` (entry point ``pytest11``; loaded in every session).

Fixtures:
    ``ghl_emulator``  a running :class:`~ghl_pools.testing.GHLEmulator` with one token
                      (``ghl_emulator.token``) allowed one location (``.location_id``)
    ``ghl_client``    an open :class:`~ghl_pools.AsyncGHLClient` pointed at it, with that
                      token and location, closed after the test

    async def test_list(ghl_client, ghl_emulator):
        ghl_emulator.seed_samples()
        page = await ghl_client.pools.list()
        assert page.total == 3

They are async fixtures and need pytest-asyncio; without it (or with ``-p no:asyncio``) a test
that asks for one fails with a message that says so, and nothing else in the session changes.
Importing this module is cheap: the emulator is imported when a fixture first runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Final

import pytest

from pools_core._pytest_support import async_fixture, require_pytest_asyncio

if TYPE_CHECKING:
    from ghl_pools import AsyncGHLClient

    from ._emulator import GHLEmulator

__all__ = ["TEST_LOCATION_ID", "TEST_TOKEN", "ghl_client", "ghl_emulator"]

#: The token and location of the ``ghl_emulator`` fixture.
TEST_TOKEN: Final = "ghl-test-token"
TEST_LOCATION_ID: Final = "ve9EPM428h8vShlRW1KT"
_FIXTURES: Final = frozenset({"ghl_emulator", "ghl_client"})


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef: Any, request: pytest.FixtureRequest) -> None:
    """Fail a test that asks for these fixtures when pytest-asyncio is not active."""
    require_pytest_asyncio(fixturedef, request, _FIXTURES, "ghl_pools")


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

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

import sys
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Final

import pytest

if TYPE_CHECKING:
    from pytest_asyncio import fixture as _async_fixture

    from ghl_pools import AsyncGHLClient

    from ._emulator import GHLEmulator
else:
    try:
        from pytest_asyncio import fixture as _async_fixture
    except ImportError:  # never runs: pytest_fixture_setup below fails the test first
        _async_fixture = pytest.fixture

__all__ = ["TEST_LOCATION_ID", "TEST_TOKEN", "ghl_client", "ghl_emulator"]

#: The token and location of the ``ghl_emulator`` fixture.
TEST_TOKEN: Final = "ghl-test-token"
TEST_LOCATION_ID: Final = "ve9EPM428h8vShlRW1KT"
_FIXTURES: Final = frozenset({"ghl_emulator", "ghl_client"})


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef: Any, request: pytest.FixtureRequest) -> None:
    """Fail a test that asks for these fixtures when pytest-asyncio is not active."""
    if fixturedef.argname in _FIXTURES:
        plugin = sys.modules.get("pytest_asyncio.plugin")
        if plugin is None or not request.config.pluginmanager.is_registered(plugin):
            pytest.fail(
                f"the {fixturedef.argname!r} fixture of ghl_pools is async and needs "
                "pytest-asyncio: pip install pytest-asyncio (and do not disable it with "
                "-p no:asyncio)",
                pytrace=False,
            )


@_async_fixture
async def ghl_emulator() -> AsyncIterator[GHLEmulator]:
    """A running GoHighLevel emulator: one token, one location, no pools."""
    from ._emulator import GHLEmulator

    async with GHLEmulator(tokens={TEST_TOKEN: [TEST_LOCATION_ID]}) as emulator:
        yield emulator


@_async_fixture
async def ghl_client(ghl_emulator: GHLEmulator) -> AsyncIterator[AsyncGHLClient]:
    """An open ``AsyncGHLClient`` on the ``ghl_emulator`` fixture, for its location."""
    from ghl_pools import AsyncGHLClient

    async with AsyncGHLClient(
        token=ghl_emulator.token, base_url=ghl_emulator.url, location_id=ghl_emulator.location_id
    ) as client:
        yield client

"""The pytest plugin of ``ghl_pools`` (entry point ``pytest11``; loaded in every session).

Fixtures for ``async def`` tests (they need pytest-asyncio):
    ``ghl_emulator``  a running :class:`~ghl_pools.testing.GHLEmulator` with one token
                      (``ghl_emulator.token``) allowed one location (``.location_id``)
    ``ghl_client``    an open :class:`~ghl_pools.AsyncGHLClient` pointed at it, with that
                      token and location

    ``ghl_env``       the ``ghl_emulator``, with ``GHL_ACCESS_TOKEN``, ``GHL_BASE_URL`` and
                      ``GHL_LOCATION_ID`` pointing at it for the test: an app that builds its
                      own ``AsyncGHLClient()`` from the environment uses the emulator

Fixtures for plain ``def`` tests (the blocking client):
    ``ghl_emulator_in_thread``  the same emulator, served from its own thread
    ``ghl_blocking_client``     an open :class:`~ghl_pools.GHLClient` pointed at it
    ``ghl_env_in_thread``       ``ghl_emulator_in_thread``, with the environment pointing at it

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

from pools_core._pytest_support import (
    async_fixture,
    check_fixture_use,
    environment,
    hold_loop_scope_notice,
    loop_scope_notice,
)

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
    "ghl_env",
    "ghl_env_in_thread",
]

#: The token and location of the ``ghl_emulator`` fixtures.
TEST_TOKEN: Final = "ghl-test-token"
TEST_LOCATION_ID: Final = "ve9EPM428h8vShlRW1KT"
_ASYNC_FIXTURES: Final = {
    "ghl_emulator": "ghl_emulator_in_thread",
    "ghl_client": "ghl_blocking_client",
    "ghl_env": "ghl_env_in_thread",
}


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    hold_loop_scope_notice(config)  # blocking-only projects need not configure pytest-asyncio


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    loop_scope_notice(config, items)


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


def _variables(emulator: GHLEmulator) -> dict[str, str]:
    return {
        "GHL_ACCESS_TOKEN": emulator.token,
        "GHL_BASE_URL": emulator.url,
        "GHL_LOCATION_ID": emulator.location_id,
    }


@pytest.fixture
def ghl_env(ghl_emulator: GHLEmulator) -> Iterator[GHLEmulator]:
    """The ``ghl_emulator``, with ``GHL_ACCESS_TOKEN``, ``GHL_BASE_URL`` and ``GHL_LOCATION_ID``
    set to it for the test (restored after): ``AsyncGHLClient()`` built by the code under test
    uses it."""
    with environment(_variables(ghl_emulator)):
        yield ghl_emulator


@pytest.fixture
def ghl_env_in_thread(ghl_emulator_in_thread: GHLEmulator) -> Iterator[GHLEmulator]:
    """The ``ghl_emulator_in_thread``, with the three ``GHL_*`` variables set to it for the test
    (restored after), for plain tests and apps run by a test client in another thread."""
    with environment(_variables(ghl_emulator_in_thread)):
        yield ghl_emulator_in_thread

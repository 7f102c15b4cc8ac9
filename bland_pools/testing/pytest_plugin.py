"""The pytest plugin of ``bland_pools`` (entry point ``pytest11``; loaded in every session).

Fixtures:
    ``bland_emulator``  a running :class:`~bland_pools.testing.BlandEmulator` whose one API
                        key is ``bland_emulator.api_key``
    ``bland_client``    an open :class:`~bland_pools.AsyncBlandClient` pointed at it, closed
                        after the test

    async def test_create(bland_client, bland_emulator):
        pool = await bland_client.pools.create(["+12345678901"])
        assert bland_emulator.pools()[0]["id"] == pool.id

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
    from bland_pools import AsyncBlandClient

    from ._emulator import BlandEmulator

__all__ = ["TEST_API_KEY", "bland_client", "bland_emulator"]

#: The API key of the ``bland_emulator`` fixture.
TEST_API_KEY: Final = "bland-test-key"
_FIXTURES: Final = frozenset({"bland_emulator", "bland_client"})


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef: Any, request: pytest.FixtureRequest) -> None:
    """Fail a test that asks for these fixtures when pytest-asyncio is not active."""
    require_pytest_asyncio(fixturedef, request, _FIXTURES, "bland_pools")


@async_fixture
async def bland_emulator() -> AsyncIterator[BlandEmulator]:
    """A running Bland emulator with one API key (``.api_key``) and no pools."""
    from ._emulator import BlandEmulator

    async with BlandEmulator(api_keys=[TEST_API_KEY]) as emulator:
        yield emulator


@async_fixture
async def bland_client(bland_emulator: BlandEmulator) -> AsyncIterator[AsyncBlandClient]:
    """An open ``AsyncBlandClient`` on the ``bland_emulator`` fixture."""
    from bland_pools import AsyncBlandClient

    async with AsyncBlandClient(
        api_key=bland_emulator.api_key, base_url=bland_emulator.url
    ) as client:
        yield client

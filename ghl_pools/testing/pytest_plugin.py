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
when a fixture first runs. The fixtures are built by ``pools_core._pytest_plugin.plugin_kit``,
as are ``bland_pools``'.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from pools_core._pytest_plugin import (
    plugin_kit,
    pytest_collection_modifyitems as pytest_collection_modifyitems,
)

if TYPE_CHECKING:
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


def _emulator() -> GHLEmulator:
    from ._emulator import GHLEmulator

    return GHLEmulator(tokens={TEST_TOKEN: [TEST_LOCATION_ID]})


# pytest finds fixtures and hooks by module-level name.
(
    ghl_emulator,
    ghl_client,
    ghl_env,
    ghl_emulator_in_thread,
    ghl_blocking_client,
    ghl_env_in_thread,
    pytest_configure,
    pytest_runtest_setup,
) = plugin_kit(
    "ghl_pools",
    _emulator,
    "A running GoHighLevel emulator: one token, one location, no pools.",
    clients=("AsyncGHLClient", "GHLClient"),
    settings={"token": "token", "base_url": "url", "location_id": "location_id"},
    variables={
        "GHL_ACCESS_TOKEN": "token",
        "GHL_BASE_URL": "url",
        "GHL_LOCATION_ID": "location_id",
    },
)

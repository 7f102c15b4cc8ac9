"""The pytest plugin of ``bland_pools`` (entry point ``pytest11``; loaded in every session).

Fixtures for ``async def`` tests (they need pytest-asyncio):
    ``bland_emulator``  a running :class:`~bland_pools.testing.BlandEmulator` whose one API
                        key is ``bland_emulator.api_key``
    ``bland_client``    an open :class:`~bland_pools.AsyncBlandClient` pointed at it

    ``bland_env``       the ``bland_emulator``, with ``BLAND_API_KEY`` and ``BLAND_BASE_URL``
                        pointing at it for the test: an app that builds its own
                        ``AsyncBlandClient()`` from the environment uses the emulator

Fixtures for plain ``def`` tests (scripts, Django, Flask: the blocking client):
    ``bland_emulator_in_thread``  the same emulator, served from its own thread
    ``bland_blocking_client``     an open :class:`~bland_pools.BlandClient` pointed at it
    ``bland_env_in_thread``       ``bland_emulator_in_thread``, with the environment
                                  pointing at it (an app under FastAPI's or Flask's
                                  ``TestClient``, a ``BlandClient()`` built in the code)

    async def test_create(bland_client, bland_emulator):
        pool = await bland_client.pools.create(["+12345678901"])
        assert bland_emulator.pools()[0]["id"] == pool.id

    def test_create_blocking(bland_blocking_client, bland_emulator_in_thread):
        pool = bland_blocking_client.pools.create(["+12345678901"])
        assert bland_emulator_in_thread.pools()[0]["id"] == pool.id

A server's rate limit, to test your pacing: mark the test ``@pytest.mark.bland_emulator(
rate_limit=5)`` and the emulator answers 429 (with ``Retry-After``) past 5 requests per sliding
second (per API key), whichever of its fixtures the test uses:

    @pytest.mark.bland_emulator(rate_limit=5)
    async def test_paced(bland_emulator):
        async with AsyncBlandClient(api_key=bland_emulator.api_key, base_url=bland_emulator.url,
                                    max_rate=5) as bland:
            for _ in range(12):
                await bland.pools.list()
        assert {r.status for r in bland_emulator.requests} == {200}

A plain test that asks for an async fixture fails at once, naming the one to use; so does an
async fixture without pytest-asyncio. Importing this module is cheap: the emulator is imported
when a fixture first runs. The fixtures are built by ``pools_core._pytest_plugin.plugin_kit``,
as are ``ghl_pools``'.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from pools_core._pytest_plugin import (
    plugin_kit,
    pytest_collection_modifyitems as pytest_collection_modifyitems,
)

if TYPE_CHECKING:
    from ._emulator import BlandEmulator

__all__ = [
    "MARKER",
    "TEST_API_KEY",
    "bland_blocking_client",
    "bland_client",
    "bland_emulator",
    "bland_emulator_in_thread",
    "bland_env",
    "bland_env_in_thread",
]

#: The API key of the ``bland_emulator`` fixtures.
TEST_API_KEY: Final = "bland-test-key"
#: The marker that configures the emulator fixtures: ``rate_limit=N``.
MARKER: Final = "bland_emulator"


def _emulator(**options: Any) -> BlandEmulator:
    from ._emulator import BlandEmulator

    return BlandEmulator(api_keys=[TEST_API_KEY], **options)


# pytest finds fixtures and hooks by module-level name.
(
    bland_emulator,
    bland_client,
    bland_env,
    bland_emulator_in_thread,
    bland_blocking_client,
    bland_env_in_thread,
    pytest_configure,
    pytest_runtest_setup,
) = plugin_kit(
    "bland_pools",
    _emulator,
    "A running Bland emulator with one API key (``.api_key``) and no pools.",
    clients=("AsyncBlandClient", "BlandClient"),
    settings={"api_key": "api_key", "base_url": "url"},
    variables={"BLAND_API_KEY": "api_key", "BLAND_BASE_URL": "url"},
    options={"rate_limit": "answers 429 past N requests per sliding second per API key"},
)

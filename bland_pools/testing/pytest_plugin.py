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
when a fixture first runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, Final

import pytest

from pools_core._pytest_support import (
    async_fixture,
    check_fixture_use,
    environment,
    hold_loop_scope_notice,
    loop_scope_notice,
)

if TYPE_CHECKING:
    from bland_pools import AsyncBlandClient, BlandClient

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
# Each async fixture, and what a plain test uses instead.
_ASYNC_FIXTURES: Final = {
    "bland_emulator": "bland_emulator_in_thread",
    "bland_client": "bland_blocking_client",
    "bland_env": "bland_env_in_thread",
}


#: The marker that configures the emulator fixtures: ``rate_limit=N``.
MARKER: Final = "bland_emulator"
_MARKER_OPTIONS: Final = frozenset({"rate_limit"})


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    hold_loop_scope_notice(config)  # blocking-only projects need not configure pytest-asyncio
    config.addinivalue_line(
        "markers",
        f"{MARKER}(rate_limit=None): options of the bland_emulator fixtures; rate_limit=N "
        "answers 429 past N requests per sliding second per API key",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    loop_scope_notice(config, items)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    check_fixture_use(item, _ASYNC_FIXTURES, "bland_pools")


def _options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The emulator's options from the test's ``bland_emulator`` marker (if any)."""
    marker = request.node.get_closest_marker(MARKER)
    if marker is None:
        return {}
    unknown = sorted(set(marker.kwargs) - _MARKER_OPTIONS)
    if marker.args or unknown:
        given = [*map(repr, marker.args), *unknown]
        pytest.fail(
            f"@pytest.mark.{MARKER} takes only keyword options "
            f"({', '.join(sorted(_MARKER_OPTIONS))}), got {', '.join(given)}",
            pytrace=False,
        )
    return dict(marker.kwargs)


@async_fixture
async def bland_emulator(request: pytest.FixtureRequest) -> AsyncIterator[BlandEmulator]:
    """A running Bland emulator with one API key (``.api_key``) and no pools (options from
    ``@pytest.mark.bland_emulator(rate_limit=...)``)."""
    from ._emulator import BlandEmulator

    async with BlandEmulator(api_keys=[TEST_API_KEY], **_options(request)) as emulator:
        yield emulator


@async_fixture
async def bland_client(bland_emulator: BlandEmulator) -> AsyncIterator[AsyncBlandClient]:
    """An open ``AsyncBlandClient`` on the ``bland_emulator`` fixture."""
    from bland_pools import AsyncBlandClient

    async with AsyncBlandClient(
        api_key=bland_emulator.api_key, base_url=bland_emulator.url
    ) as client:
        yield client


@pytest.fixture
def bland_emulator_in_thread(request: pytest.FixtureRequest) -> Iterator[BlandEmulator]:
    """A Bland emulator served from its own thread, for plain tests: one API key, no pools
    (options from ``@pytest.mark.bland_emulator(rate_limit=...)``)."""
    from ._emulator import BlandEmulator

    with BlandEmulator(api_keys=[TEST_API_KEY], **_options(request)).in_thread() as emulator:
        yield emulator


@pytest.fixture
def bland_blocking_client(bland_emulator_in_thread: BlandEmulator) -> Iterator[BlandClient]:
    """An open blocking ``BlandClient`` on the ``bland_emulator_in_thread`` fixture."""
    from bland_pools import BlandClient

    emu = bland_emulator_in_thread
    with BlandClient(api_key=emu.api_key, base_url=emu.url) as client:
        yield client


def _variables(emulator: BlandEmulator) -> dict[str, str]:
    return {"BLAND_API_KEY": emulator.api_key, "BLAND_BASE_URL": emulator.url}


@pytest.fixture
def bland_env(bland_emulator: BlandEmulator) -> Iterator[BlandEmulator]:
    """The ``bland_emulator``, with ``BLAND_API_KEY`` and ``BLAND_BASE_URL`` set to it for the
    test (restored after): ``AsyncBlandClient()`` built by the code under test uses it."""
    with environment(_variables(bland_emulator)):
        yield bland_emulator


@pytest.fixture
def bland_env_in_thread(bland_emulator_in_thread: BlandEmulator) -> Iterator[BlandEmulator]:
    """The ``bland_emulator_in_thread``, with ``BLAND_API_KEY`` and ``BLAND_BASE_URL`` set to it
    for the test (restored after), for plain tests: ``BlandClient()``, or an app run by a test
    client in another thread (FastAPI's ``TestClient``)."""
    with environment(_variables(bland_emulator_in_thread)):
        yield bland_emulator_in_thread

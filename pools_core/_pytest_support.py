"""What the two pytest plugins share (imported only by them, so pytest is no SDK dependency)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

__all__ = ["async_fixture", "require_pytest_asyncio"]

if TYPE_CHECKING:
    from pytest_asyncio import fixture as async_fixture
else:
    try:
        from pytest_asyncio import fixture as async_fixture
    except ImportError:  # never used: require_pytest_asyncio fails the test first
        async_fixture: Callable[..., Any] = pytest.fixture


def require_pytest_asyncio(
    fixturedef: Any, request: pytest.FixtureRequest, fixtures: frozenset[str], package: str
) -> None:
    """Fail a test that asks for one of ``fixtures`` when pytest-asyncio is not active, with a
    message that says so (instead of pytest's puzzling "async fixture" error)."""
    if fixturedef.argname in fixtures:
        plugin = sys.modules.get("pytest_asyncio.plugin")
        if plugin is None or not request.config.pluginmanager.is_registered(plugin):
            pytest.fail(
                f"the {fixturedef.argname!r} fixture of {package} is async and needs "
                "pytest-asyncio: pip install pytest-asyncio (and do not disable it with "
                "-p no:asyncio)",
                pytrace=False,
            )

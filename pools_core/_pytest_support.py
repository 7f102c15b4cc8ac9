"""What the two pytest plugins share (imported only by them, so pytest is no SDK dependency)."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import pytest

__all__ = ["async_fixture", "check_fixture_use"]

if TYPE_CHECKING:
    from pytest_asyncio import fixture as async_fixture
else:
    try:
        from pytest_asyncio import fixture as async_fixture
    except ImportError:  # never used: check_fixture_use fails the test first
        async_fixture: Callable[..., Any] = pytest.fixture


def check_fixture_use(
    item: pytest.Item,
    async_fixtures: Mapping[str, str],
    package: str,
) -> None:
    """Fail a test at once, with a message that says what to do, when it asks (itself or
    through its fixtures) for one of the async fixtures (name -> its blocking counterpart)
    where they cannot work: without pytest-asyncio (pytest's own error puzzles), or from a
    plain ``def`` test, where the emulator's event loop is idle while the test blocks (a
    blocking client would hang until its timeout).

    Called from ``pytest_runtest_setup``, before any fixture is set up: failing inside
    ``pytest_fixture_setup`` would leave that fixture half set up, and the next test using
    it would error with pytest's own ``assert not self._finalizers``."""
    names = getattr(item, "fixturenames", ())
    asked = [f for f in async_fixtures if f in names]
    if not asked:
        return
    plugin = sys.modules.get("pytest_asyncio.plugin")
    if plugin is None or not item.config.pluginmanager.is_registered(plugin):
        pytest.fail(
            f"the {asked[0]!r} fixture of {package} is async and needs pytest-asyncio: pip "
            f"install pytest-asyncio (and do not disable it with -p no:asyncio), or use "
            f"{async_fixtures[asked[0]]!r} in a plain test",
            pytrace=False,
        )
    test = getattr(item, "obj", None)
    if test is not None and not inspect.iscoroutinefunction(test):
        pytest.fail(
            f"{item.name} is a plain (non-async) test and asks for "
            f"{' and '.join(map(repr, asked))}, whose emulator runs on the test's event loop: "
            "that loop is idle while a plain test blocks, so a blocking client would hang. "
            f"Use {' and '.join(repr(async_fixtures[f]) for f in asked)} (the emulator served "
            "from its own thread) in plain tests",
            pytrace=False,
        )

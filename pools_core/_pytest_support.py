"""What the two pytest plugins share (imported only by them, so pytest is no SDK dependency)."""

from __future__ import annotations

import contextlib
import inspect
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import pytest

__all__ = [
    "async_fixture",
    "check_fixture_use",
    "environment",
    "hold_loop_scope_notice",
    "loop_scope_notice",
]

if TYPE_CHECKING:
    from pytest_asyncio import fixture as async_fixture
else:
    try:
        from pytest_asyncio import fixture as async_fixture
    except ImportError:  # never used: check_fixture_use fails the test first
        async_fixture: Callable[..., Any] = pytest.fixture


@contextlib.contextmanager
def environment(variables: Mapping[str, str]) -> Iterator[None]:
    """Set ``variables`` in ``os.environ`` for the block; restore each one after (to its value
    before, or unset), whatever the block did to it."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in variables.items():
            patch.setenv(name, value)
        yield


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


# pytest-asyncio warns at configure time, in every session, when its
# asyncio_default_fixture_loop_scope is unset: a project with only blocking tests (which got
# pytest-asyncio with this package's test extra) then fails under -W error before running
# anything. The notice concerns async fixtures only, so it is held back until the session
# turns out to collect an async test, and then given as a warning of the same category.
_UNSET_NOTICE: Final = 'The configuration option "asyncio_default_fixture_loop_scope" is unset'
_HELD: Final = pytest.StashKey[bool]()


def hold_loop_scope_notice(config: pytest.Config) -> None:
    """Before pytest-asyncio's ``pytest_configure`` (call from a ``tryfirst`` one): hold back its
    notice about an unset ``asyncio_default_fixture_loop_scope``, when it is unset (a value the
    user set, in a file or with ``-o``, is left alone and means there is no notice)."""
    if _HELD in config.stash or not _asyncio_active(config):
        return
    try:
        unset = not config.getini("asyncio_default_fixture_loop_scope")
    except ValueError:  # a pytest-asyncio without the option: it has no notice either
        unset = False
    config.stash[_HELD] = unset
    if unset:
        # Within the filters pytest sets for the configure stage (-W, filterwarnings): ours
        # comes first, so it wins over -W error, for this one message only.
        warnings.filterwarnings(
            "ignore", message=_UNSET_NOTICE, category=pytest.PytestDeprecationWarning
        )


def loop_scope_notice(config: pytest.Config, items: Sequence[pytest.Item]) -> None:
    """After collection: give the held notice if any collected test is async."""
    if not config.stash.get(_HELD, False):
        return
    config.stash[_HELD] = False  # once, though both plugins call this
    if any(_is_async(item) for item in items):
        warnings.warn(
            pytest.PytestDeprecationWarning(
                "pytest-asyncio's configuration option asyncio_default_fixture_loop_scope is "
                "unset, and this session has async tests: set it in your pytest configuration "
                '(for example asyncio_default_fixture_loop_scope = "function"), else a future '
                "pytest-asyncio may run async fixtures in a different event loop. (Its own "
                "notice, held back by the bland_pools and ghl_pools pytest plugins until an "
                "async test was collected.)"
            ),
            stacklevel=1,
        )


def _asyncio_active(config: pytest.Config) -> bool:
    plugin = sys.modules.get("pytest_asyncio.plugin")
    return plugin is not None and config.pluginmanager.is_registered(plugin)


def _is_async(item: pytest.Item) -> bool:
    test = getattr(item, "obj", None)
    return (
        inspect.iscoroutinefunction(test)
        or inspect.isasyncgenfunction(test)
        or item.get_closest_marker("asyncio") is not None
    )

"""The pytest plugin both packages' plugins are built from (:func:`plugin_kit`: fixtures, hooks
and the emulator marker of one API); imported only by them, so pytest is no SDK dependency."""

from __future__ import annotations

import contextlib
import importlib
import inspect
import sys
import warnings
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import pytest

__all__ = [
    "async_fixture",
    "check_fixture_use",
    "environment",
    "hold_loop_scope_notice",
    "loop_scope_notice",
    "plugin_kit",
    "pytest_collection_modifyitems",
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


def plugin_kit(
    package: str,
    emulator: Callable[..., Any],
    emulator_doc: str,
    *,
    clients: tuple[str, str],
    settings: Mapping[str, str],
    variables: Mapping[str, str],
    options: Mapping[str, str] = {},  # read only
) -> tuple[Any, ...]:
    """The fixtures of ``package``, in the order ``emulator``, ``client``, ``env``,
    ``emulator_in_thread``, ``blocking_client``, ``env_in_thread`` (named for the package:
    ``bland_emulator``, ...), then its ``pytest_configure`` and ``pytest_runtest_setup``: its
    plugin module binds them to module-level names, where pytest looks for them.

    ``emulator(**options)`` makes a new emulator (importing it then, not with the plugin);
    ``clients`` names the package's async and blocking client classes, made with
    ``settings`` (client keyword -> emulator attribute); ``variables`` (environment variable
    -> emulator attribute) are what the env fixtures set; ``options`` (keyword -> what it
    does, for ``pytest --markers``) are those a test may give the emulator with
    ``@pytest.mark.<prefix>_emulator``.
    """
    prefix = package.split("_")[0]
    marker = f"{prefix}_emulator"
    async_fixtures = {f"{prefix}_{a}": f"{prefix}_{b}" for a, b in _IN_THREAD.items()}
    keywords = ", ".join(f"{name}=..." for name in options)
    marked = f" (options from ``@pytest.mark.{marker}({keywords})``)" if options else ""
    doc = emulator_doc.rstrip(".") + marked + "."
    words = {"emulator_doc": doc, "marked": marked, "prefix": prefix, "async": clients[0]}
    words |= {"blocking": clients[1], "variables": ", ".join(f"``{v}``" for v in variables)}

    def made(request: pytest.FixtureRequest) -> Any:
        """A new emulator, with the options of the test's marker."""
        found = request.node.get_closest_marker(marker) if options else None
        if found is None:
            return emulator()
        unknown = sorted(set(found.kwargs) - set(options))
        if found.args or unknown:
            given = ", ".join([*map(repr, found.args), *unknown])
            known = ", ".join(sorted(options))
            message = f"@pytest.mark.{marker} takes only keyword options ({known}), got {given}"
            pytest.fail(message, pytrace=False)
        return emulator(**found.kwargs)

    def client(given: dict[str, Any], blocking: bool = False) -> Any:
        (emu,) = given.values()
        cls = getattr(importlib.import_module(package), clients[blocking])
        return cls(**{key: getattr(emu, attribute) for key, attribute in settings.items()})

    def environment_of(emu: Any) -> contextlib.AbstractContextManager[None]:
        return environment({name: getattr(emu, a) for name, a in variables.items()})

    async def emulator_(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
        """{emulator_doc}"""
        async with made(request) as emu:
            yield emu

    async def client_(**given: Any) -> AsyncIterator[Any]:
        """An open ``{async}`` on the ``{prefix}_emulator`` fixture."""
        async with client(given) as opened:
            yield opened

    def env_(**given: Any) -> Iterator[Any]:
        """The ``{prefix}_emulator``, with {variables} set to it for the test (restored
        after): ``{async}()`` built by the code under test uses it."""
        with environment_of(emu := given.popitem()[1]):
            yield emu

    def emulator_in_thread_(request: pytest.FixtureRequest) -> Iterator[Any]:
        """The same emulator as ``{prefix}_emulator``, served from its own thread, for plain
        tests{marked}."""
        with made(request).in_thread() as emu:
            yield emu

    def blocking_client_(**given: Any) -> Iterator[Any]:
        """An open blocking ``{blocking}`` on the ``{prefix}_emulator_in_thread`` fixture."""
        with client(given, blocking=True) as opened:
            yield opened

    def env_in_thread_(**given: Any) -> Iterator[Any]:
        """The ``{prefix}_emulator_in_thread``, with {variables} set to it for the test
        (restored after), for plain tests: ``{blocking}()``, or an app run by a test client in
        another thread (FastAPI's ``TestClient``)."""
        with environment_of(emu := given.popitem()[1]):
            yield emu

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(config: pytest.Config) -> None:
        hold_loop_scope_notice(config)  # blocking-only projects need not configure it
        for name, what in options.items():  # each option: "bland_emulator(rate_limit=N): ..."
            config.addinivalue_line("markers", f"{marker}({name}=N): {what} ({marker} fixtures)")

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(item: pytest.Item) -> None:
        check_fixture_use(item, async_fixtures, package)

    kit: list[Any] = []
    bodies: tuple[Callable[..., Any], ...] = (emulator_, client_, env_, emulator_in_thread_)
    for body in (*bodies, blocking_client_, env_in_thread_):
        name = body.__name__ = body.__qualname__ = prefix + "_" + body.__name__.rstrip("_")
        body.__doc__ = (body.__doc__ or "").format(**words)
        if upstream := _UPSTREAM.get(name.partition("_")[2]):
            # pytest passes each fixture it asks for by the name its signature gives.
            parameter = inspect.Parameter(f"{prefix}_{upstream}", inspect.Parameter.KEYWORD_ONLY)
            body.__signature__ = inspect.Signature([parameter])  # type: ignore[attr-defined]
        async_ = inspect.isasyncgenfunction(body)
        kit.append(async_fixture(body) if async_ else pytest.fixture(body))
    return (*kit, pytest_configure, pytest_runtest_setup)


# Each async fixture's counterpart for plain tests, and the fixture each one is built on.
_IN_THREAD: Final = {
    "emulator": "emulator_in_thread",
    "client": "blocking_client",
    "env": "env_in_thread",
}
_UPSTREAM: Final = {"client": "emulator", "env": "emulator"} | dict.fromkeys(
    ("blocking_client", "env_in_thread"), "emulator_in_thread"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Both plugins' (bound to their module names): give the held notice if needed."""
    loop_scope_notice(config, items)

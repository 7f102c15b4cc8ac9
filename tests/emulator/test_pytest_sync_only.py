"""A project with only blocking tests, which never configured pytest-asyncio (it came with
this package's test extra): ``pytest -W error`` runs warning-free. pytest-asyncio's notice about
its unset ``asyncio_default_fixture_loop_scope`` is held back until an async test is
collected, and a value the user set wins. Run in fresh pytest processes with ``pytester``."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

BLOCKING_TESTS = """
def test_bland(bland_blocking_client, bland_emulator_in_thread):
    pool = bland_blocking_client.pools.create(["+12345678901"])
    assert bland_emulator_in_thread.pools()[0]["id"] == pool.id

def test_ghl(ghl_blocking_client, ghl_emulator_in_thread):
    ghl_emulator_in_thread.seed_samples()
    assert ghl_blocking_client.pools.list().total == 3
"""

AN_ASYNC_TEST = """
import pytest

@pytest.mark.asyncio
async def test_async(bland_client):
    assert await bland_client.pools.list() == []
"""

NOTICE = (
    "*PytestDeprecationWarning*asyncio_default_fixture_loop_scope is unset, "
    "and this session has async tests*"
)


def test_pytest_asyncio_is_installed_here() -> None:
    # Else the tests below would pass without testing anything.
    import pytest_asyncio

    assert pytest_asyncio.__version__


@pytest.mark.parametrize(
    "config",
    [
        ("pytest.ini", "[pytest]\n"),
        ("pyproject.toml", "[project]\nname = 'x'\n"),
        ("pytest.ini", "[pytest]\nfilterwarnings = error\n"),
    ],
)
def test_blocking_fixtures_under_w_error_with_an_empty_config(
    pytester: pytest.Pytester, config: tuple[str, str]
) -> None:
    name, text = config
    (pytester.path / name).write_text(text)
    pytester.makepyfile(test_blocking=BLOCKING_TESTS)

    result = pytester.runpytest_subprocess("-W", "error", timeout=120)

    result.assert_outcomes(passed=2)
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    result.stdout.no_fnmatch_line("*asyncio_default_fixture_loop_scope*unset*")


def test_the_notice_is_given_once_an_async_test_is_collected(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(test_blocking=BLOCKING_TESTS, test_async=AN_ASYNC_TEST)

    result = pytester.runpytest_subprocess(timeout=120)

    result.assert_outcomes(passed=3, warnings=1)
    result.stdout.fnmatch_lines([NOTICE])


def test_an_unmarked_async_test_in_auto_mode_counts(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_mode = auto\n")
    pytester.makepyfile(
        test_async="async def test_async(bland_client):\n"
        "    assert await bland_client.pools.list() == []\n"
    )

    result = pytester.runpytest_subprocess(timeout=120)

    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines([NOTICE])


def test_under_w_error_the_notice_still_stops_an_async_project(
    pytester: pytest.Pytester,
) -> None:
    # As pytest-asyncio's own notice did: the plugin changes nothing for async projects.
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(test_async=AN_ASYNC_TEST)

    result = pytester.runpytest_subprocess("-W", "error", timeout=120)

    assert result.ret != 0
    result.stdout.fnmatch_lines([NOTICE])


@pytest.mark.parametrize(
    ("ini", "args", "expected"),
    [
        ("[pytest]\nasyncio_default_fixture_loop_scope = module\n", (), "module"),
        ("[pytest]\n", ("-o", "asyncio_default_fixture_loop_scope=session"), "session"),
    ],
)
def test_the_users_own_setting_wins(
    pytester: pytest.Pytester, ini: str, args: tuple[str, ...], expected: str
) -> None:
    pytester.makeini(ini)
    pytester.makepyfile(test_blocking=BLOCKING_TESTS)

    result = pytester.runpytest_subprocess("-W", "error", *args, timeout=120)

    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([f"*asyncio_default_fixture_loop_scope={expected}*"])


def test_other_configure_time_warnings_still_fail_under_w_error(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini("[pytest]\n")
    pytester.makeconftest(
        "import warnings, pytest\n"
        "def pytest_configure(config):\n"
        "    warnings.warn(pytest.PytestDeprecationWarning('a notice of its own'))\n"
    )
    pytester.makepyfile(test_blocking=BLOCKING_TESTS)

    result = pytester.runpytest_subprocess("-W", "error", timeout=120)

    assert result.ret != 0
    assert "a notice of its own" in result.stdout.str() + result.stderr.str()

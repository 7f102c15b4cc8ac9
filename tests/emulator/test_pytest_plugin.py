"""The pytest plugins (entry points ``bland_pools`` and ``ghl_pools`` under ``pytest11``), run in
fresh pytest processes with ``pytester``."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

USES_THE_FIXTURES = """
import pytest

@pytest.mark.asyncio
async def test_bland(bland_client, bland_emulator):
    pool = await bland_client.pools.create(["+12345678901"])
    assert bland_emulator.pools(bland_emulator.api_key)[0]["id"] == pool.id
    assert bland_emulator.requests[0].headers["authorization"] == "***"

@pytest.mark.asyncio
async def test_ghl(ghl_client, ghl_emulator):
    ghl_emulator.seed_samples()
    page = await ghl_client.pools.list()
    assert page.total == 3
    assert ghl_emulator.requests[0].query == {"locationId": ghl_emulator.location_id}

def test_unrelated():
    assert True
"""


def test_the_fixtures_work_in_a_fresh_session(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(USES_THE_FIXTURES)
    # pytest-asyncio itself warns when this is unset; the plugins add no warning of their own.
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    result = pytester.runpytest_subprocess("-W", "error", timeout=120)
    result.assert_outcomes(passed=3)


README = Path(__file__).resolve().parents[2] / "docs" / "guides" / "testing.md"
MY_APP = """
async def provision(client, numbers):
    return await client.pools.create(numbers)
"""


def _readme_block(first_line: str) -> str:
    """The README's fenced code block whose first line is ``first_line``."""
    for block in re.findall(r"```[a-z]*\n(.*?)```", README.read_text(), flags=re.S):
        if block.startswith(first_line + "\n"):
            return str(block)
    raise AssertionError(f"README has no code block starting with {first_line!r}")


def test_the_readmes_plugin_example_runs_as_documented(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(my_app=MY_APP, test_my_code=_readme_block("# test_my_code.py"))
    pytester.makepyprojecttoml(_readme_block("# pyproject.toml"))
    result = pytester.runpytest_subprocess("-W", "error", timeout=120)
    result.assert_outcomes(passed=3)


SYNC_TESTS = """
import pytest

def test_bland_blocking(bland_blocking_client, bland_emulator_in_thread):
    pool = bland_blocking_client.pools.create(["+12345678901"])
    assert bland_emulator_in_thread.pools()[0]["id"] == pool.id
    assert bland_blocking_client.pools.list() == [pool]

def test_ghl_blocking(ghl_blocking_client, ghl_emulator_in_thread):
    ghl_emulator_in_thread.seed_samples()
    page = ghl_blocking_client.pools.list()
    assert page[0].name == "Sales Team Pool"
"""


def test_the_blocking_fixtures_work_in_plain_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SYNC_TESTS)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    result = pytester.runpytest_subprocess("-W", "error", timeout=120)
    result.assert_outcomes(passed=2)


def test_the_blocking_fixtures_need_no_pytest_asyncio(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SYNC_TESTS)
    result = pytester.runpytest_subprocess("-W", "error", "-p", "no:asyncio", timeout=120)
    result.assert_outcomes(passed=2)


MISUSED_IN_A_PLAIN_TEST = """
from bland_pools import BlandClient

def test_x(bland_emulator):
    with BlandClient(api_key=bland_emulator.api_key, base_url=bland_emulator.url) as b:
        b.pools.list()

def test_y(ghl_client):
    pass
"""


def test_a_plain_test_asking_for_an_async_fixture_fails_at_once_naming_the_right_one(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(MISUSED_IN_A_PLAIN_TEST)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    # It hung until the client's 30 s timeout before: now it fails in well under that.
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=25)
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            "*test_x is a plain (non-async) test and asks for 'bland_emulator',*"
            "Use 'bland_emulator_in_thread' (the emulator served from its own thread)*",
            "*test_y is a plain (non-async) test and asks for 'ghl_emulator' and 'ghl_client',*"
            "Use 'ghl_emulator_in_thread' and 'ghl_blocking_client'*",
        ]
    )


FIXTURES = (
    "bland_emulator",
    "bland_client",
    "bland_emulator_in_thread",
    "bland_blocking_client",
    "ghl_emulator",
    "ghl_client",
    "ghl_emulator_in_thread",
    "ghl_blocking_client",
    "bland_env",
    "bland_env_in_thread",
    "ghl_env",
    "ghl_env_in_thread",
)


def test_the_fixtures_are_listed(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--fixtures", timeout=120)
    # One at a time: pytest orders them by "file:line" as text, which is no order of ours.
    for name in FIXTURES:
        result.stdout.fnmatch_lines([f"{name} -- *pytest_plugin.py:*"])
    result.stdout.fnmatch_lines(["bland_emulator -- *", "*A running Bland emulator*"])


def _assert_clear_failure(result: pytest.RunResult) -> None:
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*'bland_emulator' fixture of bland_pools is async and needs pytest-asyncio*",
            "*'ghl_emulator' fixture of ghl_pools is async and needs pytest-asyncio*",
        ]
    )
    result.stdout.no_fnmatch_line("*Traceback*")


def test_without_pytest_asyncio_only_the_fixtures_fail_clearly(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(USES_THE_FIXTURES)
    # Shadow pytest_asyncio so that importing it fails, as if it were not installed.
    pytester.makepyfile(pytest_asyncio="raise ImportError('pytest-asyncio is not installed')")
    result = pytester.runpytest_subprocess("-p", "no:asyncio", timeout=120)
    _assert_clear_failure(result)


def test_with_pytest_asyncio_disabled_the_fixtures_fail_clearly(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(USES_THE_FIXTURES)
    result = pytester.runpytest_subprocess("-p", "no:asyncio", timeout=120)
    _assert_clear_failure(result)


def test_the_plugins_can_be_disabled(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    assert True\n")
    result = pytester.runpytest_subprocess(
        "-p", "no:bland_pools", "-p", "no:ghl_pools", timeout=120
    )
    result.assert_outcomes(passed=1)


def test_importing_the_plugins_leaves_the_emulators_unloaded() -> None:
    code = (
        "import sys\n"
        "import bland_pools.testing.pytest_plugin, ghl_pools.testing.pytest_plugin\n"
        "loaded = sorted(m for m in ('aiohttp', 'pools_core.testing',\n"
        "    'bland_pools.testing._emulator', 'ghl_pools.testing._emulator') if m in sys.modules)\n"
        "print(loaded)\n"
        "from bland_pools.testing import BlandEmulator, FaultPlan\n"
        "from ghl_pools.testing import GHLEmulator\n"
        "print(BlandEmulator.__name__, GHLEmulator.__name__, FaultPlan.__name__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    ).stdout.split("\n")
    assert out[0] == "[]"
    assert out[1] == "BlandEmulator GHLEmulator FaultPlan"


MISUSE_THEN_GOOD_USE = """
import pytest

def test_misuses_the_emulator(bland_emulator):
    pass

def test_misuses_an_async_client(bland_client):
    pass

@pytest.mark.asyncio
async def test_uses_them_right(bland_client, bland_emulator):
    assert await bland_client.pools.list() == []
    assert len(bland_emulator.requests) == 1

def test_uses_the_blocking_ones_right(bland_blocking_client, bland_emulator_in_thread):
    assert bland_blocking_client.pools.list() == []

def test_misuses_ghl(ghl_emulator):
    pass

@pytest.mark.asyncio
async def test_uses_ghl_right(ghl_client, ghl_emulator):
    ghl_emulator.seed_samples()
    assert (await ghl_client.pools.list()).total == 3
"""


def test_a_misused_fixture_fails_only_the_test_that_misused_it(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(MISUSE_THEN_GOOD_USE)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    result = pytester.runpytest_subprocess(
        "-p", "no:randomly", "-p", "no:cacheprovider", timeout=60
    )
    result.assert_outcomes(passed=3, errors=3)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_misuses_the_emulator*",
            "test_misuses_the_emulator is a plain (non-async) test and asks for 'bland_emulator',*",
            "*ERROR at setup of test_misuses_an_async_client*",
            "test_misuses_an_async_client is a plain (non-async) test and asks for "
            "'bland_emulator' and 'bland_client',*",
            "*ERROR at setup of test_misuses_ghl*",
            "test_misuses_ghl is a plain (non-async) test and asks for 'ghl_emulator',*",
        ]
    )
    # The fixtures the misusing tests asked for were never half set up.
    result.stdout.no_fnmatch_line("*_finalizers*")
    result.stdout.no_fnmatch_line("*AssertionError*")


def test_without_pytest_asyncio_a_misused_fixture_fails_only_its_test(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        "def test_asks_for_the_async_one(bland_client):\n    pass\n\n"
        "def test_next(bland_blocking_client):\n"
        "    assert bland_blocking_client.pools.list() == []\n"
    )
    result = pytester.runpytest_subprocess("-p", "no:asyncio", "-p", "no:randomly", timeout=60)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*'bland_emulator' fixture of bland_pools is async and needs*"])
    result.stdout.no_fnmatch_line("*_finalizers*")

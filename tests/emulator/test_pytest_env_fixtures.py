"""``bland_env``/``ghl_env`` (async tests) and ``bland_env_in_thread``/``ghl_env_in_thread``
(plain tests): the environment points a client built with no arguments at the fixture's
emulator for the test, and is restored after. Run in fresh pytest processes with pytester."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

INI = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"

USES_THE_ENVIRONMENT = """
import os

from bland_pools import AsyncBlandClient, BlandClient
from ghl_pools import AsyncGHLClient, GHLClient


async def test_bland_async(bland_env):
    async with AsyncBlandClient() as bland:
        pool = await bland.pools.create(["+12345678901"])
    assert bland_env.pools()[0]["id"] == pool.id
    assert os.environ["BLAND_BASE_URL"] == bland_env.url


async def test_ghl_async(ghl_env):
    ghl_env.seed_samples()
    async with AsyncGHLClient() as ghl:
        page = await ghl.pools.list()
    assert page.total == 3
    assert ghl_env.requests[0].query == {"locationId": ghl_env.location_id}


def test_bland_plain(bland_env_in_thread):
    with BlandClient() as bland:
        pool = bland.pools.create(["+12345678901"])
    assert bland_env_in_thread.pools()[0]["id"] == pool.id


def test_ghl_plain(ghl_env_in_thread):
    ghl_env_in_thread.seed_samples()
    with GHLClient() as ghl:
        assert ghl.pools.list()[0].name == "Sales Team Pool"
    assert os.environ["GHL_LOCATION_ID"] == ghl_env_in_thread.location_id
"""


def test_a_client_built_from_the_environment_uses_the_emulator(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_env=USES_THE_ENVIRONMENT)
    result = pytester.runpytest_subprocess("-W", "error", timeout=120)
    result.assert_outcomes(passed=4)


FASTAPI_TEST_CLIENT = """
import warnings
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request

from bland_pools import AsyncBlandClient

with warnings.catch_warnings():
    # Starlette 1.x deprecates its TestClient on httpx (for httpx2): not what is tested here.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient


@asynccontextmanager
async def lifespan(app):
    async with AsyncBlandClient() as bland:
        app.state.bland = bland
        yield


app = FastAPI(lifespan=lifespan)


@app.get("/pools")
async def list_pools(request: Request):
    return [pool.to_dict() for pool in await request.app.state.bland.pools.list()]


def test_the_app_in_the_test_clients_thread(bland_env_in_thread):
    bland_env_in_thread.seed_samples()
    with TestClient(app) as http:  # runs the lifespan and the app on a loop of its own
        assert len(http.get("/pools").json()) == 3
    assert [r.path for r in bland_env_in_thread.requests] == ["/v1/custom-dialing-pools"]
"""


def test_fastapis_test_client_with_the_plain_fixture(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_app=FASTAPI_TEST_CLIENT)
    result = pytester.runpytest_subprocess("-W", "error", timeout=120)
    result.assert_outcomes(passed=1)


RESTORED = """
import os

NAMES = ("BLAND_API_KEY", "BLAND_BASE_URL", "GHL_ACCESS_TOKEN", "GHL_BASE_URL", "GHL_LOCATION_ID")


def seen():
    return {name: os.environ.get(name) for name in NAMES}


BEFORE = seen()


async def test_1_async(bland_env, ghl_env):
    assert os.environ["BLAND_API_KEY"] == bland_env.api_key != "user-key"
    assert os.environ["GHL_ACCESS_TOKEN"] == ghl_env.token


def test_2_after(bland_env_in_thread):
    assert seen()["GHL_ACCESS_TOKEN"] == BEFORE["GHL_ACCESS_TOKEN"] == "user-token"
    assert seen()["GHL_LOCATION_ID"] is None
    assert os.environ["BLAND_API_KEY"] == bland_env_in_thread.api_key


def test_3_after(ghl_env_in_thread):
    assert seen()["BLAND_API_KEY"] == "user-key"
    assert seen()["BLAND_BASE_URL"] is None


def test_4_after():
    assert seen() == BEFORE
"""


def test_the_environment_is_restored_after_each_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLAND_API_KEY", "user-key")
    monkeypatch.setenv("GHL_ACCESS_TOKEN", "user-token")
    pytester.makeini(INI)
    pytester.makepyfile(test_restored=RESTORED)
    result = pytester.runpytest_subprocess("-W", "error", "-p", "no:randomly", timeout=120)
    result.assert_outcomes(passed=4)


def test_a_plain_test_asking_for_the_async_one_is_told_the_right_one(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini(INI)
    pytester.makepyfile("def test_x(bland_env):\n    pass\n\ndef test_y(ghl_env):\n    pass\n")
    result = pytester.runpytest_subprocess(timeout=60)
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            "*test_x is a plain (non-async) test and asks for 'bland_emulator' and 'bland_env'*"
            "Use 'bland_emulator_in_thread' and 'bland_env_in_thread'*",
            "*test_y is a plain (non-async) test and asks for 'ghl_emulator' and 'ghl_env'*"
            "Use 'ghl_emulator_in_thread' and 'ghl_env_in_thread'*",
        ]
    )

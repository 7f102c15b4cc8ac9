"""A wrong base URL, end to end against the emulators: one that repeats the API's own prefix
(``/v1``, ``/phone-system``), as an argument or from the environment, is refused at
construction naming the fix; a path the API does not have is a wrong URL (``NotFoundError``
saying so), never a missing pool (``PoolNotFoundError``), so code that creates a pool when it
is missing creates none on a misconfiguration."""

from __future__ import annotations

import uuid

import pytest

import bland_pools
import ghl_pools
from bland_pools import AsyncBlandClient, ConfigurationError, DialingPool, PoolNotFoundError
from bland_pools.testing import BlandEmulator
from ghl_pools import AsyncGHLClient
from ghl_pools.testing import GHLEmulator

from ._support import GHL_PATH, KEY_A, LOCATION, POOLS_PATH, TOKEN, numbers, pool_json


@pytest.mark.parametrize("suffix", ["/v1", "/v1/"])
async def test_a_bland_base_url_ending_in_v1_is_refused_naming_the_fixed_url(
    bland_emu: BlandEmulator, suffix: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        AsyncBlandClient(api_key=KEY_A, base_url=bland_emu.url + suffix)

    message = str(caught.value)
    assert "'/v1'" in message
    assert f"use {bland_emu.url!r}" in message
    assert bland_emu.requests == []


async def test_a_bland_base_url_from_the_environment_ending_in_v1_is_refused(
    bland_emu: BlandEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLAND_BASE_URL", f"{bland_emu.url}/v1")

    with pytest.raises(ConfigurationError) as caught:
        AsyncBlandClient(api_key=KEY_A)

    assert f"base_url '{bland_emu.url}/v1'" in str(caught.value)
    assert f"use {bland_emu.url!r}" in str(caught.value)
    assert bland_emu.requests == []


@pytest.mark.parametrize("given_as", ["argument", "environment"])
async def test_a_ghl_base_url_ending_in_phone_system_is_refused_naming_the_fixed_url(
    ghl_emu: GHLEmulator, monkeypatch: pytest.MonkeyPatch, given_as: str
) -> None:
    wrong = f"{ghl_emu.url}/phone-system"
    base_url = wrong if given_as == "argument" else None  # None: from the environment
    if given_as == "environment":
        monkeypatch.setenv("GHL_BASE_URL", wrong)

    with pytest.raises(ghl_pools.ConfigurationError) as caught:
        AsyncGHLClient(token=TOKEN, base_url=base_url)

    assert "'/phone-system'" in str(caught.value)
    assert f"use {ghl_emu.url!r}" in str(caught.value)
    assert ghl_emu.requests == []


@pytest.mark.parametrize("call", ["list", "get"])
async def test_a_bland_path_the_api_lacks_is_a_wrong_url_not_a_missing_pool(
    bland_emu: BlandEmulator, call: str
) -> None:
    pool_id = str(uuid.uuid4())
    path = POOLS_PATH if call == "list" else f"{POOLS_PATH}/{pool_id}"
    # An emulator "mounted" behind a prefix it does not have: every path answers a bare 404.
    base_url = f"{bland_emu.url}/api"

    async with AsyncBlandClient(api_key=KEY_A, base_url=base_url) as bland:
        with pytest.raises(bland_pools.NotFoundError) as caught:
            await (bland.pools.list() if call == "list" else bland.pools.get(pool_id))

    error = caught.value
    assert not isinstance(error, PoolNotFoundError)
    assert "the URL looks wrong; check base_url" in str(error)
    assert f"{base_url}{path}" in str(error)
    assert (error.status, error.method, error.url) == (404, "GET", f"{base_url}{path}")
    # The resource's other name answered 404 as well (the client tried it once), and is named.
    other = path.replace("custom-dialing-pools", "geospatial-dialing-pools")
    assert [(r.method, r.path, r.status) for r in bland_emu.requests] == [
        ("GET", f"/api{path}", 404),
        ("GET", f"/api{other}", 404),
    ]
    assert any(f"{base_url}{other}" in note for note in error.__notes__)


async def test_a_ghl_path_the_api_lacks_is_a_wrong_url(ghl_emu: GHLEmulator) -> None:
    base_url = f"{ghl_emu.url}/api"

    async with AsyncGHLClient(token=TOKEN, base_url=base_url, location_id=LOCATION) as ghl:
        with pytest.raises(ghl_pools.NotFoundError) as caught:
            await ghl.pools.list()

    assert "the URL looks wrong; check base_url" in str(caught.value)
    assert f"{base_url}{GHL_PATH}?locationId={LOCATION}" in str(caught.value)
    assert caught.value.status == 404
    assert [(r.path, r.status) for r in ghl_emu.requests] == [(f"/api{GHL_PATH}", 404)]


async def _pool_or_new(
    bland: AsyncBlandClient, pool_id: str, phone_numbers: list[str]
) -> DialingPool:
    """What a user writes: the pool, or a new one when it is missing."""
    try:
        return await bland.pools.get(pool_id)
    except PoolNotFoundError:
        return await bland.pools.create(phone_numbers)


async def test_only_a_really_missing_pool_is_pool_not_found(bland_emu: BlandEmulator) -> None:
    missing = str(uuid.uuid4())

    async with (
        AsyncBlandClient(api_key=KEY_A, base_url=f"{bland_emu.url}/api") as misconfigured,
        AsyncBlandClient(api_key=KEY_A, base_url=bland_emu.url) as configured,
    ):
        with pytest.raises(bland_pools.NotFoundError) as caught:
            await _pool_or_new(misconfigured, missing, numbers(4))
        created = await _pool_or_new(configured, missing, numbers(4))

    assert not isinstance(caught.value, PoolNotFoundError)  # no create on a misconfiguration
    assert [(r.method, r.path, r.status) for r in bland_emu.requests] == [
        ("GET", f"/api{POOLS_PATH}/{missing}", 404),
        # The resource's other name, tried once on a route-level 404: not there either.
        ("GET", f"/api/v1/geospatial-dialing-pools/{missing}", 404),
        ("GET", f"{POOLS_PATH}/{missing}", 404),  # the emulator's own POOL_NOT_FOUND
        ("POST", POOLS_PATH, 200),
    ]
    assert bland_emu.pools(KEY_A) == [pool_json(created)]

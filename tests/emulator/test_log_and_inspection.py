"""The request log (``emu.requests``) and the inspection routes under ``/_emulator/``."""

from __future__ import annotations

import aiohttp

from bland_pools.testing import BlandEmulator, Fault, RecordedRequest
from ghl_pools.testing import GHLEmulator

from .conftest import KEY_A, KEY_B, LOCATION, TOKEN, VERSION

POOLS = "/v1/custom-dialing-pools"


async def test_the_log_records_each_request_without_the_key(
    bland: BlandEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.post(
        bland.url + POOLS,
        headers={"Authorization": KEY_A, "X-Trace": "t-1"},
        json={"phone_numbers": ["+12345678901"]},
    ) as resp:
        assert resp.status == 200
    async with http.get(f"{bland.url}{POOLS}?page=2", headers={"authorization": "nope"}) as resp:
        assert resp.status == 401
    async with http.post(bland.url + POOLS, headers={"authorization": KEY_A}, data=b"{") as resp:
        assert resp.status == 400
    first, second, third = bland.requests
    assert isinstance(first, RecordedRequest)
    assert (first.method, first.path, first.query) == ("POST", POOLS, {})
    assert first.headers["authorization"] == "***"
    assert first.headers["x-trace"] == "t-1"
    assert first.json == {"phone_numbers": ["+12345678901"]}
    assert (first.status, first.fault) == (200, None)
    assert (second.method, second.query, second.status) == ("GET", {"page": "2"}, 401)
    assert second.headers["authorization"] == "***"
    assert second.json is None
    assert (third.json, third.status) == (None, 400)  # not JSON: kept out of the log
    assert KEY_A not in repr(bland.requests)


async def test_the_log_is_a_snapshot(bland: BlandEmulator, http: aiohttp.ClientSession) -> None:
    log = bland.requests
    async with http.get(bland.url + POOLS, headers={"authorization": KEY_A}):
        pass
    assert log == []
    assert len(bland.requests) == 1


async def test_the_ghl_log_records_the_query(ghl: GHLEmulator, http: aiohttp.ClientSession) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}", "Version": VERSION}
    async with http.get(
        ghl.url + "/phone-system/number-pools", headers=headers, params={"locationId": LOCATION}
    ) as resp:
        assert resp.status == 200
    (record,) = ghl.requests
    assert record.query == {"locationId": LOCATION}
    assert record.headers["authorization"] == "***"
    assert record.headers["version"] == VERSION
    assert record.status == 200


async def test_inspection_routes(bland: BlandEmulator, http: aiohttp.ClientSession) -> None:
    bland.seed_samples(KEY_B)
    async with http.get(bland.url + POOLS, headers={"authorization": KEY_A}):
        pass
    async with http.get(bland.url + "/_emulator/requests") as resp:
        log = await resp.json()
    assert [(r["method"], r["path"], r["status"]) for r in log] == [("GET", POOLS, 200)]
    assert log[0]["headers"]["authorization"] == "***"
    async with http.get(bland.url + "/_emulator/pools") as resp:
        pools = await resp.json()
    assert pools == {bland.owner_id(KEY_A): [], bland.owner_id(KEY_B): bland.pools(KEY_B)}
    async with http.post(
        bland.url + "/_emulator/faults",
        json={"fault": "server_error", "status": 503, "method": "GET", "path": POOLS},
    ) as resp:
        assert resp.status == 200
    async with http.get(bland.url + POOLS, headers={"authorization": KEY_A}) as resp:
        assert resp.status == 503
    async with http.post(bland.url + "/_emulator/faults", json={"fault": "nope"}) as resp:
        assert resp.status == 400
        assert "nope" in (await resp.json())["error"]
    async with http.post(bland.url + "/_emulator/faults", data=b"[]") as resp:
        assert resp.status == 400
    async with http.post(bland.url + "/_emulator/reset") as resp:
        assert resp.status == 200
    assert bland.requests == []  # inspection requests are never logged
    assert bland.pools(KEY_B) == []
    bland.inject(Fault.SLOW)  # a reset emulator still takes faults


async def test_ghl_inspection_lists_pools_by_location(
    ghl: GHLEmulator, http: aiohttp.ClientSession
) -> None:
    samples = ghl.seed_samples()
    async with http.get(ghl.url + "/_emulator/pools") as resp:
        assert await resp.json() == {LOCATION: samples}


async def test_lifecycle(http: aiohttp.ClientSession) -> None:
    emu = BlandEmulator(api_keys=[KEY_A])
    assert "not running" in repr(emu)
    async with emu:
        assert emu.running
        assert emu.url.startswith("http://127.0.0.1:")
        assert repr(emu) == f"<BlandEmulator {emu.url}>"
        url = emu.url
    assert not emu.running
    await emu.stop()  # idempotent
    try:
        async with http.get(url + POOLS):
            raise AssertionError("the emulator still answers after stop")
    except aiohttp.ClientConnectionError:
        pass
    async with emu, http.get(emu.url + POOLS, headers={"authorization": KEY_A}) as resp:
        assert resp.status == 200  # it can start again

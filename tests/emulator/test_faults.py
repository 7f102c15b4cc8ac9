"""Staged faults (both emulators share them): every kind, one-shot injection and its
matching, the seeded plan's determinism, and what faults never touch."""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp
import pytest

from bland_pools.testing import BlandEmulator, Fault, FaultPlan
from ghl_pools.testing import Fault as GHLFault, FaultPlan as GHLFaultPlan, GHLEmulator

from .conftest import KEY_A, TOKEN, VERSION

POOLS = "/v1/custom-dialing-pools"
GHL_PATH = "/phone-system/number-pools"
CREATE = {"phone_numbers": ["+12345678901"]}


async def bland_call(
    http: aiohttp.ClientSession, emu: BlandEmulator, method: str = "GET", path: str = POOLS
) -> tuple[int, Any, bytes]:
    body = CREATE if method == "POST" and path == POOLS else None
    async with http.request(
        method, emu.url + path, headers={"authorization": KEY_A}, json=body
    ) as resp:
        return resp.status, resp.headers, await resp.read()


async def ghl_call(http: aiohttp.ClientSession, emu: GHLEmulator) -> tuple[int, Any, bytes]:
    headers = {"Authorization": f"Bearer {TOKEN}", "Version": VERSION}
    async with http.get(emu.url + GHL_PATH, headers=headers) as resp:
        return resp.status, resp.headers, await resp.read()


def test_both_packages_export_the_same_classes() -> None:
    assert GHLFault is Fault
    assert GHLFaultPlan is FaultPlan


# -- each kind ---------------------------------------------------------------------------------


async def test_rate_limited(bland: BlandEmulator, http: aiohttp.ClientSession) -> None:
    bland.inject(Fault.RATE_LIMITED)
    status, headers, body = await bland_call(http, bland)
    assert (status, headers["Retry-After"]) == (429, "1")
    assert json.loads(body) == {
        "status": "error",
        "data": None,
        "errors": [{"error": "TOO_MANY_REQUESTS", "message": "Too Many Requests"}],
    }
    bland.faults = FaultPlan(rate_limited=1.0, retry_after=2.5)
    assert (await bland_call(http, bland))[1]["Retry-After"] == "2.5"
    bland.inject(Fault.RATE_LIMITED, retry_after=0)
    assert (await bland_call(http, bland))[1]["Retry-After"] == "0"


async def test_rate_limited_on_ghl_keeps_the_rate_headers(
    ghl: GHLEmulator, http: aiohttp.ClientSession
) -> None:
    ghl.inject(Fault.RATE_LIMITED, retry_after=3)
    status, headers, body = await ghl_call(http, ghl)
    assert (status, headers["Retry-After"]) == (429, "3")
    assert headers["X-RateLimit-Remaining"] == "100"  # the fault is not a counted request
    assert json.loads(body) == {
        "message": "Too Many Requests",
        "error": "Too Many Requests",
        "statusCode": 429,
    }


async def test_server_error_applies_nothing(
    bland: BlandEmulator, http: aiohttp.ClientSession
) -> None:
    bland.inject(Fault.SERVER_ERROR, times=20, method="POST")
    statuses = set()
    for _ in range(20):
        status, _, body = await bland_call(http, bland, "POST")
        statuses.add(status)
        assert json.loads(body)["status"] == "error"
    assert statuses <= {500, 502, 503}
    assert len(statuses) > 1  # the generator picks among them
    assert bland.pools(KEY_A) == []
    bland.inject(Fault.SERVER_ERROR, status=504)
    status, _, body = await bland_call(http, bland)
    assert status == 504
    assert json.loads(body)["errors"] == [
        {"error": "GATEWAY_TIMEOUT", "message": "Gateway Timeout"}
    ]


async def test_server_error_on_ghl(ghl: GHLEmulator, http: aiohttp.ClientSession) -> None:
    ghl.inject(Fault.SERVER_ERROR, status=500)
    status, headers, body = await ghl_call(http, ghl)
    assert status == 500
    assert json.loads(body) == {
        "message": "Internal Server Error",
        "error": "Internal Server Error",
        "statusCode": 500,
    }
    assert "X-RateLimit-Max" in headers


@pytest.mark.parametrize("status", [None, 503])
async def test_html_error(
    bland: BlandEmulator, http: aiohttp.ClientSession, status: int | None
) -> None:
    bland.inject(Fault.HTML_ERROR, status=status, method="POST")
    answer, headers, body = await bland_call(http, bland, "POST")
    assert answer == (status or 502)
    assert headers["Content-Type"].startswith("text/html")
    assert body.startswith(b"<html>")
    assert f"{answer} ".encode() in body
    assert bland.pools(KEY_A) == []


async def test_slow_applies_then_answers_late(
    bland: BlandEmulator, http: aiohttp.ClientSession
) -> None:
    bland.inject(Fault.SLOW, method="POST", slow_seconds=0.3)
    started = time.perf_counter()
    status, _, body = await bland_call(http, bland, "POST")
    assert time.perf_counter() - started >= 0.3
    assert status == 200
    assert bland.pools(KEY_A) == [json.loads(body)["data"]]
    bland.faults = FaultPlan(slow=1.0, slow_seconds=0.2)
    started = time.perf_counter()
    assert (await bland_call(http, bland))[0] == 200
    assert time.perf_counter() - started >= 0.2


async def test_slow_answer_given_up_by_the_client(
    bland: BlandEmulator, http: aiohttp.ClientSession
) -> None:
    bland.inject(Fault.SLOW, method="POST", slow_seconds=30)
    with pytest.raises(TimeoutError):
        async with http.post(
            bland.url + POOLS,
            headers={"authorization": KEY_A},
            json=CREATE,
            timeout=aiohttp.ClientTimeout(total=0.2),
        ):
            pass
    assert len(bland.pools(KEY_A)) == 1  # applied before the delay
    # The emulator still answers, and closes promptly at the end of the test.
    assert (await bland_call(http, bland))[0] == 200


@pytest.mark.parametrize(
    ("fault", "applied"),
    [
        pytest.param(Fault.DROP_BEFORE, 0, id="drop-before-applies-nothing"),
        pytest.param(Fault.DROP_AFTER, 1, id="drop-after-applies-then-drops"),
    ],
)
async def test_a_drop_applies_the_request_or_not(
    bland: BlandEmulator, http: aiohttp.ClientSession, fault: Fault, applied: int
) -> None:
    bland.inject(fault, method="POST")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await bland_call(http, bland, "POST")
    assert len(bland.pools(KEY_A)) == applied
    assert (bland.requests[-1].status, bland.requests[-1].fault) == (None, fault.value)


async def test_drops_on_ghl(ghl: GHLEmulator, http: aiohttp.ClientSession) -> None:
    # aiohttp resends an idempotent request once after a dropped connection (RFC 9112
    # 9.3.1.1), so one GET meets both faults.
    ghl.inject(Fault.DROP_BEFORE)
    ghl.inject(Fault.DROP_AFTER)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await ghl_call(http, ghl)
    assert [(r.status, r.fault) for r in ghl.requests] == [
        (None, "drop_before"),
        (None, "drop_after"),
    ]
    status, headers, _ = await ghl_call(http, ghl)
    assert status == 200
    assert headers["X-RateLimit-Remaining"] == "98"  # drop_after was handled, so counted


# -- injection ---------------------------------------------------------------------------------


async def test_injected_faults_are_one_shot_and_counted(
    bland: BlandEmulator, http: aiohttp.ClientSession
) -> None:
    bland.inject(Fault.RATE_LIMITED, times=2)
    assert [(await bland_call(http, bland))[0] for _ in range(3)] == [429, 429, 200]


async def test_injected_faults_match_method_and_path(
    bland: BlandEmulator, http: aiohttp.ClientSession
) -> None:
    pool = bland.add_pool(KEY_A, ["+12345678901"])
    bland.inject(Fault.SERVER_ERROR, status=500, method="post", path=f"{POOLS}/*/update")
    bland.inject(Fault.SERVER_ERROR, status=503, path=f"{POOLS}/{pool['id']}")
    assert (await bland_call(http, bland))[0] == 200  # list: neither matches
    assert (await bland_call(http, bland, "POST"))[0] == 200  # create: neither
    assert (await bland_call(http, bland, "GET", f"{POOLS}/{pool['id']}"))[0] == 503
    async with http.post(
        f"{bland.url}{POOLS}/{pool['id']}/update",
        headers={"authorization": KEY_A},
        json=CREATE,
    ) as resp:
        assert resp.status == 500
    assert (await bland_call(http, bland, "GET", f"{POOLS}/{pool['id']}"))[0] == 200


async def test_injected_faults_come_before_the_plan(
    bland: BlandEmulator, http: aiohttp.ClientSession
) -> None:
    bland.faults = FaultPlan(server_error=1.0)
    bland.inject(Fault.RATE_LIMITED)
    assert (await bland_call(http, bland))[0] == 429
    assert (await bland_call(http, bland))[0] in {500, 502, 503}


def test_inject_checks_its_arguments() -> None:
    emu = BlandEmulator()
    with pytest.raises(ValueError, match="times"):
        emu.inject(Fault.SLOW, times=0)
    with pytest.raises(ValueError, match="status applies"):
        emu.inject(Fault.SLOW, status=500)
    with pytest.raises(ValueError, match="HTTP error status"):
        emu.inject(Fault.SERVER_ERROR, status=200)
    with pytest.raises(ValueError, match="no-such-fault"):
        emu.inject("no-such-fault")  # type: ignore[arg-type]
    emu.inject("slow")  # type: ignore[arg-type]  # the value works too


# -- what faults never touch -------------------------------------------------------------------


async def test_faults_never_touch_inspection_or_unknown_routes(
    bland: BlandEmulator, http: aiohttp.ClientSession
) -> None:
    bland.faults = FaultPlan(server_error=1.0)
    bland.inject(Fault.DROP_BEFORE, times=5)
    async with http.get(bland.url + "/_emulator/requests") as resp:
        assert resp.status == 200
    async with http.get(bland.url + "/v2/unknown") as resp:
        assert resp.status == 404
    assert [(r.path, r.status, r.fault) for r in bland.requests] == [("/v2/unknown", 404, None)]


# -- the seeded plan ---------------------------------------------------------------------------

MIXED = FaultPlan(seed=7, rate_limited=0.1, server_error=0.1, html_error=0.1, retry_after=0)


async def _sequence(http: aiohttp.ClientSession, emu: BlandEmulator, n: int = 60) -> list[int]:
    return [(await bland_call(http, emu))[0] for _ in range(n)]


async def test_the_same_seed_gives_the_same_faults(http: aiohttp.ClientSession) -> None:
    async with BlandEmulator(api_keys=[KEY_A], faults=MIXED) as first:
        one = await _sequence(http, first)
        first.faults = MIXED  # setting a plan restarts its generator
        again = await _sequence(http, first)
    async with BlandEmulator(api_keys=[KEY_A], faults=MIXED) as second:
        two = await _sequence(http, second)
    async with BlandEmulator(api_keys=[KEY_A], faults=FaultPlan(seed=8, server_error=0.3)) as other:
        three = await _sequence(http, other)
    assert one == again == two
    assert one != three
    assert {429, 200} <= set(one)
    assert set(one) & {500, 502, 503}
    assert 0.15 < one.count(200) / len(one) < 0.95


async def test_the_plan_shares_are_roughly_kept(
    bland: BlandEmulator, http: aiohttp.ClientSession
) -> None:
    bland.faults = FaultPlan(seed=1, rate_limited=0.5, retry_after=0)
    statuses = await _sequence(http, bland, 200)
    assert 0.35 < statuses.count(429) / 200 < 0.65
    assert {r.fault for r in bland.requests} == {"rate_limited", None}


def test_fault_plan_checks_its_shares() -> None:
    assert not FaultPlan().active
    assert FaultPlan(slow=0.1).active
    assert FaultPlan(rate_limited=0.5, server_error=0.5).active
    with pytest.raises(ValueError, match="probability"):
        FaultPlan(server_error=1.5)
    with pytest.raises(ValueError, match="probability"):
        FaultPlan(slow=-0.1)
    with pytest.raises(ValueError, match="add up"):
        FaultPlan(server_error=0.6, drop_after=0.6)
    with pytest.raises(ValueError, match="retry_after must be from 0"):
        FaultPlan(retry_after=-1)
    for bad in (float("nan"), float("inf"), 1e400, "5", True):
        with pytest.raises(ValueError, match="slow_seconds"):
            FaultPlan(slow_seconds=bad)
    with pytest.raises(TypeError):
        FaultPlan(0)  # type: ignore[call-arg]  # keyword-only
    with pytest.raises(TypeError):
        BlandEmulator().faults = {"server_error": 1.0}  # type: ignore[assignment]


# -- reset -------------------------------------------------------------------------------------


async def test_reset_clears_pools_log_and_faults(
    bland: BlandEmulator, http: aiohttp.ClientSession
) -> None:
    bland.add_pool(KEY_A, ["+12345678901"])
    bland.faults = FaultPlan(server_error=1.0)
    bland.inject(Fault.DROP_BEFORE)
    bland.reset()
    assert bland.pools(KEY_A) == []
    assert bland.requests == []
    assert bland.faults == FaultPlan()
    assert (await bland_call(http, bland))[0] == 200


async def test_ghl_reset_clears_the_rate_counters(http: aiohttp.ClientSession) -> None:
    async with GHLEmulator(tokens={TOKEN: ["loc1"]}, rate_limit=1) as ghl:
        ghl.seed_samples()
        assert [(await ghl_call(http, ghl))[0] for _ in range(2)] == [200, 429]
        ghl.reset()
        status, _, body = await ghl_call(http, ghl)
        assert (status, json.loads(body)["total"]) == (200, 0)

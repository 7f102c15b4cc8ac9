"""Hardening (issue 9), the emulators: bounded memory and a fault route that checks its input.

- The request log is a ring of the latest ``log_limit`` requests and keeps no body larger
  than ``log_body_limit`` (only its size), on both emulators; ``reset()`` empties it. Measured
  with tracemalloc: many large requests leave memory bounded, and ``reset()`` frees what the
  stored pools held.
- ``POST /_emulator/faults`` refuses a bad field with a 400 whose ``{"error": ...}`` names
  it (a wrong type, NaN, infinity, a negative wait, a string for a number, an unknown or a
  missing field, an unknown fault), and stages nothing then; ``inject()`` refuses the same.
"""

from __future__ import annotations

import gc
import json
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import aiohttp
import pytest

from bland_pools.testing import BlandEmulator, Fault
from ghl_pools.testing import GHLEmulator

from .conftest import KEY_A, LOCATION, TOKEN, VERSION

POOLS = "/v1/custom-dialing-pools"
GHL_POOLS = "/phone-system/number-pools"


async def list_pools(emu: BlandEmulator, http: aiohttp.ClientSession, n: int = 0) -> int:
    """``GET`` the pools (with ``?n=`` to tell requests apart in the log); the status."""
    async with http.get(f"{emu.url}{POOLS}?n={n}", headers={"Authorization": KEY_A}) as resp:
        return resp.status


async def create_pool(emu: BlandEmulator, http: aiohttp.ClientSession, body: Any) -> None:
    async with http.post(emu.url + POOLS, headers={"Authorization": KEY_A}, json=body) as resp:
        assert resp.status == 200, await resp.text()


def snapshot() -> tracemalloc.Snapshot:
    gc.collect()
    return tracemalloc.take_snapshot()


def held_since(before: tracemalloc.Snapshot) -> int:
    """Bytes allocated since ``before`` and still held (after a garbage collection)."""
    return sum(stat.size_diff for stat in snapshot().compare_to(before, "filename"))


@pytest.fixture
def tracing() -> Iterator[None]:
    """Python's allocations are traced during the test."""
    tracemalloc.start()
    try:
        yield
    finally:
        tracemalloc.stop()


# -- 6. a bounded request log ----------------------------------------------------------------


async def test_the_log_keeps_the_latest_log_limit_requests(http: aiohttp.ClientSession) -> None:
    async with BlandEmulator(api_keys=[KEY_A], log_limit=5) as emu:
        for n in range(8):
            assert await list_pools(emu, http, n) == 200

        assert [r.query for r in emu.requests] == [{"n": str(n)} for n in range(3, 8)]


async def test_a_body_over_log_body_limit_is_logged_by_its_size_only(
    http: aiohttp.ClientSession,
) -> None:
    small = {"phone_numbers": ["+12345678901"]}
    large = {"phone_numbers": ["+12345678902"], "note": "x" * 2_000}
    async with BlandEmulator(api_keys=[KEY_A], log_body_limit=1_000) as emu:
        await create_pool(emu, http, small)
        await create_pool(emu, http, large)

        first, second = emu.requests
        assert (first.json, first.body_size) == (small, len(json.dumps(small)))
        assert (second.json, second.body_size) == (None, len(json.dumps(large)))
        assert second.status == 200  # the request itself was served as usual
        assert len(emu.pools(KEY_A)) == 2


async def test_reset_empties_the_log(http: aiohttp.ClientSession) -> None:
    async with BlandEmulator(api_keys=[KEY_A], log_limit=5) as emu:
        for n in range(3):
            await list_pools(emu, http, n)

        emu.reset()

        assert emu.requests == []
        await list_pools(emu, http, 9)
        assert [r.query for r in emu.requests] == [{"n": "9"}]


@pytest.mark.usefixtures("tracing")
async def test_many_large_requests_leave_the_memory_bounded(http: aiohttp.ClientSession) -> None:
    body = json.dumps({"phone_numbers": ["+12345678901"], "note": "x" * 200_000}).encode()
    headers = {"Authorization": KEY_A, "Content-Type": "application/json"}
    async with BlandEmulator(api_keys=[KEY_A], log_limit=10, log_body_limit=1_024) as emu:

        async def create() -> None:
            async with http.post(emu.url + POOLS, headers=headers, data=body) as resp:
                assert resp.status == 200

        await create()
        before = snapshot()

        for _ in range(100):  # 20 MB of bodies: a log that kept them would hold it all
            await create()

        held = held_since(before)
        assert len(emu.requests) == 10
        assert held < 2_000_000, f"{held:,} bytes held after 100 requests of 200 KB"


@pytest.mark.usefixtures("tracing")
async def test_reset_frees_what_the_stored_pools_held(http: aiohttp.ClientSession) -> None:
    async with BlandEmulator(api_keys=[KEY_A], log_limit=10, log_body_limit=1_024) as emu:
        await create_pool(emu, http, {"phone_numbers": ["+10000000000"]})
        before = snapshot()
        for pool in range(10):  # 20,000 numbers in all
            numbers = [f"+1{pool:04d}{n:06d}" for n in range(2_000)]
            await create_pool(emu, http, {"phone_numbers": numbers})
        loaded = held_since(before)

        emu.reset()

        left = held_since(before)
        assert loaded > 500_000, f"the pools hold only {loaded:,} bytes: nothing to free"
        assert left < loaded * 0.2, f"{left:,} of {loaded:,} bytes still held after reset()"


async def test_the_ghl_log_keeps_the_latest_log_limit_requests(
    http: aiohttp.ClientSession,
) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}", "Version": VERSION}
    async with GHLEmulator(tokens={TOKEN: [LOCATION]}, log_limit=3) as emu:
        for n in range(5):
            params = {"locationId": LOCATION, "n": str(n)}
            async with http.get(emu.url + GHL_POOLS, headers=headers, params=params) as resp:
                assert resp.status == 200

        assert [r.query["n"] for r in emu.requests] == ["2", "3", "4"]


async def test_the_ghl_log_keeps_a_large_body_by_its_size_only(
    http: aiohttp.ClientSession,
) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}", "Version": VERSION}
    body = {"note": "x" * 2_000}
    async with GHLEmulator(tokens={TOKEN: [LOCATION]}, log_body_limit=1_000) as emu:
        async with http.post(emu.url + GHL_POOLS, headers=headers, json=body) as resp:
            assert resp.status == 405  # the API lists only; the request is logged all the same

        (record,) = emu.requests
        assert (record.method, record.json, record.body_size) == (
            "POST",
            None,
            len(json.dumps(body)),
        )


@pytest.mark.parametrize(
    "make",
    [
        lambda: BlandEmulator(log_limit=-1),
        lambda: BlandEmulator(log_body_limit=1.5),  # type: ignore[arg-type]
        lambda: GHLEmulator(log_limit="10"),  # type: ignore[arg-type]
    ],
    ids=["negative", "float", "string"],
)
def test_a_log_bound_that_is_not_a_whole_number_is_refused(make: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="log_"):
        make()


# -- 7. the fault route checks its input ------------------------------------------------------

BAD_FAULTS: list[tuple[str, Any, str]] = [
    ("path-not-a-string", {"fault": "server_error", "path": 123}, "path"),
    ("slow-nan", b'{"fault": "slow", "slow_seconds": NaN}', "slow_seconds"),
    ("times-a-string", {"fault": "server_error", "times": "2"}, "times"),
    ("status-a-string", {"fault": "server_error", "status": "503"}, "status"),
    ("retry-after-negative", {"fault": "rate_limited", "retry_after": -5}, "retry_after"),
    ("retry-after-infinite", b'{"fault": "rate_limited", "retry_after": 1e400}', "retry_after"),
    ("slow-a-string", {"fault": "slow", "slow_seconds": "5"}, "slow_seconds"),
    ("unknown-field", {"fault": "server_error", "colour": "red"}, "colour"),
    ("missing-fault", {"times": 1}, "fault"),
    ("unknown-fault", {"fault": "meltdown"}, "fault"),
]


@pytest.mark.parametrize(
    ("body", "field"), [(b, f) for _, b, f in BAD_FAULTS], ids=[n for n, _, _ in BAD_FAULTS]
)
async def test_the_fault_route_refuses_a_bad_field_by_name_and_stages_nothing(
    bland: BlandEmulator, http: aiohttp.ClientSession, body: Any, field: str
) -> None:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with http.post(
        bland.url + "/_emulator/faults",
        data=data,
        headers={"Content-Type": "application/json"},
    ) as resp:
        assert resp.status == 400
        answer = await resp.json()

    assert set(answer) == {"error"}
    assert field in answer["error"]
    assert await list_pools(bland, http) == 200
    assert [(r.status, r.fault) for r in bland.requests] == [(200, None)]


BAD_INJECTIONS: list[tuple[str, dict[str, Any], str]] = [
    ("path-not-a-string", {"fault": Fault.SERVER_ERROR, "path": 123}, "path"),
    ("slow-nan", {"fault": Fault.SLOW, "slow_seconds": float("nan")}, "slow_seconds"),
    ("times-a-string", {"fault": Fault.SERVER_ERROR, "times": "2"}, "times"),
    ("status-a-string", {"fault": Fault.SERVER_ERROR, "status": "503"}, "status"),
    ("retry-after-negative", {"fault": Fault.RATE_LIMITED, "retry_after": -5}, "retry_after"),
    (
        "retry-after-infinite",
        {"fault": Fault.RATE_LIMITED, "retry_after": float("inf")},
        "retry_after",
    ),
    ("unknown-fault", {"fault": "meltdown"}, "fault"),
]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [(a, f) for _, a, f in BAD_INJECTIONS],
    ids=[n for n, _, _ in BAD_INJECTIONS],
)
async def test_inject_refuses_a_bad_argument_by_name_and_stages_nothing(
    bland: BlandEmulator, http: aiohttp.ClientSession, arguments: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValueError, match=field):
        bland.inject(**arguments)

    assert await list_pools(bland, http) == 200
    assert [(r.status, r.fault) for r in bland.requests] == [(200, None)]


async def test_a_good_fault_request_is_staged_once(
    bland: BlandEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.post(
        bland.url + "/_emulator/faults",
        json={"fault": "server_error", "times": 1, "method": "GET", "path": POOLS, "status": 503},
    ) as resp:
        assert resp.status == 200

    assert await list_pools(bland, http, 1) == 503
    assert await list_pools(bland, http, 2) == 200
    assert [(r.status, r.fault) for r in bland.requests] == [(503, "server_error"), (200, None)]


async def test_a_good_rate_limit_request_sends_its_retry_after(
    bland: BlandEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.post(
        bland.url + "/_emulator/faults", json={"fault": "rate_limited", "retry_after": 2.5}
    ) as resp:
        assert resp.status == 200

    async with http.get(bland.url + POOLS, headers={"Authorization": KEY_A}) as resp:
        assert resp.status == 429
        assert resp.headers["Retry-After"] == "2.5"

"""The GoHighLevel emulator against the docs (seed 003) and DESIGN.md: the camelCase list,
auth, ``Version``, ``locationId`` format, 403, and the rate-limit headers and 429."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDictProxy

from ghl_pools.testing import GHLEmulator
from pools_core._headers import parse_rate_limit_headers

from .conftest import LOCATION, OTHER_LOCATION, OTHER_TOKEN, SECOND_LOCATION, TOKEN, VERSION

PATH = "/phone-system/number-pools"
RATE_HEADERS = (
    "X-RateLimit-Max",
    "X-RateLimit-Remaining",
    "X-RateLimit-Interval-Milliseconds",
    "X-RateLimit-Limit-Daily",
    "X-RateLimit-Daily-Remaining",
)
#: The docs' example pool (seed 003), as the SDK's tests read it from their fixture.
DOC_POOL: dict[str, Any] = json.loads(
    (Path(__file__).parent.parent / "fixtures" / "ghl" / "list_success.json").read_bytes()
)["data"][0]
INVALID_LOCATION = {
    "message": "Invalid locationId format",
    "error": "Bad Request",
    "statusCode": 400,
}


async def call(
    http: aiohttp.ClientSession,
    emu: GHLEmulator,
    *,
    location: str | None = None,
    token: str | None = TOKEN,
    version: str | None = VERSION,
    authorization: str | None = None,
) -> tuple[int, CIMultiDictProxy[str], bytes]:
    headers = {"Accept": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    elif token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if version is not None:
        headers["Version"] = version
    params = {"locationId": location} if location is not None else None
    async with http.get(emu.url + PATH, headers=headers, params=params) as resp:
        return resp.status, resp.headers, await resp.read()


def json_of(body: bytes) -> Any:
    return json.loads(body)


async def test_list_answers_the_documented_shape(
    ghl: GHLEmulator, http: aiohttp.ClientSession
) -> None:
    stored = ghl.add_pool(
        SECOND_LOCATION,
        pool_id=DOC_POOL["id"],
        name="Sales Team Pool",
        numbers=[("+14155552671", "Sales Line 1")],
        forwarding_number="+14155552671",
        whisper=True,
        whisperMessage="Incoming call from sales line",  # camelCase works too
        call_recording=True,
        inbound_call_service={"type": "voice_ai", "value": "68e381b296a83800a27cd1"},
    )
    assert stored == DOC_POOL
    status, headers, body = await call(http, ghl, location=SECOND_LOCATION)
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert json_of(body) == {"success": True, "data": [DOC_POOL], "total": 1}


async def test_without_location_the_tokens_own_is_listed(
    ghl: GHLEmulator, http: aiohttp.ClientSession
) -> None:
    samples = ghl.seed_samples(LOCATION)
    ghl.add_pool(SECOND_LOCATION, name="elsewhere")
    status, _, body = await call(http, ghl)
    assert status == 200
    assert json_of(body) == {"success": True, "data": samples, "total": 3}
    assert [p["name"] for p in samples] == ["Sales Team Pool", "Support Pool", "Spring Campaign"]
    assert all(p["locationId"] == LOCATION for p in samples)


async def test_an_empty_location_lists_nothing(
    ghl: GHLEmulator, http: aiohttp.ClientSession
) -> None:
    status, _, body = await call(http, ghl, location=SECOND_LOCATION)
    assert (status, json_of(body)) == (200, {"success": True, "data": [], "total": 0})


async def test_add_pool_defaults(ghl: GHLEmulator) -> None:
    pool = ghl.add_pool(LOCATION, name="Minimal")
    assert len(pool["id"]) == 20
    assert pool["id"].isalnum()
    assert pool == {
        "id": pool["id"],
        "name": "Minimal",
        "locationId": LOCATION,
        "numbers": [],
        "whisper": False,
        "callRecording": False,
        "isActive": True,
        "inboundCallService": None,
    }
    ghl.pools(LOCATION)[0]["numbers"].append({"phoneNumber": "x"})
    assert ghl.pools(LOCATION)[0]["numbers"] == []


# -- auth, Version, locationId, 403 ------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer", "Bearer wrong", TOKEN, f"Basic {TOKEN}"]
)
async def test_unauthorized_has_no_body(
    ghl: GHLEmulator, http: aiohttp.ClientSession, authorization: str | None
) -> None:
    ghl.seed_samples()
    status, headers, body = await call(http, ghl, token=None, authorization=authorization)
    assert (status, body) == (401, b"")
    assert all(name in headers for name in RATE_HEADERS)


async def test_the_bearer_scheme_is_case_insensitive(
    ghl: GHLEmulator, http: aiohttp.ClientSession
) -> None:
    status, _, _ = await call(http, ghl, authorization=f"bearer {TOKEN}")
    assert status == 200


@pytest.mark.parametrize("version", ["2021-07-28", "v3"])
async def test_both_versions_are_accepted(
    ghl: GHLEmulator, http: aiohttp.ClientSession, version: str
) -> None:
    assert (await call(http, ghl, version=version))[0] == 200


@pytest.mark.parametrize(
    ("version", "message"),
    [
        (None, "Version header is required"),
        ("2021-04-15", "Unsupported Version header '2021-04-15'; use 2021-07-28 or v3"),
        ("V3", "Unsupported Version header 'V3'; use 2021-07-28 or v3"),
    ],
)
async def test_a_missing_or_unknown_version_is_a_bad_request(
    ghl: GHLEmulator, http: aiohttp.ClientSession, version: str | None, message: str
) -> None:
    status, _, body = await call(http, ghl, version=version)
    assert status == 400
    assert json_of(body) == {"message": message, "error": "Bad Request", "statusCode": 400}


@pytest.mark.parametrize(
    "location", ["", "bad id", "loc.123", "loc/123", "é" * 3, "a" * 129, "x\n", "loc%20"]
)
async def test_an_invalid_location_format_is_the_documented_400(
    ghl: GHLEmulator, http: aiohttp.ClientSession, location: str
) -> None:
    status, _, body = await call(http, ghl, location=location)
    assert (status, json_of(body)) == (400, INVALID_LOCATION)


@pytest.mark.parametrize("location", ["a", "A-b_9", "z" * 128])
async def test_valid_location_formats_pass_the_format_check(
    ghl: GHLEmulator, http: aiohttp.ClientSession, location: str
) -> None:
    # Well formed but not this token's: forbidden, not a bad request.
    assert (await call(http, ghl, location=location))[0] == 403


async def test_a_location_the_token_may_not_see_is_forbidden_without_body(
    ghl: GHLEmulator, http: aiohttp.ClientSession
) -> None:
    ghl.seed_samples(OTHER_LOCATION)
    status, headers, body = await call(http, ghl, location=OTHER_LOCATION)
    assert (status, body) == (403, b"")
    assert all(name in headers for name in RATE_HEADERS)
    status, _, body = await call(http, ghl, token=OTHER_TOKEN, location=OTHER_LOCATION)
    assert status == 200
    assert json_of(body)["total"] == 3
    assert (await call(http, ghl, token=OTHER_TOKEN, location=LOCATION))[0] == 403


# -- rate limit --------------------------------------------------------------------------------


async def test_every_answer_carries_the_rate_limit_headers(http: aiohttp.ClientSession) -> None:
    async with GHLEmulator(tokens={TOKEN: [LOCATION]}, rate_limit=3) as ghl:
        answers = [
            await call(http, ghl),  # 200
            await call(http, ghl, version=None),  # 400
            await call(http, ghl, location="elsewhere"),  # 403
            await call(http, ghl, token="unknown"),  # 401
            await call(http, ghl),  # 200
            await call(http, ghl),  # 429
        ]
    assert [a[0] for a in answers] == [200, 400, 403, 401, 200, 429]
    for _, headers, _ in answers:
        assert all(name in headers for name in RATE_HEADERS)


async def test_the_burst_limit_answers_429_per_token_and_location(
    http: aiohttp.ClientSession,
) -> None:
    tokens = {TOKEN: [LOCATION, SECOND_LOCATION], OTHER_TOKEN: [LOCATION]}
    async with GHLEmulator(tokens=tokens, rate_limit=3, rate_interval=60.0) as ghl:
        remaining = []
        for _ in range(3):
            status, headers, _ = await call(http, ghl)
            assert status == 200
            remaining.append(headers["X-RateLimit-Remaining"])
        assert remaining == ["2", "1", "0"]
        status, headers, body = await call(http, ghl)
        assert status == 429
        assert json_of(body) == {
            "message": "Too Many Requests",
            "error": "Too Many Requests",
            "statusCode": 429,
        }
        assert "Retry-After" not in headers  # GoHighLevel documents none
        info = parse_rate_limit_headers(headers)
        assert info is not None
        assert (info.limit, info.remaining, info.interval) == (3, 0, 60.0)
        assert (info.daily_limit, info.daily_remaining) == (200_000, 200_000 - 3)
        # Another location of the same token, and another token, have their own windows.
        assert (await call(http, ghl, location=SECOND_LOCATION))[0] == 200
        assert (await call(http, ghl, token=OTHER_TOKEN))[0] == 200


async def test_the_window_slides(http: aiohttp.ClientSession) -> None:
    async with GHLEmulator(tokens={TOKEN: [LOCATION]}, rate_limit=2, rate_interval=0.2) as ghl:
        assert [(await call(http, ghl))[0] for _ in range(3)] == [200, 200, 429]
        status, headers, _ = await call(http, ghl)
        assert headers["X-RateLimit-Interval-Milliseconds"] == "200"
        await asyncio.sleep(0.25)
        status, headers, _ = await call(http, ghl)
        assert status == 200
        assert headers["X-RateLimit-Remaining"] == "1"


async def test_the_daily_limit(http: aiohttp.ClientSession) -> None:
    async with GHLEmulator(tokens={TOKEN: [LOCATION]}, daily_limit=2) as ghl:
        statuses = [(await call(http, ghl))[0] for _ in range(3)]
        _, headers, _ = await call(http, ghl)
    assert statuses == [200, 200, 429]
    assert headers["X-RateLimit-Limit-Daily"] == "2"
    assert headers["X-RateLimit-Daily-Remaining"] == "0"
    assert headers["X-RateLimit-Remaining"] == "98"


def test_construction_checks() -> None:
    emu = GHLEmulator()
    assert (emu.token, emu.location_id) == ("ghl-emulator-token", "ve9EPM428h8vShlRW1KT")
    assert GHLEmulator(tokens={"t": ["a", "b"]}).location_id == "a"
    with pytest.raises(ValueError, match="location ids"):
        GHLEmulator(tokens={"t": []})
    with pytest.raises(ValueError, match="location ids"):
        GHLEmulator(tokens={"t": ["bad id"]})
    with pytest.raises(TypeError):
        GHLEmulator(tokens={"t": "loc"})
    with pytest.raises(ValueError, match="rate_limit"):
        GHLEmulator(rate_limit=0)

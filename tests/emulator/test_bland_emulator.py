"""The Bland emulator, route by route, against the docs (seeds 000-002): envelopes, every
documented error code and message, update semantics, credentials and tenant isolation."""

from __future__ import annotations

import email.utils
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from bland_pools.testing import BlandEmulator

from .conftest import CRED_A, CRED_B, KEY_A, KEY_B

POOLS = "/v1/custom-dialing-pools"
DOC_NUMBERS = ["+12345678901", "+19876543210", "+15551234567"]
MISSING_ID = "550e8400-e29b-41d4-a716-446655440009"
CREATED_AT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")

# The docs' error bodies, verbatim.
POOL_NOT_FOUND = {
    "status": "error",
    "data": None,
    "errors": [{"error": "POOL_NOT_FOUND", "message": "Geospatial dialing pool not found"}],
}
INVALID_POOL_ID = {
    "status": "error",
    "data": None,
    "errors": [{"error": "INVALID_POOL_ID", "message": "Pool ID must be a valid UUID"}],
}
UNAUTHORIZED = {
    "status": "error",
    "data": None,
    "errors": [{"error": "UNAUTHORIZED", "message": "Invalid API key or insufficient permissions"}],
}
INVALID_PHONE_NUMBERS = {
    "status": "error",
    "data": None,
    "errors": [
        {
            "error": "INVALID_PHONE_NUMBERS",
            "message": "All phone numbers must be valid US numbers with +1 prefix",
        }
    ],
}
INVALID_CREDENTIALS = {
    "status": "error",
    "data": None,
    "errors": [
        {
            "error": "INVALID_CREDENTIALS",
            "message": "Twilio credentials not found or do not belong to your account",
        }
    ],
}


async def call(
    http: aiohttp.ClientSession,
    emu: BlandEmulator,
    method: str,
    path: str,
    *,
    key: str | None = KEY_A,
    json: Any = None,
    data: bytes | None = None,
) -> tuple[int, Any]:
    headers = {"authorization": key} if key is not None else {}
    async with http.request(method, emu.url + path, headers=headers, json=json, data=data) as resp:
        return resp.status, await resp.json()


def success(data: Any) -> dict[str, Any]:
    return {"status": "success", "data": data, "errors": None}


async def create(
    http: aiohttp.ClientSession, emu: BlandEmulator, numbers: list[str], **extra: Any
) -> dict[str, Any]:
    status, body = await call(http, emu, "POST", POOLS, json={"phone_numbers": numbers, **extra})
    assert status == 200, body
    pool: dict[str, Any] = body["data"]
    return pool


# -- create ----------------------------------------------------------------------------------


async def test_create_answers_the_documented_pool(
    bland: BlandEmulator, http: aiohttp.ClientSession
) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    status, body = await call(
        http, bland, "POST", POOLS, json={"phone_numbers": DOC_NUMBERS, "encrypted_key": CRED_A}
    )
    assert status == 200
    assert body["status"] == "success"
    assert body["errors"] is None
    pool = body["data"]
    assert set(pool) == {"id", "owner_id", "phone_numbers", "encrypted_key", "created_at"}
    assert uuid.UUID(pool["id"]).version == 4
    assert pool["owner_id"] == str(uuid.uuid5(uuid.NAMESPACE_URL, f"bland-emulator:{KEY_A}"))
    assert pool["owner_id"] == bland.owner_id(KEY_A)
    assert pool["phone_numbers"] == DOC_NUMBERS
    assert pool["encrypted_key"] == CRED_A
    assert CREATED_AT.fullmatch(pool["created_at"])
    created = datetime.strptime(pool["created_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before <= created <= datetime.now(UTC)
    assert bland.pools(KEY_A) == [pool]


async def test_create_without_or_with_null_key_has_no_credentials(
    bland: BlandEmulator, http: aiohttp.ClientSession
) -> None:
    assert (await create(http, bland, ["+12345678901"]))["encrypted_key"] is None
    assert (await create(http, bland, ["+12345678902"], encrypted_key=None))[
        "encrypted_key"
    ] is None


async def test_owner_id_is_stable_per_key(http: aiohttp.ClientSession) -> None:
    async with BlandEmulator(api_keys=[KEY_A]) as first, BlandEmulator(api_keys=[KEY_A]) as second:
        assert (await create(http, first, ["+12345678901"]))["owner_id"] == (
            await create(http, second, ["+12345678901"])
        )["owner_id"]


@pytest.mark.parametrize(
    "numbers",
    [
        ["+1234567890"],  # 11 characters
        ["+123456789012"],  # 13 characters
        ["+22345678901"],  # not +1
        ["12345678901"],  # no +
        ["+1234567890a"],
        ["+1234567890\u0661"],  # an Arabic-Indic digit
        ["+1 2345678901"],
        [12345678901],
        [None],
        [],  # a pool needs a number
        ["+12345678901", "+12345678901"],  # listed twice
        ["+12345678901", "bad"],
        "+12345678901",  # not a list
        {"+12345678901": True},
    ],
)
async def test_create_refuses_bad_numbers(
    bland: BlandEmulator, http: aiohttp.ClientSession, numbers: Any
) -> None:
    status, body = await call(http, bland, "POST", POOLS, json={"phone_numbers": numbers})
    assert (status, body) == (400, INVALID_PHONE_NUMBERS)
    assert bland.pools(KEY_A) == []


async def test_create_accepts_the_docs_555_number(
    bland: BlandEmulator, http: aiohttp.ClientSession
) -> None:
    assert (await create(http, bland, ["+15551234567"]))["phone_numbers"] == ["+15551234567"]


@pytest.mark.parametrize(
    "key",
    [
        "550e8400-e29b-41d4-a716-446655440099",  # a UUID, but no credentials of this org
        CRED_B,  # another organization's credentials
        "not-a-uuid",
        12345,
        "",
    ],
)
async def test_create_refuses_unknown_credentials(
    bland: BlandEmulator, http: aiohttp.ClientSession, key: Any
) -> None:
    status, body = await call(
        http, bland, "POST", POOLS, json={"phone_numbers": ["+12345678901"], "encrypted_key": key}
    )
    assert (status, body) == (400, INVALID_CREDENTIALS)
    assert bland.pools(KEY_A) == []


async def test_credentials_match_in_any_case(
    bland: BlandEmulator, http: aiohttp.ClientSession
) -> None:
    pool = await create(http, bland, ["+12345678901"], encrypted_key=CRED_A.upper())
    assert pool["encrypted_key"] == CRED_A.upper()


async def test_added_credentials_become_usable(
    bland: BlandEmulator, http: aiohttp.ClientSession
) -> None:
    new = str(uuid.uuid4())
    bland.add_credentials(KEY_A, new)
    assert (await create(http, bland, ["+12345678901"], encrypted_key=new))["encrypted_key"] == new
    with pytest.raises(ValueError, match="UUID"):
        bland.add_credentials(KEY_A, "nope")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "The request body must be a JSON object"),
        (b"", "The request body must be a JSON object"),
        (b'["+12345678901"]', "The request body must be a JSON object"),
        (b'{"numbers": ["+12345678901"]}', "phone_numbers is required"),
    ],
)
async def test_create_refuses_a_malformed_body(
    bland: BlandEmulator, http: aiohttp.ClientSession, data: bytes, message: str
) -> None:
    status, body = await call(http, bland, "POST", POOLS, data=data)
    assert status == 400
    assert body == {
        "status": "error",
        "data": None,
        "errors": [{"error": "INVALID_REQUEST", "message": message}],
    }


# -- list and get ------------------------------------------------------------------------------


async def test_list_is_the_envelope_with_an_array(
    bland: BlandEmulator, http: aiohttp.ClientSession
) -> None:
    assert await call(http, bland, "GET", POOLS) == (200, success([]))
    first = await create(http, bland, ["+12345678901"])
    second = await create(http, bland, ["+12345678902"])
    assert await call(http, bland, "GET", POOLS) == (200, success([first, second]))


async def test_get_answers_the_pool(bland: BlandEmulator, http: aiohttp.ClientSession) -> None:
    pool = await create(http, bland, DOC_NUMBERS, encrypted_key=CRED_A)
    assert await call(http, bland, "GET", f"{POOLS}/{pool['id']}") == (200, success(pool))
    # A UUID is a UUID in either case.
    assert await call(http, bland, "GET", f"{POOLS}/{pool['id'].upper()}") == (200, success(pool))


@pytest.mark.parametrize("pool_id", ["not-a-uuid", "550e8400e29b41d4a716446655440001", "123"])
async def test_get_refuses_a_pool_id_that_is_not_a_uuid(
    bland: BlandEmulator, http: aiohttp.ClientSession, pool_id: str
) -> None:
    assert await call(http, bland, "GET", f"{POOLS}/{pool_id}") == (400, INVALID_POOL_ID)


async def test_get_of_an_unknown_pool_is_not_found(
    bland: BlandEmulator, http: aiohttp.ClientSession
) -> None:
    assert await call(http, bland, "GET", f"{POOLS}/{MISSING_ID}") == (404, POOL_NOT_FOUND)


# -- update ------------------------------------------------------------------------------------


async def test_update_replaces_every_number(
    bland: BlandEmulator, http: aiohttp.ClientSession
) -> None:
    pool = await create(http, bland, DOC_NUMBERS, encrypted_key=CRED_A)
    new_numbers = ["+17775551234", "+19876543210"]
    status, body = await call(
        http, bland, "POST", f"{POOLS}/{pool['id']}/update", json={"phone_numbers": new_numbers}
    )
    assert status == 200
    assert body == success({**pool, "phone_numbers": new_numbers})  # key kept: omitted
    assert bland.pools(KEY_A) == [body["data"]]


async def test_update_with_null_key_removes_the_credentials(
    bland: BlandEmulator, http: aiohttp.ClientSession
) -> None:
    pool = await create(http, bland, DOC_NUMBERS, encrypted_key=CRED_A)
    status, body = await call(
        http,
        bland,
        "POST",
        f"{POOLS}/{pool['id']}/update",
        json={"phone_numbers": ["+12345678901", "+19876543210"], "encrypted_key": None},
    )
    assert status == 200
    assert body["data"]["encrypted_key"] is None
    assert bland.pools(KEY_A)[0]["encrypted_key"] is None


async def test_update_sets_known_credentials_and_refuses_unknown(
    bland: BlandEmulator, http: aiohttp.ClientSession
) -> None:
    pool = await create(http, bland, ["+12345678901"])
    path = f"{POOLS}/{pool['id']}/update"
    body = {"phone_numbers": ["+12345678901"], "encrypted_key": CRED_A}
    assert (await call(http, bland, "POST", path, json=body))[1]["data"]["encrypted_key"] == CRED_A
    for bad in (CRED_B, "not-a-uuid", str(uuid.uuid4())):
        refused = {"phone_numbers": ["+19999999999"], "encrypted_key": bad}
        assert await call(http, bland, "POST", path, json=refused) == (400, INVALID_CREDENTIALS)
    assert bland.pools(KEY_A)[0]["phone_numbers"] == ["+12345678901"]  # nothing applied


async def test_update_refuses_bad_numbers_and_keeps_the_pool(
    bland: BlandEmulator, http: aiohttp.ClientSession
) -> None:
    pool = await create(http, bland, DOC_NUMBERS)
    for numbers in ([], ["+1555"], ["+12345678901", "+12345678901"]):
        answer = await call(
            http, bland, "POST", f"{POOLS}/{pool['id']}/update", json={"phone_numbers": numbers}
        )
        assert answer == (400, INVALID_PHONE_NUMBERS)
    assert bland.pools(KEY_A) == [pool]


async def test_update_errors(bland: BlandEmulator, http: aiohttp.ClientSession) -> None:
    body = {"phone_numbers": ["+12345678901"]}
    assert await call(http, bland, "POST", f"{POOLS}/nope/update", json=body) == (
        400,
        INVALID_POOL_ID,
    )
    assert await call(http, bland, "POST", f"{POOLS}/{MISSING_ID}/update", json=body) == (
        404,
        POOL_NOT_FOUND,
    )
    status, answer = await call(http, bland, "POST", f"{POOLS}/{MISSING_ID}/update", data=b"x")
    assert status == 400
    assert answer["errors"][0]["error"] == "INVALID_REQUEST"


# -- auth and tenancy --------------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, "", "wrong-key", f"Bearer {KEY_A}", KEY_A.upper()])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", POOLS),
        ("POST", POOLS),
        ("GET", f"{POOLS}/{MISSING_ID}"),
        ("GET", f"{POOLS}/not-a-uuid"),
        ("POST", f"{POOLS}/{MISSING_ID}/update"),
    ],
)
async def test_every_route_needs_a_known_bare_key(
    bland: BlandEmulator, http: aiohttp.ClientSession, key: str | None, method: str, path: str
) -> None:
    body = {"phone_numbers": ["+12345678901"]} if method == "POST" else None
    assert await call(http, bland, method, path, key=key, json=body) == (401, UNAUTHORIZED)
    assert bland.pools(KEY_A) == []


async def test_organizations_never_see_each_other(
    bland: BlandEmulator, http: aiohttp.ClientSession
) -> None:
    pool_a = await create(http, bland, ["+12345678901"], encrypted_key=CRED_A)
    _, body = await call(
        http, bland, "POST", POOLS, key=KEY_B, json={"phone_numbers": ["+12345678902"]}
    )
    pool_b = body["data"]
    assert pool_a["owner_id"] != pool_b["owner_id"]
    assert await call(http, bland, "GET", POOLS, key=KEY_B) == (200, success([pool_b]))
    assert await call(http, bland, "GET", f"{POOLS}/{pool_a['id']}", key=KEY_B) == (
        404,
        POOL_NOT_FOUND,
    )
    update = {"phone_numbers": ["+19999999999"]}
    assert await call(
        http, bland, "POST", f"{POOLS}/{pool_a['id']}/update", key=KEY_B, json=update
    ) == (404, POOL_NOT_FOUND)
    assert bland.pools(KEY_A) == [pool_a]
    assert bland.pools(KEY_B) == [pool_b]


# -- HTTP details ------------------------------------------------------------------------------


async def test_answers_carry_a_date_header(
    bland: BlandEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.get(bland.url + POOLS, headers={"authorization": KEY_A}) as resp:
        server = email.utils.parsedate_to_datetime(resp.headers["Date"])
    assert abs(server - datetime.now(UTC)) < timedelta(seconds=5)


async def test_unknown_routes_and_methods(
    bland: BlandEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.get(bland.url + "/v1/nothing-here") as resp:
        assert resp.status == 404
    async with http.put(f"{bland.url}{POOLS}/{MISSING_ID}") as resp:
        assert resp.status == 405  # no PUT: updates are POST .../update


# -- seeding -----------------------------------------------------------------------------------


async def test_seeded_pools_are_served(bland: BlandEmulator, http: aiohttp.ClientSession) -> None:
    when = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
    seeded = bland.add_pool(
        KEY_A, DOC_NUMBERS, CRED_B, pool_id="550e8400-e29b-41d4-a716-446655440001", created_at=when
    )
    assert seeded == {
        "id": "550e8400-e29b-41d4-a716-446655440001",
        "owner_id": bland.owner_id(KEY_A),
        "phone_numbers": DOC_NUMBERS,
        "encrypted_key": CRED_B,
        "created_at": "2024-01-15T10:30:00Z",
    }
    samples = bland.seed_samples(KEY_B)
    assert len(samples) == 3
    assert all(CREATED_AT.fullmatch(p["created_at"]) for p in samples)
    assert await call(http, bland, "GET", POOLS, key=KEY_B) == (200, success(samples))
    assert await call(http, bland, "GET", POOLS) == (200, success([seeded]))
    # The seeded pool's key became a known credential of org A.
    assert (await create(http, bland, ["+12345678901"], encrypted_key=CRED_B))["encrypted_key"]


async def test_pools_returns_copies(bland: BlandEmulator) -> None:
    bland.add_pool(KEY_A, ["+12345678901"])
    bland.pools(KEY_A)[0]["phone_numbers"].append("+19999999999")
    assert bland.pools(KEY_A)[0]["phone_numbers"] == ["+12345678901"]


def test_construction_checks() -> None:
    assert BlandEmulator().api_key == "bland-emulator-key"
    assert BlandEmulator(api_keys=["k1", "k2"]).api_key == "k1"
    with pytest.raises(TypeError):
        BlandEmulator(api_keys="k1")
    with pytest.raises(ValueError, match="at least one"):
        BlandEmulator(api_keys=[])
    with pytest.raises(ValueError, match="UUID"):
        BlandEmulator(api_keys={"k1": ["nope"]})
    with pytest.raises(KeyError, match="no API key"):
        BlandEmulator(api_keys=["k1"]).pools("k2")
    with pytest.raises(RuntimeError, match="not running"):
        _ = BlandEmulator().url

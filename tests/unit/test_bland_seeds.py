"""The Bland docs' own JSON examples (tests/fixtures/bland) decode to the documented model or
raise the documented error: I/O-free through ``decode_pool`` / ``unwrap``, and a few end to end
through the client."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from aioresponses import aioresponses

import bland_pools
import pools_core
from bland_pools import AsyncBlandClient, DialingPool
from bland_pools._protocol import decode_pool, decode_pools, unwrap
from pools_core import ErrorDetail

from ._support import (
    FIXTURES,
    KEY_ID,
    OWNER_ID,
    POOL_ID,
    POOLS_URL,
    SEED_CREATED_AT,
    fixture_bytes,
    fixture_json,
    pool_url,
    response,
    sent,
    update_url,
)

SUCCESS_SEEDS = ["bland/get_success.json", "bland/create_success.json", "bland/update_success.json"]

# (fixture, class, code, message) for every documented error example.
ERROR_SEEDS = [
    (
        "bland/get_pool_not_found.json",
        bland_pools.PoolNotFoundError,
        "POOL_NOT_FOUND",
        "Geospatial dialing pool not found",
    ),
    (
        "bland/get_invalid_pool_id.json",
        bland_pools.InvalidPoolIdError,
        "INVALID_POOL_ID",
        "Pool ID must be a valid UUID",
    ),
    (
        "bland/get_unauthorized.json",
        bland_pools.AuthenticationError,
        "UNAUTHORIZED",
        "Invalid API key or insufficient permissions",
    ),
    (
        "bland/create_invalid_phone_numbers.json",
        bland_pools.InvalidPhoneNumbersError,
        "INVALID_PHONE_NUMBERS",
        "All phone numbers must be valid US numbers with +1 prefix",
    ),
    (
        "bland/create_invalid_credentials.json",
        bland_pools.InvalidCredentialsError,
        "INVALID_CREDENTIALS",
        "Twilio credentials not found or do not belong to your account",
    ),
    (
        "bland/update_pool_not_found.json",
        bland_pools.PoolNotFoundError,
        "POOL_NOT_FOUND",
        "Geospatial dialing pool not found",
    ),
    (
        "bland/update_invalid_phone_numbers.json",
        bland_pools.InvalidPhoneNumbersError,
        "INVALID_PHONE_NUMBERS",
        "All phone numbers must be valid US numbers with +1 prefix",
    ),
    (
        "bland/update_invalid_credentials.json",
        bland_pools.InvalidCredentialsError,
        "INVALID_CREDENTIALS",
        "Twilio credentials not found or do not belong to your account",
    ),
]

# Bland documents no HTTP statuses: the same body maps to the same class in a 200 envelope and
# with any plausible error status.
ERROR_STATUSES = [200, 400, 401, 403, 404, 422, 500]


def _expected_numbers(seed: str) -> tuple[str, ...]:
    return tuple(fixture_json(seed)["data"]["phone_numbers"])


@pytest.mark.parametrize("seed", SUCCESS_SEEDS)
def test_documented_success_decodes_every_field(seed: str) -> None:
    pool = decode_pool(response(200, fixture_bytes(seed)))

    assert isinstance(pool, DialingPool)
    assert pool.id == POOL_ID
    assert pool.owner_id == OWNER_ID
    assert pool.phone_numbers == _expected_numbers(seed)
    assert isinstance(pool.phone_numbers, tuple)
    assert pool.encrypted_key == KEY_ID
    assert pool.created_at == SEED_CREATED_AT


@pytest.mark.parametrize("seed", SUCCESS_SEEDS)
def test_documented_created_at_is_timezone_aware_utc(seed: str) -> None:
    pool = decode_pool(response(200, fixture_bytes(seed)))

    assert pool.created_at.tzinfo is not None
    assert pool.created_at.utcoffset() == UTC.utcoffset(None)
    assert pool.created_at == datetime(2024, 1, 15, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize("seed", SUCCESS_SEEDS)
def test_documented_success_keeps_the_server_object_in_raw(seed: str) -> None:
    pool = decode_pool(response(200, fixture_bytes(seed)))

    assert pool.raw == fixture_json(seed)["data"]


def test_raw_is_left_out_of_equality_and_repr() -> None:
    seed = fixture_json("bland/get_success.json")
    pool = decode_pool(response(200, seed))
    seed["data"]["region"] = "us-east"
    other = decode_pool(response(200, seed))

    assert pool == other
    assert "region" not in repr(other)
    assert "raw" not in repr(other)


def test_unknown_extra_field_is_tolerated_and_reachable_in_raw() -> None:
    body = fixture_json("bland/get_success.json")
    body["data"]["dialing_strategy"] = {"type": "custom_pooling", "pool_id": POOL_ID}
    body["request_id"] = "abc"

    pool = decode_pool(response(200, body))

    assert pool.id == POOL_ID
    assert pool.raw["dialing_strategy"] == {"type": "custom_pooling", "pool_id": POOL_ID}


def test_null_encrypted_key_decodes_to_none() -> None:
    body = fixture_json("bland/get_success.json")
    body["data"]["encrypted_key"] = None

    assert decode_pool(response(200, body)).encrypted_key is None


def test_missing_encrypted_key_decodes_to_none() -> None:
    body = fixture_json("bland/get_success.json")
    del body["data"]["encrypted_key"]

    assert decode_pool(response(200, body)).encrypted_key is None


def test_unwrap_returns_the_envelope_data() -> None:
    data = unwrap(response(200, fixture_bytes("bland/get_success.json")))

    assert data == fixture_json("bland/get_success.json")["data"]


def test_list_envelope_of_the_same_pool_objects_decodes_to_a_list() -> None:
    pools_json = [fixture_json(seed)["data"] for seed in SUCCESS_SEEDS]
    body = {"status": "success", "data": pools_json, "errors": None}

    pools = decode_pools(response(200, body))

    assert [p.phone_numbers for p in pools] == [_expected_numbers(s) for s in SUCCESS_SEEDS]
    assert [p.raw for p in pools] == pools_json


def test_empty_list_envelope_decodes_to_an_empty_list() -> None:
    assert decode_pools(response(200, {"status": "success", "data": [], "errors": None})) == []


def test_documented_call_usage_refers_to_the_pool_id() -> None:
    call = fixture_json("bland/call_with_custom_dialing.json")
    pool = decode_pool(response(200, fixture_bytes("bland/create_success.json")))

    assert call["custom_dialing"] == pool.id


@pytest.mark.parametrize("status", ERROR_STATUSES)
@pytest.mark.parametrize(("seed", "cls", "code", "message"), ERROR_SEEDS)
def test_documented_error_raises_its_class_with_what_the_server_said(
    seed: str, cls: type[bland_pools.APIError], code: str, message: str, status: int
) -> None:
    with pytest.raises(cls) as caught:
        decode_pool(response(status, fixture_bytes(seed)))

    err = caught.value
    assert type(err) is cls
    assert err.code == code
    assert err.message == message
    assert err.status == status
    assert err.errors == (ErrorDetail(code=code, message=message),)
    assert err.body == fixture_json(seed)
    assert message in str(err)


@pytest.mark.parametrize(("seed", "cls", "code", "message"), ERROR_SEEDS)
def test_documented_error_is_raised_by_unwrap_and_decode_pools_too(
    seed: str, cls: type[bland_pools.APIError], code: str, message: str
) -> None:
    with pytest.raises(cls, match=re.escape(message)):
        unwrap(response(200, fixture_bytes(seed)))
    with pytest.raises(cls, match=re.escape(message)):
        decode_pools(response(200, fixture_bytes(seed)))


@pytest.mark.parametrize(("seed", "cls", "code", "message"), ERROR_SEEDS)
def test_documented_error_is_both_a_bland_and_a_core_error(
    seed: str, cls: type[bland_pools.APIError], code: str, message: str
) -> None:
    with pytest.raises(cls) as caught:
        decode_pool(response(200, fixture_bytes(seed)))

    assert isinstance(caught.value, bland_pools.BlandError)
    assert isinstance(caught.value, pools_core.APIError)


def test_pool_not_found_is_a_not_found_error_of_both_packages() -> None:
    with pytest.raises(bland_pools.NotFoundError) as caught:
        decode_pool(response(200, fixture_bytes("bland/get_pool_not_found.json")))

    assert isinstance(caught.value, pools_core.NotFoundError)


@pytest.mark.parametrize(
    "cls",
    [
        bland_pools.InvalidPoolIdError,
        bland_pools.InvalidPhoneNumbersError,
        bland_pools.InvalidCredentialsError,
    ],
)
def test_invalid_input_errors_are_bad_request_errors(cls: type[Exception]) -> None:
    assert issubclass(cls, bland_pools.BadRequestError)
    assert issubclass(cls, pools_core.BadRequestError)


# -- end to end through the client ---------------------------------------------------------


async def test_client_get_decodes_the_documented_success(
    mock_http: aioresponses, bland: AsyncBlandClient
) -> None:
    mock_http.get(pool_url(), body=fixture_bytes("bland/get_success.json"))

    pool = await bland.pools.get(POOL_ID)

    assert pool == decode_pool(response(200, fixture_bytes("bland/get_success.json")))
    assert pool.raw == fixture_json("bland/get_success.json")["data"]


async def test_client_create_decodes_the_documented_success(
    mock_http: aioresponses, bland: AsyncBlandClient
) -> None:
    mock_http.post(POOLS_URL, body=fixture_bytes("bland/create_success.json"))

    pool = await bland.pools.create(_expected_numbers("bland/create_success.json"))

    assert pool.id == POOL_ID
    assert pool.created_at == SEED_CREATED_AT


async def test_client_update_decodes_the_documented_success(
    mock_http: aioresponses, bland: AsyncBlandClient
) -> None:
    mock_http.post(update_url(), body=fixture_bytes("bland/update_success.json"))

    pool = await bland.pools.update(POOL_ID, _expected_numbers("bland/update_success.json"))

    assert pool.phone_numbers == _expected_numbers("bland/update_success.json")


@pytest.mark.parametrize("status", [200, 404])
async def test_client_get_raises_pool_not_found_from_the_documented_body(
    mock_http: aioresponses, bland: AsyncBlandClient, status: int
) -> None:
    mock_http.get(pool_url(), status=status, body=fixture_bytes("bland/get_pool_not_found.json"))

    with pytest.raises(bland_pools.PoolNotFoundError) as caught:
        await bland.pools.get(POOL_ID)

    assert caught.value.status == status
    assert caught.value.code == "POOL_NOT_FOUND"
    assert caught.value.url == pool_url()
    assert caught.value.method == "GET"


@pytest.mark.parametrize(
    ("seed", "cls"),
    [
        ("bland/create_invalid_phone_numbers.json", bland_pools.InvalidPhoneNumbersError),
        ("bland/create_invalid_credentials.json", bland_pools.InvalidCredentialsError),
    ],
)
@pytest.mark.parametrize("status", [200, 400])
async def test_client_create_raises_the_documented_error_without_retrying(
    mock_http: aioresponses,
    bland: AsyncBlandClient,
    seed: str,
    cls: type[Exception],
    status: int,
) -> None:
    mock_http.post(POOLS_URL, status=status, body=fixture_bytes(seed))

    with pytest.raises(cls):
        await bland.pools.create(["+12345678901"], encrypted_key=KEY_ID)

    assert len(sent(mock_http, "POST", POOLS_URL)) == 1


@pytest.mark.parametrize("status", [200, 401])
async def test_client_raises_authentication_error_from_the_documented_body(
    mock_http: aioresponses, bland: AsyncBlandClient, status: int
) -> None:
    mock_http.get(pool_url(), status=status, body=fixture_bytes("bland/get_unauthorized.json"))

    with pytest.raises(bland_pools.AuthenticationError) as caught:
        await bland.pools.get(POOL_ID)

    assert caught.value.message == "Invalid API key or insufficient permissions"


def test_every_seed_example_is_stored_as_a_fixture() -> None:
    names = sorted(p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*.json"))

    assert len(names) == 18
    for name in names:
        json.loads(fixture_bytes(name))

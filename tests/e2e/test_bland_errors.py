"""Every documented Bland error code end to end: the right class, with the server's code,
message and status; and the SDK's client-side input rules agree with the server's (a refused
number written the everyday US way is told its normalized form)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from urllib.parse import quote

import pytest

import bland_pools
import pools_core
from bland_pools import AsyncBlandClient, InvalidPhoneNumbersError
from bland_pools.testing import BlandEmulator

from ._support import CRED_A, KEY_A, POOLS_PATH, numbers, send_past_the_sdk

# The docs' messages ("Error Response" examples).
MSG_POOL_NOT_FOUND = "Geospatial dialing pool not found"
MSG_UNAUTHORIZED = "Invalid API key or insufficient permissions"
MSG_INVALID_POOL_ID = "Pool ID must be a valid UUID"
MSG_INVALID_PHONE_NUMBERS = "All phone numbers must be valid US numbers with +1 prefix"
MSG_INVALID_CREDENTIALS = "Twilio credentials not found or do not belong to your account"


@pytest.fixture
async def client(bland_emu: BlandEmulator) -> AsyncIterator[AsyncBlandClient]:
    async with AsyncBlandClient(api_key=KEY_A, base_url=bland_emu.url) as client:
        yield client


def assert_server_error(
    err: pools_core.APIError, code: str, message: str, status: int, key: str = KEY_A
) -> None:
    assert (err.code, err.message, err.status) == (code, message, status)
    assert [(e.code, e.message) for e in err.errors] == [(code, message)]
    assert err.body == {
        "status": "error",
        "data": None,
        "errors": [{"error": code, "message": message}],
    }
    assert key not in f"{err} {err!r} {err.url}"


# -- POOL_NOT_FOUND ---------------------------------------------------------------------------


async def test_get_of_an_unknown_pool_raises_pool_not_found(
    bland_emu: BlandEmulator, client: AsyncBlandClient
) -> None:
    missing = str(uuid.uuid4())

    with pytest.raises(bland_pools.PoolNotFoundError) as caught:
        await client.pools.get(missing)

    assert_server_error(caught.value, "POOL_NOT_FOUND", MSG_POOL_NOT_FOUND, 404)
    assert isinstance(caught.value, pools_core.NotFoundError)
    assert (caught.value.method, caught.value.url) == (
        "GET",
        f"{bland_emu.url}{POOLS_PATH}/{missing}",
    )
    assert len(bland_emu.requests) == 1  # not retried


async def test_update_of_an_unknown_pool_raises_pool_not_found(
    bland_emu: BlandEmulator, client: AsyncBlandClient
) -> None:
    with pytest.raises(bland_pools.PoolNotFoundError) as caught:
        await client.pools.update(str(uuid.uuid4()), numbers(1))

    assert_server_error(caught.value, "POOL_NOT_FOUND", MSG_POOL_NOT_FOUND, 404)
    assert bland_emu.pools(KEY_A) == []


# -- INVALID_POOL_ID --------------------------------------------------------------------------


async def test_a_pool_id_that_is_no_uuid_is_refused_before_sending(
    bland_emu: BlandEmulator, client: AsyncBlandClient
) -> None:
    with pytest.raises(bland_pools.InvalidPoolIdError) as caught:
        await client.pools.get("pool-42")
    with pytest.raises(bland_pools.InvalidPoolIdError):
        await client.pools.update("pool-42", numbers(1))

    assert caught.value.status is None
    assert caught.value.code == "INVALID_POOL_ID"
    assert "pool-42" in caught.value.message
    assert bland_emu.requests == []


async def test_the_server_answers_invalid_pool_id_for_the_same_ids(
    bland_emu: BlandEmulator, client: AsyncBlandClient
) -> None:
    # Sent past the SDK's own check.
    for method, path, body in (
        ("GET", f"{POOLS_PATH}/pool-42", None),
        ("POST", f"{POOLS_PATH}/pool-42/update", {"phone_numbers": numbers(1)}),
    ):
        with pytest.raises(bland_pools.InvalidPoolIdError) as caught:
            await send_past_the_sdk(bland_emu.url, KEY_A, method, path, body)
        assert_server_error(caught.value, "INVALID_POOL_ID", MSG_INVALID_POOL_ID, 400)

    assert [(r.method, r.status) for r in bland_emu.requests] == [("GET", 400), ("POST", 400)]


@pytest.mark.parametrize(
    "pool_id",
    [
        "550e8400-e29b-41d4-a716-446655440001",
        "550E8400-E29B-41D4-A716-446655440001",
        "00000000-0000-0000-0000-000000000000",
        "550e8400e29b41d4a716446655440001",
        "{550e8400-e29b-41d4-a716-446655440001}",
        "urn:uuid:550e8400-e29b-41d4-a716-446655440001",
        "550e8400-e29b-41d4-a716-44665544000g",
        "550e8400-e29b-41d4-a716-4466554400011",
        "550e8400-e29b-41d4-a716-44665544000",
        "550e8400-e29b-41d4-a716_446655440001",
        "\u0665\u0665\u0660e8400-e29b-41d4-a716-446655440001",
        " 550e8400-e29b-41d4-a716-446655440001",
    ],
)
async def test_the_sdk_refuses_exactly_the_pool_ids_the_server_refuses(
    bland_emu: BlandEmulator, client: AsyncBlandClient, pool_id: str
) -> None:
    refusal: bland_pools.InvalidPoolIdError | None = None
    try:
        await client.pools.get(pool_id)
    except bland_pools.InvalidPoolIdError as exc:
        refusal = exc
    except bland_pools.PoolNotFoundError:
        pass
    sdk_refuses = refusal is not None
    assert refusal is None or refusal.status is None  # refused before sending
    requests_by_sdk = len(bland_emu.requests)

    # The same id, sent past the SDK's check (percent-encoded as the SDK would).
    with pytest.raises(bland_pools.APIError) as caught:
        await send_past_the_sdk(
            bland_emu.url, KEY_A, "GET", f"{POOLS_PATH}/{quote(pool_id, safe='')}"
        )

    assert caught.value.code in ("INVALID_POOL_ID", "POOL_NOT_FOUND")
    assert sdk_refuses == (caught.value.code == "INVALID_POOL_ID")
    assert requests_by_sdk == (0 if sdk_refuses else 1)


# -- INVALID_PHONE_NUMBERS --------------------------------------------------------------------


async def test_bad_numbers_are_refused_before_sending(
    bland_emu: BlandEmulator, client: AsyncBlandClient
) -> None:
    with pytest.raises(bland_pools.InvalidPhoneNumbersError) as caught:
        await client.pools.create(["+12345678901", "+1555123456"])
    with pytest.raises(bland_pools.InvalidPhoneNumbersError):
        await client.pools.update(str(uuid.uuid4()), ["5551234567"])

    assert caught.value.status is None
    assert caught.value.code == "INVALID_PHONE_NUMBERS"
    assert "'+1555123456' at index 1" in caught.value.message
    assert bland_emu.requests == []


async def test_the_server_answers_invalid_phone_numbers_for_the_same_input(
    bland_emu: BlandEmulator, client: AsyncBlandClient
) -> None:
    pool = bland_emu.add_pool(KEY_A, numbers(1))
    for path, body in (
        (POOLS_PATH, {"phone_numbers": ["+12345678901", "+1555123456"]}),
        (f"{POOLS_PATH}/{pool['id']}/update", {"phone_numbers": ["5551234567"]}),
    ):
        with pytest.raises(bland_pools.InvalidPhoneNumbersError) as caught:
            await send_past_the_sdk(bland_emu.url, KEY_A, "POST", path, body)
        assert_server_error(caught.value, "INVALID_PHONE_NUMBERS", MSG_INVALID_PHONE_NUMBERS, 400)

    assert bland_emu.pools(KEY_A) == [pool]  # nothing created, nothing changed


@pytest.mark.parametrize(
    "phone_numbers",
    [
        ["+15551234567"],
        ["+10000000000", "+19999999999"],
        ["+1555123456"],
        ["+155512345678"],
        ["+25551234567"],
        ["15551234567"],
        ["+1 555123456"],
        ["+1555123456\uff17"],
        ["+1555123456\u0667"],
        ["+15551234567", "+15551234567"],
        [],
    ],
)
async def test_the_sdk_refuses_exactly_the_numbers_the_server_refuses(
    bland_emu: BlandEmulator, client: AsyncBlandClient, phone_numbers: list[str]
) -> None:
    refusal: bland_pools.InvalidPhoneNumbersError | None = None
    try:
        await client.pools.create(phone_numbers)
    except bland_pools.InvalidPhoneNumbersError as exc:
        refusal = exc
    sdk_refuses = refusal is not None
    assert refusal is None or refusal.status is None  # refused before sending
    bland_emu.reset()

    answer: bland_pools.InvalidPhoneNumbersError | None = None
    try:
        await send_past_the_sdk(
            bland_emu.url, KEY_A, "POST", POOLS_PATH, {"phone_numbers": phone_numbers}
        )
    except bland_pools.InvalidPhoneNumbersError as exc:
        answer = exc
    server_refuses = answer is not None
    assert answer is None or answer.status == 400

    assert sdk_refuses == server_refuses
    assert len(bland_emu.pools(KEY_A)) == (0 if server_refuses else 1)


@pytest.mark.parametrize("call", ["create", "update"])
async def test_the_sdks_calls_stay_exact_but_suggest_the_normalized_number(
    bland_emu: BlandEmulator, call: str
) -> None:
    stored = bland_emu.add_pool(KEY_A, numbers(5))

    async with AsyncBlandClient(api_key=KEY_A, base_url=bland_emu.url) as bland:
        attempt = (
            bland.pools.create(["555-123-4567"])
            if call == "create"
            else bland.pools.update(stored["id"], ["555-123-4567"])
        )
        with pytest.raises(InvalidPhoneNumbersError) as caught:
            await attempt

    assert caught.value.status is None  # refused before sending
    assert caught.value.code == "INVALID_PHONE_NUMBERS"
    assert "'555-123-4567' at index 0 (did you mean '+15551234567'?)" in str(caught.value)
    assert bland_emu.requests == []
    assert bland_emu.pools(KEY_A) == [stored]


async def test_only_numbers_with_a_us_form_get_a_suggestion(bland_emu: BlandEmulator) -> None:
    async with AsyncBlandClient(api_key=KEY_A, base_url=bland_emu.url) as bland:
        with pytest.raises(InvalidPhoneNumbersError) as caught:
            await bland.pools.create(["(555) 123-4567", "555-1234", "+15551234568"])

    message = str(caught.value)
    assert "'(555) 123-4567' at index 0 (did you mean '+15551234567'?)" in message
    # No US form: no suggestion (then the pointer to normalize_phone_number).
    assert message.split("; bland_pools.normalize")[0].endswith("'555-1234' at index 1")
    assert message.count("did you mean") == 1
    assert bland_emu.requests == []


# -- INVALID_CREDENTIALS ----------------------------------------------------------------------


async def test_unknown_but_well_formed_credentials_raise_invalid_credentials(
    bland_emu: BlandEmulator, client: AsyncBlandClient
) -> None:
    unknown = str(uuid.uuid4())
    pool = bland_emu.add_pool(KEY_A, numbers(1), CRED_A)

    with pytest.raises(bland_pools.InvalidCredentialsError) as on_create:
        await client.pools.create(numbers(2), encrypted_key=unknown)
    with pytest.raises(bland_pools.InvalidCredentialsError) as on_update:
        await client.pools.update(pool["id"], numbers(3), encrypted_key=unknown)

    for caught in (on_create, on_update):
        assert_server_error(caught.value, "INVALID_CREDENTIALS", MSG_INVALID_CREDENTIALS, 400)
    assert bland_emu.pools(KEY_A) == [pool]
    assert [r.json["encrypted_key"] for r in bland_emu.requests] == [unknown, unknown]


async def test_malformed_credentials_are_refused_before_sending(
    bland_emu: BlandEmulator, client: AsyncBlandClient
) -> None:
    with pytest.raises(bland_pools.InvalidCredentialsError) as caught:
        await client.pools.create(numbers(1), encrypted_key="twilio-sid-123")

    assert (caught.value.status, caught.value.code) == (None, "INVALID_CREDENTIALS")
    assert bland_emu.requests == []


async def test_the_server_refuses_malformed_credentials_too(
    bland_emu: BlandEmulator, client: AsyncBlandClient
) -> None:
    body = {"phone_numbers": numbers(1), "encrypted_key": "twilio-sid-123"}

    with pytest.raises(bland_pools.InvalidCredentialsError) as caught:
        await send_past_the_sdk(bland_emu.url, KEY_A, "POST", POOLS_PATH, body)

    assert_server_error(caught.value, "INVALID_CREDENTIALS", MSG_INVALID_CREDENTIALS, 400)


# -- UNAUTHORIZED -----------------------------------------------------------------------------


async def test_a_wrong_key_raises_authentication_error_on_every_call(
    bland_emu: BlandEmulator,
) -> None:
    wrong = "sk-e2e-wrong-key-0f9e8d"
    pool = bland_emu.add_pool(KEY_A, numbers(1), CRED_A)
    async with AsyncBlandClient(api_key=wrong, base_url=bland_emu.url) as client:
        calls = [
            client.pools.list(),
            client.pools.get(pool["id"]),
            client.pools.create(numbers(2)),
            client.pools.update(pool["id"], numbers(3)),
        ]
        for call in calls:
            with pytest.raises(bland_pools.AuthenticationError) as caught:
                await call
            assert_server_error(caught.value, "UNAUTHORIZED", MSG_UNAUTHORIZED, 401, key=wrong)
            assert isinstance(caught.value, pools_core.AuthenticationError)

    assert [r.status for r in bland_emu.requests] == [401, 401, 401, 401]  # none retried
    assert bland_emu.pools(KEY_A) == [pool]

"""Input the server would reject raises the documented class, naming the bad value, before any
request is sent; input the docs allow is sent as given (the rules are not stricter)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aioresponses import aioresponses

import bland_pools
from bland_pools import AsyncBlandClient
from bland_pools._validation import check_encrypted_key, check_phone_numbers, check_pool_id

from ._support import (
    KEY_ID,
    NUMBERS,
    POOL_ID,
    POOLS_URL,
    envelope,
    pool_json,
    pool_url,
    request_count,
    sent,
    sent_json,
    update_url,
)

BAD_NUMBERS: list[Any] = [
    "2345678901",  # no +1
    "+2345678901",  # 11 characters
    "+123456789012",  # 13 characters
    "+22345678901",  # +2
    "+1234567890a",
    "+1 2345678901",
    "+1-234-567-8901",
    " +12345678901",
    "+12345678901\n",
    "+1" + "".join(chr(0x0660 + int(d)) for d in "2345678901"),  # Arabic-Indic digits
    "+1" + "".join(chr(0xFF10 + int(d)) for d in "2345678901"),  # fullwidth digits
    "",
    12345678901,
    None,
]
BAD_UUIDS: list[Any] = [
    "",
    "not-a-uuid",
    "550e8400e29b41d4a716446655440001",
    "{550e8400-e29b-41d4-a716-446655440001}",
    "urn:uuid:550e8400-e29b-41d4-a716-446655440001",
    "550e8400-e29b-41d4-a716-44665544000",
    "550e8400-e29b-41d4-a716-4466554400011",
    "550e8400-e29b-41d4-a716-44665544000g",
    "550e8400-e29b-41d4-a716_446655440001",
    "\uff1550e8400-e29b-41d4-a716-446655440001",  # a fullwidth 5
    12345,
    None,
]
GOOD_UUIDS = [
    POOL_ID,
    POOL_ID.upper(),
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "a8098c1a-f86e-11da-bd1a-00112444be1e",  # version 1
]


def _register_everything(mock: aioresponses) -> None:
    """Answers for every call, so a request that slips through is seen, not refused."""
    mock.post(POOLS_URL, payload=envelope(pool_json()), repeat=True)
    mock.post(update_url(), payload=envelope(pool_json()), repeat=True)


# -- phone numbers -------------------------------------------------------------------------


@pytest.mark.parametrize("bad", BAD_NUMBERS)
@pytest.mark.parametrize(
    ("call", "index"),
    [
        pytest.param(lambda c, bad: c.pools.create(["+12345678901", bad]), 1, id="create"),
        pytest.param(lambda c, bad: c.pools.update(POOL_ID, [bad]), 0, id="update"),
    ],
)
async def test_a_malformed_number_is_refused_naming_it(
    mock_http: aioresponses,
    bland: AsyncBlandClient,
    call: Callable[[AsyncBlandClient, Any], Awaitable[object]],
    index: int,
    bad: Any,
) -> None:
    _register_everything(mock_http)

    with pytest.raises(bland_pools.InvalidPhoneNumbersError) as caught:
        await call(bland, bad)

    assert repr(bad) in caught.value.message
    assert f"index {index}" in caught.value.message
    assert caught.value.code == "INVALID_PHONE_NUMBERS"
    assert caught.value.status is None
    assert request_count(mock_http) == 0


@pytest.mark.parametrize("numbers", ["+12345678901", b"+12345678901", None, 12345678901])
async def test_numbers_that_are_not_a_list_are_refused(
    mock_http: aioresponses, bland: AsyncBlandClient, numbers: Any
) -> None:
    with pytest.raises(bland_pools.InvalidPhoneNumbersError, match="list"):
        await bland.pools.create(numbers)

    assert request_count(mock_http) == 0


async def test_an_empty_list_is_refused(mock_http: aioresponses, bland: AsyncBlandClient) -> None:
    with pytest.raises(bland_pools.InvalidPhoneNumbersError, match="empty"):
        await bland.pools.create([])

    assert request_count(mock_http) == 0


async def test_a_repeated_number_is_refused_naming_it(
    mock_http: aioresponses, bland: AsyncBlandClient
) -> None:
    with pytest.raises(bland_pools.InvalidPhoneNumbersError, match=r"\+19876543210"):
        await bland.pools.update(POOL_ID, ["+19876543210", "+12345678901", "+19876543210"])

    assert request_count(mock_http) == 0


def test_many_bad_numbers_are_summarised() -> None:
    with pytest.raises(bland_pools.InvalidPhoneNumbersError) as caught:
        check_phone_numbers([f"bad{i}" for i in range(8)])

    assert "'bad0' at index 0" in caught.value.message
    assert "'bad4' at index 4" in caught.value.message
    assert "'bad5'" not in caught.value.message
    assert "and 3 more" in caught.value.message


async def test_the_docs_own_numbers_are_accepted_and_sent_as_given(
    mock_http: aioresponses, bland: AsyncBlandClient
) -> None:
    documented = ["+12345678901", "+19876543210", "+15551234567", "+17775551234"]
    _register_everything(mock_http)

    await bland.pools.create(documented)

    (call,) = sent(mock_http, "POST", POOLS_URL)
    assert sent_json(call) == {"phone_numbers": documented}


@pytest.mark.parametrize("number", ["+10000000000", "+19999999999", "+15551234567"])
def test_any_ten_digits_after_plus_one_are_accepted(number: str) -> None:
    assert check_phone_numbers([number]) == [number]


# -- pool ids ------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", BAD_UUIDS)
async def test_get_refuses_a_pool_id_that_is_not_a_uuid_naming_it(
    mock_http: aioresponses, bland: AsyncBlandClient, bad: Any
) -> None:
    with pytest.raises(bland_pools.InvalidPoolIdError) as caught:
        await bland.pools.get(bad)

    assert repr(bad) in caught.value.message
    assert caught.value.code == "INVALID_POOL_ID"
    assert caught.value.status is None
    assert request_count(mock_http) == 0


@pytest.mark.parametrize("bad", BAD_UUIDS)
async def test_update_refuses_a_pool_id_that_is_not_a_uuid_before_looking_at_numbers(
    mock_http: aioresponses, bland: AsyncBlandClient, bad: Any
) -> None:
    with pytest.raises(bland_pools.InvalidPoolIdError):
        await bland.pools.update(bad, ["not a number"])

    assert request_count(mock_http) == 0


@pytest.mark.parametrize("good", GOOD_UUIDS)
def test_any_uuid_in_the_documented_form_is_a_pool_id(good: str) -> None:
    assert check_pool_id(good) == good


def test_a_long_bad_pool_id_is_named_but_cut_short() -> None:
    with pytest.raises(bland_pools.InvalidPoolIdError) as caught:
        check_pool_id("x" * 5000)

    assert "xxxxxxxx" in caught.value.message
    assert len(caught.value.message) < 300


PATH_ATTACKS = [
    "../x",
    "..",
    "a/b",
    "?x=1",
    "#frag",
    "%2e%2e",
    f"{POOL_ID}/../../v1/other",
    f"{POOL_ID}?admin=1",
    f"{POOL_ID}/update",
    f"{POOL_ID}\r\nX-Injected: 1",
    f" {POOL_ID}",
]


@pytest.mark.parametrize("pool_id", PATH_ATTACKS)
@pytest.mark.parametrize(
    "call",
    [
        lambda c, pid: c.pools.get(pid),
        lambda c, pid: c.pools.update(pid, NUMBERS),
        lambda c, pid: c.pools.update(pid, NUMBERS, encrypted_key=None),
    ],
    ids=["get", "update", "update-null-key"],
)
async def test_a_pool_id_that_could_change_the_path_is_refused_before_sending(
    mock_http: aioresponses,
    bland: AsyncBlandClient,
    pool_id: str,
    call: Callable[[AsyncBlandClient, str], Awaitable[Any]],
) -> None:
    mock_http.get(pool_url(), payload=envelope(pool_json()), repeat=True)
    mock_http.post(update_url(), payload=envelope(pool_json()), repeat=True)

    with pytest.raises(bland_pools.InvalidPoolIdError) as caught:
        await call(bland, pool_id)

    assert repr(pool_id)[:60] in caught.value.message
    assert caught.value.code == "INVALID_POOL_ID"
    assert caught.value.status is None
    assert request_count(mock_http) == 0


# -- encrypted keys ------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [b for b in BAD_UUIDS if b is not None])
@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda c, key: c.pools.create(NUMBERS, encrypted_key=key), id="create"),
        pytest.param(
            lambda c, key: c.pools.update(POOL_ID, NUMBERS, encrypted_key=key), id="update"
        ),
    ],
)
async def test_an_encrypted_key_that_is_not_a_uuid_is_refused_naming_it(
    mock_http: aioresponses,
    bland: AsyncBlandClient,
    call: Callable[[AsyncBlandClient, Any], Awaitable[object]],
    bad: Any,
) -> None:
    with pytest.raises(bland_pools.InvalidCredentialsError) as caught:
        await call(bland, bad)

    assert repr(bad) in caught.value.message
    assert caught.value.code == "INVALID_CREDENTIALS"
    assert request_count(mock_http) == 0


@pytest.mark.parametrize("good", [*GOOD_UUIDS, None])
def test_a_uuid_or_none_is_an_encrypted_key(good: str | None) -> None:
    assert check_encrypted_key(good) == good


async def test_an_uppercase_key_is_sent_as_given(
    mock_http: aioresponses, bland: AsyncBlandClient
) -> None:
    _register_everything(mock_http)

    await bland.pools.update(POOL_ID, NUMBERS, encrypted_key=KEY_ID.upper())

    (call,) = sent(mock_http, "POST", update_url())
    assert sent_json(call)["encrypted_key"] == KEY_ID.upper()


def test_validation_errors_are_the_servers_classes_and_messages() -> None:
    with pytest.raises(bland_pools.InvalidPoolIdError, match="Pool ID must be a valid UUID"):
        check_pool_id("x")
    with pytest.raises(
        bland_pools.InvalidPhoneNumbersError,
        match=r"All phone numbers must be valid US numbers with \+1 prefix",
    ):
        check_phone_numbers(["x"])

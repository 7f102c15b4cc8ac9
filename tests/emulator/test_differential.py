"""The SDK's client-side checks against the emulator's own copy of Bland's rules, on generated
input: for every pool id, phone-number list and credentials id, the SDK refuses before sending
exactly when the server refuses. The two sides share no code (test_independence), so a bug in
either shows up here as a disagreement.

The SDK side is the public client (a refusal before sending is an ``Invalid*Error`` with no
HTTP status); the server side is the same input sent raw, past the SDK."""

from __future__ import annotations

import string
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, settings, strategies as st

import bland_pools
from bland_pools import BlandClient
from bland_pools.testing import BlandEmulator

KEY = "sk-differential-3c2b1a"
POOLS = "/v1/custom-dialing-pools"
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- inputs near the rules' edges ----------------------------------------------------------------

_DIGITS = string.digits
# Look-alike digits: Arabic-Indic, fullwidth, superscript.
_ODD_DIGITS = "\u0661\u0665\uff17\u00b2"

_valid_number = st.from_regex(r"\+1[0-9]{10}", fullmatch=True)
_near_number = st.builds(
    lambda head, digits, tail: head + digits + tail,
    st.sampled_from(["+1", "1", "+", "+2", "+11", "", " +1", "+1 "]),
    st.text(alphabet=_DIGITS + _ODD_DIGITS + " -", min_size=8, max_size=12),
    st.sampled_from(["", " ", "\n", "0"]),
)
_number: st.SearchStrategy[Any] = st.one_of(
    _valid_number,
    st.from_regex(r"\+?1?[0-9]{9,12}", fullmatch=True),  # a digit too few or too many
    _near_number,
    st.text(max_size=14),
    st.integers(min_value=10**10, max_value=10**12),
)

_hex = "0123456789abcdefABCDEF"
_valid_uuid = st.uuids().map(str) | st.uuids().map(lambda u: str(u).upper())


def _mutate(text: str, where: int, what: str, mode: int) -> str:
    where %= len(text) + 1
    if mode == 0:
        return text[:where] + what + text[where:]  # insert
    if mode == 1:
        return text[:where] + what + text[where + 1 :]  # replace
    return text[:where] + text[where + 1 :]  # delete


_near_uuid = st.builds(
    _mutate,
    _valid_uuid,
    st.integers(0, 40),
    st.sampled_from([*"gxz-_{}: ", "\u0661", "\uff10", "0", "a"]),
    st.integers(0, 2),
)
# Ids that stay one path segment (no '/', not '.' or '..': those change the route).
_uuid_like = st.one_of(
    _valid_uuid,
    _near_uuid,
    st.text(alphabet=_hex + "-{}gz :\u0665", min_size=1, max_size=40),
).filter(lambda s: "/" not in s and s.strip(".") != "")


# -- both sides ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def emu() -> Iterator[BlandEmulator]:
    with BlandEmulator(api_keys=[KEY]).in_thread() as emulator:
        yield emulator


@pytest.fixture(scope="module")
def bland(emu: BlandEmulator) -> Iterator[BlandClient]:
    with BlandClient(api_key=KEY, base_url=emu.url, max_retries=0) as client:
        yield client


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers["Authorization"] = KEY
        yield session


def _refused_before_sending(call: Any, error: type[bland_pools.BadRequestError]) -> bool:
    """Whether the SDK refused the input itself (an error with no HTTP status)."""
    try:
        call()
    except error as exc:
        return exc.status is None
    except bland_pools.APIError:
        return False  # sent, and the server said something else
    return False


def _server_code(response: requests.Response) -> str | None:
    body = response.json()
    return None if body["status"] == "success" else body["errors"][0]["error"]


@SETTINGS
@given(pool_id=_uuid_like)
def test_pool_ids(
    emu: BlandEmulator, bland: BlandClient, http: requests.Session, pool_id: str
) -> None:
    sdk_refuses = _refused_before_sending(
        lambda: bland.pools.get(pool_id), bland_pools.InvalidPoolIdError
    )
    answer = http.get(f"{emu.url}{POOLS}/{quote(pool_id, safe='')}", timeout=10)

    assert _server_code(answer) in ("INVALID_POOL_ID", "POOL_NOT_FOUND")
    assert sdk_refuses == (_server_code(answer) == "INVALID_POOL_ID"), pool_id


@SETTINGS
@given(
    numbers=st.one_of(
        st.lists(_number, max_size=4),
        st.lists(_valid_number, min_size=1, max_size=3),
        # One digit too few or too many: the length rule on its own.
        st.lists(st.from_regex(r"\+1[0-9]{9,11}", fullmatch=True), min_size=1, max_size=2),
        # Ten digits, some of them look-alikes: the ASCII rule on its own.
        st.lists(
            st.text(alphabet=_DIGITS + _ODD_DIGITS, min_size=10, max_size=10).map("+1".__add__),
            min_size=1,
            max_size=1,
        ),
    )
)
def test_phone_numbers(
    emu: BlandEmulator, bland: BlandClient, http: requests.Session, numbers: list[Any]
) -> None:
    sdk_refuses = _refused_before_sending(
        lambda: bland.pools.create(numbers), bland_pools.InvalidPhoneNumbersError
    )
    answer = http.post(f"{emu.url}{POOLS}", json={"phone_numbers": numbers}, timeout=10)

    assert _server_code(answer) in (None, "INVALID_PHONE_NUMBERS"), answer.text
    assert sdk_refuses == (_server_code(answer) == "INVALID_PHONE_NUMBERS"), numbers


@SETTINGS
@given(encrypted_key=_uuid_like)
def test_credentials_ids(
    emu: BlandEmulator, bland: BlandClient, http: requests.Session, encrypted_key: str
) -> None:
    # The emulator's own format rule decides whether it can know these credentials at all.
    try:
        emu.add_credentials(KEY, encrypted_key)
    except ValueError:
        emulator_takes_the_form = False
    else:
        emulator_takes_the_form = True
    numbers = ["+12345678901"]
    sdk_refuses = _refused_before_sending(
        lambda: bland.pools.create(numbers, encrypted_key=encrypted_key),
        bland_pools.InvalidCredentialsError,
    )
    body = {"phone_numbers": numbers, "encrypted_key": encrypted_key}
    answer = http.post(f"{emu.url}{POOLS}", json=body, timeout=10)

    assert sdk_refuses != emulator_takes_the_form, encrypted_key
    # Known credentials are taken; anything else is INVALID_CREDENTIALS.
    assert _server_code(answer) == (None if emulator_takes_the_form else "INVALID_CREDENTIALS")

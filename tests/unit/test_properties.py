"""Hypothesis properties: the validators accept exactly the documented forms, and the decoders
turn any answer at all into a model or one of the package's own errors, never anything else."""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from datetime import timedelta, timezone
from typing import Any, TypeVar

from hypothesis import example, given, strategies as st

import bland_pools
import ghl_pools
from bland_pools import DialingPool
from bland_pools._protocol import decode_pool, decode_pools, unwrap
from bland_pools._validation import is_phone_number, is_uuid
from ghl_pools import NumberPoolPage
from ghl_pools._protocol import decode_page
from pools_core._protocol import Response

from ._support import PROPERTY_SETTINGS, response

_T = TypeVar("_T")

ASCII_DIGITS = "0123456789"
HEX = "0123456789abcdefABCDEF"


def documented_phone_number(value: object) -> bool:
    """The docs' rule, written without a regex: ``+1`` then exactly ten ASCII digits."""
    return (
        isinstance(value, str)
        and len(value) == 12
        and value.startswith("+1")
        and all(c in ASCII_DIGITS for c in value[2:])
    )


def documented_uuid(value: object) -> bool:
    """8-4-4-4-12 ASCII hex digits separated by dashes, either case."""
    if not isinstance(value, str) or len(value) != 36:
        return False
    return all((c == "-") if i in (8, 13, 18, 23) else (c in HEX) for i, c in enumerate(value))


# -- phone numbers -------------------------------------------------------------------------

# Digits of other scripts (Arabic-Indic, Devanagari, fullwidth, mathematical), digit-like
# symbols, and separators a user might paste.
OTHER_DIGITS = ["\u0663", "\u06f7", "\u0966", "\uff13", "\U0001d7d7", "\u00b9", "\u00bd", "\u2167"]
digit_like = st.sampled_from([*ASCII_DIGITS, *OTHER_DIGITS, " ", "\n", "\t", "\u00a0", "-"])
ARABIC_INDIC_NUMBER = "+1" + "".join(chr(0x0660 + int(d)) for d in "2345678901")
phone_like = st.builds(
    lambda prefix, body, suffix: prefix + "".join(body) + suffix,
    st.sampled_from(["+1", "+1", "+1", "1", "+", "+2", "+11", " +1", "\uff0b1", ""]),
    st.lists(digit_like, min_size=8, max_size=12),
    st.sampled_from(["", "", "", "\n", " ", "0", "x"]),
)


@PROPERTY_SETTINGS
@given(st.from_regex(r"\A\+1[0-9]{10}\Z"))
def test_every_documented_number_is_accepted(number: str) -> None:
    assert is_phone_number(number)


@PROPERTY_SETTINGS
@given(st.one_of(phone_like, st.text(max_size=20)))
@example("+12345678901\n")
@example("+1234567890")
@example("+1234567890123")
@example(ARABIC_INDIC_NUMBER)
@example("+1 234567890")
def test_is_phone_number_accepts_exactly_the_documented_form(value: str) -> None:
    assert is_phone_number(value) is documented_phone_number(value)


@PROPERTY_SETTINGS
@given(st.one_of(st.none(), st.integers(), st.floats(), st.binary(), st.lists(st.text())))
def test_is_phone_number_refuses_anything_that_is_not_text(value: object) -> None:
    assert is_phone_number(value) is False


# -- UUIDs ---------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(st.uuids(), st.booleans())
def test_every_uuid_in_either_case_is_accepted(value: Any, upper: bool) -> None:
    text = str(value).upper() if upper else str(value)
    assert is_uuid(text)


uuid_like = st.builds(
    lambda chars: "".join(chars),
    st.lists(
        st.sampled_from([*HEX, "-", "g", "G", " ", "\n", "{", "}", "\u0663", "\uff21"]),
        min_size=30,
        max_size=40,
    ),
)
mutated_uuid = st.builds(
    lambda u, i, c: (s := str(u))[:i] + c + s[i + 1 :],
    st.uuids(),
    st.integers(0, 35),
    st.sampled_from([*HEX, "-", "g", " ", "\n", "\u0663", "\uff41", ""]),
)


@PROPERTY_SETTINGS
@given(st.one_of(uuid_like, mutated_uuid, st.text(max_size=40)))
@example("550e8400-e29b-41d4-a716-446655440001\n")
@example("550e8400e29b41d4a716446655440001")
def test_is_uuid_accepts_exactly_the_8_4_4_4_12_hex_form(value: str) -> None:
    assert is_uuid(value) is documented_uuid(value)


@PROPERTY_SETTINGS
@given(st.one_of(st.none(), st.integers(), st.uuids(), st.binary()))
def test_is_uuid_refuses_anything_that_is_not_text(value: object) -> None:
    assert is_uuid(value) is False


# -- decoders on arbitrary answers ---------------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["2024-01-15T10:30:00Z", "2024-01-15T10:30:00", "+12345678901", "true"]),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
bland_pool_like = st.fixed_dictionaries(
    {},
    optional={
        "id": json_values,
        "owner_id": json_values,
        "phone_numbers": st.one_of(st.lists(json_scalars, max_size=3), json_values),
        "encrypted_key": json_values,
        "created_at": st.one_of(json_scalars, st.datetimes().map(lambda d: d.isoformat())),
        "extra": json_values,
    },
)


def mostly(value: Any) -> st.SearchStrategy[Any]:
    """Usually the documented value, sometimes anything at all."""
    return st.one_of(st.just(value), st.just(value), st.just(value), json_values)


# Fixed UTC offsets rather than st.timezones(): no dependency on the machine's tz database.
fixed_offsets = st.timedeltas(
    min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23, minutes=59)
).map(timezone)
plausible_bland_pool = st.fixed_dictionaries(
    {
        "id": mostly("550e8400-e29b-41d4-a716-446655440001"),
        "owner_id": mostly("550e8400-e29b-41d4-a716-446655440002"),
        "phone_numbers": mostly(["+12345678901", "+19876543210"]),
        "encrypted_key": mostly(None),
        "created_at": st.one_of(
            st.datetimes().map(lambda d: d.isoformat()),
            st.datetimes(timezones=fixed_offsets).map(lambda d: d.isoformat()),
            json_scalars,
        ),
    },
    optional={"extra": json_values},
)
bland_errors = st.one_of(
    json_values,
    st.lists(
        st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "error": st.one_of(
                        st.sampled_from(
                            [
                                "POOL_NOT_FOUND",
                                "INVALID_POOL_ID",
                                "INVALID_PHONE_NUMBERS",
                                "INVALID_CREDENTIALS",
                                "UNAUTHORIZED",
                            ]
                        ),
                        json_values,
                    ),
                    "message": json_values,
                },
            ),
            json_scalars,
        ),
        max_size=3,
    ),
)
bland_envelopes = st.fixed_dictionaries(
    {},
    optional={
        "status": st.one_of(mostly("success"), st.just("error")),
        "data": st.one_of(
            plausible_bland_pool,
            st.lists(plausible_bland_pool, max_size=3),
            bland_pool_like,
            st.lists(bland_pool_like, max_size=3),
            json_values,
        ),
        "errors": bland_errors,
    },
)
ghl_pool_like = st.fixed_dictionaries(
    {},
    optional=dict.fromkeys(
        [
            "id",
            "name",
            "locationId",
            "forwardingNumber",
            "whisper",
            "whisperMessage",
            "callRecording",
            "isActive",
        ],
        json_values,
    )
    | {
        "numbers": st.one_of(
            st.lists(
                st.fixed_dictionaries(
                    {}, optional={"phoneNumber": json_values, "friendlyName": json_values}
                ),
                max_size=2,
            ),
            json_values,
        ),
        "inboundCallService": st.one_of(
            st.fixed_dictionaries({}, optional={"type": json_values, "value": json_values}),
            json_values,
        ),
    },
)
ghl_bodies = st.fixed_dictionaries(
    {},
    optional={
        "success": json_values,
        "data": st.one_of(st.lists(ghl_pool_like, max_size=3), json_values),
        "total": json_values,
        "message": json_values,
        "error": json_values,
        "statusCode": json_values,
    },
)
statuses = st.one_of(
    st.sampled_from([200, 200, 201, 301, 302, 400, 401, 404, 429, 502]), st.integers(100, 599)
)
header_values = st.dictionaries(
    st.sampled_from(["Retry-After", "retry-after-ms", "Location", "Date", "X-RateLimit-Remaining"]),
    st.text(max_size=30),
    max_size=3,
)


def _decoded(decode: Callable[[Response], _T], answer: Response, own: type[Exception]) -> _T | None:
    """The decoded value, or ``None`` when the package's own error was raised; any other
    exception propagates and fails the property."""
    try:
        return decode(answer)
    except own as exc:
        str(exc)  # every error renders
        repr(exc)
        return None


def _encoded(value: Any) -> bytes:
    return json.dumps(value).encode()


bland_bodies = st.one_of(
    bland_envelopes.map(_encoded),
    json_values.map(_encoded),
    st.binary(max_size=60),
    bland_envelopes.map(lambda v: _encoded(v)[: max(1, len(_encoded(v)) // 2)]),
)


@PROPERTY_SETTINGS
@given(statuses, bland_bodies, header_values)
def test_decode_pool_returns_a_pool_or_raises_a_bland_api_error(
    status: int, body: bytes, values: dict[str, str]
) -> None:
    pool = _decoded(decode_pool, response(status, body, values), bland_pools.APIError)

    if pool is not None:
        assert isinstance(pool, DialingPool)
        assert pool.created_at.tzinfo is not None


@PROPERTY_SETTINGS
@given(statuses, bland_bodies, header_values)
def test_decode_pools_returns_pools_or_raises_a_bland_api_error(
    status: int, body: bytes, values: dict[str, str]
) -> None:
    pools = _decoded(decode_pools, response(status, body, values), bland_pools.APIError)

    if pools is not None:
        assert all(isinstance(p, DialingPool) for p in pools)


plausible_bland_envelopes = st.fixed_dictionaries(
    {"status": mostly("success"), "data": plausible_bland_pool, "errors": mostly(None)}
)
plausible_ghl_pool = st.fixed_dictionaries(
    {
        "id": mostly("ve9EPM428h8vShlRW1KT"),
        "numbers": mostly([{"phoneNumber": "+14155552671", "friendlyName": "Sales Line 1"}]),
        "whisper": mostly(True),
        "isActive": st.one_of(st.booleans(), json_scalars),
        "inboundCallService": mostly({"type": "voice_ai", "value": "68e381b296a83800a27cd1"}),
    },
    optional={"callRecording": json_scalars, "name": json_scalars},
)
plausible_ghl_pages = st.fixed_dictionaries(
    {"success": mostly(True), "data": st.lists(plausible_ghl_pool, max_size=3)},
    optional={"total": st.one_of(st.integers(-3, 10), json_scalars)},
)


@PROPERTY_SETTINGS
@given(st.sampled_from([200, 200, 200, 201, 404, 502]), plausible_bland_envelopes)
def test_decode_pool_on_nearly_valid_answers_returns_a_pool_or_a_bland_api_error(
    status: int, body: dict[str, Any]
) -> None:
    pool = _decoded(decode_pool, response(status, body), bland_pools.APIError)

    if pool is not None:
        assert pool.raw == body["data"]
        assert pool.created_at.tzinfo is not None
        assert all(isinstance(n, str) for n in pool.phone_numbers)


@PROPERTY_SETTINGS
@given(st.sampled_from([200, 200, 200, 403, 500]), plausible_ghl_pages)
def test_decode_page_on_nearly_valid_answers_returns_a_page_or_a_ghl_api_error(
    status: int, body: dict[str, Any]
) -> None:
    page = _decoded(decode_page, response(status, body), ghl_pools.APIError)

    if page is not None:
        assert len(page.pools) == len(body["data"])
        assert page.total >= 0
        for pool in page.pools:
            assert pool.is_active is None or isinstance(pool.is_active, bool)


@PROPERTY_SETTINGS
@given(statuses, bland_bodies)
def test_unwrap_never_raises_anything_but_a_bland_api_error(status: int, body: bytes) -> None:
    _decoded(unwrap, response(status, body), bland_pools.APIError)


@PROPERTY_SETTINGS
@given(
    statuses,
    st.one_of(ghl_bodies.map(_encoded), json_values.map(_encoded), st.binary(max_size=60)),
    header_values,
)
def test_decode_page_returns_a_page_or_raises_a_ghl_api_error(
    status: int, body: bytes, values: dict[str, str]
) -> None:
    page = _decoded(decode_page, response(status, body, values), ghl_pools.APIError)

    if page is not None:
        assert isinstance(page, NumberPoolPage)
        assert isinstance(page.total, int)
        assert page.total >= 0


@PROPERTY_SETTINGS
@given(st.text(alphabet=string.printable, max_size=50))
def test_a_valid_pool_round_trips_through_the_decoder(owner: str) -> None:
    body = {
        "status": "success",
        "data": {
            "id": "550e8400-e29b-41d4-a716-446655440001",
            "owner_id": owner,
            "phone_numbers": ["+12345678901"],
            "encrypted_key": None,
            "created_at": "2024-01-15T10:30:00Z",
        },
        "errors": None,
    }

    pool = decode_pool(response(200, body))

    assert pool.owner_id == owner
    assert pool.raw == body["data"]

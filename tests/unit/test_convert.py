"""The cattrs converters: strict where leniency would corrupt data, tolerant where the APIs are
loose, camelCase for GoHighLevel, ``raw`` kept at every level, failures named."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from bland_pools import DialingPool
from bland_pools._protocol import CONVERTER as BLAND
from ghl_pools import InboundCallService, NumberPool, PoolNumber
from ghl_pools._protocol import CONVERTER as GHL
from pools_core._convert import DecodeFailure, camel_case

from ._support import KEY_ID, OWNER_ID, POOL_ID, SEED_CREATED_AT, fixture_json, pool_json


def _pool(**changes: Any) -> DialingPool:
    return BLAND.structure({**pool_json(), **changes}, DialingPool)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("location_id", "locationId"),
        ("inbound_call_service", "inboundCallService"),
        ("whisper", "whisper"),
        ("is_active", "isActive"),
        ("phone_number", "phoneNumber"),
    ],
)
def test_camel_case(name: str, expected: str) -> None:
    assert camel_case(name) == expected


def test_a_pool_structures_with_every_field() -> None:
    pool = _pool()

    assert pool == DialingPool(
        id=POOL_ID,
        owner_id=OWNER_ID,
        phone_numbers=("+12345678901", "+19876543210", "+15551234567"),
        encrypted_key=KEY_ID,
        created_at=SEED_CREATED_AT,
    )
    assert pool.raw == pool_json()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-15T10:30:00Z", datetime(2024, 1, 15, 10, 30, tzinfo=UTC)),
        ("2024-01-15T10:30:00.123456Z", datetime(2024, 1, 15, 10, 30, 0, 123456, tzinfo=UTC)),
        ("2024-01-15T10:30:00+00:00", datetime(2024, 1, 15, 10, 30, tzinfo=UTC)),
        ("2024-01-15 10:30:00", datetime(2024, 1, 15, 10, 30, tzinfo=UTC)),
        (
            "2024-01-15T12:30:00+02:00",
            datetime(2024, 1, 15, 12, 30, tzinfo=timezone(timedelta(hours=2))),
        ),
    ],
)
def test_timestamps_are_always_timezone_aware(text: str, expected: datetime) -> None:
    created = _pool(created_at=text).created_at

    assert created == expected
    assert created.tzinfo is not None
    assert created.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("value", [1705314600, None, "", "yesterday", "2024-13-01T00:00:00Z"])
def test_unreadable_timestamps_fail(value: Any) -> None:
    with pytest.raises(DecodeFailure):
        _pool(created_at=value)


def test_a_string_is_not_split_into_a_tuple_of_characters() -> None:
    with pytest.raises(DecodeFailure, match="phone_numbers"):
        _pool(phone_numbers="+12345678901")


@pytest.mark.parametrize("numbers", [[None], [True], [{"n": 1}], [["+12345678901"]]])
def test_numbers_must_be_strings(numbers: list[Any]) -> None:
    with pytest.raises(DecodeFailure):
        _pool(phone_numbers=numbers)


def test_a_json_number_in_a_string_field_reads_as_its_text() -> None:
    assert _pool(phone_numbers=[12345678901]).phone_numbers == ("12345678901",)


def test_an_id_sent_as_a_number_reads_as_text() -> None:
    assert _pool(id=42).id == "42"


def test_a_whole_float_id_reads_without_its_fraction() -> None:
    assert _pool(id=42.0).id == "42"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_non_finite_number_is_not_an_id(value: float) -> None:
    with pytest.raises(DecodeFailure):
        _pool(id=value)


def test_a_boolean_is_not_an_id() -> None:
    with pytest.raises(DecodeFailure):
        _pool(id=True)


def test_missing_required_field_fails_naming_it() -> None:
    data = pool_json()
    del data["owner_id"]

    with pytest.raises(DecodeFailure, match="owner_id"):
        BLAND.structure(data, DialingPool)


def test_unknown_keys_are_ignored_but_kept_in_raw() -> None:
    pool = _pool(region="us-east", tags=["a"])

    assert pool.raw["region"] == "us-east"
    assert pool.raw["tags"] == ["a"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        ("true", True),
        ("false", False),
        ("TRUE", True),
        (1, True),
        (0, False),
    ],
)
def test_booleans_read_strictly(value: Any, expected: bool) -> None:
    assert GHL.structure({"whisper": value}, NumberPool).whisper is expected


@pytest.mark.parametrize("value", ["yes", "", 2, -1, 1.0, [], {}])
def test_ambiguous_booleans_fail(value: Any) -> None:
    with pytest.raises(DecodeFailure):
        GHL.structure({"isActive": value}, NumberPool)


def test_ghl_camel_case_keys_map_to_snake_case_fields() -> None:
    data = fixture_json("ghl/list_success.json")["data"][0]

    pool = GHL.structure(data, NumberPool)

    assert pool.location_id == "loc123"
    assert pool.forwarding_number == "+14155552671"
    assert pool.whisper_message == "Incoming call from sales line"
    assert pool.call_recording is True
    assert pool.is_active is True
    assert pool.numbers == (PoolNumber(phone_number="+14155552671", friendly_name="Sales Line 1"),)
    assert pool.inbound_call_service == InboundCallService(
        type="voice_ai", value="68e381b296a83800a27cd1"
    )


def test_ghl_snake_case_keys_are_not_read() -> None:
    pool = GHL.structure({"location_id": "loc123", "is_active": True}, NumberPool)

    assert pool.location_id is None
    assert pool.is_active is None


def test_raw_is_kept_at_every_level() -> None:
    data = fixture_json("ghl/list_success.json")["data"][0]

    pool = GHL.structure(data, NumberPool)

    assert pool.raw == data
    assert pool.numbers[0].raw == data["numbers"][0]
    assert pool.inbound_call_service is not None
    assert pool.inbound_call_service.raw == data["inboundCallService"]


@pytest.mark.parametrize(
    "change",
    [
        lambda raw: raw.__setitem__("id", "x"),
        lambda raw: raw.pop("id"),
        lambda raw: raw.update(id="x"),
        lambda raw: raw["numbers"].append({}),
        lambda raw: raw["numbers"][0].__setitem__("phoneNumber", "+1"),
        lambda raw: raw["inboundCallService"].clear(),
    ],
)
def test_raw_is_read_only_at_every_level(change: Callable[[Any], object]) -> None:
    data = fixture_json("ghl/list_success.json")["data"][0]
    pool = GHL.structure(data, NumberPool)

    with pytest.raises(TypeError, match="read-only"):
        change(pool.raw)

    assert pool.raw == fixture_json("ghl/list_success.json")["data"][0]  # unchanged
    assert json.loads(json.dumps(pool.raw)) == data  # still JSON as it came


def test_a_copy_of_raw_is_a_plain_dict_to_change() -> None:
    pool = GHL.structure(fixture_json("ghl/list_success.json")["data"][0], NumberPool)

    mine = copy.deepcopy(pool.raw)
    mine["numbers"].append({"phoneNumber": "+14155550000"})

    assert type(mine) is dict
    assert len(pool.raw["numbers"]) == 1


def test_bland_unstructure_gives_the_api_json_without_raw() -> None:
    assert BLAND.unstructure(_pool()) == pool_json()


def test_ghl_unstructure_gives_camel_case_json_and_round_trips() -> None:
    data = fixture_json("ghl/list_success.json")["data"][0]
    pool = GHL.structure(data, NumberPool)

    assert GHL.unstructure(pool) == data
    assert GHL.structure(GHL.unstructure(pool), NumberPool) == pool


def test_a_failure_never_leaks_a_cattrs_exception() -> None:
    with pytest.raises(DecodeFailure) as caught:
        GHL.structure({"numbers": [{"phoneNumber": ["+1"]}]}, NumberPool)

    assert "phoneNumber" in str(caught.value) or "phone_number" in str(caught.value)
    assert caught.value.__cause__ is None


def test_an_object_is_required_for_a_model() -> None:
    with pytest.raises(DecodeFailure, match="DialingPool"):
        BLAND.structure(["not", "an", "object"], DialingPool)

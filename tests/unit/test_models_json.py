"""Models to JSON and back (issue 8), on answers the clients decoded from the wire:

- ``to_dict()`` of every model is JSON-ready in the SDK's own (snake_case) field names, times as
  ISO 8601 text, and ``from_dict()`` gives an equal model back (a Hypothesis property for
  ``DialingPool``); a value of the wrong type is a ``ValueError`` naming the field;
- ``raw`` is the server's JSON, read-only at every level, serializable with ``json.dumps``, and
  ``copy.deepcopy(raw)`` is the way to a plain, mutable copy;
- a GoHighLevel ``NumberPoolPage`` is a sequence of its pools.
"""

from __future__ import annotations

import copy
import json
import operator
import string
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from aioresponses import aioresponses
from hypothesis import given, settings, strategies as st

from bland_pools import AsyncBlandClient, DialingPool
from ghl_pools import AsyncGHLClient, InboundCallService, NumberPool, NumberPoolPage, PoolNumber

from ._support import (
    API_KEY,
    GHL_TOKEN,
    KEY_ID,
    LOCATION,
    NUMBERS,
    OWNER_ID,
    POOL_ID,
    POOLS_URL,
    envelope,
    fixture_json,
    ghl_list_url,
    pool_json,
    pool_url,
    request_count,
    sent,
    sent_headers,
)

SECOND_POOL_ID = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
# The docs' pool, and one without credentials created at a time with fractions of a second.
LISTED = [
    pool_json(),
    {
        **pool_json(SECOND_POOL_ID, ["+13125550100"], key=None),
        "created_at": "2025-03-09T08:07:06.543210Z",
    },
]
# The docs' pool, and two more as GoHighLevel sends them: camelCase, optional fields left out.
GHL_PAGE = {
    "success": True,
    "data": [
        *fixture_json("ghl/list_success.json")["data"],
        {
            "id": "pool-support-2",
            "name": "Support Pool",
            "locationId": LOCATION,
            "numbers": [
                {"phoneNumber": "+14155550100", "friendlyName": "Support 1"},
                {"phoneNumber": "+14155550101", "friendlyName": "Support 2"},
            ],
            "isActive": True,
        },
        {"id": "pool-spring-3", "name": "Spring Campaign", "numbers": [], "isActive": False},
    ],
    "total": 3,
}
SNAKE_CASE_DOCS_POOL = {
    "id": "ve9EPM428h8vShlRW1KT",
    "name": "Sales Team Pool",
    "location_id": "loc123",
    "numbers": [{"phone_number": "+14155552671", "friendly_name": "Sales Line 1"}],
    "forwarding_number": "+14155552671",
    "whisper": True,
    "whisper_message": "Incoming call from sales line",
    "call_recording": True,
    "is_active": True,
    "inbound_call_service": {"type": "voice_ai", "value": "68e381b296a83800a27cd1"},
}


def through_json(value: Any) -> Any:
    """``value`` after a trip through JSON text (a cache, an HTTP body)."""
    return json.loads(json.dumps(value))


async def served_pool(mock_http: aioresponses, bland: AsyncBlandClient) -> DialingPool:
    mock_http.get(pool_url(), payload=fixture_json("bland/get_success.json"))
    return await bland.pools.get(POOL_ID)


async def served_page(mock_http: aioresponses, ghl: AsyncGHLClient) -> NumberPoolPage:
    mock_http.get(ghl_list_url(LOCATION), payload=GHL_PAGE)
    return await ghl.pools.list(location_id=LOCATION)


# -- to_dict and from_dict ---------------------------------------------------------------------


async def test_a_served_pool_to_dict_is_json_ready_in_the_sdks_names(
    mock_http: aioresponses, bland: AsyncBlandClient
) -> None:
    pool = await served_pool(mock_http, bland)

    as_dict = pool.to_dict()

    assert as_dict == {
        "id": POOL_ID,
        "owner_id": OWNER_ID,
        "phone_numbers": NUMBERS,
        "encrypted_key": KEY_ID,
        "created_at": "2024-01-15T10:30:00Z",
    }
    assert type(as_dict["phone_numbers"]) is list
    assert through_json(as_dict) == as_dict
    (call,) = sent(mock_http, "GET", pool_url())
    assert request_count(mock_http) == 1
    assert sent_headers(call)["Authorization"] == API_KEY


async def test_served_pools_come_back_equal_from_json_through_from_dict(
    mock_http: aioresponses, bland: AsyncBlandClient
) -> None:
    mock_http.get(POOLS_URL, payload=envelope(LISTED))
    pools = await bland.pools.list()

    rebuilt = [DialingPool.from_dict(through_json(p.to_dict())) for p in pools]

    assert rebuilt == pools
    assert [p.created_at for p in rebuilt] == [
        datetime(2024, 1, 15, 10, 30, tzinfo=UTC),
        datetime(2025, 3, 9, 8, 7, 6, 543210, tzinfo=UTC),
    ]
    assert [p.raw for p in rebuilt] == LISTED  # rebuilt in the API's JSON keys
    assert len(sent(mock_http, "GET", POOLS_URL)) == 1


async def test_a_served_ghl_page_to_dict_is_pools_and_total_in_snake_case(
    mock_http: aioresponses, ghl: AsyncGHLClient
) -> None:
    documented = fixture_json("ghl/list_success_example_auto.json")  # total 5, one pool shown
    mock_http.get(ghl_list_url(LOCATION), payload=documented)
    page = await ghl.pools.list(location_id=LOCATION)

    as_dict = page.to_dict()

    assert as_dict == {"pools": [SNAKE_CASE_DOCS_POOL], "total": 5}  # total as the server said
    assert through_json(as_dict) == as_dict
    (call,) = sent(mock_http, "GET", ghl_list_url(LOCATION))
    assert sent_headers(call)["Authorization"] == f"Bearer {GHL_TOKEN}"
    assert sent_headers(call)["Version"] == "2021-07-28"


_GHL_MODELS: list[tuple[str, Callable[[NumberPoolPage], Any]]] = [
    ("NumberPoolPage", lambda page: page),
    ("NumberPool", lambda page: page.pools[0]),
    ("NumberPool-sparse", lambda page: page.pools[2]),
    ("PoolNumber", lambda page: page.pools[1].numbers[1]),
    ("InboundCallService", lambda page: page.pools[0].inbound_call_service),
]


@pytest.mark.parametrize(("name", "pick"), _GHL_MODELS, ids=[name for name, _ in _GHL_MODELS])
async def test_every_served_ghl_model_comes_back_equal_from_json_through_from_dict(
    mock_http: aioresponses, ghl: AsyncGHLClient, name: str, pick: Callable[[NumberPoolPage], Any]
) -> None:
    model = pick(await served_page(mock_http, ghl))

    as_dict = model.to_dict()
    rebuilt = type(model).from_dict(through_json(as_dict))

    assert type(model).__name__ == name.split("-")[0]
    assert rebuilt == model
    assert rebuilt.to_dict() == as_dict
    assert all(key == key.lower() for key in as_dict)  # the SDK's snake_case names


async def test_from_dict_rebuilds_raw_in_the_apis_keys_at_every_level(
    mock_http: aioresponses, ghl: AsyncGHLClient
) -> None:
    served = (await served_page(mock_http, ghl)).pools[0]

    rebuilt = NumberPool.from_dict(served.to_dict())

    assert rebuilt.raw == served.raw  # the pool itself: camelCase, as GoHighLevel sends it
    assert rebuilt.numbers[0].raw == served.numbers[0].raw  # and each number within it
    assert rebuilt.numbers[0].raw == rebuilt.raw["numbers"][0]


_VALID_POOL = {
    "id": POOL_ID,
    "owner_id": OWNER_ID,
    "phone_numbers": NUMBERS,
    "encrypted_key": None,
    "created_at": "2024-01-15T10:30:00Z",
}
_WRONG_TYPES: list[tuple[type[Any], dict[str, Any], str]] = [
    (DialingPool, {**_VALID_POOL, "created_at": 1705314600}, "created_at"),
    (DialingPool, {**_VALID_POOL, "created_at": "last tuesday"}, "created_at"),
    (DialingPool, {**_VALID_POOL, "phone_numbers": "+12345678901"}, "phone_numbers"),
    (DialingPool, {**_VALID_POOL, "encrypted_key": ["x"]}, "encrypted_key"),
    (NumberPool, {"whisper": "maybe"}, "whisper"),
    (NumberPool, {"numbers": [{"phone_number": ["+14155552671"]}]}, "phone_number"),
    (NumberPool, {"inbound_call_service": "voice_ai"}, "inbound_call_service"),
    (InboundCallService, {"type": {"voice": "ai"}}, "type"),
    (PoolNumber, {"friendly_name": [1]}, "friendly_name"),
    (NumberPoolPage, {"pools": [], "total": "many"}, "total"),
    (NumberPoolPage, {"pools": [{"is_active": "sometimes"}], "total": 1}, "is_active"),
]


@pytest.mark.parametrize(
    ("cls", "data", "field"),
    _WRONG_TYPES,
    ids=[f"{cls.__name__}.{field}-{i}" for i, (cls, _, field) in enumerate(_WRONG_TYPES)],
)
def test_from_dict_refuses_a_wrong_type_naming_the_field(
    cls: type[Any], data: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValueError, match=field):
        cls.from_dict(data)


_uuids = st.uuids().map(str)
_phone_numbers = st.lists(
    st.text(alphabet=string.digits, min_size=10, max_size=10).map("+1".__add__),
    min_size=1,
    max_size=6,
    unique=True,
).map(tuple)
_offsets = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: UTC if minutes == 0 else timezone(timedelta(minutes=minutes))
)
_dialing_pools = st.builds(
    DialingPool,
    id=_uuids,
    owner_id=_uuids,
    phone_numbers=_phone_numbers,
    encrypted_key=st.none() | _uuids,
    created_at=st.datetimes(
        min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=_offsets
    ),
)


@settings(max_examples=200, deadline=None)
@given(_dialing_pools)
def test_any_valid_dialing_pool_comes_back_equal_from_json_through_from_dict(
    pool: DialingPool,
) -> None:
    as_dict = pool.to_dict()

    rebuilt = DialingPool.from_dict(through_json(as_dict))

    assert rebuilt == pool
    assert rebuilt.created_at.utcoffset() == pool.created_at.utcoffset()
    assert type(as_dict["phone_numbers"]) is list
    if pool.created_at.utcoffset() == timedelta(0):
        assert as_dict["created_at"].endswith("Z")
    assert set(as_dict) == {a.name for a in attrs.fields(DialingPool)} - {"_raw"}


# -- raw ---------------------------------------------------------------------------------------

# A change to the raw JSON of a served pool or page (typed Any: they are read-only mappings).
Change = Callable[[Any, Any], object]
_CHANGES: dict[str, Change] = {
    "assign": lambda pool, page: operator.setitem(pool.raw, "id", "x"),
    "add-a-key": lambda pool, page: operator.setitem(pool.raw, "name", "x"),
    "delete": lambda pool, page: operator.delitem(pool.raw, "id"),
    "pop": lambda pool, page: pool.raw.pop("id"),
    "popitem": lambda pool, page: pool.raw.popitem(),
    "update": lambda pool, page: pool.raw.update(id="x"),
    "setdefault": lambda pool, page: pool.raw.setdefault("name", "x"),
    "clear": lambda pool, page: pool.raw.clear(),
    "merge-in-place": lambda pool, page: pool.raw.__ior__({"id": "x"}),
    "nested-list-append": lambda pool, page: pool.raw["phone_numbers"].append("+15550000000"),
    "nested-list-extend": lambda pool, page: pool.raw["phone_numbers"].__iadd__(["+1"]),
    "nested-list-item": lambda pool, page: operator.setitem(pool.raw["phone_numbers"], 0, "+1"),
    "nested-list-sort": lambda pool, page: pool.raw["phone_numbers"].sort(),
    "nested-list-remove": lambda pool, page: pool.raw["phone_numbers"].remove(NUMBERS[0]),
    "page-data-append": lambda pool, page: page.raw["data"].append({}),
    "page-nested-dict": lambda pool, page: operator.setitem(
        page.raw["data"][0]["numbers"][0], "phoneNumber", "+1"
    ),
    "pool-nested-dict": lambda pool, page: operator.setitem(
        page.pools[0].raw["inboundCallService"], "type", "ivr"
    ),
    "nested-model": lambda pool, page: operator.setitem(
        page.pools[0].numbers[0].raw, "friendlyName", "x"
    ),
    "nested-model-delete": lambda pool, page: operator.delitem(
        page.pools[0].inbound_call_service.raw, "value"
    ),
}


@pytest.mark.parametrize("change", _CHANGES.values(), ids=_CHANGES.keys())
async def test_raw_refuses_every_change_and_stays_the_servers_json(
    mock_http: aioresponses, bland: AsyncBlandClient, ghl: AsyncGHLClient, change: Change
) -> None:
    pool = await served_pool(mock_http, bland)
    page = await served_page(mock_http, ghl)

    with pytest.raises(TypeError, match="raw is read-only"):
        change(pool, page)

    served = fixture_json("bland/get_success.json")["data"]
    assert pool.raw == served
    assert json.loads(json.dumps(pool.raw)) == served
    assert page.raw == GHL_PAGE
    assert json.loads(json.dumps(page.raw)) == GHL_PAGE
    assert [p.raw for p in page] == GHL_PAGE["data"]
    assert page.pools[0].numbers[0].raw == GHL_PAGE["data"][0]["numbers"][0]


async def test_a_deep_copy_of_raw_is_the_plain_mutable_json(
    mock_http: aioresponses, bland: AsyncBlandClient, ghl: AsyncGHLClient
) -> None:
    pool = await served_pool(mock_http, bland)
    page = await served_page(mock_http, ghl)
    raw: Any = pool.raw
    with pytest.raises(TypeError, match=r"copy\.deepcopy"):  # the refusal says the way out
        raw["id"] = "x"

    mine: Any = copy.deepcopy(pool.raw)
    theirs: Any = copy.deepcopy(page.raw)
    mine["id"] = "changed"
    mine["phone_numbers"].append("+15550000000")
    theirs["data"][0]["numbers"][0]["phoneNumber"] = "+15550000001"

    assert (type(mine), type(mine["phone_numbers"])) == (dict, list)
    assert (type(theirs["data"]), type(theirs["data"][0]["numbers"][0])) == (list, dict)
    assert pool.raw == fixture_json("bland/get_success.json")["data"]  # the model's is intact
    assert page.raw == GHL_PAGE


# -- a page is a sequence ----------------------------------------------------------------------


async def test_a_served_ghl_page_is_a_sequence_of_its_pools(
    mock_http: aioresponses, ghl: AsyncGHLClient
) -> None:
    page = await served_page(mock_http, ghl)
    first, second, third = page.pools
    stranger = NumberPool(id="not-on-this-page")

    assert isinstance(page, Sequence)
    assert (page[0], page[1], page[-1]) == (first, second, third)
    assert page[1:] == (second, third)
    assert type(page[1:]) is tuple
    assert page[::-1] == (third, second, first)
    assert len(page) == 3
    assert list(page) == [first, second, third]
    assert list(reversed(page)) == [third, second, first]
    assert second in page
    assert stranger not in page
    assert page.index(third) == 2
    assert page.count(first) == 1
    assert page.count(stranger) == 0
    with pytest.raises(IndexError):
        page[3]
    assert [p.name for p in page] == ["Sales Team Pool", "Support Pool", "Spring Campaign"]
    assert len(sent(mock_http, "GET", ghl_list_url(LOCATION))) == 1

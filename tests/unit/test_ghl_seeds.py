"""GoHighLevel's documented examples (tests/fixtures/ghl) through ``decode_page`` and the client."""

from __future__ import annotations

from typing import Any

import pytest
from aioresponses import aioresponses

import ghl_pools
import pools_core
from ghl_pools import AsyncGHLClient, InboundCallService, NumberPool, NumberPoolPage, PoolNumber
from ghl_pools._protocol import decode_page

from ._support import LOCATION, fixture_bytes, fixture_json, ghl_list_url, response

SUCCESS_SEEDS = [("ghl/list_success.json", 1), ("ghl/list_success_example_auto.json", 5)]

EXPECTED_POOL = NumberPool(
    id="ve9EPM428h8vShlRW1KT",
    name="Sales Team Pool",
    location_id="loc123",
    numbers=(PoolNumber(phone_number="+14155552671", friendly_name="Sales Line 1"),),
    forwarding_number="+14155552671",
    whisper=True,
    whisper_message="Incoming call from sales line",
    call_recording=True,
    is_active=True,
    inbound_call_service=InboundCallService(type="voice_ai", value="68e381b296a83800a27cd1"),
)


def _page(body: Any, status: int = 200) -> NumberPoolPage:
    return decode_page(response(status, body, url=ghl_list_url()))


@pytest.mark.parametrize(("seed", "total"), SUCCESS_SEEDS)
def test_documented_list_decodes_every_field(seed: str, total: int) -> None:
    page = _page(fixture_bytes(seed))

    assert page.pools == (EXPECTED_POOL,)
    assert page.total == total
    assert isinstance(page.pools, tuple)
    assert isinstance(page.pools[0].numbers, tuple)


def test_total_is_kept_as_the_server_said_even_when_it_differs_from_the_pools() -> None:
    page = _page(fixture_bytes("ghl/list_success_example_auto.json"))

    assert page.total == 5
    assert len(page.pools) == 1
    assert len(page) == 1
    assert list(page) == [EXPECTED_POOL]


@pytest.mark.parametrize(("seed", "total"), SUCCESS_SEEDS)
def test_documented_list_keeps_raw_objects(seed: str, total: int) -> None:
    body = fixture_json(seed)
    page = _page(fixture_bytes(seed))
    pool = page.pools[0]

    assert page.raw == body
    assert pool.raw == body["data"][0]
    assert pool.numbers[0].raw == body["data"][0]["numbers"][0]
    assert pool.inbound_call_service is not None
    assert pool.inbound_call_service.raw == body["data"][0]["inboundCallService"]


def test_unknown_fields_are_tolerated_and_reachable_in_raw() -> None:
    body = fixture_json("ghl/list_success.json")
    body["data"][0]["recordingChannel"] = "dual"
    body["data"][0]["numbers"][0]["capabilities"] = ["voice"]
    body["traceId"] = "t-1"

    page = _page(body)

    assert page.pools == (EXPECTED_POOL,)
    assert page.pools[0].raw["recordingChannel"] == "dual"
    assert page.pools[0].numbers[0].raw["capabilities"] == ["voice"]
    assert page.raw["traceId"] == "t-1"


def test_unknown_inbound_call_service_type_is_kept_as_a_string() -> None:
    body = fixture_json("ghl/list_success.json")
    body["data"][0]["inboundCallService"]["type"] = "ivr_next_gen"

    pool = _page(body).pools[0]

    assert pool.inbound_call_service == InboundCallService(
        type="ivr_next_gen", value="68e381b296a83800a27cd1"
    )


def test_null_inbound_call_service_decodes_to_none() -> None:
    body = fixture_json("ghl/list_success.json")
    body["data"][0]["inboundCallService"] = None

    assert _page(body).pools[0].inbound_call_service is None


def test_null_numbers_decode_to_an_empty_tuple_and_the_page_survives() -> None:
    body = fixture_json("ghl/list_success.json")
    empty = {**body["data"][0], "id": "pool-without-numbers", "numbers": None}
    body["data"].append(empty)

    page = _page(body)

    assert [p.id for p in page.pools] == [body["data"][0]["id"], "pool-without-numbers"]
    assert page.pools[1].numbers == ()
    assert page.pools[0].numbers != ()


def test_null_data_decodes_to_an_empty_page() -> None:
    page = _page({"success": True, "data": None, "total": 0})

    assert page.pools == ()


def test_a_missing_data_key_is_a_malformed_answer() -> None:
    with pytest.raises(ghl_pools.UnexpectedResponseError, match="'data' is NoneType"):
        _page({"success": True, "total": 0})


def test_every_pool_field_is_optional() -> None:
    page = _page({"success": True, "data": [{}], "total": 1})

    assert page.pools == (NumberPool(),)
    assert page.pools[0].numbers == ()
    assert page.pools[0].name is None


def test_missing_total_is_the_number_of_pools() -> None:
    body = fixture_json("ghl/list_success.json")
    del body["total"]

    assert _page(body).total == 1


def test_empty_list_decodes_to_an_empty_page() -> None:
    page = _page({"success": True, "data": [], "total": 0})

    assert page.pools == ()
    assert page.total == 0


@pytest.mark.parametrize("status", [400, 422])
def test_documented_bad_request_raises_bad_request_error(status: int) -> None:
    with pytest.raises(ghl_pools.BadRequestError) as caught:
        _page(fixture_bytes("ghl/list_bad_request.json"), status=status)

    err = caught.value
    assert type(err) is ghl_pools.BadRequestError
    assert err.message == "Invalid locationId format"
    assert err.code == "Bad Request"
    assert err.status == status
    assert err.body == fixture_json("ghl/list_bad_request.json")
    assert isinstance(err, pools_core.BadRequestError)
    assert isinstance(err, ghl_pools.GHLError)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, ghl_pools.AuthenticationError),
        (403, ghl_pools.PermissionDeniedError),
        (404, ghl_pools.NotFoundError),
        (429, ghl_pools.RateLimitError),
        (500, ghl_pools.ServerError),
        (503, ghl_pools.ServerError),
    ],
)
def test_documented_bodyless_errors_map_by_status(
    status: int, cls: type[ghl_pools.APIError]
) -> None:
    with pytest.raises(cls) as caught:
        _page(b"", status=status)

    assert type(caught.value) is cls
    assert caught.value.status == status
    assert caught.value.message  # a readable message even though the server said nothing


async def test_client_decodes_the_documented_success(
    mock_http: aioresponses, ghl: AsyncGHLClient
) -> None:
    mock_http.get(ghl_list_url(), body=fixture_bytes("ghl/list_success.json"))

    page = await ghl.pools.list(location_id=LOCATION)

    assert page.pools == (EXPECTED_POOL,)
    assert page.total == 1


async def test_client_raises_the_documented_bad_request(
    mock_http: aioresponses, ghl: AsyncGHLClient
) -> None:
    mock_http.get(ghl_list_url(), status=400, body=fixture_bytes("ghl/list_bad_request.json"))

    with pytest.raises(ghl_pools.BadRequestError, match="Invalid locationId format") as caught:
        await ghl.pools.list(location_id=LOCATION)

    assert caught.value.status == 400
    assert caught.value.url == ghl_list_url()


async def test_client_raises_authentication_error_on_an_empty_401(
    mock_http: aioresponses, ghl: AsyncGHLClient
) -> None:
    mock_http.get(ghl_list_url(), status=401, body=b"")

    with pytest.raises(ghl_pools.AuthenticationError) as caught:
        await ghl.pools.list(location_id=LOCATION)

    assert caught.value.status == 401
    assert caught.value.body is None

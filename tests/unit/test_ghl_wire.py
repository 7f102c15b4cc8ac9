"""What the GoHighLevel client sends: ``GET /phone-system/number-pools`` with the documented
headers, and ``locationId`` explicit, from the client's default, or left out."""

from __future__ import annotations

from typing import Any

import pytest
from aioresponses import aioresponses

import ghl_pools
from ghl_pools import AsyncGHLClient

from ._support import (
    GHL_TOKEN,
    LOCATION,
    NUMBER_POOLS_URL,
    fixture_json,
    ghl_list_url,
    request_count,
    sent,
    sent_headers,
)


def _only(mock: aioresponses, url: str) -> Any:
    calls = sent(mock, "GET", url)
    assert len(calls) == 1, mock.requests
    assert request_count(mock) == 1
    return calls[0]


def _assert_ghl_headers(call: Any, *, version: str = "2021-07-28") -> None:
    h = sent_headers(call)
    assert h.getall("Authorization") == [f"Bearer {GHL_TOKEN}"]
    assert h["Version"] == version
    assert h["Accept"] == "application/json"
    assert h["User-Agent"].startswith(f"ghl-pools/{ghl_pools.__version__}")
    assert "Content-Type" not in h
    assert call.kwargs.get("data") is None
    assert call.kwargs["allow_redirects"] is False


async def test_list_with_explicit_location_sends_it_as_the_query(
    mock_http: aioresponses, ghl: AsyncGHLClient
) -> None:
    mock_http.get(ghl_list_url(LOCATION), payload=fixture_json("ghl/list_success.json"))

    await ghl.pools.list(location_id=LOCATION)

    call = _only(mock_http, ghl_list_url(LOCATION))
    _assert_ghl_headers(call)
    assert call.kwargs["params"] is None  # the query is in the URL, encoded once per location


async def test_list_uses_the_clients_default_location(mock_http: aioresponses) -> None:
    mock_http.get(ghl_list_url("defaultLoc42"), payload=fixture_json("ghl/list_success.json"))

    async with AsyncGHLClient(token=GHL_TOKEN, location_id="defaultLoc42") as client:
        await client.pools.list()

    _assert_ghl_headers(_only(mock_http, ghl_list_url("defaultLoc42")))


async def test_explicit_location_beats_the_clients_default(mock_http: aioresponses) -> None:
    mock_http.get(ghl_list_url(LOCATION), payload=fixture_json("ghl/list_success.json"))

    async with AsyncGHLClient(token=GHL_TOKEN, location_id="defaultLoc42") as client:
        await client.pools.list(location_id=LOCATION)

    _only(mock_http, ghl_list_url(LOCATION))


async def test_list_uses_ghl_location_id_from_the_environment(
    mock_http: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GHL_LOCATION_ID", "envLoc7")
    mock_http.get(ghl_list_url("envLoc7"), payload=fixture_json("ghl/list_success.json"))

    async with AsyncGHLClient(token=GHL_TOKEN) as client:
        assert client.location_id == "envLoc7"
        await client.pools.list()

    _only(mock_http, ghl_list_url("envLoc7"))


async def test_list_with_location_none_sends_no_query(mock_http: aioresponses) -> None:
    mock_http.get(NUMBER_POOLS_URL, payload=fixture_json("ghl/list_success.json"))

    async with AsyncGHLClient(token=GHL_TOKEN, location_id="defaultLoc42") as client:
        await client.pools.list(location_id=None)

    call = _only(mock_http, NUMBER_POOLS_URL)
    assert call.kwargs["params"] is None
    _assert_ghl_headers(call)


async def test_list_without_any_location_sends_no_query(
    mock_http: aioresponses, ghl: AsyncGHLClient
) -> None:
    mock_http.get(NUMBER_POOLS_URL, payload=fixture_json("ghl/list_success.json"))

    await ghl.pools.list()

    assert _only(mock_http, NUMBER_POOLS_URL).kwargs["params"] is None


async def test_location_is_percent_encoded_in_the_query(
    mock_http: aioresponses, ghl: AsyncGHLClient
) -> None:
    odd = "loc&x=1#y"
    mock_http.get(f"{NUMBER_POOLS_URL}?locationId=loc%26x%3D1%23y", payload={"data": []})

    await ghl.pools.list(location_id=odd)

    call = _only(mock_http, f"{NUMBER_POOLS_URL}?locationId=loc%26x%3D1%23y")
    assert call.kwargs["params"] is None  # encoded by the SDK, matched above


@pytest.mark.parametrize("version", ["v3", "2021-04-15"])
async def test_version_header_can_be_chosen(mock_http: aioresponses, version: str) -> None:
    mock_http.get(ghl_list_url(), payload=fixture_json("ghl/list_success.json"))

    async with AsyncGHLClient(token=GHL_TOKEN, version=version) as client:
        await client.pools.list(location_id=LOCATION)

    _assert_ghl_headers(_only(mock_http, ghl_list_url()), version=version)


def test_default_version_is_the_documented_one() -> None:
    assert ghl_pools.API_VERSION == "2021-07-28"


@pytest.mark.parametrize("bad", ["", " ", "a b", "tab\there", "new\nline", "é", "x" * 129])
async def test_a_location_that_cannot_be_an_id_is_refused_before_sending(
    mock_http: aioresponses, ghl: AsyncGHLClient, bad: str
) -> None:
    with pytest.raises(ghl_pools.BadRequestError) as caught:
        await ghl.pools.list(location_id=bad)

    assert caught.value.status is None
    assert repr(bad)[:40] in str(caught.value)
    assert mock_http.requests == {}


async def test_custom_base_url_is_used(mock_http: aioresponses) -> None:
    url = "http://localhost:9000/phone-system/number-pools?locationId=" + LOCATION
    mock_http.get(url, payload=fixture_json("ghl/list_success.json"))

    async with AsyncGHLClient(token=GHL_TOKEN, base_url="http://localhost:9000/") as client:
        await client.pools.list(location_id=LOCATION)

    _only(mock_http, url)

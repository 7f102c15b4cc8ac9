"""What the Bland client puts on the wire: method, exact URL, headers and JSON body, per call."""

from __future__ import annotations

from typing import Any

import pytest
from aioresponses import aioresponses

import bland_pools
from bland_pools import AsyncBlandClient

from ._support import (
    API_KEY,
    KEY_ID,
    NUMBERS,
    POOL_ID,
    POOLS_URL,
    envelope,
    fixture_json,
    pool_json,
    pool_url,
    request_count,
    sent,
    sent_headers,
    sent_json,
    update_url,
)


def _only(mock: aioresponses, method: str, url: str) -> Any:
    calls = sent(mock, method, url)
    assert len(calls) == 1, mock.requests
    assert request_count(mock) == 1
    return calls[0]


def _assert_bland_headers(call: Any, *, with_body: bool) -> None:
    sent_h = sent_headers(call)
    assert sent_h["Authorization"] == API_KEY  # the bare key: Bland takes no "Bearer"
    assert "bearer" not in sent_h["Authorization"].lower()
    assert sent_h.getall("Authorization") == [API_KEY]
    assert sent_h["User-Agent"].startswith(f"bland-pools/{bland_pools.__version__}")
    if with_body:
        assert sent_h["Content-Type"] == "application/json"
    else:
        assert "Content-Type" not in sent_h


async def test_list_sends_a_bare_get_to_the_collection(
    mock_http: aioresponses, bland: AsyncBlandClient
) -> None:
    mock_http.get(POOLS_URL, payload=envelope([pool_json()]))

    pools = await bland.pools.list()

    call = _only(mock_http, "GET", POOLS_URL)
    _assert_bland_headers(call, with_body=False)
    assert call.kwargs["params"] is None
    assert call.kwargs.get("data") is None
    assert call.kwargs["allow_redirects"] is False
    assert [p.id for p in pools] == [POOL_ID]


async def test_get_sends_get_to_the_pool_url(
    mock_http: aioresponses, bland: AsyncBlandClient
) -> None:
    mock_http.get(pool_url(), payload=fixture_json("bland/get_success.json"))

    await bland.pools.get(POOL_ID)

    call = _only(mock_http, "GET", pool_url())
    _assert_bland_headers(call, with_body=False)
    assert call.kwargs["params"] is None
    assert call.kwargs.get("data") is None


async def test_get_accepts_an_uppercase_uuid_and_sends_it_as_given(
    mock_http: aioresponses, bland: AsyncBlandClient
) -> None:
    upper = POOL_ID.upper()
    mock_http.get(pool_url(upper), payload=envelope(pool_json(upper)))

    pool = await bland.pools.get(upper)

    assert pool.id == upper
    _only(mock_http, "GET", pool_url(upper))


async def test_create_posts_numbers_and_key_as_json(
    mock_http: aioresponses, bland: AsyncBlandClient
) -> None:
    mock_http.post(POOLS_URL, payload=fixture_json("bland/create_success.json"))

    await bland.pools.create(NUMBERS, encrypted_key=KEY_ID)

    call = _only(mock_http, "POST", POOLS_URL)
    _assert_bland_headers(call, with_body=True)
    assert sent_json(call) == {"phone_numbers": NUMBERS, "encrypted_key": KEY_ID}
    assert call.kwargs["params"] is None


async def test_create_body_is_the_documented_request_example(
    mock_http: aioresponses, bland: AsyncBlandClient
) -> None:
    documented = fixture_json("bland/create_request.json")
    mock_http.post(POOLS_URL, payload=fixture_json("bland/create_success.json"))

    await bland.pools.create(documented["phone_numbers"], encrypted_key=documented["encrypted_key"])

    assert sent_json(_only(mock_http, "POST", POOLS_URL)) == documented


@pytest.mark.parametrize("kwargs", [{}, {"encrypted_key": None}])
async def test_create_without_a_key_sends_no_key(
    mock_http: aioresponses, bland: AsyncBlandClient, kwargs: dict[str, Any]
) -> None:
    mock_http.post(POOLS_URL, payload=envelope(pool_json(key=None)))

    await bland.pools.create(["+12345678901"], **kwargs)

    body = sent_json(_only(mock_http, "POST", POOLS_URL))
    assert body == {"phone_numbers": ["+12345678901"]}
    assert "encrypted_key" not in body


async def test_create_accepts_any_iterable_of_numbers_and_sends_a_list(
    mock_http: aioresponses, bland: AsyncBlandClient
) -> None:
    mock_http.post(POOLS_URL, payload=envelope(pool_json(key=None)))

    await bland.pools.create(n for n in NUMBERS)

    assert sent_json(_only(mock_http, "POST", POOLS_URL)) == {"phone_numbers": NUMBERS}


async def test_create_body_is_compact_utf8_json(
    mock_http: aioresponses, bland: AsyncBlandClient
) -> None:
    mock_http.post(POOLS_URL, payload=envelope(pool_json()))

    await bland.pools.create(["+12345678901"], encrypted_key=KEY_ID)

    data = _only(mock_http, "POST", POOLS_URL).kwargs["data"]
    assert data == (
        b'{"phone_numbers":["+12345678901"],"encrypted_key":"' + KEY_ID.encode() + b'"}'
    )


async def test_update_with_key_omitted_sends_no_key(
    mock_http: aioresponses, bland: AsyncBlandClient
) -> None:
    mock_http.post(update_url(), payload=fixture_json("bland/update_success.json"))

    await bland.pools.update(POOL_ID, NUMBERS)

    call = _only(mock_http, "POST", update_url())
    _assert_bland_headers(call, with_body=True)
    body = sent_json(call)
    assert body == {"phone_numbers": NUMBERS}
    assert "encrypted_key" not in body


async def test_update_with_key_none_sends_null_to_remove_credentials(
    mock_http: aioresponses, bland: AsyncBlandClient
) -> None:
    documented = fixture_json("bland/update_remove_credentials_request.json")
    mock_http.post(update_url(), payload=envelope(pool_json(key=None)))

    pool = await bland.pools.update(POOL_ID, documented["phone_numbers"], encrypted_key=None)

    call = _only(mock_http, "POST", update_url())
    assert sent_json(call) == documented
    assert sent_json(call) == {
        "phone_numbers": ["+12345678901", "+19876543210"],
        "encrypted_key": None,
    }
    assert b'"encrypted_key":null' in call.kwargs["data"]
    assert pool.encrypted_key is None


async def test_update_with_a_uuid_sends_it(
    mock_http: aioresponses, bland: AsyncBlandClient
) -> None:
    documented = fixture_json("bland/update_request.json")
    mock_http.post(update_url(), payload=fixture_json("bland/update_success.json"))

    await bland.pools.update(
        POOL_ID, documented["phone_numbers"], encrypted_key=documented["encrypted_key"]
    )

    assert sent_json(_only(mock_http, "POST", update_url())) == documented


async def test_update_with_not_given_sentinel_is_the_same_as_omitting(
    mock_http: aioresponses, bland: AsyncBlandClient
) -> None:
    mock_http.post(update_url(), payload=fixture_json("bland/update_success.json"))

    await bland.pools.update(POOL_ID, NUMBERS, encrypted_key=bland_pools.NOT_GIVEN)

    assert sent_json(_only(mock_http, "POST", update_url())) == {"phone_numbers": NUMBERS}


async def test_every_call_sends_a_user_agent_naming_the_sdk_version(
    mock_http: aioresponses, bland: AsyncBlandClient
) -> None:
    mock_http.get(POOLS_URL, payload=envelope([]))
    mock_http.get(pool_url(), payload=envelope(pool_json()))
    mock_http.post(POOLS_URL, payload=envelope(pool_json()))
    mock_http.post(update_url(), payload=envelope(pool_json()))

    await bland.pools.list()
    await bland.pools.get(POOL_ID)
    await bland.pools.create(NUMBERS)
    await bland.pools.update(POOL_ID, NUMBERS)

    calls = [c for calls in mock_http.requests.values() for c in calls]
    assert len(calls) == 4
    for call in calls:
        assert f"bland-pools/{bland_pools.__version__}" in sent_headers(call)["User-Agent"]


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:8080/proxy",
        "http://127.0.0.1:8080/proxy/",
        " http://127.0.0.1:8080/proxy ",
    ],
)
async def test_base_url_path_prefix_is_kept_and_never_doubles_a_slash(
    mock_http: aioresponses, base_url: str
) -> None:
    url = "http://127.0.0.1:8080/proxy/v1/custom-dialing-pools"
    mock_http.get(url, payload=envelope([]))

    async with AsyncBlandClient(api_key=API_KEY, base_url=base_url) as client:
        assert client.base_url == "http://127.0.0.1:8080/proxy"
        assert await client.pools.list() == []

    assert len(sent(mock_http, "GET", url)) == 1

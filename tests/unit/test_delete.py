"""The delete endpoint on the wire (aioresponses): a bare ``DELETE`` of the pool's URL with the
bare key and no body; the docs' success body (no ``status`` field) decodes to ``None``;
``POOL_NOT_FOUND`` and ``POOL_DELETE_FAILURE`` map to their classes, the latter retried; a
retry that finds the pool gone after an attempt whose answer was lost is a success, while
"not found" on the first attempt (or after an attempt that surely changed nothing) is an
error; an id that is not a UUID is refused before sending; the blocking twin does the same."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

import bland_pools
from bland_pools import (
    APIConnectionError,
    AsyncBlandClient,
    BlandClient,
    InvalidPoolIdError,
    PoolDeleteFailedError,
    PoolNotFoundError,
    ServerError,
)
from bland_pools._protocol import decode_deleted
from bland_pools.testing import FakeClock

from ._support import (
    API_KEY,
    POOL_ID,
    Wire,
    connector_error,
    error_envelope,
    request_count,
    response,
    sent_headers,
)

DELETE_URL = f"https://us.api.bland.ai/v1/custom-dialing-pools/{POOL_ID}"
# The docs' example, exactly: no "status" field.
DELETED_BODY = {
    "data": {
        "message": "Geospatial dialing pool deleted successfully",
        "deleted_pool_id": POOL_ID,
    },
    "errors": None,
}
NOT_FOUND_BODY = error_envelope(("POOL_NOT_FOUND", "Geospatial dialing pool not found"))
DELETE_FAILURE_BODY = error_envelope(("POOL_DELETE_FAILURE", "Failed to delete the pool"))


def _lost(kind: str) -> dict[str, Any]:
    """The answer of an attempt whose outcome is unknown, as ``Wire.add`` keyword arguments."""
    if kind == "disconnected":
        return {"exception": aiohttp.ServerDisconnectedError()}
    if kind == "timeout":
        return {"exception": TimeoutError()}
    if kind == "bad_gateway":
        return {"status": 502, "body": "<html>502 Bad Gateway</html>", "content_type": "text/html"}
    raise AssertionError(kind)


# -- the request on the wire -----------------------------------------------------------------


async def test_delete_sends_a_bare_delete_to_the_pool_url(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    wire.add("DELETE", DELETE_URL, payload=DELETED_BODY)

    result = await bland.pools.delete(POOL_ID)

    assert result is None
    assert wire.calls == [("DELETE", DELETE_URL)]
    (call,) = wire.log
    sent = sent_headers(call)
    assert sent.getall("Authorization") == [API_KEY]  # the bare key, no "Bearer"
    assert sent["User-Agent"].startswith(f"bland-pools/{bland_pools.__version__}")
    assert "Content-Type" not in sent
    assert call.kwargs.get("data") is None
    assert call.kwargs.get("json") is None
    assert call.kwargs["params"] is None
    assert call.kwargs["allow_redirects"] is False
    wire.assert_complete()


async def test_an_uppercase_id_is_sent_as_given(wire: Wire, bland: AsyncBlandClient) -> None:
    upper = POOL_ID.upper()
    url = f"https://us.api.bland.ai/v1/custom-dialing-pools/{upper}"
    wire.add("DELETE", url, payload=DELETED_BODY)

    await bland.pools.delete(upper)

    assert wire.calls == [("DELETE", url)]


@pytest.mark.parametrize(
    "pool_id",
    [
        "not-a-uuid",
        "",
        f"{POOL_ID}/update",
        "../550e8400-e29b-41d4-a716-44665544000",
        f"{POOL_ID}?x=1",
        None,
        42,
    ],
)
async def test_an_id_that_is_not_a_uuid_is_refused_before_sending(
    mock_http: aioresponses, bland: AsyncBlandClient, pool_id: Any
) -> None:
    with pytest.raises(InvalidPoolIdError) as caught:
        await bland.pools.delete(pool_id)

    assert caught.value.status is None  # raised by the SDK, not the server
    assert request_count(mock_http) == 0


# -- decoding (I/O-free) ---------------------------------------------------------------------


def test_the_docs_success_body_without_status_decodes_to_none() -> None:
    assert "status" not in DELETED_BODY
    assert decode_deleted(response(200, DELETED_BODY, method="DELETE", url=DELETE_URL)) is None


def test_a_success_envelope_with_status_decodes_to_none_too() -> None:
    body = {"status": "success", **DELETED_BODY}
    assert decode_deleted(response(200, body, method="DELETE", url=DELETE_URL)) is None


def test_not_found_on_a_first_attempt_is_an_error_when_decoded() -> None:
    with pytest.raises(PoolNotFoundError):
        decode_deleted(response(404, NOT_FOUND_BODY, method="DELETE", url=DELETE_URL))


def test_not_found_after_an_attempt_that_may_have_worked_decodes_to_none() -> None:
    answer = response(404, NOT_FOUND_BODY, method="DELETE", url=DELETE_URL)._replace(repeated=True)
    assert decode_deleted(answer) is None


def test_a_delete_failure_after_a_lost_attempt_is_still_an_error() -> None:
    answer = response(500, DELETE_FAILURE_BODY, method="DELETE", url=DELETE_URL)._replace(
        repeated=True
    )
    with pytest.raises(PoolDeleteFailedError):
        decode_deleted(answer)


# -- errors and retries ----------------------------------------------------------------------


async def test_pool_not_found_on_the_first_attempt_is_raised(
    wire: Wire, bland: AsyncBlandClient, clock: FakeClock
) -> None:
    wire.add("DELETE", DELETE_URL, status=404, payload=NOT_FOUND_BODY)

    with pytest.raises(PoolNotFoundError) as caught:
        await bland.pools.delete(POOL_ID)

    assert caught.value.status == 404
    assert caught.value.code == "POOL_NOT_FOUND"
    assert wire.calls == [("DELETE", DELETE_URL)]  # not retried
    assert clock.sleeps == []
    wire.assert_complete()


async def test_pool_delete_failure_is_a_server_error_and_is_retried(
    wire: Wire, bland: AsyncBlandClient, clock: FakeClock
) -> None:
    wire.add("DELETE", DELETE_URL, status=500, payload=DELETE_FAILURE_BODY, repeat=3)

    with pytest.raises(PoolDeleteFailedError) as caught:
        await bland.pools.delete(POOL_ID, max_retries=2)

    assert isinstance(caught.value, ServerError)
    assert caught.value.status == 500
    assert caught.value.code == "POOL_DELETE_FAILURE"
    assert wire.calls == [("DELETE", DELETE_URL)] * 3
    assert len(clock.sleeps) == 2  # waited by the fake clock, not slept
    wire.assert_complete()


async def test_pool_delete_failure_then_success_returns_none(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    wire.add("DELETE", DELETE_URL, status=500, payload=DELETE_FAILURE_BODY)
    wire.add("DELETE", DELETE_URL, payload=DELETED_BODY)

    assert await bland.pools.delete(POOL_ID) is None
    assert len(wire.calls) == 2


@pytest.mark.parametrize("lost", ["disconnected", "timeout", "bad_gateway"])
async def test_not_found_on_the_retry_of_a_lost_attempt_is_success(
    wire: Wire, bland: AsyncBlandClient, lost: str
) -> None:
    wire.add("DELETE", DELETE_URL, **_lost(lost))
    wire.add("DELETE", DELETE_URL, status=404, payload=NOT_FOUND_BODY)

    assert await bland.pools.delete(POOL_ID) is None

    assert wire.calls == [("DELETE", DELETE_URL)] * 2
    wire.assert_complete()


async def test_a_delete_failure_then_not_found_is_success(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    # A 500 may have deleted the pool all the same: the retry's "not found" says it did.
    wire.add("DELETE", DELETE_URL, status=500, payload=DELETE_FAILURE_BODY)
    wire.add("DELETE", DELETE_URL, status=404, payload=NOT_FOUND_BODY)

    assert await bland.pools.delete(POOL_ID) is None


async def test_a_lost_attempt_then_a_429_then_not_found_is_success(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    wire.add("DELETE", DELETE_URL, exception=aiohttp.ServerDisconnectedError())
    wire.add(
        "DELETE",
        DELETE_URL,
        status=429,
        payload=error_envelope(("TOO_MANY_REQUESTS", "Too Many Requests")),
        headers={"Retry-After": "1"},
    )
    wire.add("DELETE", DELETE_URL, status=404, payload=NOT_FOUND_BODY)

    assert await bland.pools.delete(POOL_ID, max_retries=3) is None
    assert len(wire.calls) == 3


@pytest.mark.parametrize(
    "first",
    [
        # A 429 changed nothing on the server: the pool was never there.
        pytest.param(
            {
                "status": 429,
                "payload": error_envelope(("TOO_MANY_REQUESTS", "Too Many Requests")),
                "headers": {"Retry-After": "1"},
            },
            id="after-a-429",
        ),
        # Nothing was sent the first time, so "not found" the second is the truth.
        pytest.param({"exception": connector_error()}, id="after-a-refused-connection"),
    ],
)
async def test_not_found_after_an_attempt_that_changed_nothing_is_an_error(
    wire: Wire, bland: AsyncBlandClient, first: dict[str, Any]
) -> None:
    wire.add("DELETE", DELETE_URL, **first)
    wire.add("DELETE", DELETE_URL, status=404, payload=NOT_FOUND_BODY)

    with pytest.raises(PoolNotFoundError):
        await bland.pools.delete(POOL_ID)
    assert len(wire.calls) == 2


async def test_a_lost_answer_with_no_retry_left_is_raised(
    wire: Wire, bland: AsyncBlandClient
) -> None:
    wire.add("DELETE", DELETE_URL, exception=aiohttp.ServerDisconnectedError())

    with pytest.raises(APIConnectionError) as caught:
        await bland.pools.delete(POOL_ID, max_retries=0)

    assert caught.value.request_sent is True
    assert wire.calls == [("DELETE", DELETE_URL)]


# -- the blocking twin -----------------------------------------------------------------------


def test_the_blocking_delete_sends_the_same_request(wire: Wire) -> None:
    wire.add("DELETE", DELETE_URL, payload=DELETED_BODY)

    with BlandClient(api_key=API_KEY, clock=FakeClock()) as bland:
        assert bland.pools.delete(POOL_ID) is None

    assert wire.calls == [("DELETE", DELETE_URL)]
    assert sent_headers(wire.log[0]).getall("Authorization") == [API_KEY]
    assert wire.log[0].kwargs.get("data") is None


def test_the_blocking_delete_raises_the_same_errors(mock_http: aioresponses, wire: Wire) -> None:
    wire.add("DELETE", DELETE_URL, status=404, payload=NOT_FOUND_BODY)

    with BlandClient(api_key=API_KEY, clock=FakeClock()) as bland:
        with pytest.raises(PoolNotFoundError):
            bland.pools.delete(POOL_ID)
        with pytest.raises(InvalidPoolIdError):
            bland.pools.delete("nope")

    assert request_count(mock_http) == 1


def test_the_blocking_delete_reports_success_after_a_lost_attempt(wire: Wire) -> None:
    clock = FakeClock()
    wire.add("DELETE", DELETE_URL, exception=aiohttp.ServerDisconnectedError())
    wire.add("DELETE", DELETE_URL, status=404, payload=NOT_FOUND_BODY)

    with BlandClient(api_key=API_KEY, clock=clock) as bland:
        assert bland.pools.delete(POOL_ID) is None

    assert len(wire.calls) == 2
    assert len(clock.sleeps) == 1

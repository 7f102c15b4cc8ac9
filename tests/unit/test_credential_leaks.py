"""The credential never shows: not in a client's repr, an error's str/repr/traceback, nor a log
record, on any path (mocked, and on real sockets where aiohttp's own frames are in the chain),
nor in a pickle; ``Secret`` and the request headers mask it."""

from __future__ import annotations

import asyncio
import logging
import pickle
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

import bland_pools
import ghl_pools
import pools_core
from bland_pools import AsyncBlandClient, BlandClient
from ghl_pools import AsyncGHLClient, GHLClient
from pools_core._types import RedactedHeaders

from ._server import SLOW_POOL_ID, LocalServer
from ._support import (
    API_KEY,
    GHL_TOKEN,
    KEY_ID,
    LOCATION,
    NUMBERS,
    POOL_ID,
    POOLS_URL,
    closed_port,
    connector_error,
    envelope,
    fixture_bytes,
    fixture_json,
    ghl_list_url,
    pool_json,
    pool_url,
)

SECRETS = (API_KEY, GHL_TOKEN)


def _assert_secret_free(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def _error_texts(err: BaseException) -> str:
    """Everything a user or a tool would print about an error, causes and notes included."""
    return "\n".join(
        [
            str(err),
            repr(err),
            "".join(traceback.format_exception(err)),
            # As Sentry and rich print it: every frame's locals, chained causes included.
            "".join(traceback.TracebackException.from_exception(err, capture_locals=True).format()),
            repr(getattr(err, "__dict__", {})),
        ]
    )


def _log_texts(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records)


async def _assert_call_leaks_nothing(
    call: Callable[[], Awaitable[object]], expected: type[Exception] | None
) -> None:
    """``call()`` succeeds and its result's repr holds no secret, or it raises ``expected``
    and nothing shown about the error does."""
    if expected is None:
        _assert_secret_free(repr(await call()))
        return
    with pytest.raises(expected) as caught:
        await call()
    _assert_secret_free(_error_texts(caught.value))


# (name, how the first Bland answer goes wrong, expected error class or None for success)
BLAND_PATHS: list[tuple[str, dict[str, Any], type[Exception] | None]] = [
    ("success", {"payload": envelope(pool_json())}, None),
    (
        "4xx",
        {"status": 401, "body": fixture_bytes("bland/get_unauthorized.json")},
        bland_pools.AuthenticationError,
    ),
    (
        "404",
        {"status": 404, "body": fixture_bytes("bland/get_pool_not_found.json")},
        bland_pools.PoolNotFoundError,
    ),
    ("5xx", {"status": 502, "body": b"<html>502 Bad Gateway</html>"}, bland_pools.ServerError),
    ("timeout", {"exception": TimeoutError()}, bland_pools.APITimeoutError),
    ("dropped", {"exception": aiohttp.ServerDisconnectedError()}, bland_pools.APIConnectionError),
    ("refused", {"exception": connector_error()}, bland_pools.APIConnectionError),
]


@pytest.mark.parametrize(
    "answer",
    [
        {"exception": TimeoutError()},
        {"status": 500, "body": b""},
        {"exception": aiohttp.ServerDisconnectedError()},
    ],
)
async def test_bland_key_never_appears_in_a_failed_create_recovery(
    mock_http: aioresponses,
    bland: AsyncBlandClient,
    caplog: pytest.LogCaptureFixture,
    answer: dict[str, Any],
) -> None:
    caplog.set_level(logging.DEBUG)
    mock_http.post(POOLS_URL, **answer)
    mock_http.get(POOLS_URL, status=401, body=fixture_bytes("bland/get_unauthorized.json"))

    with pytest.raises(bland_pools.APIError) as caught:
        await bland.pools.create(NUMBERS, encrypted_key=KEY_ID)

    _assert_secret_free(_error_texts(caught.value))
    _assert_secret_free(_log_texts(caplog))


GHL_PATHS: list[tuple[str, dict[str, Any], type[Exception] | None]] = [
    ("success", {"payload": fixture_json("ghl/list_success.json")}, None),
    (
        "400",
        {"status": 400, "body": fixture_bytes("ghl/list_bad_request.json")},
        ghl_pools.BadRequestError,
    ),
    ("401", {"status": 401}, ghl_pools.AuthenticationError),
    ("403", {"status": 403}, ghl_pools.PermissionDeniedError),
    ("5xx", {"status": 503, "body": b"<html>unavailable</html>"}, ghl_pools.ServerError),
    ("timeout", {"exception": TimeoutError()}, ghl_pools.APITimeoutError),
    (
        "refused",
        {"exception": connector_error("services.leadconnectorhq.com")},
        ghl_pools.APIConnectionError,
    ),
]


Call = Callable[[AsyncBlandClient, AsyncGHLClient], Awaitable[object]]
#: (the URL the call asks, the call) of each API.
CALLS: dict[str, tuple[Callable[[], str], Call]] = {
    "bland": (pool_url, lambda bland, _ghl: bland.pools.get(POOL_ID)),
    "ghl": (ghl_list_url, lambda _bland, ghl: ghl.pools.list(location_id=LOCATION)),
}
PATHS = [
    pytest.param(api, answer, expected, id=f"{api}-{name}")
    for api, paths in (("bland", BLAND_PATHS), ("ghl", GHL_PATHS))
    for name, answer, expected in paths
]


@pytest.mark.parametrize(("api", "answer", "expected"), PATHS)
async def test_the_secret_never_appears_in_errors_or_debug_logs(
    mock_http: aioresponses,
    bland: AsyncBlandClient,
    ghl: AsyncGHLClient,
    caplog: pytest.LogCaptureFixture,
    api: str,
    answer: dict[str, Any],
    expected: type[Exception] | None,
) -> None:
    caplog.set_level(logging.DEBUG)
    url, call = CALLS[api]
    mock_http.get(url(), repeat=True, **answer)

    await _assert_call_leaks_nothing(lambda: call(bland, ghl), expected)

    assert caplog.records, "the request path logs at DEBUG"
    _assert_secret_free(_log_texts(caplog))


async def test_ghl_provider_token_never_appears_after_a_401_retry(
    mock_http: aioresponses, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tokens = iter([API_KEY, GHL_TOKEN])  # both secrets, so either leaking is caught

    async def provider() -> str:
        return next(tokens)

    mock_http.get(ghl_list_url(), status=401, repeat=True)
    async with AsyncGHLClient(token=provider, location_id=LOCATION, max_retries=0) as client:
        with pytest.raises(ghl_pools.AuthenticationError) as caught:
            await client.pools.list()
        _assert_secret_free(repr(client))

    _assert_secret_free(_error_texts(caught.value))
    _assert_secret_free(_log_texts(caplog))


# -- against a real socket: aiohttp's own frames are in the chain --------------------------


async def test_key_never_appears_when_the_connection_is_refused_for_real(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    base_url = f"http://127.0.0.1:{closed_port()}"
    async with AsyncBlandClient(api_key=API_KEY, base_url=base_url, max_retries=0) as client:
        with pytest.raises(bland_pools.APIConnectionError) as caught:
            await client.pools.list()

    assert caught.value.request_sent is False
    _assert_secret_free(_error_texts(caught.value))
    _assert_secret_free(_log_texts(caplog))


async def test_key_never_appears_when_a_real_request_times_out(
    local_server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with AsyncBlandClient(
        api_key=API_KEY, base_url=local_server.base_url, max_retries=0
    ) as client:
        with pytest.raises(bland_pools.APITimeoutError) as caught:
            await client.pools.get(SLOW_POOL_ID, timeout=0.2)

    _assert_secret_free(_error_texts(caught.value))
    _assert_secret_free(_log_texts(caplog))


async def _cancelled_by_wait_for(client: AsyncBlandClient) -> None:
    await asyncio.wait_for(client.pools.get(SLOW_POOL_ID), 0.2)


async def _cancelled_by_timeout(client: AsyncBlandClient) -> None:
    async with asyncio.timeout(0.2):
        await client.pools.get(SLOW_POOL_ID)


async def _cancelled_task(client: AsyncBlandClient) -> None:
    task = asyncio.create_task(client.pools.get(SLOW_POOL_ID))
    await asyncio.sleep(0.2)
    task.cancel()
    await task


@pytest.mark.parametrize(
    ("cancel", "expected"),
    [
        (_cancelled_by_wait_for, TimeoutError),
        (_cancelled_by_timeout, TimeoutError),
        (_cancelled_task, asyncio.CancelledError),
    ],
    ids=["wait_for", "asyncio.timeout", "task.cancel"],
)
async def test_key_never_appears_when_the_caller_cancels_a_real_request(
    local_server: LocalServer,
    cancel: Callable[[AsyncBlandClient], Awaitable[None]],
    expected: type[BaseException],
) -> None:
    async with AsyncBlandClient(api_key=API_KEY, base_url=local_server.base_url) as client:
        with pytest.raises(expected) as caught:
            await cancel(client)

    assert local_server.received  # the request was out when it was cancelled
    _assert_secret_free(_error_texts(caught.value))


async def test_key_never_appears_in_a_real_401(
    local_server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # The wrong key is the secret here: the server refuses it.
    async with AsyncBlandClient(api_key=GHL_TOKEN, base_url=local_server.base_url) as client:
        with pytest.raises(bland_pools.AuthenticationError) as caught:
            await client.pools.list()

    assert caught.value.status == 401
    _assert_secret_free(_error_texts(caught.value))
    _assert_secret_free(_log_texts(caplog))


# -- clients -------------------------------------------------------------------------------


async def test_async_clients_do_not_show_the_credential() -> None:
    async def provider() -> str:
        return GHL_TOKEN

    clients = [
        AsyncBlandClient(api_key=API_KEY),
        AsyncGHLClient(token=GHL_TOKEN),
        AsyncGHLClient(token=f"Bearer {GHL_TOKEN}"),
        AsyncGHLClient(token=provider),
    ]
    for client in clients:
        _assert_secret_free(repr(client))
        _assert_secret_free(str(client))
        _assert_secret_free(repr(vars(client)))
        await client.close()


def test_blocking_clients_do_not_show_the_credential() -> None:
    with BlandClient(api_key=API_KEY) as bland, GHLClient(token=GHL_TOKEN) as ghl:
        for client in (bland, ghl):
            _assert_secret_free(repr(client))
            _assert_secret_free(str(client))


def test_blocking_clients_refuse_to_be_pickled() -> None:
    with BlandClient(api_key=API_KEY) as client, pytest.raises(TypeError, match="pickled"):
        pickle.dumps(client)


def test_async_client_pickle_never_carries_the_key() -> None:
    client = AsyncBlandClient(api_key=API_KEY)

    try:
        data = pickle.dumps(client)
    except (TypeError, pickle.PicklingError):
        return
    assert API_KEY.encode() not in data


# -- construction, providers and the Secret type -------------------------------------------


@pytest.mark.parametrize(
    ("make", "secret"),
    [
        (lambda: AsyncBlandClient(api_key=API_KEY, base_url="http://example.com"), API_KEY),
        (lambda: BlandClient(api_key=API_KEY, base_url="http://example.com"), API_KEY),
        (lambda: BlandClient(api_key=API_KEY + "\n"), API_KEY),
        (lambda: AsyncGHLClient(token=GHL_TOKEN, base_url="http://example.com"), GHL_TOKEN),
        (lambda: GHLClient(token=GHL_TOKEN, version=""), GHL_TOKEN),
        (lambda: GHLClient(token=" " + GHL_TOKEN), GHL_TOKEN),
        # Keys read in binary mode, from os.environb or a cache arrive as bytes.
        (lambda: AsyncBlandClient(api_key=API_KEY.encode()), API_KEY),  # type: ignore[arg-type]
        (lambda: BlandClient(api_key=API_KEY.encode()), API_KEY),  # type: ignore[arg-type]
        (lambda: AsyncGHLClient(token=GHL_TOKEN.encode()), GHL_TOKEN),  # type: ignore[arg-type]
        (lambda: GHLClient(token=GHL_TOKEN.encode()), GHL_TOKEN),  # type: ignore[arg-type]
    ],
    ids=[
        "async-bland",
        "bland",
        "bland-bad-key",
        "async-ghl",
        "ghl",
        "ghl-bad-token",
        "async-bland-bytes",
        "bland-bytes",
        "async-ghl-bytes",
        "ghl-bytes",
    ],
)
def test_a_failed_construction_shows_no_credential_even_with_locals(
    make: Callable[[], object], secret: str
) -> None:
    with pytest.raises(pools_core.ConfigurationError) as caught:
        make()

    shown = traceback.TracebackException.from_exception(caught.value, capture_locals=True)
    text = "".join(shown.format())  # formatting calls every repr in the frames: none fails
    # The test's own frames hold the secret (it is the test's input); the SDK's must not.
    sdk_frames = [frame for frame in shown.stack if "/tests/" not in frame.filename]
    assert sdk_frames
    assert all(secret not in repr(frame.locals) for frame in sdk_frames)
    assert secret not in str(caught.value)
    assert "(not constructed)" in text  # the half-built client's repr, not an AttributeError


async def test_a_provider_returning_bytes_leaves_no_token_in_the_sdks_frames(
    mock_http: aioresponses,
) -> None:
    async def provider() -> bytes:
        return GHL_TOKEN.encode()

    async with AsyncGHLClient(token=provider, location_id=LOCATION) as client:  # type: ignore[arg-type]
        with pytest.raises(ghl_pools.ConfigurationError, match="returned bytes") as caught:
            await client.pools.list()

    shown = traceback.TracebackException.from_exception(caught.value, capture_locals=True)
    sdk_frames = [frame for frame in shown.stack if "/tests/" not in frame.filename]
    assert sdk_frames
    assert all(GHL_TOKEN not in repr(frame.locals) for frame in sdk_frames)
    assert mock_http.requests == {}


def test_a_secret_refuses_to_be_pickled_or_shown() -> None:
    secret = bland_pools.Secret(API_KEY)

    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(secret)
    assert API_KEY not in repr(secret)
    assert API_KEY not in str(secret)
    assert API_KEY not in f"{secret}"


@pytest.mark.parametrize("value", [API_KEY.encode(), 12345], ids=["bytes", "int"])
def test_a_secret_of_another_type_is_refused_without_showing_it(value: object) -> None:
    with pytest.raises(TypeError, match="a Secret holds a string") as caught:
        bland_pools.Secret(value)  # type: ignore[arg-type]

    shown = traceback.TracebackException.from_exception(caught.value, capture_locals=True)
    sdk_frames = [frame for frame in shown.stack if "/tests/" not in frame.filename]
    assert sdk_frames
    assert all(repr(value) not in repr(frame.locals) for frame in sdk_frames)


async def test_a_secret_can_be_passed_wrapped(mock_http: aioresponses) -> None:
    mock_http.get(POOLS_URL, payload={"status": "success", "data": [], "errors": None})

    async with AsyncBlandClient(api_key=bland_pools.Secret(API_KEY)) as client:
        await client.pools.list()

    (call,) = mock_http.requests[("GET", URL(POOLS_URL))]
    assert call.kwargs["headers"]["Authorization"] == API_KEY


def test_request_headers_mask_credentials_in_their_repr() -> None:
    headers = RedactedHeaders({"Authorization": API_KEY, "Cookie": "c=1", "Accept": "x/y"})

    _assert_secret_free(repr(headers) + str(headers))
    assert "c=1" not in repr(headers)
    assert "x/y" in repr(headers)
    assert headers.wire["Authorization"] == API_KEY  # what aiohttp gets is the real value
    assert headers.json_wire["Content-Type"] == "application/json"

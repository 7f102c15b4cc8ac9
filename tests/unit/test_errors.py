"""Error mapping beyond the documented examples: bodies that are not JSON, unknown and multiple
codes, redirects, every HTTP status class, the two-package hierarchy, pickling, and failures
inside aiohttp (an exception that is not a ``ClientError``, an answer its parser refuses) as
``APIConnectionError`` showing neither the key nor the answer's bytes."""

from __future__ import annotations

import asyncio
import logging
import pickle
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

import bland_pools
import ghl_pools
import pools_core
import pools_core._transport
from bland_pools import AsyncBlandClient
from bland_pools._protocol import decode_pool, decode_pools, unwrap
from ghl_pools import AsyncGHLClient
from ghl_pools._protocol import decode_page
from pools_core import ErrorDetail

from ._support import (
    API_KEY,
    GHL_TOKEN,
    LOCATION,
    NUMBERS,
    POOL_ID,
    POOLS_URL,
    FakeClock,
    closed_port,
    envelope,
    error_envelope,
    fixture_bytes,
    fixture_json,
    ghl_list_url,
    pool_json,
    pool_url,
    response,
    sent,
    shown_with_locals,
)

HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
TRUNCATED = fixture_bytes("bland/get_success.json")[:60]

EXCEPTION_NAMES = [
    "ConfigurationError",
    "APIError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "RateLimitError",
    "ServerError",
    "UnexpectedResponseError",
    "APIConnectionError",
    "APITimeoutError",
]


# -- bodies that are not JSON --------------------------------------------------------------


def test_html_502_page_is_a_server_error_with_status_and_a_snippet() -> None:
    with pytest.raises(bland_pools.ServerError) as caught:
        decode_pool(response(502, HTML_502, {"Content-Type": "text/html"}))

    err = caught.value
    assert err.status == 502
    assert "502 Bad Gateway" in err.message
    assert "<" not in err.message  # tags stripped, one line
    assert "\n" not in err.message
    assert isinstance(err.body, str)
    assert "nginx" in err.body


def test_long_non_json_body_is_cut_to_a_short_snippet() -> None:
    body = b"<html><body>" + b"overloaded " * 2000 + b"</body></html>"

    with pytest.raises(bland_pools.ServerError) as caught:
        decode_pool(response(503, body))

    assert len(caught.value.message) < 500
    assert caught.value.message.endswith("...")


def test_truncated_json_in_a_200_is_an_unexpected_response() -> None:
    with pytest.raises(bland_pools.UnexpectedResponseError) as caught:
        decode_pool(response(200, TRUNCATED))

    assert caught.value.status == 200
    assert "not JSON" in caught.value.message


@pytest.mark.parametrize("body", [b"", b"   ", b"null", b"[]", b'"ok"', b"\xff\xfe"])
def test_a_200_that_is_not_the_envelope_is_an_unexpected_response(body: bytes) -> None:
    with pytest.raises(bland_pools.UnexpectedResponseError) as caught:
        decode_pool(response(200, body))

    assert caught.value.status == 200


def test_an_empty_401_is_an_authentication_error() -> None:
    with pytest.raises(bland_pools.AuthenticationError) as caught:
        decode_pool(response(401, b""))

    assert caught.value.status == 401
    assert caught.value.body is None
    assert "401" in str(caught.value)


def test_success_envelope_without_data_is_an_unexpected_response() -> None:
    with pytest.raises(bland_pools.UnexpectedResponseError):
        decode_pool(response(200, {"status": "success", "errors": None}))


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        "pool",
        {**pool_json(), "phone_numbers": "+12345678901"},
        {**pool_json(), "created_at": "yesterday"},
        {**pool_json(), "created_at": None},
        {k: v for k, v in pool_json().items() if k != "id"},
    ],
)
def test_a_malformed_pool_is_an_unexpected_response(data: Any) -> None:
    with pytest.raises(bland_pools.UnexpectedResponseError) as caught:
        decode_pool(response(200, envelope(data)))

    assert "malformed" in caught.value.message


def test_a_list_answer_that_is_not_a_list_is_an_unexpected_response() -> None:
    with pytest.raises(bland_pools.UnexpectedResponseError, match="list"):
        decode_pools(response(200, envelope(pool_json())))


async def test_html_502_through_the_client_ends_as_server_error_502(
    mock_http: aioresponses, bland: AsyncBlandClient
) -> None:
    mock_http.get(pool_url(), status=502, body=HTML_502, content_type="text/html", repeat=True)

    with pytest.raises(bland_pools.ServerError) as caught:
        await bland.pools.get(POOL_ID)

    assert caught.value.status == 502
    assert "Bad Gateway" in str(caught.value)


async def test_truncated_json_through_the_client_is_an_unexpected_response(
    mock_http: aioresponses, bland: AsyncBlandClient
) -> None:
    mock_http.get(pool_url(), body=TRUNCATED, repeat=True)

    with pytest.raises(bland_pools.UnexpectedResponseError):
        await bland.pools.get(POOL_ID, max_retries=0)


@pytest.mark.parametrize("depth", [5_000, 20_000])
async def test_json_nested_deeper_than_the_decoder_goes_is_an_unexpected_response(
    mock_http: aioresponses, bland: AsyncBlandClient, depth: int
) -> None:
    # The C decoder raises RecursionError on such nesting, not a JSONDecodeError.
    mock_http.get(pool_url(), body=b"[" * depth + b"]" * depth)

    with pytest.raises(bland_pools.UnexpectedResponseError) as caught:
        await bland.pools.get(POOL_ID, max_retries=0)

    assert caught.value.status == 200


async def test_empty_401_through_the_client_is_an_authentication_error_not_retried(
    mock_http: aioresponses, bland: AsyncBlandClient
) -> None:
    mock_http.get(pool_url(), status=401, body=b"")

    with pytest.raises(bland_pools.AuthenticationError):
        await bland.pools.get(POOL_ID)

    assert len(sent(mock_http, "GET", pool_url())) == 1


# -- codes ---------------------------------------------------------------------------------


def test_unknown_code_in_a_200_envelope_is_an_api_error_keeping_the_code() -> None:
    body = error_envelope(("POOL_LOCKED", "The pool is being migrated"))

    with pytest.raises(bland_pools.APIError) as caught:
        decode_pool(response(200, body))

    err = caught.value
    assert type(err) is bland_pools.APIError
    assert err.code == "POOL_LOCKED"
    assert err.message == "The pool is being migrated"
    assert err.errors == (ErrorDetail("POOL_LOCKED", "The pool is being migrated"),)
    assert err.status == 200


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, bland_pools.BadRequestError),
        (403, bland_pools.PermissionDeniedError),
        (429, bland_pools.RateLimitError),
        (500, bland_pools.ServerError),
    ],
)
def test_unknown_code_with_an_error_status_maps_by_status(
    status: int, cls: type[bland_pools.APIError]
) -> None:
    with pytest.raises(cls) as caught:
        decode_pool(response(status, error_envelope(("SOMETHING_NEW", "New failure"))))

    assert type(caught.value) is cls
    assert caught.value.code == "SOMETHING_NEW"
    assert caught.value.message == "New failure"


def test_known_code_beats_the_http_status() -> None:
    body = fixture_json("bland/get_pool_not_found.json")

    with pytest.raises(bland_pools.PoolNotFoundError) as caught:
        decode_pool(response(500, body))

    assert caught.value.status == 500


def test_every_error_of_a_multi_error_answer_is_kept() -> None:
    body = error_envelope(
        ("INVALID_PHONE_NUMBERS", "All phone numbers must be valid US numbers with +1 prefix"),
        ("INVALID_CREDENTIALS", "Twilio credentials not found or do not belong to your account"),
    )

    with pytest.raises(bland_pools.InvalidPhoneNumbersError) as caught:
        decode_pool(response(200, body))

    err = caught.value
    assert err.code == "INVALID_PHONE_NUMBERS"
    assert [d.code for d in err.errors] == ["INVALID_PHONE_NUMBERS", "INVALID_CREDENTIALS"]
    assert err.errors[1].message == (
        "Twilio credentials not found or do not belong to your account"
    )
    assert "(and 1 more)" in err.message


def test_a_known_code_after_an_unknown_one_chooses_the_class() -> None:
    body = error_envelope(
        ("RATE_SHAPING", "Slow down"),
        ("INVALID_CREDENTIALS", "Twilio credentials not found or do not belong to your account"),
    )

    with pytest.raises(bland_pools.InvalidCredentialsError) as caught:
        decode_pool(response(200, body))

    assert caught.value.code == "INVALID_CREDENTIALS"
    assert len(caught.value.errors) == 2


def test_error_entries_that_are_plain_strings_are_kept_as_messages() -> None:
    body = {"status": "error", "data": None, "errors": ["Something went wrong"]}

    with pytest.raises(bland_pools.APIError) as caught:
        decode_pool(response(200, body))

    assert caught.value.errors == (ErrorDetail(None, "Something went wrong"),)
    assert caught.value.message == "Something went wrong"


def test_error_envelope_without_errors_still_raises() -> None:
    with pytest.raises(bland_pools.APIError) as caught:
        decode_pool(response(200, {"status": "error", "data": None, "errors": None}))

    assert caught.value.errors == ()


def test_a_success_envelope_with_an_error_status_raises_by_status() -> None:
    with pytest.raises(bland_pools.ServerError):
        decode_pool(response(500, envelope(pool_json())))


# -- statuses ------------------------------------------------------------------------------

STATUS_CLASSES = [
    (400, "BadRequestError"),
    (401, "AuthenticationError"),
    (403, "PermissionDeniedError"),
    (404, "NotFoundError"),
    (409, "UnexpectedResponseError"),
    (418, "UnexpectedResponseError"),
    (422, "BadRequestError"),
    (429, "RateLimitError"),
    (500, "ServerError"),
    (502, "ServerError"),
    (503, "ServerError"),
    (504, "ServerError"),
    (599, "ServerError"),
]


@pytest.mark.parametrize(("status", "name"), STATUS_CLASSES)
@pytest.mark.parametrize("body", [b"", HTML_502, b'{"message": "nope"}'])
def test_bland_status_without_a_code_maps_by_status(status: int, name: str, body: bytes) -> None:
    with pytest.raises(getattr(bland_pools, name)) as caught:
        unwrap(response(status, body))

    assert caught.value.status == status
    assert isinstance(caught.value, getattr(pools_core, name))


@pytest.mark.parametrize(("status", "name"), STATUS_CLASSES)
@pytest.mark.parametrize("body", [b"", HTML_502, b'{"message": "nope", "statusCode": 0}'])
def test_ghl_status_maps_by_status(status: int, name: str, body: bytes) -> None:
    with pytest.raises(getattr(ghl_pools, name)) as caught:
        decode_page(response(status, body, url=ghl_list_url()))

    assert caught.value.status == status
    assert isinstance(caught.value, getattr(pools_core, name))


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"", "application/json"),
        (b"404: Not Found", "text/plain"),  # aiohttp's own page for an unknown path
        (b"<html><h1>404 Not Found</h1></html>", "text/html"),  # a proxy's
        (b'{"status": "error", "data": null, "errors": null}', "application/json"),
    ],
    ids=["empty", "text", "html", "envelope-without-a-code"],
)
async def test_a_bland_404_without_pool_not_found_is_a_wrong_url_not_a_missing_pool(
    mock_http: aioresponses, bland: AsyncBlandClient, body: bytes, content_type: str
) -> None:
    mock_http.get(pool_url(), status=404, body=body, content_type=content_type)
    # The resource's other name answers the same (a wrong base URL): the first 404 is raised.
    other = pool_url().replace("custom-dialing-pools", "geospatial-dialing-pools")
    mock_http.get(other, status=404, body=body, content_type=content_type)

    with pytest.raises(bland_pools.NotFoundError) as caught:
        await bland.pools.get(POOL_ID)

    assert not isinstance(caught.value, bland_pools.PoolNotFoundError)
    assert "the URL looks wrong; check base_url" in str(caught.value)
    assert pool_url() in str(caught.value)  # the URL it went to, to compare with the docs


async def test_a_bland_404_saying_pool_not_found_is_a_missing_pool(
    mock_http: aioresponses, bland: AsyncBlandClient
) -> None:
    body = error_envelope(("POOL_NOT_FOUND", "Geospatial dialing pool not found"))
    mock_http.get(pool_url(), status=404, payload=body)

    with pytest.raises(bland_pools.PoolNotFoundError) as caught:
        await bland.pools.get(POOL_ID)

    assert caught.value.message == "Geospatial dialing pool not found"


async def test_a_ghl_404_is_a_wrong_url_with_what_the_server_said(
    mock_http: aioresponses, ghl: AsyncGHLClient
) -> None:
    nest = {"message": "Cannot GET /phone-system/number-pools", "error": "Not Found"}
    mock_http.get(ghl_list_url(), status=404, payload=nest)

    with pytest.raises(ghl_pools.NotFoundError) as caught:
        await ghl.pools.list(location_id=LOCATION)

    assert "the URL looks wrong; check base_url" in caught.value.message
    assert "Cannot GET /phone-system/number-pools" in caught.value.message


def test_429_carries_retry_after() -> None:
    with pytest.raises(bland_pools.RateLimitError) as caught:
        unwrap(response(429, b"", {"Retry-After": "7"}))

    assert caught.value.retry_after == 7.0


def test_ghl_success_false_is_an_api_error() -> None:
    with pytest.raises(ghl_pools.APIError) as caught:
        decode_page(response(200, {"success": False, "message": "Location is locked"}))

    assert caught.value.message == "Location is locked"
    assert caught.value.status == 200


@pytest.mark.parametrize(
    "body",
    [b"", TRUNCATED, b"[]", b"null", b'{"success": true}', b'{"success": true, "data": {}}'],
)
def test_ghl_200_that_is_not_a_page_is_an_unexpected_response(body: bytes) -> None:
    with pytest.raises(ghl_pools.UnexpectedResponseError) as caught:
        decode_page(response(200, body))

    assert caught.value.status == 200


def test_ghl_malformed_pool_is_an_unexpected_response() -> None:
    body = {"success": True, "data": [{"numbers": "+14155552671"}], "total": 1}

    with pytest.raises(ghl_pools.UnexpectedResponseError, match="malformed"):
        decode_page(response(200, body))


def test_ghl_nest_style_message_list_is_joined() -> None:
    body = {"message": ["locationId must be a string", "x is bad"], "error": "Bad Request"}

    with pytest.raises(ghl_pools.BadRequestError) as caught:
        decode_page(response(400, body))

    assert caught.value.message == "locationId must be a string; x is bad"


# -- redirects -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_bland_redirect_is_an_unexpected_response_and_not_followed(
    mock_http: aioresponses, bland: AsyncBlandClient, status: int
) -> None:
    elsewhere = "https://elsewhere.example/v1/custom-dialing-pools"
    mock_http.get(POOLS_URL, status=status, headers={"Location": elsewhere})
    mock_http.get(elsewhere, payload=envelope([]))

    with pytest.raises(bland_pools.UnexpectedResponseError) as caught:
        await bland.pools.list()

    assert caught.value.status == status
    assert elsewhere in caught.value.message
    assert sent(mock_http, "GET", elsewhere) == []
    assert len(sent(mock_http, "GET", POOLS_URL)) == 1


async def test_ghl_redirect_is_an_unexpected_response_and_not_followed(
    mock_http: aioresponses, ghl: AsyncGHLClient
) -> None:
    elsewhere = "https://elsewhere.example/login"
    mock_http.get(ghl_list_url(), status=302, headers={"Location": elsewhere})
    mock_http.get(elsewhere, body=b"<html>login</html>")

    with pytest.raises(ghl_pools.UnexpectedResponseError) as caught:
        await ghl.pools.list(location_id=LOCATION)

    assert caught.value.status == 302
    assert sent(mock_http, "GET", elsewhere) == []


# -- hierarchy -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXCEPTION_NAMES)
def test_bland_errors_subclass_the_package_base_and_the_core_class(name: str) -> None:
    cls = getattr(bland_pools, name)

    assert issubclass(cls, bland_pools.BlandError)
    assert issubclass(cls, getattr(pools_core, name))
    assert issubclass(cls, pools_core.PoolsError)


@pytest.mark.parametrize("name", EXCEPTION_NAMES)
def test_ghl_errors_subclass_the_package_base_and_the_core_class(name: str) -> None:
    cls = getattr(ghl_pools, name)

    assert issubclass(cls, ghl_pools.GHLError)
    assert issubclass(cls, getattr(pools_core, name))
    assert not issubclass(cls, bland_pools.BlandError)


@pytest.mark.parametrize("package", [bland_pools, ghl_pools])
def test_timeout_is_a_connection_error_and_configuration_a_value_error(package: Any) -> None:
    assert issubclass(package.APITimeoutError, package.APIConnectionError)
    assert issubclass(package.ConfigurationError, ValueError)
    assert issubclass(package.RateLimitError, package.APIError)


def test_bland_rate_limit_error_is_caught_as_the_core_one() -> None:
    with pytest.raises(pools_core.RateLimitError):
        unwrap(response(429, b""))


# -- pickling ------------------------------------------------------------------------------


def _roundtrip(err: pools_core.APIError) -> Any:
    return pickle.loads(pickle.dumps(err))


@pytest.mark.parametrize(
    "err",
    [
        bland_pools.PoolNotFoundError(
            "Geospatial dialing pool not found",
            code="POOL_NOT_FOUND",
            status=404,
            errors=[ErrorDetail("POOL_NOT_FOUND", "Geospatial dialing pool not found")],
            body={"status": "error"},
            headers={"x-request-id": "r1"},
            method="GET",
            url=pool_url(),
        ),
        bland_pools.RateLimitError("slow down", status=429, retry_after=3.0),
        ghl_pools.APITimeoutError("Timed out", request_sent=False, method="GET", url="u"),
        ghl_pools.BadRequestError("Invalid locationId format", code="Bad Request", status=400),
    ],
)
def test_errors_pickle_with_everything_the_server_said(err: pools_core.APIError) -> None:
    copy = _roundtrip(err)

    assert type(copy) is type(err)
    assert str(copy) == str(err)
    assert copy.__dict__ == err.__dict__


def test_errors_raised_from_decoded_answers_pickle_when_headers_are_plain() -> None:
    with pytest.raises(bland_pools.InvalidPoolIdError) as caught:
        decode_pool(response(200, fixture_bytes("bland/get_invalid_pool_id.json")))
    caught.value.headers = dict(caught.value.headers)

    copy = _roundtrip(caught.value)

    assert copy.code == "INVALID_POOL_ID"
    assert copy.errors == caught.value.errors


@pytest.mark.parametrize("status", [200, 404, 502])
def test_errors_raised_from_real_aiohttp_headers_pickle(status: int) -> None:
    with pytest.raises(bland_pools.APIError) as caught:
        decode_pool(response(status, fixture_bytes("bland/get_pool_not_found.json")))

    copy = _roundtrip(caught.value)

    assert copy.code == "POOL_NOT_FOUND"


def test_errors_with_notes_keep_their_notes_when_pickled() -> None:
    err = bland_pools.ServerError("boom", status=500)
    err.add_note("checked: nothing was created")

    assert _roundtrip(err).__notes__ == ["checked: nothing was created"]


# -- failures inside aiohttp ---------------------------------------------------------------


def exploding_trace_config() -> aiohttp.TraceConfig:
    """A trace hook that raises a plain RuntimeError inside aiohttp's request, before any
    connection: an exception that escapes aiohttp without being a ``ClientError``."""

    async def explode(*_: object) -> None:
        raise RuntimeError("a trace hook failed")

    config = aiohttp.TraceConfig()
    config.on_request_start.append(explode)
    return config


@pytest.mark.parametrize(
    ("connect", "error", "secret"),
    [
        pytest.param(
            lambda url, session: AsyncBlandClient(
                api_key=API_KEY, base_url=url, session=session, max_retries=0
            ),
            bland_pools.APIConnectionError,
            lambda: API_KEY,
            id="bland-without-the-key",
        ),
        pytest.param(
            lambda url, session: AsyncGHLClient(
                token=GHL_TOKEN, location_id=LOCATION, base_url=url, session=session, max_retries=0
            ),
            ghl_pools.APIConnectionError,
            lambda: GHL_TOKEN,
            id="ghl-without-the-token",
        ),
    ],
)
async def test_an_exception_escaping_aiohttp_is_an_api_connection_error(
    connect: Callable[[str, aiohttp.ClientSession], AsyncBlandClient | AsyncGHLClient],
    error: type[Exception],
    secret: Callable[[], str],
) -> None:
    async with aiohttp.ClientSession(trace_configs=[exploding_trace_config()]) as session:
        client = connect(f"http://127.0.0.1:{closed_port()}", session)
        with pytest.raises(error) as caught:
            await client.pools.list()

    assert "RuntimeError" in str(caught.value)
    # The secret is not in any local of this frame (a factory gives it) nor held by pytest's
    # rewritten assertion until the traceback is formatted.
    shown = shown_with_locals(caught.value)
    assert secret() not in shown


MARKER = "LEAKED-BODY-3f9d1c"
_MARK = MARKER.encode()

MALFORMED_ANSWERS = {
    "header-with-control-char": (
        b"HTTP/1.1 200 OK\r\nX-" + _MARK + b"\x01: x\r\nContent-Length: 2\r\n\r\n{}"
    ),
    "status-line": b"HTTP/1.1 2x0 " + _MARK + b"\r\nContent-Length: 2\r\n\r\n{}",
    "chunk-size": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz" + _MARK + b"\r\n"),
    "header-without-colon": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n" + _MARK + b"\r\n\r\n{}",
}


@pytest.fixture
async def answering() -> AsyncIterator[Callable[[str], Awaitable[str]]]:
    """``answering(name)`` starts a TCP server on 127.0.0.1 that answers every request with
    the bytes ``MALFORMED_ANSWERS[name]`` and closes; it returns the server's base URL."""
    servers: list[asyncio.Server] = []

    async def start(name: str) -> str:
        raw = MALFORMED_ANSWERS[name]

        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(raw)
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(answer, "127.0.0.1", 0)
        servers.append(server)
        return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("name", MALFORMED_ANSWERS)
async def test_a_malformed_answer_puts_none_of_its_bytes_in_the_error_or_the_debug_log(
    answering: Callable[[str], Awaitable[str]], caplog: pytest.LogCaptureFixture, name: str
) -> None:
    caplog.set_level(logging.DEBUG, logger="bland_pools")
    # The answer's bytes are looked up by name: no local of this frame holds them, so the
    # whole traceback with locals can be searched.
    base_url = await answering(name)

    async with AsyncBlandClient(api_key=API_KEY, base_url=base_url, max_retries=0) as client:
        with pytest.raises(bland_pools.APIConnectionError) as caught:
            await client.pools.list()

    assert MARKER not in shown_with_locals(caught.value)
    assert caplog.records, "the failed attempt is logged at DEBUG"
    for record in caplog.records:
        logged = f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        assert MARKER not in logged


# -- oversized answers ---------------------------------------------------------------------


async def test_a_refused_oversized_answer_names_the_url_with_its_query(
    mock_http: aioresponses, clock: FakeClock
) -> None:
    page = fixture_json("ghl/list_success.json")
    page["data"] *= 250  # over the smallest cap allowed (64 KiB), under what aioresponses feeds
    mock_http.get(ghl_list_url(), payload=page)

    async with AsyncGHLClient(
        token=GHL_TOKEN, max_response_bytes=pools_core._transport.MAX_ERROR_BODY, clock=clock
    ) as ghl:
        with pytest.raises(ghl_pools.UnexpectedResponseError, match="larger than") as caught:
            await ghl.pools.list(location_id=LOCATION, max_retries=0)

    assert caught.value.url == ghl_list_url()
    assert f"locationId={LOCATION}" in str(caught.value)


async def test_a_success_answer_larger_than_the_cap_is_refused(
    mock_http: aioresponses, clock: FakeClock
) -> None:
    cap = pools_core._transport.MAX_ERROR_BODY
    mock_http.get(pool_url(), payload=envelope(pool_json(numbers=[NUMBERS[0]] * (cap // 10))))

    async with AsyncBlandClient(api_key=API_KEY, max_response_bytes=cap, clock=clock) as bland:
        with pytest.raises(bland_pools.UnexpectedResponseError, match="larger than") as caught:
            await bland.pools.get(POOL_ID, max_retries=0)

    assert caught.value.status == 200

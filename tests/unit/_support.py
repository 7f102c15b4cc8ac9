"""Helpers shared by the unit tests: seed fixtures, canned responses, an ordered request log,
and a fake clock whose ``sleep`` records the wait and returns at once."""

from __future__ import annotations

import email.utils
import json
import socket
import traceback
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import attrs
from aioresponses import CallbackResult, aioresponses
from aioresponses.core import RequestCall
from hypothesis import HealthCheck, settings
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from bland_pools import AsyncBlandClient
from ghl_pools import AsyncGHLClient
from pools_core._protocol import Response
from pools_core.testing import FakeClock as FakeClock  # the tests import it from here

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# Credentials distinctive enough that a leak is found by a plain substring search.
API_KEY = "sk-bland-test-7f3c9a2e51d04b8c"
GHL_TOKEN = "pit-ghl-test-1b2c3d4e5f607182"

BLAND_URL = "https://us.api.bland.ai"
POOLS_URL = f"{BLAND_URL}/v1/custom-dialing-pools"
POOL_ID = "550e8400-e29b-41d4-a716-446655440001"
OWNER_ID = "550e8400-e29b-41d4-a716-446655440002"
KEY_ID = "550e8400-e29b-41d4-a716-446655440000"
NUMBERS = ["+12345678901", "+19876543210", "+15551234567"]

GHL_URL = "https://services.leadconnectorhq.com"
NUMBER_POOLS_URL = f"{GHL_URL}/phone-system/number-pools"
LOCATION = "ve9EPM428h8vShlRW1KT"

SEED_CREATED_AT = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)

# The X-RateLimit-* headers of a GoHighLevel answer, as its docs show them.
GHL_HEADERS = {
    "X-RateLimit-Max": "100",
    "X-RateLimit-Remaining": "97",
    "X-RateLimit-Interval-Milliseconds": "10000",
    "X-RateLimit-Limit-Daily": "200000",
    "X-RateLimit-Daily-Remaining": "199990",
}

# Hypothesis settings of the property tests: enough examples, no deadline on a loaded machine.
PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# Each async client class with its credential argument, for tests that run on both.
CLIENTS = [(AsyncBlandClient, {"api_key": API_KEY}), (AsyncGHLClient, {"token": GHL_TOKEN})]


def pool_url(pool_id: str = POOL_ID) -> str:
    return f"{POOLS_URL}/{pool_id}"


def update_url(pool_id: str = POOL_ID) -> str:
    return f"{POOLS_URL}/{pool_id}/update"


def ghl_list_url(location_id: str | None = LOCATION) -> str:
    return (
        NUMBER_POOLS_URL if location_id is None else f"{NUMBER_POOLS_URL}?locationId={location_id}"
    )


def fixture_bytes(name: str) -> bytes:
    """A seed example as stored in ``tests/fixtures`` (``"bland/get_success.json"``)."""
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> Any:
    return json.loads(fixture_bytes(name))


def headers(values: Mapping[str, str] | None = None) -> CIMultiDictProxy[str]:
    """Response headers as aiohttp hands them over: case-insensitive and read-only."""
    return CIMultiDictProxy(CIMultiDict(values or {}))


def response(
    status: int = 200,
    body: bytes | str | Any = b"",
    header_values: Mapping[str, str] | None = None,
    *,
    method: str = "GET",
    url: str = POOLS_URL,
) -> Response:
    """A :class:`Response` for the I/O-free decoders; a non-bytes, non-str body is JSON-encoded."""
    if isinstance(body, str):
        raw = body.encode()
    elif isinstance(body, bytes):
        raw = body
    else:
        raw = json.dumps(body).encode()
    return Response(status, headers(header_values), raw, method, url)


def envelope(data: Any) -> dict[str, Any]:
    return {"status": "success", "data": data, "errors": None}


def error_envelope(*errors: tuple[str, str]) -> dict[str, Any]:
    return {
        "status": "error",
        "data": None,
        "errors": [{"error": code, "message": message} for code, message in errors],
    }


def pool_json(
    pool_id: str = POOL_ID,
    numbers: Sequence[str] = NUMBERS,
    key: str | None = KEY_ID,
    created_at: datetime = SEED_CREATED_AT,
) -> dict[str, Any]:
    return {
        "id": pool_id,
        "owner_id": OWNER_ID,
        "phone_numbers": list(numbers),
        "encrypted_key": key,
        "created_at": created_at.isoformat().replace("+00:00", "Z"),
    }


def http_date(when: datetime) -> str:
    return email.utils.format_datetime(when.astimezone(UTC), usegmt=True)


def shown_with_locals(exc: BaseException) -> str:
    """Everything a tool such as Sentry or rich prints about ``exc``: the message, and every
    frame with its local variables, along the whole ``__cause__``/``__context__`` chain."""
    formatted = traceback.TracebackException.from_exception(exc, capture_locals=True).format()
    return "\n".join([str(exc), repr(exc), "".join(formatted)])


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sent(mock: aioresponses, method: str, url: str) -> list[RequestCall]:
    """The requests aioresponses saw for one method and exact URL (query included)."""
    return mock.requests.get((method, URL(url)), [])


def request_count(mock: aioresponses) -> int:
    return sum(len(calls) for calls in mock.requests.values())


class _HasKwargs(Protocol):
    @property
    def kwargs(self) -> dict[str, Any]: ...


def sent_headers(call: _HasKwargs) -> CIMultiDict[str]:
    """The headers of a request seen by aioresponses (a ``RequestCall`` or a :class:`Seen`)."""
    return CIMultiDict(call.kwargs["headers"] or {})


def sent_json(call: _HasKwargs) -> Any:
    data = call.kwargs["data"]
    assert isinstance(data, bytes)
    return json.loads(data)


@attrs.define
class Seen:
    method: str
    url: str
    kwargs: dict[str, Any]


class Wire:
    """Registers mocked answers on aioresponses and logs every matched request in order
    (``aioresponses.requests`` groups by URL and so loses the order across URLs)."""

    def __init__(self, mock: aioresponses) -> None:
        self.mock = mock
        self.log: list[Seen] = []

    @property
    def calls(self) -> list[tuple[str, str]]:
        return [(s.method, s.url) for s in self.log]

    def add(
        self,
        method: str,
        url: str,
        *,
        status: int = 200,
        payload: Any = None,
        body: bytes | str = b"",
        headers: Mapping[str, str] | None = None,
        content_type: str = "application/json",
        exception: Exception | None = None,
        answer: Callable[[], CallbackResult] | None = None,
        repeat: bool | int = False,
    ) -> None:
        """One answer (or ``repeat`` of them); ``answer`` builds it when the request arrives."""

        def record(url: URL, **kwargs: Any) -> CallbackResult | None:
            self.log.append(Seen(method, str(url), kwargs))
            return answer() if answer is not None else None

        self.mock.add(
            url,
            method=method,
            status=status,
            payload=payload,
            body=body,
            headers=dict(headers or {}),
            content_type=content_type,
            exception=exception,
            callback=record,
            repeat=repeat,
        )

    def assert_complete(self) -> None:
        """Every request that reached aioresponses matched a registered answer."""
        assert request_count(self.mock) == len(self.log), (self.mock.requests, self.calls)


def connector_error(host: str = "us.api.bland.ai") -> aiohttp.ClientConnectorError:
    """What aiohttp raises when the TCP connection is refused (nothing was sent)."""
    key = aiohttp.client_reqrep.ConnectionKey(
        host=host,
        port=443,
        is_ssl=True,
        ssl=True,
        proxy=None,
        proxy_auth=None,
        proxy_headers_hash=None,
        server_hostname=None,
    )
    return aiohttp.ClientConnectorError(key, ConnectionRefusedError(111, "Connection refused"))

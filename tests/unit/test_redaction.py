"""A server that echoes the credential back: the key (or token) never reaches what the client
keeps of the answer. It is replaced by ``[REDACTED]`` in the message, ``errors``, ``body``,
``headers``, ``raw`` and the text of an HTML page, so ``str``, ``repr``, ``vars()`` (walked
all the way down), a formatted traceback (with every frame's locals, as Sentry and rich print
it) and the SDK's log records are free of it. A real aiohttp server on 127.0.0.1 echoes the
``Authorization`` header it received."""

from __future__ import annotations

import json
import logging
import pickle
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from _loopback import serve
from aiohttp import web

import bland_pools
import ghl_pools
from bland_pools import AsyncBlandClient
from ghl_pools import AsyncGHLClient
from pools_core._redact import REDACTED, Redactor

from ._support import LOCATION, POOL_ID

# Distinctive, so a leak is found by a substring search; the second has the characters JSON
# and HTML encoders write differently (a standard-base64 token).
KEY = "sk-redaction-test-5b7e9d1f3a"
ODD_TOKEN = "pit-odd/9Zq+Tk<x>&'8=="
TOKEN = "pit-redaction-token-8c6a4e2"
PROVIDED = "pit-provided-token-1f3e5d7"

Answer = Callable[[str], web.Response]


class Echo:
    """Answers every request with ``answer(authorization)``: the test sets ``answer``."""

    def __init__(self) -> None:
        self.url = ""
        self.answer: Answer = lambda auth: web.json_response({})
        self.seen: list[str] = []

    async def handle(self, request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        self.seen.append(auth)
        return self.answer(auth)


@pytest.fixture
async def echo() -> AsyncIterator[Echo]:
    server = Echo()
    async with serve(server.handle) as server.url:
        yield server


def _walk(value: Any, seen: set[int]) -> Iterator[str]:
    """``repr`` of ``value`` and of everything reachable from it (attributes, items)."""
    if id(value) in seen:
        return
    seen.add(id(value))
    yield repr(value)
    if isinstance(value, str | bytes | int | float | bool | type(None)):
        yield str(value)
        return
    if hasattr(value, "items"):
        for key, item in value.items():
            yield from _walk(key, seen)
            yield from _walk(item, seen)
        return
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _walk(item, seen)
        return
    names = list(getattr(value, "__dict__", {}))
    for cls in type(value).__mro__:
        names += [n for n in getattr(cls, "__slots__", ()) if isinstance(n, str)]
    for name in names:
        if hasattr(value, name):
            yield from _walk(getattr(value, name), seen)


def everything_shown(exc: BaseException) -> str:
    """All a user, a logger or an error tracker could print of ``exc``."""
    return "\n".join(
        [
            str(exc),
            repr(exc),
            *_walk(vars(exc), set()),
            repr(getattr(exc, "errors", ())),
            "".join(traceback.format_exception(exc)),
            "".join(traceback.TracebackException.from_exception(exc, capture_locals=True).format()),
        ]
    )


def assert_redacted(exc: BaseException, *secrets: str) -> str:
    shown = everything_shown(exc)
    for secret in secrets:
        assert secret not in shown
    assert REDACTED in shown  # the echo arrived, and was replaced
    return shown


async def bland_error(echo: Echo, answer: Answer, odd: bool = False) -> bland_pools.APIError:
    """The error of a ``get`` answered by ``answer``, caught in a frame (part of the traceback)
    that holds no credential in its locals: the key is named inline."""
    echo.answer = answer
    async with AsyncBlandClient(
        api_key=ODD_TOKEN if odd else KEY, base_url=echo.url, max_retries=0
    ) as bland:
        try:
            await bland.pools.get(POOL_ID)
        except bland_pools.APIError as exc:
            return exc
    raise AssertionError("no error")


def _bland_errors(*entries: tuple[str, str], status: int, data: Any = None) -> web.Response:
    body = {
        "status": "error",
        "data": data,
        "errors": [{"error": code, "message": message} for code, message in entries],
    }
    return web.json_response(body, status=status)


# -- Bland --------------------------------------------------------------------------------------


async def test_a_key_echoed_in_the_error_message_is_redacted(
    echo: Echo, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    exc = await bland_error(
        echo, lambda auth: _bland_errors(("UNAUTHORIZED", f"bad key {auth}"), status=401)
    )

    assert echo.seen == [KEY]  # the server did get the key, and sent it back
    assert isinstance(exc, bland_pools.AuthenticationError)
    assert exc.message == f"bad key {REDACTED}"
    assert exc.errors[0].message == f"bad key {REDACTED}"
    assert_redacted(exc, KEY)
    assert KEY not in caplog.text


async def test_a_key_echoed_in_errors_and_body_is_redacted(echo: Echo) -> None:
    exc = await bland_error(
        echo,
        lambda auth: _bland_errors(
            ("INVALID_PHONE_NUMBERS", "bad number"),
            ("DEBUG", f"Authorization: {auth}"),
            status=400,
            data={"request_headers": {"authorization": auth}},
        ),
    )

    assert isinstance(exc, bland_pools.BadRequestError)
    assert [e.message for e in exc.errors] == ["bad number", f"Authorization: {REDACTED}"]
    assert exc.body["data"] == {"request_headers": {"authorization": REDACTED}}
    assert exc.body["errors"][1]["message"] == f"Authorization: {REDACTED}"
    assert_redacted(exc, KEY)


@pytest.mark.parametrize("status", [200, 502])
async def test_a_key_echoed_in_an_html_page_is_redacted(echo: Echo, status: int) -> None:
    def page(auth: str) -> web.Response:
        text = f"<html><body><h1>Debug</h1><p>Authorization: {auth}</p></body></html>"
        return web.Response(status=status, text=text, content_type="text/html")

    exc = await bland_error(echo, page)

    expected = bland_pools.UnexpectedResponseError if status == 200 else bland_pools.ServerError
    assert isinstance(exc, expected)
    assert exc.body == f"Debug Authorization: {REDACTED}"
    assert_redacted(exc, KEY)


async def test_a_key_echoed_in_the_headers_is_redacted(echo: Echo) -> None:
    def answer(auth: str) -> web.Response:
        response = _bland_errors(("UNAUTHORIZED", "no"), status=401)
        response.headers["X-Echo-Authorization"] = auth
        response.headers["WWW-Authenticate"] = f'Bearer error="invalid_token", token="{auth}"'
        return response

    exc = await bland_error(echo, answer)

    assert exc.headers["X-Echo-Authorization"] == REDACTED
    assert exc.headers["WWW-Authenticate"] == f'Bearer error="invalid_token", token="{REDACTED}"'
    assert_redacted(exc, KEY)


async def test_a_key_echoed_in_a_redirect_is_redacted(echo: Echo) -> None:
    exc = await bland_error(
        echo, lambda auth: web.Response(status=302, headers={"Location": f"/login?key={auth}"})
    )

    assert isinstance(exc, bland_pools.UnexpectedResponseError)
    assert f"/login?key={REDACTED}" in exc.message
    assert_redacted(exc, KEY)


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: json.dumps({"message": text}),
        lambda text: json.dumps({"message": text}).replace("/", "\\/"),  # PHP's json_encode
        lambda text: (
            json.dumps({"message": text})  # Go's encoding/json
            .replace("<", "\\u003c")
            .replace(">", "\\u003e")
            .replace("&", "\\u0026")
            .replace("'", "\\u0027")
        ),
    ],
    ids=["json", "escaped-slash", "html-safe"],
)
async def test_a_key_echoed_as_an_encoder_writes_it_is_redacted(
    echo: Echo, encode: Callable[[str], str]
) -> None:
    def answer(auth: str) -> web.Response:
        return web.Response(
            status=401, text=encode(f"bad key {auth}"), content_type="application/json"
        )

    exc = await bland_error(echo, answer, odd=True)

    assert exc.message == f"bad key {REDACTED}"
    assert_redacted(exc, ODD_TOKEN)


async def test_an_answer_without_the_key_is_kept_as_sent(echo: Echo) -> None:
    # "sk-redaction" is part of the key: a near miss is not redacted.
    exc = await bland_error(
        echo, lambda auth: _bland_errors(("UNAUTHORIZED", "bad key sk-redaction"), status=401)
    )

    assert exc.message == "bad key sk-redaction"
    assert exc.body["errors"][0]["message"] == "bad key sk-redaction"


# -- GoHighLevel --------------------------------------------------------------------------------


Provider = Callable[[], Awaitable[str]]


async def ghl_call(echo: Echo, answer: Answer, provider: Provider | None = None) -> Any:
    echo.answer = answer
    async with AsyncGHLClient(
        token=provider or TOKEN, base_url=echo.url, location_id=LOCATION, max_retries=0
    ) as ghl:
        return await ghl.pools.list()


async def ghl_error(
    echo: Echo, answer: Answer, provider: Provider | None = None
) -> ghl_pools.APIError:
    try:
        await ghl_call(echo, answer, provider)
    except ghl_pools.APIError as exc:
        return exc
    raise AssertionError("no error")


def _nest(status: int, message: str) -> web.Response:
    return web.json_response(
        {"message": message, "error": "Unauthorized", "statusCode": status}, status=status
    )


async def test_a_token_echoed_with_its_scheme_is_redacted(echo: Echo) -> None:
    exc = await ghl_error(echo, lambda auth: _nest(401, f"bad token {auth}"))

    assert echo.seen == [f"Bearer {TOKEN}"]
    assert isinstance(exc, ghl_pools.AuthenticationError)
    assert exc.message == f"bad token Bearer {REDACTED}"
    assert exc.body["message"] == f"bad token Bearer {REDACTED}"
    assert_redacted(exc, TOKEN)


async def test_the_token_a_provider_returned_is_redacted(echo: Echo) -> None:
    async def provider() -> str:
        return PROVIDED

    exc = await ghl_error(echo, lambda auth: _nest(403, f"{auth} may not see this"), provider)

    assert echo.seen == [f"Bearer {PROVIDED}"]
    assert exc.message == f"Bearer {REDACTED} may not see this"
    assert_redacted(exc, PROVIDED)


async def test_a_token_echoed_in_a_success_is_not_kept_in_raw(echo: Echo) -> None:
    def answer(auth: str) -> web.Response:
        pool = {"id": "pool-1", "name": f"echo {auth}", "locationId": LOCATION, "numbers": []}
        return web.json_response(
            {"success": True, "data": [pool], "total": 1, "debug": {"authorization": auth}}
        )

    page = await ghl_call(echo, answer)

    assert page.raw["debug"] == {"authorization": f"Bearer {REDACTED}"}
    assert page.pools[0].name == f"echo Bearer {REDACTED}"
    assert TOKEN not in repr(page.raw)
    assert TOKEN not in json.dumps(page.to_dict())


async def test_a_token_echoed_in_a_malformed_success_is_redacted(echo: Echo) -> None:
    exc = await ghl_error(
        echo, lambda auth: web.json_response({"success": True, "data": f"no pools for {auth}"})
    )

    assert isinstance(exc, ghl_pools.UnexpectedResponseError)
    assert exc.body["data"] == f"no pools for Bearer {REDACTED}"
    assert_redacted(exc, TOKEN)


async def test_a_redacted_error_still_pickles_without_the_token(echo: Echo) -> None:
    exc = await ghl_error(echo, lambda auth: _nest(401, f"bad token {auth}"))

    copy = pickle.loads(pickle.dumps(exc))

    assert copy.message == exc.message
    assert TOKEN.encode() not in pickle.dumps(exc)


# -- the redactor itself ------------------------------------------------------------------------


def test_the_redactor_replaces_every_written_form_and_hides_itself() -> None:
    redactor = Redactor.of([f"Bearer {ODD_TOKEN}"])
    assert redactor is not None

    escaped = json.dumps(ODD_TOKEN)[1:-1].replace("/", "\\/")
    body = f"a {ODD_TOKEN} b {escaped} c Bearer {ODD_TOKEN}".encode()
    assert redactor.scrub(body) == f"a {REDACTED} b {REDACTED} c Bearer {REDACTED}".encode()
    assert body.find(redactor.probe) != -1
    assert ODD_TOKEN not in repr(redactor)
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(redactor)


@pytest.mark.parametrize("value", ["key", "tok-123", ""])
def test_values_too_short_to_be_a_key_are_not_looked_for(value: str) -> None:
    # Replacing every "key" would break the answers ("encrypted_key").
    assert Redactor.of([value]) is None


def test_a_short_token_is_looked_for_only_with_its_scheme() -> None:
    redactor = Redactor.of(["Bearer tok-1"])
    assert redactor is not None

    body = b'{"encrypted_key": "tok-1", "echo": "Bearer tok-1"}'
    assert redactor.scrub(body) == b'{"encrypted_key": "tok-1", "echo": "[REDACTED]"}'

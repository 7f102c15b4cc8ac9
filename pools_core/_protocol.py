"""I/O-free pieces of the wire protocol shared by both APIs: the response record, lenient body
decoding, and building the right error from a status and a body."""

from __future__ import annotations

import json
import json.scanner
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final, NamedTuple, cast

from ._exceptions import APIError, ErrorDetail, ErrorTree, RateLimitError
from ._redact import Redactor
from ._retry import parse_retry_after

__all__ = [
    "INVALID",
    "WRONG_URL",
    "Request",
    "Response",
    "decode_json",
    "error_from_response",
    "redirect_error",
    "text_snippet",
]

_SNIPPET: Final = 300
_TAGS = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


class Request(NamedTuple):
    """One API call, ready to send: ``path`` is already validated and percent-encoded.

    ``idempotent`` says whether sending it twice is harmless (retries on timeouts and 5xx);
    ``limit_key`` names the rate-limit bucket (a GoHighLevel location), if any;
    ``count_attempts`` asks the transport to notice when aiohttp itself sent it twice (see
    :attr:`Response.repeated`). (A named tuple, like :class:`Response`: one is built per call,
    and it costs half an attrs class.)
    """

    method: str
    path: str
    params: Mapping[str, str] | None = None
    body: bytes | None = None
    idempotent: bool = True
    limit_key: str | None = None
    count_attempts: bool = False


class Response(NamedTuple):
    """What came back for one attempt, before any interpretation.

    ``repeated`` is true when an earlier attempt of the same call may have reached the server
    (a retry after a lost answer, or aiohttp's own resend on a dropped connection): a DELETE
    answered "not found" then did its work earlier. A named tuple rather than an attrs class:
    one is built for every answer, in half the time.

    ``body`` is already free of the client's credentials (the transport scrubbed it);
    ``redactor`` does the same for the ``headers`` an error keeps. The ``repr`` shows neither
    headers nor body: a traceback printed with its locals must not show what the server sent.
    """

    status: int
    headers: Mapping[str, str]
    body: bytes
    method: str
    url: str
    repeated: bool = False
    redactor: Redactor | None = None

    def __repr__(self) -> str:
        return (
            f"Response(status={self.status}, method={self.method!r}, url={self.url!r}, "
            f"headers=<{len(self.headers)}>, body=<{len(self.body)} bytes>)"
        )

    @property
    def kept_headers(self) -> Mapping[str, str]:
        """The headers an error keeps: without the client's credentials."""
        redactor = self.redactor
        return self.headers if redactor is None else redactor.headers(self.headers)


class _Invalid:
    """Marks a body that is not JSON (kept apart from a JSON ``null``)."""

    __slots__ = ()


INVALID: Final = _Invalid()


_DECODER: Final = json.JSONDecoder()
# The C scanner behind json.loads, called directly: JSONDecoder.decode and raw_decode are two
# Python frames per answer around it.
_SCAN: Final = json.scanner.make_scanner(cast(Any, _DECODER))  # (typeshed's stub is off)


def decode_json(body: bytes) -> Any:
    """The parsed JSON, or :data:`INVALID` for an empty, truncated or non-JSON body."""
    if not body:
        return INVALID
    try:
        # Decoding to str first skips json's encoding detection, which costs more than the
        # decoding itself; ValueError covers JSONDecodeError and UnicodeDecodeError.
        text = body.decode()
        if text[0] == "{":  # an API answer: scanned straight, without json's two frames
            value, end = _SCAN(text, 0)
            if end == len(text) or text[end:].isspace():
                return value
            return INVALID  # trailing garbage, as json.loads would refuse it
        return _DECODER.decode(text)
    except (ValueError, RecursionError, StopIteration):
        pass
    try:
        return json.loads(body)  # a BOM, UTF-16 or UTF-32: json detects those
    except (ValueError, RecursionError):
        return INVALID


def text_snippet(body: bytes) -> str:
    """A short, single-line, tag-free rendering of a body for error messages (an HTML 502)."""
    text = body[: _SNIPPET * 8].decode("utf-8", errors="replace")
    text = _SPACE.sub(" ", _TAGS.sub(" ", text)).strip()
    return text[:_SNIPPET] + ("..." if len(text) > _SNIPPET else "")


def _message_of(payload: Any) -> str | None:
    """A message from an error body shaped ``{"message": ..., "error": ...}`` (NestJS style,
    where ``message`` may be a list of validation messages)."""
    if not isinstance(payload, Mapping):
        return None
    message = payload.get("message")
    if isinstance(message, list):
        message = "; ".join(str(m) for m in message)
    if isinstance(message, str) and message:
        return message
    error = payload.get("error")
    return error if isinstance(error, str) and error else None


#: The message of a 404 that is not the API's own "not found": a path the API does not have.
WRONG_URL: Final = (
    "Not found: this path answered 404 without the API's own error, so the URL looks "
    "wrong; check base_url (it should be the API's root, without /v1 or a path)"
)


def redirect_error(tree: ErrorTree, response: Response) -> APIError:
    """A 3xx: the SDK never follows a redirect, which would carry the credentials along."""
    headers = response.kept_headers
    location = headers.get("location", "?")
    return tree.unexpected(
        f"Unexpected redirect (HTTP {response.status}) to {location}; not followed with "
        "credentials",
        status=response.status,
        headers=headers,
        method=response.method,
        url=response.url,
    )


def error_from_response(
    tree: ErrorTree,
    response: Response,
    payload: Any,
    *,
    cls: type[APIError] | None = None,
    message: str | None = None,
    code: str | None = None,
    details: Sequence[ErrorDetail] = (),
    fallback: str | None = None,
) -> APIError:
    """The error for an answer. ``cls`` defaults to the class for the HTTP status; the message
    comes from the body when it has one, else ``fallback``, else the status and the body's
    text."""
    status = response.status
    if cls is None:
        cls = tree.for_status(status) if status >= 400 else tree.unexpected
    if message is None:
        message = _message_of(payload) or fallback
    body: Any = payload
    if payload is INVALID:
        snippet = text_snippet(response.body)
        body = snippet or None
        if message is None:
            message = f"HTTP {status} with a body that is not JSON" + (
                f": {snippet}" if snippet else " (empty body)"
            )
    if message is None:
        message = f"HTTP {status}"
    headers = response.kept_headers
    kwargs: dict[str, Any] = {
        "code": code,
        "status": status,
        "errors": details,
        "body": body,
        "headers": headers,
        "method": response.method,
        "url": response.url,
    }
    if issubclass(cls, RateLimitError):
        kwargs["retry_after"] = parse_retry_after(headers)
    return cls(message, **kwargs)

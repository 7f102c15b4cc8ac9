"""The error tree shared by both SDKs.

    PoolsError                         anything this SDK raises on purpose
    +-- ConfigurationError             no API key, unsafe base URL, bad option (a ValueError)
    +-- ClientClosedError              the client (or the session given to it) is closed, also
    |                                  for calls in flight when it closed (a RuntimeError)
    +-- APIError                       a request failed; carries code, message, status, errors
        +-- BadRequestError            400/422, or input the server would reject (status None)
        +-- AuthenticationError        401 / UNAUTHORIZED
        +-- PermissionDeniedError      403
        +-- NotFoundError              404 / POOL_NOT_FOUND
        +-- RateLimitError             429, with retry_after
        +-- ServerError                5xx
        +-- UnexpectedResponseError    an answer the SDK cannot use: redirect, unmapped status,
        |                              body that is not the documented JSON
        +-- APIConnectionError         no answer: refused, reset, dropped
            +-- APITimeoutError        no answer in time

Each API package (``bland_pools``, ``ghl_pools``) subclasses every class here under its own
base (``BlandError``, ``GHLError``), so ``except bland_pools.RateLimitError`` and
``except pools_core.RateLimitError`` both work. The :class:`ErrorTree` tells the shared transport
which of the package's classes to raise.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs
from multidict import CIMultiDict

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConfigurationError",
    "ErrorDetail",
    "ErrorTree",
    "NotFoundError",
    "PermissionDeniedError",
    "PoolsError",
    "RateLimitError",
    "ServerError",
    "UnexpectedResponseError",
]


class PoolsError(Exception):
    """Base of every error this SDK raises on purpose."""


class ConfigurationError(PoolsError, ValueError):
    """The client cannot be built as asked: no API key, an unsafe base URL, a bad option."""


class ClientClosedError(PoolsError, RuntimeError):
    """The client is closed, or the ``aiohttp.ClientSession`` given to it was closed; also
    raised by every call that was in flight when the client closed (its outcome on the server
    is unknown). A ``RuntimeError``, so code written for the bare one keeps working."""


@attrs.frozen
class ErrorDetail:
    """One entry of an error answer: the server's machine code and its human message."""

    code: str | None
    message: str | None


class APIError(PoolsError):
    """A request failed. Everything the server said is kept; the credentials never are.

    Attributes:
        message: a readable summary (the server's message when it sent one).
        code: the server's error code (``"POOL_NOT_FOUND"``), or ``None``.
        status: the HTTP status, or ``None`` when no answer came or the SDK refused to send.
        errors: every error entry the server returned, in order.
        body: the decoded JSON body, or the (truncated) text of a non-JSON body, or ``None``.
        headers: the response headers, or an empty mapping.
        method, url: the request that failed (the URL never holds a credential).
    """

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        errors: Sequence[ErrorDetail] = (),
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.errors = tuple(errors)
        self.body = body
        # A copy: aiohttp's read-only proxy cannot be pickled (multiprocessing, Celery).
        self.headers: Mapping[str, str] = CIMultiDict(headers) if headers is not None else {}
        self.method = method
        self.url = url

    def __str__(self) -> str:
        parts = [self.message]
        if self.code is not None and self.code not in self.message:
            parts.insert(0, f"[{self.code}]")
        if self.status is not None:
            parts.append(f"(HTTP {self.status})")
        if self.method and self.url:
            parts.append(f"on {self.method} {self.url}")
        return " ".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, code={self.code!r}, "
            f"status={self.status!r})"
        )

    def __reduce__(self) -> Any:
        # Keep errors picklable (multiprocessing, Celery) despite keyword-only arguments.
        return (_rebuild, (type(self), self.message, self.__dict__))


def _rebuild(cls: type[APIError], message: str, state: dict[str, Any]) -> APIError:
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update(state)
    return err


class BadRequestError(APIError):
    """The server rejected the request as malformed (400/422), or the SDK refused to send input
    the server would reject (then ``status`` is ``None``)."""


class AuthenticationError(APIError):
    """The credentials are missing, wrong or expired (401, ``UNAUTHORIZED``)."""


class PermissionDeniedError(APIError):
    """The credentials are valid but not allowed this resource (403)."""


class NotFoundError(APIError):
    """The resource does not exist, or not for these credentials (404)."""


class RateLimitError(APIError):
    """Too many requests (429). ``retry_after`` is the server's requested wait in seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(APIError):
    """The server failed (5xx). For a create, the SDK has already checked whether a pool was
    made before raising this."""


class UnexpectedResponseError(APIError):
    """The server answered, but not as documented: a redirect, an unmapped status, or a body
    that is not the documented JSON. ``body`` holds what came back."""


class APIConnectionError(APIError):
    """No usable answer: the connection was refused, reset or dropped.

    ``request_sent`` is ``False`` when the request surely never reached the server.
    """

    def __init__(self, message: str, *, request_sent: bool = True, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.request_sent = request_sent


class APITimeoutError(APIConnectionError):
    """No answer in time (connect, read or total timeout)."""


@attrs.frozen
class ErrorTree:
    """The classes one API package raises, one per shared kind."""

    configuration: type[ConfigurationError]
    closed: type[ClientClosedError]
    api: type[APIError]
    bad_request: type[BadRequestError]
    authentication: type[AuthenticationError]
    permission_denied: type[PermissionDeniedError]
    not_found: type[NotFoundError]
    rate_limit: type[RateLimitError]
    server: type[ServerError]
    unexpected: type[UnexpectedResponseError]
    connection: type[APIConnectionError]
    timeout: type[APITimeoutError]

    @contextlib.contextmanager
    def configuring(self) -> Iterator[None]:
        """Raise a shared :class:`ConfigurationError` as this package's own (its message
        never holds a credential)."""
        try:
            yield
        except ConfigurationError as exc:
            if isinstance(exc, self.configuration):
                raise
            raise self.configuration(str(exc)) from None

    def for_status(self, status: int) -> type[APIError]:
        """The class for an HTTP error status when the body names no better one."""
        if status in (400, 422):
            return self.bad_request
        if status == 401:
            return self.authentication
        if status == 403:
            return self.permission_denied
        if status == 404:
            return self.not_found
        if status == 429:
            return self.rate_limit
        if status >= 500:
            return self.server
        return self.unexpected

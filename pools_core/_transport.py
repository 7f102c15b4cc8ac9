"""The transport: one aiohttp session per client, auth, timeouts, retries, rate limiting, logging.

The path of a call (see ARCHITECTURE.md): :meth:`Transport.request` takes the headers from
the auth step and runs one attempt loop. Each attempt (:meth:`Transport._send`: session,
rate-limit booking, the exchange, one body reader, one mapping of aiohttp's failures to the
SDK's errors) hands its answer to the API's decoder; a failure meets the retry policy's
pieces (should it be retried, is a retry left, how long to wait) and, when its outcome is
unknown, the request's :class:`~pools_core._protocol.Recovery`. A plain ``while`` loop rather
than tenacity's ``AsyncRetrying``: most calls succeed, and the first attempt should not pay
for building a retry loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

import aiohttp
from multidict import CIMultiDictProxy

from ._auth import Auth
from ._clock import SYSTEM_CLOCK, Clock
from ._config import Timeout, TimeoutLike, as_timeout
from ._exceptions import APIError, ConfigurationError, ErrorTree, PoolsError
from ._protocol import Recovery, Request, Response
from ._ratelimit import Blocked, Limiter
from ._redact import Redactor
from ._retry import RetryPolicy, check_max_retries, outcome_unknown
from ._session import (
    MAX_BODY,
    MAX_ERROR_BODY,
    LoopbackResolver,
    Settings,
    needs_loopback_resolver,
    to_client_timeout,
)
from ._types import NOT_GIVEN, NotGivenOr, RedactedHeaders

__all__ = ["MAX_BODY", "MAX_ERROR_BODY", "Transport"]

_T = TypeVar("_T")
_O = TypeVar("_O")


class _TooLarge(Exception):
    """A success answer over ``max_response_bytes``: not read."""


class Transport:
    """Sends :class:`Request` objects and hands each :class:`Response` to a decoder."""

    def __init__(
        self,
        *,
        base_url: str,
        auth: Auth,
        errors: ErrorTree,
        logger: logging.Logger,
        timeout: TimeoutLike = 30.0,
        retry_policy: RetryPolicy | None = None,
        session: aiohttp.ClientSession | None = None,
        max_connections: int = 100,
        max_response_bytes: int = MAX_BODY,
        limiter: Limiter | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        settings = Settings(
            timeout=timeout,
            retry_policy=retry_policy or RetryPolicy(),
            session=session,
            max_connections=max_connections,
            max_response_bytes=max_response_bytes,
            clock=clock,
        )
        self.base_url = base_url
        self.auth = auth
        self.errors = errors
        self._log = logger
        self.timeout: Timeout = settings.timeout
        self._client_timeout = to_client_timeout(settings.timeout)
        self.retry_policy = settings.retry_policy
        self._session = session
        self._owns_session = session is None
        self._session_loop: asyncio.AbstractEventLoop | None = None
        self._max_connections = max_connections
        self.max_response_bytes = max_response_bytes
        # Plain http by the name "localhost": connect only what resolves to loopback.
        self._loopback_only = needs_loopback_resolver(base_url)
        if self._loopback_only and session is not None:
            raise ConfigurationError(
                "plain http to 'localhost' with your own session cannot be kept on loopback; "
                "use http://127.0.0.1 (or ::1) in base_url"
            )
        self.limiter = limiter
        self.clock = clock
        self._closed = False

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    def _open_session(self) -> aiohttp.ClientSession:
        """The session for a call on the running loop: opened here the first time (inside a
        coroutine, so it belongs to the loop that uses it), else the clear error."""
        if self._closed:
            raise self.errors.closed("the client is closed; create a new one")
        loop = asyncio.get_running_loop()
        session = self._session
        if session is None:
            resolver = LoopbackResolver() if self._loopback_only else None
            session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._max_connections, resolver=resolver),
                timeout=self._client_timeout,
                auto_decompress=True,
            )
            self._session = session
            self._session_loop = loop
        elif self._session_loop is None:
            self._session_loop = loop
        if self._session_loop is not loop:
            raise RuntimeError(
                "this client's connections belong to another event loop; create the client "
                "inside the loop that uses it (or use the blocking client)"
            )
        if session.closed:
            # Checked here, not left to aiohttp: its error's frames hold the request headers.
            raise self.errors.closed("the aiohttp session given to this client has been closed")
        return session

    async def close(self) -> None:
        """Close the session if this client opened it. Idempotent. Calls in flight raise
        :class:`~pools_core.ClientClosedError`."""
        if self._closed:
            return
        self._closed = True
        session, self._session = self._session, None
        if session is not None and self._owns_session and not session.closed:
            await session.close()

    def forget_session(self) -> object:
        """Drop the session without closing it, and return it: a forked child must keep the
        parent's session alive and unclosed (see ``pools_core._portal``). The next call opens
        a new one."""
        session = self._session
        if self._owns_session:
            self._session = None
        self._session_loop = None
        return session

    # -- a call ----------------------------------------------------------------------------

    def _option(self, check: Callable[[Any], _O], value: object) -> _O:
        """A per-call option, checked; a bad one raises the package's ConfigurationError."""
        try:
            return check(value)
        except ConfigurationError as exc:
            raise self.errors.configuration(str(exc)) from None

    async def request(
        self,
        request: Request,
        decode: Callable[[Response], _T],
        *,
        timeout: NotGivenOr[TimeoutLike] = NOT_GIVEN,
        max_retries: NotGivenOr[int] = NOT_GIVEN,
    ) -> _T:
        """Send ``request`` and return ``decode(response)``; ``decode`` raises the API's errors.

        One attempt loop, read top to bottom: an attempt, and on the API's error the policy's
        pieces (whether it is retried, whether a retry is left, the wait). An attempt after
        one whose outcome is unknown first asks the request's :class:`Recovery`, if any, what
        that attempt did. A 401 with a token from a provider is tried once with a fresh one.
        """
        client_timeout = self._client_timeout
        if timeout is not NOT_GIVEN:
            client_timeout = to_client_timeout(self._option(as_timeout, timeout))
        retries = self.retry_policy.max_retries
        if max_retries is not NOT_GIVEN:
            retries = self._option(check_max_retries, max_retries)
        headers = self.auth.headers
        if headers is None:
            headers = await self.auth.current(client_timeout.total)
        attempt = 1
        repeated = refreshed = False
        while True:
            try:
                return decode(await self._send(request, client_timeout, headers, attempt, repeated))
            except APIError as exc:
                error = exc
            # (Raised below, outside the except block: nothing chained onto the error.)
            policy, recovery = self.retry_policy, request.recovery
            idempotent = request.idempotent or recovery is not None
            if attempt <= retries and policy.should_retry(error, idempotent=idempotent):
                await self._wait(request, policy.backoff(attempt, error), attempt, retries, error)
                attempt += 1
                if not outcome_unknown(error):
                    continue
                repeated = True  # the lost attempt may have taken effect: find out first
                found = None if recovery is None else await self._recover(recovery, error)
                if found is None:
                    continue
                return cast(_T, found)
            if recovery is not None and outcome_unknown(error):
                # No retry left, but the last attempt may have worked: find out before failing.
                found = await self._recover(recovery, error)
                if found is not None:
                    return cast(_T, found)
            elif not refreshed and isinstance(error, self.errors.authentication):
                # The token may have expired in flight: ask once more, start again if it changed.
                fresh = await self.auth.refreshed(headers, client_timeout.total)
                if fresh is not None:
                    self._log.info("401 with a token from the provider; retrying with a fresh one")
                    headers, attempt, repeated, refreshed = fresh, 1, False, True
                    continue
            raise error

    # -- one attempt -----------------------------------------------------------------------

    async def _send(
        self,
        request: Request,
        client_timeout: aiohttp.ClientTimeout,
        headers: RedactedHeaders,
        attempt: int,
        repeated: bool = False,
    ) -> Response:
        """One attempt: the answer as a :class:`Response`, or the SDK's error for a failure.

        ``repeated`` says that an earlier attempt of this call may have taken effect; the
        response carries it (a DELETE answered "not found" then succeeded earlier).
        """
        session = self._session
        # (A session the caller closed behind our back fails inside aiohttp; _failure names it.)
        if session is None or self._session_loop is not asyncio.get_running_loop():
            session = self._open_session()
        url = self.base_url + request.path
        limiter = self.limiter
        booking = None
        if limiter is not None:
            booking = limiter.try_acquire(request.limit_key or "")
            if booking is None:
                booking = await self._book(limiter, request, url)
        counter = _Attempts() if request.count_attempts else None
        debug = self._log.isEnabledFor(logging.DEBUG)
        started = time.perf_counter() if debug else 0.0
        status = 0
        resp_headers: CIMultiDictProxy[str] | None = None
        failure: PoolsError | None = None
        try:
            async with session.request(
                request.method,
                url,
                params=request.params,
                data=request.body,
                # Inline, never in a local: the wire headers hold the plain credentials.
                headers=headers.wire if request.body is None else headers.json_wire,
                timeout=client_timeout,
                allow_redirects=False,  # never carry the key to wherever a redirect points
                raise_for_status=False,  # even on a caller's session: the SDK maps statuses
                middlewares=None if counter is None else (counter,),
            ) as resp:
                status, resp_headers = resp.status, resp.headers
                body = await _read_body(resp, self.max_response_bytes)
        except asyncio.CancelledError as exc:
            failure = self._cancelled(request, url)
            if failure is None:
                # The caller's deadline or task.cancel(): re-raised without aiohttp's frames,
                # whose locals hold the plain request headers (and so the key).
                raise exc.with_traceback(None) from None
        except Exception as exc:
            failure = self._failure(
                request, url, exc, client_timeout, status, resp_headers, headers.redactor
            )
        finally:
            # Also on cancellation: a probe that never reports would hold its key forever.
            if booking is not None and limiter is not None:
                limiter.done(request.limit_key or "", booking, resp_headers, status)
        if failure is not None or resp_headers is None:
            # Raised outside the except block on purpose: no chained aiohttp frames, whose
            # locals hold the request headers, reach tools that print locals (Sentry, rich).
            # The cause's type and message are in the error's message.
            resp_headers = None  # (the failure keeps them, scrubbed)
            raise failure or self._closed_in_flight(request, url)
        redactor = headers.redactor
        # A server may echo the key back: scrubbed here, before anything decodes the answer,
        # so no message, body, ``raw`` or log holds it. One search per answer (find costs
        # half of ``in``); the scrub only when the key's probe is there.
        if redactor is not None and body.find(redactor.probe) != -1:
            body = redactor.scrub(body)
        if debug:
            self._log.debug(
                "%s %s -> %d (attempt %d, %.1f ms)",
                request.method,
                request.path,
                status,
                attempt,
                (time.perf_counter() - started) * 1000,
            )
        if request.params:
            url = _shown_url(url, request)
        if counter is not None and counter.count > 1:
            repeated = True  # aiohttp re-sent it on a dropped keep-alive connection
        return Response(status, resp_headers, body, request.method, url, repeated, redactor)

    async def _book(self, limiter: Limiter, request: Request, url: str) -> float:
        """Wait for the rate limiter's turn; a long server-side hold raises at once."""
        try:
            return await limiter.acquire(request.limit_key or "")
        except Blocked as blocked:
            raise self.errors.rate_limit(
                f"Not sent: the server asked to wait {blocked.remaining:.0f} s more before "
                "the next request here (Retry-After of an earlier 429)",
                retry_after=blocked.remaining,
                method=request.method,
                url=_shown_url(url, request),
            ) from None

    def _cancelled(self, request: Request, url: str) -> PoolsError | None:
        """A cancellation nobody asked for (the client closed under the call) as the closed
        error; ``None`` when the caller cancelled."""
        task = asyncio.current_task()
        if self._closed and (task is None or task.cancelling() == 0):
            return self._closed_in_flight(request, url)
        return None

    def _closed_in_flight(self, request: Request, url: str) -> PoolsError:
        return self.errors.closed(
            f"the client was closed while {request.method} {_shown_url(url, request)} was in "
            "flight; its outcome on the server is unknown"
        )

    def _failure(
        self,
        request: Request,
        url: str,
        exc: Exception,
        client_timeout: aiohttp.ClientTimeout,
        status: int,
        headers: CIMultiDictProxy[str] | None,
        redactor: Redactor | None,
    ) -> PoolsError:
        """The one mapping from what went wrong in an exchange to the SDK's error (what it
        keeps of the server's headers or of aiohttp's message, without the credentials)."""
        shown = _shown_url(url, request)
        if self._closed:
            return self._closed_in_flight(request, url)
        if self._session is not None and self._session.closed:
            return self.errors.closed("the aiohttp session given to this client has been closed")
        if isinstance(exc, _TooLarge):
            kept = headers if redactor is None or headers is None else redactor.headers(headers)
            return self.errors.unexpected(
                f"The answer is larger than max_response_bytes ({self.max_response_bytes:,} "
                "bytes); not read",
                status=status,
                headers=kept,
                method=request.method,
                url=shown,
            )
        what = _describe_cause(exc)
        if redactor is not None:
            what = redactor.text(what)
        if self._log.isEnabledFor(logging.DEBUG):
            self._log.debug("%s %s -> %s", request.method, request.path, what)
        # A connect timeout or a refused connection surely sent nothing; anything later may
        # have reached the server.
        sent = not isinstance(exc, aiohttp.ConnectionTimeoutError | aiohttp.ClientConnectorError)
        if isinstance(exc, TimeoutError):
            phase = "waiting for the answer" if sent else "connecting"
            return self.errors.timeout(
                f"Timed out {phase} (limits: {_limits(client_timeout)})",
                request_sent=sent,
                method=request.method,
                url=shown,
            )
        if isinstance(exc, aiohttp.ClientError | OSError):
            message = f"Connection failed ({what})"
        else:
            message = f"The HTTP client failed ({what})"
        return self.errors.connection(message, request_sent=sent, method=request.method, url=shown)

    # -- between attempts -----------------------------------------------------------------

    async def _wait(
        self, request: Request, seconds: float, attempt: int, retries: int, error: APIError
    ) -> None:
        self._log.info(
            "Retrying %s %s in %.2fs (retry %d of %d) after %s",
            request.method,
            request.path,
            seconds,
            attempt,
            retries,
            _describe(error),
        )
        await self.clock.sleep(seconds)

    async def _recover(self, recovery: Recovery, error: APIError) -> Any:
        """What the lost attempt behind ``error`` produced, or ``None``; raises ``error`` (or
        another) when that cannot be told."""
        found = await recovery.recover(error)
        if found is not None:
            self._log.info(
                "%s recovered after %s: the lost attempt had taken effect",
                type(error).__name__,
                error.status or "no answer",
            )
        return found


class _Attempts:
    """A per-request aiohttp middleware counting the attempts aiohttp really makes: it sends
    an idempotent request again, unseen, when a kept-alive connection drops."""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0

    async def __call__(
        self,
        request: aiohttp.ClientRequest,
        handler: Callable[[aiohttp.ClientRequest], Awaitable[aiohttp.ClientResponse]],
    ) -> aiohttp.ClientResponse:
        self.count += 1
        return await handler(request)


def _read_body(resp: aiohttp.ClientResponse, max_body: int) -> Awaitable[bytes]:
    """The body, capped: a success answer over ``max_body`` raises :class:`_TooLarge`, an
    error answer is cut at ``MAX_ERROR_BODY`` (its first part says enough).

    Not a coroutine itself: the common answer (a plain body whose announced size is fine) is
    aiohttp's own read, without an extra frame per call.
    """
    limit = max_body if resp.status < 400 else MAX_ERROR_BODY
    length = resp.content_length
    # Content-Length counts the bytes on the wire: with a Content-Encoding the decoded body
    # can be far larger (a gzip bomb), so only an unencoded body is read whole on its word.
    if length is not None and length <= limit and "Content-Encoding" not in resp.headers:
        return resp.read()
    return _read_capped(resp, limit)


async def _read_capped(resp: aiohttp.ClientResponse, limit: int) -> bytes:
    body = bytearray()
    async for chunk in resp.content.iter_chunked(2**16):
        body += chunk
        if len(body) > limit:
            if resp.status >= 400:
                return bytes(body[:limit])
            raise _TooLarge
    return bytes(body)


def _describe_cause(exc: BaseException) -> str:
    """The failure's type and the first line of its message, without the response bytes that
    aiohttp's parser errors quote (the README promises bodies are never logged)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    for quote in ("b'", 'b"', "bytearray("):
        cut = text.find(quote)
        if cut != -1:
            text = text[:cut].rstrip(" :,=") + " (bytes omitted)"
    text = text[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _limits(timeout: aiohttp.ClientTimeout) -> str:
    named = {"total": timeout.total, "connect": timeout.sock_connect, "read": timeout.sock_read}
    return ", ".join(f"{name} {value:g}s" for name, value in named.items() if value) or "none"


def _shown_url(url: str, request: Request) -> str:
    """The URL as sent, query included, for errors (no credential is ever in a URL)."""
    return f"{url}?{urlencode(request.params)}" if request.params else url


def _describe(exc: APIError) -> str:
    return f"{type(exc).__name__} ({exc.status or 'no answer'})"

"""The transport: one aiohttp session per client, auth, timeouts, retries, rate limiting, logging.

The path of a call (see ARCHITECTURE.md): :meth:`Transport.request` takes the headers from
the auth step and sends the first attempt itself (:meth:`Transport._send`: session, rate-limit
booking, the exchange, one body reader, one mapping of aiohttp's failures to the SDK's
errors), and hands the result to the API's decoder. Entering a retry loop for every call
costs throughput and most calls succeed, so only a failure that the policy retries hands over
to an ``AsyncRetrying`` loop (:meth:`Transport._retry`), built per call from the client's
policy and the call's ``max_retries``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final, TypeVar
from urllib.parse import urlencode

import aiohttp
import tenacity
from multidict import CIMultiDictProxy

from ._auth import Auth
from ._clock import SYSTEM_CLOCK, Clock
from ._config import (
    LoopbackResolver,
    Timeout,
    TimeoutLike,
    as_timeout,
    needs_loopback_resolver,
    to_client_timeout,
)
from ._exceptions import APIError, ConfigurationError, ErrorTree, PoolsError
from ._protocol import Request, Response
from ._ratelimit import Blocked, Limiter
from ._redact import Redactor
from ._retry import RetryPolicy, check_max_retries, outcome_unknown
from ._types import NOT_GIVEN, NotGivenOr, RedactedHeaders

__all__ = ["MAX_BODY", "MAX_ERROR_BODY", "OutcomeUnknown", "Recover", "Transport"]

_T = TypeVar("_T")
_O = TypeVar("_O")

#: Called before a retry (and after a final failure) of a call whose outcome is unknown; it
#: returns the result the lost attempt produced, or ``None`` when that attempt changed nothing.
Recover = Callable[[APIError], Awaitable[_T | None]]

#: The default of the largest success answer read (``max_response_bytes``): an organization's
#: every pool is far less. An error answer is read up to MAX_ERROR_BODY, enough for its
#: message, whatever a proxy sends.
MAX_BODY: Final = 64 * 2**20
MAX_ERROR_BODY: Final = 64 * 2**10


class OutcomeUnknown(Exception):
    """Raised by a recover hook that cannot tell what the lost attempt did (it notes why on
    the error): the call stops with the original error and nothing is sent again."""


class _Stop(Exception):
    """Carries an error out of the retry loop without tenacity retrying it."""

    def __init__(self, error: APIError) -> None:
        super().__init__()
        self.error = error


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
        if session is not None and not isinstance(session, aiohttp.ClientSession):
            raise ConfigurationError(
                f"session must be an aiohttp.ClientSession, got {type(session).__name__}"
            )
        if isinstance(max_connections, bool) or not isinstance(max_connections, int):
            raise ConfigurationError(f"max_connections must be an integer, got {max_connections!r}")
        if max_connections < 1:
            raise ConfigurationError(f"max_connections must be at least 1, got {max_connections}")
        if (
            isinstance(max_response_bytes, bool)
            or not isinstance(max_response_bytes, int)
            or max_response_bytes < MAX_ERROR_BODY
        ):
            raise ConfigurationError(
                f"max_response_bytes must be a whole number of bytes, at least {MAX_ERROR_BODY}, "
                f"got {max_response_bytes!r}"
            )
        if retry_policy is not None and not isinstance(retry_policy, RetryPolicy):
            raise ConfigurationError(
                f"retry_policy must be a RetryPolicy, got {type(retry_policy).__name__}"
            )
        if not isinstance(clock, Clock):
            raise ConfigurationError(
                f"clock must have monotonic() and async sleep(), got {type(clock).__name__}"
            )
        self.base_url = base_url
        self.auth = auth
        self.errors = errors
        self._log = logger
        self.timeout: Timeout = as_timeout(timeout)
        self._client_timeout = to_client_timeout(self.timeout)
        self.retry_policy = retry_policy or RetryPolicy()
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
        recover: Recover[_T] | None = None,
    ) -> _T:
        """Send ``request`` and return ``decode(response)``; ``decode`` raises the API's errors.

        ``recover`` makes a non-idempotent call safe to retry: after a failure whose outcome is
        unknown it finds what the lost attempt did, and returns it instead of sending again.
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
        try:
            return decode(await self._send(request, client_timeout, headers, 1))
        except APIError as exc:
            first = exc
        try:
            return await self._retry(
                request, decode, client_timeout, headers, retries, first, recover
            )
        except APIError as exc:
            if not isinstance(exc, self.errors.authentication):
                raise
            # The token may have expired in flight: ask once more, send again if it changed.
            fresh = await self.auth.refreshed(headers, client_timeout.total)
            if fresh is None:
                raise
            self._log.info("401 with a token from the provider; retrying with a fresh one")
            return await self._retry(request, decode, client_timeout, fresh, retries, None, recover)

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

    # -- retries ---------------------------------------------------------------------------

    async def _retry(
        self,
        request: Request,
        decode: Callable[[Response], _T],
        client_timeout: aiohttp.ClientTimeout,
        headers: RedactedHeaders,
        retries: int,
        first: APIError | None,
        recover: Recover[_T] | None,
    ) -> _T:
        """Attempts after ``first`` failed (or, without it, from the start) under the policy."""
        policy = self.retry_policy
        idempotent = request.idempotent or recover is not None

        def retryable(exc: BaseException) -> bool:
            return policy.should_retry(exc, idempotent=idempotent)

        last = first
        if first is not None and (retries == 0 or not retryable(first)):
            return await self._give_up(recover, first)
        retrying = tenacity.AsyncRetrying(
            stop=tenacity.stop_after_attempt(retries + 1),
            wait=lambda state: policy.backoff(state.attempt_number, _error_of(state)),
            retry=tenacity.retry_if_exception(retryable),
            before_sleep=self._before_sleep(request, retries),
            sleep=self.clock.sleep,
            reraise=True,
        )
        replay = first
        repeated = False
        try:
            async for attempt in retrying:
                with attempt:
                    if replay is not None:
                        # The first attempt ran outside the loop; its error feeds the policy
                        # here so the wait before retry 1 honors its Retry-After.
                        err, replay = replay, None
                        raise err
                    if last is not None and outcome_unknown(last):
                        repeated = True
                        if recover is not None:
                            found = await self._recover(recover, last)
                            if found is not None:
                                return found
                    number = attempt.retry_state.attempt_number
                    try:
                        response = await self._send(
                            request, client_timeout, headers, number, repeated
                        )
                        return decode(response)
                    except APIError as exc:
                        last = exc
                        raise
        except _Stop as stop:
            raise stop.error from None
        except APIError as exc:
            last = exc
        assert last is not None
        return await self._give_up(recover, last)

    async def _give_up(self, recover: Recover[_T] | None, last: APIError) -> _T:
        if recover is not None and outcome_unknown(last):
            # No retry left, but the last attempt may have worked: find out before failing.
            found = await self._recover(recover, last, final=True)
            if found is not None:
                return found
        raise last

    async def _recover(
        self, recover: Recover[_T], error: APIError, *, final: bool = False
    ) -> _T | None:
        try:
            found = await recover(error)
        except OutcomeUnknown:
            if final:
                raise error from None
            raise _Stop(error) from None
        except APIError as exc:
            error.add_note(
                "The outcome of this request is unknown: checking whether it took effect "
                f"failed too ({exc}). Nothing was sent again."
            )
            if final:
                raise error from exc
            raise _Stop(error) from exc
        if found is not None:
            self._log.info(
                "%s recovered after %s: the lost attempt had taken effect",
                type(error).__name__,
                error.status or "no answer",
            )
        return found

    def _before_sleep(
        self, request: Request, retries: int
    ) -> Callable[[tenacity.RetryCallState], None]:
        def log(state: tenacity.RetryCallState) -> None:
            exc = _error_of(state)
            seconds = state.next_action.sleep if state.next_action else 0.0
            self._log.info(
                "Retrying %s %s in %.2fs (retry %d of %d) after %s",
                request.method,
                request.path,
                seconds,
                state.attempt_number,
                retries,
                _describe(exc),
            )

        return log


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


def _error_of(state: tenacity.RetryCallState) -> BaseException | None:
    return state.outcome.exception() if state.outcome is not None else None


def _describe(exc: BaseException | None) -> str:
    if isinstance(exc, APIError):
        return f"{type(exc).__name__} ({exc.status or 'no answer'})"
    return type(exc).__name__

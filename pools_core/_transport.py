"""The transport: one aiohttp session per client, timeouts, retries, rate limiting, logging.

The first attempt runs outside tenacity: entering a retry loop for every call costs throughput,
and most calls succeed. A failure that the policy retries hands over to an ``AsyncRetrying``
loop built per call from the client's policy and the call's ``max_retries``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final, TypeVar
from urllib.parse import urlencode

import aiohttp
import tenacity

from ._config import Timeout, TimeoutLike, as_timeout, to_client_timeout
from ._exceptions import APIError, ConfigurationError, ErrorTree
from ._protocol import Request, Response
from ._ratelimit import Blocked, SlidingWindowLimiter
from ._retry import RetryPolicy, outcome_unknown
from ._types import NOT_GIVEN, NotGivenOr, RedactedHeaders

__all__ = ["OutcomeUnknown", "Recover", "Transport", "check_max_retries"]

_T = TypeVar("_T")
_O = TypeVar("_O")

#: Called before a retry (and after a final failure) of a call whose outcome is unknown; it
#: returns the result the lost attempt produced, or ``None`` when that attempt changed nothing.
Recover = Callable[[APIError], Awaitable[_T | None]]


class OutcomeUnknown(Exception):
    """Raised by a recover hook that cannot tell what the lost attempt did (it notes why on
    the error): the call stops with the original error and nothing is sent again."""


class _Stop(Exception):
    """Carries an error out of the retry loop without tenacity retrying it."""

    def __init__(self, error: APIError) -> None:
        super().__init__()
        self.error = error


def check_max_retries(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 20:
        raise ConfigurationError(f"max_retries must be an integer from 0 to 20, got {value!r}")
    return value


class Transport:
    """Sends :class:`Request` objects and hands each :class:`Response` to a decoder."""

    def __init__(
        self,
        *,
        base_url: str,
        headers: Mapping[str, str],
        errors: ErrorTree,
        logger: logging.Logger,
        timeout: TimeoutLike = 30.0,
        max_retries: int = 2,
        retry_policy: RetryPolicy | None = None,
        session: aiohttp.ClientSession | None = None,
        max_connections: int = 100,
        limiter: SlidingWindowLimiter | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if session is not None and not isinstance(session, aiohttp.ClientSession):
            raise ConfigurationError(
                f"session must be an aiohttp.ClientSession, got {type(session).__name__}"
            )
        if isinstance(max_connections, bool) or not isinstance(max_connections, int):
            raise ConfigurationError(f"max_connections must be an integer, got {max_connections!r}")
        if max_connections < 1:
            raise ConfigurationError(f"max_connections must be at least 1, got {max_connections}")
        self.base_url = base_url
        self._headers = headers
        # Only requests with a body say what it is, as in the docs' cURL examples.
        self._json_headers = RedactedHeaders({**headers, "Content-Type": "application/json"})
        self._errors = errors
        self._log = logger
        self.timeout: Timeout = as_timeout(timeout)
        self._client_timeout = to_client_timeout(self.timeout)
        self.retry_policy = retry_policy or RetryPolicy(max_retries=check_max_retries(max_retries))
        self._session = session
        self._owns_session = session is None
        self._session_loop: asyncio.AbstractEventLoop | None = None
        self._max_connections = max_connections
        self.limiter = limiter
        self._sleep = sleep
        self._closed = False

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    def _open_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise RuntimeError("the client is closed; create a new one")
        loop = asyncio.get_running_loop()
        session = self._session
        if session is None:
            # Created here, inside a coroutine, so the session belongs to the loop that uses it.
            session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._max_connections),
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
            raise RuntimeError("the aiohttp session given to this client has been closed")
        return session

    async def close(self) -> None:
        """Close the session if this client opened it. Idempotent."""
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

    # -- one attempt -----------------------------------------------------------------------

    async def _send(
        self,
        request: Request,
        client_timeout: aiohttp.ClientTimeout,
        headers: Mapping[str, str],
        attempt: int,
    ) -> Response:
        session = self._session
        # (A caller's session closed behind our back is reported by aiohttp itself.)
        if session is None or self._session_loop is not asyncio.get_running_loop():
            session = self._open_session()  # opens one, or raises the clear error
        limiter, limit_key = self.limiter, request.limit_key
        booking = None
        url = self.base_url + request.path
        if limiter is not None and limit_key is not None:
            try:
                booking = await limiter.acquire(limit_key)
            except Blocked as blocked:
                raise self._errors.rate_limit(
                    f"Not sent: the server asked to wait {blocked.remaining:.0f} s more before "
                    "the next request here (Retry-After of an earlier 429)",
                    retry_after=blocked.remaining,
                    method=request.method,
                    url=_shown_url(url, request),
                ) from None
        debug = self._log.isEnabledFor(logging.DEBUG)
        started = time.perf_counter() if debug else 0.0
        failure: APIError | None = None
        resp_headers: Mapping[str, str] | None = None
        status = 0
        try:
            async with session.request(
                request.method,
                url,
                params=request.params,
                data=request.body,
                headers=headers.wire if type(headers) is RedactedHeaders else headers,
                timeout=client_timeout,
                allow_redirects=False,  # never carry the key to wherever a redirect points
                raise_for_status=False,  # even on a caller's session: the SDK maps statuses
            ) as resp:
                status = resp.status
                resp_headers = resp.headers
                length = resp.content_length
                # Inlined fast path of _read_body: a plain body whose announced size is fine.
                if (
                    length is not None
                    and length <= MAX_ERROR_BODY
                    and "Content-Encoding" not in resp_headers
                ):
                    body, complete = await resp.read(), True
                else:
                    body, complete = await _read_body(resp, status)
                if not complete:
                    failure = self._errors.unexpected(
                        f"The answer is larger than {MAX_BODY // 2**20} MiB; not read",
                        status=status,
                        headers=resp_headers,
                        method=request.method,
                        url=_shown_url(url, request),
                    )
        except asyncio.CancelledError as exc:
            # The caller's deadline or task.cancel(): re-raised without aiohttp's frames, whose
            # locals hold the plain request headers (and so the key).
            raise exc.with_traceback(None) from None
        except aiohttp.ConnectionTimeoutError as exc:
            failure = self._transport_error(
                request, url, exc, client_timeout, timed_out=True, sent=False
            )
        except TimeoutError as exc:
            failure = self._transport_error(
                request, url, exc, client_timeout, timed_out=True, sent=True
            )
        except aiohttp.ClientConnectorError as exc:
            failure = self._transport_error(
                request, url, exc, client_timeout, timed_out=False, sent=False
            )
        except (aiohttp.ClientError, OSError) as exc:
            failure = self._transport_error(
                request, url, exc, client_timeout, timed_out=False, sent=True
            )
        finally:
            # Also on cancellation: a probe that never reports would hold its key forever.
            if booking is not None and limiter is not None and limit_key is not None:
                limiter.done(limit_key, booking, resp_headers, status)
        if failure is not None:
            # Raised outside the except block on purpose: no chained aiohttp frames, whose
            # locals hold the request headers, reach tools that print locals (Sentry, rich).
            # The cause's type and message are in the error's message.
            raise failure
        assert resp_headers is not None  # set whenever no failure was recorded
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
        return Response(status, resp_headers, body, request.method, url)

    def _transport_error(
        self,
        request: Request,
        url: str,
        exc: BaseException,
        client_timeout: aiohttp.ClientTimeout,
        *,
        timed_out: bool,
        sent: bool,
    ) -> APIError:
        if self._log.isEnabledFor(logging.DEBUG):
            self._log.debug(
                "%s %s -> %s: %s", request.method, request.path, type(exc).__name__, exc
            )
        if timed_out:
            phase = "connecting" if not sent else "waiting for the answer"
            return self._errors.timeout(
                f"Timed out {phase} (limits: {_limits(client_timeout)})",
                request_sent=sent,
                method=request.method,
                url=_shown_url(url, request),
            )
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return self._errors.connection(
            f"Connection failed ({detail})",
            request_sent=sent,
            method=request.method,
            url=_shown_url(url, request),
        )

    # -- a call, with retries --------------------------------------------------------------

    def _option(self, check: Callable[[Any], _O], value: object) -> _O:
        """A per-call option, checked; a bad one raises the package's ConfigurationError."""
        try:
            return check(value)
        except ConfigurationError as exc:
            raise self._errors.configuration(str(exc)) from None

    async def request(
        self,
        request: Request,
        decode: Callable[[Response], _T],
        *,
        timeout: NotGivenOr[TimeoutLike] = NOT_GIVEN,
        max_retries: NotGivenOr[int] = NOT_GIVEN,
        headers: Mapping[str, str] | None = None,
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
        if headers is None:
            headers = self._json_headers if request.body is not None else self._headers
        try:
            return decode(await self._send(request, client_timeout, headers, 1))
        except APIError as exc:
            first = exc
        return await self._retry(request, decode, client_timeout, headers, retries, first, recover)

    async def _retry(
        self,
        request: Request,
        decode: Callable[[Response], _T],
        client_timeout: aiohttp.ClientTimeout,
        headers: Mapping[str, str],
        retries: int,
        first: APIError,
        recover: Recover[_T] | None,
    ) -> _T:
        policy = self.retry_policy
        idempotent = request.idempotent or recover is not None

        def retryable(exc: BaseException) -> bool:
            return policy.should_retry(exc, idempotent=idempotent)

        last = first
        if retries > 0 and retryable(first):
            retrying = tenacity.AsyncRetrying(
                stop=tenacity.stop_after_attempt(retries + 1),
                wait=lambda state: policy.backoff(state.attempt_number, _error_of(state)),
                retry=tenacity.retry_if_exception(retryable),
                before_sleep=self._before_sleep(request, retries),
                sleep=self._sleep,
                reraise=True,
            )
            replay: APIError | None = first
            try:
                async for attempt in retrying:
                    with attempt:
                        if replay is not None:
                            # The first attempt ran outside the loop; its error feeds the
                            # policy here so the wait before retry 1 honors its Retry-After.
                            err, replay = replay, None
                            raise err
                        if recover is not None and outcome_unknown(last):
                            found = await self._recover(recover, last)
                            if found is not None:
                                return found
                        number = attempt.retry_state.attempt_number
                        try:
                            return decode(
                                await self._send(request, client_timeout, headers, number)
                            )
                        except APIError as exc:
                            last = exc
                            raise
            except _Stop as stop:
                raise stop.error from None
            except APIError as exc:
                last = exc
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


#: The largest answer read whole (an organization's every pool is far less); an error answer
#: is read up to MAX_ERROR_BODY, enough for its message, whatever a proxy sends.
MAX_BODY: Final = 64 * 2**20
MAX_ERROR_BODY: Final = 64 * 2**10


async def _read_body(resp: aiohttp.ClientResponse, status: int) -> tuple[bytes, bool]:
    """The body, and whether it is whole (a too large success answer is not)."""
    limit = MAX_BODY if status < 400 else MAX_ERROR_BODY
    length = resp.content_length
    # Content-Length counts the bytes on the wire: with a Content-Encoding the decoded body
    # can be far larger (a gzip bomb), so only an unencoded body is read whole on its word.
    if length is not None and length <= limit and "Content-Encoding" not in resp.headers:
        return await resp.read(), True
    body = bytearray()
    async for chunk in resp.content.iter_chunked(2**16):
        body += chunk
        if len(body) > limit:
            if status >= 400:  # an error body's first part says enough
                return bytes(body[:limit]), True
            return b"", False
    return bytes(body), True


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

"""GoHighLevel clients: :class:`AsyncGHLClient` and its blocking twin :class:`GHLClient`."""

from __future__ import annotations

import inspect
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from typing import Final, TypeAlias, TypeVar

import aiohttp

from pools_core._client import AsyncClientBase, SyncClientBase
from pools_core._config import (
    TimeoutLike,
    check_header_value,
    conceal,
    refused_type,
    resolve_base_url,
    resolve_secret,
    user_agent,
)
from pools_core._exceptions import ConfigurationError
from pools_core._protocol import Request, Response
from pools_core._ratelimit import RateLimitInfo, SlidingWindowLimiter
from pools_core._transport import Transport
from pools_core._types import NOT_GIVEN, NotGivenOr, RedactedHeaders, Secret

from ._exceptions import ERRORS, AuthenticationError, BadRequestError
from ._models import NumberPoolPage
from ._protocol import API_VERSION, check_location_id, decode_page, list_request

__all__ = [
    "DEFAULT_BASE_URL",
    "AsyncGHLClient",
    "AsyncNumberPools",
    "GHLClient",
    "NumberPools",
    "TokenProvider",
]

DEFAULT_BASE_URL: Final = "https://services.leadconnectorhq.com"
logger: Final = logging.getLogger("ghl_pools")

#: A callable returning the current access token (OAuth tokens live one day); it may be
#: async (``async def``) or plain.
TokenProvider: TypeAlias = Callable[[], Awaitable[str] | str]
_T = TypeVar("_T")


def _bare_token(token: Secret) -> Secret:
    # Accept a token pasted with its scheme ("Bearer eyJ..."): sending "Bearer Bearer" fails.
    if token.reveal()[:7].lower() == "bearer ":
        return Secret(token.reveal()[7:].lstrip())
    return token


class AsyncNumberPools:
    """``client.pools``: GoHighLevel number pools."""

    def __init__(self, client: AsyncGHLClient) -> None:
        self._client = client

    async def list(
        self,
        *,
        location_id: NotGivenOr[str | None] = NOT_GIVEN,
        timeout: NotGivenOr[TimeoutLike] = NOT_GIVEN,
        max_retries: NotGivenOr[int] = NOT_GIVEN,
    ) -> NumberPoolPage:
        """The number pools of a location (``GET /phone-system/number-pools``).

        ``location_id`` defaults to the client's; ``None`` sends no ``locationId`` (a
        sub-account token implies its own location).

        Raises:
            BadRequestError: ``location_id`` cannot be an id (before sending), or the server
                rejects it ("Invalid locationId format").
            PermissionDeniedError: the token is not allowed this location.
        """
        if location_id is NOT_GIVEN:
            location_id = self._client.location_id
        if location_id is not None:
            location_id = check_location_id(location_id)
        return await self._client._call(
            list_request(location_id), decode_page, timeout=timeout, max_retries=max_retries
        )


class AsyncGHLClient(AsyncClientBase):
    """Async client for GoHighLevel number pools.

    Args:
        token: a Sub-Account access token or Private Integration token, or a callable (async
            or plain) returning the current one (called per request, and once more after a
            401);
            default ``GHL_ACCESS_TOKEN`` from the environment.
        location_id: the default location of ``pools.list``; default ``GHL_LOCATION_ID``.
        version: the ``Version`` header (default ``2021-07-28``).
        base_url: default ``GHL_BASE_URL``, else ``https://services.leadconnectorhq.com``.
        timeout: seconds per attempt, or a :class:`~pools_core.Timeout`.
        max_retries: retries after a failed first attempt (default 2).
        session: your own ``aiohttp.ClientSession``; the client never closes it.
        max_connections: the size of the client's connection pool (without ``session``).

    Requests are paced per location under GoHighLevel's burst limit (100 per 10 seconds),
    adapting to the ``X-RateLimit-*`` headers; :attr:`rate_limit` shows the latest figures.
    """

    def __init__(
        self,
        *,
        token: str | Secret | TokenProvider | None = None,
        location_id: str | None = None,
        version: str = API_VERSION,
        base_url: str | None = None,
        timeout: TimeoutLike = 30.0,
        max_retries: int = 2,
        session: aiohttp.ClientSession | None = None,
        max_connections: int = 100,
    ) -> None:
        self._provider: TokenProvider | None = token if callable(token) else None
        given = None if callable(token) else conceal(token)
        del token  # no plain token in this frame (tracebacks printed with locals)
        try:
            secret: Secret | None = None
            if self._provider is None:
                secret = _bare_token(resolve_secret(given, "GHL_ACCESS_TOKEN", "token"))
            if not isinstance(version, str) or not version.strip():
                raise ConfigurationError(f"version must be a non-empty string, got {version!r}")
            check_header_value(version, "version")
            url = resolve_base_url(base_url, "GHL_BASE_URL", DEFAULT_BASE_URL)
            self._base_headers = {
                "Accept": "application/json",
                "Version": version,
                "User-Agent": user_agent("ghl-pools"),
            }
            headers = self._headers_for(secret) if secret is not None else {}
            self._limiter = SlidingWindowLimiter(limit=100, interval=10.0, probe_first=True)
            self._transport = Transport(
                base_url=url,
                headers=headers,
                errors=ERRORS,
                logger=logger,
                timeout=timeout,
                max_retries=max_retries,
                session=session,
                max_connections=max_connections,
                limiter=self._limiter,
            )
        except ConfigurationError as exc:
            raise ERRORS.configuration(str(exc)) from None
        if location_id is None:
            location_id = os.environ.get("GHL_LOCATION_ID") or None
        try:
            self.location_id = check_location_id(location_id) if location_id else None
        except BadRequestError as exc:
            raise ERRORS.configuration(exc.message) from None
        self.pools = AsyncNumberPools(self)

    @property
    def rate_limit(self) -> RateLimitInfo | None:
        """The ``X-RateLimit-*`` figures of the latest answer, or ``None`` before any."""
        return self._limiter.latest()

    def rate_limit_for(self, location_id: str) -> RateLimitInfo | None:
        """The latest ``X-RateLimit-*`` figures seen for one location."""
        return self._limiter.latest(location_id)

    def _headers_for(self, token: Secret) -> Mapping[str, str]:
        auth = f"Bearer {token.reveal()}"
        return RedactedHeaders({**self._base_headers, "Authorization": auth})

    async def _token(self) -> Secret:
        # Wrapped at once: tools that print a traceback's locals must not show the token.
        assert self._provider is not None
        result = self._provider()
        token = await result if inspect.isawaitable(result) else result
        given = conceal(token)
        del token, result  # gone before any error below: no plain token in this frame
        wrong = "NoneType" if given is None else refused_type(given)
        if given is None or wrong is not None:
            raise ERRORS.configuration(f"the token provider returned {wrong}, not a string")
        secret = _bare_token(given)
        try:
            check_header_value(secret, "the token from the token provider")
        except ConfigurationError as exc:
            raise ERRORS.configuration(str(exc)) from None
        return secret

    async def _call(
        self,
        request: Request,
        decode: Callable[[Response], _T],
        *,
        timeout: NotGivenOr[TimeoutLike],
        max_retries: NotGivenOr[int],
    ) -> _T:
        if self._provider is None:
            return await self._transport.request(
                request, decode, timeout=timeout, max_retries=max_retries
            )
        token = await self._token()
        try:
            return await self._transport.request(
                request,
                decode,
                timeout=timeout,
                max_retries=max_retries,
                headers=self._headers_for(token),
            )
        except AuthenticationError:
            # The token may have expired in flight: ask once more, retry only if it changed.
            fresh = await self._token()
            if fresh == token:
                raise
            logger.info("401 with a token from the provider; retrying with a fresh one")
            return await self._transport.request(
                request,
                decode,
                timeout=timeout,
                max_retries=max_retries,
                headers=self._headers_for(fresh),
            )


class NumberPools:
    """``client.pools`` of the blocking client."""

    def __init__(self, client: GHLClient) -> None:
        self._client = client  # held: the client closes when collected, not while in use
        self._call = client._portal.call
        self._pools = client._async.pools

    def list(
        self,
        *,
        location_id: NotGivenOr[str | None] = NOT_GIVEN,
        timeout: NotGivenOr[TimeoutLike] = NOT_GIVEN,
        max_retries: NotGivenOr[int] = NOT_GIVEN,
    ) -> NumberPoolPage:
        """The number pools of a location (see :meth:`AsyncNumberPools.list`)."""
        return self._call(
            self._pools.list, location_id=location_id, timeout=timeout, max_retries=max_retries
        )


class GHLClient(SyncClientBase[AsyncGHLClient]):
    """Blocking client for GoHighLevel number pools; same options as :class:`AsyncGHLClient`
    (without ``session``). A token provider, async or plain, runs on the client's private
    loop (a plain one should not block for long)."""

    def __init__(
        self,
        *,
        token: str | Secret | TokenProvider | None = None,
        location_id: str | None = None,
        version: str = API_VERSION,
        base_url: str | None = None,
        timeout: TimeoutLike = 30.0,
        max_retries: int = 2,
        max_connections: int = 100,
    ) -> None:
        given = token if callable(token) else conceal(token)
        del token  # no plain token in this frame (tracebacks printed with locals)
        super().__init__(
            AsyncGHLClient(
                token=given,
                location_id=location_id,
                version=version,
                base_url=base_url,
                timeout=timeout,
                max_retries=max_retries,
                max_connections=max_connections,
            )
        )

    @property
    def pools(self) -> NumberPools:
        """The pool calls. Made per access rather than stored, so that it can hold the client
        (``GHLClient().pools.list()`` works) without a cycle delaying the close at collection."""
        return NumberPools(self)

    @property
    def location_id(self) -> str | None:
        return self._async.location_id

    @property
    def rate_limit(self) -> RateLimitInfo | None:
        """The ``X-RateLimit-*`` figures of the latest answer, or ``None`` before any."""
        return self._async.rate_limit

    def rate_limit_for(self, location_id: str) -> RateLimitInfo | None:
        """The latest ``X-RateLimit-*`` figures seen for one location."""
        return self._async.rate_limit_for(location_id)

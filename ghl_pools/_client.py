"""GoHighLevel clients: :class:`AsyncGHLClient` and its blocking twin :class:`GHLClient`."""

from __future__ import annotations

import logging
import os
from typing import Final

import aiohttp

from pools_core._auth import Auth, ProviderAuth, TokenProvider
from pools_core._client import (
    MAX_BODY,
    AsyncClientBase,
    BlockingResource,
    SyncClientBase,
    blocking,
    build_transport,
)
from pools_core._clock import SYSTEM_CLOCK, Clock
from pools_core._config import (
    HiddenURL,
    TimeoutLike,
    check_header_value,
    conceal,
    hide_url,
    resolve_secret,
)
from pools_core._exceptions import ConfigurationError
from pools_core._headers import RateLimitInfo
from pools_core._ratelimit import SlidingWindowLimiter
from pools_core._retry import RetryPolicy
from pools_core._session import user_agent
from pools_core._transport import Transport
from pools_core._types import NOT_GIVEN, NotGivenOr, RedactedHeaders, Secret

from ._exceptions import ERRORS, BadRequestError
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


def _bare_token(token: Secret) -> Secret:
    # Accept a token pasted with its scheme ("Bearer eyJ..."): sending "Bearer Bearer" fails.
    if token.reveal()[:7].lower() == "bearer ":
        return Secret(token.reveal()[7:].lstrip())
    return token


class AsyncNumberPools:
    """``client.pools``: GoHighLevel number pools."""

    def __init__(self, transport: Transport, location_id: str | None) -> None:
        self._transport = transport
        self._location_id = location_id

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
            location_id = self._location_id
        if location_id is not None:
            location_id = check_location_id(location_id)
        return await self._transport.request(
            list_request(location_id), decode_page, timeout=timeout, max_retries=max_retries
        )


class AsyncGHLClient(AsyncClientBase):
    """Async client for GoHighLevel number pools.

    Args:
        token: a Sub-Account access token or Private Integration token, or a callable (async
            or plain) returning the current one (called per request, bounded by the call's
            ``timeout``, and once more after a 401); default ``GHL_ACCESS_TOKEN``.
        location_id: the default location of ``pools.list``; default ``GHL_LOCATION_ID``.
        version: the ``Version`` header (default ``2021-07-28``).
        base_url: default ``GHL_BASE_URL``, else ``https://services.leadconnectorhq.com``.
        timeout: seconds per attempt, or a :class:`~pools_core.Timeout`.
        max_retries: retries after a failed first attempt (default: the policy's, 2).
        retry_policy: the :class:`~pools_core.RetryPolicy` (backoff figures and caps).
        session: your own ``aiohttp.ClientSession``; the client never closes it.
        max_connections: the size of the client's connection pool (without ``session``).
        max_response_bytes: the largest answer read (default 64 MiB); a larger one is an
            ``UnexpectedResponseError``.
        clock: what the client waits by, the rate limiter included
            (``ghl_pools.testing.FakeClock`` in tests).

    Requests are paced per location under GoHighLevel's burst limit (100 per 10 seconds),
    adapting to the ``X-RateLimit-*`` headers; :attr:`rate_limit` shows the latest figures.
    """

    def __init__(
        self,
        *,
        token: str | Secret | TokenProvider | None = None,
        location_id: str | None = None,
        version: str = API_VERSION,
        base_url: str | HiddenURL | None = None,
        timeout: TimeoutLike = 30.0,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        session: aiohttp.ClientSession | None = None,
        max_connections: int = 100,
        max_response_bytes: int = MAX_BODY,
        clock: Clock | None = None,
    ) -> None:
        provider: TokenProvider | None = token if callable(token) else None
        given, url = None if callable(token) else conceal(token), hide_url(base_url)
        del token, base_url  # not plain in this frame (tracebacks printed with locals)
        with ERRORS.configuring():
            if not isinstance(version, str) or not version.strip():
                raise ConfigurationError(f"version must be a non-empty string, got {version!r}")
            check_header_value(version, "version")
            base = {
                "Accept": "application/json",
                "Version": version,
                "User-Agent": user_agent("ghl-pools"),
            }

            def render(token: Secret) -> RedactedHeaders:
                return RedactedHeaders({**base, "Authorization": f"Bearer {token.reveal()}"})

            if provider is None:
                auth = Auth(render(_bare_token(resolve_secret(given, "GHL_ACCESS_TOKEN", "token"))))
            else:
                auth = ProviderAuth(provider, lambda t: render(_bare_token(t)), ERRORS)
            self._limiter = SlidingWindowLimiter(
                limit=100, interval=10.0, probe_first=True, clock=clock or SYSTEM_CLOCK
            )
            self._transport = build_transport(
                errors=ERRORS,
                logger=logger,
                auth=auth,
                base_url=(url, "GHL_BASE_URL", DEFAULT_BASE_URL, "/phone-system"),
                timeout=timeout,
                max_retries=max_retries,
                retry_policy=retry_policy,
                session=session,
                max_connections=max_connections,
                max_response_bytes=max_response_bytes,
                clock=clock,
                limiter=self._limiter,
            )
        if location_id is None:
            location_id = os.environ.get("GHL_LOCATION_ID") or None
        try:
            self.location_id = check_location_id(location_id) if location_id else None
        except BadRequestError as exc:
            raise ERRORS.configuration(exc.message) from None
        self.pools = AsyncNumberPools(self._transport, self.location_id)

    @property
    def rate_limit(self) -> RateLimitInfo | None:
        """The ``X-RateLimit-*`` figures of the latest answer, or ``None`` before any."""
        return self._limiter.latest()

    def rate_limit_for(self, location_id: str) -> RateLimitInfo | None:
        """The latest ``X-RateLimit-*`` figures seen for one location."""
        return self._limiter.latest(location_id)


class NumberPools(BlockingResource[AsyncNumberPools]):
    """``client.pools`` of the blocking client: each method blocks for its async twin."""

    list = blocking(AsyncNumberPools.list)


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
        base_url: str | HiddenURL | None = None,
        timeout: TimeoutLike = 30.0,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        max_connections: int = 100,
        max_response_bytes: int = MAX_BODY,
        clock: Clock | None = None,
    ) -> None:
        given, url = token if callable(token) else conceal(token), hide_url(base_url)
        del token, base_url  # not plain in this frame (tracebacks printed with locals)
        super().__init__(
            AsyncGHLClient(
                token=given,
                location_id=location_id,
                version=version,
                base_url=url,
                timeout=timeout,
                max_retries=max_retries,
                retry_policy=retry_policy,
                max_connections=max_connections,
                max_response_bytes=max_response_bytes,
                clock=clock,
            )
        )

    @property
    def pools(self) -> NumberPools:
        """The pool calls. Made per access rather than stored, so that it can hold the client
        (``GHLClient().pools.list()`` works) without a cycle delaying the close at collection."""
        return NumberPools(self, self._async.pools)

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

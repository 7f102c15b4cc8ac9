"""Bland clients: :class:`AsyncBlandClient` and its blocking twin :class:`BlandClient`.

Each endpoint is one method of :class:`AsyncPools` (validate, build the request, send, decode)
and a one-line blocking twin on :class:`Pools`; duplicate-free creates live in
``_recovery.py``.
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Final, NamedTuple, TypeVar

import aiohttp

from pools_core._auth import Auth
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
    conceal,
    hide_url,
    resolve_secret,
    user_agent,
)
from pools_core._exceptions import ConfigurationError
from pools_core._pace import Pace
from pools_core._protocol import Request, Response
from pools_core._retry import RetryPolicy
from pools_core._transport import Recover, Transport
from pools_core._types import NOT_GIVEN, NotGivenOr, RedactedHeaders, Secret

from ._exceptions import ERRORS, DuplicatePoolsError
from ._models import DialingPool
from ._protocol import (
    create_request,
    decode_deleted,
    decode_pool,
    decode_pools,
    delete_request,
    get_request,
    list_request,
    update_request,
)
from ._recovery import CreateRecovery, fingerprint
from ._route import Route, resolve_resource_path
from ._validation import check_encrypted_key, check_phone_numbers, check_pool_id

__all__ = [
    "DEFAULT_BASE_URL",
    "AsyncBlandClient",
    "AsyncPools",
    "BlandClient",
    "Ensured",
    "Pools",
]

DEFAULT_BASE_URL: Final = "https://us.api.bland.ai"
logger: Final = logging.getLogger("bland_pools")
_T = TypeVar("_T")


class Ensured(NamedTuple):
    """What :meth:`AsyncPools.ensure` found or made: the pool, and whether it was created
    now (``pool, created = await bland.pools.ensure(numbers)``)."""

    pool: DialingPool
    created: bool


class AsyncPools:
    """``client.pools``: list, get, create, ensure, update and delete custom dialing pools."""

    def __init__(self, transport: Transport, route: Route | None = None) -> None:
        self._transport = transport
        self._route = route or Route()
        self._recovery = CreateRecovery(transport, transport.clock, self._route)

    async def _call(
        self,
        build: Callable[[str], Request],
        decode: Callable[[Response], _T],
        timeout: NotGivenOr[TimeoutLike],
        max_retries: NotGivenOr[int],
        recover: Recover[_T] | None = None,
    ) -> _T:
        """Send ``build(path)`` on the resource's path in use (found on the first calls, see
        ``_route.py``) and decode the answer."""
        route = self._route
        if route.settled:  # every call once the name is known
            return await self._transport.request(
                build(route.path), decode, timeout=timeout, max_retries=max_retries, recover=recover
            )

        def send(request: Request, decode: Callable[[Response], _T]) -> Awaitable[_T]:
            return self._transport.request(
                request, decode, timeout=timeout, max_retries=max_retries, recover=recover
            )

        return await route.call(build, decode, send)

    async def list(
        self,
        *,
        timeout: NotGivenOr[TimeoutLike] = NOT_GIVEN,
        max_retries: NotGivenOr[int] = NOT_GIVEN,
    ) -> builtins.list[DialingPool]:
        """All custom dialing pools of the organization (``GET /v1/custom-dialing-pools``)."""
        return await self._call(list_request, decode_pools, timeout, max_retries)

    async def _list_decoded(self, decode: Callable[[Response], _T]) -> _T:
        """The list, decoded by ``decode`` (the bulk engine's lean form of every pool)."""
        return await self._call(list_request, decode, NOT_GIVEN, NOT_GIVEN)

    async def get(
        self,
        pool_id: str,
        *,
        timeout: NotGivenOr[TimeoutLike] = NOT_GIVEN,
        max_retries: NotGivenOr[int] = NOT_GIVEN,
    ) -> DialingPool:
        """One pool by its UUID.

        Raises:
            InvalidPoolIdError: ``pool_id`` is not a UUID (raised before sending).
            PoolNotFoundError: no such pool in this organization.
        """
        checked_id = check_pool_id(pool_id)
        return await self._call(
            lambda base: get_request(checked_id, base), decode_pool, timeout, max_retries
        )

    async def create(
        self,
        phone_numbers: Iterable[str],
        *,
        encrypted_key: str | None = None,
        timeout: NotGivenOr[TimeoutLike] = NOT_GIVEN,
        max_retries: NotGivenOr[int] = NOT_GIVEN,
    ) -> DialingPool:
        """Create a pool of ``phone_numbers`` (``+1`` and ten digits each), optionally tied to
        the Twilio credentials ``encrypted_key``.

        Never leaves a duplicate pool behind within this client: when an attempt's outcome is
        unknown (a timeout after sending, a dropped connection, a 5xx), the client lists the
        pools before trying again and returns the pool that attempt made, if it made one.

        Raises:
            InvalidPhoneNumbersError: a number is malformed or repeated, or the list is empty.
            InvalidCredentialsError: ``encrypted_key`` is not a UUID, or not this account's.
        """
        numbers = check_phone_numbers(phone_numbers)
        key = check_encrypted_key(encrypted_key)
        async with self._recovery.turn(fingerprint(numbers, key)):
            return await self._create(numbers, key, timeout, max_retries)

    async def _create_checked(self, numbers: builtins.list[str], key: str | None) -> DialingPool:
        """:meth:`create` of numbers and credentials checked already (the bulk engine's input
        is, in full, before anything is sent): the same turn and recovery, no second check."""
        async with self._recovery.turn(fingerprint(numbers, key)):
            return await self._create(numbers, key, NOT_GIVEN, NOT_GIVEN)

    async def _create(
        self,
        numbers: builtins.list[str],
        key: str | None,
        timeout: NotGivenOr[TimeoutLike],
        max_retries: NotGivenOr[int],
    ) -> DialingPool:
        """A create in its turn, duplicate-free (see ``_recovery.py``)."""

        async def send(recover: Recover[DialingPool]) -> DialingPool:
            # On a route-level 404 this is sent once more under the other name: see
            # Route._probe for why that cannot make a second pool.
            return await self._call(
                lambda base: create_request(numbers, key, base),
                decode_pool,
                timeout,
                max_retries,
                recover,
            )

        return await self._recovery.create(numbers, key, send, timeout)

    async def ensure(
        self,
        phone_numbers: Iterable[str],
        *,
        encrypted_key: str | None = None,
        timeout: NotGivenOr[TimeoutLike] = NOT_GIVEN,
        max_retries: NotGivenOr[int] = NOT_GIVEN,
    ) -> Ensured:
        """The organization's pool with exactly these numbers (in any order) and these
        credentials, or a new one: ``Ensured(pool, created)``.

        Safe to run again after a crash or a Ctrl-C, from any process: it lists the
        organization's pools (one request) and creates only when none matches, so a create
        that was lost is found instead of made twice. Identical calls of one client take
        turns. Two processes running it at the same instant can still both create (a check
        then a create is not atomic, and Bland has no idempotency key): the bulk engine's
        manifest lock is the answer to that.

        Raises:
            DuplicatePoolsError: several pools match already; none is picked or made.
            InvalidPhoneNumbersError, InvalidCredentialsError: as :meth:`create`.
        """
        numbers = check_phone_numbers(phone_numbers)
        key = check_encrypted_key(encrypted_key)
        wanted = fingerprint(numbers, key)
        async with self._recovery.turn(wanted):
            pools = await self.list(timeout=timeout, max_retries=max_retries)
            same = sorted(
                (p for p in pools if fingerprint(p.phone_numbers, p.encrypted_key) == wanted),
                key=lambda p: p.created_at,
            )
            if len(same) > 1:
                ids = tuple(p.id for p in same)
                raise DuplicatePoolsError(
                    f"{len(same)} pools have exactly these numbers and credentials "
                    f"({', '.join(ids)}); none was picked and none was made: delete the extra "
                    "ones or use one by its id",
                    pool_ids=ids,
                )
            if same:
                self._recovery.returned(same[0].id)
                return Ensured(same[0], created=False)
            return Ensured(await self._create(numbers, key, timeout, max_retries), created=True)

    async def update(
        self,
        pool_id: str,
        phone_numbers: Iterable[str],
        *,
        encrypted_key: NotGivenOr[str | None] = NOT_GIVEN,
        timeout: NotGivenOr[TimeoutLike] = NOT_GIVEN,
        max_retries: NotGivenOr[int] = NOT_GIVEN,
    ) -> DialingPool:
        """Replace the pool's numbers with ``phone_numbers`` (numbers left out are removed).

        ``encrypted_key``: leave it out to keep the pool's credentials; pass a UUID to set
        them; pass ``None`` to remove them (sends ``"encrypted_key": null``).
        """
        checked_id = check_pool_id(pool_id)
        numbers = check_phone_numbers(phone_numbers)
        key: NotGivenOr[str | None] = (
            NOT_GIVEN if encrypted_key is NOT_GIVEN else check_encrypted_key(encrypted_key)
        )
        return await self._call(
            lambda base: update_request(checked_id, numbers, key, base),
            decode_pool,
            timeout,
            max_retries,
        )

    async def delete(
        self,
        pool_id: str,
        *,
        timeout: NotGivenOr[TimeoutLike] = NOT_GIVEN,
        max_retries: NotGivenOr[int] = NOT_GIVEN,
    ) -> None:
        """Delete a pool (``DELETE /v1/custom-dialing-pools/{pool_id}``).

        Retried like a GET (deleting twice leaves no pool). When an attempt's answer was lost
        and the retry finds the pool gone, that attempt deleted it: the call succeeds.

        Raises:
            InvalidPoolIdError: ``pool_id`` is not a UUID (raised before sending).
            PoolNotFoundError: no such pool in this organization.
            PoolDeleteFailedError: Bland could not delete it (``POOL_DELETE_FAILURE``).
        """
        checked_id = check_pool_id(pool_id)
        await self._call(
            lambda base: delete_request(checked_id, base), decode_deleted, timeout, max_retries
        )

    def _undelivered(self, pool: DialingPool) -> None:
        # A create whose blocking caller was interrupted after it finished (see Pools).
        self._recovery.undelivered(pool)


class AsyncBlandClient(AsyncClientBase):
    """Async client for Bland's custom dialing pools.

    Args:
        api_key: the Bland API key; default ``BLAND_API_KEY`` from the environment.
        base_url: default ``BLAND_BASE_URL``, else ``https://us.api.bland.ai``.
        timeout: seconds per attempt, or a :class:`~pools_core.Timeout`.
        max_retries: retries after a failed first attempt (default: the policy's, 2).
        retry_policy: the :class:`~pools_core.RetryPolicy` (backoff figures and caps).
        session: your own ``aiohttp.ClientSession``; the client never closes it.
        max_connections: the size of the client's connection pool (without ``session``).
        max_response_bytes: the largest answer read (default 64 MiB); a larger one is an
            ``UnexpectedResponseError``.
        max_rate: at most this many requests in any second across the client (booked on a
            sliding second); a 429 then holds every call for its ``Retry-After`` and sets the
            pace to what the server accepted, which probes its way back up. ``math.inf``: no
            rate; the pace is learned from the server's 429s. Default: none (each call
            retries its own 429).
        clock: what the client waits by (``bland_pools.testing.FakeClock`` in tests).
        resource_path: the resource's name, ``"custom-dialing-pools"`` or
            ``"geospatial-dialing-pools"`` (default ``BLAND_RESOURCE_PATH``). Given, the
            client uses only that name. Left out, it starts on ``custom-dialing-pools`` and,
            if a call answers 404 without ``POOL_NOT_FOUND`` (no such route), sends it once
            more on the other name and keeps whichever answered.

    Use as ``async with AsyncBlandClient() as bland:`` or call ``await bland.close()``.
    """

    def __init__(
        self,
        *,
        api_key: str | Secret | None = None,
        base_url: str | HiddenURL | None = None,
        timeout: TimeoutLike = 30.0,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        session: aiohttp.ClientSession | None = None,
        max_connections: int = 100,
        max_response_bytes: int = MAX_BODY,
        max_rate: float | None = None,
        clock: Clock | None = None,
        resource_path: str | None = None,
    ) -> None:
        given, url = conceal(api_key), hide_url(base_url)
        del api_key, base_url  # not plain in this frame (tracebacks printed with locals)
        with ERRORS.configuring():
            route = Route(resolve_resource_path(resource_path))
            key = resolve_secret(given, "BLAND_API_KEY", "api_key")
            # Built inline: a plain dict of headers in this frame would show the key to tools
            # that print a traceback's locals.
            auth = Auth(
                RedactedHeaders(
                    {
                        "Authorization": key.reveal(),  # the bare key, no "Bearer"
                        "Accept": "application/json",
                        "User-Agent": user_agent("bland-pools"),
                    }
                )
            )
            self._transport = build_transport(
                errors=ERRORS,
                logger=logger,
                auth=auth,
                base_url=(url, "BLAND_BASE_URL", DEFAULT_BASE_URL, "/v1"),
                timeout=timeout,
                max_retries=max_retries,
                retry_policy=retry_policy,
                session=session,
                max_connections=max_connections,
                max_response_bytes=max_response_bytes,
                clock=clock,
                limiter=_pace(max_rate, clock),
            )
        self.pools = AsyncPools(self._transport, route)
        self._route = route

    @property
    def resource_path(self) -> str:
        """The resource's name in use: ``"custom-dialing-pools"`` or
        ``"geospatial-dialing-pools"`` (until a first answer settles it, the one tried first)."""
        return self._route.name


def _pace(max_rate: float | None, clock: Clock | None) -> Pace | None:
    if max_rate is None:
        return None
    if isinstance(max_rate, bool) or not isinstance(max_rate, int | float) or not max_rate > 0:
        raise ConfigurationError(
            f"max_rate must be a positive number of requests per second, got {max_rate!r}"
        )
    return Pace(max_rate, clock=clock or SYSTEM_CLOCK)


class Pools(BlockingResource[AsyncPools]):
    """``client.pools`` of the blocking client: each method blocks for its async twin (same
    parameters, same errors). A pool created for a call interrupted by Ctrl-C is returned by
    the next identical ``create`` rather than made twice."""

    list = blocking(AsyncPools.list)
    get = blocking(AsyncPools.get)
    create = blocking(AsyncPools.create, undelivered=AsyncPools._undelivered)
    ensure = blocking(AsyncPools.ensure)  # a lost answer is found again by the next one
    update = blocking(AsyncPools.update)
    delete = blocking(AsyncPools.delete)


class BlandClient(SyncClientBase[AsyncBlandClient]):
    """Blocking client for Bland's custom dialing pools; same options as
    :class:`AsyncBlandClient` (without ``session``).

    One private event loop and connection pool per client, shared by every thread that uses
    it. Use as ``with BlandClient() as bland:`` or call ``bland.close()``.
    """

    def __init__(
        self,
        *,
        api_key: str | Secret | None = None,
        base_url: str | HiddenURL | None = None,
        timeout: TimeoutLike = 30.0,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        max_connections: int = 100,
        max_response_bytes: int = MAX_BODY,
        max_rate: float | None = None,
        clock: Clock | None = None,
        resource_path: str | None = None,
    ) -> None:
        given, url = conceal(api_key), hide_url(base_url)
        del api_key, base_url  # not plain in this frame (tracebacks printed with locals)
        super().__init__(
            AsyncBlandClient(
                api_key=given,
                base_url=url,
                timeout=timeout,
                max_retries=max_retries,
                retry_policy=retry_policy,
                max_connections=max_connections,
                max_response_bytes=max_response_bytes,
                max_rate=max_rate,
                clock=clock,
                resource_path=resource_path,
            )
        )

    @property
    def resource_path(self) -> str:
        """As :attr:`AsyncBlandClient.resource_path`."""
        return self._async.resource_path

    @property
    def pools(self) -> Pools:
        """The pool calls. Made per access rather than stored, so that it can hold the client
        (``BlandClient().pools.list()`` works) without a cycle delaying the close at collection."""
        return Pools(self, self._async.pools)

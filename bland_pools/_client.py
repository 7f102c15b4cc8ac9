"""Bland clients: :class:`AsyncBlandClient` and its blocking twin :class:`BlandClient`."""

from __future__ import annotations

import asyncio
import builtins
import email.utils
import logging
import time
from collections import deque
from collections.abc import Iterable
from typing import Final, TypeAlias

import aiohttp

from pools_core._client import AsyncClientBase, SyncClientBase
from pools_core._config import (
    TimeoutLike,
    conceal,
    resolve_base_url,
    resolve_secret,
    user_agent,
)
from pools_core._exceptions import APIError, ConfigurationError
from pools_core._protocol import Response
from pools_core._transport import OutcomeUnknown, Transport
from pools_core._types import NOT_GIVEN, NotGivenOr, RedactedHeaders, Secret

from ._exceptions import ERRORS
from ._models import DialingPool
from ._protocol import (
    create_request,
    decode_pool,
    decode_pools,
    get_request,
    list_request,
    update_request,
)
from ._validation import check_encrypted_key, check_phone_numbers, check_pool_id

__all__ = ["DEFAULT_BASE_URL", "AsyncBlandClient", "AsyncPools", "BlandClient", "Pools"]

DEFAULT_BASE_URL: Final = "https://us.api.bland.ai"
logger: Final = logging.getLogger("bland_pools")

# How long a created pool's id is remembered, so a recovering create never adopts a pool that
# another create of this client returned. Longer than any window a recovery looks back.
_REMEMBER_CREATED_FOR: Final = 900.0
# Without a Date header to learn the server's clock, accept this much clock skew.
_SKEW_WITHOUT_DATE: Final = 300.0
# The Date header and created_at are whole seconds: the send's server time is known to a
# second, and a pool made after it shows a created_at at most a second earlier.
_SKEW_WITH_DATE: Final = 1.5


_Fingerprint: TypeAlias = tuple[tuple[str, ...], str | None]


class _Turns:
    """A lock, and how many creates hold or await it (the entry goes when none do)."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class AsyncPools:
    """``client.pools``: list, get, create and update custom dialing pools."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self._created: deque[tuple[float, str]] = deque()
        self._created_ids: set[str] = set()
        self._same_pool_turns: dict[_Fingerprint, _Turns] = {}
        # Creates the caller cancelled (a deadline, task.cancel(), Ctrl-C) after they may have
        # been sent: fingerprint -> (wall time of the send, monotonic time of the cancel).
        self._cancelled: dict[_Fingerprint, tuple[float, float]] = {}

    async def list(
        self,
        *,
        timeout: NotGivenOr[TimeoutLike] = NOT_GIVEN,
        max_retries: NotGivenOr[int] = NOT_GIVEN,
    ) -> builtins.list[DialingPool]:
        """All custom dialing pools of the organization (``GET /v1/custom-dialing-pools``)."""
        return await self._transport.request(
            list_request(), decode_pools, timeout=timeout, max_retries=max_retries
        )

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
        request = get_request(check_pool_id(pool_id))
        return await self._transport.request(
            request, decode_pool, timeout=timeout, max_retries=max_retries
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

        Never leaves a duplicate pool: when an attempt's outcome is unknown (a timeout after
        sending, a dropped connection, a 5xx), the client lists the pools before trying again
        and returns the pool that attempt made, if it made one.

        Raises:
            InvalidPhoneNumbersError: a number is malformed or repeated, or the list is empty.
            InvalidCredentialsError: ``encrypted_key`` is not a UUID, or not this account's.
        """
        numbers = check_phone_numbers(phone_numbers)
        key = check_encrypted_key(encrypted_key)
        # Identical creates of this client run one after the other: a recovering create must
        # never adopt the pool that a concurrent identical create is about to return.
        fingerprint = (tuple(sorted(numbers)), key.lower() if key else None)
        turns = self._same_pool_turns.setdefault(fingerprint, _Turns())
        turns.users += 1
        try:
            async with turns.lock:
                return await self._create(numbers, key, fingerprint, timeout, max_retries)
        finally:
            turns.users -= 1
            if turns.users == 0:
                del self._same_pool_turns[fingerprint]

    async def _create(
        self,
        numbers: builtins.list[str],
        key: str | None,
        fingerprint: _Fingerprint,
        timeout: NotGivenOr[TimeoutLike],
        max_retries: NotGivenOr[int],
    ) -> DialingPool:
        since = self._take_cancelled(fingerprint)
        if since is not None:
            found = await self._after_cancelled(numbers, key, fingerprint, since, timeout)
            if found is not None:
                return found
        sent_at = time.time()

        async def recover(error: APIError) -> DialingPool | None:
            return await self._find_created(numbers, key, sent_at, timeout, error)

        try:
            pool = await self._transport.request(
                create_request(numbers, key),
                decode_pool,
                timeout=timeout,
                max_retries=max_retries,
                recover=recover,
            )
        except asyncio.CancelledError:
            # The caller gave up, but the pool may be made all the same: the next identical
            # create of this client looks for it before sending.
            self._cancelled[fingerprint] = (min(sent_at, since or sent_at), time.monotonic())
            raise
        self._remember(pool.id)
        return pool

    def _take_cancelled(self, fingerprint: _Fingerprint) -> float | None:
        """The send time of a cancelled identical create still worth looking for, if any."""
        horizon = time.monotonic() - _REMEMBER_CREATED_FOR
        for stale in [f for f, (_, at) in self._cancelled.items() if at < horizon]:
            del self._cancelled[stale]
        entry = self._cancelled.pop(fingerprint, None)
        return None if entry is None else entry[0]

    async def _after_cancelled(
        self,
        numbers: builtins.list[str],
        key: str | None,
        fingerprint: _Fingerprint,
        since: float,
        timeout: NotGivenOr[TimeoutLike],
    ) -> DialingPool | None:
        """The pool an identical, cancelled create made, if it made one."""
        try:
            return await self._find_created(numbers, key, since, timeout, None)
        except OutcomeUnknown as unknown:
            raise ERRORS.api(
                "Not sent: an identical create of this client was cancelled after it may have "
                f"been sent, and several identical pools were made since ({unknown}); one of "
                "them may be its. Pick one with pools.list(), or create again to make another."
            ) from None
        except BaseException as exc:
            # Still unknown (the check failed or was cancelled too): check again next time.
            self._cancelled[fingerprint] = (since, time.monotonic())
            if isinstance(exc, APIError):
                exc.add_note(
                    "An identical create of this client was cancelled after it may have been "
                    "sent; looking for its pool failed, so nothing was sent."
                )
            raise

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
        return await self._transport.request(
            update_request(checked_id, numbers, key),
            decode_pool,
            timeout=timeout,
            max_retries=max_retries,
        )

    # -- create recovery -------------------------------------------------------------------

    def _remember(self, pool_id: str) -> None:
        now = time.monotonic()
        created, ids = self._created, self._created_ids
        while created and created[0][0] < now - _REMEMBER_CREATED_FOR:
            ids.discard(created.popleft()[1])
        created.append((now, pool_id))
        ids.add(pool_id)

    async def _find_created(
        self,
        numbers: builtins.list[str],
        key: str | None,
        sent_at: float,
        timeout: NotGivenOr[TimeoutLike],
        error: APIError | None,
    ) -> DialingPool | None:
        """The pool a lost create attempt made, if any: same numbers and key, created after
        the first attempt was sent (on the server's clock), not returned to anyone yet.
        ``None`` when there is none; :class:`OutcomeUnknown` when there are several."""

        def decode(response: Response) -> tuple[builtins.list[DialingPool], float | None]:
            return decode_pools(response), _clock_offset(response)

        pools, offset = await self._transport.request(list_request(), decode, timeout=timeout)
        if offset is None:
            since = sent_at - _SKEW_WITHOUT_DATE
        else:
            since = sent_at + offset - _SKEW_WITH_DATE
        wanted = sorted(numbers)
        wanted_key = key.lower() if key else None  # UUIDs: either case names the same key
        candidates = [
            p
            for p in pools
            if p.id not in self._created_ids
            and (p.encrypted_key.lower() if p.encrypted_key else None) == wanted_key
            and sorted(p.phone_numbers) == wanted
            and p.created_at.timestamp() >= since
        ]
        if not candidates:
            logger.info("create: the lost attempt made no pool; sending it again")
            return None
        if len(candidates) > 1:
            # Someone else made an identical pool about when this one was sent: which one is
            # ours cannot be told, so neither is claimed and nothing is sent again.
            ids = ", ".join(p.id for p in candidates)
            if error is not None:
                error.add_note(
                    f"The outcome of this create is unknown: {len(candidates)} identical pools "
                    f"were created about when it was sent ({ids}); one of them may be this "
                    "request's. Nothing was sent again."
                )
            raise OutcomeUnknown(ids)
        found = candidates[0]
        self._remember(found.id)
        logger.info("create: adopted pool %s made by the attempt whose answer was lost", found.id)
        return found


def _clock_offset(response: Response) -> float | None:
    """Server clock minus ours, from the ``Date`` header; ``None`` when there is none."""
    raw = response.headers.get("date")
    if not raw:
        return None
    try:
        server = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return server.timestamp() - time.time() if server.tzinfo is not None else None


class AsyncBlandClient(AsyncClientBase):
    """Async client for Bland's custom dialing pools.

    Args:
        api_key: the Bland API key; default ``BLAND_API_KEY`` from the environment.
        base_url: default ``BLAND_BASE_URL``, else ``https://us.api.bland.ai``.
        timeout: seconds per attempt, or a :class:`~pools_core.Timeout`.
        max_retries: retries after a failed first attempt (default 2).
        session: your own ``aiohttp.ClientSession``; the client never closes it.
        max_connections: the size of the client's connection pool (without ``session``).

    Use as ``async with AsyncBlandClient() as bland:`` or call ``await bland.close()``.
    """

    def __init__(
        self,
        *,
        api_key: str | Secret | None = None,
        base_url: str | None = None,
        timeout: TimeoutLike = 30.0,
        max_retries: int = 2,
        session: aiohttp.ClientSession | None = None,
        max_connections: int = 100,
    ) -> None:
        given = conceal(api_key)
        del api_key  # no plain key in this frame (tracebacks printed with locals)
        try:
            key = resolve_secret(given, "BLAND_API_KEY", "api_key")
            url = resolve_base_url(base_url, "BLAND_BASE_URL", DEFAULT_BASE_URL)
            headers = RedactedHeaders(
                {
                    "Authorization": key.reveal(),  # Bland takes the bare key, no "Bearer"
                    "Accept": "application/json",
                    "User-Agent": user_agent("bland-pools"),
                }
            )
            self._transport = Transport(
                base_url=url,
                headers=headers,
                errors=ERRORS,
                logger=logger,
                timeout=timeout,
                max_retries=max_retries,
                session=session,
                max_connections=max_connections,
            )
        except ConfigurationError as exc:
            raise ERRORS.configuration(str(exc)) from None
        self.pools = AsyncPools(self._transport)


class Pools:
    """``client.pools`` of the blocking client; each method blocks for its async twin."""

    def __init__(self, client: BlandClient) -> None:
        self._client = client  # held: the client closes when collected, not while in use
        self._call = client._portal.call
        self._pools = client._async.pools

    def list(
        self,
        *,
        timeout: NotGivenOr[TimeoutLike] = NOT_GIVEN,
        max_retries: NotGivenOr[int] = NOT_GIVEN,
    ) -> builtins.list[DialingPool]:
        """All custom dialing pools of the organization."""
        return self._call(self._pools.list, timeout=timeout, max_retries=max_retries)

    def get(
        self,
        pool_id: str,
        *,
        timeout: NotGivenOr[TimeoutLike] = NOT_GIVEN,
        max_retries: NotGivenOr[int] = NOT_GIVEN,
    ) -> DialingPool:
        """One pool by its UUID (see :meth:`AsyncPools.get`)."""
        return self._call(self._pools.get, pool_id, timeout=timeout, max_retries=max_retries)

    def create(
        self,
        phone_numbers: Iterable[str],
        *,
        encrypted_key: str | None = None,
        timeout: NotGivenOr[TimeoutLike] = NOT_GIVEN,
        max_retries: NotGivenOr[int] = NOT_GIVEN,
    ) -> DialingPool:
        """Create a pool, never a duplicate (see :meth:`AsyncPools.create`)."""
        return self._call(
            self._pools.create,
            phone_numbers,
            encrypted_key=encrypted_key,
            timeout=timeout,
            max_retries=max_retries,
        )

    def update(
        self,
        pool_id: str,
        phone_numbers: Iterable[str],
        *,
        encrypted_key: NotGivenOr[str | None] = NOT_GIVEN,
        timeout: NotGivenOr[TimeoutLike] = NOT_GIVEN,
        max_retries: NotGivenOr[int] = NOT_GIVEN,
    ) -> DialingPool:
        """Replace the pool's numbers; ``encrypted_key=None`` removes its credentials."""
        return self._call(
            self._pools.update,
            pool_id,
            phone_numbers,
            encrypted_key=encrypted_key,
            timeout=timeout,
            max_retries=max_retries,
        )


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
        base_url: str | None = None,
        timeout: TimeoutLike = 30.0,
        max_retries: int = 2,
        max_connections: int = 100,
    ) -> None:
        given = conceal(api_key)
        del api_key  # no plain key in this frame (tracebacks printed with locals)
        super().__init__(
            AsyncBlandClient(
                api_key=given,
                base_url=base_url,
                timeout=timeout,
                max_retries=max_retries,
                max_connections=max_connections,
            )
        )

    @property
    def pools(self) -> Pools:
        """The pool calls. Made per access rather than stored, so that it can hold the client
        (``BlandClient().pools.list()`` works) without a cycle delaying the close at collection."""
        return Pools(self)

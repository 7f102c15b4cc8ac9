"""Duplicate-free creates: what the client does when it cannot tell whether a create worked.

Bland's create is not idempotent and takes no idempotency key: sent twice, it makes two pools.
A pool has no name either, so the only way to recognize the pool a lost attempt made is by
its content (the same numbers, in any order, and the same credentials) and its creation time.

The guarantee, within one client:

- A create whose outcome is unknown (a timeout after sending, a dropped connection, a 5xx, a
  2xx whose body was lost) lists the organization's pools before it is sent again, and after
  its last attempt. A pool with its content, created after the first attempt was sent (on the
  server's clock, read from the ``Date`` header) and not returned to any other caller of this
  client, is the one it made: that pool is returned and nothing is sent again.
- Two such pools (another process made the same pool at the same time): neither is claimed,
  nothing is sent again, and the original error is raised with a note naming both. A list
  that fails: the original error is raised with a note; nothing is sent again.
- Identical creates of one client take turns, so two concurrent callers never get one pool.
- A create the caller never received (an ``asyncio`` cancellation, a deadline, Ctrl-C in the
  blocking client, even after the server answered) is remembered for :data:`REMEMBER_FOR`
  seconds: the next identical create of this client first looks for that pool and returns it.

The limits: the memory is per client, so it does not cross processes (``pools.ensure`` and the
bulk engine's manifest do); and a server that applies a create *after* the SDK looked for it
(a request still inside the server) can still leave a duplicate.
"""

from __future__ import annotations

import asyncio
import builtins
import email.utils
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import Final, NamedTuple, TypeAlias, TypeVar

from pools_core._clock import Clock
from pools_core._config import TimeoutLike
from pools_core._exceptions import APIError
from pools_core._protocol import Request, Response
from pools_core._transport import OutcomeUnknown, Recover, Transport
from pools_core._types import NOT_GIVEN, NotGivenOr

from ._exceptions import ERRORS, PoolNotFoundError
from ._models import DialingPool
from ._protocol import decode_pool, decode_pools, get_request, list_request
from ._route import Route, Send

__all__ = ["REMEMBER_FOR", "CreateRecovery", "Fingerprint", "fingerprint"]

logger: Final = logging.getLogger("bland_pools")
_R = TypeVar("_R")

#: How long an undelivered create is remembered, and a returned pool id at least, in seconds.
#: Longer than any window a recovery looks back.
REMEMBER_FOR: Final = 900.0
# Without a Date header to learn the server's clock, accept this much clock skew.
_SKEW_WITHOUT_DATE: Final = 300.0
# The Date header and created_at are whole seconds: the send's server time is known to a
# second, and a pool made after it shows a created_at at most a second earlier.
_SKEW_WITH_DATE: Final = 1.5

#: What makes two pools the same to a caller: the numbers (in any order) and the credentials
#: (UUIDs, so either case names the same key).
Fingerprint: TypeAlias = tuple[tuple[str, ...], str | None]


def fingerprint(numbers: Iterable[str], encrypted_key: str | None) -> Fingerprint:
    return tuple(sorted(numbers)), encrypted_key.lower() if encrypted_key else None


def _pool_fingerprint(pool: DialingPool) -> Fingerprint:
    return fingerprint(pool.phone_numbers, pool.encrypted_key)


class _Turn:
    """``async with``: identical creates of one client, one at a time, in order. The first
    takes the turn at once (the common case: no lock, no future); the others wait in line,
    and each hands the turn to the next as it leaves."""

    __slots__ = ("_key", "_lines")

    def __init__(self, lines: dict[Fingerprint, deque[asyncio.Future[None]]], key: Fingerprint):
        self._lines = lines  # key -> the creates waiting behind the one that holds the turn
        self._key = key

    async def __aenter__(self) -> None:
        line = self._lines.get(self._key)
        if line is None:
            self._lines[self._key] = deque()
            return
        waiter = asyncio.get_running_loop().create_future()
        line.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._pass_on()  # handed the turn as it was cancelled: hand it on
            raise  # else still in line, cancelled: _pass_on() skips it

    async def __aexit__(self, *exc: object) -> None:
        self._pass_on()

    def _pass_on(self) -> None:
        line = self._lines[self._key]
        while line:
            waiter = line.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        del self._lines[self._key]


class _Undelivered(NamedTuple):
    """A create whose caller never got the answer: when it was sent (wall time), or the pool
    it made when that is known; and when it was given up (clock time)."""

    sent_at: float
    pool_id: str | None
    given_up_at: float


class CreateRecovery:
    """The memory and the checks behind ``pools.create`` and ``pools.ensure`` of one client."""

    def __init__(self, transport: Transport, clock: Clock, route: Route) -> None:
        self._transport = transport
        self._clock = clock
        # Its look-ups go where the creates go; inside a create still finding the name, to
        # the name that create is trying (see Route.call).
        self._route = route
        # Pool ids returned to callers, in two generations of REMEMBER_FOR seconds each (a
        # set per generation, not an entry with its time per id: a bulk job returns many).
        self._returned_ids: set[str] = set()
        self._returned_before: set[str] = set()
        self._rotated_at = clock.monotonic()
        self._lines: dict[Fingerprint, deque[asyncio.Future[None]]] = {}
        self._undelivered: dict[Fingerprint, _Undelivered] = {}

    def _sender(self, timeout: NotGivenOr[TimeoutLike]) -> Send[_R]:
        def send(request: Request, decode: Callable[[Response], _R]) -> Awaitable[_R]:
            return self._transport.request(request, decode, timeout=timeout)

        return send

    def turn(self, key: Fingerprint) -> _Turn:
        """Identical creates of this client, one at a time: a recovering create must never
        adopt the pool a concurrent identical create is about to return."""
        return _Turn(self._lines, key)

    async def create(
        self,
        numbers: builtins.list[str],
        encrypted_key: str | None,
        send: Callable[[Recover[DialingPool]], Awaitable[DialingPool]],
        timeout: NotGivenOr[TimeoutLike] = NOT_GIVEN,
    ) -> DialingPool:
        """``send(recover)`` the create, after looking for the pool of an identical create
        that was never delivered. Call inside :meth:`turn`."""
        key = fingerprint(numbers, encrypted_key)
        pending = self._take_undelivered(key)
        if pending is not None:
            found = await self._look_for(pending, numbers, encrypted_key, key, timeout)
            if found is not None:
                return found
        sent_at = time.time()

        async def recover(error: APIError) -> DialingPool | None:
            return await self._find_created(numbers, encrypted_key, sent_at, timeout, error)

        try:
            pool = await send(recover)
        except asyncio.CancelledError:
            # The caller gave up, but the pool may be made all the same: the next identical
            # create of this client looks for it before sending.
            earliest = min(sent_at, pending.sent_at) if pending is not None else sent_at
            self._undelivered[key] = _Undelivered(earliest, None, self._clock.monotonic())
            raise
        self.returned(pool.id)
        return pool

    def undelivered(self, pool: DialingPool) -> None:
        """A pool created for a caller who never received it (Ctrl-C in the blocking client
        after the answer came): the next identical create returns it instead of a second."""
        self._returned_ids.discard(pool.id)
        self._returned_before.discard(pool.id)
        entry = _Undelivered(time.time(), pool.id, self._clock.monotonic())
        self._undelivered[_pool_fingerprint(pool)] = entry

    def returned(self, pool_id: str) -> None:
        """``pool_id`` went to a caller: never adopt it for another (for at least
        :data:`REMEMBER_FOR` seconds)."""
        now = self._clock.monotonic()
        if now - self._rotated_at >= REMEMBER_FOR:
            recent = now - self._rotated_at < 2 * REMEMBER_FOR
            self._returned_before = self._returned_ids if recent else set()
            self._returned_ids, self._rotated_at = set(), now
        self._returned_ids.add(pool_id)

    def _was_returned(self, pool_id: str) -> bool:
        return pool_id in self._returned_ids or pool_id in self._returned_before

    def _take_undelivered(self, key: Fingerprint) -> _Undelivered | None:
        """An undelivered identical create still worth looking for."""
        if not self._undelivered:
            return None
        horizon = self._clock.monotonic() - REMEMBER_FOR
        for stale in [k for k, entry in self._undelivered.items() if entry.given_up_at < horizon]:
            del self._undelivered[stale]
        return self._undelivered.pop(key, None)

    async def _look_for(
        self,
        pending: _Undelivered,
        numbers: builtins.list[str],
        encrypted_key: str | None,
        key: Fingerprint,
        timeout: NotGivenOr[TimeoutLike],
    ) -> DialingPool | None:
        """The pool an undelivered identical create made, if it made one."""
        try:
            if pending.pool_id is not None:
                return await self._still_there(pending.pool_id, key, timeout)
            return await self._find_created(numbers, encrypted_key, pending.sent_at, timeout, None)
        except OutcomeUnknown as unknown:
            raise ERRORS.api(
                "Not sent: an identical create of this client was cancelled after it may have "
                f"been sent, and several identical pools were made since ({unknown}); one of "
                "them may be its. Pick one with pools.list(), or create again to make another."
            ) from None
        except BaseException as exc:
            # Still unknown (the check failed or was cancelled too): check again next time.
            self._undelivered[key] = pending._replace(given_up_at=self._clock.monotonic())
            if isinstance(exc, APIError):
                exc.add_note(
                    "An identical create of this client was cancelled after it may have been "
                    "sent; looking for its pool failed, so nothing was sent."
                )
            raise

    async def _still_there(
        self, pool_id: str, key: Fingerprint, timeout: NotGivenOr[TimeoutLike]
    ) -> DialingPool | None:
        """The known pool of an undelivered create, unless it was deleted or changed since."""
        try:
            pool = await self._route.call(
                lambda base: get_request(pool_id, base), decode_pool, self._sender(timeout)
            )
        except PoolNotFoundError:
            return None
        if _pool_fingerprint(pool) != key:
            return None
        self.returned(pool.id)
        logger.info("create: returned pool %s, made for a caller who never got it", pool.id)
        return pool

    async def _find_created(
        self,
        numbers: builtins.list[str],
        encrypted_key: str | None,
        sent_at: float,
        timeout: NotGivenOr[TimeoutLike],
        error: APIError | None,
    ) -> DialingPool | None:
        """The pool a lost create attempt made, if any: same content, created after the first
        attempt was sent (on the server's clock), not returned to anyone yet. ``None`` when
        there is none; :class:`OutcomeUnknown` when there are several."""

        def decode(response: Response) -> tuple[builtins.list[DialingPool], float | None]:
            return decode_pools(response), _clock_offset(response)

        pools, offset = await self._route.call(list_request, decode, self._sender(timeout))
        if offset is None:
            since = sent_at - _SKEW_WITHOUT_DATE
        else:
            since = sent_at + offset - _SKEW_WITH_DATE
        wanted = fingerprint(numbers, encrypted_key)
        candidates = [
            p
            for p in pools
            if not self._was_returned(p.id)
            and _pool_fingerprint(p) == wanted
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
        self.returned(found.id)
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

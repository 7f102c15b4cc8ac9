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
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import Final, NamedTuple, TypeAlias, TypeVar

from pools_core._clock import Clock
from pools_core._config import TimeoutLike
from pools_core._exceptions import APIError
from pools_core._headers import clock_offset
from pools_core._protocol import Request, Response
from pools_core._transport import Transport
from pools_core._types import NotGivenOr

from ._exceptions import ERRORS, PoolNotFoundError
from ._models import DialingPool
from ._protocol import decode_pool, decode_pools, get_request, list_request
from ._route import Route, Send

__all__ = ["REMEMBER_FOR", "CreateRecovery", "Fingerprint", "LostCreate", "fingerprint"]

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


class _OutcomeUnknown(Exception):
    """Several pools could be the lost attempt's: which one cannot be told."""


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


class LostCreate:
    """One create's :class:`~pools_core._protocol.Recovery`, handed to the transport with its
    request: when an attempt's outcome is unknown, look for the pool it made. Also what this
    client remembers of the create when its caller gives up. Made inside
    :meth:`CreateRecovery.turn`."""

    __slots__ = ("_key", "_owner", "_pending", "_timeout", "sent_at")

    def __init__(
        self,
        owner: CreateRecovery,
        numbers: builtins.list[str],
        encrypted_key: str | None,
        timeout: NotGivenOr[TimeoutLike],
    ) -> None:
        self._owner = owner
        self._timeout = timeout
        self._key = fingerprint(numbers, encrypted_key)
        self._pending: _Undelivered | None = None
        self.sent_at = time.time()

    async def undelivered(self) -> DialingPool | None:
        """Before sending: the pool of an identical create that was never delivered, if it
        made one."""
        owner, key = self._owner, self._key
        pending = self._pending = owner._take_undelivered(key)
        if pending is None:
            return None
        try:
            if pending.pool_id is not None:
                return await self._still_there(pending.pool_id)
            return await self._find(pending.sent_at, None)
        except _OutcomeUnknown as unknown:
            raise ERRORS.api(
                "Not sent: an identical create of this client was cancelled after it may have "
                f"been sent, and several identical pools were made since ({unknown}); one of "
                "them may be its. Pick one with pools.list(), or create again to make another."
            ) from None
        except BaseException as exc:
            # Still unknown (the check failed or was cancelled too): check again next time.
            owner._undelivered[key] = pending._replace(given_up_at=owner._clock.monotonic())
            if isinstance(exc, APIError):
                exc.add_note(
                    "An identical create of this client was cancelled after it may have been "
                    "sent; looking for its pool failed, so nothing was sent."
                )
            raise
        finally:
            self.sent_at = time.time()  # the send starts now

    async def recover(self, error: APIError) -> DialingPool | None:
        """The pool the attempt behind ``error`` made, or ``None``; ``error`` itself, with a
        note, when that cannot be told (nothing is sent again)."""
        try:
            return await self._find(self.sent_at, error)
        except _OutcomeUnknown:
            raise error from None
        except APIError as exc:
            error.add_note(
                "The outcome of this request is unknown: checking whether it took effect "
                f"failed too ({exc}). Nothing was sent again."
            )
            raise error from exc

    def cancelled(self) -> None:
        """The caller gave up, but the pool may be made all the same: the next identical
        create of this client looks for it before sending."""
        pending, owner = self._pending, self._owner
        earliest = min(self.sent_at, pending.sent_at) if pending is not None else self.sent_at
        owner._undelivered[self._key] = _Undelivered(earliest, None, owner._clock.monotonic())

    async def _still_there(self, pool_id: str) -> DialingPool | None:
        """The known pool of an undelivered create, unless it was deleted or changed since."""
        owner = self._owner
        try:
            pool = await owner._route.call(
                lambda base: get_request(pool_id, base), decode_pool, owner._sender(self._timeout)
            )
        except PoolNotFoundError:
            return None
        if _pool_fingerprint(pool) != self._key:
            return None
        owner.returned(pool.id)
        logger.info("create: returned pool %s, made for a caller who never got it", pool.id)
        return pool

    async def _find(self, sent_at: float, error: APIError | None) -> DialingPool | None:
        """The pool a lost create attempt made, if any: same content, created after the first
        attempt was sent (on the server's clock), not returned to anyone yet. ``None`` when
        there is none; ``_OutcomeUnknown`` when there are several."""

        def decode(response: Response) -> tuple[builtins.list[DialingPool], float | None]:
            return decode_pools(response), clock_offset(response.headers)

        owner = self._owner
        pools, offset = await owner._route.call(list_request, decode, owner._sender(self._timeout))
        if offset is None:
            since = sent_at - _SKEW_WITHOUT_DATE
        else:
            since = sent_at + offset - _SKEW_WITH_DATE
        candidates = [
            p
            for p in pools
            if not owner._was_returned(p.id)
            and _pool_fingerprint(p) == self._key
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
            raise _OutcomeUnknown(ids)
        found = candidates[0]
        owner.returned(found.id)
        logger.info("create: adopted pool %s made by the attempt whose answer was lost", found.id)
        return found

"""A client-side limiter that keeps each key (a GoHighLevel location) under its burst limit.

GoHighLevel allows 100 requests per 10 seconds per app and location, and reports its own count
in ``X-RateLimit-*`` headers on every answer. The limiter keeps a sliding log of send times per
key and, when the server counts more than we sent (other processes share the quota), books the
difference so the next requests wait instead of drawing a 429.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from collections.abc import Mapping
from typing import Final, Protocol

from ._clock import SYSTEM_CLOCK, Clock
from ._headers import (
    RateLimitInfo,
    RawFigures,
    figure,
    pacing,
    parse_retry_after,
    rate_limit_info,
    raw_figures,
)

__all__ = [
    "Blocked",
    "Limiter",
    "SlidingWindowLimiter",
]


# The most the headers may set: GoHighLevel documents 100 per 10 seconds.
_MAX_LIMIT: Final = 10_000
_MAX_INTERVAL: Final = 300.0
_MAX_HOLD: Final = 86_400.0  # the longest Retry-After remembered


class Limiter(Protocol):
    """What the transport asks before each attempt and tells after it: the per-location
    :class:`SlidingWindowLimiter` (GoHighLevel) or a client's ``Pace`` (Bland's max_rate).
    ``try_acquire`` books without waiting when it can (``None``: call ``acquire``), so the
    common case costs no coroutine."""

    def try_acquire(self, key: str) -> float | None: ...

    async def acquire(self, key: str) -> float: ...

    def done(
        self, key: str, booking: float, headers: Mapping[str, str] | None, status: int
    ) -> object: ...


class Blocked(Exception):
    """The server asked to hold a key for ``remaining`` seconds, more than the limiter waits."""

    def __init__(self, remaining: float) -> None:
        super().__init__(f"held for another {remaining:.1f} s")
        self.remaining = remaining


class _Window:
    """One key's log: ``stamps`` the times of answered requests, ``pending`` the sends still
    out. Each counts for an interval: a send from when it went, until its answer moves it to
    the answer's time (the server counted it somewhere in between). Without ``deque.remove``:
    the pending sends are a dict, in time order."""

    __slots__ = (
        "blocked_until",
        "first_answer",
        "inflight",
        "interval",
        "learned",
        "limit",
        "pending",
        "stamps",
        "users",
    )

    def __init__(self, limit: int, interval: float) -> None:
        self.limit = limit
        self.interval = interval
        self.stamps: deque[float] = deque()
        self.pending: dict[float, int] = {}  # send time -> how many sent then, still out
        self.inflight = 0
        self.users = 0  # requests waiting in acquire() or booked and not yet done()
        self.blocked_until = 0.0
        self.learned = False  # has any answer for this key come back?
        self.first_answer: asyncio.Event | None = None  # set when the probe's answer is in

    def expire(self, now: float) -> None:
        edge = now - self.interval
        stamps = self.stamps
        while stamps and stamps[0] <= edge:
            stamps.popleft()
        pending = self.pending
        while pending:
            sent = next(iter(pending))  # the oldest: bookings are made in time order
            if sent > edge:
                break
            self.inflight -= pending.pop(sent)

    def oldest(self) -> float:
        """The earliest time that still counts (to wait for it to leave the window)."""
        first_sent = next(iter(self.pending), None)
        if not self.stamps:
            return first_sent if first_sent is not None else 0.0
        return self.stamps[0] if first_sent is None else min(self.stamps[0], first_sent)


class SlidingWindowLimiter:
    """At most ``limit`` sends per ``interval`` seconds for each key.

    ``limit`` and ``interval`` are the starting figures; the server's headers replace them. A
    ``safety`` margin of sends is kept back per window for requests in flight elsewhere.

    Each send is booked when allowed and booked again, at the later time, when its answer
    comes (:meth:`done`): the server counts a request when it arrives, so booking only at the
    send would open the client's window before the server's. With ``probe_first``, a key that
    has never been answered lets one request out and holds the rest until its answer tells
    the real figures (another process may have used most of the quota already). A 429 holds
    its key for the ``Retry-After``; a hold of more than ``max_block`` seconds is not waited
    out: :meth:`acquire` raises :class:`Blocked` until it is over.
    """

    def __init__(
        self,
        *,
        limit: int = 100,
        interval: float = 10.0,
        safety: int = 0,
        max_block: float = 60.0,
        probe_first: bool = False,
        clock: Clock = SYSTEM_CLOCK,
        prune_above: int = 1024,
    ) -> None:
        if limit < 1 or interval <= 0 or not 0 <= safety < limit:
            raise ValueError("limit >= 1, interval > 0 and 0 <= safety < limit are required")
        self._limit = limit
        self._interval = interval
        self._safety = safety
        self._max_block = max_block
        self._probe_first = probe_first
        self._clock = clock.monotonic
        self._sleep = clock.sleep
        self._prune_above = prune_above  # windows kept before idle ones are dropped
        self._windows: dict[str, _Window] = {}
        self._latest: dict[str, tuple[RawFigures, float]] = {}
        self._last_key: str | None = None

    def _window(self, key: str) -> _Window:
        window = self._windows.get(key)
        if window is None:
            if len(self._windows) >= self._prune_above:
                self._prune()
            window = self._windows[key] = _Window(self._limit, self._interval)
        return window

    def _prune(self) -> None:
        now = self._clock()
        for key, window in list(self._windows.items()):
            window.expire(now)
            # Not while anyone waits on it or is out: they would book on a window nobody
            # counts any more, and done() must find the one a probe's waiters watch.
            if not window.stamps and not window.users and window.blocked_until <= now:
                # (users counts the pending sends too: none is out here)
                del self._windows[key]
                self._latest.pop(key, None)

    def try_acquire(self, key: str) -> float | None:
        """Book a send for ``key`` if it may go now (a known key, no hold, room in the
        window); ``None`` otherwise, then :meth:`acquire` waits for it."""
        window = self._windows.get(key)
        if window is None or not window.learned:
            return None
        now = self._clock()
        if window.blocked_until > now:
            return None
        window.expire(now)
        if len(window.stamps) + window.inflight >= max(1, window.limit - self._safety):
            return None
        window.pending[now] = window.pending.get(now, 0) + 1
        window.inflight += 1
        window.users += 1
        return now

    async def acquire(self, key: str) -> float:
        """Wait until ``key`` may send one more request, and book it; returns the booking,
        to hand back to :meth:`done` when the answer (or the failure) comes.

        Raises :class:`Blocked` when the server asked to hold ``key`` for longer than
        ``max_block``: such a wait is the caller's to decide on, not a call's to hang for.
        """
        window = self._window(key)
        window.users += 1
        booked = probing = False
        try:
            while True:
                now = self._clock()
                if window.blocked_until > now:
                    wait = window.blocked_until - now
                    if wait > self._max_block:
                        raise Blocked(wait)
                    await self._sleep(wait)
                    continue
                if self._probe_first and not window.learned and not probing:
                    if window.first_answer is not None:  # a probe is out: wait for its answer
                        await window.first_answer.wait()
                        continue
                    window.first_answer = asyncio.Event()
                    probing = True
                window.expire(now)
                if len(window.stamps) + window.inflight < max(1, window.limit - self._safety):
                    window.pending[now] = window.pending.get(now, 0) + 1
                    window.inflight += 1
                    booked = True  # a user until done()
                    probing = False  # booked: done() reports the probe's answer
                    return now
                await self._sleep(max(0.0, window.oldest() + window.interval - now))
        finally:
            if not booked:
                window.users -= 1
            if probing:  # refused or cancelled before it went out: let another request probe
                event, window.first_answer = window.first_answer, None
                if event is not None:
                    event.set()

    def done(
        self,
        key: str,
        booking: float,
        headers: Mapping[str, str] | None = None,
        status: int = 0,
    ) -> None:
        """A request booked by :meth:`acquire` is over: it counts from now (the server counted
        it somewhere between the send and the answer), then learn from the answer if any."""
        window = self._windows.get(key) or self._window(key)
        window.users = max(0, window.users - 1)
        pending = window.pending
        left = pending.get(booking, 0) - 1  # -1: its send already left the window
        if left > 0:
            pending[booking] = left
        elif left == 0:
            del pending[booking]
        if left >= 0:
            window.inflight -= 1
        window.stamps.append(self._clock())  # the latest time: the log stays sorted
        if headers is not None:
            self.observe(key, headers, status)
        if not window.learned:
            window.learned = True
            if window.first_answer is not None:
                window.first_answer.set()

    def observe(self, key: str, headers: Mapping[str, str], status: int = 200) -> None:
        """Learn from an answer: its ``X-RateLimit-*`` headers, and a 429's ``Retry-After``
        (every sender for ``key`` then waits, not just the one that was refused)."""
        raw = raw_figures(headers)
        if raw[0] is not None or raw[1] is not None or raw[4] is not None:
            self._learn(key, raw)
        if status == 429 and figure(raw[4]) != 0:
            # (A used-up daily quota is not waited out here: those calls should fail fast.)
            # After learning: the wait falls back to the interval this very answer states.
            wait = parse_retry_after(headers)
            # Remembered up to a day; acquire() refuses rather than waits past max_block.
            wait = min(self._interval_of(key) if wait is None else wait, _MAX_HOLD)
            # Up to a quarter longer, at random: processes sharing the location, all told
            # the same Retry-After, would otherwise come back at the same instant. A hold
            # longer than max_block makes acquire() refuse rather than wait; the jitter never
            # pushes a wait it accepts over that line.
            jittered = wait * random.uniform(1.0, 1.25)
            self.block(key, min(jittered, max(wait, self._max_block)))

    def _learn(self, key: str, raw: RawFigures) -> None:
        # The figures as sent, turned into a RateLimitInfo only when someone asks (latest()).
        self._latest[key] = (raw, time.time())
        self._last_key = key
        window = self._windows.get(key) or self._window(key)
        limit, remaining, interval_ms = pacing(raw)
        # Bounded: a garbled header must not book millions of sends or wait for a day.
        if limit:
            window.limit = min(limit, _MAX_LIMIT)
        if interval_ms:
            window.interval = min(interval_ms / 1000.0, _MAX_INTERVAL)
        if remaining is not None and limit:
            # What the server counted (from its own figures; none when it reports more left
            # than it allows), at most a full window.
            server_used = max(0, limit - remaining)
            missing = min(server_used, window.limit) - len(window.stamps) - window.inflight
            if missing > 0:
                # Others used part of this window: book their sends as if made now.
                now = self._clock()
                window.expire(now)
                missing = min(server_used, window.limit) - len(window.stamps) - window.inflight
                window.stamps.extend([now] * max(0, missing))

    def _interval_of(self, key: str) -> float:
        window = self._windows.get(key)
        return window.interval if window is not None else self._interval

    def block(self, key: str, seconds: float) -> None:
        """Hold every send for ``key`` for ``seconds`` (after a 429 with ``Retry-After``)."""
        window = self._window(key)
        window.blocked_until = max(window.blocked_until, self._clock() + seconds)

    def tracked_keys(self) -> list[str]:
        """The keys with a window (idle ones are dropped once more than ``prune_above``)."""
        return list(self._windows)

    def booked(self, key: str) -> list[float]:
        """The times that count against ``key``'s window: answered requests and sends still
        out (oldest first)."""
        window = self._windows.get(key)
        if window is None:
            return []
        out = [t for t, n in window.pending.items() for _ in range(n)]
        return sorted([*window.stamps, *out])

    def limit_of(self, key: str) -> int:
        """The sends allowed per interval for ``key``, as the server last stated it."""
        window = self._windows.get(key)
        return self._limit if window is None else window.limit

    def latest(self, key: str | None = None) -> RateLimitInfo | None:
        """The latest figures for ``key``, or for whichever key answered last."""
        if key is None:
            key = self._last_key
        seen = None if key is None else self._latest.get(key)
        return None if seen is None else rate_limit_info(*seen)

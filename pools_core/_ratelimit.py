"""A client-side limiter that keeps each key (a GoHighLevel location) under its burst limit.

GoHighLevel allows 100 requests per 10 seconds per app and location, and reports its own count
in ``X-RateLimit-*`` headers on every answer. The limiter keeps a sliding log of send times per
key and, when the server counts more than we sent (other processes share the quota), books the
difference so the next requests wait instead of drawing a 429.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Final, Protocol

import attrs

from ._clock import SYSTEM_CLOCK, Clock
from ._retry import parse_retry_after

__all__ = [
    "Blocked",
    "Limiter",
    "RateLimitInfo",
    "SlidingWindowLimiter",
    "parse_rate_limit_headers",
]


@attrs.frozen(kw_only=True)
class RateLimitInfo:
    """The rate-limit figures of the latest answer for one location, as the server sent them.

    Attributes:
        limit: requests allowed per interval (``X-RateLimit-Max``).
        remaining: requests left in the current interval (``X-RateLimit-Remaining``).
        interval: the interval in seconds (``X-RateLimit-Interval-Milliseconds`` / 1000).
        daily_limit: requests allowed per day (``X-RateLimit-Limit-Daily``).
        daily_remaining: requests left today (``X-RateLimit-Daily-Remaining``).
        observed_at: when the answer arrived (UTC).
    """

    limit: int | None
    remaining: int | None
    interval: float | None
    daily_limit: int | None
    daily_remaining: int | None
    observed_at: datetime


def _int(headers: Mapping[str, str], name: str) -> int | None:
    raw = headers.get(name)
    if raw is None:
        return None
    raw = raw.strip()
    if len(raw) > 15:  # no real figure is that long, and past 309 digits float() overflows
        return None
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value >= 0 else None


def parse_rate_limit_headers(headers: Mapping[str, str]) -> RateLimitInfo | None:
    """The ``X-RateLimit-*`` figures, or ``None`` when the answer carries none."""
    limit = _int(headers, "x-ratelimit-max")
    remaining = _int(headers, "x-ratelimit-remaining")
    interval_ms = _int(headers, "x-ratelimit-interval-milliseconds")
    daily_limit = _int(headers, "x-ratelimit-limit-daily")
    daily_remaining = _int(headers, "x-ratelimit-daily-remaining")
    if limit is None and remaining is None and daily_remaining is None:
        return None
    return RateLimitInfo(
        limit=limit,
        remaining=remaining,
        interval=interval_ms / 1000.0 if interval_ms else None,
        daily_limit=daily_limit,
        daily_remaining=daily_remaining,
        observed_at=datetime.now(UTC),
    )


# The most the headers may set: GoHighLevel documents 100 per 10 seconds.
_MAX_LIMIT: Final = 10_000
_MAX_INTERVAL: Final = 300.0
_MAX_HOLD: Final = 86_400.0  # the longest Retry-After remembered


class Limiter(Protocol):
    """What the transport asks before each attempt and tells after it: the per-location
    :class:`SlidingWindowLimiter` (GoHighLevel) or a client's ``Pace`` (Bland's max_rate)."""

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
    __slots__ = (
        "blocked_until",
        "first_answer",
        "interval",
        "learned",
        "limit",
        "stamps",
        "users",
    )

    def __init__(self, limit: int, interval: float) -> None:
        self.limit = limit
        self.interval = interval
        self.stamps: deque[float] = deque()
        self.users = 0  # requests waiting in acquire() or booked and not yet done()
        self.blocked_until = 0.0
        self.learned = False  # has any answer for this key come back?
        self.first_answer: asyncio.Event | None = None  # set when the probe's answer is in

    def expire(self, now: float) -> None:
        edge = now - self.interval
        stamps = self.stamps
        while stamps and stamps[0] <= edge:
            stamps.popleft()


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
        self._latest: dict[str, RateLimitInfo] = {}
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
                del self._windows[key]
                self._latest.pop(key, None)

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
                if len(window.stamps) < max(1, window.limit - self._safety):
                    window.stamps.append(now)
                    booked = True  # a user until done()
                    probing = False  # booked: done() reports the probe's answer
                    return now
                await self._sleep(max(0.0, window.stamps[0] + window.interval - now))
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
    ) -> RateLimitInfo | None:
        """A request booked by :meth:`acquire` is over: move its booking to now (the server
        counted it somewhere in between), then learn from the answer if there is one."""
        window = self._window(key)
        window.users = max(0, window.users - 1)
        with contextlib.suppress(ValueError):  # already expired: nothing to move
            window.stamps.remove(booking)
        window.stamps.append(self._clock())  # the latest time: the log stays sorted
        info = self.observe(key, headers, status) if headers is not None else None
        if not window.learned:
            window.learned = True
            if window.first_answer is not None:
                window.first_answer.set()
        return info

    def observe(
        self, key: str, headers: Mapping[str, str], status: int = 200
    ) -> RateLimitInfo | None:
        """Learn from an answer: its ``X-RateLimit-*`` headers, and a 429's ``Retry-After``
        (every sender for ``key`` then waits, not just the one that was refused)."""
        info = parse_rate_limit_headers(headers)
        if info is not None:
            self._learn(key, info)
        if status == 429 and not (info is not None and info.daily_remaining == 0):
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
        return info

    def _learn(self, key: str, info: RateLimitInfo) -> None:
        self._latest[key] = info
        self._last_key = key
        window = self._window(key)
        # Bounded: a garbled header must not book millions of sends or wait for a day.
        if info.limit:
            window.limit = min(info.limit, _MAX_LIMIT)
        if info.interval:
            window.interval = min(info.interval, _MAX_INTERVAL)  # at least 1 ms: parsed so
        if info.remaining is not None and info.limit:
            now = self._clock()
            window.expire(now)
            # What the server counted (from its own figures; none when it reports more left
            # than it allows), at most a full window.
            server_used = max(0, info.limit - info.remaining)
            missing = min(server_used, window.limit) - len(window.stamps)
            # Others used part of this window: book their sends as if made now (conservative).
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
        """The send times booked for ``key`` in its current window (oldest first)."""
        window = self._windows.get(key)
        return [] if window is None else list(window.stamps)

    def limit_of(self, key: str) -> int:
        """The sends allowed per interval for ``key``, as the server last stated it."""
        window = self._windows.get(key)
        return self._limit if window is None else window.limit

    def latest(self, key: str | None = None) -> RateLimitInfo | None:
        """The latest figures for ``key``, or for whichever key answered last."""
        if key is None:
            key = self._last_key
        return None if key is None else self._latest.get(key)

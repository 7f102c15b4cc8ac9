"""A pace for a whole client: at most ``rate`` requests per second, slowing down as a whole
when the server says 429.

Bland documents no limit for its pool endpoints (its organization rate limit "defaults to 5",
unit unstated) and answers 429 when throttled. A bulk job whose every worker retried its own
429 would keep hammering; with a pace, one 429 holds every call of the client for the
``Retry-After`` and halves the rate (once per burst of 429s), which then doubles each calm
second: a throttled server gets a slower client at once, a stray 429 costs a second or two.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from typing import Final

from ._clock import SYSTEM_CLOCK, Clock
from ._headers import parse_retry_after

__all__ = ["Pace"]

_MIN_RATE: Final = 1.0  # requests per second: never slower than one a second
_MAX_HOLD: Final = 60.0  # the longest Retry-After every call waits out together
_CALM: Final = 1.0  # seconds without a 429 before the rate climbs again
_CLIMB: Final = 2.0
_ONE_CUT_PER: Final = 2.0  # 429s within this many seconds of a cut belong to the same burst
_UNMEASURED: Final = 5.0  # Bland's documented organization default, when nothing was seen


class Pace:
    """At most ``rate`` requests per second for every call of a client (``math.inf``: no cap
    until the first 429, then what the server was seen to take before it, as the cap). Used by
    the transport like a rate limiter: :meth:`acquire` before each attempt, :meth:`done` with
    its answer."""

    def __init__(self, rate: float, *, clock: Clock = SYSTEM_CLOCK) -> None:
        if not rate > 0:
            raise ValueError(f"a rate must be a positive number of requests per second: {rate}")
        self._cap = float(rate)
        self._rate = float(rate)
        self._clock = clock
        self._next = 0.0  # the earliest time the next request may go
        self._held_until = 0.0
        self._calm_since = 0.0
        self._cut_at = -math.inf
        self._answers: deque[float] = deque()  # answer times of the last two seconds

    @property
    def rate(self) -> float:
        """The current pace in requests per second (``inf`` while uncapped)."""
        return self._rate

    def try_acquire(self, key: str) -> float | None:
        """This request's turn if it is now (``None``: :meth:`acquire` waits for it)."""
        now = self._clock.monotonic()
        if self._held_until > now or self._rate < self._cap or now < self._next:
            return None  # held, climbing or spaced: the slow path decides
        if not math.isinf(self._rate):
            self._next = now + 1.0 / self._rate
        return now

    async def acquire(self, key: str) -> float:
        """Wait for this request's turn; ``key`` is not used (one pace per client)."""
        while True:
            now = self._clock.monotonic()
            if self._held_until > now:
                await self._clock.sleep(self._held_until - now)
                continue
            self._climb(now)
            if math.isinf(self._rate):
                return now
            if now >= self._next:
                self._next = now + 1.0 / self._rate
                return now
            # No slot is booked ahead: a rate that changes meanwhile applies at once.
            await self._clock.sleep(self._next - now)

    def done(
        self, key: str, booking: float, headers: Mapping[str, str] | None, status: int
    ) -> None:
        now = self._clock.monotonic()
        if status != 429:
            self._answers.append(now)
            while self._answers[0] < now - 2.0:
                self._answers.popleft()
            return
        wait = parse_retry_after(headers) if headers is not None else None
        hold = min(1.0 if wait is None else wait, _MAX_HOLD)
        self._held_until = max(self._held_until, now + hold)
        self._calm_since = self._held_until
        self._next = self._held_until
        if now - self._cut_at < _ONE_CUT_PER:
            return  # the same burst: the rate was cut for it already
        self._cut_at = now
        base = self._rate
        if math.isinf(base):
            # No cap yet: what the server was seen to take becomes the cap to climb back to.
            recent = [t for t in self._answers if t >= now - 2.0]
            base = len(recent) / max(0.1, now - recent[0]) if recent else _UNMEASURED
            self._cap = max(_MIN_RATE, base)
        self._rate = max(_MIN_RATE, base / 2.0)

    def _climb(self, now: float) -> None:
        if self._rate < self._cap and now - self._calm_since >= _CALM:
            self._rate = min(self._cap, self._rate * _CLIMB)
            self._calm_since = now

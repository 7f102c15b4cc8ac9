"""A clock for tests: time that moves only when something sleeps."""

from __future__ import annotations

import asyncio

__all__ = ["FakeClock"]


class FakeClock:
    """Pass as ``clock=`` to a client: every wait of the client (retry backoff,
    ``Retry-After``, the rate limiter) returns at once, after one turn of the event loop so
    that concurrent tasks still interleave, and moves :attr:`now` forward by the wait.

    Attributes:
        now: the current reading, in seconds (what ``monotonic()`` returns).
        sleeps: every wait asked for, in order: assert on the backoff a call took.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = float(start)
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        if not seconds >= 0:
            raise ValueError(f"a sleep of {seconds!r} seconds")
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        """Move time forward without a sleep (the 15 minutes a memory lasts, say)."""
        self.now += seconds

    def __repr__(self) -> str:
        return f"FakeClock(now={self.now:g}, sleeps={len(self.sleeps)})"

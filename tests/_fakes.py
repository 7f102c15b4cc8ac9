"""Test doubles shared by the unit and end-to-end tests (``tests/`` is on ``sys.path``: its
conftest is the root one)."""

from __future__ import annotations

import asyncio


class FakeTime:
    """A clock that moves only when something sleeps; every sleep is recorded and returns at
    once (after one turn of the loop, so concurrent tasks still interleave)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        assert seconds >= 0, seconds
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)

"""The time the SDK waits by: one object a client asks for "now" and for "sleep".

Every wait of a client (retry backoff, ``Retry-After``, the GoHighLevel rate limiter, the
create-recovery memory) goes through its clock, so a test can pass ``clock=FakeClock()``
(``bland_pools.testing``) and control time without patching anything. Wall-clock time (a
pool's ``created_at`` against the server's ``Date``) is always the real one: it is compared
with the server's clock, which a fake cannot move.
"""

from __future__ import annotations

import asyncio
import time
from typing import Final, Protocol, runtime_checkable

__all__ = ["SYSTEM_CLOCK", "Clock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """What a client needs of time: a monotonic reading in seconds and an async sleep."""

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock: :func:`time.monotonic` and :func:`asyncio.sleep`."""

    __slots__ = ()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def __repr__(self) -> str:
        return "SystemClock()"


SYSTEM_CLOCK: Final = SystemClock()

"""The pace of a whole client: a control loop that keeps its requests within what the server
accepts, learned from what it accepts and refuses.

Bland documents no limit for its pool endpoints (an organization's ``org_rate_limit``
"defaults to 5", unit unstated, no rate headers) and answers 429 when throttled. Every send is
booked on a sliding window of one second: a send counts from when it goes until its answer,
and for a second after the answer (the server counted it somewhere in between), so a client
at level N never has more than N sends in any second of the server's.

- With a rate (``Pace(5)``): level 5 from the start, exactly 5 a second and no 429 from a
  server allowing 5 per sliding second. (A fractional rate ``r``: ``floor(r)`` sends per
  ``floor(r) / r`` seconds.)
- Without (``Pace(math.inf)``): no level until the server refuses. Until then few requests are
  in flight (two, more as the accepted rate grows), so the first 429 finds few others on their
  way to draw one too.
- A 429 holds every call for its ``Retry-After`` (a minute at most) and sets the level to what
  the server accepted in the second before it: its own limit, when the limit refused. A
  second 429 of the same burst (sends already out) confirms it: a stray 429 comes alone.
  Else, after the hold, one send more than that is tried (a probe). Refused, the level is
  confirmed. Accepted twice in a row, the 429 was a stray one and the level is dropped (back
  to the rate, or to none): one early 429 costs its ``Retry-After`` and a few round trips, not
  the rest of the run. At a confirmed level the next probe waits a calm minute (doubling each
  time, up to 15); a probe accepted there climbs one send at a time, each proven by its
  answer.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Mapping
from typing import Final

from ._clock import SYSTEM_CLOCK, Clock
from ._ratelimit import _Window
from ._retry import parse_retry_after

__all__ = ["Pace"]

_SECOND: Final = 1.0  # the window the level counts in
_MAX_HOLD: Final = 60.0  # the longest Retry-After every call waits out together
_NO_RETRY_AFTER: Final = 1.0  # the hold of a 429 that names no wait
_CALM: Final = 60.0  # seconds at a confirmed level before the next probe
_MAX_CALM: Final = 900.0
_FEW: Final = 2  # requests in flight while nothing is known
_PER_FLIGHT: Final = 32  # one more in flight per this many accepted in the last second
_TICK: Final = 1e-6  # the shortest wait for the window
_GROWTH: Final = 1.5  # in flight: this much more than the accepted rate x round trip needs


class Pace:
    """A whole client's pace at ``rate`` requests per second at most (``math.inf``: none until
    the server refuses), learned down and back up from its answers. Used by the transport like
    a rate limiter: :meth:`try_acquire` or :meth:`acquire` before each attempt, :meth:`done`
    with its answer."""

    def __init__(self, rate: float, *, clock: Clock = SYSTEM_CLOCK) -> None:
        if not rate > 0:
            raise ValueError(f"a rate must be a positive number of requests per second: {rate}")
        self._cap = float(rate)
        self._clock = clock
        self._window = _Window(1, _SECOND)  # sends out and answers of the last window
        self._accepted: deque[float] = deque()  # times of the last second's accepted answers
        self._level = self._cap
        self._set_level(self._cap)
        self._held_until = -math.inf
        self._cut_at = -math.inf  # sends booked by then were out when the level was cut
        self._probe: float | None = None  # the booking of the probe out
        self._sent_ok: deque[float] = deque()  # send times of the accepted, last two seconds
        self._probe_at = math.inf  # no probe before a cut
        self._proven = 0  # probes accepted in a row since the last cut
        self._confirmed = False  # a probe above the level, or a second 429 of a burst, refused
        self._calm = _CALM
        self._inflight = 0
        self._flight_cap = _FEW
        self._rtt = 0.0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def rate(self) -> float:
        """The current pace in requests per second (``inf`` while nothing caps it)."""
        if math.isinf(self._level):
            return math.inf
        return self._window.limit / self._window.interval

    def _set_level(self, level: float) -> None:
        self._level = level
        window = self._window
        if math.isinf(level):
            window.limit, window.interval = 1, _SECOND  # not consulted
        elif level == self._cap:
            window.limit = max(1, math.floor(level))
            window.interval = window.limit / level
        else:
            window.limit, window.interval = int(level), _SECOND

    # -- booking ---------------------------------------------------------------------------

    def _used(self, now: float) -> int:
        window = self._window
        window.expire(now)
        return len(window.stamps) + window.inflight

    def _room(self, now: float) -> bool:
        if self._held_until > now:
            return False
        if math.isinf(self._level):
            return self._inflight < self._flight_cap
        return self._used(now) < self._window.limit

    def _book(self, booking: float) -> float:
        self._inflight += 1
        if not math.isinf(self._level):  # (unpaced: no window to keep, see _from_unpaced)
            pending = self._window.pending
            pending[booking] = pending.get(booking, 0) + 1
            self._window.inflight += 1
        return booking

    def try_acquire(self, key: str) -> float | None:
        """This request's booking if it may go now (``None``: :meth:`acquire` waits)."""
        now = self._clock.monotonic()
        return self._book(now) if self._room(now) else None

    async def acquire(self, key: str) -> float:
        """Wait for this request's turn and book it; ``key`` is not used (one pace per
        client)."""
        while True:
            now = self._clock.monotonic()
            if self._held_until > now:
                await self._clock.sleep(self._held_until - now)
                continue
            if self._room(now):
                return self._book(now)
            if self._may_probe(now):
                # One send above the level, which stays until the answer proves it: the
                # others keep to the level meanwhile. Booked one step above its send time,
                # so that its answer is told apart from the others'.
                self._probe = math.nextafter(now, math.inf)
                return self._book(self._probe)
            if math.isinf(self._level):
                await self._signal()  # too many in flight: the next answer frees one
                continue
            window = self._window
            # (At least a microsecond: float rounding must not leave the slot a hair short.)
            await self._nap(max(_TICK, window.oldest() + window.interval - now))

    def _may_probe(self, now: float) -> bool:
        """Whether the window is full at the level and a probe above it is due."""
        return (
            self._probe is None
            and self._level < self._cap
            and now >= self._probe_at
            and self._used(now) == self._window.limit
        )

    async def _signal(self) -> None:
        """Wait for :meth:`_wake`: an answer, or a change of the level."""
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._wake()  # woken, then cancelled: the next one looks instead
            raise

    async def _nap(self, seconds: float) -> None:
        """Sleep until a slot of the window frees, or until the level rises (a stray 429
        found out, a probe accepted): those waiting then look again at once."""
        napping = asyncio.ensure_future(self._clock.sleep(seconds))
        signal = asyncio.ensure_future(self._signal())
        try:
            await asyncio.wait((napping, signal), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (napping, signal):
                task.cancel()
            await asyncio.gather(napping, signal, return_exceptions=True)

    def _wake(self, everyone: bool = False) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                if not everyone:
                    return

    # -- answers ---------------------------------------------------------------------------

    def done(
        self, key: str, booking: float, headers: Mapping[str, str] | None, status: int
    ) -> None:
        """The request booked as ``booking`` is over: ``status`` 0 when no answer came."""
        now = self._clock.monotonic()
        self._inflight = max(0, self._inflight - 1)
        paced = not math.isinf(self._level)
        if paced:
            self._settle(booking, now)
        accepted = self._accepted
        if status:
            sample = now - booking
            self._rtt = sample if self._rtt == 0.0 else self._rtt + 0.2 * (sample - self._rtt)
            if status != 429:
                accepted.append(now)
                if paced:
                    self._sent_ok.append(booking)
        while accepted and accepted[0] <= now - _SECOND:
            accepted.popleft()
        if status == 429:
            self._refused(booking, now, headers)
        elif booking == self._probe:
            self._probed(now, accepted=status != 0)
        if math.isinf(self._level):
            count = len(accepted)
            self._flight_cap = max(
                _FEW, count // _PER_FLIGHT, math.ceil(_GROWTH * count * self._rtt)
            )
            if self._waiters:
                self._wake()

    def _settle(self, booking: float, now: float) -> None:
        """Move a send of the window to its answer's time."""
        window = self._window
        pending = window.pending
        left = pending.get(booking, 0) - 1  # -1: its send already left the window
        if left > 0:
            pending[booking] = left
        elif left == 0:
            del pending[booking]
        if left >= 0:
            window.inflight -= 1
        window.stamps.append(now)  # counted from its answer on
        window.expire(now)
        sent_ok = self._sent_ok
        while sent_ok and sent_ok[0] <= now - 2 * _SECOND:
            sent_ok.popleft()

    def _from_unpaced(self, now: float) -> None:
        """The window when a level is first set: unpaced, only the answers accepted in the
        last second were kept, and how many are out; those count from now until answered."""
        window = self._window
        window.stamps.clear()
        window.stamps.extend(self._accepted)
        window.pending.clear()
        window.inflight = self._inflight
        if self._inflight:
            window.pending[now] = self._inflight

    def _refused(self, booking: float, now: float, headers: Mapping[str, str] | None) -> None:
        wait = parse_retry_after(headers) if headers is not None else None
        hold = min(_NO_RETRY_AFTER if wait is None else wait, _MAX_HOLD)
        self._held_until = max(self._held_until, now + hold)
        if booking == self._probe:
            # One more than the level was too many: the level is the server's.
            level = self._level
            self._confirmed = True
            self._probe_at = now + self._calm
            self._calm = min(self._calm * 2, _MAX_CALM)
        elif booking <= self._cut_at:
            # Out before the last cut: the same burst. A second refusal in it says the limit
            # refused (a stray 429 comes alone): the level stands without a probe.
            if not self._confirmed and self._probe is None:
                self._confirmed = True
                self._probe_at = self._held_until + self._calm
            return
        else:
            # What the server took in the last second (never more than the level).
            level = min(self._level, max(1, len(self._accepted)))
            self._confirmed = False
            self._probe_at = self._held_until  # a stray 429 is found out right after
        self._probe = None
        self._proven = 0
        self._cut_at = now
        if math.isinf(self._level):
            self._from_unpaced(now)
        self._set_level(level)
        self._wake(everyone=True)  # those waiting for an answer now wait for the hold

    def _probed(self, now: float, *, accepted: bool) -> None:
        self._probe = None
        self._probe_at = now
        # Proof: the server counted the level's sends and this one within one second (each
        # somewhere between its send and its answer). Else the probe went as the server's
        # second turned over, and tells nothing.
        edge = now - _SECOND
        others = sum(1 for t in self._sent_ok if t > edge) - 1  # (the probe is one)
        if not accepted or others < self._window.limit:
            return  # try again at the next full window
        self._proven += 1
        if not self._confirmed and self._proven >= 2:
            # Two more than the cut level went through: that 429 was not the limit.
            self._set_level(self._cap)
            self._probe_at = math.inf
            self._wake(everyone=True)
            return
        self._set_level(min(self._level + 1, self._cap))
        if self._confirmed:
            self._calm = _CALM  # the server takes more now: climb one at a time
        self._wake()  # one waiting for a slot may go, or probe further

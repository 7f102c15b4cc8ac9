"""The blocking facade's engine: one private event loop per client, in a daemon thread.

Each blocking client owns a :class:`Portal`. The loop starts on first use; the async client and
its ``aiohttp.ClientSession`` live on it, so connections are reused across calls. Any thread may
call (the calls interleave on the one loop), including a thread that runs a loop of its own, such
as a Jupyter cell. Rejected alternatives: ``asyncio.run`` per call (a new loop and session each
time, no connection reuse) and a loop in the caller's thread (fails where a loop already runs).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import selectors
import threading
import weakref
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

__all__ = ["Portal"]

_P = ParamSpec("_P")
_T = TypeVar("_T")

_log = logging.getLogger("pools_core")
_PORTALS: weakref.WeakSet[Portal] = weakref.WeakSet()
#: What a forked child inherited from its parent's clients (loops, sessions, connections),
#: kept alive and never closed: closing an inherited connection would unregister its socket
#: from the epoll instance the child shares with the parent, and stall the parent's requests.
_PARENTS_OBJECTS: list[object] = []


class _Outcome:
    """The result of one portal call, as the loop saw it (set on the loop thread)."""

    __slots__ = ("result",)

    def __init__(self) -> None:
        self.result: Any = _NOTHING

    def hand_over(self, undelivered: Callable[[Any], object]) -> None:
        if self.result is not _NOTHING:
            undelivered(self.result)


_NOTHING: Any = object()


class Portal:
    """Runs coroutines on a private loop and blocks the calling thread for their result.

    ``closed_error`` is the class raised for a call on a closed portal, or in flight when it
    closed (the package's ``ClientClosedError``).
    """

    def __init__(
        self,
        name: str,
        *,
        after_fork: Callable[[], object] | None = None,
        closed_error: Callable[[str], BaseException] = RuntimeError,
    ) -> None:
        self._name = name
        self._closed_error = closed_error
        self._after_fork = after_fork
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._tasks: set[asyncio.Task[Any]] = set()  # calls running on the loop
        self._closed = False
        _PORTALS.add(self)

    @property
    def closed(self) -> bool:
        return self._closed

    def _start_thread(self) -> None:
        ready = threading.Event()
        stop = asyncio.Event()

        def run() -> None:
            with asyncio.Runner() as runner:
                self._loop = runner.get_loop()
                ready.set()
                runner.run(stop.wait())

        thread = threading.Thread(target=run, name=f"{self._name}-loop", daemon=True)
        thread.start()
        ready.wait()
        self._stop = stop
        self._thread = thread

    def _on_own_loop(self) -> bool:
        return self._thread is not None and threading.get_ident() == self._thread.ident

    def check_close_allowed(self) -> None:
        """Raise if called on the portal's own loop, where closing would deadlock."""
        if self._on_own_loop():
            raise RuntimeError(f"{self._name}.close() was called from its own event loop")

    def call(
        self,
        fn: Callable[_P, Coroutine[Any, Any, _T]],
        /,
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> _T:
        """Run ``fn(*args, **kwargs)`` on the portal's loop and wait for its result."""
        return self._run(None, fn, args, kwargs)

    def call_keeping(
        self,
        undelivered: Callable[[_T], object],
        fn: Callable[_P, Coroutine[Any, Any, _T]],
        /,
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> _T:
        """Like :meth:`call`; if the caller is interrupted (Ctrl-C) after the call finished
        but before it got the result, ``undelivered(result)`` runs on the loop, so the result
        is not silently lost (a pool that was created)."""
        return self._run(undelivered, fn, args, kwargs)

    def _run(
        self,
        undelivered: Callable[[_T], object] | None,
        fn: Callable[..., Coroutine[Any, Any, _T]],
        args: Any,
        kwargs: Any,
    ) -> _T:
        outcome = _Outcome()
        # Submitted under the lock: a call either starts before close() marks the portal
        # closed (its task then exists when the loop stops, and is cancelled), or is refused.
        with self._lock:
            if self._closed:
                raise self._closed_error(f"{self._name} is closed; create a new client")
            if self._loop is None:
                self._start_thread()
            if self._on_own_loop():
                raise RuntimeError(
                    f"{self._name} was called from its own event loop, which would deadlock; "
                    "use the async client there"
                )
            loop = self._loop
            assert loop is not None
            future = asyncio.run_coroutine_threadsafe(
                self._tracked(fn(*args, **kwargs), outcome), loop
            )
        try:
            return future.result()
        except concurrent.futures.CancelledError:
            if self._closed:  # close() stopped the loop under this call
                raise self._closed_error(
                    f"{self._name} was closed while this call was in flight; "
                    "its outcome on the server is unknown"
                ) from None
            raise
        except BaseException:
            # Ctrl-C (or any interruption) while waiting cancels the work on the loop too; a
            # result that came back all the same is handed to ``undelivered`` there.
            future.cancel()
            if undelivered is not None:
                loop.call_soon_threadsafe(outcome.hand_over, undelivered)
            raise

    async def _tracked(self, coro: Coroutine[Any, Any, _T], outcome: _Outcome) -> _T:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            outcome.result = await coro
            return outcome.result  # type: ignore[no-any-return]
        finally:
            self._tasks.discard(task)

    async def _shutdown(self, final: Callable[[], Coroutine[Any, Any, None]] | None) -> None:
        # Calls in flight are cancelled first, so that they end as "closed while in flight"
        # rather than as a connection error when final() closes the session under them.
        if self._tasks:
            for task in self._tasks:
                task.cancel()
            await asyncio.wait(set(self._tasks), timeout=10)
        if final is not None:
            await final()

    def close(self, final: Callable[[], Coroutine[Any, Any, None]] | None = None) -> None:
        """Cancel the calls in flight, run ``final`` (the async client's close) on the loop,
        stop the loop, join the thread.

        Idempotent; safe to call from any thread but the loop's own. Calls that were in
        flight raise ``RuntimeError``; calls after it are refused.
        """
        with self._lock:
            if self._closed:
                return
            self.check_close_allowed()  # first: a refused close leaves the portal usable
            self._closed = True
            loop, stop, thread = self._loop, self._stop, self._thread
        if loop is None or stop is None or thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(final), loop).result()
        finally:
            loop.call_soon_threadsafe(stop.set)
            thread.join()
            self._loop = self._stop = self._thread = None

    def _reset_after_fork(self) -> None:
        # The loop thread does not exist in a forked child; its sockets belong to the parent.
        if self._loop is not None:
            _isolate(self._loop)
        _PARENTS_OBJECTS.append((self._loop, self._stop, self._thread))
        self._lock = threading.Lock()
        self._loop = self._stop = self._thread = None
        self._tasks = set()
        if self._after_fork is not None:
            _PARENTS_OBJECTS.append(self._after_fork())


def _isolate(loop: asyncio.AbstractEventLoop) -> None:
    """Give a forked child's copy of the parent's loop a private, empty selector.

    The copy's selector is the parent's epoll instance: anything the child closes later (an
    inherited connection, or the loop itself at exit) would unregister the parent's sockets
    from it and stall the parent. With an empty selector of its own, those removals touch
    nothing. (asyncio's selector loops keep it in ``_selector``; other loops are left as they
    are.)
    """
    inherited = getattr(loop, "_selector", None)
    if isinstance(inherited, selectors.BaseSelector):
        loop._selector = selectors.DefaultSelector()  # type: ignore[attr-defined]
        # Dropping the maps and our reference to the shared epoll instance; the parent's
        # registrations are untouched (close() does not unregister anything).
        inherited.close()


def _after_fork_in_child() -> None:
    for portal in list(_PORTALS):
        try:
            portal._reset_after_fork()
        except Exception:  # pragma: no cover - a child must not die of a reset
            _log.exception("could not reset %s after fork", portal._name)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)

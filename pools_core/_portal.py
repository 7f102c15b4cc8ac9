"""The blocking facade's engine: one private event loop per client.

Each blocking client owns a :class:`Portal`. The async client and its ``aiohttp.ClientSession``
live on the portal's loop, so connections are reused across calls. The loop runs in one of
two ways:

* **in the caller's thread** (the common case: a script calling from one thread): each call
  runs the loop until its coroutine is done, Ctrl-C cancelling the request as
  ``asyncio.Runner.run`` does (:func:`_run_until_done`). Handing each call to another thread
  and back costs about 115 us on a two-core machine, half the time of a local request:
  measured, the blocking client ran at 0.5 of the async one that way, and at about 0.85 so.
* **in a daemon thread of its own**, from the first call that cannot run it: a call from a
  second thread while the loop is busy, or from a thread that runs a loop of its own (a
  Jupyter cell). From then on every call goes to that thread and they interleave on the one
  loop. The switch waits for the call in progress, at most.

Rejected: ``asyncio.run`` per call (a new loop and session each time, no connection reuse).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import selectors
import signal
import threading
import weakref
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, ParamSpec, TypeVar

from ._portable import PORTABLE

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
    """The result of one portal call, as the loop saw it (set on the loop)."""

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
        self._idle = threading.Condition(self._lock)  # notified when a caller stops driving
        self._runner: asyncio.Runner | None = None  # owns the loop
        self._renewable: _RenewableSelector | None = None  # the loop's, on the public path
        self._driver: int | None = None  # the thread running the loop for its call, if any
        self._driven: asyncio.Task[Any] | None = None  # and that call
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None  # the loop's own thread, once needed
        self._tasks: set[asyncio.Task[Any]] = set()  # calls running on the loop
        self._closed = False
        _PORTALS.add(self)

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def _loop(self) -> asyncio.AbstractEventLoop | None:
        return None if self._runner is None else self._runner.get_loop()

    def _new_loop(self) -> asyncio.AbstractEventLoop:
        loop = asyncio.new_event_loop()
        if _has_selector(loop) or type(loop) is not asyncio.SelectorEventLoop:
            return loop  # the fast path; or a loop of another kind (a policy's), left as it is
        # asyncio's selector loop without ``_selector`` (a rename), or POOLS_CORE_PORTABLE:
        # a selector of ours, which a forked child can renew through public APIs only.
        loop.close()
        self._renewable = _RenewableSelector()
        return asyncio.SelectorEventLoop(self._renewable)

    def _start_thread(self) -> None:
        """Run the loop in a daemon thread from now on (called with the lock held, while no
        caller drives it)."""
        runner = self._runner
        assert runner is not None
        stop = asyncio.Event()
        thread = threading.Thread(
            target=runner.run, args=(stop.wait(),), name=f"{self._name}-loop", daemon=True
        )
        thread.start()
        self._stop = stop
        self._thread = thread

    def _on_own_loop(self) -> bool:
        loop = self._loop
        return loop is not None and _running_loop() is loop

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
        but before it got the result, ``undelivered(result)`` runs, so the result is not
        silently lost (a pool that was created)."""
        return self._run(undelivered, fn, args, kwargs)

    def _run(
        self,
        undelivered: Callable[[_T], object] | None,
        fn: Callable[..., Coroutine[Any, Any, _T]],
        args: Any,
        kwargs: Any,
    ) -> _T:
        outcome = _Outcome()
        # Decided under the lock: a call either starts before close() marks the portal
        # closed (its task then exists when close() cancels the calls), or is refused.
        with self._lock:
            self._check_open()
            if self._runner is None:
                # A loop of its own, not set as this thread's current loop.
                self._runner = asyncio.Runner(loop_factory=self._new_loop)
            loop = self._runner.get_loop()
            running = _running_loop()
            if running is loop:
                raise RuntimeError(
                    f"{self._name} was called from its own event loop, which would deadlock; "
                    "use the async client there"
                )
            drive = self._thread is None and self._driver is None and running is None
            if drive:
                self._driver = threading.get_ident()
            else:
                while self._driver is not None:  # the call in progress, at most
                    self._idle.wait()
                self._check_open()
                if self._thread is None:
                    self._start_thread()
                future = asyncio.run_coroutine_threadsafe(
                    self._tracked(fn(*args, **kwargs), outcome), loop
                )
        if drive:
            return self._drive(undelivered, fn, args, kwargs)
        return self._wait(undelivered, future, outcome, loop)

    def _closed_in_flight(self) -> BaseException:
        return self._closed_error(
            f"{self._name} was closed while this call was in flight; "
            "its outcome on the server is unknown"
        )

    def _check_open(self) -> None:
        if self._closed:
            raise self._closed_error(f"{self._name} is closed; create a new client")

    def _drive(
        self,
        undelivered: Callable[[_T], object] | None,
        fn: Callable[..., Coroutine[Any, Any, _T]],
        args: Any,
        kwargs: Any,
    ) -> _T:
        try:
            loop = self._loop
            assert loop is not None
            task: asyncio.Task[_T] = loop.create_task(fn(*args, **kwargs))
            self._driven = task
            try:
                return _run_until_done(loop, task)
            except asyncio.CancelledError:
                if self._closed:  # close() in another thread cancelled this call
                    raise self._closed_in_flight() from None
                raise
            except BaseException:
                # Ctrl-C after the call finished: its result is not silently lost.
                finished = task.done() and not task.cancelled() and task.exception() is None
                if undelivered is not None and finished:
                    undelivered(task.result())
                raise
        finally:
            with self._lock:
                self._driver = self._driven = None
                self._idle.notify_all()

    def _wait(
        self,
        undelivered: Callable[[_T], object] | None,
        future: concurrent.futures.Future[_T],
        outcome: _Outcome,
        loop: asyncio.AbstractEventLoop,
    ) -> _T:
        try:
            return future.result()
        except concurrent.futures.CancelledError:
            if self._closed:  # close() stopped the loop under this call
                raise self._closed_in_flight() from None
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

    def _cancel_calls(self) -> None:
        for task in self._tasks:
            task.cancel()
        if self._driven is not None:
            self._driven.cancel()

    async def _shutdown(self, final: Callable[[], Coroutine[Any, Any, None]] | None) -> None:
        # Calls in flight are cancelled first, so that they end as "closed while in flight"
        # rather than as a connection error when final() closes the session under them.
        if self._tasks:
            self._cancel_calls()
            await asyncio.wait(set(self._tasks), timeout=10)
        if final is not None:
            await final()

    def close(self, final: Callable[[], Coroutine[Any, Any, None]] | None = None) -> None:
        """Cancel the calls in flight, run ``final`` (the async client's close) on the loop,
        stop the loop (and its thread, if it has one).

        Idempotent; safe to call from any thread but the loop's own. Calls that were in
        flight raise the ``closed_error``; calls after it are refused.
        """
        with self._lock:
            if self._closed:
                return
            self.check_close_allowed()  # first: a refused close leaves the portal usable
            self._closed = True
            runner, stop, thread = self._runner, self._stop, self._thread
            if runner is not None and thread is None and self._driver is not None:
                # Another thread is running the loop for its call: cancel it there.
                runner.get_loop().call_soon_threadsafe(self._cancel_calls)
            while self._driver is not None:
                self._idle.wait()
        if runner is None:
            return
        try:
            if thread is not None and stop is not None:
                loop = runner.get_loop()
                try:
                    asyncio.run_coroutine_threadsafe(self._shutdown(final), loop).result()
                finally:
                    loop.call_soon_threadsafe(stop.set)
                    thread.join()
            else:
                _outside_any_loop(lambda: runner.run(self._shutdown(final)))
        finally:
            _outside_any_loop(runner.close)
            self._runner = self._stop = self._thread = None

    def _reset_after_fork(self) -> None:
        # The loop thread does not exist in a forked child; its sockets belong to the parent.
        loop = self._loop
        if self._renewable is not None:
            self._renewable.renew()
        elif loop is not None:
            _isolate(loop)
        _PARENTS_OBJECTS.append((self._runner, self._stop, self._thread))
        self._renewable = None
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._runner = self._stop = self._thread = None
        self._driver = self._driven = None
        self._tasks = set()
        if self._after_fork is not None:
            _PARENTS_OBJECTS.append(self._after_fork())


def _fast_signal_functions() -> tuple[Callable[[int], Any], Callable[[int, Any], Any]] | None:
    """``_signal``'s getsignal and signal, the C functions under the signal module (whose
    wrappers convert to enums, ~3 us a call), if they are there and agree with it."""
    if PORTABLE:
        return None
    try:
        import _signal  # type: ignore[import-not-found]  # no stubs: the same as signal's
    except ImportError:  # another Python implementation
        return None
    get, set_ = getattr(_signal, "getsignal", None), getattr(_signal, "signal", None)
    if not callable(get) or not callable(set_):
        return None
    try:
        agrees = get(signal.SIGINT) == signal.getsignal(signal.SIGINT)
    except Exception:
        return None
    return (get, set_) if agrees else None


# Checked against CPython 3.11.7; the fallback is the public signal module.
_getsignal, _setsignal = _fast_signal_functions() or (signal.getsignal, signal.signal)


def _run_until_done(loop: asyncio.AbstractEventLoop, task: asyncio.Task[_T]) -> _T:
    """``loop.run_until_complete(task)``, with Ctrl-C as ``asyncio.Runner.run`` handles it:
    the first cancels the task (the request is abandoned at an ``await``, cleanly) and then
    raises ``KeyboardInterrupt``; a second raises at once. Runner.run itself costs three
    times as much per call, most of it in the signal module's enum conversions."""
    handler: Callable[[int, object], None] | None = None
    interrupted = False
    if (
        threading.current_thread() is threading.main_thread()
        and _getsignal(signal.SIGINT) is signal.default_int_handler
    ):

        def on_sigint(signum: int, frame: object) -> None:
            nonlocal interrupted
            if not interrupted and not task.done():
                interrupted = True
                task.cancel()
                loop.call_soon_threadsafe(_wake)  # out of a long select()
                return
            raise KeyboardInterrupt

        handler = on_sigint
        _setsignal(signal.SIGINT, handler)
    try:
        return loop.run_until_complete(task)
    except asyncio.CancelledError:
        if interrupted and task.uncancel() == 0:
            raise KeyboardInterrupt from None
        raise
    finally:
        if handler is not None and _getsignal(signal.SIGINT) is handler:
            _setsignal(signal.SIGINT, signal.default_int_handler)


def _wake() -> None:
    pass


def _public_running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:  # no loop running in this thread
        return None


# ``asyncio._get_running_loop`` returns None where the public one raises (an exception per
# blocking call). Checked against CPython 3.11.7; the fallback is the public one.
_running_loop: Callable[[], asyncio.AbstractEventLoop | None] = (
    asyncio._get_running_loop
    if not PORTABLE and callable(getattr(asyncio, "_get_running_loop", None))
    else _public_running_loop
)


def _outside_any_loop(fn: Callable[[], object]) -> None:
    """``fn()`` here, or in a short-lived thread when this thread runs a loop of its own (a
    client garbage collected inside a coroutine): the private loop cannot run nested."""
    if _running_loop() is None:
        fn()
        return
    errors: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as exc:  # handed back to the calling thread
            errors.append(exc)

    helper = threading.Thread(target=run, name="portal-close", daemon=True)
    helper.start()
    helper.join()
    if errors:
        raise errors[0]


def _has_selector(loop: asyncio.AbstractEventLoop) -> bool:
    return not PORTABLE and isinstance(getattr(loop, "_selector", None), selectors.BaseSelector)


def _isolate(loop: asyncio.AbstractEventLoop) -> None:
    """Give a forked child's copy of the parent's loop a private, empty selector.

    The copy's selector is the parent's epoll instance: anything the child closes later (an
    inherited connection, or the loop itself at exit) would unregister the parent's sockets
    from it and stall the parent. With an empty selector of its own, those removals touch
    nothing. asyncio's selector loops keep it in ``_selector`` (checked against CPython
    3.11.7); a loop without it got a :class:`_RenewableSelector` at creation, and
    other kinds of loops (uvloop) are left as they are.
    """
    if not _has_selector(loop):
        _log.debug("%r has no selector to isolate after fork; left as it is", loop)
        return
    inherited = loop._selector  # type: ignore[attr-defined]
    loop._selector = selectors.DefaultSelector()  # type: ignore[attr-defined]
    # Dropping the maps and our reference to the shared epoll instance; the parent's
    # registrations are untouched (close() does not unregister anything).
    inherited.close()


class _RenewableSelector(selectors.BaseSelector):
    """The default selector behind a seam that a forked child can renew: the public-API way
    to do what :func:`_isolate` does (one more Python call per select, so only a fallback)."""

    def __init__(self) -> None:
        self._inner = selectors.DefaultSelector()

    def renew(self) -> None:
        inherited, self._inner = self._inner, selectors.DefaultSelector()
        inherited.close()  # as in _isolate: unregisters nothing from the parent's epoll

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._inner.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._inner.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._inner.modify(fileobj, events, data)

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        return self._inner.select(timeout)

    def close(self) -> None:
        self._inner.close()

    def get_key(self, fileobj: Any) -> selectors.SelectorKey:
        return self._inner.get_key(fileobj)

    def get_map(self) -> Mapping[Any, selectors.SelectorKey]:
        return self._inner.get_map()


def _after_fork_in_child() -> None:
    for portal in list(_PORTALS):
        try:
            portal._reset_after_fork()
        except Exception:  # pragma: no cover - a child must not die of a reset
            _log.exception("could not reset %s after fork", portal._name)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)

"""What both emulators share: the server's lifecycle, the request log, faults, standalone runs.

An emulator is an ``aiohttp.web`` application on ``127.0.0.1`` (port 0 by default: the system
picks a free one) used as ``async with``. Each API (``bland_pools.testing``,
``ghl_pools.testing``) adds its routes, its answers and its state; this module does the rest.

Faults
    A :class:`FaultPlan` gives each kind of :class:`Fault` a probability per request, drawn
    from ``random.Random(seed)`` in arrival order: the same seed and the same requests give the
    same faults. :meth:`EmulatorBase.inject` queues one-shot faults for the next matching
    requests; they take precedence over the plan (the plan still draws for that request, so
    its sequence does not shift). Faults apply only to the API's routes: never to an unknown
    path, never to the inspection routes below.

    ============  ==================================================================
    kind          what the client sees
    ============  ==================================================================
    rate_limited  429 with ``Retry-After: <retry_after>`` and the API's error body
    server_error  500, 502 or 503 (chosen by the seeded generator, or as injected)
                  with the API's error body
    html_error    502 (or as injected) with a proxy's HTML page, ``text/html``
    slow          the request is applied, the answer comes ``slow_seconds`` late
    drop_before   the connection is closed; nothing was applied
    drop_after    the request is applied, then the connection is closed unanswered
    ============  ==================================================================

    aiohttp's client (the SDK's too) resends a GET once, unseen, when its connection is
    dropped (RFC 9112 9.3.1.1): inject a drop ``times=2`` for a GET to reach the caller.

Request log
    Every request to a non-inspection path is logged in arrival order (:attr:`requests`), an
    unknown path (aiohttp's plain-text 404) or method (405) included.

Inspection routes (no auth, no faults, not logged; for a standalone emulator)
    ``GET /_emulator/requests``   the request log as JSON
    ``GET /_emulator/pools``      every stored pool, by organization or location
    ``POST /_emulator/faults``    ``{"fault": "server_error", "times": 1, "method": ...,
                                  "path": ..., "status": ...}``: like :meth:`inject`
    ``POST /_emulator/reset``     like :meth:`reset`
"""

from __future__ import annotations

import abc
import argparse
import asyncio
import collections
import contextlib
import contextvars
import enum
import fnmatch
import json
import math
import random
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from http import HTTPStatus
from types import TracebackType
from typing import Any, Final, Self

import attrs
from aiohttp import web
from aiohttp.typedefs import Handler

__all__ = [
    "INSPECTION_PREFIX",
    "NOT_JSON",
    "EmulatorBase",
    "Fault",
    "FaultPlan",
    "RecordedRequest",
    "Settings",
    "current_payload",
    "standalone_main",
]

INSPECTION_PREFIX: Final = "/_emulator/"
#: Headers the request log masks.
_SECRET_HEADERS: Final = frozenset({"authorization", "proxy-authorization", "cookie"})
# Bounds of the staged-fault figures: a typo must not hang an emulator for a day.
_MAX_RETRY_AFTER: Final = 86_400.0
_MAX_SLOW_SECONDS: Final = 3_600.0
_MAX_TIMES: Final = 1_000_000


class _NotJson:
    """Marks a request body that is not JSON (kept apart from a JSON ``null``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_JSON"


NOT_JSON: Final = _NotJson()


def _parse_json(body: bytes) -> Any:
    """The parsed body, or :data:`NOT_JSON`; the emulator's own reading, not the SDK's."""
    if not body:
        return NOT_JSON
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return NOT_JSON


# The parsed body of the request being handled (a context variable: aiohttp's request storage
# wants typed keys that older aiohttp versions lack).
_PAYLOAD: Final[contextvars.ContextVar[Any]] = contextvars.ContextVar("payload", default=NOT_JSON)
# In-flight handlers get this long at shutdown before they are cancelled (a slow answer).
_SHUTDOWN_TIMEOUT: Final = 0.5
_HTML_PAGE: Final = (
    "<html>\r\n<head><title>{status} {phrase}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


class Fault(enum.Enum):
    """A kind of failure the emulator can stage (see the module docstring)."""

    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    HTML_ERROR = "html_error"
    SLOW = "slow"
    DROP_BEFORE = "drop_before"
    DROP_AFTER = "drop_after"


def _number(name: str, value: Any, low: float, high: float) -> float:
    """``value`` as a float from ``low`` to ``high``, else a ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, got {value!r:.60}")
    if not (math.isfinite(value) and low <= value <= high):
        raise ValueError(f"{name} must be from {low:g} to {high:g}, got {value!r:.60}")
    return float(value)


def _share(instance: Any, attribute: attrs.Attribute[float], value: Any) -> None:
    try:
        _number(attribute.name, value, 0.0, 1.0)
    except ValueError as exc:
        raise ValueError(f"{exc} (a probability)") from None


def _seconds_up_to(high: float) -> Callable[[Any, attrs.Attribute[float], Any], None]:
    def check(instance: Any, attribute: attrs.Attribute[float], value: Any) -> None:
        _number(attribute.name, value, 0.0, high)

    return check


_SHARE = attrs.field(default=0.0, validator=_share)


@attrs.frozen(kw_only=True)
class FaultPlan:
    """Random faults: each share is the probability that a request gets that fault.

    Attributes:
        seed: seeds the generator; the same seed gives the same faults in arrival order.
        rate_limited, server_error, html_error, slow, drop_before, drop_after: the shares
            (0 to 1, together at most 1).
        retry_after: the ``Retry-After`` seconds of a ``rate_limited`` answer.
        slow_seconds: how late a ``slow`` answer comes.
    """

    seed: int = 0
    rate_limited: float = _SHARE
    server_error: float = _SHARE
    html_error: float = _SHARE
    slow: float = _SHARE
    drop_before: float = _SHARE
    drop_after: float = _SHARE
    retry_after: float = attrs.field(default=1.0, validator=_seconds_up_to(_MAX_RETRY_AFTER))
    slow_seconds: float = attrs.field(default=5.0, validator=_seconds_up_to(_MAX_SLOW_SECONDS))

    def __attrs_post_init__(self) -> None:
        total = sum(share for _, share in self.shares())
        if total > 1.0 + 1e-9:
            raise ValueError(f"the fault shares add up to {total:g}; at most 1 is possible")

    def shares(self) -> list[tuple[Fault, float]]:
        """Each fault kind with its share, in :class:`Fault` order."""
        return [(fault, getattr(self, fault.value)) for fault in Fault]

    @property
    def active(self) -> bool:
        """Whether any share is above zero."""
        return any(share > 0.0 for _, share in self.shares())

    def draw(self, rng: random.Random) -> Fault | None:
        """The fault for the next request (one draw from ``rng``), or ``None``."""
        x = rng.random()
        for fault, share in self.shares():
            if x < share:
                return fault
            x -= share
        return None


@attrs.define
class RecordedRequest:
    """One request the emulator received, as the log keeps it.

    ``headers`` have lower-case names (``"authorization"``, ``"version"``), credentials
    (``authorization``, ``proxy-authorization``, ``cookie``) shown as ``"***"``;
    ``json`` is the parsed body, or ``None`` when there is none, it is not JSON, or it is
    larger than the emulator's ``log_body_limit``; ``body_size`` is its length in bytes;
    ``status`` is the answer's HTTP status (``None`` while in flight, or when the connection
    was dropped); ``fault`` is the staged fault's value (``"server_error"``), or ``None``.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any = None
    status: int | None = None
    fault: str | None = None
    body_size: int = 0


@attrs.define
class _Injected:
    """A one-shot fault waiting for ``left`` more matching requests."""

    left: int
    fault: Fault
    method: str | None
    path: str | None
    status: int | None
    retry_after: float | None
    slow_seconds: float | None

    def matches(self, request: web.Request) -> bool:
        if self.method is not None and self.method != request.method:
            return False
        return self.path is None or fnmatch.fnmatchcase(request.path, self.path)


_INJECT_FIELDS: Final = frozenset(
    {"fault", "times", "method", "path", "status", "retry_after", "slow_seconds"}
)


def _checked_injection(
    fault: Any,
    times: Any,
    method: Any,
    path: Any,
    status: Any,
    retry_after: Any,
    slow_seconds: Any,
) -> _Injected:
    """A one-shot fault from arguments checked field by field: a ValueError names the bad
    one (the inspection route answers it with a 400), so nothing odd is ever staged."""
    try:
        kind = Fault(fault)
    except ValueError:
        known = ", ".join(f.value for f in Fault)
        raise ValueError(f"fault must be one of {known}, got {fault!r:.60}") from None
    if isinstance(times, bool) or not isinstance(times, int) or not 1 <= times <= _MAX_TIMES:
        raise ValueError(f"times must be a whole number from 1 to {_MAX_TIMES}, got {times!r:.60}")
    for name, value in (("method", method), ("path", path)):
        if value is not None and (not isinstance(value, str) or not value):
            raise ValueError(f"{name} must be a non-empty string or null, got {value!r:.60}")
    if status is not None:
        if kind not in (Fault.SERVER_ERROR, Fault.HTML_ERROR):
            raise ValueError(f"status applies to server_error and html_error, not {kind.value}")
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
            raise ValueError(f"status must be an HTTP error status (400-599), got {status!r:.60}")
    if retry_after is not None:
        retry_after = _number("retry_after", retry_after, 0.0, _MAX_RETRY_AFTER)
    if slow_seconds is not None:
        slow_seconds = _number("slow_seconds", slow_seconds, 0.0, _MAX_SLOW_SECONDS)
    return _Injected(
        times, kind, method.upper() if method else None, path, status, retry_after, slow_seconds
    )


def current_payload() -> Any:
    """The parsed JSON body of the request being handled, or :data:`NOT_JSON` when it has
    none or it is not JSON."""
    return _PAYLOAD.get()


class EmulatorBase(abc.ABC):
    """The shared machinery of an in-process API emulator (see the module docstring).

    Subclasses add their routes in :meth:`_add_routes`, shape fault answers in
    :meth:`_error_response`, and keep their own state (:meth:`_clear_state`,
    :meth:`_snapshot`).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: FaultPlan | None = None,
        log_limit: int = 10_000,
        log_body_limit: int = 64 * 1024,
    ) -> None:
        for name, value in (("log_limit", log_limit), ("log_body_limit", log_body_limit)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a whole number, at least 0, got {value!r}")
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._bound_port: int | None = None
        # A ring of the latest requests: a soak test of hours must not grow without bound.
        self._log_limit = log_limit
        self._log_body_limit = log_body_limit
        self._log: collections.deque[RecordedRequest] = collections.deque(maxlen=log_limit)
        self._injected: list[_Injected] = []
        self.faults = faults if faults is not None else FaultPlan()

    # -- state the subclass owns ------------------------------------------------------------

    @abc.abstractmethod
    def _add_routes(self, router: web.UrlDispatcher) -> None:
        """Add the API's routes."""

    @abc.abstractmethod
    def _error_response(
        self, request: web.Request, status: int, headers: Mapping[str, str]
    ) -> web.Response:
        """The API's own error answer for a staged ``status`` (429, 5xx)."""

    @abc.abstractmethod
    def _clear_state(self) -> None:
        """Forget every stored pool (and any counters); keep the credentials."""

    @abc.abstractmethod
    def _snapshot(self) -> Any:
        """Every stored pool, as JSON, for ``GET /_emulator/pools``."""

    def _fault_headers(self, request: web.Request) -> Mapping[str, str]:
        """Headers every staged answer carries too (GoHighLevel's rate-limit figures)."""
        return {}

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on ``host:port``; :attr:`url` tells where."""
        if self._runner is not None:
            raise RuntimeError(f"{type(self).__name__} is already running at {self.url}")
        app = web.Application(middlewares=[self._middleware])
        self._add_routes(app.router)
        app.router.add_get(INSPECTION_PREFIX + "requests", self._inspect_requests)
        app.router.add_get(INSPECTION_PREFIX + "pools", self._inspect_pools)
        app.router.add_post(INSPECTION_PREFIX + "faults", self._inspect_inject)
        app.router.add_post(INSPECTION_PREFIX + "reset", self._inspect_reset)
        # A client that gives up (a timeout) cancels its handler: a slow answer stops there.
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=_SHUTDOWN_TIMEOUT
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self._host, self._port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._bound_port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop listening and close every connection. Idempotent."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    @contextlib.contextmanager
    def in_thread(self) -> Iterator[Self]:
        """Serve from a private event loop in a daemon thread, for blocking code and plain
        (non-async) tests: ``with BlandEmulator().in_thread() as emu:``. Inspect the emulator
        (``requests``, ``pools()``) between calls, not while one is in flight."""
        ready = threading.Event()
        failure: list[BaseException] = []
        holder: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

        def serve() -> None:
            try:
                with asyncio.Runner() as runner:
                    stop = asyncio.Event()
                    holder.append((runner.get_loop(), stop))
                    runner.run(self.start())
                    ready.set()
                    try:
                        runner.run(stop.wait())
                    finally:
                        runner.run(self.stop())
            except BaseException as exc:  # reported to the thread that started it
                failure.append(exc)
                ready.set()

        thread = threading.Thread(target=serve, name=f"{type(self).__name__}-thread", daemon=True)
        thread.start()
        ready.wait()
        if failure:
            thread.join()
            raise failure[0]
        loop, stop = holder[0]
        try:
            yield self
        finally:
            loop.call_soon_threadsafe(stop.set)
            thread.join()
        if failure:
            raise failure[0]

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:<port>`` (only while running)."""
        if self._runner is None or self._bound_port is None:
            raise RuntimeError(f"{type(self).__name__} is not running; use 'async with'")
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self._bound_port}"

    @property
    def running(self) -> bool:
        return self._runner is not None

    def __repr__(self) -> str:
        where = self.url if self.running else "not running"
        return f"<{type(self).__name__} {where}>"

    # -- log and faults ---------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """The latest API requests received (up to ``log_limit``), in arrival order (a new
        list each time)."""
        return list(self._log)

    @property
    def faults(self) -> FaultPlan:
        """The random fault plan; setting it restarts the generator from its seed."""
        return self._plan

    @faults.setter
    def faults(self, plan: FaultPlan) -> None:
        if not isinstance(plan, FaultPlan):
            raise TypeError(f"faults must be a FaultPlan, got {type(plan).__name__}")
        self._plan = plan
        self._plan_active = plan.active  # checked per request: keep it a plain attribute
        self._rng = random.Random(plan.seed)

    def inject(
        self,
        fault: Fault,
        times: int = 1,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
        slow_seconds: float | None = None,
    ) -> None:
        """Stage ``fault`` for the next ``times`` API requests that match ``method`` and
        ``path`` (a glob: ``"/v1/custom-dialing-pools/*/update"``); ``None`` matches any.

        ``status`` overrides the status of a ``SERVER_ERROR`` or ``HTML_ERROR``;
        ``retry_after`` and ``slow_seconds`` override the plan's for this fault.
        """
        self._injected.append(
            _checked_injection(fault, times, method, path, status, retry_after, slow_seconds)
        )

    def reset(self) -> None:
        """Forget the stored pools, the request log and every fault (plan and injected);
        credentials (API keys, tokens, Twilio credentials) stay."""
        self._clear_state()
        self._log = collections.deque(maxlen=self._log_limit)
        self._injected.clear()
        self.faults = FaultPlan()

    def _take_fault(self, request: web.Request) -> tuple[Fault | None, _Injected | None]:
        planned = self._plan.draw(self._rng) if self._plan_active else None
        for i, entry in enumerate(self._injected):
            if entry.matches(request):
                entry.left -= 1
                if entry.left <= 0:
                    del self._injected[i]
                return entry.fault, entry
        return planned, None

    # -- serving ----------------------------------------------------------------------------

    @web.middleware
    async def _middleware(
        self,
        request: web.Request,
        handler: Handler,
    ) -> web.StreamResponse:
        if request.path.startswith(INSPECTION_PREFIX):
            return await handler(request)
        raw = await request.read()
        payload = _parse_json(raw)
        _PAYLOAD.set(payload)
        logged = payload is not NOT_JSON and len(raw) <= self._log_body_limit
        record = RecordedRequest(
            request.method,
            request.path,
            dict(request.query),
            {
                name: "***" if name in _SECRET_HEADERS else value
                for name, value in ((k.lower(), v) for k, v in request.headers.items())
            },
            payload if logged else None,
            body_size=len(raw),
        )
        del raw
        self._log.append(record)
        fault, injected = (None, None)
        if request.match_info.http_exception is None:  # an API route, not a 404/405
            fault, injected = self._take_fault(request)
        if fault is not None:
            record.fault = fault.value
        try:
            response, answered = await self._answer(request, handler, fault, injected)
        except web.HTTPException as exc:
            record.status = exc.status
            raise
        record.status = response.status if answered else None
        return response

    async def _answer(
        self,
        request: web.Request,
        handler: Handler,
        fault: Fault | None,
        injected: _Injected | None,
    ) -> tuple[web.StreamResponse, bool]:
        """The answer, and whether it reaches the client."""
        if fault is None:
            return await handler(request), True
        plan = self._plan
        if fault is Fault.RATE_LIMITED:
            seconds = plan.retry_after
            if injected is not None and injected.retry_after is not None:
                seconds = injected.retry_after
            headers = {**self._fault_headers(request), "Retry-After": f"{seconds:g}"}
            return self._error_response(request, 429, headers), True
        if fault is Fault.SERVER_ERROR:
            status = injected.status if injected is not None else None
            if status is None:
                status = self._rng.choice((500, 502, 503))
            return self._error_response(request, status, self._fault_headers(request)), True
        if fault is Fault.HTML_ERROR:
            status = (injected.status if injected is not None else None) or 502
            page = _HTML_PAGE.format(status=status, phrase=HTTPStatus(status).phrase)
            return web.Response(status=status, text=page, content_type="text/html"), True
        if fault is Fault.DROP_BEFORE:
            return _drop(request), False
        response = await handler(request)
        if fault is Fault.DROP_AFTER:
            return _drop(request), False
        seconds = plan.slow_seconds
        if injected is not None and injected.slow_seconds is not None:
            seconds = injected.slow_seconds
        await asyncio.sleep(seconds)  # Fault.SLOW: applied already, answered late
        return response, True

    # -- inspection routes ------------------------------------------------------------------

    async def _inspect_requests(self, request: web.Request) -> web.Response:
        return web.json_response([attrs.asdict(r) for r in self._log])

    async def _inspect_pools(self, request: web.Request) -> web.Response:
        return web.json_response(self._snapshot())

    async def _inspect_inject(self, request: web.Request) -> web.Response:
        body = _parse_json(await request.read())
        try:
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object")
            unknown = sorted(set(body) - _INJECT_FIELDS)
            if unknown:
                raise ValueError(f"unknown field(s) {', '.join(map(repr, unknown))}")
            if "fault" not in body:
                raise ValueError("fault is required")
            entry = _checked_injection(
                body["fault"],
                body.get("times", 1),
                body.get("method"),
                body.get("path"),
                body.get("status"),
                body.get("retry_after"),
                body.get("slow_seconds"),
            )
        except ValueError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        self._injected.append(entry)
        return web.json_response({"injected": entry.fault.value})

    async def _inspect_reset(self, request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"reset": True})


def _drop(request: web.Request) -> web.Response:
    """Close the connection. aiohttp then fails to write the returned placeholder and treats
    it as a client that went away: no answer, no warning."""
    if request.transport is not None:
        request.transport.close()
    return web.Response(status=500)


# -- standalone runs (python -m bland_pools.testing / ghl_pools.testing) ------------------------


#: What a standalone emulator's banner lists under its URL (called once it listens).
Settings = Callable[[], Sequence[tuple[str, str]]]


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is a whole number from 0 to 65535, got {text!r}")
    return port


def add_standalone_options(parser: argparse.ArgumentParser, *, default_port: int) -> None:
    """The options every standalone emulator takes: where to listen, samples, faults."""
    parser.add_argument("--host", default="127.0.0.1", help="address (default: %(default)s)")
    parser.add_argument(
        "--port", type=_port, default=default_port, help="port; 0 picks a free one (%(default)s)"
    )
    parser.add_argument("--samples", action="store_true", help="start with a few sample pools")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND=SHARE",
        help="a random fault share, e.g. server_error=0.05 (repeatable); kinds: "
        + ", ".join(f.value for f in Fault),
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the fault generator")
    parser.add_argument("--retry-after", type=float, default=1.0, help="seconds (rate_limited)")
    parser.add_argument("--slow-seconds", type=float, default=5.0, help="delay of a slow answer")


def fault_plan_from_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> FaultPlan:
    """The :class:`FaultPlan` the standalone options describe (errors go to ``parser``)."""
    shares: dict[str, float] = {}
    for item in args.fault:
        kind, _, share = item.partition("=")
        try:
            shares[Fault(kind.strip()).value] = float(share)
        except ValueError:
            parser.error(f"--fault wants KIND=SHARE with a known kind, got {item!r}")
    try:
        return FaultPlan(
            seed=args.seed,
            retry_after=args.retry_after,
            slow_seconds=args.slow_seconds,
            **shares,
        )
    except ValueError as exc:
        parser.error(str(exc))


def run_standalone(
    emulator: EmulatorBase,
    title: str,
    settings: Settings,
    *,
    prog: str,
) -> int:
    """Serve until Ctrl-C or SIGTERM; once listening, print the URL on the first line, then
    ``settings()`` (credentials, shell exports). Returns the exit code."""

    async def serve() -> None:
        stop = asyncio.Event()
        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        async with emulator:
            lines = list(settings())
            if emulator.faults.active:
                lines.append(("faults", repr(emulator.faults)))
            lines.append(("log", f"{emulator.url}{INSPECTION_PREFIX}requests"))
            print("\n".join(_banner(title, emulator.url, lines)), flush=True)
            await stop.wait()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"{prog}: cannot listen: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"{prog}: stopped", file=sys.stderr)
    return 0


def standalone_main(
    prog: str,
    title: str,
    description: str,
    default_port: int,
    add_options: Callable[[argparse.ArgumentParser], object],
    build: Callable[..., tuple[Any, Settings]],
) -> Callable[[Sequence[str] | None], int]:
    """The ``main(argv)`` of ``python -m <package>.testing``: the shared options and then
    ``add_options``'; ``build(args, host=, port=, faults=)`` makes the emulator (a
    ``ValueError`` is a usage error) and says what the banner lists under its URL."""

    def main(argv: Sequence[str] | None = None) -> int:
        parser = argparse.ArgumentParser(prog=prog, description=description)
        add_standalone_options(parser, default_port=default_port)
        add_options(parser)
        args = parser.parse_args(argv)
        faults = fault_plan_from_args(parser, args)
        try:
            emulator, settings = build(args, host=args.host, port=args.port, faults=faults)
        except ValueError as exc:
            parser.error(str(exc))
        if args.samples:
            emulator.seed_samples()
        return run_standalone(emulator, title, settings, prog=prog)

    return main


def _banner(title: str, url: str, settings: Sequence[tuple[str, str]]) -> list[str]:
    width = max((len(name) for name, _ in settings), default=0)
    lines = [f"{title} listening on {url}"]
    lines += [f"  {(name + ':').ljust(width + 1)} {value}" for name, value in settings]
    lines.append("Press Ctrl-C to stop.")
    return lines

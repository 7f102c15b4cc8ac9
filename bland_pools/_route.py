"""Which of its two names Bland serves the pools under, for one client.

Bland's docs describe one resource under two names (api-notes, "the same resource under a
newer name"): the seeds' ``/v1/custom-dialing-pools`` and the current docs'
``/v1/geospatial-dialing-pools``, with the same headers, bodies and envelopes. An organization
may be served only one of them. What an unknown route answers is not documented, so any 404
without a code Bland documents counts as "no such route" (``_protocol.route_missing``, the
rule that also tells a wrong base URL's 404 from a missing pool's).

A client that is not pinned starts on ``custom-dialing-pools``. A call answered with a
route-level 404 is sent once more on the other name, and the name that answered is kept for
the rest of the client's life. A lost answer, a 5xx, a 429 or a 401 shows nothing and
switches nothing. A pinned client (``resource_path=``, ``BLAND_RESOURCE_PATH``) never
switches.

Concurrent first calls: until the server has answered one call (with anything but a
route-level 404), the other calls wait for that answer, so a client meets at most one
route-level 404 per name it does not serve. After an answer that settles nothing (a 429, a
5xx), calls go at once (waiting on a slow first call would stall them); the first to meet a
404 switches, the others follow and none switches back.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Final, TypeVar

from pools_core._exceptions import APIError
from pools_core._protocol import Request, Response

from ._exceptions import CODE_CLASSES, ERRORS
from ._protocol import RESOURCE_NAMES, route_missing

__all__ = ["RESOURCE_NAMES", "Route", "resolve_resource_path"]

_T = TypeVar("_T")
#: Sends a request and decodes its answer (the transport, with the call's options).
Send = Callable[[Request, Callable[[Response], _T]], Awaitable[_T]]
logger: Final = logging.getLogger("bland_pools")
ENV_VAR: Final = "BLAND_RESOURCE_PATH"
_DEFAULT: Final = "/v1/" + RESOURCE_NAMES[0]
# Codes only the pool endpoints answer with: such an answer shows the route exists. (Not
# UNAUTHORIZED: a gateway may check the key before it routes.)
_ENDPOINT_CODES: Final = frozenset(CODE_CLASSES) - {"UNAUTHORIZED"}
# The call the running task is inside: a create's recovery lists the pools from within the
# create, on the name that create is trying, and never switches on its own.
_TRYING: Final[contextvars.ContextVar[_Trying | None]] = contextvars.ContextVar(
    "bland_pools_trying", default=None
)


def resolve_resource_path(value: object) -> str | None:
    """The pinned name: ``value``, else ``BLAND_RESOURCE_PATH``, else ``None`` (not pinned).
    Anything but one of the two names is refused, naming the value and where it came from."""
    source = "resource_path"
    if value is None:
        value = os.environ.get(ENV_VAR) or None
        source = ENV_VAR
        if value is None:
            return None
    for name in RESOURCE_NAMES:
        if value == name:
            return name
    choices = " or ".join(repr(name) for name in RESOURCE_NAMES)
    raise ERRORS.configuration(
        f"{source} must be {choices} (the resource's name, without /v1/), got {value!r:.80}"
    )


def _confirms(error: APIError) -> bool:
    """An error answer that only the pool endpoints give: the route is there."""
    return error.code in _ENDPOINT_CODES and error.status is not None and 400 <= error.status < 500


class _Trying:
    """The route and the path a call is trying right now."""

    __slots__ = ("path", "route")

    def __init__(self, route: Route, path: str) -> None:
        self.route, self.path = route, path


class Route:
    """The resource path of one client (``/v1/<name>``) and how it is found.

    ``settled`` once pinned, or once an answer showed the name is served (a success, or an
    error only the pool endpoints give, ``POOL_NOT_FOUND`` included).
    """

    __slots__ = ("_gate", "_heard", "_missed", "path", "pinned", "settled")

    def __init__(self, pinned: str | None = None) -> None:
        self.path = _DEFAULT if pinned is None else "/v1/" + pinned
        self.pinned = pinned is not None
        self.settled = self.pinned
        self._missed: set[str] = set()  # the paths that answered a route-level 404
        self._heard = False  # the server answered a call with anything but a route-level 404
        self._gate: asyncio.Future[None] | None = None  # open when the first call is answered

    @property
    def name(self) -> str:
        """The name in use (until settled: the one tried next)."""
        return self.path.removeprefix("/v1/")

    async def call(
        self, build: Callable[[str], Request], decode: Callable[[Response], _T], send: Send[_T]
    ) -> _T:
        """``send(build(path), decode)`` on the path in use, finding it first if needed."""
        if self.settled:
            return await send(build(self.path), decode)
        trying = _TRYING.get()
        if trying is not None and trying.route is self:
            return await self._nested(trying.path, build, decode, send)
        while not self._heard:
            gate = self._gate
            if gate is None or gate.done() or gate.get_loop() is not asyncio.get_running_loop():
                return await self._first(build, decode, send)
            await asyncio.shield(gate)  # another call is finding the name
            if self.settled:
                return await send(build(self.path), decode)
        return await self._find(build, decode, send)

    async def _first(
        self, build: Callable[[str], Request], decode: Callable[[Response], _T], send: Send[_T]
    ) -> _T:
        """A first call: the others wait until the server answers it."""
        gate = self._gate = asyncio.get_running_loop().create_future()

        def hear() -> None:
            self._heard = True
            if not gate.done():
                gate.set_result(None)

        def decode_heard(response: Response) -> _T:
            try:
                result = decode(response)
            except APIError as exc:
                if not route_missing(exc):
                    hear()
                raise
            hear()
            return result

        try:
            return await self._find(build, decode_heard, send)
        finally:
            if not gate.done():
                gate.set_result(None)  # no answer at all (a refused connection): next one

    async def _find(
        self, build: Callable[[str], Request], decode: Callable[[Response], _T], send: Send[_T]
    ) -> _T:
        """Send on the path in use; after a route-level 404, once more on the other name."""
        trying = _Trying(self, self.path)
        token = _TRYING.set(trying)
        try:
            first = trying.path
            try:
                result = await send(build(first), decode)
            except APIError as exc:
                if not route_missing(exc):
                    self._confirm(first, exc)
                    raise
                missed = exc
            else:
                self._settle(first)
                return result
            # Safe for a create too: its attempt on `first` got a route-level 404, so the
            # server had no such route and made no pool. (An attempt before it whose outcome
            # was unknown made the transport list the pools on `first` first: that list
            # settles `first`, and _after_miss then refuses to switch; or it failed, and the
            # call ended there.)
            trying.path = other = self._after_miss(first, missed)
            logger.info("%s answered 404 (no such route); sending to %s", first, other)
            try:
                result = await send(build(other), decode)
            except APIError as exc:
                if route_missing(exc) and not self.settled:
                    # Neither name is served: the base URL is wrong. Keep the default (one
                    # request a call from now on) and report its 404.
                    self._missed.add(other)
                    self._settle(_DEFAULT)
                    missed.add_note(f"{other} answered 404 as well: {exc}")
                    raise missed from None
                self._confirm(other, exc)
                raise
            self._settle(other)
            return result
        finally:
            _TRYING.reset(token)

    def _after_miss(self, path: str, error: APIError) -> str:
        """Where a call goes after ``path`` answered a route-level 404; raises ``error`` when
        nowhere."""
        if self.settled:
            if self.path == path:
                raise error  # another answer showed `path` is served (a create's recovery)
            return self.path  # another call found the name meanwhile
        self._missed.add(path)
        other = _other(path)
        if other in self._missed:  # both names answered 404: the base URL is wrong
            self._settle(_DEFAULT)
            error.add_note(f"{other} answered 404 as well, earlier")
            raise error
        if self.path == path:
            self.path = other  # the first call to see the 404 switches; the others follow
        return other

    async def _nested(
        self,
        path: str,
        build: Callable[[str], Request],
        decode: Callable[[Response], _T],
        send: Send[_T],
    ) -> _T:
        """A call inside another (a create's recovery): the path it tries, no switch."""
        try:
            result = await send(build(path), decode)
        except APIError as exc:
            self._confirm(path, exc)
            raise
        self._settle(path)
        return result

    def _confirm(self, path: str, error: APIError) -> None:
        if _confirms(error):
            self._settle(path)

    def _settle(self, path: str) -> None:
        if not self.settled:
            self.settled, self.path = True, path
            if path != _DEFAULT:
                logger.info("using %s for the rest of this client's life", path)


def _other(path: str) -> str:
    first, second = ("/v1/" + name for name in RESOURCE_NAMES)
    return second if path == first else first

"""What every client shares: building the transport from the client's options, the lifecycle
of the async client, and the blocking wrapper around it."""

from __future__ import annotations

import functools
import inspect
import logging
import weakref
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, Concatenate, Generic, ParamSpec, Self, TypeVar, overload

import aiohttp
import attrs

from ._auth import Auth
from ._clock import SYSTEM_CLOCK, Clock
from ._config import HiddenURL, TimeoutLike, resolve_base_url
from ._exceptions import ErrorTree
from ._portal import Portal
from ._ratelimit import Limiter
from ._retry import RetryPolicy, check_max_retries
from ._transport import MAX_BODY, Transport

__all__ = [
    "MAX_BODY",
    "AsyncClientBase",
    "BlockingResource",
    "SyncClientBase",
    "blocking",
    "build_transport",
]


def build_transport(
    *,
    errors: ErrorTree,
    logger: logging.Logger,
    auth: Auth,
    base_url: tuple[str | HiddenURL | None, str, str, str],
    timeout: TimeoutLike,
    max_retries: int | None,
    retry_policy: RetryPolicy | None,
    session: aiohttp.ClientSession | None,
    max_connections: int,
    max_response_bytes: int,
    clock: Clock | None,
    limiter: Limiter | None = None,
) -> Transport:
    """The transport for a client's options; ``base_url`` is (the argument, its environment
    variable, the default, the API's own path prefix). ``max_retries`` given overrides the
    policy's."""
    policy = retry_policy if retry_policy is not None else RetryPolicy()
    if max_retries is not None and isinstance(policy, RetryPolicy):
        policy = attrs.evolve(policy, max_retries=check_max_retries(max_retries))
    return Transport(
        base_url=resolve_base_url(*base_url),
        auth=auth,
        errors=errors,
        logger=logger,
        timeout=timeout,
        retry_policy=policy,
        session=session,
        max_connections=max_connections,
        max_response_bytes=max_response_bytes,
        limiter=limiter,
        clock=clock if clock is not None else SYSTEM_CLOCK,
    )


class AsyncClientBase:
    """Owns a :class:`Transport`; usable as ``async with`` or closed with ``await close()``."""

    _transport: Transport

    async def __aenter__(self) -> Self:
        if self._transport.closed:
            raise self._transport.errors.closed(
                f"{type(self).__name__} is closed; create a new client"
            )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connections this client opened (a session you passed in stays open)."""
        await self._transport.close()

    @property
    def closed(self) -> bool:
        return self._transport.closed

    @property
    def base_url(self) -> str:
        return self._transport.base_url

    def __repr__(self) -> str:
        if getattr(self, "_transport", None) is None:  # the constructor failed
            return f"<{type(self).__name__} (not constructed)>"
        state = "closed" if self.closed else "open"
        return f"<{type(self).__name__} base_url={self.base_url!r} {state}>"

    def __getstate__(self) -> Any:
        # A pickled client would carry its credentials wherever the bytes go.
        raise TypeError(f"{type(self).__name__} cannot be pickled; create one per process")


_A = TypeVar("_A", bound=AsyncClientBase)


class SyncClientBase(Generic[_A]):
    """A blocking client: the async client ``_async`` runs on a private loop (a :class:`Portal`).

    Closed by ``with``, by ``close()``, or, as a last resort, when garbage collected or at exit.
    """

    def __init__(self, async_client: _A) -> None:
        self._async = async_client
        transport = async_client._transport
        self._portal = Portal(
            type(self).__name__,
            after_fork=transport.forget_session,
            closed_error=transport.errors.closed,
        )
        # Close on garbage collection or interpreter exit, without referencing self.
        self._finalizer = weakref.finalize(self, self._portal.close, async_client.close)

    def __enter__(self) -> Self:
        if self.closed:
            raise self._async._transport.errors.closed(
                f"{type(self).__name__} is closed; create a new client"
            )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections and stop the private loop. Idempotent."""
        self._portal.check_close_allowed()  # before the one-shot finalizer is spent
        self._finalizer()

    @property
    def closed(self) -> bool:
        return self._portal.closed

    @property
    def base_url(self) -> str:
        return self._async.base_url

    def __repr__(self) -> str:
        if getattr(self, "_portal", None) is None:  # the constructor failed
            return f"<{type(self).__name__} (not constructed)>"
        state = "closed" if self.closed else "open"
        return f"<{type(self).__name__} base_url={self.base_url!r} {state}>"

    def __getstate__(self) -> Any:
        raise TypeError(f"{type(self).__name__} cannot be pickled; create one per process")


_R = TypeVar("_R")
_P = ParamSpec("_P")
_T = TypeVar("_T")


class BlockingResource(Generic[_R]):
    """``client.pools`` of a blocking client: its methods (:class:`blocking`) block for their
    async twins on the client's private loop."""

    def __init__(self, client: SyncClientBase[Any], resource: _R) -> None:
        self._client = client  # held: the client closes when collected, not while in use
        self._resource = resource


class blocking(Generic[_P, _T]):
    """A blocking twin of an async resource method: ``list = blocking(AsyncPools.list)``.

    Same parameters, same documentation, no logic of its own. ``undelivered(resource,
    result)`` runs when the caller is interrupted (Ctrl-C) after the call finished but before
    it got the result (a created pool is then not lost).
    """

    def __init__(
        self,
        method: Callable[Concatenate[Any, _P], Coroutine[Any, Any, _T]],
        *,
        undelivered: Callable[[Any, _T], object] | None = None,
    ) -> None:
        self._method = method
        self._undelivered = undelivered
        signature = inspect.signature(method)
        # What functools.update_wrapper would copy, worked out once: it costs more per call
        # than the rest of a blocking call's own work.
        self._names = (method.__name__, method.__qualname__, method.__module__, method.__doc__)
        self._attributes = {
            **getattr(method, "__dict__", {}),
            "__wrapped__": method,
            "__signature__": signature.replace(parameters=list(signature.parameters.values())[1:]),
        }

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...

    @overload
    def __get__(
        self, obj: BlockingResource[Any], owner: type | None = None
    ) -> Callable[_P, _T]: ...

    def __get__(
        self, obj: BlockingResource[Any] | None, owner: type | None = None
    ) -> Self | Callable[_P, _T]:
        if obj is None:
            return self
        resource = obj._resource
        bound: Callable[_P, Coroutine[Any, Any, _T]] = self._method.__get__(resource)
        keep = None if self._undelivered is None else functools.partial(self._undelivered, resource)

        def call(*args: _P.args, **kwargs: _P.kwargs) -> _T:
            # Through obj: it holds the client, which must not be collected (and closed) while
            # the call runs (``BlandClient().pools.list()``).
            portal = obj._client._portal
            if keep is None:
                return portal.call(bound, *args, **kwargs)
            return portal.call_keeping(keep, bound, *args, **kwargs)

        call.__name__, call.__qualname__, call.__module__, call.__doc__ = self._names
        call.__dict__.update(self._attributes)
        return call

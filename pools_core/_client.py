"""What every client shares: lifecycle of the async client, and the blocking wrapper around it."""

from __future__ import annotations

import weakref
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from ._portal import Portal
from ._transport import Transport

__all__ = ["AsyncClientBase", "SyncClientBase"]


class AsyncClientBase:
    """Owns a :class:`Transport`; usable as ``async with`` or closed with ``await close()``."""

    _transport: Transport

    async def __aenter__(self) -> Self:
        if self._transport.closed:
            raise RuntimeError(f"{type(self).__name__} is closed; create a new client")
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
        self._portal = Portal(
            type(self).__name__, after_fork=async_client._transport.forget_session
        )
        # Close on garbage collection or interpreter exit, without referencing self.
        self._finalizer = weakref.finalize(self, self._portal.close, async_client.close)

    def __enter__(self) -> Self:
        if self.closed:
            raise RuntimeError(f"{type(self).__name__} is closed; create a new client")
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

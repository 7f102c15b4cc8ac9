"""Group commit: manifest writes queued together and committed in one transaction.

Intents must be durable before their requests are sent: the engine commits them a chunk
at a time (:meth:`Journal.commit_now`). An outcome need not be (a run killed before it
commits finds the open intent and settles it by content), so it is queued and commits with
the next chunk's intents, or after :data:`DELAY` seconds at most. The per-transaction cost
(``BEGIN``, ``COMMIT``, the WAL's locks and append) is paid once for many writes: measured,
a third of the engine's time per pool before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Final

from ._manifest import ManifestError, ManifestStore, SQLiteManifest

__all__ = ["DELAY", "Journal"]


#: The longest an outcome waits to be committed, in seconds: what a killed run may lose (and
#: the next run settles by content).
DELAY: Final = 0.05
#: The store methods whose queued calls :class:`SQLiteManifest` writes with one
#: ``executemany`` (positional calls only).
_MANY: Final = frozenset({"intend", "applied"})


class Journal:
    """Queues manifest writes and commits them together, within :data:`DELAY` seconds.

    A failed commit is kept in ``error``; later writes are dropped (their intents stay open,
    to be settled by the next run) and :meth:`check` raises it as a :class:`ManifestError`,
    so a run stops instead of working unrecorded.
    """

    def __init__(self, store: ManifestStore) -> None:
        self._store = store
        self._pending: list[tuple[Callable[..., object], tuple[Any, ...], dict[str, Any]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self.error: Exception | None = None

    def write(self, change: Callable[..., object], *args: Any, **kwargs: Any) -> None:
        """Queue ``change(*args, **kwargs)`` (a store method) for the next commit."""
        if self.error is not None:
            return
        self._pending.append((change, args, kwargs))
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(DELAY, self._commit)

    def commit_now(self) -> None:
        """Commit what is queued, at once."""
        self._commit()

    def check(self) -> None:
        """Raise the failed commit, if one failed."""
        if self.error is not None:
            raise ManifestError(f"the manifest could not be written: {self.error}") from self.error

    def _commit(self) -> None:
        if self._timer is not None:
            self._timer.cancel()  # when called by commit_now(): one commit, not two
            self._timer = None
        pending, self._pending = self._pending, []
        if not pending or self.error is not None:
            return
        store = self._store
        many = store._write_many if isinstance(store, SQLiteManifest) else None
        try:
            with store.batch():
                start = 0
                while start < len(pending):
                    change, args, kwargs = pending[start]
                    end = start + 1
                    name = getattr(change, "__name__", "")
                    if many is None or kwargs or name not in _MANY:
                        change(*args, **kwargs)
                    else:  # a run of intents (or outcomes) of the SQLite store: one statement
                        while end < len(pending) and pending[end][0] == change:
                            if pending[end][2]:
                                break
                            end += 1
                        many(name, [call[1] for call in pending[start:end]])
                    start = end
        except Exception as exc:
            self.error = exc

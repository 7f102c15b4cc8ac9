"""The engine: from a desired state to exactly those pools, resumable after any crash.

One run:

1. read and check the input (:mod:`._input`); nothing is sent until it is clean;
2. open the manifest, which locks it against a second run;
3. list the organization's pools (one request);
4. settle every open intent of an earlier run: a create that was sent but never recorded is
   found by its content (the exact numbers and credentials, a pool no other key holds) and
   recorded; none found means it never happened; several means it is reported, not guessed;
5. plan (:mod:`._plan`) against the organization's pools;
6. apply: adoptions and unchanged keys are recorded at once; creates, updates and deletes go
   to a fixed set of workers (``concurrency``), each committing its intent before the
   request and the outcome after it; the client's pace (``rate``) slows the whole job down
   on a 429;
7. settle again any create whose outcome stayed unknown, and report every key.

A pool that fails does not stop the others; running again does only what is not done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final, Literal

import attrs

from bland_pools._client import AsyncBlandClient
from bland_pools._exceptions import BlandError, PoolNotFoundError
from bland_pools._recovery import fingerprint
from pools_core._exceptions import APIError, ClientClosedError
from pools_core._retry import outcome_unknown

from ._failures import classify, code_of, fix
from ._input import DesiredPool, desired_from, read_desired
from ._journal import Journal
from ._listing import PoolLike, decode_listing, low
from ._manifest import (
    Failure,
    Intent,
    ManifestEntry,
    ManifestError,
    ManifestStore,
    Origin,
    SQLiteManifest,
    manifest_path,
)
from ._plan import Action, Plan, PruneRefusedError, check_prune, make_plan

__all__ = ["KeyResult", "Outcome", "Progress", "Report", "provision"]

logger: Final = logging.getLogger("bland_pools.provision")

Outcome = Literal["created", "adopted", "updated", "unchanged", "deleted", "failed", "skipped"]
_DONE: Final[dict[str, Outcome]] = {
    "create": "created",
    "adopt": "adopted",
    "update": "updated",
    "unchanged": "unchanged",
    "delete": "deleted",
    "forget": "deleted",
}


@attrs.frozen
class KeyResult:
    """What a run did for one key: its ``outcome``, the pool, and the error if it failed.

    A ``"failed"`` or ``"skipped"`` key also has its ``failure`` class (``"retryable"``: a
    rerun may succeed; ``"permanent"``: the server refuses this input and will again), the
    API's error ``code`` and, for a permanent failure, the ``fix``. ``"skipped"``: it failed
    permanently before with the same input and was not sent again (``retry_failed`` sends it).
    """

    key: str
    outcome: Outcome
    pool_id: str | None = None
    error: str | None = None
    failure: Failure | None = None
    code: str | None = None
    fix: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen
class Progress:
    """Passed to ``on_progress`` after each key: ``done`` of ``total``, and its result."""

    done: int
    total: int
    result: KeyResult


@attrs.define
class Report:
    """The outcome of a run (or, with ``dry_run``, only its plan: ``results`` is empty).

    Attributes:
        plan: what the run set out to do.
        results: one per key of the plan, in its order.
        settled: what was found of an earlier run's interrupted requests.
        dry_run: whether nothing was written or sent but reads.
        seconds: how long the run took.
    """

    plan: Plan
    results: list[KeyResult] = attrs.Factory(list)
    settled: list[str] = attrs.Factory(list)
    dry_run: bool = False
    seconds: float = 0.0

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def failed(self) -> list[KeyResult]:
        return [r for r in self.results if r.outcome == "failed"]

    @property
    def retryable(self) -> list[KeyResult]:
        """The failed keys a rerun may get done (a 5xx, a timeout, a 429 given up)."""
        return [r for r in self.failed if r.failure != "permanent"]

    @property
    def permanent(self) -> list[KeyResult]:
        """The failed keys the server will refuse again as they are (a 4xx): see ``fix``."""
        return [r for r in self.failed if r.failure == "permanent"]

    @property
    def skipped(self) -> list[KeyResult]:
        """Keys not sent: they failed permanently before with the same input."""
        return [r for r in self.results if r.outcome == "skipped"]

    @property
    def ok(self) -> bool:
        """Every key is done (always true for a dry run)."""
        return not self.failed and not self.skipped

    def to_dict(self) -> dict[str, Any]:
        """The full per-key report, JSON-ready."""
        counts = {o: self.count(o) for o in _DONE.values()} | {
            "failed": len(self.failed),
            "failed_retryable": len(self.retryable),
            "failed_permanent": len(self.permanent),
            "skipped": len(self.skipped),
        }
        return {
            "dry_run": self.dry_run,
            "plan": self.plan.summary(),
            "changes": self.plan.changes_dict(),  # what each action changes, unchanged left out
            "counts": counts,
            "settled": self.settled,
            "seconds": round(self.seconds, 3),
            "results": [r.to_dict() for r in self.results],
        }


async def provision(
    desired: Iterable[DesiredPool | Mapping[str, Any]] | Mapping[str, Iterable[str]] | str | Path,
    *,
    manifest: str | Path | ManifestStore,
    client: AsyncBlandClient | None = None,
    concurrency: int = 8,
    rate: float | None = None,
    prune: bool = False,
    max_delete: int | None = None,
    retry_failed: bool = False,
    dry_run: bool = False,
    on_plan: Callable[[Plan], object] | None = None,
    on_progress: Callable[[Progress], object] | None = None,
) -> Report:
    """Make the organization's pools exactly what ``desired`` says, keyed in ``manifest``.

    Args:
        desired: a CSV or JSON Lines file (a path; ``"-"`` for standard input), a mapping of
            pool key to numbers, or :class:`DesiredPool` objects (or dicts shaped like a JSON
            Lines row). Numbers are normalized; every row is checked first.
        manifest: the SQLite manifest's path (created if missing), or a store of your own.
        client: the client to use; default an ``AsyncBlandClient`` from the environment
            (``BLAND_API_KEY``), paced by ``rate``, with 5 retries.
        concurrency: how many requests at a time (fixed workers; 1 to 256).
        rate: requests in any second for the default client; without it the client learns
            the pace from the server's 429s (see the README's Rate limits). Bland documents
            no limit; its organization rate limit defaults to 5.
        prune: delete the pools of manifest keys that are not in ``desired``. Guarded: a
            ``desired`` with no pools is refused, and so is a plan deleting more than
            ``max_delete`` pools (by default: more than 10 pools and more than 10% of the
            pools the manifest holds), before anything is sent.
        max_delete: the most pools a prune may delete (``None``: the default guard).
        retry_failed: send again the keys whose last attempt failed permanently (a 4xx)
            with the same input; by default they are skipped (a changed input is sent).
        dry_run: return the plan; read the manifest and list the pools, nothing else.
        on_plan: called with the :class:`Plan` once it is made, before anything is applied.
        on_progress: called with a :class:`Progress` after each key.

    Raises:
        InputError: the input has problems (all of them, with line numbers); nothing was
            sent.
        PruneRefusedError: the prune guard refused the plan; nothing was sent.
        ManifestLockedError: another run holds the manifest.
        ManifestUnusableError: the path cannot be a manifest, or the file is not one.
        ManifestError: the manifest belongs to another organization.
        APIError: listing the organization's pools failed (nothing was changed).
    """
    if (
        isinstance(concurrency, bool)
        or not isinstance(concurrency, int)
        or not 1 <= concurrency <= 256
    ):
        raise ValueError(f"concurrency must be a whole number from 1 to 256, got {concurrency!r}")
    if rate is not None and (
        isinstance(rate, bool) or not isinstance(rate, int | float) or not rate > 0
    ):
        raise ValueError(f"rate must be a positive number of requests per second, got {rate!r}")
    if max_delete is not None and (
        isinstance(max_delete, bool) or not isinstance(max_delete, int) or max_delete < 0
    ):
        raise ValueError(f"max_delete must be a whole number from 0, got {max_delete!r}")
    pools = _desired(desired)
    if prune and not pools:
        raise PruneRefusedError(
            "refused: the input has no pools, and with --prune (prune=True) that would "
            "delete every pool of the manifest, whatever --max-delete says; nothing was sent. "
            "Check the input (a failed or cut-off export?)",
            deletes=0,
            held=0,
            limit=max_delete,
        )
    own_client = client is None
    if client is None:
        client = AsyncBlandClient(max_rate=rate if rate is not None else math.inf, max_retries=5)
    store: ManifestStore | None = None
    started = time.monotonic()
    try:
        store = _store(manifest, dry_run)
        run = _Run(client, store, concurrency, on_plan, on_progress, dry_run)
        report = await run.go(pools, prune, max_delete, retry_failed)
        report.seconds = time.monotonic() - started
        return report
    finally:
        if own_client:
            await client.close()
        if isinstance(manifest, str | Path) and store is not None:
            store.close()


_REQUESTS: Final = frozenset({"create", "update", "delete"})  # the actions that send one


class PoolsMissingError(ManifestError):
    """None of the pools the manifest holds exists in the organization: nothing is done, as
    the plan would make every pool again."""


def _intent(action: Action) -> tuple[Intent, tuple[str, ...] | None, str | None]:
    """What the manifest records before ``action``'s request: its kind and content."""
    if action.kind == "delete" or action.desired is None:
        return "delete", None, None
    kind: Intent = "create" if action.kind == "create" else "update"
    return kind, action.desired.phone_numbers, action.desired.encrypted_key


def _desired(
    desired: Iterable[DesiredPool | Mapping[str, Any]] | Mapping[str, Iterable[str]] | str | Path,
) -> list[DesiredPool]:
    if isinstance(desired, str | Path):
        return read_desired(desired)
    if isinstance(desired, Mapping):
        return desired_from(desired)
    return desired_from(list(desired))


def _store(manifest: str | Path | ManifestStore, dry_run: bool) -> ManifestStore | None:
    """The store; ``None`` for a dry run on a manifest that does not exist yet (empty)."""
    if not isinstance(manifest, str | Path):
        return manifest
    if dry_run:
        if manifest_path(manifest).exists():
            return SQLiteManifest(manifest, read_only=True)
        return None
    return SQLiteManifest(manifest)


def _failed(entry: ManifestEntry, error: str | None) -> ManifestEntry:
    """``entry`` as the store has it after ``failed(key, error, outcome_unknown=False)``
    (an intent settled), so that the run need not read the manifest again."""
    return attrs.evolve(
        entry,
        status="failed",
        last_error=error,
        intent=None,
        intent_numbers=None,
        intent_key=None,
        intent_at=None,
        failure=None,
        failure_code=None,
        failed_numbers=None,
        failed_key=None,
    )


class _Run:
    def __init__(
        self,
        client: AsyncBlandClient,
        store: ManifestStore | None,
        concurrency: int,
        on_plan: Callable[[Plan], object] | None,
        on_progress: Callable[[Progress], object] | None,
        dry_run: bool,
    ) -> None:
        self.client = client
        self.store = store
        self.concurrency = concurrency
        self.on_plan = on_plan
        self.on_progress = on_progress
        self.dry_run = dry_run
        self.results: list[KeyResult | None] = []  # by the plan's order
        self.done = 0
        self.total = 0
        self.owner_known = False

    def entries(self) -> dict[str, ManifestEntry]:
        return {} if self.store is None else {e.key: e for e in self.store.entries()}

    def _read(
        self, desired: list[DesiredPool], organization: list[PoolLike]
    ) -> dict[str, ManifestEntry]:
        """The manifest's entries; from the SQLite store, holding the input's keys and
        numbers and the listing's pool ids rather than copies of them."""
        if not isinstance(self.store, SQLiteManifest):
            return self.entries()
        wanted = {pool.key: pool for pool in desired}
        ids = {pool.id: pool.id for pool in organization}
        return {e.key: e for e in self.store._entries_sharing(wanted, ids)}

    async def go(
        self,
        desired: list[DesiredPool],
        prune: bool,
        max_delete: int | None = None,
        retry_failed: bool = False,
    ) -> Report:
        organization = await self.client.pools._list_decoded(decode_listing)
        entries = self._read(desired, organization)  # once: settling keeps it up to date
        self._check_organization(organization, entries)
        settled = self._settle(entries, organization)
        plan = make_plan(desired, entries, organization, prune=prune, retry_failed=retry_failed)
        if self.on_plan is not None:
            self.on_plan(plan)
        check_prune(plan, sum(1 for e in entries.values() if e.pool_id), max_delete)
        if self.dry_run:
            return Report(plan, settled=settled, dry_run=True)
        actions = plan.actions
        self.total = len(actions)
        self.results = [None] * self.total
        assert self.store is not None
        with self.store.batch():  # one commit for every key that needs no request
            for index, action in enumerate(actions):
                if action.kind not in _REQUESTS:
                    self._finish(index, self._record(action, entries.get(action.key)))
        del entries  # a resumed run's whole manifest: not kept while the requests run
        await self._work(actions)
        if self.store.has_intent("create"):
            listed = await self.client.pools._list_decoded(decode_listing)
            settled += self._settle_after(actions, listed)
        results = [r for r in self.results if r is not None]
        assert len(results) == len(actions)
        return Report(plan, results, settled)

    def _check_organization(
        self, organization: list[PoolLike], entries: dict[str, ManifestEntry]
    ) -> None:
        """A manifest serves one organization: another's key would recreate every pool.
        Known by the ``owner_id`` of the pools it made; before any, by its pools' ids."""
        if self.store is None:
            return
        known = self.store.meta("owner_id")
        owners = {p.owner_id for p in organization}
        if known is not None and owners and known not in owners:
            raise ManifestError(
                f"this manifest belongs to organization {known}, but the API key is of "
                f"organization {', '.join(sorted(owners))}; use that organization's key, or "
                "another manifest"
            )
        held = [low(e.pool_id) for e in entries.values() if e.pool_id]
        present = {low(p.id) for p in organization}
        if held and not present.intersection(held):
            raise PoolsMissingError(
                f"none of the {len(held)} pools this manifest holds exists in the "
                "organization of this API key. Likely causes: another organization's key, "
                "or another server (--base-url); the pools were deleted outside this job "
                "(then start over with a new manifest)"
            )
        if known is None and len(owners) == 1 and held and not self.dry_run:
            self.store.set_meta("owner_id", owners.pop())

    def _owned_by(self, pool: PoolLike, journal: Journal) -> None:
        """Remember the organization from the first pool this manifest holds."""
        if self.owner_known or self.store is None:
            return
        if self.store.meta("owner_id") is None:
            journal.write(self.store.set_meta, "owner_id", pool.owner_id)
        self.owner_known = True

    # -- settling what an earlier run left open ------------------------------------------

    def _settle(self, entries: dict[str, ManifestEntry], organization: list[PoolLike]) -> list[str]:
        """Close every open intent, by what the organization holds. In a dry run the
        entries are changed in memory only."""
        notes: list[str] = []
        owned = {low(e.pool_id) for e in entries.values() if e.pool_id and e.intent != "create"}
        for entry in list(entries.values()):
            if entry.intent is None:
                continue
            if entry.intent != "create" or entry.intent_numbers is None:
                # An update or delete is simply planned again (both are idempotent).
                notes.append(f"{entry.key}: an interrupted {entry.intent} is planned again")
                entries[entry.key] = _failed(entry, notes[-1])
                if not self.dry_run and self.store is not None:
                    self.store.failed(entry.key, notes[-1], outcome_unknown=False)
                continue
            want = fingerprint(entry.intent_numbers, entry.intent_key)
            matches = [
                p
                for p in organization
                if fingerprint(p.phone_numbers, p.encrypted_key) == want and low(p.id) not in owned
            ]
            if len(matches) == 1:
                pool = matches[0]
                owned.add(low(pool.id))
                notes.append(f"{entry.key}: the interrupted create had made pool {pool.id}")
                entries[entry.key] = attrs.evolve(
                    _failed(entry, None),
                    pool_id=pool.id,
                    numbers=entry.intent_numbers,
                    encrypted_key=entry.intent_key,
                    origin=entry.origin or "created",
                    status="done",
                )
                if not self.dry_run and self.store is not None:
                    self.store.applied(
                        entry.key, pool.id, entry.intent_numbers, entry.intent_key, "created"
                    )
                continue
            if matches:
                ids = ", ".join(p.id for p in matches)
                notes.append(
                    f"{entry.key}: an interrupted create, and {len(matches)} identical pools "
                    f"({ids}); none is guessed"
                )
            else:
                notes.append(
                    f"{entry.key}: the interrupted create made no pool; it is planned again"
                )
            entries[entry.key] = _failed(entry, notes[-1])
            if not self.dry_run and self.store is not None:
                self.store.failed(entry.key, notes[-1], outcome_unknown=False)
        for note in notes:
            logger.info("settled: %s", note)
        return notes

    def _settle_after(self, actions: tuple[Action, ...], organization: list[PoolLike]) -> list[str]:
        """Creates whose outcome stayed unknown in this run, looked for once more."""
        entries = self.entries()
        pending = {k for k, e in entries.items() if e.intent == "create"}
        notes = self._settle(entries, organization)
        found = {
            key: entry.pool_id
            for key, entry in self.entries().items()
            if key in pending and entry.pool_id and entry.status == "done"
        }
        for index, action in enumerate(actions):
            if action.key in found:
                self.results[index] = KeyResult(action.key, "created", found[action.key])
        return notes

    # -- applying the plan ---------------------------------------------------------------

    def _record(self, action: Action, entry: ManifestEntry | None) -> KeyResult:
        """An action that needs no request: recorded in the manifest at once."""
        assert self.store is not None
        desired = action.desired
        if action.kind == "ambiguous":
            error = f"{action.detail}: delete the extra pools, or give them distinct numbers"
            self.store.failed(action.key, error, outcome_unknown=False, failure="permanent")
            return KeyResult(action.key, "failed", None, error, "permanent", None, error)
        if action.kind == "skip":
            assert entry is not None  # a skip is planned from the entry's failure
            code = entry.failure_code
            return KeyResult(
                action.key,
                "skipped",
                action.pool_id,
                entry.last_error,
                "permanent",
                code,
                fix(code),
            )
        if action.kind == "forget":
            self.store.forget(action.key)
            return KeyResult(action.key, "deleted", action.pool_id)
        assert desired is not None
        assert action.pool_id is not None
        fresh = entry is None or (
            entry.status == "done"
            and entry.pool_id == action.pool_id
            and entry.numbers == desired.phone_numbers
            and (entry.encrypted_key or "").lower() == (desired.encrypted_key or "").lower()
        )
        if action.kind == "adopt" or not fresh:
            origin: Origin | None = "adopted" if action.kind == "adopt" else None
            self.store.applied(
                action.key, action.pool_id, desired.phone_numbers, desired.encrypted_key, origin
            )
        return KeyResult(action.key, _DONE[action.kind], action.pool_id)

    async def _work(self, actions: tuple[Action, ...]) -> None:
        """The actions that send requests, on a fixed set of workers (never a task each).

        Intents are committed ahead, one transaction for the next ``concurrency`` actions,
        before any of them is sent; outcomes are group-committed (:class:`Journal`). A run
        killed in between leaves intents of requests never sent: the next run finds no pool
        for them and plans them again."""
        store = self.store
        assert store is not None
        journal = Journal(store)

        def intended(chunk: list[tuple[int, Action]]) -> list[tuple[int, Action]]:
            for _, action in chunk:
                journal.write(store.intend, action.key, *_intent(action))
            journal.commit_now()  # with the outcomes queued so far
            return chunk if journal.error is None else []  # not recorded: not sent

        def taken() -> Iterator[tuple[int, Action]]:  # shared by the workers: each once
            chunk: list[tuple[int, Action]] = []
            for item in enumerate(actions):
                if item[1].kind in _REQUESTS:
                    chunk.append(item)
                if len(chunk) == self.concurrency:
                    yield from intended(chunk)
                    chunk = []
                    if journal.error is not None:
                        return
            yield from intended(chunk)

        queue = taken()

        async def worker() -> None:
            for index, action in queue:
                self._finish(index, await self._send(action, journal))

        workers = min(self.concurrency, sum(1 for a in actions if a.kind in _REQUESTS))
        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(workers):
                    group.create_task(worker())
        finally:
            journal.commit_now()  # the outcomes still queued, also when cancelled
        journal.check()

    async def _send(self, action: Action, journal: Journal) -> KeyResult:
        store = self.store
        assert store is not None
        pools = self.client.pools
        desired = action.desired
        key = action.key
        try:
            if action.kind == "delete":
                assert action.pool_id is not None
                with contextlib.suppress(PoolNotFoundError):  # gone already: deleted all the same
                    await pools.delete(action.pool_id)
                journal.write(store.forget, key)
                return KeyResult(key, "deleted", action.pool_id)
            assert desired is not None
            numbers, credentials = desired.phone_numbers, desired.encrypted_key
            if action.kind == "create":
                pool = await pools._create_checked(list(numbers), credentials)
                journal.write(store.applied, key, pool.id, numbers, credentials, "created")
                self._owned_by(pool, journal)
                return KeyResult(key, "created", pool.id)
            assert action.pool_id is not None
            pool = await pools.update(action.pool_id, numbers, encrypted_key=credentials)
            journal.write(store.applied, key, pool.id, numbers, credentials)
            return KeyResult(key, "updated", pool.id)
        except PoolNotFoundError as exc:  # an update's pool was deleted meanwhile
            error = f"{exc}; it was deleted outside this job: run again to create it"
            journal.write(
                store.failed, key, error, outcome_unknown=False, forget_pool=True,
                failure="retryable", code=code_of(exc),
            )  # fmt: skip
            return KeyResult(key, "failed", action.pool_id, error, "retryable", code_of(exc))
        except (BlandError, ClientClosedError) as exc:
            unknown = not isinstance(exc, APIError) or outcome_unknown(exc)
            failure, code = classify(exc), code_of(exc)
            journal.write(
                store.failed, key, str(exc), outcome_unknown=unknown, failure=failure, code=code,
                numbers=desired.phone_numbers if desired is not None else None,
                encrypted_key=desired.encrypted_key if desired is not None else None,
            )  # fmt: skip
            if unknown and action.kind == "create":
                logger.info("%s: the create's outcome is unknown; looked for again", key)
            advice = fix(code) if failure == "permanent" else None
            return KeyResult(key, "failed", action.pool_id, str(exc), failure, code, advice)

    def _finish(self, index: int, result: KeyResult) -> None:
        self.results[index] = result
        self.done += 1
        if self.on_progress is not None:
            self.on_progress(Progress(self.done, self.total, result))

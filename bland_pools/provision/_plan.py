"""The plan: what a job will do, computed against what the organization really holds.

Each key of the input is compared with its pool as listed by Bland (not with the manifest's
memory of it, which a hand edit or a lost manifest can make stale), as Terraform refreshes its
state before it plans:

=========  ================================================================================
create     the key has no pool (new, or its pool was deleted outside the job)
update     its pool's numbers or credentials differ from the input (a full replace)
unchanged  its pool is as the input says
adopt      not in the manifest, but the organization has exactly one pool with these
           numbers and credentials that no other key holds: it becomes the key's
ambiguous  several such pools: none is guessed, the key is reported
delete     in the manifest, not in the input, with ``prune``: its pool is deleted
forget     in the manifest, not in the input, with ``prune``, its pool already gone
skip       its last attempt failed permanently (a 4xx) with this same input: not sent
           again, unless ``retry_failed``
=========  ================================================================================

Keys in the manifest but not in the input are left alone without ``prune`` (``kept``).
A plan that deletes many of the manifest's pools is refused (:func:`check_prune`).
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal

import attrs

from bland_pools._exceptions import BlandError
from bland_pools._recovery import Fingerprint, fingerprint
from pools_core._text import display

from ._input import DesiredPool
from ._listing import PoolLike, low
from ._manifest import ManifestEntry

__all__ = ["Action", "ActionKind", "Plan", "PruneRefusedError", "check_prune", "make_plan"]

ActionKind = Literal[
    "create", "update", "delete", "adopt", "unchanged", "ambiguous", "forget", "skip"
]
CredentialChange = Literal["set", "removed", "changed"]
#: How many added (and removed) numbers a plan line names before it counts the rest.
SHOWN_NUMBERS: Final = 3
_MARKS: Final = {
    "create": "+",
    "update": "~",
    "adopt": "=",
    "delete": "-",
    "forget": "-",
    "ambiguous": "!",
    "skip": "?",
}
#: The prune guard's default: a plan may delete up to this many pools, or up to this share
#: of the pools the manifest holds, without ``max_delete`` (a deletion beyond both is more
#: likely a truncated or failed input than a wish).
MAX_DELETE: Final = 10
MAX_DELETE_SHARE: Final = 0.10


class PruneRefusedError(BlandError, ValueError):
    """``prune`` would delete more pools than the guard allows (or every pool: the input
    has none); nothing was sent. A ``ValueError``: exit 2 on the command line.

    Attributes:
        deletes: how many pools the plan deletes.
        held: how many pools the manifest holds.
        limit: the ``max_delete`` given, or ``None`` for the default guard.
    """

    def __init__(self, message: str, *, deletes: int, held: int, limit: int | None) -> None:
        super().__init__(message)
        self.deletes = deletes
        self.held = held
        self.limit = limit

    def __reduce__(self) -> tuple[object, ...]:
        return (_refused, (str(self), self.deletes, self.held, self.limit))


def _refused(message: str, deletes: int, held: int, limit: int | None) -> PruneRefusedError:
    return PruneRefusedError(message, deletes=deletes, held=held, limit=limit)


@attrs.frozen
class Action:
    """One step of a plan. ``pool_id`` is the pool it touches (the adopted one, the one to
    update or delete); ``candidates`` the identical pools of an ambiguous key. For an
    update, ``added`` and ``removed`` are the numbers it adds and removes (sorted), and
    ``credentials`` says what happens to the pool's credentials (``None``: they stay)."""

    kind: ActionKind
    key: str
    desired: DesiredPool | None = None
    pool_id: str | None = None
    detail: str = ""
    candidates: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    credentials: CredentialChange | None = None

    def line(self) -> str:
        return f"  {_MARKS.get(self.kind, ' ')} {self.key}  {self.kind} {self.detail}".rstrip()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: kind, key, pool_id, the desired phone_numbers and encrypted_key (``None``
        for a delete), added, removed, credentials, candidates, detail."""
        desired = self.desired
        return {
            "kind": self.kind,
            "key": self.key,
            "pool_id": self.pool_id,
            "phone_numbers": list(desired.phone_numbers) if desired else None,
            "encrypted_key": desired.encrypted_key if desired else None,
            "added": list(self.added),
            "removed": list(self.removed),
            "credentials": self.credentials,
            "candidates": list(self.candidates),
            "detail": self.detail,
        }


@attrs.frozen
class Plan:
    """Every action of a job, in input order (deletes last), and the keys left alone."""

    actions: tuple[Action, ...]
    kept: tuple[str, ...] = ()

    def count(self, kind: ActionKind) -> int:
        return sum(1 for a in self.actions if a.kind == kind)

    @property
    def changes(self) -> int:
        """How many actions send a request or change the manifest."""
        return sum(1 for a in self.actions if a.kind != "unchanged")

    def summary(self) -> str:
        counts = Counter(a.kind for a in self.actions)
        text = (
            f"Plan: {counts['create']} to create, {counts['update']} to update, "
            f"{counts['adopt']} to adopt, {counts['delete'] + counts['forget']} to delete, "
            f"{counts['unchanged']} unchanged."
        )
        if counts["ambiguous"]:
            text += f" {counts['ambiguous']} ambiguous (not touched)."
        if counts["skip"]:
            text += (
                f" {counts['skip']} skipped (failed permanently with the same input before; "
                "--retry-failed sends them again)."
            )
        if self.kept:
            text += (
                f" {len(self.kept)} in the manifest but not in the input (kept; --prune deletes)."
            )
        return text

    def lines(self, limit: int = 10) -> list[str]:
        """Terraform-like lines, ``limit`` per kind, then a count of the rest."""
        shown: list[str] = []
        by_kind: dict[str, list[Action]] = defaultdict(list)
        for action in self.actions:
            if action.kind != "unchanged":
                by_kind[action.kind].append(action)
        for kind in ("create", "update", "adopt", "delete", "forget", "ambiguous", "skip"):
            actions = by_kind.get(kind, [])
            shown += [a.line() for a in actions[:limit]]
            if len(actions) > limit:
                shown.append(f"    ... and {len(actions) - limit} more to {kind}")
        return shown

    def changes_dict(self) -> list[dict[str, Any]]:
        """Every action but the unchanged ones, JSON-ready (:meth:`Action.to_dict`)."""
        return [a.to_dict() for a in self.actions if a.kind != "unchanged"]


@functools.lru_cache(maxsize=256)  # one string per count, not one per pool of a large plan
def _count(count: int, gone: str) -> str:
    return f"({count} number{'' if count == 1 else 's'}{gone})"


def _update(key: str, pool: DesiredPool, current: PoolLike) -> Action:
    """The update of ``current`` to ``pool``, saying which numbers come and go (the first
    :data:`SHOWN_NUMBERS` of each, then a count) and what happens to the credentials."""
    have, want = set(current.phone_numbers), set(pool.phone_numbers)
    added, removed = tuple(sorted(want - have)), tuple(sorted(have - want))
    parts = []
    if added or removed:
        parts.append(f"+{len(added)} -{len(removed)} numbers")
        if added:
            parts.append("adds " + _some(added))
        if removed:
            parts.append("removes " + _some(removed))
    old, new = current.encrypted_key, pool.encrypted_key
    credentials: CredentialChange | None = None
    if (old or "").lower() != (new or "").lower():
        credentials = "removed" if new is None else "set" if old is None else "changed"
        parts.append(f"credentials {credentials}")
    detail = f"({'; '.join(parts)}) pool {current.id}"
    return Action(
        "update",
        key,
        pool,
        current.id,
        detail,
        added=added,
        removed=removed,
        credentials=credentials,
    )


def _some(numbers: tuple[str, ...]) -> str:
    shown = " ".join(numbers[:SHOWN_NUMBERS])
    more = len(numbers) - SHOWN_NUMBERS
    return shown + (f" and {more} more" if more > 0 else "")


def make_plan(
    desired: Iterable[DesiredPool],
    entries: Mapping[str, ManifestEntry],
    organization: Iterable[PoolLike],
    *,
    prune: bool = False,
    retry_failed: bool = False,
) -> Plan:
    """The plan for ``desired`` given the manifest's ``entries`` and the organization's pools.
    A key whose last attempt failed permanently with the same input is skipped, unless
    ``retry_failed``."""
    by_id = {low(p.id): p for p in organization}
    owned = {low(e.pool_id) for e in entries.values() if e.pool_id}
    unowned: dict[Fingerprint, list[PoolLike]] = defaultdict(list)
    others = [p for i, p in by_id.items() if i not in owned]  # sorted: a re-run has none
    for existing in sorted(others, key=lambda p: p.created_at):
        unowned[fingerprint(existing.phone_numbers, existing.encrypted_key)].append(existing)

    actions: list[Action] = []
    wanted_keys: set[str] = set()
    for pool in desired:
        wanted_keys.add(pool.key)
        entry = entries.get(pool.key)
        want = fingerprint(pool.phone_numbers, pool.encrypted_key)
        current = by_id.get(low(entry.pool_id)) if entry and entry.pool_id else None
        if current is not None:
            if fingerprint(current.phone_numbers, current.encrypted_key) == want:
                actions.append(Action("unchanged", pool.key, pool, current.id))
            elif not retry_failed and entry is not None and _failed_as(entry, want):
                actions.append(_skip(pool, entry, current.id))
            else:
                actions.append(_update(pool.key, pool, current))
            continue
        matches = unowned.pop(want, [])
        if len(matches) == 1:
            found = matches[0]
            actions.append(Action("adopt", pool.key, pool, found.id, f"pool {found.id}"))
        elif matches:
            ids = tuple(p.id for p in matches)
            detail = f"{len(ids)} identical pools ({', '.join(ids)}); none is guessed"
            actions.append(Action("ambiguous", pool.key, pool, None, detail, ids))
        elif not retry_failed and entry is not None and _failed_as(entry, want):
            actions.append(_skip(pool, entry, None))
        else:
            gone = f"; pool {entry.pool_id} is gone" if entry and entry.pool_id else ""
            what = _count(len(pool.phone_numbers), gone)
            actions.append(Action("create", pool.key, pool, None, what))

    kept: list[str] = []
    for key, entry in entries.items():
        if key in wanted_keys:
            continue
        if not prune:
            kept.append(key)
        elif entry.pool_id and low(entry.pool_id) in by_id:
            actions.append(Action("delete", key, None, entry.pool_id, f"pool {entry.pool_id}"))
        else:
            actions.append(Action("forget", key, None, entry.pool_id, "(its pool is already gone)"))
    return Plan(tuple(actions), tuple(kept))


def _failed_as(entry: ManifestEntry, want: Fingerprint) -> bool:
    """Whether the key's last attempt failed permanently with exactly this input."""
    return (
        entry.status == "failed"
        and entry.failure == "permanent"
        and entry.failed_numbers is not None
        and fingerprint(entry.failed_numbers, entry.failed_key) == want
    )


def _skip(pool: DesiredPool, entry: ManifestEntry, pool_id: str | None) -> Action:
    code = display(entry.failure_code or "a 4xx")
    detail = f"(failed with {code} before, same input; --retry-failed sends it again)"
    return Action("skip", pool.key, pool, pool_id, detail)


def check_prune(plan: Plan, held: int, max_delete: int | None) -> None:
    """Refuse a plan that deletes more than ``max_delete`` pools; by default (``None``),
    more than :data:`MAX_DELETE` pools and more than :data:`MAX_DELETE_SHARE` of the
    ``held`` pools the manifest holds.

    Raises:
        PruneRefusedError: with the count and the option that allows it.
    """
    deletes = plan.count("delete")
    if max_delete is None:
        if deletes <= MAX_DELETE or deletes <= held * MAX_DELETE_SHARE:
            return
        share = f"{deletes * 100 // max(held, 1)}%"
        why = (
            f"{share} of the {held} it holds; without --max-delete a prune may delete up to "
            f"{MAX_DELETE} pools or {MAX_DELETE_SHARE:.0%} of them"
        )
    elif deletes <= max_delete:
        return
    else:
        why = f"more than --max-delete {max_delete}"
    raise PruneRefusedError(
        f"refused: the plan deletes {deletes} of this manifest's pools, {why}; nothing was "
        f"sent. If that is meant, pass --max-delete {deletes} (max_delete={deletes} in "
        "provision()); else check the input (a failed or cut-off export?)",
        deletes=deletes,
        held=held,
        limit=max_delete,
    )

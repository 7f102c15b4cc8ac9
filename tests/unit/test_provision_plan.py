"""``make_plan``, I/O-free: each key of the input against the organization's pools as listed
(not the manifest's memory of them): create a new key or one whose pool is gone, leave an
identical pool unchanged, update a pool whose numbers or credentials differ (credentials
compared without case), adopt exactly one identical pool nobody owns, report two as ambiguous
(oldest first) and never adopt a pool another key owns; keys that left the input are kept
without ``prune`` and deleted (or forgotten, their pool gone) with it. And the plan's text:
``summary()`` and ``lines(limit)``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bland_pools import DialingPool
from bland_pools.provision import Action, DesiredPool, ManifestEntry, Plan, make_plan

OWNER = "9b2f6d1e-7c4a-4e8b-9f0a-1c2d3e4f5a6b"
CRED = "550e8400-e29b-41d4-a716-446655440000"
CRED2 = "0b7a4f7e-3f0a-4c55-9d1e-6c2f1b8e9a10"
T0 = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)


def pid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def nums(i: int, count: int = 2) -> tuple[str, ...]:
    return tuple(f"+1555{i:04d}{n:03d}" for n in range(count))


def pool(
    n: int, numbers: Sequence[str], key: str | None = None, *, age: int = 0, pool_id: str = ""
) -> DialingPool:
    """A pool as the organization lists it; a larger ``age`` is older."""
    return DialingPool(
        id=pool_id or pid(n),
        owner_id=OWNER,
        phone_numbers=tuple(numbers),
        encrypted_key=key,
        created_at=T0 - timedelta(minutes=age),
    )


def want(key: str, numbers: Sequence[str], cred: str | None = None) -> DesiredPool:
    return DesiredPool(key, tuple(sorted(numbers)), cred, f"test:{key}")


def entry(
    key: str, pool_id: str | None, numbers: Sequence[str] | None = None, cred: str | None = None
) -> ManifestEntry:
    return ManifestEntry(
        key=key,
        pool_id=pool_id,
        numbers=None if numbers is None else tuple(numbers),
        encrypted_key=cred,
        origin="created" if pool_id else None,
        status="done" if pool_id else "failed",
    )


def entries(*items: ManifestEntry) -> dict[str, ManifestEntry]:
    return {e.key: e for e in items}


def kinds(plan: Plan) -> list[tuple[str, str, str | None]]:
    return [(a.kind, a.key, a.pool_id) for a in plan.actions]


# -- one key at a time -----------------------------------------------------------------------


def test_a_new_key_is_created() -> None:
    desired = want("west", nums(1, 3))

    plan = make_plan([desired], {}, [])

    assert plan.actions == (Action("create", "west", desired, None, "(3 numbers)"),)
    assert plan.kept == ()


def test_a_pool_as_the_input_says_is_unchanged() -> None:
    org = [pool(1, reversed(nums(1)), CRED)]  # listed in another order: the same set

    plan = make_plan([want("west", nums(1), CRED)], entries(entry("west", pid(1), nums(1))), org)

    assert kinds(plan) == [("unchanged", "west", pid(1))]
    assert plan.changes == 0


def test_credentials_compare_without_case() -> None:
    org = [pool(1, nums(1), CRED.upper())]

    plan = make_plan([want("west", nums(1), CRED)], entries(entry("west", pid(1))), org)

    assert kinds(plan) == [("unchanged", "west", pid(1))]


def test_a_pool_id_compares_without_case() -> None:
    org = [pool(1, nums(1))]

    plan = make_plan([want("west", nums(1))], entries(entry("west", pid(1).upper())), org)

    assert kinds(plan) == [("unchanged", "west", pid(1))]


def test_the_organization_not_the_manifest_decides() -> None:
    # The manifest remembers other numbers (a hand edit since): the listed pool is the truth.
    org = [pool(1, nums(1))]

    plan = make_plan([want("west", nums(1))], entries(entry("west", pid(1), nums(9))), org)

    assert kinds(plan) == [("unchanged", "west", pid(1))]


def test_changed_numbers_are_an_update_in_place() -> None:
    org = [pool(1, nums(1, 3))]
    desired = want("west", (*nums(1, 2), "+15559999999", "+15559999998"))

    plan = make_plan([desired], entries(entry("west", pid(1))), org)

    (action,) = plan.actions
    assert (action.kind, action.pool_id, action.desired) == ("update", pid(1), desired)
    assert action.detail == (
        f"(+2 -1 numbers; adds +15559999998 +15559999999; removes +15550001002) pool {pid(1)}"
    )
    assert (action.added, action.removed, action.credentials) == (
        ("+15559999998", "+15559999999"),
        ("+15550001002",),
        None,
    )


def test_credentials_set_changed_and_removed_are_updates() -> None:
    org = [pool(1, nums(1)), pool(2, nums(2), CRED), pool(3, nums(3), CRED)]
    manifest = entries(entry("a", pid(1)), entry("b", pid(2)), entry("c", pid(3)))

    plan = make_plan(
        [want("a", nums(1), CRED), want("b", nums(2), CRED2), want("c", nums(3))], manifest, org
    )

    assert [(a.kind, a.detail) for a in plan.actions] == [
        ("update", f"(credentials set) pool {pid(1)}"),
        ("update", f"(credentials changed) pool {pid(2)}"),
        ("update", f"(credentials removed) pool {pid(3)}"),
    ]


def test_numbers_and_credentials_changed_together() -> None:
    org = [pool(1, nums(1), CRED)]

    plan = make_plan([want("a", nums(1, 1))], entries(entry("a", pid(1))), org)

    assert plan.actions[0].detail == (
        f"(+0 -1 numbers; removes +15550001001; credentials removed) pool {pid(1)}"
    )


def test_a_pool_gone_from_the_organization_is_created_again() -> None:
    desired = want("west", nums(1))

    plan = make_plan([desired], entries(entry("west", pid(1), nums(1))), [pool(2, nums(2))])

    assert plan.actions == (
        Action("create", "west", desired, None, f"(2 numbers; pool {pid(1)} is gone)"),
    )


def test_one_identical_unowned_pool_is_adopted() -> None:
    desired = want("west", nums(1), CRED)
    org = [
        pool(1, nums(1)),  # same numbers, no credentials: not identical
        pool(2, nums(1), CRED.upper()),  # identical
        pool(3, nums(1, 3), CRED),  # one more number: not identical
    ]

    plan = make_plan([desired], {}, org)

    assert plan.actions == (Action("adopt", "west", desired, pid(2), f"pool {pid(2)}"),)


def test_a_key_whose_pool_is_gone_adopts_an_identical_one() -> None:
    org = [pool(2, nums(1))]

    plan = make_plan([want("west", nums(1))], entries(entry("west", pid(1))), org)

    assert kinds(plan) == [("adopt", "west", pid(2))]


def test_two_identical_unowned_pools_are_ambiguous_oldest_first() -> None:
    org = [pool(1, nums(1), age=5), pool(2, nums(1), age=60), pool(3, nums(1), age=30)]

    plan = make_plan([want("west", nums(1))], {}, org)

    (action,) = plan.actions
    assert (action.kind, action.pool_id) == ("ambiguous", None)
    assert action.candidates == (pid(2), pid(3), pid(1))
    assert "3 identical pools" in action.detail
    assert all(p in action.detail for p in (pid(1), pid(2), pid(3)))
    assert "none is guessed" in action.detail


def test_a_pool_owned_by_another_key_is_never_adopted() -> None:
    # "east" holds pool 1 in the manifest; "west" asks for exactly its numbers.
    org = [pool(1, nums(1))]
    manifest = entries(entry("east", pid(1), nums(1)))

    plan = make_plan([want("west", nums(1))], manifest, org, prune=True)

    assert kinds(plan)[0] == ("create", "west", None)


def test_an_owned_pool_does_not_make_an_adoption_ambiguous() -> None:
    org = [pool(1, nums(1), age=10), pool(2, nums(1))]
    manifest = entries(entry("east", pid(1), nums(1)))

    plan = make_plan([want("west", nums(1)), want("east", nums(1))], manifest, org)

    assert kinds(plan) == [("adopt", "west", pid(2)), ("unchanged", "east", pid(1))]


# -- keys that left the input ----------------------------------------------------------------


def test_keys_not_in_the_input_are_kept_without_prune() -> None:
    org = [pool(1, nums(1)), pool(2, nums(2))]
    manifest = entries(entry("gone", pid(1)), entry("west", pid(2)), entry("lost", None))

    plan = make_plan([want("west", nums(2))], manifest, org)

    assert kinds(plan) == [("unchanged", "west", pid(2))]
    assert plan.kept == ("gone", "lost")


def test_prune_deletes_a_held_pool_and_forgets_a_gone_one() -> None:
    org = [pool(1, nums(1)), pool(2, nums(2)), pool(9, nums(9))]  # 9: made by hand, not ours
    manifest = entries(
        entry("old", pid(1)),
        entry("west", pid(2)),
        entry("vanished", pid(3)),  # its pool was deleted outside the job
        entry("never-made", None),  # a create that failed
    )

    plan = make_plan([want("west", nums(2))], manifest, org, prune=True)

    assert kinds(plan) == [
        ("unchanged", "west", pid(2)),
        ("delete", "old", pid(1)),
        ("forget", "vanished", pid(3)),
        ("forget", "never-made", None),
    ]
    assert plan.kept == ()
    assert plan.actions[1].detail == f"pool {pid(1)}"
    assert all(a.pool_id != pid(9) for a in plan.actions)


def test_deletes_come_after_every_input_key() -> None:
    org = [pool(1, nums(1))]
    manifest = entries(entry("old", pid(1)))

    plan = make_plan([want("b", nums(2)), want("a", nums(3))], manifest, org, prune=True)

    assert [a.key for a in plan.actions] == ["b", "a", "old"]


# -- the plan's text -------------------------------------------------------------------------


def _mixed_plan(*, prune: bool) -> Plan:
    org = [
        pool(1, nums(1)),  # a: unchanged
        pool(2, nums(2)),  # b: update
        pool(3, nums(3)),  # c: adopt
        pool(4, nums(4), age=1),  # d: ambiguous
        pool(5, nums(4), age=2),
        pool(6, nums(6)),  # old: delete (or kept)
    ]
    manifest = entries(
        entry("a", pid(1)), entry("b", pid(2)), entry("old", pid(6)), entry("gone", pid(7))
    )
    desired = [
        want("a", nums(1)),
        want("b", nums(2, 3)),
        want("c", nums(3)),
        want("d", nums(4)),
        want("new", nums(8)),
    ]
    return make_plan(desired, manifest, org, prune=prune)


def test_summary_with_prune() -> None:
    plan = _mixed_plan(prune=True)

    assert plan.summary() == (
        "Plan: 1 to create, 1 to update, 1 to adopt, 2 to delete, 1 unchanged. "
        "1 ambiguous (not touched)."
    )
    assert plan.changes == 6
    assert plan.count("delete") == 1
    assert plan.count("forget") == 1


def test_summary_without_prune_counts_the_kept_keys() -> None:
    plan = _mixed_plan(prune=False)

    assert plan.summary() == (
        "Plan: 1 to create, 1 to update, 1 to adopt, 0 to delete, 1 unchanged. "
        "1 ambiguous (not touched). "
        "2 in the manifest but not in the input (kept; --prune deletes)."
    )


def test_summary_of_nothing_to_do() -> None:
    plan = make_plan([want("a", nums(1))], entries(entry("a", pid(1))), [pool(1, nums(1))])

    assert plan.summary() == "Plan: 0 to create, 0 to update, 0 to adopt, 0 to delete, 1 unchanged."
    assert plan.lines() == []


def test_lines_by_kind_with_marks() -> None:
    lines = _mixed_plan(prune=True).lines()

    assert lines == [
        "  + new  create (2 numbers)",
        f"  ~ b  update (+1 -0 numbers; adds +15550002002) pool {pid(2)}",
        f"  = c  adopt pool {pid(3)}",
        f"  - old  delete pool {pid(6)}",
        "  - gone  forget (its pool is already gone)",
        f"  ! d  ambiguous 2 identical pools ({pid(5)}, {pid(4)}); none is guessed",
    ]


def test_lines_limit_each_kind_and_count_the_rest() -> None:
    desired = [want(f"k{i}", nums(i)) for i in range(7)]
    org = [pool(100 + i, nums(100 + i)) for i in range(4)]
    manifest = entries(*(entry(f"old{i}", pid(100 + i)) for i in range(4)))

    lines = make_plan(desired, manifest, org, prune=True).lines(limit=3)

    assert lines == [
        "  + k0  create (2 numbers)",
        "  + k1  create (2 numbers)",
        "  + k2  create (2 numbers)",
        "    ... and 4 more to create",
        f"  - old0  delete pool {pid(100)}",
        f"  - old1  delete pool {pid(101)}",
        f"  - old2  delete pool {pid(102)}",
        "    ... and 1 more to delete",
    ]

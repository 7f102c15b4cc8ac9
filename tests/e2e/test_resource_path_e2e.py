"""The resource's two names end to end: against an emulator serving only one of them, every call
works with default options and meets at most one route-level 404 per client; a pinned client
never switches; ``POOL_NOT_FOUND``, a 5xx and a dropped connection never switch; a create sent
again under the other name makes exactly one pool; a provisioning run under faults works."""

from __future__ import annotations

import asyncio
import math
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

import bland_pools
from bland_pools import AsyncBlandClient, BlandClient
from bland_pools.provision import provision
from bland_pools.testing import BlandEmulator, FakeClock, Fault, FaultPlan

from ._support import CRED_A, KEY_A, numbers

OLD = "custom-dialing-pools"
NEW = "geospatial-dialing-pools"


def _other(name: str) -> str:
    return OLD if name == NEW else NEW


def route_misses(emu: BlandEmulator, served: str, since: int = 0) -> int:
    """Requests to the name the emulator does not serve (each answered a plain 404)."""
    return sum(1 for r in emu.requests[since:] if r.path.startswith(f"/v1/{_other(served)}"))


@pytest.fixture(params=[NEW, OLD])
async def only(request: pytest.FixtureRequest) -> AsyncIterator[BlandEmulator]:
    """An emulator serving the resource under one name only."""
    async with BlandEmulator(api_keys={KEY_A: [CRED_A]}, paths=[request.param]) as emu:
        yield emu


def served(emu: BlandEmulator) -> str:
    (name,) = emu.paths
    return name


def client(emu: BlandEmulator, resource_path: str | None = None) -> AsyncBlandClient:
    return AsyncBlandClient(
        api_key=KEY_A, base_url=emu.url, clock=FakeClock(), resource_path=resource_path
    )


async def test_the_unknown_name_answers_a_plain_404_not_pool_not_found(
    only: BlandEmulator,
) -> None:
    import aiohttp

    name = _other(served(only))
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{only.url}/v1/{name}", headers={"authorization": KEY_A}) as resp,
    ):
        body = await resp.text()

    assert (resp.status, resp.content_type, body) == (404, "text/plain", "404: Not Found")


# -- every call, each on a new client ---------------------------------------------------------


async def test_every_call_works_with_default_options_and_one_404_per_client_at_most(
    only: BlandEmulator,
) -> None:
    name = served(only)
    existing = only.add_pool(KEY_A, numbers(1))["id"]
    doomed = only.add_pool(KEY_A, numbers(2))["id"]
    calls: dict[str, Callable[[AsyncBlandClient], Awaitable[object]]] = {
        "list": lambda b: b.pools.list(),
        "get": lambda b: b.pools.get(existing),
        "create": lambda b: b.pools.create(numbers(3), encrypted_key=CRED_A),
        "update": lambda b: b.pools.update(existing, numbers(4)),
        "delete": lambda b: b.pools.delete(doomed),
        "ensure": lambda b: b.pools.ensure(numbers(5)),
        "ensure-again": lambda b: b.pools.ensure(numbers(5)),
    }

    for label, call in calls.items():
        mark = len(only.requests)
        async with client(only) as bland:
            await call(bland)
            await bland.pools.list()  # the same client goes straight to the name that answered
            assert bland.resource_path == name, label
        misses = route_misses(only, name, mark)
        assert misses == (1 if name == NEW else 0), (label, only.requests[mark:])

    stored = {tuple(p["phone_numbers"]): p for p in only.pools(KEY_A)}
    assert set(stored) == {tuple(numbers(4)), tuple(numbers(3)), tuple(numbers(5))}
    assert stored[tuple(numbers(3))]["encrypted_key"] == CRED_A
    assert stored[tuple(numbers(4))]["id"] == existing


async def test_a_create_sent_again_under_the_other_name_makes_exactly_one_pool(
    only: BlandEmulator,
) -> None:
    name = served(only)
    async with client(only) as bland:
        pool = await bland.pools.create(numbers(7))

    assert [p["id"] for p in only.pools(KEY_A)] == [pool.id]
    posts = [(r.path, r.status) for r in only.requests if r.method == "POST"]
    if name == NEW:
        assert posts == [(f"/v1/{OLD}", 404), (f"/v1/{NEW}", 200)]
    else:
        assert posts == [(f"/v1/{OLD}", 200)]


async def test_concurrent_first_calls_meet_one_404_in_all(only: BlandEmulator) -> None:
    name = served(only)
    async with client(only) as bland:
        pools = await asyncio.gather(*(bland.pools.create(numbers(100 + i)) for i in range(8)))

    assert len({p.id for p in pools}) == 8
    assert len(only.pools(KEY_A)) == 8
    assert route_misses(only, name) == (1 if name == NEW else 0)
    assert sum(r.path == f"/v1/{name}" for r in only.requests) == 8


def test_the_blocking_client_follows_the_name_too() -> None:
    with BlandEmulator(api_keys=[KEY_A], paths=[NEW]).in_thread() as emu:
        with BlandClient(api_key=KEY_A, base_url=emu.url) as bland:
            pool = bland.pools.create(numbers(9))
            assert bland.pools.get(pool.id).id == pool.id
            ensured = bland.pools.ensure(numbers(9))
            assert (ensured.pool.id, ensured.created) == (pool.id, False)
            assert bland.resource_path == NEW
        assert route_misses(emu, NEW) == 1


# -- what never switches ------------------------------------------------------------------------


async def test_a_pinned_client_never_switches(only: BlandEmulator) -> None:
    name = served(only)
    wrong = _other(name)
    async with client(only, resource_path=wrong) as bland:
        for _ in range(3):
            with pytest.raises(bland_pools.NotFoundError) as caught:
                await bland.pools.list()
            assert not isinstance(caught.value, bland_pools.PoolNotFoundError)
        with pytest.raises(bland_pools.NotFoundError):
            await bland.pools.create(numbers(8))
        assert bland.resource_path == wrong

    assert [(r.path, r.status) for r in only.requests] == [(f"/v1/{wrong}", 404)] * 4
    assert only.pools(KEY_A) == []

    async with client(only, resource_path=name) as bland:
        assert await bland.pools.list() == []
    assert only.requests[-1].path == f"/v1/{name}"


async def test_pool_not_found_never_switches() -> None:
    async with BlandEmulator(api_keys=[KEY_A], paths=[OLD]) as emu, client(emu) as bland:
        missing = str(uuid.uuid4())
        for _ in range(2):
            with pytest.raises(bland_pools.PoolNotFoundError):
                await bland.pools.get(missing)
        assert await bland.pools.list() == []

    assert [(r.path, r.status) for r in emu.requests] == [
        (f"/v1/{OLD}/{missing}", 404),
        (f"/v1/{OLD}/{missing}", 404),
        (f"/v1/{OLD}", 200),
    ]


@pytest.mark.parametrize("fault", [Fault.SERVER_ERROR, Fault.HTML_ERROR, Fault.DROP_BEFORE])
async def test_a_5xx_or_a_dropped_connection_never_switches(fault: Fault) -> None:
    async with BlandEmulator(api_keys=[KEY_A], paths=[OLD]) as emu, client(emu) as bland:
        # The first call fails (aiohttp resends a dropped GET once, unseen: two drops).
        emu.inject(fault, times=2 if fault is Fault.DROP_BEFORE else 1, method="GET")
        with pytest.raises(bland_pools.APIError) as caught:
            await bland.pools.list(max_retries=0)
        assert not isinstance(caught.value, bland_pools.NotFoundError)
        assert bland.resource_path == OLD
        assert await bland.pools.list() == []  # after the faults: the same name, which works

    assert {r.path for r in emu.requests} == {f"/v1/{OLD}"}


async def test_a_lost_create_answer_never_switches_and_makes_one_pool() -> None:
    async with BlandEmulator(api_keys=[KEY_A], paths=[OLD]) as emu, client(emu) as bland:
        emu.inject(Fault.DROP_AFTER, method="POST")  # applied, then the answer is lost
        pool = await bland.pools.create(numbers(11))

    assert [p["id"] for p in emu.pools(KEY_A)] == [pool.id]
    assert {r.path for r in emu.requests} == {f"/v1/{OLD}"}


# -- the bulk engine -----------------------------------------------------------------------------


async def test_a_provisioning_run_under_faults_works_on_either_name(
    only: BlandEmulator, tmp_path: Path
) -> None:
    name = served(only)
    desired = {f"pool-{i:03d}": numbers(200 + i, 3) for i in range(60)}
    only.faults = FaultPlan(
        seed=17,
        server_error=0.08,
        html_error=0.04,
        drop_before=0.04,
        drop_after=0.06,
        rate_limited=0.04,
        retry_after=0.5,
    )
    manifest = tmp_path / "pools.db"

    reports = []
    for _ in range(4):
        mark = len(only.requests)
        async with AsyncBlandClient(
            api_key=KEY_A, base_url=only.url, max_retries=8, max_rate=math.inf, clock=FakeClock()
        ) as bland:
            reports.append(await provision(desired, manifest=manifest, client=bland))
            assert bland.resource_path == name
        assert route_misses(only, name, mark) == (1 if name == NEW else 0)
        if reports[-1].ok:
            break

    assert reports[-1].ok, [r.to_dict()["counts"] for r in reports]
    assert Counter(r.fault for r in only.requests)["server_error"] > 0
    stored = Counter(tuple(sorted(p["phone_numbers"])) for p in only.pools(KEY_A))
    assert stored == Counter(tuple(sorted(n)) for n in desired.values())

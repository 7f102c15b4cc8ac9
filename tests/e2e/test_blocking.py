"""The blocking clients end to end, against emulators served from their own event loop in a
background thread (as a test of plain synchronous code would run them): every call, from
several threads at once, over reused connections, and a clean close without warnings; a create
interrupted (Ctrl-C) after the loop finished it but before the caller got the pool is
remembered: the next identical create returns that pool, no second POST. The pytest plugin's
blocking fixtures serve plain ``def`` tests, and an emulator's ``in_thread()`` serves a
blocking client until its block ends."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiohttp
import pytest

import bland_pools
import ghl_pools
from bland_pools import BlandClient, DialingPool
from bland_pools.testing import BlandEmulator, Fault
from ghl_pools import GHLClient
from ghl_pools.testing import GHLEmulator

from ._support import (
    CRED_A,
    GHL_PATH,
    KEY_A,
    KEY_B,
    LOCATION,
    OTHER_LOCATION,
    POOLS_PATH,
    SECOND_LOCATION,
    TOKEN,
    PeerBlandEmulator,
    PeerGHLEmulator,
    number_pool_json,
    numbers,
    pool_json,
    posts,
    with_defaults,
)

THREADS = 6
CALLS_PER_THREAD = 5
INTERRUPTED_NUMBERS = numbers(901, 3)


@pytest.fixture
def bland_emu() -> Iterator[PeerBlandEmulator]:
    with PeerBlandEmulator(api_keys={KEY_A: [CRED_A], KEY_B: []}).in_thread() as emu:
        yield emu


@pytest.fixture
def ghl_emu() -> Iterator[PeerGHLEmulator]:
    tokens = {TOKEN: [LOCATION, SECOND_LOCATION]}
    with PeerGHLEmulator(tokens=tokens).in_thread() as emu:
        yield emu


@pytest.fixture
def no_warnings() -> Iterator[list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught
    assert [str(w.message) for w in caught] == []


def ports(emu: PeerBlandEmulator | PeerGHLEmulator) -> set[int]:
    return {port for _, port in emu.peers}


@pytest.mark.usefixtures("no_warnings")
def test_every_bland_call_from_plain_blocking_code(bland_emu: PeerBlandEmulator) -> None:
    samples = bland_emu.seed_samples(KEY_A)
    with BlandClient(api_key=KEY_A, base_url=bland_emu.url) as bland:
        listed = bland.pools.list()
        fetched = bland.pools.get(samples[0]["id"])
        created = bland.pools.create(numbers(1), encrypted_key=CRED_A)
        kept = bland.pools.update(created.id, numbers(2))
        removed = bland.pools.update(created.id, numbers(3), encrypted_key=None)
        with pytest.raises(bland_pools.PoolNotFoundError) as caught:
            bland.pools.get(samples[0]["id"].replace("0001", "0009"))

    assert [pool_json(p) for p in listed] == samples
    assert pool_json(fetched) == samples[0]
    assert kept.encrypted_key == CRED_A
    assert (removed.phone_numbers, removed.encrypted_key) == (tuple(numbers(3)), None)
    assert bland_emu.pools(KEY_A) == [*samples, pool_json(removed)]
    assert caught.value.status == 404
    assert "encrypted_key" not in bland_emu.requests[3].json  # omitted: the key is kept
    assert bland_emu.requests[4].json == {"phone_numbers": numbers(3), "encrypted_key": None}
    assert len(ports(bland_emu)) == 1  # one connection for every call


@pytest.mark.usefixtures("no_warnings")
def test_the_ghl_list_from_plain_blocking_code(ghl_emu: PeerGHLEmulator) -> None:
    ghl_emu.seed_samples(LOCATION)
    ghl_emu.seed_samples(SECOND_LOCATION)
    with GHLClient(token=TOKEN, base_url=ghl_emu.url, location_id=SECOND_LOCATION) as ghl:
        default = ghl.pools.list()
        explicit = ghl.pools.list(location_id=LOCATION)
        own = ghl.pools.list(location_id=None)
        with pytest.raises(ghl_pools.PermissionDeniedError):
            ghl.pools.list(location_id=OTHER_LOCATION)
        info = ghl.rate_limit

    assert [number_pool_json(p) for p in default] == [
        with_defaults(p) for p in ghl_emu.pools(SECOND_LOCATION)
    ]
    assert [p.raw for p in explicit] == ghl_emu.pools(LOCATION)
    assert [p.raw for p in own] == ghl_emu.pools(LOCATION)
    assert [r.query for r in ghl_emu.requests] == [
        {"locationId": SECOND_LOCATION},
        {"locationId": LOCATION},
        {},
        {"locationId": OTHER_LOCATION},
    ]
    assert info is not None
    assert info.limit == 100
    assert len(ports(ghl_emu)) == 1


@pytest.mark.usefixtures("no_warnings")
def test_many_threads_share_one_client_and_its_connections(
    bland_emu: PeerBlandEmulator, opened_sessions: list[aiohttp.ClientSession]
) -> None:
    stored = [bland_emu.add_pool(KEY_A, numbers(i)) for i in range(THREADS)]
    start = threading.Barrier(THREADS)

    with BlandClient(api_key=KEY_A, base_url=bland_emu.url) as bland:

        def work(index: int) -> list[dict[str, object]]:
            start.wait()
            got = [pool_json(bland.pools.get(stored[index]["id"])) for _ in range(CALLS_PER_THREAD)]
            got.append(pool_json(bland.pools.create(numbers(100 + index))))
            return got

        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            results = list(pool.map(work, range(THREADS)))
        loop_threads = {t for t in threading.enumerate() if t.name == "BlandClient-loop"}

    for index, got in enumerate(results):
        assert got[:CALLS_PER_THREAD] == [stored[index]] * CALLS_PER_THREAD
        assert got[-1]["phone_numbers"] == numbers(100 + index)
    assert len(bland_emu.pools(KEY_A)) == 2 * THREADS
    calls = THREADS * (CALLS_PER_THREAD + 1)
    assert len(bland_emu.requests) == calls
    assert 1 <= len(ports(bland_emu)) <= THREADS  # reused: far fewer connections than calls
    # Closed cleanly: the session, its connections and the private loop's thread.
    assert [s.closed for s in opened_sessions] == [True]
    assert len(loop_threads) == 1
    assert not any(t.is_alive() for t in loop_threads)
    assert bland.closed


@pytest.mark.usefixtures("no_warnings")
def test_ghl_threads_share_one_client(
    ghl_emu: PeerGHLEmulator, opened_sessions: list[aiohttp.ClientSession]
) -> None:
    ghl_emu.seed_samples(LOCATION)
    with GHLClient(token=TOKEN, base_url=ghl_emu.url, location_id=LOCATION) as ghl:

        def work(_: int) -> list[int]:
            return [ghl.pools.list().total for _ in range(CALLS_PER_THREAD)]

        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            totals = list(pool.map(work, range(THREADS)))

    assert totals == [[3] * CALLS_PER_THREAD] * THREADS
    assert len(ghl_emu.requests) == THREADS * CALLS_PER_THREAD
    assert 1 <= len(ports(ghl_emu)) <= THREADS
    assert [s.closed for s in opened_sessions] == [True]


@pytest.mark.usefixtures("no_warnings")
def test_sequential_calls_from_different_threads_reuse_one_connection(
    bland_emu: PeerBlandEmulator,
) -> None:
    pool = bland_emu.add_pool(KEY_A, numbers(1))
    with BlandClient(api_key=KEY_A, base_url=bland_emu.url) as bland:
        for _ in range(4):
            thread = threading.Thread(target=bland.pools.get, args=(pool["id"],))
            thread.start()
            thread.join()
        bland.pools.list()

    assert [r.status for r in bland_emu.requests] == [200] * 5
    assert len(ports(bland_emu)) == 1


@pytest.mark.usefixtures("no_warnings")
def test_the_blocking_client_reads_the_environment(
    bland_emu: PeerBlandEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLAND_API_KEY", KEY_B)
    monkeypatch.setenv("BLAND_BASE_URL", bland_emu.url)
    with BlandClient() as bland:
        created = bland.pools.create(numbers(7))

    assert bland_emu.pools(KEY_B) == [pool_json(created)]
    assert bland_emu.pools(KEY_A) == []


@pytest.mark.usefixtures("no_warnings")
def test_retries_and_recovery_work_through_the_blocking_client(
    bland_emu: PeerBlandEmulator,
) -> None:
    bland_emu.inject(Fault.DROP_AFTER, method="POST")
    bland_emu.inject(
        Fault.RATE_LIMITED, method="GET", path="/v1/custom-dialing-pools/*", retry_after=0
    )
    with BlandClient(api_key=KEY_A, base_url=bland_emu.url) as bland:
        created = bland.pools.create(numbers(1))
        fetched = bland.pools.get(created.id)

    assert bland_emu.pools(KEY_A) == [pool_json(created)] == [pool_json(fetched)]
    assert [(r.method, r.status) for r in bland_emu.requests] == [
        ("POST", None),
        ("GET", 200),
        ("GET", 429),
        ("GET", 200),
    ]


def test_closing_twice_and_calling_after_close(bland_emu: PeerBlandEmulator) -> None:
    bland = BlandClient(api_key=KEY_A, base_url=bland_emu.url)
    bland.pools.list()
    bland.close()
    bland.close()

    with pytest.raises(RuntimeError, match="closed"):
        bland.pools.list()
    assert len(bland_emu.requests) == 1


def interrupt_once_a_pool_is_ready(
    monkeypatch: pytest.MonkeyPatch, where: str
) -> list[DialingPool]:
    """Make the next wait for a pool raise KeyboardInterrupt after the loop has finished the
    call, as Ctrl-C landing between the two would; returns the pools so kept from callers.

    ``where``: ``"caller"``, the client runs its loop in the calling thread (the wait is
    ``run_until_complete``); ``"loop-thread"``, in its own thread (the wait is a
    ``concurrent.futures.Future``)."""
    lost: list[DialingPool] = []
    if where == "caller":
        owner: Any = asyncio.BaseEventLoop
        name = "run_until_complete"
    else:
        owner, name = concurrent.futures.Future, "result"
    original = getattr(owner, name)

    def wait(self: Any, *args: Any, **kwargs: Any) -> Any:
        value = original(self, *args, **kwargs)
        if isinstance(value, DialingPool) and not lost:
            lost.append(value)
            raise KeyboardInterrupt
        return value

    monkeypatch.setattr(owner, name, wait)
    return lost


@pytest.mark.parametrize("where", ["caller", "loop-thread"])
def test_a_blocking_create_interrupted_after_it_finished_is_not_made_twice(
    monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    with (
        BlandEmulator(api_keys=[KEY_A]).in_thread() as emu,
        BlandClient(api_key=KEY_A, base_url=emu.url) as client,
    ):

        def create() -> DialingPool:
            if where == "caller":
                return client.pools.create(INTERRUPTED_NUMBERS)

            async def in_a_running_loop() -> DialingPool:  # as a Jupyter cell would call it
                return client.pools.create(INTERRUPTED_NUMBERS)

            return asyncio.run(in_a_running_loop())

        with monkeypatch.context() as patch:
            lost = interrupt_once_a_pool_is_ready(patch, where)
            with pytest.raises(KeyboardInterrupt):
                create()

        pool = create()

        assert [pool.id] == [p.id for p in lost] == [p["id"] for p in emu.pools(KEY_A)]
        assert posts(emu) == 1


def test_the_bland_blocking_fixtures_serve_a_plain_test(
    bland_blocking_client: BlandClient, bland_emulator_in_thread: BlandEmulator
) -> None:
    emu = bland_emulator_in_thread

    before = bland_blocking_client.pools.list()
    created = bland_blocking_client.pools.create(numbers(1))
    fetched = bland_blocking_client.pools.get(created.id)
    updated = bland_blocking_client.pools.update(created.id, numbers(2))

    assert before == []
    assert fetched == created
    assert (updated.id, updated.phone_numbers) == (created.id, tuple(numbers(2)))
    assert emu.pools() == [pool_json(updated)]
    assert [(r.method, r.path, r.status, r.json) for r in emu.requests] == [
        ("GET", POOLS_PATH, 200, None),
        ("POST", POOLS_PATH, 200, {"phone_numbers": numbers(1)}),
        ("GET", f"{POOLS_PATH}/{created.id}", 200, None),
        ("POST", f"{POOLS_PATH}/{created.id}/update", 200, {"phone_numbers": numbers(2)}),
    ]
    for request in emu.requests:
        assert request.headers["authorization"] == "***"  # the key was sent, and masked
        assert request.headers["user-agent"].startswith("bland-pools/")


def test_the_ghl_blocking_fixtures_serve_a_plain_test(
    ghl_blocking_client: GHLClient, ghl_emulator_in_thread: GHLEmulator
) -> None:
    emu = ghl_emulator_in_thread
    stored = emu.seed_samples()

    page = ghl_blocking_client.pools.list()

    assert page.total == len(stored) == 3
    assert [number_pool_json(p) for p in page.pools] == [with_defaults(s) for s in stored]
    assert emu.pools() == stored  # listing changed nothing
    (request,) = emu.requests
    assert (request.method, request.path, request.query, request.status) == (
        "GET",
        GHL_PATH,
        {"locationId": emu.location_id},
        200,
    )
    assert request.headers["authorization"] == "***"
    assert request.headers["version"] == "2021-07-28"


def test_an_emulator_in_its_own_thread_serves_a_blocking_client_until_the_block_ends() -> None:
    with BlandEmulator(api_keys={KEY_A: [CRED_A]}).in_thread() as emu:
        assert emu.running
        with BlandClient(api_key=KEY_A, base_url=emu.url) as bland:
            pool = bland.pools.create(numbers(3), encrypted_key=CRED_A)
        stored = emu.pools(KEY_A)

    assert stored == [pool_json(pool)]
    assert pool.encrypted_key == CRED_A
    assert [(r.method, r.path, r.status) for r in emu.requests] == [("POST", POOLS_PATH, 200)]
    assert not emu.running

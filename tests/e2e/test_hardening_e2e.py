"""Hardening (issue 9), end to end against the emulators on 127.0.0.1: what a hostile test
found, proven fixed.

- ``close()`` with calls in flight: every one of them raises ``ClientClosedError`` (a
  ``RuntimeError``), none a bare ``CancelledError`` that ``except Exception`` misses and a
  ``TaskGroup`` mistakes for a cancellation; a call its caller cancels still gets
  ``CancelledError``.
- A blocking create interrupted (Ctrl-C) after the loop finished it but before the caller got
  the pool is remembered: the next identical create returns that pool, no second POST.
- ``pools.ensure`` is the cross-process answer: it returns the organization's pool with exactly
  these numbers (any order) and credentials (any case), or creates one, and says which; it
  refuses to pick among identical pools; ``bland-pools create --if-absent`` run twice makes one
  pool.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
from typing import Any

import pytest

import bland_pools
from bland_pools import AsyncBlandClient, BlandClient, DialingPool
from bland_pools._cli import main as bland_pools_main
from bland_pools.testing import BlandEmulator, Fault

from ._support import CRED_A, CRED_A2, KEY_A, POOLS_PATH, numbers

NUMBERS = numbers(901, 3)


async def first_request_arrived(emu: BlandEmulator) -> None:
    """Returns once the emulator received a request (polled; bounded as a safety net)."""
    async with asyncio.timeout(30):
        while not emu.requests:  # noqa: ASYNC110 - the emulator's log offers no event
            await asyncio.sleep(0.01)


def posts(emu: BlandEmulator) -> int:
    return sum(1 for r in emu.requests if r.method == "POST")


# -- 3. close() and the calls in flight ----------------------------------------------------


async def test_close_gives_every_call_in_flight_the_closed_error(bland_emu: BlandEmulator) -> None:
    bland_emu.inject(Fault.SLOW, times=2, slow_seconds=5)
    client = AsyncBlandClient(api_key=KEY_A, base_url=bland_emu.url, max_connections=1)
    sent = asyncio.create_task(client.pools.list())  # holds the only connection
    waiting = asyncio.create_task(client.pools.list())  # waits for it
    await first_request_arrived(bland_emu)

    await client.close()
    outcomes = await asyncio.gather(sent, waiting, return_exceptions=True)

    assert [type(o) for o in outcomes] == [bland_pools.ClientClosedError] * 2, outcomes
    assert all(isinstance(o, RuntimeError) for o in outcomes)
    assert [sent.cancelling(), waiting.cancelling()] == [0, 0]


async def test_close_is_not_a_cancellation_of_a_task_group_waiting_on_a_call(
    bland_emu: BlandEmulator,
) -> None:
    bland_emu.inject(Fault.SLOW, times=2, slow_seconds=5)
    client = AsyncBlandClient(api_key=KEY_A, base_url=bland_emu.url, max_connections=1)
    sent = asyncio.create_task(client.pools.list())  # holds the only connection
    await first_request_arrived(bland_emu)

    async def close_soon() -> None:
        for _ in range(10):  # let the group's call reach the pool's queue
            await asyncio.sleep(0)
        await client.close()

    async def call_in_a_group() -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(client.pools.list())  # waits for the connection
            group.create_task(close_soon())

    with pytest.raises(ExceptionGroup) as caught:
        await call_in_a_group()

    # Before, the call's bare CancelledError was taken for a cancellation and dropped: the
    # group ended as if the call had succeeded.
    assert [type(e) for e in caught.value.exceptions] == [bland_pools.ClientClosedError]
    with pytest.raises(bland_pools.ClientClosedError):
        await sent


async def test_a_call_its_caller_cancels_still_gets_cancelled_error_when_the_client_closes(
    bland_emu: BlandEmulator,
) -> None:
    bland_emu.inject(Fault.SLOW, slow_seconds=5)
    client = AsyncBlandClient(api_key=KEY_A, base_url=bland_emu.url)
    call = asyncio.create_task(client.pools.list())
    await first_request_arrived(bland_emu)

    call.cancel()
    await client.close()

    with pytest.raises(asyncio.CancelledError):
        await call


# -- 4. a blocking create interrupted after it finished ------------------------------------


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
                return client.pools.create(NUMBERS)

            async def in_a_running_loop() -> DialingPool:  # as a Jupyter cell would call it
                return client.pools.create(NUMBERS)

            return asyncio.run(in_a_running_loop())

        with monkeypatch.context() as patch:
            lost = interrupt_once_a_pool_is_ready(patch, where)
            with pytest.raises(KeyboardInterrupt):
                create()

        pool = create()

        assert [pool.id] == [p.id for p in lost] == [p["id"] for p in emu.pools(KEY_A)]
        assert posts(emu) == 1


# -- 5. ensure: the pool with these numbers and credentials, whoever made it ------------------


async def test_ensure_creates_the_pool_when_none_matches(bland_emu: BlandEmulator) -> None:
    async with AsyncBlandClient(api_key=KEY_A, base_url=bland_emu.url) as client:
        ensured = await client.pools.ensure(NUMBERS, encrypted_key=CRED_A)

    assert isinstance(ensured, bland_pools.Ensured)
    assert ensured.created is True
    assert [p["id"] for p in bland_emu.pools(KEY_A)] == [ensured.pool.id]
    assert list(ensured.pool.phone_numbers) == NUMBERS
    assert ensured.pool.encrypted_key == CRED_A


async def test_ensure_returns_the_existing_pool_whatever_the_order_and_the_keys_case(
    bland_emu: BlandEmulator,
) -> None:
    bland_emu.add_pool(KEY_A, numbers(7, 2))  # another pool, not a match
    existing = bland_emu.add_pool(KEY_A, NUMBERS, CRED_A)

    async with AsyncBlandClient(api_key=KEY_A, base_url=bland_emu.url) as client:
        pool, created = await client.pools.ensure(
            list(reversed(NUMBERS)), encrypted_key=CRED_A.upper()
        )

    assert created is False
    assert pool.id == existing["id"]
    assert len(bland_emu.pools(KEY_A)) == 2
    assert [(r.method, r.path) for r in bland_emu.requests] == [("GET", POOLS_PATH)]


async def test_ensure_refuses_to_pick_among_identical_pools(bland_emu: BlandEmulator) -> None:
    first = bland_emu.add_pool(KEY_A, NUMBERS, CRED_A, created_at="2024-01-15T10:30:00Z")
    second = bland_emu.add_pool(KEY_A, NUMBERS, CRED_A, created_at="2024-01-15T10:31:00Z")

    async with AsyncBlandClient(api_key=KEY_A, base_url=bland_emu.url) as client:
        with pytest.raises(bland_pools.DuplicatePoolsError) as caught:
            await client.pools.ensure(NUMBERS, encrypted_key=CRED_A)

    assert caught.value.pool_ids == (first["id"], second["id"])
    assert len(bland_emu.pools(KEY_A)) == 2
    assert posts(bland_emu) == 0


@pytest.mark.parametrize(
    ("stored_numbers", "stored_key"),
    [
        (NUMBERS, CRED_A2),
        (NUMBERS, None),
        (NUMBERS[:2], CRED_A),
        ([*NUMBERS, "+13125550199"], CRED_A),
    ],
    ids=["other-key", "no-key", "subset", "superset"],
)
async def test_ensure_creates_when_only_a_different_pool_exists(
    bland_emu: BlandEmulator, stored_numbers: list[str], stored_key: str | None
) -> None:
    other = bland_emu.add_pool(KEY_A, stored_numbers, stored_key)

    async with AsyncBlandClient(api_key=KEY_A, base_url=bland_emu.url) as client:
        pool, created = await client.pools.ensure(NUMBERS, encrypted_key=CRED_A)

    assert created is True
    assert pool.id != other["id"]
    assert len(bland_emu.pools(KEY_A)) == 2
    assert posts(bland_emu) == 1


async def test_concurrent_identical_ensures_of_one_client_make_one_pool(
    bland_emu: BlandEmulator,
) -> None:
    async with AsyncBlandClient(api_key=KEY_A, base_url=bland_emu.url) as client:
        results = await asyncio.gather(
            client.pools.ensure(NUMBERS, encrypted_key=CRED_A),
            client.pools.ensure(list(reversed(NUMBERS)), encrypted_key=CRED_A),
        )

    assert sorted(created for _, created in results) == [False, True]
    assert len({pool.id for pool, _ in results}) == 1
    assert len(bland_emu.pools(KEY_A)) == 1
    assert posts(bland_emu) == 1


def run_create_if_absent(emu: BlandEmulator, capsys: pytest.CaptureFixture[str]) -> Any:
    """``bland-pools --json create NUMBERS --if-absent`` as a fresh process would run it (a
    new client, nothing remembered); returns its JSON output."""
    argv = ["--base-url", emu.url, "--api-key", KEY_A, "--json", "create", *NUMBERS]
    assert bland_pools_main([*argv, "--if-absent"]) == 0
    return json.loads(capsys.readouterr().out)


def test_create_if_absent_run_twice_makes_one_pool(capsys: pytest.CaptureFixture[str]) -> None:
    with BlandEmulator(api_keys=[KEY_A]).in_thread() as emu:
        first = run_create_if_absent(emu, capsys)
        second = run_create_if_absent(emu, capsys)

        stored = emu.pools(KEY_A)
        assert posts(emu) == 1

    assert first == {"pool": stored[0], "created": True}
    assert second == {"pool": stored[0], "created": False}

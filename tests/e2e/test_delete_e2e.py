"""``pools.delete`` against the emulator on a real socket: the pool is gone afterwards, a second
delete and another organization's pool are ``PoolNotFoundError`` (the other organization's
pool untouched), and the case aiohttp hides from the SDK: the server applies the delete, drops
the kept-alive connection unanswered, aiohttp resends the DELETE on its own, the resend finds
no pool, and the SDK reports success (also with ``max_retries=0``: the resend is aiohttp's)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bland_pools import AsyncBlandClient, BlandClient, PoolNotFoundError
from bland_pools.testing import BlandEmulator, Fault

from ._support import KEY_A, KEY_B, POOLS_PATH, FakeClock, numbers


@pytest.fixture
async def client(bland_emu: BlandEmulator) -> AsyncIterator[AsyncBlandClient]:
    async with AsyncBlandClient(api_key=KEY_A, base_url=bland_emu.url, clock=FakeClock()) as bland:
        yield bland


def deletes(emu: BlandEmulator) -> list[tuple[str, int | None, str | None]]:
    return [(r.path, r.status, r.fault) for r in emu.requests if r.method == "DELETE"]


async def test_delete_removes_the_pool(bland_emu: BlandEmulator, client: AsyncBlandClient) -> None:
    kept = bland_emu.add_pool(KEY_A, numbers(1))
    gone = bland_emu.add_pool(KEY_A, numbers(2))

    assert await client.pools.delete(gone["id"]) is None

    assert bland_emu.pools(KEY_A) == [kept]
    assert [p.id for p in await client.pools.list()] == [kept["id"]]
    assert deletes(bland_emu) == [(f"{POOLS_PATH}/{gone['id']}", 200, None)]


async def test_a_second_delete_is_pool_not_found(
    bland_emu: BlandEmulator, client: AsyncBlandClient
) -> None:
    pool = bland_emu.add_pool(KEY_A, numbers(1))
    await client.pools.delete(pool["id"])

    with pytest.raises(PoolNotFoundError) as caught:
        await client.pools.delete(pool["id"])

    assert caught.value.status == 404
    assert bland_emu.pools(KEY_A) == []
    assert [status for _, status, _ in deletes(bland_emu)] == [200, 404]


async def test_another_organizations_pool_is_not_found_and_untouched(
    bland_emu: BlandEmulator, client: AsyncBlandClient
) -> None:
    theirs = bland_emu.add_pool(KEY_B, numbers(1))

    with pytest.raises(PoolNotFoundError):
        await client.pools.delete(theirs["id"])

    assert bland_emu.pools(KEY_B) == [theirs]
    assert [status for _, status, _ in deletes(bland_emu)] == [404]


async def test_a_delete_created_by_the_sdk_then_deleted(
    bland_emu: BlandEmulator, client: AsyncBlandClient
) -> None:
    pool = await client.pools.create(numbers(7))

    await client.pools.delete(pool.id)

    assert bland_emu.pools(KEY_A) == []
    with pytest.raises(PoolNotFoundError):
        await client.pools.get(pool.id)


@pytest.mark.parametrize("max_retries", [None, 0])
async def test_aiohttps_own_resend_after_a_dropped_answer_is_success(
    bland_emu: BlandEmulator, max_retries: int | None
) -> None:
    kept = bland_emu.add_pool(KEY_A, numbers(1))
    pool = bland_emu.add_pool(KEY_A, numbers(2))
    async with AsyncBlandClient(
        api_key=KEY_A, base_url=bland_emu.url, clock=FakeClock(), max_retries=max_retries
    ) as client:
        await client.pools.list()  # a kept-alive connection for the DELETE to reuse
        bland_emu.inject(Fault.DROP_AFTER, method="DELETE")

        assert await client.pools.delete(pool["id"]) is None

    path = f"{POOLS_PATH}/{pool['id']}"
    # Applied, dropped unanswered; then aiohttp's resend (not the SDK's retry) found nothing.
    assert deletes(bland_emu) == [(path, None, "drop_after"), (path, 404, None)]
    assert bland_emu.pools(KEY_A) == [kept]


async def test_a_dropped_delete_whose_resend_is_dropped_too_is_retried_by_the_sdk(
    bland_emu: BlandEmulator, client: AsyncBlandClient
) -> None:
    pool = bland_emu.add_pool(KEY_A, numbers(1))
    await client.pools.list()
    bland_emu.inject(Fault.DROP_AFTER, method="DELETE")
    bland_emu.inject(Fault.DROP_BEFORE, method="DELETE")

    assert await client.pools.delete(pool["id"]) is None

    assert [(status, fault) for _, status, fault in deletes(bland_emu)] == [
        (None, "drop_after"),
        (None, "drop_before"),
        (404, None),
    ]
    assert bland_emu.pools(KEY_A) == []


async def test_a_delete_of_a_missing_pool_on_a_kept_alive_connection_is_still_an_error(
    bland_emu: BlandEmulator, client: AsyncBlandClient
) -> None:
    # The counterpart of the resend case: nothing was dropped, so "not found" stands.
    pool = bland_emu.add_pool(KEY_A, numbers(1))
    await client.pools.list()
    await client.pools.delete(pool["id"])

    with pytest.raises(PoolNotFoundError):
        await client.pools.delete(pool["id"])


def test_the_blocking_client_deletes_too() -> None:
    with BlandEmulator(api_keys=[KEY_A]).in_thread() as emu:
        pool = emu.add_pool(KEY_A, numbers(1))
        with BlandClient(api_key=KEY_A, base_url=emu.url, clock=FakeClock()) as bland:
            bland.pools.delete(pool["id"])
            with pytest.raises(PoolNotFoundError):
                bland.pools.delete(pool["id"])
        assert emu.pools(KEY_A) == []

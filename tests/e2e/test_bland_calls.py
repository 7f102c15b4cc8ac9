"""Every Bland call end to end: what comes back is exactly what the emulator stores, what goes
out is the documented request, and one organization never sees another's pools."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import aiohttp
import pytest

import bland_pools
from bland_pools import AsyncBlandClient, DialingPool
from bland_pools.testing import BlandEmulator

from ._support import (
    CRED_A,
    CRED_A2,
    CRED_B,
    KEY_A,
    KEY_B,
    POOLS_PATH,
    numbers,
    pool_json,
)


@pytest.fixture
async def client_a(bland_emu: BlandEmulator) -> AsyncIterator[AsyncBlandClient]:
    async with AsyncBlandClient(api_key=KEY_A, base_url=bland_emu.url) as client:
        yield client


@pytest.fixture
async def client_b(bland_emu: BlandEmulator) -> AsyncIterator[AsyncBlandClient]:
    async with AsyncBlandClient(api_key=KEY_B, base_url=bland_emu.url) as client:
        yield client


def assert_is_stored(pool: DialingPool, stored: dict[str, object]) -> None:
    """The model holds exactly the stored pool: every field, and the raw JSON."""
    assert pool_json(pool) == stored
    assert pool.raw == stored
    assert pool.created_at.tzinfo is not None


async def test_list_returns_every_stored_pool_in_creation_order(
    bland_emu: BlandEmulator, client_a: AsyncBlandClient
) -> None:
    samples = bland_emu.seed_samples(KEY_A)
    extra = bland_emu.add_pool(KEY_A, numbers(1, 4), CRED_A2)

    pools = await client_a.pools.list()

    assert [pool_json(p) for p in pools] == [*samples, extra] == bland_emu.pools(KEY_A)
    assert [p.raw for p in pools] == bland_emu.pools(KEY_A)
    (request,) = bland_emu.requests
    assert (request.method, request.path, request.query, request.json) == (
        "GET",
        POOLS_PATH,
        {},
        None,
    )
    assert request.headers["authorization"] == "***"  # sent (the log masks it)


async def test_list_of_an_organization_without_pools_is_empty(
    client_a: AsyncBlandClient,
) -> None:
    assert await client_a.pools.list() == []


async def test_get_returns_the_stored_pool(
    bland_emu: BlandEmulator, client_a: AsyncBlandClient
) -> None:
    first, second, _ = bland_emu.seed_samples(KEY_A)

    assert_is_stored(await client_a.pools.get(first["id"]), first)
    assert_is_stored(await client_a.pools.get(second["id"]), second)
    assert [r.path for r in bland_emu.requests] == [
        f"{POOLS_PATH}/{first['id']}",
        f"{POOLS_PATH}/{second['id']}",
    ]


async def test_get_accepts_an_upper_case_id(
    bland_emu: BlandEmulator, client_a: AsyncBlandClient
) -> None:
    stored = bland_emu.add_pool(KEY_A, numbers(2))

    pool = await client_a.pools.get(stored["id"].upper())

    assert_is_stored(pool, stored)


async def test_create_stores_the_numbers_and_returns_the_stored_pool(
    bland_emu: BlandEmulator, client_a: AsyncBlandClient
) -> None:
    wanted = numbers(3, 3)

    pool = await client_a.pools.create(wanted)

    (stored,) = bland_emu.pools(KEY_A)
    assert_is_stored(pool, stored)
    assert stored["phone_numbers"] == wanted
    assert stored["encrypted_key"] is None
    assert stored["owner_id"] == bland_emu.owner_id(KEY_A)
    (request,) = bland_emu.requests
    assert (request.method, request.path) == ("POST", POOLS_PATH)
    assert request.json == {"phone_numbers": wanted}  # no key sent when none is given
    assert request.headers["content-type"] == "application/json"


async def test_create_with_credentials_ties_them_to_the_pool(
    bland_emu: BlandEmulator, client_a: AsyncBlandClient
) -> None:
    pool = await client_a.pools.create(numbers(4), encrypted_key=CRED_A)

    (stored,) = bland_emu.pools(KEY_A)
    assert_is_stored(pool, stored)
    assert stored["encrypted_key"] == CRED_A
    assert bland_emu.requests[0].json == {"phone_numbers": numbers(4), "encrypted_key": CRED_A}


async def test_the_docs_own_example_numbers_are_accepted(
    bland_emu: BlandEmulator, client_a: AsyncBlandClient
) -> None:
    docs_numbers = ["+12345678901", "+19876543210", "+15551234567", "+17775551234"]

    pool = await client_a.pools.create(docs_numbers, encrypted_key=CRED_A)

    assert pool.phone_numbers == tuple(docs_numbers)
    assert bland_emu.pools(KEY_A)[0]["phone_numbers"] == docs_numbers


async def test_update_without_a_key_replaces_the_numbers_and_keeps_the_key(
    bland_emu: BlandEmulator, client_a: AsyncBlandClient
) -> None:
    created = bland_emu.add_pool(KEY_A, numbers(5, 3), CRED_A)

    pool = await client_a.pools.update(created["id"], numbers(6, 1))

    (stored,) = bland_emu.pools(KEY_A)
    assert_is_stored(pool, stored)
    assert stored == {**created, "phone_numbers": numbers(6, 1)}  # full replace, key kept
    (request,) = bland_emu.requests
    assert (request.method, request.path) == ("POST", f"{POOLS_PATH}/{created['id']}/update")
    assert request.json == {"phone_numbers": numbers(6, 1)}  # no encrypted_key at all


async def test_update_with_none_removes_the_key(
    bland_emu: BlandEmulator, client_a: AsyncBlandClient
) -> None:
    created = bland_emu.add_pool(KEY_A, numbers(7), CRED_A)

    pool = await client_a.pools.update(created["id"], numbers(7), encrypted_key=None)

    (stored,) = bland_emu.pools(KEY_A)
    assert_is_stored(pool, stored)
    assert stored["encrypted_key"] is None
    assert bland_emu.requests[0].json == {"phone_numbers": numbers(7), "encrypted_key": None}


async def test_update_with_a_key_sets_it(
    bland_emu: BlandEmulator, client_a: AsyncBlandClient
) -> None:
    created = bland_emu.add_pool(KEY_A, numbers(8))

    pool = await client_a.pools.update(created["id"], numbers(9), encrypted_key=CRED_A2)

    (stored,) = bland_emu.pools(KEY_A)
    assert_is_stored(pool, stored)
    assert (stored["encrypted_key"], stored["phone_numbers"]) == (CRED_A2, numbers(9))


async def test_a_full_cycle_reads_back_what_it_wrote(
    bland_emu: BlandEmulator, client_a: AsyncBlandClient
) -> None:
    created = await client_a.pools.create(numbers(10), encrypted_key=CRED_A)
    kept = await client_a.pools.update(created.id, numbers(11))
    removed = await client_a.pools.update(created.id, numbers(12), encrypted_key=None)

    assert kept.encrypted_key == CRED_A
    assert (removed.phone_numbers, removed.encrypted_key) == (tuple(numbers(12)), None)
    assert removed.created_at == created.created_at
    assert await client_a.pools.get(created.id) == removed
    assert await client_a.pools.list() == [removed]
    assert [pool_json(removed)] == bland_emu.pools(KEY_A)


# -- tenancy ----------------------------------------------------------------------------------


async def test_another_organization_cannot_get_a_pool(
    bland_emu: BlandEmulator, client_b: AsyncBlandClient
) -> None:
    theirs = bland_emu.add_pool(KEY_A, numbers(20), CRED_A)

    with pytest.raises(bland_pools.PoolNotFoundError) as caught:
        await client_b.pools.get(theirs["id"])

    assert (caught.value.status, caught.value.code) == (404, "POOL_NOT_FOUND")


async def test_another_organization_cannot_update_a_pool(
    bland_emu: BlandEmulator, client_b: AsyncBlandClient
) -> None:
    theirs = bland_emu.add_pool(KEY_A, numbers(21), CRED_A)

    with pytest.raises(bland_pools.PoolNotFoundError) as caught:
        await client_b.pools.update(theirs["id"], numbers(22), encrypted_key=None)

    assert (caught.value.status, caught.value.code) == (404, "POOL_NOT_FOUND")
    assert bland_emu.pools(KEY_A) == [theirs]  # untouched
    assert bland_emu.pools(KEY_B) == []


async def test_each_organization_lists_only_its_own_pools(
    bland_emu: BlandEmulator, client_a: AsyncBlandClient, client_b: AsyncBlandClient
) -> None:
    mine_a = await client_a.pools.create(numbers(23))
    mine_b = await client_b.pools.create(numbers(24), encrypted_key=CRED_B)

    assert await client_a.pools.list() == [mine_a]
    assert await client_b.pools.list() == [mine_b]
    assert mine_a.owner_id == bland_emu.owner_id(KEY_A) != mine_b.owner_id


async def test_credentials_of_another_organization_are_refused(
    bland_emu: BlandEmulator, client_a: AsyncBlandClient
) -> None:
    with pytest.raises(bland_pools.InvalidCredentialsError) as caught:
        await client_a.pools.create(numbers(25), encrypted_key=CRED_B)

    assert (caught.value.status, caught.value.code) == (400, "INVALID_CREDENTIALS")
    assert bland_emu.pools(KEY_A) == []
    assert bland_emu.pools(KEY_B) == []


async def test_a_callers_session_with_raise_for_status_still_gets_typed_errors(
    bland_emu: BlandEmulator,
) -> None:
    async with (
        aiohttp.ClientSession(raise_for_status=True) as session,
        AsyncBlandClient(api_key=KEY_A, base_url=bland_emu.url, session=session) as client,
    ):
        with pytest.raises(bland_pools.PoolNotFoundError):
            await client.pools.get(str(uuid.uuid4()))
        with pytest.raises(bland_pools.InvalidCredentialsError):
            await client.pools.create(numbers(7), encrypted_key=str(uuid.uuid4()))

    # Each refused once: not mistaken for a dropped connection and retried.
    assert [(r.method, r.status) for r in bland_emu.requests] == [("GET", 404), ("POST", 400)]

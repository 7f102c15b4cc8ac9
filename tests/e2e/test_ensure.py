"""``pools.ensure`` end to end, the cross-process answer: it returns the organization's pool with
exactly these numbers (any order) and credentials (any case), or creates one, and says which;
it refuses to pick among identical pools; ``bland-pools create --if-absent`` run twice makes
one pool."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

import bland_pools
from bland_pools import AsyncBlandClient
from bland_pools._cli import main as bland_pools_main
from bland_pools.testing import BlandEmulator

from ._support import CRED_A, CRED_A2, KEY_A, POOLS_PATH, numbers, posts

NUMBERS = numbers(901, 3)


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

"""The engine lists the organization's pools in a lean form of its own (no ``raw`` JSON per
pool): whatever the server sends, it plans exactly as from ``client.pools.list()``'s pools,
and a listing that method refuses is refused by the engine with the same error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aioresponses import aioresponses

from bland_pools import AsyncBlandClient, BlandError
from bland_pools.provision import SQLiteManifest, desired_from, make_plan, provision

from ._support import NUMBERS, OWNER_ID, POOL_ID, POOLS_URL, envelope, pool_json

OTHER = "550e8400-e29b-41d4-a716-44665544aaaa"
DESIRED = {"west": NUMBERS, "east": ["+12025550101"], "north": ["+12025550102"]}


def _pool(**changes: Any) -> dict[str, Any]:
    return pool_json() | changes


USABLE: dict[str, list[Any]] = {
    "the docs' pool": [pool_json()],
    "an upper-case id, numbers in another order": [
        _pool(id=POOL_ID.upper(), phone_numbers=NUMBERS[::-1])
    ],
    "a timestamp without an offset, and with stray spaces": [
        _pool(created_at="2024-01-15T10:30:00"),
        _pool(id=OTHER, phone_numbers=["+12025550101"], created_at=" 2024-01-15T10:30:00Z "),
    ],
    "fields this version does not model, one an object like a pool": [
        _pool(label={"id": OTHER, "phone_numbers": ["+12025550102"]}, extra=[1, 2])
    ],
    "no encrypted_key field": [{k: v for k, v in pool_json().items() if k != "encrypted_key"}],
    "two identical pools, the later one first": [
        _pool(id=OTHER, created_at="2024-02-01T00:00:00Z"),
        pool_json(),
    ],
    "a number that is not a string (the SDK's converter decides)": [
        _pool(phone_numbers=[12345678901])
    ],
    "an id that is a number (the SDK's converter decides)": [_pool(id=7)],
    "none": [],
}

REFUSED: dict[str, Any] = {
    "numbers as one string": envelope([_pool(phone_numbers="+12345678901")]),
    "no created_at": envelope([{k: v for k, v in pool_json().items() if k != "created_at"}]),
    "an unreadable created_at": envelope([_pool(created_at="yesterday")]),
    "data that is not a list": envelope({"pools": []}),
    "an error envelope": {"status": "error", "data": None, "errors": [{"error": "X"}]},
}


def _client() -> AsyncBlandClient:
    return AsyncBlandClient(api_key="sk-test-listing-1", max_retries=0)


@pytest.mark.parametrize("pools", USABLE.values(), ids=USABLE.keys())
async def test_the_plan_is_the_one_the_sdks_pools_make(
    mock_http: aioresponses, tmp_path: Path, pools: list[Any]
) -> None:
    mock_http.get(POOLS_URL, payload=envelope(pools), repeat=True)
    async with _client() as bland:
        expected = make_plan(desired_from(DESIRED), {}, await bland.pools.list())  # models
        report = await provision(DESIRED, manifest=tmp_path / "m.db", client=bland, dry_run=True)
    assert report.plan == expected
    assert report.plan.changes_dict() == expected.changes_dict()


@pytest.mark.parametrize("body", REFUSED.values(), ids=REFUSED.keys())
async def test_a_listing_the_sdk_refuses_is_refused_alike(
    mock_http: aioresponses, tmp_path: Path, body: Any
) -> None:
    mock_http.get(POOLS_URL, payload=body, repeat=True)
    async with _client() as bland:
        with pytest.raises(BlandError) as listed:
            await bland.pools.list()
        with pytest.raises(type(listed.value)) as engine:
            await provision(DESIRED, manifest=tmp_path / "m.db", client=bland)
    assert str(engine.value) == str(listed.value)


async def test_an_organization_is_recorded_from_the_lean_listing(
    mock_http: aioresponses, tmp_path: Path
) -> None:
    """The organization a manifest belongs to is still learnt from the listed pools."""
    mock_http.get(POOLS_URL, payload=envelope([pool_json(key=None)]), repeat=True)
    async with _client() as bland:
        first = await provision({"west": NUMBERS}, manifest=tmp_path / "m.db", client=bland)
        again = await provision({"west": NUMBERS}, manifest=tmp_path / "m.db", client=bland)
    assert [(r.outcome, r.pool_id) for r in first.results] == [("adopted", POOL_ID)]
    assert [(r.outcome, r.pool_id) for r in again.results] == [("unchanged", POOL_ID)]
    with SQLiteManifest(tmp_path / "m.db", read_only=True) as store:
        assert store.meta("owner_id") == OWNER_ID

"""``Model.raw`` is frozen once, on first use, and kept: the same read-only object on every
access (no deep copy each time), at every level of a model, with equality, ``to_dict`` /
``from_dict``, copies and pickling as before."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

from bland_pools import DialingPool
from bland_pools._protocol import CONVERTER as BLAND
from ghl_pools import NumberPool
from ghl_pools._protocol import CONVERTER as GHL

from ._support import fixture_json, pool_json


def _ghl_pool() -> NumberPool:
    return GHL.structure(fixture_json("ghl/list_success.json")["data"][0], NumberPool)


def test_raw_is_the_same_object_on_every_access() -> None:
    pool = BLAND.structure(pool_json(), DialingPool)

    first = pool.raw

    assert pool.raw is first
    assert first == pool_json()


def test_nested_models_keep_their_own_raw_too() -> None:
    pool = _ghl_pool()

    assert pool.raw is pool.raw
    assert pool.numbers[0].raw is pool.numbers[0].raw
    assert pool.inbound_call_service is not None
    assert pool.inbound_call_service.raw is pool.inbound_call_service.raw


def test_the_kept_raw_is_still_read_only() -> None:
    pool = BLAND.structure(pool_json(), DialingPool)
    kept = pool.raw

    with pytest.raises(TypeError, match="read-only"):
        pool.raw["id"] = "x"  # type: ignore[index]
    with pytest.raises(TypeError, match="read-only"):
        pool.raw["phone_numbers"].append("+12345678901")

    assert pool.raw is kept
    assert kept == pool_json()


def test_a_model_built_by_hand_keeps_its_empty_raw() -> None:
    pool = BLAND.structure(pool_json(), DialingPool)
    by_hand = DialingPool(
        id=pool.id,
        owner_id=pool.owner_id,
        phone_numbers=pool.phone_numbers,
        encrypted_key=pool.encrypted_key,
        created_at=pool.created_at,
    )

    assert by_hand.raw == {}
    assert by_hand.raw is by_hand.raw


@pytest.mark.parametrize("read_first", [False, True])
def test_equality_dicts_copies_and_pickles_do_not_depend_on_raw_being_read(
    read_first: bool,
) -> None:
    pool = _ghl_pool()
    other = _ghl_pool()
    if read_first:
        pool.raw  # noqa: B018

    assert pool == other
    assert pool.to_dict() == other.to_dict()
    assert NumberPool.from_dict(pool.to_dict()) == pool
    for twin in (pickle.loads(pickle.dumps(pool)), copy.deepcopy(pool), copy.copy(pool)):
        assert twin == pool
        assert twin.raw == pool.raw
        assert twin.raw is twin.raw
    restored: Any = pickle.loads(pickle.dumps(pool.raw))
    assert type(restored) is dict  # a copy of raw is a plain dict to change

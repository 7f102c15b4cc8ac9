"""The organization's pools as the engine holds them: only what a plan needs.

A run lists every pool of the organization (one request). As :class:`DialingPool` models,
each keeping the server's JSON in ``raw``, 100,000 pools were a hundred megabytes: more
than the rest of a re-run together. :func:`decode_listing` builds a small
:class:`ListedPool` per pool instead, straight from the JSON decoder (its ``object_hook``:
no dict is kept per pool), and hands anything it does not recognize exactly (an error
envelope, a field of another type, a timestamp it cannot read) to the SDK's own decoder, so
the answer and the errors are the same as ``client.pools.list()``'s.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Final, Protocol

from bland_pools._models import DialingPool
from bland_pools._protocol import decode_pools
from pools_core._protocol import Response

__all__ = ["ListedPool", "PoolLike", "decode_listing", "low"]


class PoolLike(Protocol):
    """What the engine and :func:`make_plan` read of a pool: a :class:`DialingPool` has it."""

    @property
    def id(self) -> str: ...

    @property
    def owner_id(self) -> str: ...

    @property
    def phone_numbers(self) -> tuple[str, ...]: ...

    @property
    def encrypted_key(self) -> str | None: ...

    @property
    def created_at(self) -> datetime: ...


class ListedPool:
    """One listed pool, without the server's JSON."""

    __slots__ = ("created_at", "encrypted_key", "id", "owner_id", "phone_numbers")

    def __init__(
        self,
        id: str,
        owner_id: str,
        phone_numbers: tuple[str, ...],
        encrypted_key: str | None,
        created_at: datetime,
    ) -> None:
        self.id = id
        self.owner_id = owner_id
        self.phone_numbers = phone_numbers
        self.encrypted_key = encrypted_key
        self.created_at = created_at


class _Unusual(Exception):
    """A pool this decoder does not read exactly as the SDK's converter: it reads them all."""


def low(text: str) -> str:
    """``text.lower()``, without a copy when it is lowercase already (a server's UUIDs)."""
    return text if text.islower() else text.lower()


_NEEDED: Final = frozenset({"id", "phone_numbers"})


def decode_listing(response: Response) -> list[PoolLike]:
    """The pools of a ``GET /v1/custom-dialing-pools`` answer, lean; or what
    :func:`decode_pools` makes of it (the same pools, or its error) when it is unusual."""
    owners: dict[str, str] = {}  # one string per organization, not one per pool

    def pool(item: dict[str, Any]) -> Any:
        if not item.keys() >= _NEEDED:
            return item  # the envelope, an error, an object of a field of a pool
        pool_id, owner = item["id"], item.get("owner_id")
        numbers, key, created = (
            item["phone_numbers"],
            item.get("encrypted_key"),
            item.get("created_at"),
        )
        if (
            type(pool_id) is not str
            or type(owner) is not str
            or type(numbers) is not list
            or not (key is None or type(key) is str)
            or type(created) is not str
        ):
            raise _Unusual
        "".join(numbers)  # a TypeError unless every number is a string (one C call)
        try:
            when = datetime.fromisoformat(created)
        except ValueError:
            raise _Unusual from None
        return ListedPool(
            pool_id,
            owners.setdefault(owner, owner),
            tuple(numbers),
            key,
            when if when.tzinfo is not None else when.replace(tzinfo=UTC),
        )

    if 200 <= response.status < 300 and response.body[:1] == b"{":
        try:
            payload = json.loads(response.body, object_hook=pool)
        except (ValueError, TypeError, RecursionError, _Unusual):
            payload = None
        if (
            type(payload) is dict
            and payload.get("status") != "error"
            and type(data := payload.get("data")) is list
            and all(type(item) is ListedPool for item in data)
        ):
            return data
    pools: list[DialingPool] = decode_pools(response)  # the error, or the unusual pools
    return list(pools)

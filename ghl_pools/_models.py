"""GoHighLevel's number-pool models. Every field is optional, as in GoHighLevel's published
OpenAPI (``NumberPoolDto``): a missing key decodes to ``None``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from pools_core._convert import raw_field

__all__ = ["InboundCallService", "NumberPool", "NumberPoolPage", "PoolNumber"]


@attrs.frozen(kw_only=True)
class PoolNumber:
    """A number of a pool: ``phone_number`` in E.164 (``+14155552671``) and its label."""

    phone_number: str | None = None
    friendly_name: str | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class InboundCallService:
    """What answers inbound calls: ``type`` (e.g. ``"voice_ai"``; kept as sent, unknown values
    included) and ``value`` (the service's id)."""

    type: str | None = None
    value: str | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class NumberPool:
    """A GoHighLevel number pool; ``raw`` holds the server's JSON object as received."""

    id: str | None = None
    name: str | None = None
    location_id: str | None = None
    numbers: tuple[PoolNumber, ...] = ()
    forwarding_number: str | None = None
    whisper: bool | None = None
    whisper_message: str | None = None
    call_recording: bool | None = None
    is_active: bool | None = None
    inbound_call_service: InboundCallService | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class NumberPoolPage:
    """The answer of ``pools.list``: the pools, and ``total`` as the server stated it (which may
    differ from ``len(pools)``; when the server omits it, it is ``len(pools)``).

    Iterating a page iterates its pools.
    """

    pools: tuple[NumberPool, ...]
    total: int
    raw: Mapping[str, Any] = raw_field()

    def __iter__(self) -> Iterator[NumberPool]:
        return iter(self.pools)

    def __len__(self) -> int:
        return len(self.pools)

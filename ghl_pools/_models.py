"""GoHighLevel's number-pool models. Every field is optional, as in GoHighLevel's published
OpenAPI (``NumberPoolDto``): a missing key decodes to ``None``. On the wire the keys are
camelCase (``locationId``); in Python, ``to_dict()`` and ``from_dict()`` they are snake_case."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, overload

import attrs

from pools_core._convert import Model, camel_case, raw_field

__all__ = ["InboundCallService", "NumberPool", "NumberPoolPage", "PoolNumber"]


class _GHLModel(Model):
    __slots__ = ()
    __wire_names__: ClassVar[Callable[[str], str]] = staticmethod(camel_case)


@attrs.frozen(kw_only=True)
class PoolNumber(_GHLModel):
    """A number of a pool: ``phone_number`` in E.164 (``+14155552671``) and its label."""

    phone_number: str | None = None
    friendly_name: str | None = None
    _raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class InboundCallService(_GHLModel):
    """What answers inbound calls: ``type`` (e.g. ``"voice_ai"``; kept as sent, unknown values
    included) and ``value`` (the service's id)."""

    type: str | None = None
    value: str | None = None
    _raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class NumberPool(_GHLModel):
    """A GoHighLevel number pool; ``raw`` holds the server's JSON object as received
    (read-only), ``to_dict()`` a JSON-ready dict in snake_case."""

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
    _raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class NumberPoolPage(_GHLModel, Sequence[NumberPool]):
    """The answer of ``pools.list``: the pools, and ``total`` as the server stated it (which may
    differ from ``len(pools)``; when the server omits it, it is ``len(pools)``).

    A page is a sequence of its pools: ``page[0]``, ``page[-2:]``, ``len(page)``, ``for pool
    in page``, ``pool in page``. ``to_dict()`` gives ``{"pools": [...], "total": n}``.
    """

    pools: tuple[NumberPool, ...]
    total: int
    _raw: Mapping[str, Any] = raw_field()

    @overload
    def __getitem__(self, index: int) -> NumberPool: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[NumberPool, ...]: ...

    def __getitem__(self, index: int | slice) -> NumberPool | tuple[NumberPool, ...]:
        return self.pools[index]

    def __iter__(self) -> Iterator[NumberPool]:
        return iter(self.pools)

    def __len__(self) -> int:
        return len(self.pools)

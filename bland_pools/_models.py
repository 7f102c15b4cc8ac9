"""Bland's pool model."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from pools_core._convert import Model, raw_field

__all__ = ["DialingPool"]


@attrs.frozen(kw_only=True)
class DialingPool(Model):
    """A custom dialing pool.

    Attributes:
        id: the pool's UUID; use it on a call as ``"custom_dialing": pool.id``.
        owner_id: the organization that owns the pool.
        phone_numbers: the pool's numbers, ``+1`` and ten digits each.
        encrypted_key: the UUID of the pool's Twilio credentials, or ``None``.
        created_at: when the pool was created (timezone-aware).
        raw: the server's JSON object as received (read-only), for fields this version does
            not model.

    ``pool.to_dict()`` is a JSON-ready dict (``created_at`` as ISO 8601 text) and
    ``DialingPool.from_dict(d)`` the model again.
    """

    id: str
    owner_id: str
    phone_numbers: tuple[str, ...]
    encrypted_key: str | None = None
    created_at: datetime
    _raw: Mapping[str, Any] = raw_field()

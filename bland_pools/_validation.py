"""Bland's documented input rules, checked before anything is sent.

The rules mirror the docs exactly and are no stricter: a pool id and an ``encrypted_key`` are
UUIDs in the documented 8-4-4-4-12 hex form (any version, either case); a phone number is
exactly 12 characters, ``+1`` followed by 10 ASCII digits (the docs' own ``+15551234567``
passes). Beyond the docs, a pool needs at least one number and may not list one twice.

The calls send exactly what they are given, or refuse it; :func:`normalize_phone_number`
turns everyday US formats (``(555) 123-4567``) into Bland's, and a refusal suggests it.
(The emulator keeps its own copy of these rules, so the two can disagree in a test.)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any, Final

from pools_core._phone import normalize_phone_number

from ._exceptions import InvalidCredentialsError, InvalidPhoneNumbersError, InvalidPoolIdError

__all__ = [
    "MSG_INVALID_CREDENTIALS",
    "MSG_INVALID_PHONE_NUMBERS",
    "MSG_INVALID_POOL_ID",
    "RESOURCE_NAMES",
    "check_encrypted_key",
    "check_phone_numbers",
    "check_pool_id",
    "is_phone_number",
    "is_uuid",
    "normalize_phone_number",
]

#: The resource's two names (api-notes, "the same resource under a newer name"): the seeds'
#: ``custom-dialing-pools`` and the current docs' ``geospatial-dialing-pools``, with the same
#: headers, bodies and envelopes. The first is the default.
RESOURCE_NAMES: Final = ("custom-dialing-pools", "geospatial-dialing-pools")

# The server's own messages (docs: "Error Response" examples).
MSG_INVALID_POOL_ID: Final = "Pool ID must be a valid UUID"
MSG_INVALID_PHONE_NUMBERS: Final = "All phone numbers must be valid US numbers with +1 prefix"
MSG_INVALID_CREDENTIALS: Final = "Twilio credentials not found or do not belong to your account"

# [0-9], not \d: \d matches Arabic-Indic and other Unicode digits.
_UUID: Final = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
_PHONE: Final = re.compile(r"\+1[0-9]{10}")


def is_uuid(value: object) -> bool:
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


def is_phone_number(value: object) -> bool:
    return isinstance(value, str) and _PHONE.fullmatch(value) is not None


def _suggestion(number: object) -> str:
    try:
        return f" (did you mean {normalize_phone_number(number)!r}?)"
    except ValueError:
        return ""


def check_pool_id(pool_id: Any) -> str:
    """The pool id, or :class:`InvalidPoolIdError` naming it. A valid id cannot change the
    request path (no ``/``, ``..``, ``?`` or ``%``)."""
    if not isinstance(pool_id, str) or _UUID.fullmatch(pool_id) is None:  # is_uuid, inlined
        raise InvalidPoolIdError(
            f"{MSG_INVALID_POOL_ID} (8-4-4-4-12 hex digits), got {pool_id!r:.80}",
            code="INVALID_POOL_ID",
        )
    return str(pool_id)


def check_phone_numbers(numbers: Any) -> list[str]:
    """The numbers as a list, or :class:`InvalidPhoneNumbersError` naming every bad one."""
    if isinstance(numbers, str | bytes) or not isinstance(numbers, Iterable):
        raise InvalidPhoneNumbersError(
            f"phone_numbers must be a list of strings like '+12345678901', got {numbers!r:.80}",
            code="INVALID_PHONE_NUMBERS",
        )
    result = list(numbers)
    if not result:
        raise InvalidPhoneNumbersError(
            "phone_numbers is empty; a pool needs at least one number",
            code="INVALID_PHONE_NUMBERS",
        )
    match = _PHONE.fullmatch
    if all(n.__class__ is str and match(n) for n in result) and len(set(result)) == len(result):
        return result  # the common case, checked in one pass; the rest explains a failure
    bad = [
        f"{n!r:.40} at index {i}{_suggestion(n)}"
        for i, n in enumerate(result)
        if not is_phone_number(n)
    ]
    if bad:
        shown = ", ".join(bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise InvalidPhoneNumbersError(
            f"{MSG_INVALID_PHONE_NUMBERS} (exactly '+1' and 10 digits): {shown}; "
            "bland_pools.normalize_phone_number() turns everyday US formats into this one",
            code="INVALID_PHONE_NUMBERS",
        )
    repeated = sorted(n for n, count in Counter(result).items() if count > 1)
    if repeated:
        raise InvalidPhoneNumbersError(
            f"phone_numbers lists a number more than once: {', '.join(repeated)}",
            code="INVALID_PHONE_NUMBERS",
        )
    return result


def check_encrypted_key(key: Any) -> str | None:
    """``None``, or a UUID; otherwise :class:`InvalidCredentialsError` naming the value."""
    if key is None:
        return None
    if not is_uuid(key):
        raise InvalidCredentialsError(
            "encrypted_key must be the UUID of Twilio credentials of your account "
            f"(or None), got {key!r:.80}",
            code="INVALID_CREDENTIALS",
        )
    return str(key)

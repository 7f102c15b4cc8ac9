"""North American (+1) phone numbers written the everyday way, in one form: ``+1`` and ten
digits. Shared by Bland's input rules (``bland_pools.normalize_phone_number``), provisioning
input and the coverage analysis."""

from __future__ import annotations

import re
from typing import Final

__all__ = ["normalize_phone_number"]

_PHONE: Final = re.compile(r"\+1[0-9]{10}")

# Spaces of any kind (a spreadsheet's no-break space too), dashes, dots and parentheses.
_SEPARATORS: Final = frozenset(" -.()\u2010\u2011\u2012\u2013\u2212")
_ASCII_DIGITS: Final = frozenset("0123456789")


def normalize_phone_number(number: object) -> str:
    """A US number written the everyday way, in Bland's form: ``+1`` and ten digits.

    Takes spaces (a no-break space too), dashes, dots and parentheses as separators, a
    leading ``1`` or ``+1``, a missing ``+1``, and surrounding white space (a CSV cell):
    ``"(555) 123-4567"``,
    ``"555.123.4567"``, ``"1 555 123 4567"`` and ``" +1 555-123-4567"`` all give
    ``"+15551234567"``.

    Raises:
        ValueError: not a string, letters or other characters, a country code other than
            ``+1``, or not ten digits after it; the message names the value.
    """
    if number.__class__ is str and _PHONE.fullmatch(number):
        return number  # already in Bland's form
    if not isinstance(number, str):
        raise ValueError(f"a phone number must be a string, got {number!r:.80}")
    text = number.strip()
    international = text.startswith("+")
    body = text[1:] if international else text
    strange = list(
        dict.fromkeys(
            c for c in body if c not in _SEPARATORS and c not in _ASCII_DIGITS and not c.isspace()
        )
    )
    if strange or not body:
        what = "is empty" if not body else f"has characters other than digits: {''.join(strange)!r}"
        raise ValueError(f"phone number {number!r:.80} {what}")
    digits = "".join(c for c in body if c in _ASCII_DIGITS)
    if international:
        if not digits.startswith("1"):
            raise ValueError(
                f"phone number {number!r:.80} is not a US number: only +1 numbers are taken"
            )
        national = digits[1:]
    elif len(digits) == 11 and digits.startswith("1"):
        national = digits[1:]
    else:
        national = digits
    if len(national) != 10:
        # Name the country code only when the input has one (+1).
        after = " after the country code +1" if international else ""
        raise ValueError(
            f"phone number {number!r:.80} has {len(national)} digits{after}; a US number has 10"
        )
    return "+1" + national

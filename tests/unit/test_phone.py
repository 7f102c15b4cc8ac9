"""``normalize_phone_number`` (``pools_core/_phone.py``): everyday US formats become Bland's
``+1`` and ten digits, on examples and as Hypothesis properties (any style, idempotent), and
what it cannot map is refused naming the value. What the SDK's calls say about such numbers
is in tests/e2e/test_bland_errors.py and test_input_messages.py."""

from __future__ import annotations

import re
import string
from collections.abc import Callable

import pytest
from hypothesis import given, settings, strategies as st

from bland_pools import normalize_phone_number


@pytest.mark.parametrize(
    ("written", "normalized"),
    [
        ("555-123-4567", "+15551234567"),
        ("(555) 123-4567", "+15551234567"),
        ("5551234567", "+15551234567"),
        ("12345678901", "+12345678901"),
        (" +12345678901", "+12345678901"),
        ("+1 234 567 8901", "+12345678901"),
        ("1.555.123.4567", "+15551234567"),
        ("+15551234567", "+15551234567"),
    ],
)
def test_normalize_phone_number_accepts_everyday_us_formats(written: str, normalized: str) -> None:
    assert normalize_phone_number(written) == normalized


@pytest.mark.parametrize(
    "value",
    [
        "555-1234",  # too few digits
        "+1 555 123 45678",  # too many
        "+44 20 7946 0958",  # not a US number
        "1-800-FLOWERS",  # letters
        "\uff15\uff15\uff15\uff11\uff12\uff13\uff14\uff15\uff16\uff17",  # fullwidth digits
        "\u0665\u0665\u0665\u0661\u0662\u0663\u0664\u0665\u0666\u0667",  # Arabic-Indic digits
        "",
        5551234567,
        None,
        b"5551234567",
    ],
    ids=[
        "too-few-digits",
        "too-many-digits",
        "non-us",
        "letters",
        "fullwidth-digits",
        "arabic-indic-digits",
        "empty",
        "int",
        "none",
        "bytes",
    ],
)
def test_normalize_phone_number_refuses_what_it_cannot_map_naming_the_value(
    value: object,
) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(value))):
        normalize_phone_number(value)


_STYLES: list[Callable[[str], str]] = [
    lambda d: d,
    lambda d: f"{d[:3]}-{d[3:6]}-{d[6:]}",
    lambda d: f"({d[:3]}) {d[3:6]}-{d[6:]}",
    lambda d: f"{d[:3]}.{d[3:6]}.{d[6:]}",
    lambda d: f"1{d}",
    lambda d: f"1 {d[:3]} {d[3:6]} {d[6:]}",
    lambda d: f"+1{d}",
    lambda d: f"+1 ({d[:3]}) {d[3:6]}-{d[6:]}",
    lambda d: f"  +1-{d[:3]}-{d[3:6]}-{d[6:]}\t",
]


_ten_digits = st.text(alphabet=string.digits, min_size=10, max_size=10)


_PROPERTY = settings(max_examples=200, deadline=None)


@_PROPERTY
@given(_ten_digits, st.sampled_from(_STYLES))
def test_any_ten_digits_in_any_everyday_style_normalize_to_plus_one_and_the_digits(
    digits: str, style: Callable[[str], str]
) -> None:
    assert normalize_phone_number(style(digits)) == "+1" + digits


@_PROPERTY
@given(_ten_digits, st.sampled_from(_STYLES))
def test_normalize_phone_number_is_idempotent_on_its_own_output(
    digits: str, style: Callable[[str], str]
) -> None:
    once = normalize_phone_number(style(digits))

    assert normalize_phone_number(once) == once

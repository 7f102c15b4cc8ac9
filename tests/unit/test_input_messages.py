"""What bad input is told, through the public API: a short number's message counts its
digits without inventing a country code; a refused number points to
``normalize_phone_number``; a semicolon- or tab-delimited CSV is told about its delimiter
(and is not guessed: a comma file with semicolons in its values reads as it is)."""

from __future__ import annotations

import io

import pytest
from aioresponses import aioresponses

import bland_pools
from bland_pools import AsyncBlandClient, InvalidPhoneNumbersError, normalize_phone_number
from bland_pools.provision import InputError, read_csv


@pytest.mark.parametrize(
    ("written", "says"),
    [
        ("555-1234", "phone number '555-1234' has 7 digits; a US number has 10"),
        ("(415) 555-01", "phone number '(415) 555-01' has 8 digits; a US number has 10"),
        (
            "+1 555 1234",
            "phone number '+1 555 1234' has 7 digits after the country code +1; a US number has 10",
        ),
    ],
)
def test_a_short_number_counts_its_digits(written: str, says: str) -> None:
    with pytest.raises(ValueError, match="digits") as caught:
        normalize_phone_number(written)

    assert str(caught.value) == says


async def test_a_refused_number_names_normalize_phone_number() -> None:
    with aioresponses() as mocked:
        async with AsyncBlandClient(api_key="sk-test") as bland:
            with pytest.raises(InvalidPhoneNumbersError) as caught:
                await bland.pools.create(["(415) 555-0100"])
        assert not mocked.requests  # refused before sending

    message = str(caught.value)
    assert "(did you mean '+14155550100'?)" in message
    assert "bland_pools.normalize_phone_number()" in message
    assert bland_pools.normalize_phone_number("(415) 555-0100") == "+14155550100"


@pytest.mark.parametrize(("delimiter", "name"), [(";", "semicolons"), ("\t", "tabs")])
def test_a_csv_with_another_delimiter_is_told_so(delimiter: str, name: str) -> None:
    text = delimiter.join(["pool", "phone_number", "encrypted_key"]) + "\n"
    text += delimiter.join(["west", "+14155550100", ""]) + "\n"

    with pytest.raises(InputError) as caught:
        read_csv(io.StringIO(text), name="pools.csv")

    (problem,) = caught.value.problems
    assert problem.line == 1
    assert "missing: pool, phone_number" in problem.message
    assert f"separated by {name}: the file must use commas" in problem.message


def test_a_comma_csv_with_semicolons_in_its_values_is_read_as_it_is() -> None:
    text = 'pool,phone_number\n"west;1",+14155550100\n"west;1",(415) 555-0101\n'

    (pool,) = read_csv(io.StringIO(text), name="pools.csv")

    assert pool.key == "west;1"
    assert pool.phone_numbers == ("+14155550100", "+14155550101")


def test_a_header_missing_a_column_gets_no_delimiter_hint() -> None:
    with pytest.raises(InputError) as caught:
        read_csv(io.StringIO("pool;name\nwest;x\n"), name="pools.csv")

    assert "separated by" not in str(caught.value)

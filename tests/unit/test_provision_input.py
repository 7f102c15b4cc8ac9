"""The provisioning input: ``read_csv``, ``read_jsonl``, ``read_desired`` and ``desired_from``
turn files and objects into ``DesiredPool`` values (numbers normalized, sorted, each once per
pool), check the CSV header, and report every problem of the input together, each with its
file and line, in one ``InputError``; ``-`` reads standard input; the format is told by suffix
or by the first character. A hypothesis property: any mapping of keys to disjoint sets of
valid numbers survives ``desired_from`` and a CSV written from it."""

from __future__ import annotations

import csv
import io
import json
import pickle
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bland_pools import BlandError
from bland_pools.provision import (
    DesiredPool,
    InputError,
    InputProblem,
    desired_from,
    read_csv,
    read_desired,
    read_jsonl,
)

CRED = "550e8400-e29b-41d4-a716-446655440000"
CRED2 = "0b7a4f7e-3f0a-4c55-9d1e-6c2f1b8e9a10"


def problems_of(error: pytest.ExceptionInfo[InputError]) -> list[tuple[str, int | None]]:
    return [(p.source, p.line) for p in error.value.problems]


def messages(error: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [p.message for p in error.value.problems]


def write(tmp_path: Path, name: str, text: str, *, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding, newline="")
    return path


# -- the happy path: normalized, sorted, each once -------------------------------------------


def test_csv_numbers_are_normalized_and_sorted_per_pool(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "pools.csv",
        "pool,phone_number,encrypted_key\n"
        "west,(555) 123-4567,\n"
        "west,555.123.4560,\n"
        f"east, +1 212 555 0147 ,{CRED}\n"
        "west,1 555 123 4562,\n"
        "east,212-555-0100,\n",
    )

    pools = read_csv(path)

    assert pools == [
        DesiredPool("west", ("+15551234560", "+15551234562", "+15551234567"), None, f"{path}:2"),
        DesiredPool("east", ("+12125550100", "+12125550147"), CRED, f"{path}:4"),
    ]


def test_a_number_written_twice_in_one_pool_is_kept_once() -> None:
    # The same number in two spellings, in one pool: one number, not a problem.
    text = "pool,phone_number\nwest,(555) 123-4567\nwest,+15551234567\nwest,555 123 4568\n"

    pools = read_csv(io.StringIO(text), name="pools.csv")

    assert [p.phone_numbers for p in pools] == [("+15551234567", "+15551234568")]


def test_a_number_repeated_in_one_object_is_kept_once() -> None:
    # One key object, one call: the repeat is caught within the pool, not only across rows.
    pools = desired_from({"west": ["+15551234567", "(555) 123-4567", "+15551234567"]})

    assert [p.phone_numbers for p in pools] == [("+15551234567",)]


def test_a_number_in_two_pools_names_where_the_other_pool_starts() -> None:
    text = (
        "pool,phone_number\n"
        "east,5551230000\n"  # 2
        "west,5551239999\n"  # 3
        "east,5551234567\n"  # 4
        "west,(555) 123-4567\n"  # 5: east's number
    )

    with pytest.raises(InputError) as caught:
        read_csv(io.StringIO(text), name="pools.csv")

    assert problems_of(caught) == [("pools.csv", 5)]
    assert messages(caught) == [
        "+15551234567 is in pool 'west' and pool 'east' (which starts at line 2)"
    ]


def test_jsonl_numbers_are_normalized_and_sorted(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "pools.jsonl",
        json.dumps({"pool": "b", "phone_numbers": ["555-123-4569", "(555) 123-4567"]})
        + "\n\n"
        + json.dumps({"pool": "a", "phone_numbers": ["+15551234560"], "encrypted_key": CRED})
        + "\n",
    )

    pools = read_jsonl(path)

    assert pools == [
        DesiredPool("b", ("+15551234567", "+15551234569"), None, f"{path}:1"),
        DesiredPool("a", ("+15551234560",), CRED, f"{path}:3"),
    ]


def test_credentials_repeated_on_every_row_in_any_case_are_one_key() -> None:
    text = (
        "pool,phone_number,encrypted_key\n"
        f"a,5551234567,{CRED}\n"
        f"a,5551234568,{CRED.upper()}\n"
        "a,5551234569,\n"  # left blank: whatever the other rows say
    )

    (pool,) = read_csv(io.StringIO(text), name="x.csv")

    assert pool.encrypted_key == CRED
    assert len(pool.phone_numbers) == 3


def test_desired_from_a_mapping_and_from_objects() -> None:
    from_mapping = desired_from({"a": ["(555) 123-4567", "5551234560"], "b": ("2125550147",)})
    from_rows = desired_from(
        [
            {"pool": "a", "phone_numbers": ["555 123 4567", "+15551234560"]},
            DesiredPool("b", ("+12125550147",), CRED),
        ]
    )

    assert [(p.key, p.phone_numbers, p.encrypted_key) for p in from_mapping] == [
        ("a", ("+15551234560", "+15551234567"), None),
        ("b", ("+12125550147",), None),
    ]
    assert [(p.key, p.phone_numbers, p.encrypted_key) for p in from_rows] == [
        ("a", ("+15551234560", "+15551234567"), None),
        ("b", ("+12125550147",), CRED),
    ]
    assert from_mapping[1].source == "<objects>:2"


# -- the CSV header --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        ("pool,number", "phone_number"),
        ("key,phone_number", "pool"),
        ("a,b,c", "pool, phone_number"),
    ],
)
def test_a_header_missing_columns_is_a_problem_at_line_1(header: str, missing: str) -> None:
    with pytest.raises(InputError) as caught:
        read_csv(io.StringIO(f"{header}\nwest,5551234567\n"), name="in.csv")

    assert problems_of(caught) == [("in.csv", 1)]
    assert f"missing: {missing}" in messages(caught)[0]


def test_an_empty_csv_is_a_header_problem() -> None:
    with pytest.raises(InputError) as caught:
        read_csv(io.StringIO(""), name="empty.csv")

    assert problems_of(caught) == [("empty.csv", 1)]


def test_a_byte_order_mark_is_tolerated(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.csv", "pool,phone_number\nwest,5551234567\n", encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    assert [p.key for p in read_csv(path)] == ["west"]
    # An already-decoded stream that still starts with U+FEFF too.
    text = "\ufeffpool,phone_number\nwest,5551234567\n"
    assert [p.key for p in read_csv(io.StringIO(text))] == ["west"]


def test_extra_columns_any_order_and_case_are_ignored() -> None:
    text = "Note,Phone_Number, POOL ,encrypted_key,Extra\nhello,5551234567,west,,x\n"

    (pool,) = read_csv(io.StringIO(text), name="x.csv")

    assert (pool.key, pool.phone_numbers, pool.encrypted_key) == ("west", ("+15551234567",), None)


def test_blank_lines_are_skipped_and_lines_still_count() -> None:
    text = "pool,phone_number\n\nwest,5551234567\n,\n  ,  \n\nwest,12\n"

    with pytest.raises(InputError) as caught:
        read_csv(io.StringIO(text), name="x.csv")

    assert problems_of(caught) == [("x.csv", 7)]


def test_a_short_row_without_the_optional_column_is_fine() -> None:
    text = "pool,phone_number,encrypted_key\nwest,5551234567\n"

    (pool,) = read_csv(io.StringIO(text), name="x.csv")

    assert pool.encrypted_key is None


# -- every problem, together, with file and line ---------------------------------------------


CSV_WITH_EVERY_PROBLEM = (
    "pool,phone_number,encrypted_key\n"  # 1
    "a,5551234567,\n"  # 2
    "a,12345,\n"  # 3  bad number
    "b,(555) 123-4567,\n"  # 4  a's number, in b too
    f"c,5551230001,{CRED}\n"  # 5
    f"c,5551230002,{CRED2}\n"  # 6  c with two different encrypted_keys
    "d,5551230003,not-a-uuid\n"  # 7  encrypted_key not a UUID
    " ,5551230004,\n"  # 8  empty pool key
    "e,,\n"  # 9  a row with no phone number
    "f,+44 20 7946 0958,\n"  # 10 not a US number
    "g,555-CALL-NOW,\n"  # 11 letters
)


def test_every_csv_problem_is_reported_together_with_its_line() -> None:
    with pytest.raises(InputError) as caught:
        read_csv(io.StringIO(CSV_WITH_EVERY_PROBLEM), name="pools.csv")

    assert problems_of(caught) == [("pools.csv", line) for line in (3, 4, 6, 7, 8, 9, 10, 11)]
    found = messages(caught)
    assert "12345" in found[0]
    assert "+15551234567" in found[1]
    assert "'a'" in found[1]
    assert "line 2" in found[1]
    assert CRED in found[2]
    assert CRED2 in found[2]
    assert "line 5" in found[2]
    assert "not-a-uuid" in found[3]
    assert "UUID" in found[3]
    assert "no pool key" in found[4]
    assert "no phone number" in found[5]
    assert "'e'" in found[5]
    assert "+44" in found[6]
    assert "CALL" in found[7] or "characters" in found[7]


def test_the_error_text_shows_every_problem_as_file_line_message() -> None:
    with pytest.raises(InputError) as caught:
        read_csv(io.StringIO(CSV_WITH_EVERY_PROBLEM), name="pools.csv")

    text = str(caught.value)
    assert text.startswith("8 problem(s) in the input; nothing was sent")
    for problem in caught.value.problems:
        assert f"pools.csv:{problem.line}: {problem.message}" in text
        assert str(problem) == f"pools.csv:{problem.line}: {problem.message}"
    assert isinstance(caught.value, BlandError)
    assert isinstance(caught.value, ValueError)


def test_a_long_list_of_problems_is_all_in_problems_and_cut_in_the_text() -> None:
    rows = "".join(f"p{i},bad{i}\n" for i in range(120))

    with pytest.raises(InputError) as caught:
        read_csv(io.StringIO("pool,phone_number\n" + rows), name="big.csv")

    assert [p.line for p in caught.value.problems] == list(range(2, 122))
    assert "and 70 more" in str(caught.value)
    assert "big.csv:51:" in str(caught.value)
    assert "big.csv:52:" not in str(caught.value)


def test_input_error_survives_pickling() -> None:
    error = InputError([InputProblem("a.csv", 3, "bad"), InputProblem("a.csv", None, "worse")])

    again = pickle.loads(pickle.dumps(error))

    assert again.problems == error.problems
    assert str(again) == str(error)
    assert str(error.problems[1]) == "a.csv: worse"


JSONL_WITH_EVERY_PROBLEM = "\n".join(
    [
        json.dumps({"pool": "a", "phone_numbers": ["5551234567"]}),  # 1
        json.dumps({"pool": "a", "phone_numbers": ["5551234568"]}),  # 2 defined twice
        json.dumps({"pool": "b", "phone_numbers": ["5551234569"], "name": "x", "zz": 1}),  # 3
        json.dumps({"pool": "c", "phone_numbers": []}),  # 4 empty list
        "{not json",  # 5
        json.dumps(["a", "list"]),  # 6 not an object
        json.dumps({"pool": "d", "phone_numbers": ["5551234567"]}),  # 7 a's number
        json.dumps({"pool": "", "phone_numbers": ["5551234570"]}),  # 8 empty key
        json.dumps({"pool": "e", "phone_numbers": ["555"], "encrypted_key": "x"}),  # 9 two
        json.dumps({"pool": "f", "phone_numbers": "5551234571"}),  # 10 not a list
        json.dumps({"phone_numbers": ["5551234572"]}),  # 11 no key at all
    ]
)


def test_every_jsonl_problem_is_reported_together_with_its_line() -> None:
    with pytest.raises(InputError) as caught:
        read_jsonl(io.StringIO(JSONL_WITH_EVERY_PROBLEM), name="pools.jsonl")

    lines = [line for _, line in problems_of(caught)]
    assert {source for source, _ in problems_of(caught)} == {"pools.jsonl"}
    assert lines == sorted(lines)
    assert set(lines) == {2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
    by_line: dict[int | None, list[str]] = {}
    for problem in caught.value.problems:
        by_line.setdefault(problem.line, []).append(problem.message)
    assert "defined again" in by_line[2][0]
    assert "line 1" in by_line[2][0]
    assert any("'name'" in m and "'zz'" in m for m in by_line[3])
    assert any("non-empty list" in m for m in by_line[4])
    assert "not JSON" in by_line[5][0]
    assert "object" in by_line[6][0]
    assert any("+15551234567" in m and "'a'" in m for m in by_line[7])
    assert any("no pool key" in m for m in by_line[8])
    assert len(by_line[9]) == 2  # a bad number and a bad encrypted_key, on one line
    assert any("non-empty list" in m for m in by_line[10])
    assert any("no pool key" in m for m in by_line[11])


def test_desired_from_reports_every_problem_by_position() -> None:
    with pytest.raises(InputError) as caught:
        desired_from(
            [
                {"pool": "a", "phone_numbers": ["5551234567"]},
                {"pool": "b", "phone_numbers": ["5551234567"]},
                {"pool": "c", "phone_numbers": "555-12"},  # one string: one bad number
                {"pool": "d", "phone_numbers": []},
                42,
            ],
            source="mine",
        )

    assert sorted(problems_of(caught)) == [("mine", 2), ("mine", 3), ("mine", 4), ("mine", 5)]
    by_line = {p.line: p.message for p in caught.value.problems}
    assert "'555-12'" in by_line[3]  # the string as one number, not split into characters
    assert "pool 'd' has no phone numbers" in by_line[4]
    assert "int" in by_line[5]


def test_desired_from_a_mapping_reports_an_empty_pool() -> None:
    with pytest.raises(InputError) as caught:
        desired_from({"a": ["5551234567"], "b": []})

    assert problems_of(caught) == [("<objects>", 2)]


# -- standard input and format sniffing ------------------------------------------------------


def test_dash_reads_csv_from_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("pool,phone_number\nwest,(555) 123-4567\n"))

    (pool,) = read_csv("-")

    assert pool == DesiredPool("west", ("+15551234567",), None, "<stdin>:2")


def test_dash_problems_name_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("pool,phone_number\nwest,12\n"))

    with pytest.raises(InputError) as caught:
        read_csv("-")

    assert str(caught.value.problems[0]).startswith("<stdin>:2: ")


def test_dash_reads_jsonl_from_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"pool": "a", "phone_numbers": ["5551234567"]}'))

    assert [p.key for p in read_jsonl("-")] == ["a"]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('{"pool": "j", "phone_numbers": ["5551234567"]}\n', "j"),
        ('  \n {"pool": "j", "phone_numbers": ["5551234567"]}\n', "j"),
        ("pool,phone_number\nc,5551234567\n", "c"),
    ],
)
def test_read_desired_sniffs_standard_input_by_its_first_character(
    monkeypatch: pytest.MonkeyPatch, text: str, key: str
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))

    (pool,) = read_desired("-")

    assert pool.key == key
    assert pool.source.startswith("<stdin>:")


JSONL_TEXT = '{"pool": "j", "phone_numbers": ["5551234567"]}\n'
CSV_TEXT = "pool,phone_number\nc,5551234567\n"


@pytest.mark.parametrize(
    ("name", "text", "key"),
    [
        ("pools.jsonl", JSONL_TEXT, "j"),
        ("pools.NDJSON", JSONL_TEXT, "j"),
        ("pools.csv", CSV_TEXT, "c"),
        ("pools.txt", JSONL_TEXT, "j"),  # no telling suffix: by the first character
        ("pools", CSV_TEXT, "c"),
    ],
)
def test_read_desired_by_suffix_then_by_first_character(
    tmp_path: Path, name: str, text: str, key: str
) -> None:
    path = write(tmp_path, name, text)

    assert [p.key for p in read_desired(path)] == [key]
    assert [p.key for p in read_desired(str(path))] == [key]


def test_the_suffix_wins_over_the_content(tmp_path: Path) -> None:
    # JSON Lines in a file named .csv is read as CSV: its first line is not a valid header.
    path = write(tmp_path, "pools.csv", JSONL_TEXT)

    with pytest.raises(InputError) as caught:
        read_desired(path)

    assert problems_of(caught) == [(str(path), 1)]
    assert "header" in messages(caught)[0]


def test_an_explicit_format_wins_over_the_suffix(tmp_path: Path) -> None:
    path = write(tmp_path, "pools.csv", JSONL_TEXT)

    assert [p.key for p in read_desired(path, format="jsonl")] == ["j"]


def test_read_desired_of_a_stream_with_a_name(tmp_path: Path) -> None:
    assert [p.source for p in read_desired(io.StringIO(JSONL_TEXT), name="given")] == ["given:1"]
    with (tmp_path / "open.jsonl").open("w") as f:
        f.write(JSONL_TEXT)
    with (tmp_path / "open.jsonl").open() as f:
        (pool,) = read_desired(f)
    assert pool.source == f"{tmp_path / 'open.jsonl'}:1"


# -- the round-trip property -----------------------------------------------------------------

_KEY_CHARS = st.characters(blacklist_categories=("Cs", "Cc"))
_KEYS = st.text(_KEY_CHARS, min_size=1, max_size=12).filter(lambda k: k == k.strip() and k != "")
_SPELLINGS = (
    lambda d: f"+1{d}",
    lambda d: f"({d[:3]}) {d[3:6]}-{d[6:]}",
    lambda d: f"{d[:3]}.{d[3:6]}.{d[6:]}",
    lambda d: f"1 {d[:3]} {d[3:6]} {d[6:]}",
    lambda d: f" +1 {d[:3]}-{d[3:6]}-{d[6:]} ",
    lambda d: d,
)


@st.composite
def pools_and_spellings(draw: st.DrawFn) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Keys to disjoint sets of numbers in Bland's form, and the same numbers spelled the
    everyday way, in a shuffled order."""
    keys = draw(st.lists(_KEYS, min_size=1, max_size=6, unique=True))
    wanted: dict[str, list[str]] = {}
    spelled: dict[str, list[str]] = {}
    digits = draw(
        st.lists(
            st.text("0123456789", min_size=10, max_size=10),
            min_size=len(keys),
            max_size=len(keys) * 4,
            unique=True,
        )
    )
    for i, key in enumerate(keys):
        mine = digits[i :: len(keys)]
        wanted[key] = sorted(f"+1{d}" for d in mine)
        order = draw(st.permutations(mine))
        spelled[key] = [draw(st.sampled_from(_SPELLINGS))(d) for d in order]
    return wanted, spelled


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pools_and_spellings())
def test_any_disjoint_pools_round_trip_through_objects_and_csv(
    data: tuple[dict[str, list[str]], dict[str, list[str]]],
) -> None:
    wanted, spelled = data
    expected = [(key, tuple(numbers)) for key, numbers in wanted.items()]

    from_objects = desired_from(spelled)
    assert [(p.key, p.phone_numbers) for p in from_objects] == expected
    assert all(p.encrypted_key is None for p in from_objects)

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["pool", "phone_number"])
    for key, numbers in spelled.items():
        for number in numbers:
            writer.writerow([key, number])
    buffer.seek(0)
    from_csv = read_csv(buffer, name="gen.csv")
    assert [(p.key, p.phone_numbers) for p in from_csv] == expected

    again = desired_from(
        [{"pool": p.key, "phone_numbers": list(p.phone_numbers)} for p in from_csv]
    )
    assert [(p.key, p.phone_numbers) for p in again] == expected

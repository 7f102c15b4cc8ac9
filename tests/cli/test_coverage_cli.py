"""``bland-pools coverage`` and ``ghl-pools coverage``: the call list read as a CSV column, a
first column or plain lines, from a file or standard input; rows that are not numbers counted
and shown (fatal with ``--strict``); the pool's numbers from ``--numbers``, ``--pool`` (against
an emulator), ``--input`` (with ``--key``) and ``--manifest``, and from a GoHighLevel location;
the table (worst-covered first), ``--json``, ``--csv`` and ``--plot`` (a PNG of the stated size;
without matplotlib, one line naming the extra). Expected figures are worked out by hand from
the area codes of the numbers the tests write."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from bland_pools import AsyncBlandClient
from bland_pools._cli import main as bland_main
from bland_pools.provision import provision
from bland_pools.testing import BlandEmulator
from ghl_pools._cli import main as ghl_main
from ghl_pools.testing import GHLEmulator
from pools_core._coverage_plot import SIZE

from ._support import KEY, LOCATION, TOKEN, error_lines, run, table

# Calls: 2 in 212 (Manhattan), 1 in 646 (its overlay), 1 in 718 (NY), 1 in 305 (FL), 1 in 415.
CALLS = [
    "+12125550100",
    "(212) 555-0101",
    "646.555.0102",
    "718-555-0103",
    "+13055550104",
    "4155550105",
]


def expected(area_code: int, state: int, time_zone: int, none: int) -> dict[str, int]:
    return {"area_code": area_code, "state": state, "time_zone": time_zone, "none": none}


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def calls_csv(tmp_path: Path) -> str:
    rows = "".join(f"C{i},{number}\n" for i, number in enumerate(CALLS))
    return write(tmp_path / "calls.csv", "customer,phone_number\n" + rows)


def as_json(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    document: dict[str, object] = json.loads(capsys.readouterr().out)
    return document


# -- reading CALLS ------------------------------------------------------------------------------


def test_the_phone_number_column_of_a_csv(
    calls_csv: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(bland_main, ["coverage", calls_csv, "--numbers", "+12125550199", "--json"]) == 0

    document = as_json(capsys)
    assert document["calls"] == 6
    assert document["levels"] == expected(3, 1, 1, 1)


def test_the_first_column_when_no_phone_number_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "c.csv", "number,name\n" + "".join(f'"{c}",x\n' for c in CALLS))

    assert run(bland_main, ["coverage", path, "--numbers", "+12125550199", "--json"]) == 0

    assert as_json(capsys)["levels"] == expected(3, 1, 1, 1)


def test_one_number_per_line_without_a_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "c.txt", "\n".join(CALLS) + "\n\n")

    assert run(bland_main, ["coverage", path, "--numbers", "+12125550199", "--json"]) == 0

    document = as_json(capsys)
    assert document["calls"] == 6  # the first line is a number, not a header
    assert document["levels"] == expected(3, 1, 1, 1)


def test_standard_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("phone_number\n" + "\n".join(CALLS)))

    assert run(bland_main, ["coverage", "-", "--numbers", "+14155550199", "--json"]) == 0

    assert as_json(capsys)["levels"] == expected(1, 0, 0, 5)


def test_rows_that_are_not_numbers_are_counted_and_the_first_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = ["n/a", "call back", "x", "?", "none", "later", "no"]
    lines = ["phone_number", *CALLS, *bad, "+18005550100", "+442079460958"]
    path = write(tmp_path / "c.csv", "\n".join(lines) + "\n")

    assert run(bland_main, ["coverage", path, "--numbers", "+12125550199", "--json"]) == 0

    out, err = capsys.readouterr()
    document = json.loads(out)
    assert (document["calls"], document["unknown"]) == (6, 2)  # numbers, but not local ones
    (line,) = [line for line in err.splitlines() if "not phone numbers" in line]
    assert "7 row(s)" in line
    assert "line 8: 'n/a'" in line
    assert "line 12: 'none'" in line
    assert "'later'" not in line
    assert "and 2 more" in line


def test_a_bad_row_is_shown_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "c.csv", "+12125550100\n\x1b]52;c;aGk=\x07\u202e\n")

    assert run(bland_main, ["coverage", path, "--numbers", "+12125550199"]) == 0

    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert "\u202e" not in err
    assert "'\\x1b]52;c;aGk=\\x07\\u202e'" in err


def test_strict_makes_a_bad_row_fatal_before_anything_is_sent(
    tmp_path: Path, bland_emu: BlandEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    pool = bland_emu.add_pool(KEY, ["+12125550199"])
    path = write(tmp_path / "c.csv", "+12125550100\nnot a number\n")
    argv = ["--api-key", KEY, "--base-url", bland_emu.url, "coverage", path, "--pool", pool["id"]]

    code = run(bland_main, [*argv, "--strict"])

    assert code == 2
    (line,) = error_lines(capsys.readouterr().err, "bland-pools")
    assert "--strict" in line
    assert "line 2: 'not a number'" in line
    assert bland_emu.requests == []


def test_a_missing_calls_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(bland_main, ["coverage", str(tmp_path / "absent.csv"), "--numbers", "+12125550199"])

    assert code == 2
    (line,) = error_lines(capsys.readouterr().err, "bland-pools")
    assert "absent.csv" in line


# -- where the pool's numbers come from ------------------------------------------------------


def test_numbers_comma_separated_and_repeated(
    calls_csv: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "coverage",
        calls_csv,
        "--numbers",
        "(305) 555-0199,+14155550199",
        "--numbers",
        "718 555 0199",
    ]

    assert run(bland_main, [*argv, "--json"]) == 0

    assert as_json(capsys)["levels"] == expected(3, 3, 0, 0)


def test_a_bad_number_is_named_and_nothing_runs(
    calls_csv: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(bland_main, ["coverage", calls_csv, "--numbers", "+12125550199,12ab"]) == 2

    (line,) = error_lines(capsys.readouterr().err, "bland-pools")
    assert "'12ab'" in line


def test_no_source_of_pool_numbers_is_a_usage_error(
    calls_csv: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(bland_main, ["coverage", calls_csv]) == 2

    (line,) = error_lines(capsys.readouterr().err, "bland-pools")
    assert "--numbers, --pool, --input or --manifest" in line


async def test_pools_fetched_by_id(
    calls_csv: str, bland_emu: BlandEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    west = bland_emu.add_pool(KEY, ["+14155550199"])
    florida = bland_emu.add_pool(KEY, ["+13055550199", "+18005550100"])
    bland_emu.add_pool(KEY, ["+12125550199"])  # not named: not used
    argv = ["--api-key", KEY, "--base-url", bland_emu.url, "coverage", calls_csv, "--json"]

    code = await asyncio.to_thread(
        run, bland_main, [*argv, "--pool", west["id"], "--pool", florida["id"]]
    )

    out, err = capsys.readouterr()
    assert code == 0
    assert json.loads(out)["levels"] == expected(2, 0, 4, 0)
    assert sorted(r.path for r in bland_emu.requests) == sorted(
        f"/v1/custom-dialing-pools/{p['id']}" for p in (west, florida)
    )
    assert "1 pool number(s) have no area code in service" in err
    assert "+18005550100" in err


def test_pool_without_an_api_key_is_a_usage_error(
    calls_csv: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("BLAND_API_KEY", raising=False)

    code = run(
        bland_main, ["coverage", calls_csv, "--pool", "550e8400-e29b-41d4-a716-446655440001"]
    )

    assert code == 2
    assert "--api-key" in capsys.readouterr().err


def test_pool_with_the_embedded_emulator(
    calls_csv: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The emulator's sample pool holds +12345678901 (234: Ohio, Eastern) and two numbers of
    # no area code in service.
    argv = ["--emulator", "coverage", calls_csv, "--pool", "550e8400-e29b-41d4-a716-446655440001"]

    assert run(bland_main, [*argv, "--json"]) == 0

    assert as_json(capsys)["levels"] == expected(0, 0, 5, 1)


def test_a_provision_input_file_and_its_keys(
    calls_csv: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pools = write(
        tmp_path / "pools.csv",
        "pool,phone_number\nnyc,+12125550199\nwest,(415) 555-0199\nwest,+12065550199\n",
    )

    assert run(bland_main, ["coverage", calls_csv, "--input", pools, "--json"]) == 0
    assert as_json(capsys)["levels"] == expected(4, 1, 1, 0)

    assert (
        run(bland_main, ["coverage", calls_csv, "--input", pools, "--key", "west", "--json"]) == 0
    )
    assert as_json(capsys)["levels"] == expected(1, 0, 0, 5)

    assert run(bland_main, ["coverage", calls_csv, "--input", pools, "--key", "east"]) == 2
    assert "'east'" in capsys.readouterr().err


def test_key_without_input_is_a_usage_error(
    calls_csv: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["coverage", calls_csv, "--numbers", "+12125550199", "--key", "west"]

    assert run(bland_main, argv) == 2
    assert "--input" in capsys.readouterr().err


async def test_every_pool_of_a_manifest(
    calls_csv: str, tmp_path: Path, bland_emu: BlandEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = tmp_path / "pools.db"
    async with AsyncBlandClient(api_key=KEY, base_url=bland_emu.url) as bland:
        report = await provision(
            {"florida": ["+13055550199"], "texas": ["+12145550199"]},
            manifest=manifest,
            client=bland,
        )
    assert report.ok

    code = await asyncio.to_thread(
        run, bland_main, ["coverage", calls_csv, "--manifest", str(manifest), "--json"]
    )

    assert code == 0
    assert as_json(capsys)["levels"] == expected(1, 0, 4, 1)


# -- output -------------------------------------------------------------------------------


def test_the_table_shows_percent_worst_covered_states_first(
    calls_csv: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        run(bland_main, ["coverage", calls_csv, "--numbers", "+12125550199", "--suggest", "2"]) == 0
    )

    rows = table(capsys.readouterr().out)
    assert rows[0][0].startswith("6 calls (0 unknown")
    assert rows[1] == ["LEVEL", "CALLS", "SHARE"]
    assert rows[2] == ["area_code", "3", "50.0%"]
    at = rows.index(["STATE", "CALLS", "AREA CODE", "STATE", "TIME ZONE", "NONE"])
    assert rows[at + 1 : at + 4] == [
        ["CA", "1", "0.0%", "0.0%", "0.0%", "100.0%"],
        ["FL", "1", "0.0%", "0.0%", "100.0%", "0.0%"],
        ["NY", "4", "75.0%", "25.0%", "0.0%", "0.0%"],
    ]
    at = rows.index(["ADD AREA CODE", "STATE", "CALLS GAINED", "ALSO TO STATE"])
    assert rows[at + 1 : at + 3] == [["305", "FL", "1", "0"], ["415", "CA", "1", "0"]]


def test_json_is_exactly_the_issues_shape(
    calls_csv: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        run(
            bland_main,
            ["--json", "coverage", calls_csv, "--numbers", "+12125550199", "--suggest", "1"],
        )
        == 0
    )

    assert as_json(capsys) == {
        "calls": 6,
        "unknown": 0,
        "levels": expected(3, 1, 1, 1),
        "by_state": {
            "CA": {"calls": 1, **expected(0, 0, 0, 1)},
            "FL": {"calls": 1, **expected(0, 0, 1, 0)},
            "NY": {"calls": 4, **expected(3, 1, 0, 0)},
        },
        "by_time_zone": {
            "America/Los_Angeles": {"calls": 1, **expected(0, 0, 0, 1)},
            "America/New_York": {"calls": 5, **expected(3, 1, 1, 0)},
        },
        "suggestions": [{"area_code": "305", "state": "FL", "calls_gained": 1}],
    }


def test_csv_has_one_row_per_scope_and_name(
    calls_csv: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        run(
            bland_main,
            ["coverage", calls_csv, "--numbers", "+12125550199", "--csv", "--suggest", "1"],
        )
        == 0
    )

    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["scope", "name", "calls", "area_code", "state", "time_zone", "none"]
    assert ["total", "all", "6", "3", "1", "1", "1"] in rows
    assert ["state", "NY", "4", "3", "1", "0", "0"] in rows
    assert ["time_zone", "America/New_York", "5", "3", "1", "1", "0"] in rows
    assert ["suggestion", "305 FL", "1", "", "", "", ""] in rows


def test_json_and_csv_together_are_refused(
    calls_csv: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        run(bland_main, ["coverage", calls_csv, "--numbers", "+12125550199", "--csv", "--json"])
        == 2
    )
    assert "choose one" in capsys.readouterr().err


def test_plot_writes_a_png_of_the_stated_size(
    calls_csv: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    picture = tmp_path / "map.png"

    assert (
        run(
            bland_main, ["coverage", calls_csv, "--numbers", "+12125550199", "--plot", str(picture)]
        )
        == 0
    )

    data = picture.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == SIZE == (1000, 720)
    assert len(data) > 10_000  # tiles and text were drawn, not an empty canvas
    assert "map written to" in capsys.readouterr().err


def test_plot_without_matplotlib_is_one_line_naming_the_extra(
    calls_csv: str, tmp_path: Path
) -> None:
    picture = tmp_path / "map.png"
    script = (
        "import sys; sys.modules['matplotlib'] = None\n"  # as if it were not installed
        "from bland_pools._cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    argv = ["coverage", calls_csv, "--numbers", "+12125550199"]

    done = subprocess.run(
        [sys.executable, "-c", script, *argv, "--plot", str(picture)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    plain = subprocess.run(
        [sys.executable, "-c", script, *argv, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "bland-pools: error: --plot needs matplotlib: pip install 'bland-ghl-pools[plot]'"
    ]
    assert not picture.exists()
    assert plain.returncode == 0  # the analysis itself does not need it
    assert json.loads(plain.stdout)["calls"] == 6


# -- ghl-pools coverage ---------------------------------------------------------------------


async def test_ghl_coverage_of_a_locations_pools(
    calls_csv: str, ghl_emu: GHLEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    ghl_emu.add_pool(LOCATION, name="West", numbers=[("+14155550199", "SF")])
    florida = ghl_emu.add_pool(LOCATION, name="Florida", numbers=[("+13055550199", "Miami")])
    argv = [
        "--token",
        TOKEN,
        "--base-url",
        ghl_emu.url,
        "coverage",
        calls_csv,
        "--location",
        LOCATION,
    ]

    every = await asyncio.to_thread(run, ghl_main, [*argv, "--json"])
    every_out = capsys.readouterr().out
    one = await asyncio.to_thread(run, ghl_main, [*argv, "--pool", florida["id"], "--json"])
    one_out = capsys.readouterr().out
    missing = await asyncio.to_thread(run, ghl_main, [*argv, "--pool", "nopeNope123"])

    assert (every, one, missing) == (0, 0, 2)
    assert json.loads(every_out)["levels"] == expected(2, 0, 4, 0)
    assert json.loads(one_out)["levels"] == expected(1, 0, 4, 1)
    assert {r.query["locationId"] for r in ghl_emu.requests} == {LOCATION}
    assert "'nopeNope123'" in capsys.readouterr().err


def test_ghl_coverage_with_the_embedded_emulator(
    calls_csv: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Its sample pools hold 415 and 212 numbers.
    assert run(ghl_main, ["--emulator", "coverage", calls_csv, "--json"]) == 0

    assert as_json(capsys)["levels"] == expected(4, 1, 1, 0)


def test_the_guides_example_prints_what_the_guide_shows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("matplotlib")
    guide = Path(__file__).resolve().parents[2] / "docs" / "guides" / "coverage.md"
    readme = guide.read_text(encoding="utf-8")
    block = readme.split("$ bland-pools coverage examples/calls.csv", 1)[1].split("```", 1)[0]
    command, *shown = block.replace("\\\n", "").splitlines()
    argv = ["coverage", "examples/calls.csv", *command.split()]
    argv[argv.index("--plot") + 1] = str(tmp_path / "coverage.png")
    monkeypatch.chdir(Path(__file__).resolve().parents[2])

    assert run(bland_main, argv) == 0

    out, err = capsys.readouterr()
    assert shown[0] in err.splitlines()
    lines = [line for line in out.splitlines() if line]
    expected_lines = [line for line in shown[1:] if line and line != "..."]
    assert [line for line in lines if line in expected_lines] == expected_lines
    assert (tmp_path / "coverage.png").stat().st_size > 10_000
    picture = Path("docs/images/coverage.png")
    assert 10_000 < picture.stat().st_size < 200_000


def test_a_state_with_nothing_near_comes_before_one_sharing_a_time_zone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Against a 212 number: Florida's two calls share its time zone, California's one call
    # has nothing near it, so California is the worse covered, though it has fewer calls.
    path = write(tmp_path / "c.csv", "+13055550100\n+13055550101\n+14155550102\n")

    assert run(bland_main, ["coverage", path, "--numbers", "+12125550199"]) == 0

    rows = table(capsys.readouterr().out)
    at = rows.index(["STATE", "CALLS", "AREA CODE", "STATE", "TIME ZONE", "NONE"])
    assert [row[0] for row in rows[at + 1 : at + 3]] == ["CA", "FL"]


def test_standard_input_is_utf8_with_its_byte_order_mark_dropped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A real stdin (bytes under a text layer of another encoding), a BOM, no header: the
    # first number is a call, not an unreadable row.
    raw = io.BytesIO("\ufeff+12125550100\n+14155550101\n".encode())
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(raw, encoding="latin-1"))

    assert run(bland_main, ["coverage", "-", "--numbers", "+12125550199", "--json"]) == 0

    out, err = capsys.readouterr()
    assert json.loads(out)["levels"] == expected(1, 0, 0, 1)
    assert "not phone numbers" not in err


@pytest.mark.parametrize("from_stdin", [False, True])
def test_a_row_that_is_not_utf8_is_one_unreadable_row_not_the_end(
    from_stdin: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = b"phone_number\r\n+12125550100\r\n\xe9t\xe9\r\n+14155550101\r\n"
    path = tmp_path / "c.csv"
    path.write_bytes(data)
    name = str(path)
    if from_stdin:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
        name = "-"

    assert run(bland_main, ["coverage", name, "--numbers", "+12125550199", "--json"]) == 0

    out, err = capsys.readouterr()
    assert json.loads(out)["calls"] == 2
    assert "1 row(s)" in err
    assert "line 3:" in err


@pytest.mark.parametrize(("delimiter", "name"), [(";", "semicolons"), ("\t", "tabs")])
def test_a_semicolon_or_tab_file_is_refused_with_a_hint(
    delimiter: str, name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [f"phone_number{delimiter}name", f"+12125550100{delimiter}a"]
    path = write(tmp_path / "c.csv", "\n".join(rows) + "\n")

    assert run(bland_main, ["coverage", path, "--numbers", "+12125550199"]) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert f"separated by {name}" in err
    assert "comma-separated" in err


def test_calls_and_input_both_from_standard_input_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("+12125550100\n"))

    assert run(bland_main, ["coverage", "-", "--input", "-"]) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert "cannot both be standard input" in err


@pytest.mark.parametrize("as_json", [False, True])
def test_a_plot_that_cannot_be_written_is_one_error_exit_1(
    as_json: bool, calls_csv: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    picture = tmp_path / "no such dir" / "map.png"
    argv = ["coverage", calls_csv, "--numbers", "+12125550199", "--plot", str(picture)]

    assert run(bland_main, [*argv, "--json"] if as_json else argv) == 1

    lines = capsys.readouterr().err.splitlines()
    if as_json:  # one JSON object on stderr, as every error under --json
        (line,) = lines
        error = json.loads(line)["error"]
        assert error["type"] == "FileNotFoundError"
        assert error["message"].startswith(f"cannot write --plot {picture}")
    else:
        assert lines[-1].startswith(f"bland-pools: error: cannot write --plot {picture}")

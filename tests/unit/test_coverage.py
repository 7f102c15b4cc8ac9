"""Local-presence coverage: the area-code table (known facts, overlays, two-zone codes, its
header and its script), each match level, unknown numbers, the summaries, greedy suggestions
on lists whose answer is worked out by hand, and the exact JSON shape."""

from __future__ import annotations

import importlib.resources
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import bland_pools.coverage
import ghl_pools.coverage
from bland_pools.coverage import LEVELS, AreaCode, analyze, area_code_of, area_codes

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "pools_core" / "data" / "area_codes.csv"


def n(area_code: str, line: int = 100) -> str:
    """A fictional number (555-01XX) in ``area_code``."""
    return f"+1{area_code}5550{line:03d}"


def calls(counts: dict[str, int]) -> list[str]:
    return [n(code, i % 100) for code, count in counts.items() for i in range(count)]


# -- the table --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "country", "state", "zone"),
    [
        ("415", "US", "CA", "America/Los_Angeles"),
        ("213", "US", "CA", "America/Los_Angeles"),
        ("206", "US", "WA", "America/Los_Angeles"),
        ("212", "US", "NY", "America/New_York"),
        ("646", "US", "NY", "America/New_York"),
        ("305", "US", "FL", "America/New_York"),
        ("808", "US", "HI", "Pacific/Honolulu"),
        ("907", "US", "AK", "America/Anchorage"),
        ("787", "PR", "PR", "America/Puerto_Rico"),
        ("416", "CA", "ON", "America/New_York"),  # Toronto keeps New York's clock
    ],
)
def test_known_area_codes(code: str, country: str, state: str, zone: str) -> None:
    found = area_codes()[code]

    assert (found.code, found.country, found.state) == (code, country, state)
    assert found.time_zones[0] == zone


def test_212_and_646_are_overlays_of_each_other_917_of_both_boroughs() -> None:
    table = area_codes()

    assert {"646", "332", "917"} <= set(table["212"].overlays)
    assert "212" in table["646"].overlays
    assert {"212", "718"} <= set(table["917"].overlays)
    assert "718" not in table["212"].overlays  # Manhattan and the other boroughs differ
    assert "415" not in table["213"].overlays


def test_overlays_are_symmetric_known_and_in_one_state() -> None:
    table = area_codes()
    for code in table.values():
        for other in code.overlays:
            assert code.code in table[other].overlays, (code.code, other)
            assert table[other].state == code.state, (code.code, other)


@pytest.mark.parametrize(
    ("code", "zones"),
    [
        ("850", {"America/New_York", "America/Chicago"}),  # Florida's panhandle
        ("208", {"America/Denver", "America/Los_Angeles"}),  # Idaho
        ("541", {"America/Los_Angeles", "America/Denver"}),  # eastern Oregon
    ],
)
def test_a_two_zone_area_code_lists_both(code: str, zones: set[str]) -> None:
    assert set(area_codes()[code].time_zones) == zones


def test_a_state_code_belongs_to_one_country() -> None:
    countries: dict[str, set[str]] = {}
    for code in area_codes().values():
        countries.setdefault(code.state, set()).add(code.country)

    assert all(len(found) == 1 for found in countries.values()), countries
    assert (area_codes()["345"].country, area_codes()["345"].state) == ("KY", "CYM")  # Cayman
    assert area_codes()["502"].state == "KY"  # Kentucky
    assert area_codes()["876"].state == "JAM"


def test_toll_free_and_unassigned_codes_are_not_in_the_table() -> None:
    table = area_codes()

    assert not {"800", "888", "900", "500", "211", "555"} & set(table)
    assert len(table) > 400  # every NANP region: the US, Canada, the Caribbean, the Pacific


def test_the_table_is_read_once_and_shared_by_both_packages() -> None:
    assert area_codes() is area_codes()
    assert bland_pools.coverage.analyze is ghl_pools.coverage.analyze
    assert ghl_pools.coverage.area_codes() is area_codes()


def test_the_data_file_says_its_source_and_date_and_ships_in_the_package() -> None:
    shipped = importlib.resources.files("pools_core").joinpath("data/area_codes.csv")
    header = [line for line in shipped.read_text().splitlines() if line.startswith("#")]

    text = "\n".join(header)
    assert "phonenumbers" in text
    assert "NANPA" in text
    assert re.search(r"on \d{4}-\d{2}-\d{2}", text)
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "data/*.csv" in config["tool"]["setuptools"]["package-data"]["pools_core"]
    extras = config["project"]["optional-dependencies"]
    assert any(dep.startswith("phonenumbers") for dep in extras["areacodes"])
    assert not any("phonenumbers" in dep for dep in config["project"]["dependencies"])


def test_the_script_regenerates_the_data_file(tmp_path: Path) -> None:
    phonenumbers = pytest.importorskip("phonenumbers")
    shipped = DATA.read_text()
    if f"phonenumbers {phonenumbers.__version__} " not in shipped:
        pytest.skip("another phonenumbers version than the one the file was made with")
    out = tmp_path / "area_codes.csv"

    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_area_codes.py"), "--out", str(out)],
        check=True,
        capture_output=True,
        timeout=120,
    )

    def body(text: str) -> list[str]:  # all but the line with the date
        return [line for line in text.splitlines() if " on 20" not in line]

    assert body(out.read_text()) == body(shipped)


# -- levels -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("callee", "level"),
    [
        ("212", "area_code"),  # the same area code
        ("646", "area_code"),  # an overlay
        ("917", "area_code"),  # an overlay serving Manhattan too
        ("718", "state"),  # New York, another area
        ("315", "state"),
        ("305", "time_zone"),  # Eastern, another state
        ("416", "time_zone"),  # Toronto: Canada, the same clock
        ("415", "none"),
        ("808", "none"),
    ],
)
def test_each_level(callee: str, level: str) -> None:
    result = analyze([n(callee)], [n("212")])

    assert result.calls == 1
    assert result.levels.count(level) == 1  # type: ignore[arg-type]
    assert result.levels.to_dict()["calls"] == 1


def test_a_call_in_a_two_zone_area_code_matches_either_zone() -> None:
    central = analyze([n("850")], [n("312")])  # Chicago: Central
    eastern = analyze([n("850")], [n("404")])  # Atlanta: Eastern
    pacific = analyze([n("850")], [n("415")])

    assert central.levels.time_zone == 1
    assert eastern.levels.time_zone == 1
    assert pacific.levels.none == 1
    assert analyze([n("208")], [n("206")]).levels.time_zone == 1  # Idaho's Pacific part
    assert analyze([n("208")], [n("303")]).levels.time_zone == 1  # and its Mountain part
    # Counted under its main zone, once.
    assert sum(c.calls for c in central.by_time_zone.values()) == 1


def test_a_pool_in_a_two_zone_area_code_reaches_both_zones() -> None:
    result = analyze([n("312"), n("404")], [n("850")])

    assert result.levels.time_zone == 2


def test_unknown_numbers_are_not_calls() -> None:
    result = analyze(
        [
            n("212"),
            "+18005550100",  # toll-free: no place
            "+10005550100",  # area code starting with 0
            "+12121235555",  # exchange starting with 1
            "+442079460958",  # not North American
            "+1212555",  # too short
            "call me",
            "",
        ],
        [n("212")],
    )

    assert result.calls == 1
    assert result.unknown == 7
    assert result.levels.area_code == 1


def test_everyday_formats_are_read_like_provisioning_input() -> None:
    result = analyze(
        ["(212) 555-0100", "212.555.0101", "1 646 555 0102", " +1 917-555-0103"], ["212-555-0199"]
    )

    assert (result.calls, result.unknown, result.levels.area_code) == (4, 0, 4)
    assert result.pool_area_codes == ("212",)


def test_pool_numbers_that_cannot_be_placed_are_reported() -> None:
    result = analyze([n("212")], [n("212"), "+18885550100", "nope"])

    assert result.pool_area_codes == ("212",)
    assert result.unknown_pool_numbers == ("+18885550100", "nope")


def test_area_code_of() -> None:
    assert area_code_of("(415) 555-2671") == AreaCode(
        "415", "US", "CA", ("America/Los_Angeles",), ("628",)
    )
    assert area_code_of("+18005550100") is None
    assert area_code_of(4155552671) is None


def test_refuses_one_string_and_a_negative_suggest() -> None:
    with pytest.raises(TypeError, match="not one string"):
        analyze("+12125550100", [n("212")])
    with pytest.raises(TypeError, match="not one string"):
        analyze([n("212")], "+12125550100")
    with pytest.raises(ValueError, match="-1"):
        analyze([n("212")], [n("212")], suggest=-1)


# -- summaries ----------------------------------------------------------------------------


def test_summaries_per_state_and_time_zone() -> None:
    result = analyze(calls({"212": 3, "718": 2, "415": 4, "305": 1}), [n("212")])

    assert result.levels.to_dict() == {
        "calls": 10,
        "area_code": 3,
        "state": 2,
        "time_zone": 1,
        "none": 4,
    }
    assert {k: v.to_dict() for k, v in result.by_state.items()} == {
        "CA": {"calls": 4, "area_code": 0, "state": 0, "time_zone": 0, "none": 4},
        "FL": {"calls": 1, "area_code": 0, "state": 0, "time_zone": 1, "none": 0},
        "NY": {"calls": 5, "area_code": 3, "state": 2, "time_zone": 0, "none": 0},
    }
    assert {k: v.to_dict() for k, v in result.by_time_zone.items()} == {
        "America/Los_Angeles": {"calls": 4, "area_code": 0, "state": 0, "time_zone": 0, "none": 4},
        "America/New_York": {"calls": 6, "area_code": 3, "state": 2, "time_zone": 1, "none": 0},
    }
    assert result.levels.share("area_code") == pytest.approx(0.3)


def test_no_calls_give_zero_shares() -> None:
    result = analyze([], [n("212")], suggest=3)

    assert result.calls == 0
    assert result.levels.share("area_code") == 0.0
    assert result.suggestions == ()


# -- suggestions ------------------------------------------------------------------------------


def test_suggestions_are_greedy_and_count_overlays() -> None:
    # 917 overlays Manhattan (212) and the other boroughs (718): one number lifts both.
    # Then 415 (5 calls; also lifts 213's 3 to state) ties 628, its overlay: the lower code.
    # Then 213 (its 3 calls, now at state level). Nothing is left to lift after that.
    result = analyze(
        calls({"212": 10, "718": 6, "415": 5, "213": 3, "305": 2}), [n("305")], suggest=5
    )

    assert [(s.area_code, s.state, s.calls_gained, s.state_gained) for s in result.suggestions] == [
        ("917", "NY", 16, 0),
        ("415", "CA", 5, 3),
        ("213", "CA", 3, 0),
    ]
    # The summaries are of the pool as it is, not with the suggestions added.
    assert result.levels.area_code == 2


def test_ties_are_broken_by_the_calls_lifted_to_state() -> None:
    # 503 (Oregon) and 509 (Washington) each lift 4 calls; 509 also brings 206's 3 to state.
    result = analyze(calls({"503": 4, "509": 4, "206": 3}), [n("212")], suggest=1)

    assert [(s.area_code, s.calls_gained, s.state_gained) for s in result.suggestions] == [
        ("509", 4, 3)
    ]


def test_suggest_limits_the_count() -> None:
    result = analyze(calls({"212": 3, "415": 2, "305": 1}), [n("808")], suggest=2)

    assert [s.area_code for s in result.suggestions] == ["212", "415"]


# -- JSON -----------------------------------------------------------------------------------


def test_the_json_shape_is_exactly_the_issues() -> None:
    result = analyze([*calls({"212": 2, "415": 1}), "junk"], [n("212")], suggest=1)

    document = result.to_dict()

    assert list(document) == [
        "calls",
        "unknown",
        "levels",
        "by_state",
        "by_time_zone",
        "suggestions",
    ]
    assert document["calls"] == 3
    assert document["unknown"] == 1
    assert document["levels"] == {"area_code": 2, "state": 0, "time_zone": 0, "none": 1}
    assert document["by_state"] == {
        "CA": {"calls": 1, "area_code": 0, "state": 0, "time_zone": 0, "none": 1},
        "NY": {"calls": 2, "area_code": 2, "state": 0, "time_zone": 0, "none": 0},
    }
    assert list(document["by_time_zone"]) == ["America/Los_Angeles", "America/New_York"]
    assert document["suggestions"] == [{"area_code": "415", "state": "CA", "calls_gained": 1}]
    assert analyze([n("212")], [n("212")]).to_dict()["suggestions"] == []
    assert LEVELS == ("area_code", "state", "time_zone", "none")

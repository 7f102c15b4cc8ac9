"""Time zones of the area-code table where libphonenumber's data is wrong for the code as a
whole (``ZONE_FIXES`` of scripts/make_area_codes.py): the main zone first, so a call counts
under the zone most of its area code keeps, and no zone the area does not keep, so a call
does not match a pool number whose clock differs from the callee's half of the year."""

from __future__ import annotations

import pytest

from pools_core._coverage import analyze, area_codes


@pytest.mark.parametrize(
    ("code", "main", "other"),
    [
        ("219", "America/Chicago", "America/New_York"),  # Gary: Central
        ("270", "America/Chicago", "America/New_York"),  # Bowling Green, Paducah
        ("423", "America/New_York", "America/Chicago"),  # Chattanooga
        ("709", "America/St_Johns", "America/Halifax"),  # Newfoundland, then Labrador
        ("879", "America/St_Johns", "America/Halifax"),  # the same as its overlay 709
        ("850", "America/New_York", "America/Chicago"),  # Tallahassee, then Pensacola
        ("208", "America/Denver", "America/Los_Angeles"),  # Boise, then the panhandle
    ],
)
def test_a_two_zone_code_lists_its_main_zone_first(code: str, main: str, other: str) -> None:
    assert area_codes()[code].time_zones == (main, other)


def test_a_call_counts_under_its_area_codes_main_zone() -> None:
    result = analyze(["+14235550100", "+12195550100"], ["+12125550100"])

    assert result.by_time_zone["America/New_York"].calls == 1  # 423
    assert result.by_time_zone["America/Chicago"].calls == 1  # 219


@pytest.mark.parametrize(
    ("callee", "pool", "level"),
    [
        ("+18795550100", "+19025550100", "time_zone"),  # Labrador keeps Halifax's clock
        ("+18795550100", "+17875550100", "none"),  # Puerto Rico has no summer time
        ("+19075550100", "+18085550100", "none"),  # no part of Alaska keeps Honolulu's clock
    ],
)
def test_no_zone_the_area_does_not_keep(callee: str, pool: str, level: str) -> None:
    result = analyze([callee], [pool])

    assert result.levels.count(level) == 1


@pytest.mark.parametrize(
    ("code", "overlays"),
    [
        ("809", ("829", "849")),  # the Dominican Republic: one overlay complex
        ("849", ("809", "829")),
        ("876", ("658",)),  # Jamaica
        ("658", ("876",)),
    ],
)
def test_caribbean_overlay_complexes(code: str, overlays: tuple[str, ...]) -> None:
    assert area_codes()[code].overlays == overlays


def test_a_dominican_callee_of_another_code_of_the_complex_is_local() -> None:
    assert analyze(["+18295550100"], ["+18095550100"]).levels.area_code == 1

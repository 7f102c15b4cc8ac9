"""Regenerate ``pools_core/data/area_codes.csv``: every North American (NANP, +1) area code in
service, its country, state or province, time zone(s) and overlays.

    pip install -e ".[areacodes]"          # phonenumbers: needed here only, never at run time
    python scripts/make_area_codes.py      # rewrites pools_core/data/area_codes.csv

Where each column comes from:

- in service, country: an area code is kept when phonenumbers (Google's libphonenumber
  metadata, Apache-2.0) accepts a fixed-line or mobile number in it; its region
  (``US``, ``CA``, ``PR``, ``JM``, ...) is the country. Toll-free and other non-geographic
  codes (800, 500, 900, ...) are left out: they say nothing about where a callee is.
- state: the geocoder's description of the area code (``California``, ``New York, NY``), else
  the state most of its exchanges' descriptions (``Jersey City, NJ``) name. A US territory's
  state is its postal code (``PR``, ``GU``); another NANP country's, its ISO 3166 alpha-3
  code (``JAM``, ``CYM``), which no state's code can be (the Cayman Islands are ``KY``, as
  Kentucky is).
- time zones: every zone phonenumbers' time zone data gives the area code or any of its
  exchanges, each replaced by the representative IANA zone keeping the same clock (the same
  UTC offsets in January and July): ``America/Boise`` is listed as ``America/Denver``,
  ``America/Toronto`` as ``America/New_York``, so "shares a time zone" means "same local time".
  A few codes where that data is wrong are corrected by hand (``ZONE_FIXES``, each with
  its reason).
- overlays: libphonenumber has no overlay data (its geocoder is per state, or per exchange
  for a minority of codes), so the overlay complexes are listed by hand below, from NANPA's
  area code maps and overlay announcements (https://www.nationalnanpa.com/). A code is an
  overlay of another when both serve the same place; 917 overlays both 212 and 718, which
  are not overlays of each other. Members phonenumbers does not know are dropped.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import sys
import zoneinfo
from collections.abc import Iterable
from pathlib import Path
from typing import Final

import phonenumbers
from phonenumbers import PhoneNumberType, timezone
from phonenumbers.geodata import GEOCODE_DATA
from phonenumbers.tzdata import TIMEZONE_DATA

OUT: Final = Path(__file__).resolve().parent.parent / "pools_core" / "data" / "area_codes.csv"

_STATES: Final = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA",
    "Colorado": "CO", "Connecticut": "CT", "Delaware": "DE", "Florida": "FL", "Georgia": "GA",
    "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL", "Indiana": "IN", "Iowa": "IA",
    "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA", "Maine": "ME", "Maryland": "MD",
    "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN", "Mississippi": "MS",
    "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV", "New Hampshire": "NH",
    "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY", "North Carolina": "NC",
    "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR", "Pennsylvania": "PA",
    "Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD", "Tennessee": "TN",
    "Texas": "TX", "Utah": "UT", "Vermont": "VT", "Virginia": "VA",
    "Washington State": "WA", "Washington D.C.": "DC", "West Virginia": "WV",
    "Wisconsin": "WI", "Wyoming": "WY",
    "Alberta": "AB", "British Columbia": "BC", "British Colombia": "BC", "Manitoba": "MB",
    "New Brunswick": "NB", "Newfoundland and Labrador": "NL", "Nova Scotia": "NS",
    "Ontario": "ON", "Prince Edward Island": "PE", "Quebec": "QC", "Saskatchewan": "SK",
    "Northwest Territories": "NT", "Nunavut": "NU", "Yukon": "YT",
}  # fmt: skip

#: Overlay complexes (NANPA): the codes of each group serve the same area.
OVERLAYS: Final = (
    # US
    "205 659", "256 938", "870 327",
    "209 350", "213 323 738", "310 424", "408 669", "415 628", "442 760", "510 341",
    "657 714", "747 818", "805 820", "909 840", "916 279", "530 837", "707 369",
    "303 720 983", "719 748",
    "203 475", "860 959", "202 771",
    "305 786 645", "321 407 689", "754 954", "813 656", "850 448", "904 324", "561 728",
    "404 470 678 770 943", "706 762", "208 986",
    "217 447", "224 847", "312 872", "773 872", "331 630", "618 730", "708 464", "779 815",
    "309 861", "317 463", "812 930", "270 364",
    "240 301 227", "410 443 667",
    "339 781", "351 978", "508 774", "617 857", "248 947", "601 769",
    "314 557", "573 235", "816 975", "402 531", "702 725",
    "201 551", "732 848", "862 973", "609 640",
    "212 646 332 917", "718 347 929 917", "516 363", "631 934", "315 680", "518 838",
    "845 329", "336 743", "704 980", "919 984", "910 472",
    "234 330", "220 740", "380 614", "419 567", "436 440", "283 513", "326 937",
    "405 572", "539 918", "503 971", "458 541",
    "215 267 445", "412 878", "724 878", "484 610 835", "272 570", "223 717", "582 814",
    "803 839", "843 854", "615 629",
    "214 469 972 945", "210 726", "281 346 713 832", "512 737", "430 903", "682 817",
    "385 801", "540 826", "571 703", "757 948", "686 804", "360 564", "304 681",
    "353 608", "534 715", "274 920",
    "787 939",
    # Caribbean
    "809 829 849", "658 876",
    # Canada
    "204 431 584", "226 519 548", "236 250 604 672 778", "249 705 683",
    "289 365 742 905", "306 474 639", "343 613 753", "367 418 581", "263 438 514",
    "354 450 579", "368 403 587 780 825", "416 437 647 942", "428 506", "709 879",
    "782 902", "468 819 873",
)  # fmt: skip

#: Where libphonenumber's time zone data is wrong for the area code as a whole, checked against
#: the areas the codes serve: the zones (main first) that replace what the data gives.
ZONE_FIXES: Final = {
    # The data's area-code entry names the minority zone and its exchanges the majority one:
    "219": ("America/Chicago", "America/New_York"),  # Gary, Lake County: Central
    "270": ("America/Chicago", "America/New_York"),  # Bowling Green, Paducah, Owensboro
    "423": ("America/New_York", "America/Chicago"),  # Chattanooga, the Tri-Cities
    "709": ("America/St_Johns", "America/Halifax"),  # Newfoundland; Labrador the smaller part
    # Newfoundland and Labrador, as its overlay 709 (the data: Puerto Rico's clock, no DST):
    "879": ("America/St_Johns", "America/Halifax"),
    # Alaska (one exchange in the data has Honolulu's clock, which no part of Alaska keeps):
    "907": ("America/Anchorage", "America/Adak"),
}  # fmt: skip

#: US territories: their postal code is their ISO code.
_TERRITORIES: Final = frozenset({"PR", "GU", "VI", "AS", "MP"})
#: The other NANP countries' alpha-3 codes.
_ALPHA3: Final = {
    "AG": "ATG", "AI": "AIA", "BB": "BRB", "BM": "BMU", "BS": "BHS", "DM": "DMA", "DO": "DOM",
    "GD": "GRD", "JM": "JAM", "KN": "KNA", "KY": "CYM", "LC": "LCA", "MS": "MSR", "SX": "SXM",
    "TC": "TCA", "TT": "TTO", "VC": "VCT", "VG": "VGB",
}  # fmt: skip

_GEOGRAPHIC: Final = frozenset(
    {PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
)
_CLOCK_ZONES: Final = (  # the representative of each clock, first match wins
    "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
    "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu", "America/Adak",
    "America/Halifax", "America/St_Johns", "America/Regina", "America/Puerto_Rico",
    "Pacific/Guam", "Pacific/Pago_Pago",
)  # fmt: skip


def _region(npa: str) -> str | None:
    """The region of the first geographic number phonenumbers accepts in ``npa``."""
    for nxx in range(200, 1000, 3):
        number = phonenumbers.parse(f"+1{npa}{nxx}4567")
        if phonenumbers.is_valid_number(number):
            if phonenumbers.number_type(number) not in _GEOGRAPHIC:
                return None
            region: str | None = phonenumbers.region_code_for_number(number)
            return region
    return None


def _state(npa: str) -> str | None:
    whole: str = GEOCODE_DATA.get("1" + npa, {}).get("en", "")
    if whole in _STATES:
        return _STATES[whole]
    if ", " in whole:
        return whole.rsplit(", ", 1)[1]
    votes: collections.Counter[str] = collections.Counter()
    for prefix, names in GEOCODE_DATA.items():
        text = names.get("en", "")
        if prefix.startswith("1" + npa) and len(prefix) > 4 and ", " in text:
            votes[text.rsplit(", ", 1)[1]] += 1
    if votes:
        return votes.most_common(1)[0][0]
    first = whole.split("/")[0]  # "Nova Scotia/Prince Edward Island"
    return _STATES.get(first)


def _clock(zone: str) -> str:
    """The representative zone with ``zone``'s UTC offsets in January and July."""

    def offsets(name: str) -> tuple[object, ...]:
        info = zoneinfo.ZoneInfo(name)
        return tuple(
            datetime.datetime(2026, month, 15, 12, tzinfo=info).utcoffset() for month in (1, 7)
        )

    mine = offsets(zone)
    return next((z for z in _CLOCK_ZONES if offsets(z) == mine), zone)


def _zones(npa: str) -> list[str]:
    """The area code's zones, the one most of it uses first (the whole code's own entry
    outweighs its exchanges')."""
    weight: collections.Counter[str] = collections.Counter()
    for prefix, zones in TIMEZONE_DATA.items():
        if prefix.startswith("1" + npa) and len(prefix) >= 4:
            for zone in zones:
                weight[_clock(zone)] += 1000 if len(prefix) == 4 else 1
    if not weight:
        number = phonenumbers.parse(f"+1{npa}2004567")
        for zone in timezone.time_zones_for_number(number):
            weight[_clock(zone)] += 1
    weight.pop("Etc/Unknown", None)
    return sorted(weight, key=lambda zone: (-weight[zone], zone))


def _overlays(codes: Iterable[str]) -> dict[str, set[str]]:
    known = set(codes)
    result: dict[str, set[str]] = collections.defaultdict(set)
    for group in OVERLAYS:
        members = [code for code in group.split() if code in known]
        for code in members:
            result[code].update(m for m in members if m != code)
    return result


def build() -> list[list[str]]:
    rows: list[list[str]] = []
    for number in range(200, 1000):
        npa = str(number)
        if npa[1:] == "11" or npa[1] == "9":  # N11 service codes; N9X reserved for expansion
            continue
        region = _region(npa)
        if region is None:
            continue
        if region in ("US", "CA"):
            state = _state(npa)
        elif region in _TERRITORIES:
            state = region
        elif region in _ALPHA3:
            state = _ALPHA3[region]
        else:
            raise SystemExit(f"{npa}: region {region} is new: add its alpha-3 code to _ALPHA3")
        if state is None:
            print(f"skipped {npa}: no state in the geocoder data", file=sys.stderr)
            continue
        zones = list(ZONE_FIXES.get(npa, ())) or _zones(npa)
        rows.append([npa, region, state, " ".join(zones)])
    overlays = _overlays(row[0] for row in rows)
    states = {row[0]: row[2] for row in rows}
    for row in rows:
        others = sorted(overlays.get(row[0], ()))
        for other in others:
            if states[other] != row[2]:
                raise SystemExit(f"overlay {row[0]}/{other} crosses states: check OVERLAYS")
        row.append(" ".join(others))
    return rows


def write(rows: list[list[str]], path: Path) -> None:
    import csv

    today = datetime.date.today().isoformat()
    header = [
        "# North American (NANP, +1) geographic area codes in service.",
        f"# Made by scripts/make_area_codes.py on {today} from phonenumbers "
        f"{phonenumbers.__version__} (libphonenumber metadata, Apache-2.0):",
        "# country and in-service from its number patterns, state from its geocoder data (a US",
        "# territory: its postal code; another NANP country: its ISO 3166 alpha-3 code),",
        "# time zones from its time zone data (each as the IANA zone keeping the same clock;",
        "# a few codes corrected by hand, ZONE_FIXES in that script).",
        "# Overlays: a hand-kept list of NANPA overlay complexes (nationalnanpa.com) in that",
        "# script, not derived: libphonenumber has no overlay data.",
        "# time_zones and overlays: space-separated.",
    ]
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("\n".join(header) + "\n")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["area_code", "country", "state", "time_zones", "overlays"])
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=OUT, help=f"default: {OUT}")
    args = parser.parse_args(argv)
    rows = build()
    write(rows, args.out)
    print(f"{len(rows)} area codes written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Local-presence coverage: for a list of calls (callee numbers) and a pool's numbers, how
close the nearest pool number is to each callee, by area code, state and time zone, and which
area codes to add numbers in.

The table of area codes (``data/area_codes.csv``, made by ``scripts/make_area_codes.py``) is
read once, on first use, into dicts. A call's level depends only on its area code, so the
calls are counted per area code first (one pass over the numbers) and everything else works
on those few hundred counts: a million calls take well under a second.

Bland's own choice of caller ID is not public: this measures geographic closeness, not what
Bland will dial.
"""

from __future__ import annotations

import csv
import functools
import importlib.resources
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Final, Literal

import attrs

from ._phone import normalize_phone_number

__all__ = [
    "LEVELS",
    "AreaCode",
    "Coverage",
    "Level",
    "LevelCounts",
    "Suggestion",
    "analyze",
    "area_code_of",
    "area_codes",
]

Level = Literal["area_code", "state", "time_zone", "none"]
#: The match levels, best first.
LEVELS: Final[tuple[Level, ...]] = ("area_code", "state", "time_zone", "none")

# A callee in Bland's form whose area code and exchange start with 2-9 (the NANP's rule).
_NANP: Final = re.compile(r"\+1([2-9][0-9]{2})[2-9][0-9]{6}")


@attrs.frozen
class AreaCode:
    """One area code in service: its country (``US``, ``CA``, ``PR``, ``JM``, ...), state or
    province (a US territory's postal code, ``PR``; another country's ISO alpha-3 code,
    ``JAM``, so the Cayman Islands are not Kentucky), IANA time zones (the one most of it uses
    first) and overlays (codes serving the same place)."""

    code: str
    country: str
    state: str
    time_zones: tuple[str, ...]
    overlays: tuple[str, ...]


@functools.cache
def area_codes() -> Mapping[str, AreaCode]:
    """Every North American geographic area code in service, by code (read once)."""
    text = importlib.resources.files("pools_core").joinpath("data/area_codes.csv").read_text()
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {
        row["area_code"]: AreaCode(
            row["area_code"],
            row["country"],
            row["state"],
            tuple(row["time_zones"].split()),
            tuple(row["overlays"].split()),
        )
        for row in rows
    }


def area_code_of(number: object) -> AreaCode | None:
    """The area code a number is in (any everyday format), or ``None`` when it is not a
    valid North American number of a geographic area code in service."""
    if number.__class__ is not str or _NANP.fullmatch(number) is None:
        try:
            number = normalize_phone_number(number)
        except ValueError:
            return None
        if _NANP.fullmatch(number) is None:
            return None
    return area_codes().get(number[2:5])


@attrs.frozen
class LevelCounts:
    """Calls per match level (``calls`` is their sum)."""

    calls: int = 0
    area_code: int = 0
    state: int = 0
    time_zone: int = 0
    none: int = 0

    def count(self, level: Level) -> int:
        return int(getattr(self, level))

    def share(self, level: Level) -> float:
        """The share of the calls at ``level``, 0.0 to 1.0 (0.0 without calls)."""
        return self.count(level) / self.calls if self.calls else 0.0

    def to_dict(self) -> dict[str, int]:
        return {"calls": self.calls, **{level: self.count(level) for level in LEVELS}}


@attrs.frozen
class Suggestion:
    """An area code to add a pool number in: the calls it lifts to ``area_code`` level
    (``calls_gained``) and, besides those, the calls it lifts to ``state`` level."""

    area_code: str
    state: str
    calls_gained: int
    state_gained: int

    def to_dict(self) -> dict[str, object]:
        return {"area_code": self.area_code, "state": self.state, "calls_gained": self.calls_gained}


@attrs.frozen
class Coverage:
    """The result of :func:`analyze`.

    Attributes:
        calls: callees placed in an area code in service; ``unknown``: the others (not a
            valid North American number, or not of a geographic area code in service).
        levels: calls per level; ``by_state``, ``by_time_zone``: the same per the callee's
            state and time zone (a two-zone area code's calls count under its main zone),
            both sorted by name.
        suggestions: the area codes to add, in the order picked (greedy).
        pool_area_codes: the pool's area codes placed; ``unknown_pool_numbers``: the pool's
            numbers that could not be placed.
    """

    calls: int
    unknown: int
    levels: LevelCounts
    by_state: Mapping[str, LevelCounts]
    by_time_zone: Mapping[str, LevelCounts]
    suggestions: tuple[Suggestion, ...]
    pool_area_codes: tuple[str, ...]
    unknown_pool_numbers: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        """The JSON form ``coverage --json`` prints."""
        levels = self.levels.to_dict()
        del levels["calls"]
        return {
            "calls": self.calls,
            "unknown": self.unknown,
            "levels": levels,
            "by_state": {k: v.to_dict() for k, v in self.by_state.items()},
            "by_time_zone": {k: v.to_dict() for k, v in self.by_time_zone.items()},
            "suggestions": [s.to_dict() for s in self.suggestions],
        }


class _Reach:
    """What a set of pool area codes covers: area codes (with overlays), states, zones."""

    def __init__(self, codes: Iterable[AreaCode]) -> None:
        self.codes: set[str] = set()
        self.states: set[str] = set()
        self.zones: set[str] = set()
        for code in codes:
            self.add(code)

    def add(self, code: AreaCode) -> None:
        self.codes.add(code.code)
        self.codes.update(code.overlays)
        self.states.add(code.state)
        self.zones.update(code.time_zones)

    def level(self, callee: AreaCode) -> Level:
        if callee.code in self.codes:
            return "area_code"
        if callee.state in self.states:
            return "state"
        if not self.zones.isdisjoint(callee.time_zones):
            return "time_zone"
        return "none"


def _count(calls: Iterable[object]) -> tuple[Counter[str], int]:
    """Calls per area code in service, and how many could not be placed."""
    match = _NANP.fullmatch
    # The common case (Bland's form) costs a regex match and a slice per call.
    keys = Counter(n[2:5] if n.__class__ is str and match(n) else _slow_key(n) for n in calls)
    table = area_codes()
    unknown = 0
    for key in [k for k in keys if k not in table]:
        unknown += keys.pop(key)
    return keys, unknown


def _slow_key(number: object) -> str:
    found = area_code_of(number)
    return found.code if found is not None else ""


def _summaries(
    per_code: Mapping[str, int], reach: _Reach
) -> tuple[LevelCounts, dict[str, LevelCounts], dict[str, LevelCounts]]:
    table = area_codes()
    total: Counter[str] = Counter()
    states: dict[str, Counter[str]] = {}
    zones: dict[str, Counter[str]] = {}
    for key, count in per_code.items():
        callee = table[key]
        level = reach.level(callee)
        total[level] += count
        states.setdefault(callee.state, Counter())[level] += count
        zones.setdefault(callee.time_zones[0], Counter())[level] += count

    def counts(levels: Counter[str]) -> LevelCounts:
        return LevelCounts(sum(levels.values()), *(levels[level] for level in LEVELS))

    return (
        counts(total),
        {k: counts(states[k]) for k in sorted(states)},
        {k: counts(zones[k]) for k in sorted(zones)},
    )


def _suggest(per_code: Mapping[str, int], reach: _Reach, limit: int) -> list[Suggestion]:
    """Greedy: each step picks the area code lifting the most calls to ``area_code`` level
    (ties: the most lifted to ``state`` level, then the code with more calls of its own, so
    a callee's own code before an overlay of it, then the lower code)."""
    table = area_codes()
    candidates = set(per_code)
    for key in per_code:
        candidates.update(c for c in table[key].overlays if c in table)
    picked: list[Suggestion] = []
    while len(picked) < limit:
        not_local: dict[str, int] = {}  # calls below area_code level, per area code
        far: dict[str, int] = {}  # calls below state level, per area code
        far_in_state: Counter[str] = Counter()
        for key, count in per_code.items():
            level = reach.level(table[key])
            if level != "area_code":
                not_local[key] = count
            if level in ("time_zone", "none"):
                far[key] = count
                far_in_state[table[key].state] += count
        best: tuple[int, int, int, int] = (0, 0, 0, 0)
        for key in candidates - reach.codes:
            code = table[key]
            served = (key, *code.overlays)
            to_code = sum(not_local.get(k, 0) for k in served)
            to_state = far_in_state[code.state] - sum(far.get(k, 0) for k in served)
            best = max(best, (to_code, to_state, per_code.get(key, 0), -int(key)))
        if best[:2] == (0, 0):
            break  # nothing left that a new area code would lift
        choice = table[str(-best[3])]
        picked.append(Suggestion(choice.code, choice.state, best[0], best[1]))
        reach.add(choice)
    return picked


def analyze(
    calls: Iterable[object], pool_numbers: Iterable[object], *, suggest: int = 0
) -> Coverage:
    """How many of ``calls`` a number of the pool would reach locally, and at which level:
    ``area_code`` (the callee's area code or an overlay of it), ``state``, ``time_zone``
    (either of a two-zone area code's zones) or ``none``.

    Numbers may be in any everyday format (``(415) 555-2671``); those that are not valid
    North American numbers of a geographic area code in service count as ``unknown``, not
    as calls. ``suggest``: how many area codes to suggest adding (greedily, each ranked by
    the calls it lifts to ``area_code`` level, ties by those it lifts to ``state``, then by
    the calls of the code itself, then the lower code).
    """
    if isinstance(calls, str | bytes) or isinstance(pool_numbers, str | bytes):
        raise TypeError("calls and pool_numbers are iterables of numbers, not one string")
    if suggest < 0:
        raise ValueError(f"suggest must be 0 or more, got {suggest!r}")
    placed: dict[str, AreaCode] = {}
    unplaced: list[str] = []
    for number in pool_numbers:
        found = area_code_of(number)
        if found is None:
            unplaced.append(str(number))
        else:
            placed[found.code] = found
    per_code, unknown = _count(calls)
    reach = _Reach(placed.values())
    levels, by_state, by_zone = _summaries(per_code, reach)
    suggestions = _suggest(per_code, reach, suggest) if suggest else []
    return Coverage(
        calls=levels.calls,
        unknown=unknown,
        levels=levels,
        by_state=by_state,
        by_time_zone=by_zone,
        suggestions=tuple(suggestions),
        pool_area_codes=tuple(sorted(placed)),
        unknown_pool_numbers=tuple(unplaced),
    )

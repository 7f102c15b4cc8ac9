"""Local-presence coverage of a call list by a pool's numbers (area code, state, time zone),
and the area codes to add numbers in. The same analysis for Bland and GoHighLevel pools:

    from ghl_pools.coverage import analyze

    result = analyze(callee_numbers, pool_numbers, suggest=3)
    result.levels.share("area_code")        # 0.0 to 1.0

Bland's exact caller-ID rule is not public: this measures geographic closeness, not what
Bland will dial.
"""

from pools_core._coverage import (
    LEVELS as LEVELS,
    AreaCode as AreaCode,
    Coverage as Coverage,
    Level as Level,
    LevelCounts as LevelCounts,
    Suggestion as Suggestion,
    analyze as analyze,
    area_code_of as area_code_of,
    area_codes as area_codes,
)

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

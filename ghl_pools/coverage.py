"""Local-presence coverage of a call list by a pool's numbers (area code, state, time zone),
and the area codes to add numbers in. The same analysis for Bland and GoHighLevel pools:

    from ghl_pools.coverage import analyze

    result = analyze(callee_numbers, pool_numbers, suggest=3)
    result.levels.share("area_code")        # 0.0 to 1.0

Bland's exact caller-ID rule is not public: this measures geographic closeness, not what
Bland will dial.
"""

# One list of names for both packages: pools_core._coverage's __all__.
from pools_core._coverage import *  # noqa: F403
from pools_core._coverage import __all__ as __all__

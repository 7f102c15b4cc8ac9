"""One module per measure of ``python -m benchmarks``, named as its key in ``results.json``.

Each has a ``TITLE`` and ``run(sizes) -> Outcome``; ``benchmarks._suite`` imports a module
only when its measure runs (so a missing benchmark-only library fails that measure alone).
"""

from __future__ import annotations

from typing import Final

#: Every measure, in the order a full run takes them.
NAMES: Final = (
    "bland_get",
    "ghl_list",
    "blocking",
    "bulk",
    "bulk_memory",
    "ghl_export",
    "decode",
    "coverage",
    "rerun",
    "rate_limited",
)

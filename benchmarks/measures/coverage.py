"""``coverage``: the local-presence analysis (``bland_pools.coverage.analyze``) of
``sizes.coverage_calls`` calls (1,000,000 in a full run) against a 20-number pool, with 5
suggestions, in seconds; the target is at most 3 s.

Two call lists of the same size, made once before timing (seeded, so every run is the same):

* ``e164``: every call in Bland's form (``+14155550123``), as a dialer exports them;
* ``messy``: a fifth of them written the everyday way (``(415) 555-0123``,
  ``415.555.0123``) and 1% not valid North American numbers, as a spreadsheet holds them;
  for reference (normalizing those costs more per call).

The callees are spread over every area code of the table, weighted toward the first ones, so
the per-area-code counts are uneven as real lists are. Each round runs both lists, the order
alternating; a full ``gc.collect()`` before each timed run. The figure is the median.
"""

from __future__ import annotations

import gc
import random
import statistics
import time
from typing import Final

from benchmarks._harness import Outcome, Sizes, log, orders
from bland_pools.coverage import analyze, area_codes

TITLE: Final = "Local-presence coverage of a call list (analyze)"
TARGET_SECONDS: Final = 3.0
_POOL_SIZE: Final = 20


def call_lists(count: int, seed: int = 18) -> dict[str, list[str]]:
    rng = random.Random(seed)
    codes = sorted(area_codes())
    weights = [1.0 / (1 + index % 50) for index in range(len(codes))]
    picked = rng.choices(codes, weights, k=count)
    e164 = [f"+1{code}{rng.randrange(200, 1000)}{rng.randrange(10_000):04d}" for code in picked]
    messy = list(e164)
    for index in range(0, count, 5):
        n = messy[index]
        messy[index] = f"({n[2:5]}) {n[5:8]}-{n[8:]}" if index % 2 else f"{n[2:5]}.{n[5:8]}.{n[8:]}"
    for index in range(3, count, 100):
        messy[index] = "+10005550100" if index % 2 else "n/a"
    return {"e164": e164, "messy": messy}


def run(sizes: Sizes) -> Outcome:
    count = sizes.coverage_calls
    outcome = Outcome(TITLE, sizes.describe("coverage_calls", "coverage_rounds"))
    lists = call_lists(count)
    pool = [f"+1{code}5550100" for code in sorted(area_codes())[:: len(area_codes()) // _POOL_SIZE]]
    pool = pool[:_POOL_SIZE]
    for name, calls in lists.items():  # warm up (the table is read here), and check it
        result = analyze(calls, pool, suggest=5)
        if result.calls + result.unknown != count:
            raise AssertionError(f"coverage {name}: calls and unknown do not add up")
    seconds: dict[str, list[float]] = {name: [] for name in lists}
    for order in orders(list(lists), sizes.coverage_rounds):
        for name in order:
            gc.collect()
            started = time.perf_counter()
            analyze(lists[name], pool, suggest=5)
            seconds[name].append(time.perf_counter() - started)
    for name, values in seconds.items():
        median = statistics.median(values)
        log(f"  coverage {name}: {median:.3f} s for {count:,} calls")
        outcome.add(
            name,
            f"Coverage of {count:,} calls ({'E.164' if name == 'e164' else 'messy formats'}): "
            "seconds",
            round(median, 3),
            unit="s",
            target=TARGET_SECONDS if name == "e164" else None,
            compare="<=",
            measured={"rounds": values, "calls_per_second": round(count / median)},
            summary=f"{median:.2f} s, {count / median / 1e6:.2f} M calls/s",
        )
    return outcome

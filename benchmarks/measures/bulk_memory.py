"""``bulk_memory``: peak memory growth of provisioning a ``sizes.memory_pools``-pool input file
(100,000 in a full run) through the engine, next to ``asyncio.gather`` over one SDK create
per pool.

The input is a CSV file (``pool,phone_number``, two numbers per pool). Each side runs in its
own process (``python -m benchmarks.measures.bulk_memory --child ...``), both at once,
against the fast server (``_server.py``, another process):

* engine: ``provision(<csv path>, manifest=<fresh SQLite file>, client=AsyncBlandClient(...,
  max_rate=math.inf), concurrency=32)``: a fixed set of workers;
* gather: the file read with ``csv.DictReader`` into ``{pool: [numbers]}``, then
  ``asyncio.gather`` over ``client.pools.create(numbers)`` for every pool, each under an
  ``asyncio.Semaphore(32)``: a task per pool, and every pool it returns kept.

Each child reads its RSS (``VmRSS`` in ``/proc/self/status``) just before the job (after
imports, inside the event loop) and its peak RSS after it (``VmHWM``, the same figure as
``ru_maxrss`` but for this process alone: Linux lets a child's ``ru_maxrss`` start from the
peak of the process it was forked from, here about 60 MiB); the growth is the difference, in
MiB (KiB / 1024). ``tracemalloc``'s peak is left out: tracing every allocation of 100,000
creates makes the run several times slower and its own bookkeeping would inflate the RSS.
The target: the engine grows by less than 100 MB.
"""

from __future__ import annotations

import asyncio
import csv
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Final

from benchmarks._harness import REPO_ROOT, Outcome, Sizes, log, status_kib
from benchmarks.bench_overhead import API_KEY, BenchmarkError, running_server
from benchmarks.measures.bulk import desired_pools
from pools_core._text import csv_writer

TITLE: Final = "Bulk provisioning memory: the engine vs asyncio.gather"
TARGET_MB: Final = 100.0
CONCURRENCY: Final = 32
#: Seconds a child may take (a full run's engine side takes about half a minute).
CHILD_TIMEOUT: Final = 280.0


def run(sizes: Sizes) -> Outcome:
    outcome = Outcome(TITLE, {"memory_pools": sizes.memory_pools, "concurrency": CONCURRENCY})
    with (
        running_server(pin=False) as server,
        tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp,
    ):
        path = Path(tmp) / "pools.csv"
        with path.open("w", newline="") as file:
            writer = csv_writer(file)  # as every CSV the project writes (pools_core._text)
            writer.writerow(["pool", "phone_number"])
            for key, numbers in desired_pools(sizes.memory_pools).items():
                writer.writerows([key, number] for number in numbers)
        log(f"  bulk_memory: {sizes.memory_pools:,} pools, engine and gather in two processes")
        children = {
            kind: subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.measures.bulk_memory",
                    "--child",
                    kind,
                    server.base_url,
                    str(path),
                    str(Path(tmp) / f"{kind}.db"),
                ],
                cwd=REPO_ROOT,
                stdout=subprocess.PIPE,
                text=True,
            )
            for kind in ("engine", "gather")
        }
        found = {kind: _result(kind, child) for kind, child in children.items()}
    engine, gather = found["engine"], found["gather"]
    engine_mb, gather_mb = engine["growth_kib"] / 1024, gather["growth_kib"] / 1024
    log(f"  bulk_memory: engine +{engine_mb:.1f} MiB, gather +{gather_mb:.1f} MiB")
    outcome.add(
        "engine_growth",
        f"Bulk {sizes.memory_pools:,} pools: engine peak RSS growth (MiB)",
        round(engine_mb, 1),
        unit="MiB",
        target=TARGET_MB,
        compare="<",
        measured={"engine": engine, "gather": gather},
        summary=f"engine +{engine_mb:.1f} MiB in {engine['seconds']:.1f} s, "
        f"{engine['cpu_us_per_pool']:.0f} us CPU per pool",
    )
    outcome.add(
        "gather_vs_engine",
        f"Bulk {sizes.memory_pools:,} pools: gather/engine peak RSS growth",
        gather_mb / engine_mb if engine_mb > 0 else None,
        measured={"engine_mib": round(engine_mb, 1), "gather_mib": round(gather_mb, 1)},
        summary=f"gather +{gather_mb:.1f} vs engine +{engine_mb:.1f} MiB",
    )
    return outcome


def _result(kind: str, child: subprocess.Popen[str]) -> dict[str, Any]:
    try:
        out, _ = child.communicate(timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise BenchmarkError(f"the {kind} child took over {CHILD_TIMEOUT:.0f} s") from None
    lines = out.strip().splitlines()
    if child.returncode != 0 or not lines:
        raise BenchmarkError(f"the {kind} child failed (exit code {child.returncode})")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


# -- the child process ----------------------------------------------------------------------


async def _engine(url: str, path: Path, manifest: Path) -> int:
    from bland_pools import AsyncBlandClient
    from bland_pools.provision import provision

    async with AsyncBlandClient(api_key=API_KEY, base_url=url, max_rate=math.inf) as client:
        report = await provision(path, manifest=manifest, client=client, concurrency=CONCURRENCY)
    return report.count("created")


async def _gather(url: str, path: Path) -> int:
    from bland_pools import AsyncBlandClient

    desired: dict[str, list[str]] = {}
    with path.open(newline="") as file:
        for row in csv.DictReader(file):
            desired.setdefault(row["pool"], []).append(row["phone_number"])
    async with AsyncBlandClient(api_key=API_KEY, base_url=url, max_rate=math.inf) as client:
        semaphore = asyncio.Semaphore(CONCURRENCY)

        async def create(numbers: list[str]) -> object:
            async with semaphore:
                return await client.pools.create(numbers)

        pools = await asyncio.gather(*(create(numbers) for numbers in desired.values()))
    return len(pools)


async def _job(kind: str, url: str, path: Path, manifest: Path) -> dict[str, Any]:
    before = status_kib("VmRSS")
    started, cpu = time.perf_counter(), time.process_time()
    created = await (_engine(url, path, manifest) if kind == "engine" else _gather(url, path))
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    peak = status_kib("VmHWM")
    return {
        "kind": kind,
        "created": created,
        "rss_before_kib": before,
        "peak_rss_kib": peak,
        "growth_kib": peak - before,
        # Not used: Linux carries the parent's peak RSS over into a child's ru_maxrss (the
        # child was forked from it), so it can exceed this process's own peak.
        "ru_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "seconds": round(seconds, 2),
        # The child's own CPU (the server is another process), per pool.
        "cpu_us_per_pool": round(cpu / max(created, 1) * 1e6, 1),
    }


def child(argv: list[str]) -> int:
    kind, url, path, manifest = argv
    # Imported before the "before" reading: the job's growth, not the libraries'.
    import bland_pools.provision  # noqa: F401

    result = asyncio.run(_job(kind, url, Path(path), Path(manifest)))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] != ["--child"]:
        sys.exit("usage: python -m benchmarks.measures.bulk_memory --child KIND URL CSV DB")
    sys.exit(child(sys.argv[2:]))

"""``rerun``: the provisioning run with nothing to do, at 100,000 pools (smoke: 2,000), and
``bland-pools manifest`` (table and ``--json``) on the manifest it reads.

A sync job's most common run is the one that finds every pool as it should be. The setup
writes what a finished first run leaves: a CSV input (``pool,phone_number``, two numbers per
pool), a manifest holding every key as done (filled through ``SQLiteManifest.applied``), and
the organization's listing (every pool, the docs' field set) served by a small aiohttp server
in another process (one request: its speed does not matter). Then, each in its own process:

* the re-run: ``provision(<csv path>, manifest=<the manifest>, client=AsyncBlandClient(...,
  max_rate=math.inf))``; it must plan every key ``unchanged``. Its wall time, its CPU time
  (``time.process_time``: the server is another process) and its peak RSS (``VmHWM`` of
  ``/proc/self/status``: the whole process, imports included, as a user's ``time -v`` shows);
* ``bland-pools manifest PATH`` and ``bland-pools manifest PATH --json``, output to
  ``/dev/null``: wall time of the whole command, start-up included.

Targets: the re-run within 2.0 s and 120 MiB; each ``manifest`` command within 2 s.
"""

from __future__ import annotations

import asyncio
import csv
import json
import math
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Final

from benchmarks._harness import REPO_ROOT, Outcome, Sizes, log, status_kib
from benchmarks.bench_overhead import API_KEY, BenchmarkError
from benchmarks.measures.bulk import desired_pools

TITLE: Final = "Re-run with nothing to do, and reading the manifest"
FULL_POOLS: Final = 100_000
SMOKE_POOLS: Final = 2_000
TARGET_SECONDS: Final = 2.0
TARGET_MIB: Final = 120.0
TARGET_MANIFEST_SECONDS: Final = 2.0
OWNER: Final = "550e8400-e29b-41d4-a716-446655440002"
CHILD_TIMEOUT: Final = 120.0
_MAIN: Final = "import sys; from bland_pools._cli import main; sys.exit(main())"


def run(sizes: Sizes) -> Outcome:
    count = SMOKE_POOLS if sizes.smoke else FULL_POOLS
    outcome = Outcome(TITLE, {"rerun_pools": count})
    with tempfile.TemporaryDirectory(prefix="bench-rerun-") as tmp:
        folder = Path(tmp)
        log(f"  rerun: writing {count:,} pools (input, manifest, listing)")
        prepare(folder, count)
        with _listing_server(folder / "listing.json") as url:
            rerun = _child(["--child", url, str(folder / "pools.csv"), str(folder / "pools.db")])
        if rerun["unchanged"] != count:
            raise BenchmarkError(f"the re-run planned {rerun['unchanged']} of {count} unchanged")
        shown = {
            "table": _timed(["manifest", str(folder / "pools.db")]),
            "json": _timed(["manifest", str(folder / "pools.db"), "--json"]),
        }
    mib = rerun["peak_rss_kib"] / 1024
    cpu_us = rerun["cpu_seconds"] / count * 1e6
    log(
        f"  rerun: {rerun['seconds']:.2f} s, {mib:.0f} MiB peak, {cpu_us:.1f} us CPU per pool; "
        f"manifest {shown['table']:.2f} s, --json {shown['json']:.2f} s"
    )
    outcome.add(
        "rerun_seconds",
        f"Re-run of {count:,} unchanged pools: seconds",
        rerun["seconds"],
        unit="s",
        target=TARGET_SECONDS,
        compare="<=",
        measured=rerun,
        summary=f"{rerun['seconds']:.2f} s, {cpu_us:.1f} us CPU per pool",
    )
    outcome.add(
        "rerun_peak_rss",
        f"Re-run of {count:,} unchanged pools: peak RSS (MiB)",
        round(mib, 1),
        unit="MiB",
        target=TARGET_MIB,
        compare="<=",
        measured={"peak_rss_kib": rerun["peak_rss_kib"]},
        summary=f"{mib:.0f} MiB peak (the whole process)",
    )
    for kind, label in (("table", "manifest"), ("json", "manifest --json")):
        outcome.add(
            f"manifest_{kind}_seconds",
            f"bland-pools {label}, {count:,} entries: seconds",
            round(shown[kind], 3),
            unit="s",
            target=TARGET_MANIFEST_SECONDS,
            compare="<=",
            summary=f"{shown[kind]:.2f} s (start-up included)",
        )
    return outcome


def prepare(folder: Path, count: int) -> None:
    """What a finished first run of ``count`` pools leaves: input, manifest and listing."""
    from bland_pools.provision import SQLiteManifest

    desired = desired_pools(count)
    with (folder / "pools.csv").open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["pool", "phone_number"])
        for key, numbers in desired.items():
            writer.writerows([key, number] for number in numbers)
    pools = []
    with SQLiteManifest(folder / "pools.db") as store, store.batch():
        store.set_meta("owner_id", OWNER)
        for index, (key, numbers) in enumerate(desired.items()):
            pool_id = str(uuid.UUID(int=index + 1))
            store.applied(key, pool_id, tuple(numbers), None, "created")
            pools.append(
                {
                    "id": pool_id,
                    "owner_id": OWNER,
                    "phone_numbers": numbers,
                    "encrypted_key": None,
                    "created_at": "2024-01-15T10:30:00Z",
                }
            )
    body = {"status": "success", "data": pools, "errors": None}
    (folder / "listing.json").write_bytes(json.dumps(body, separators=(",", ":")).encode())


class _listing_server:  # used as a context manager, like a function
    """The listing server in another process; its base URL while inside."""

    def __init__(self, body: Path) -> None:
        self._args = [sys.executable, "-m", "benchmarks.measures.rerun", "--serve", str(body)]

    def __enter__(self) -> str:
        self._process = subprocess.Popen(
            self._args, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline().split()
        if line[:1] != ["LISTENING"]:
            self.__exit__()
            raise BenchmarkError("the listing server did not start")
        return f"http://127.0.0.1:{line[1]}"

    def __exit__(self, *exc: object) -> None:
        self._process.kill()
        self._process.communicate()


def _child(args: list[str]) -> dict[str, Any]:
    try:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.measures.rerun", *args],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BenchmarkError(f"the re-run took over {CHILD_TIMEOUT:.0f} s") from None
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise BenchmarkError(f"the re-run failed ({done.returncode}): {done.stderr[-500:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def _timed(args: list[str]) -> float:
    """Wall seconds of ``bland-pools ARGS``, output discarded."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _MAIN, *args],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise BenchmarkError(f"bland-pools {' '.join(args)} failed: {done.stderr[-300:]}")
    return seconds


# -- the child processes ---------------------------------------------------------------------


async def _rerun(url: str, path: Path, manifest: Path) -> dict[str, Any]:
    from bland_pools import AsyncBlandClient
    from bland_pools.provision import provision

    started, cpu = time.perf_counter(), time.process_time()
    async with AsyncBlandClient(api_key=API_KEY, base_url=url, max_rate=math.inf) as client:
        report = await provision(path, manifest=manifest, client=client)
    return {
        "seconds": round(time.perf_counter() - started, 3),
        "cpu_seconds": round(time.process_time() - cpu, 3),
        "peak_rss_kib": status_kib("VmHWM"),
        "unchanged": report.count("unchanged"),
        "changes": report.plan.changes,
    }


async def _serve(body: bytes) -> None:
    from aiohttp import web

    async def listing(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_get("/v1/custom-dialing-pools", listing)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    print(f"LISTENING {port}", flush=True)
    await asyncio.Event().wait()


def main(argv: list[str]) -> int:
    if argv[:1] == ["--serve"]:
        asyncio.run(_serve(Path(argv[1]).read_bytes()))
        return 0
    if argv[:1] == ["--child"]:
        url, path, manifest = argv[1:4]
        result = asyncio.run(_rerun(url, Path(path), Path(manifest)))
        print(json.dumps(result), flush=True)
        return 0
    sys.exit("usage: python -m benchmarks.measures.rerun --child URL CSV DB | --serve BODY")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

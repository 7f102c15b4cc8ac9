"""``bland-pools provision`` as real processes against standalone emulators (``python -m
bland_pools.testing``), so that crash safety is proven with real process deaths, not simulated
ones.

- A job killed with SIGKILL at random moments five times in a row (several of the kills while
  creates are in flight, leaving open intents in the manifest), then run to the end, leaves
  exactly the file's pools in the organization: none missing, none twice, each key of the
  manifest done with its pool; a further run has nothing left to do.
- A second process on a manifest that a running job holds is refused at once with a clear
  message and sends nothing; the lock dies with the process that held it.
- ``ghl-pools export --format provision | bland-pools provision -`` (two processes joined by a
  pipe) mirrors GoHighLevel's pools in Bland, keyed ``<location>:<pool id>``; numbers Bland
  cannot take are skipped and reported by the exporter; running the pipe again changes
  nothing.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bland_pools.provision import SQLiteManifest
from ghl_pools.testing import GHLEmulator

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals (SIGKILL)")

BIN = Path(sys.executable).parent
KEY = "sk-proc-secret-5e4d3c2b1a"
GHL_TOKEN = "pit-proc-token-8f7e6d"
LOC_A = "procLocAlpha1"
LOC_B = "procLocBeta2"
UK_NUMBER = "+442079460958"
URL = re.compile(r"listening on (http://127\.0\.0\.1:\d+)$")
# Only 127.0.0.1 is ever asked, and never through a proxy the environment names.
_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# -- helpers ----------------------------------------------------------------------------------


@contextlib.contextmanager
def standalone_bland(*args: str) -> Iterator[str]:
    """A ``python -m bland_pools.testing`` process accepting KEY; yields its URL and stops it
    with SIGTERM (it must stop cleanly)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bland_pools.testing", "--port", "0", "--api-key", KEY, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    try:
        lines = []
        while not lines or not lines[-1].startswith("Press Ctrl-C"):
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip())
        match = URL.search(lines[0]) if lines else None
        assert match is not None, lines
        yield match.group(1)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def get_json(url: str) -> Any:
    with _HTTP.open(url, timeout=30) as response:
        return json.load(response)


def post_json(url: str, body: Any) -> Any:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with _HTTP.open(request, timeout=30) as response:
        return json.load(response)


def logged(url: str) -> list[dict[str, Any]]:
    """The emulator's request log."""
    result: list[dict[str, Any]] = get_json(url + "/_emulator/requests")
    return result


def stored_pools(url: str) -> list[dict[str, Any]]:
    """Every pool the (one-organization) emulator stores."""
    by_owner = get_json(url + "/_emulator/pools")
    assert len(by_owner) == 1
    (pools,) = by_owner.values()
    result: list[dict[str, Any]] = pools
    return result


def provision_argv(file: str, manifest: Path, url: str, *extra: str) -> list[str]:
    return [
        str(BIN / "bland-pools"),
        "provision",
        file,
        "--manifest",
        str(manifest),
        "--api-key",
        KEY,
        "--base-url",
        url,
        *extra,
    ]


def run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False, **kwargs)


def manifest_json(manifest: Path) -> dict[str, Any]:
    """``bland-pools manifest M --json`` (a separate process, no API key)."""
    done = run([str(BIN / "bland-pools"), "manifest", str(manifest), "--json"])
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def write_pools_csv(path: Path, count: int, seed: int) -> dict[str, tuple[str, ...]]:
    """A provisioning CSV of ``count`` pools of one to three distinct numbers each (every
    third number written ``(555) 123-4567``-style, some with a leading ``1``); returns each
    key's numbers in Bland's form, sorted."""
    rng = random.Random(seed)
    expected: dict[str, tuple[str, ...]] = {}
    lines = ["pool,phone_number"]
    serial = 0
    for index in range(count):
        key = f"crash-{index:03d}"
        numbers = []
        for _ in range(rng.randint(1, 3)):
            serial += 1
            national = f"{rng.randint(201, 989)}{serial:07d}"
            numbers.append("+1" + national)
            style = serial % 3
            if style == 0:
                written = f"({national[:3]}) {national[3:6]}-{national[6:]}"
            elif style == 1:
                written = "+1" + national
            else:
                written = f"1 {national[:3]} {national[3:6]} {national[6:]}"
            lines.append(f'{key},"{written}"')
        expected[key] = tuple(sorted(numbers))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return expected


def wait_for(predicate: Any, what: str, limit: float = 60.0) -> None:
    """Poll ``predicate`` until it holds (``limit`` is only a safety net)."""
    deadline = time.monotonic() + limit
    while not predicate():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


def assert_exactly(
    url: str, manifest: Path, expected: dict[str, tuple[str, ...]]
) -> list[dict[str, Any]]:
    """The emulator holds exactly ``expected``'s pools, once each, and every manifest key is
    done with the pool of its numbers."""
    pools = stored_pools(url)
    held = Counter(tuple(sorted(p["phone_numbers"])) for p in pools)
    duplicates = {numbers: n for numbers, n in held.items() if n > 1}
    assert not duplicates, f"pools stored more than once: {duplicates}"
    assert held == Counter(expected.values())
    by_id = {p["id"]: p for p in pools}
    shown = manifest_json(manifest)
    assert shown["total"] == len(expected)
    entries = {e["key"]: e for e in shown["pools"]}
    assert set(entries) == set(expected)
    for key, entry in entries.items():
        state = (entry["status"], entry["intent"], entry["last_error"])
        assert state == ("done", None, None), entry
        assert tuple(sorted(by_id[entry["pool_id"]]["phone_numbers"])) == expected[key]
        assert tuple(entry["numbers"]) == expected[key]
    assert len({e["pool_id"] for e in entries.values()}) == len(expected)
    return pools


# -- killed five times, then run to the end -----------------------------------------------------


def test_killed_five_times_at_random_then_run_to_the_end(tmp_path: Path) -> None:
    source = tmp_path / "pools.csv"
    expected = write_pools_csv(source, 300, seed=41)
    manifest = tmp_path / "pools.db"
    rng = random.Random(20240917)
    faults = ["server_error=0.05", "drop_after=0.05", "rate_limited=0.02", "slow=0.05"]
    with standalone_bland(
        *[arg for fault in faults for arg in ("--fault", fault)],
        *("--retry-after", "0.05", "--slow-seconds", "0.3", "--seed", "7"),
    ) as url:
        argv = provision_argv(str(source), manifest, url, "--concurrency", "8")
        killed_running = 0
        open_intents_after_kill = []
        made_unrecorded = 0  # creates the emulator had applied, killed before recording them
        for round_ in range(5):
            made = len(stored_pools(url))
            job = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                if round_ == 0:
                    # A moment by the clock: start-up, the listing, or the first creates.
                    time.sleep(rng.uniform(0.03, 0.4))
                else:
                    # Once a random number of its creates landed: the others are in flight.
                    grown = made + rng.randint(1, 50)
                    wait_for(
                        lambda g=grown, j=job: len(stored_pools(url)) >= g or j.poll() is not None,
                        "the job's creates",
                    )
                    time.sleep(rng.uniform(0.0, 0.05))
                if job.poll() is None:
                    killed_running += 1
            finally:
                job.send_signal(signal.SIGKILL)
                job.wait(timeout=30)
            if manifest.exists():  # (the kill may have come before the job made it)
                with SQLiteManifest(manifest, read_only=True) as store:
                    intents = [e.intent_numbers for e in store.entries() if e.intent]
                open_intents_after_kill.append(len(intents))
                made_sets = {tuple(sorted(p["phone_numbers"])) for p in stored_pools(url)}
                made_unrecorded += sum(1 for n in intents if n and tuple(sorted(n)) in made_sets)
        assert killed_running >= 3, "the jobs finished before their kills: nothing was tested"
        # Killed between committing an intent and recording its outcome, more than once.
        assert sum(1 for n in open_intents_after_kill if n) >= 2, open_intents_after_kill
        # ... some of them after the emulator had made the pool: the duplicate-making case.
        assert made_unrecorded >= 1

        final = run(argv)
        assert final.returncode == 0, final.stderr
        assert "Traceback" not in final.stderr
        # Whatever the last kill left open was settled first, each intent once.
        assert final.stdout.count("settled: ") >= open_intents_after_kill[-1]
        assert_exactly(url, manifest, expected)

        again = run(argv)
        assert again.returncode == 0, again.stderr
        assert "Nothing to do" in again.stdout
        assert f"0 to create, 0 to update, 0 to adopt, 0 to delete, {len(expected)} unchanged" in (
            again.stdout
        )
        assert_exactly(url, manifest, expected)


# -- a second process on the same manifest --------------------------------------------------------


def test_a_second_process_on_a_running_jobs_manifest_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "pools.csv"
    expected = write_pools_csv(source, 5, seed=3)
    manifest = tmp_path / "pools.db"
    with standalone_bland() as url:
        # The first job's listing is answered a minute late: it holds the manifest meanwhile.
        post_json(
            url + "/_emulator/faults",
            {"fault": "slow", "times": 1, "method": "GET", "slow_seconds": 60},
        )
        argv = provision_argv(str(source), manifest, url)
        first = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: len(logged(url)) == 1, "the first job's listing")

            second = run(argv)

            assert first.poll() is None  # still holding it: the refusal was not a race
            assert second.returncode != 0
            assert "in use" in second.stderr
            assert str(manifest) in second.stderr
            assert "Traceback" not in second.stderr
            assert second.stdout == ""  # no plan: it never got that far
            assert len(logged(url)) == 1  # the second sent nothing
            # Looking is not running: the manifest command reads it while the job holds it.
            assert manifest_json(manifest) == {"pools": [], "total": 0}
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        assert stored_pools(url) == []

        # A lock dies with its process, even one killed with SIGKILL.
        third = run(argv)
        assert third.returncode == 0, third.stderr
        assert_exactly(url, manifest, expected)


# -- ghl-pools export | bland-pools provision - ------------------------------------------------


def export_into_provision(
    ghl_url: str, bland_url: str, manifest: Path, export_err: Path
) -> tuple[int, int, str, str]:
    """``ghl-pools export ... --format provision | bland-pools provision - --manifest M``:
    both exit codes, provision's stdout and stderr (the exporter's stderr goes to a file)."""
    with export_err.open("w", encoding="utf-8") as err:
        exporter = subprocess.Popen(
            [
                str(BIN / "ghl-pools"),
                *("--token", GHL_TOKEN, "--base-url", ghl_url),
                "export",
                *("--location", LOC_A, "--location", LOC_B, "--format", "provision"),
            ],
            stdout=subprocess.PIPE,
            stderr=err,
        )
        assert exporter.stdout is not None
        try:
            provisioner = subprocess.Popen(
                [
                    str(BIN / "bland-pools"),
                    *("--api-key", KEY, "--base-url", bland_url),
                    *("provision", "-", "--manifest", str(manifest)),
                ],
                stdin=exporter.stdout,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        finally:
            exporter.stdout.close()  # the provisioner holds the pipe's read end now
        try:
            out, perr = provisioner.communicate(timeout=120)
        finally:
            exporter.wait(timeout=60)
    return exporter.returncode, provisioner.returncode, out, perr


def test_export_piped_into_provision_mirrors_ghl_pools(tmp_path: Path) -> None:
    ghl = GHLEmulator(tokens={GHL_TOKEN: [LOC_A, LOC_B]})
    ghl.seed_samples(LOC_A)
    ghl.seed_samples(LOC_B)
    ghl.add_pool(
        LOC_B,
        name="London and Chicago",
        numbers=[(UK_NUMBER, "London"), ("+13125550142", "Chicago")],
    )
    ghl.add_pool(LOC_A, name="London only", numbers=[("+442079460959", "London 2")])
    expected: dict[str, tuple[str, ...]] = {}
    for location in (LOC_A, LOC_B):
        for pool in ghl.pools(location):
            kept = [n["phoneNumber"] for n in pool["numbers"] if n["phoneNumber"].startswith("+1")]
            if kept:
                expected[f"{location}:{pool['id']}"] = tuple(sorted(kept))
    assert len(expected) == 7  # three samples in each location, and the mixed pool
    manifest = tmp_path / "mirror.db"
    export_err = tmp_path / "export.err"

    with ghl.in_thread(), standalone_bland() as bland_url:
        ghl_url = ghl.url
        exported, provisioned, out, err = export_into_provision(
            ghl_url, bland_url, manifest, export_err
        )

        skipped = export_err.read_text(encoding="utf-8")
        assert (exported, provisioned) == (0, 0), (skipped, err)
        assert "Traceback" not in skipped + err
        assert f"'{UK_NUMBER}' of pool {LOC_B}:" in skipped
        assert "'+442079460959' of pool" in skipped
        assert "no number Bland can take" in skipped  # the London-only pool, left out
        assert UK_NUMBER not in out + err
        assert f"Plan: {len(expected)} to create," in out
        first = assert_exactly(bland_url, manifest, expected)

        exported, provisioned, out, err = export_into_provision(
            ghl_url, bland_url, manifest, export_err
        )

        assert (exported, provisioned) == (0, 0), err
        assert (
            f"Plan: 0 to create, 0 to update, 0 to adopt, 0 to delete, {len(expected)} unchanged."
            in out
        )
        assert "Nothing to do" in out
        assert assert_exactly(bland_url, manifest, expected) == first
        writes = [r for r in logged(bland_url) if r["method"] != "GET"]
        assert len(writes) == len(expected)  # the second run sent no write

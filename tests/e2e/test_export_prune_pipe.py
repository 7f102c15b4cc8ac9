"""The README's GoHighLevel -> Bland sync, ``set -o pipefail; ghl-pools export ... --format
provision | bland-pools provision - --manifest M --prune``, as real processes in a real shell:
when a location fails to list, the exporter writes nothing (it used to write the other
locations' rows, and the prune then deleted every pool of the failed location), so the
provisioner deletes nothing and the pipeline fails."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from ghl_pools.testing import GHLEmulator

from .test_provision_processes import (
    BIN,
    KEY,
    LOC_A,
    LOC_B,
    logged,
    standalone_bland as bland_emulator,
    stored_pools,
)

TOKEN_BOTH = "pit-pipe-both-4d3c2b"
TOKEN_A_ONLY = "pit-pipe-a-only-9e8d7c"  # may not see LOC_B: its listing fails (403)
SYNC = (
    "set -o pipefail\n"
    'ghl-pools export --location "$LOC_A" --location "$LOC_B" --format provision \\\n'
    '    | bland-pools provision - --manifest "$MANIFEST" --prune\n'
)


def sync(
    token: str, ghl_url: str, bland_url: str, manifest: Path
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "GHL_ACCESS_TOKEN": token,
        "GHL_BASE_URL": ghl_url,
        "BLAND_API_KEY": KEY,
        "BLAND_BASE_URL": bland_url,
        "LOC_A": LOC_A,
        "LOC_B": LOC_B,
        "MANIFEST": str(manifest),
    }
    return subprocess.run(
        ["bash", "-c", SYNC], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_a_failed_location_in_the_sync_pipe_deletes_nothing(tmp_path: Path) -> None:
    ghl = GHLEmulator(tokens={TOKEN_BOTH: [LOC_A, LOC_B], TOKEN_A_ONLY: [LOC_A]})
    ghl.seed_samples(LOC_A)
    ghl.seed_samples(LOC_B)
    manifest = tmp_path / "mirror.db"
    with ghl.in_thread(), bland_emulator() as bland_url:
        first = sync(TOKEN_BOTH, ghl.url, bland_url, manifest)
        assert first.returncode == 0, first.stderr
        mirrored = stored_pools(bland_url)
        assert len(mirrored) >= 4  # pools of both locations

        failed = sync(TOKEN_A_ONLY, ghl.url, bland_url, manifest)

        assert failed.returncode != 0
        assert "Traceback" not in failed.stderr
        assert f"ghl-pools: error: location {LOC_B}: " in failed.stderr
        assert "ghl-pools: nothing written: 1 of 2 locations failed" in failed.stderr
        assert [r for r in logged(bland_url) if r["method"] == "DELETE"] == []
        assert stored_pools(bland_url) == mirrored

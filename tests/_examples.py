"""Running the documentation's examples as a reader would: in a child process, against both
emulators, with the environment the docs tell a reader to set."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from bland_pools.testing import BlandEmulator
from ghl_pools.testing import GHLEmulator


@contextlib.contextmanager
def emulated_environment(
    key: str, cred: str, token: str, locations: Sequence[str]
) -> Iterator[dict[str, str]]:
    """Both emulators (with their sample pools) in threads; yields the environment that points
    the examples at them, this interpreter's scripts first on PATH."""
    bland = BlandEmulator(api_keys={key: [cred]})
    ghl = GHLEmulator(tokens={token: list(locations)})
    bland.seed_samples()
    ghl.seed_samples()
    with bland.in_thread(), ghl.in_thread():
        yield {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "BLAND_API_KEY": key,
            "BLAND_BASE_URL": bland.url,
            "GHL_ACCESS_TOKEN": token,
            "GHL_BASE_URL": ghl.url,
            "GHL_LOCATION_ID": locations[0],
        }


def run_example(
    argv: Sequence[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``argv`` run to its end (two minutes at most), its output captured as text."""
    return subprocess.run(
        list(argv), cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )

"""Every private interpreter or attrs API the SDK uses has a public fallback that behaves the same.

Each fallback is forced in a fresh interpreter: with ``POOLS_CORE_PORTABLE=1`` (all at once), or
with the private API itself removed before the SDK is imported. The child then does real work
(blocking calls against the emulators, Ctrl-C, fork, decoding every model) and its results are
compared with the fast path's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import attrs
import pytest

from pools_core._convert import Model, make_model_converter, raw_field

from ._server import SLOW_POOL_ID, LocalServer
from ._support import API_KEY, NUMBERS

# What each child reports: which implementation each seam uses.
_PATHS = """
import asyncio, signal, selectors
import pools_core._convert as _c, pools_core._portal as _p
paths = {
    "signal": _p._getsignal is not signal.getsignal,
    "running_loop": _p._running_loop is not _p._public_running_loop,
    "slot_fill": _c._SLOT_FILL,
}
"""

# Blocking calls against both emulators, decoding every model; prints the paths and results.
_DECODE_ALL = (
    _PATHS
    + """
from bland_pools import BlandClient
from bland_pools.testing import BlandEmulator
from ghl_pools import GHLClient
from ghl_pools.testing import GHLEmulator

def dump(model):
    return {"dict": model.to_dict(), "raw": model.raw, "repr": repr(model)}

with BlandEmulator().in_thread() as bemu, GHLEmulator().in_thread() as gemu:
    # Fixed times (the samples' are the clock's), a credential, an empty pool, an offset.
    for n, numbers in enumerate([["+14155552671", "+14155552672"], [], ["+12125550147"]]):
        bemu.add_pool(
            bemu.api_key,
            numbers,
            "ENCRYPTED-KEY-1" if n == 0 else None,
            pool_id=f"550e8400-e29b-41d4-a716-44665544000{n + 2}",
            created_at="2025-06-0%dT12:00:00+02:00" % (n + 1),
        )
    gemu.seed_samples()
    with BlandClient(api_key=bemu.api_key, base_url=bemu.url) as bland:
        pools = bland.pools.list()
        fetched = [bland.pools.get(p.id) for p in pools]
        assert fetched == list(pools)
    with GHLClient(token=gemu.token, base_url=gemu.url, location_id=gemu.location_id) as ghl:
        page = ghl.pools.list()
        ghl_pools = list(page)
print(json.dumps({
    "paths": paths,
    "bland": [dump(p) for p in fetched],
    "ghl": [dump(p) for p in ghl_pools],
}, sort_keys=True))
"""
)

_REMOVE_PRIVATE_APIS = """
import sys, asyncio
sys.modules["_signal"] = None  # import _signal fails, as on another implementation
del asyncio._get_running_loop
"""


def _run(script: str, *args: str, portable: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "POOLS_CORE_PORTABLE"}
    if portable:
        env["POOLS_CORE_PORTABLE"] = "1"
    return subprocess.run(
        [sys.executable, "-c", "import json\n" + script, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


def _decoded(script: str, *, portable: bool = False) -> dict[str, Any]:
    done = _run(script, portable=portable)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def fast() -> dict[str, Any]:
    return _decoded(_DECODE_ALL)


def test_the_fast_path_uses_every_private_api(fast: dict[str, Any]) -> None:
    assert fast["paths"] == {"signal": True, "running_loop": True, "slot_fill": True}
    assert len(fast["bland"]) == 3
    assert len(fast["ghl"]) == 3


def test_portable_mode_decodes_every_model_as_the_fast_path(fast: dict[str, Any]) -> None:
    portable = _decoded(_DECODE_ALL, portable=True)

    assert portable["paths"] == {"signal": False, "running_loop": False, "slot_fill": False}
    assert portable["bland"] == fast["bland"]
    assert portable["ghl"] == fast["ghl"]


def test_without_signal_and_get_running_loop_the_public_ones_serve(fast: dict[str, Any]) -> None:
    removed = _decoded(_REMOVE_PRIVATE_APIS + _DECODE_ALL)

    assert removed["paths"] == {"signal": False, "running_loop": False, "slot_fill": True}
    assert removed["bland"] == fast["bland"]
    assert removed["ghl"] == fast["ghl"]


_CTRL_C = """
import os, signal, sys, threading
from bland_pools import BlandClient
signal.signal(signal.SIGINT, signal.default_int_handler)  # even where the run ignores it
base_url, api_key, pool_id, slow_id = sys.argv[1:5]
with BlandClient(api_key=api_key, base_url=base_url, max_retries=0) as bland:
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        bland.pools.get(slow_id, timeout=30)
    except KeyboardInterrupt:
        print("interrupted")
    timer.join()
    # The handler is restored, and the client still works.
    print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)
    print(bland.pools.get(pool_id).id == pool_id)
"""


@pytest.mark.parametrize("portable", [False, True], ids=["fast", "portable"])
def test_ctrl_c_cancels_a_blocking_call_on_either_path(
    local_server: LocalServer, portable: bool
) -> None:
    pool = local_server.add_pool(NUMBERS)

    done = _run(
        _CTRL_C, local_server.base_url, API_KEY, pool["id"], SLOW_POOL_ID, portable=portable
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["interrupted", "True", "True"]
    assert local_server.slow_cancelled.wait(5)  # the request was cancelled on the wire


_FORK_AND_EXIT = """
import logging, os, sys, time
from bland_pools import BlandClient
logging.basicConfig(level=logging.DEBUG)  # a skipped isolation would say so on stderr
base_url, api_key, pool_id = sys.argv[1:4]
bland = BlandClient(api_key=api_key, base_url=base_url, timeout=5, max_retries=0)
bland.pools.get(pool_id)  # the parent's loop and pooled connection are up
pid = os.fork()
if pid == 0:
    bland.pools.get(pool_id)
    sys.exit(0)  # a normal exit: the inherited loop and session are collected and closed
_, status = os.waitpid(pid, 0)
bland.pools.get(pool_id)  # must not wait on a socket the child unregistered
print(os.waitstatus_to_exitcode(status))
bland.close()
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
@pytest.mark.parametrize("portable", [False, True], ids=["fast", "portable"])
def test_a_forked_child_gets_a_selector_of_its_own_on_either_path(
    local_server: LocalServer, portable: bool
) -> None:
    pool = local_server.add_pool(NUMBERS)

    done = _run(_FORK_AND_EXIT, local_server.base_url, API_KEY, pool["id"], portable=portable)

    # With a timeout of 5 s and no retries, a stalled pooled connection fails the last get.
    assert done.returncode == 0, done.stderr
    assert "no selector to isolate" not in done.stderr  # isolated, publicly or not
    assert done.stdout.split() == ["0"]  # and the child's own call worked
    # Parent then child then parent again on its first connection: two connections in all.
    assert local_server.connections == 2


# -- a model whose attrs __init__ does more than fill slots: built by keyword --------------


@attrs.frozen
class _Checked(Model):
    name: str = attrs.field(validator=attrs.validators.min_len(1))
    size: int | None = None
    _raw: Any = raw_field()  # noqa: RUF009 - attrs, not dataclasses: a field specifier


def test_a_model_with_a_validator_is_built_through_its_init() -> None:
    wire = make_model_converter(str)

    model = wire.structure({"name": "a", "size": "3", "extra": 1}, _Checked)

    assert model == _Checked(name="a", size=3)
    assert model.raw == {"name": "a", "size": "3", "extra": 1}
    with pytest.raises(ValueError, match="_Checked"):
        wire.structure({"name": ""}, _Checked)  # the validator ran

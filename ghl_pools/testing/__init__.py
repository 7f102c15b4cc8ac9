"""Test helpers for code that uses ``ghl_pools``: an in-process emulator of GoHighLevel's
number-pool list (auth, ``Version``, rate-limit headers and 429s included), with staged
faults, and a pytest plugin (fixtures ``ghl_emulator`` and ``ghl_client``).

    from ghl_pools import AsyncGHLClient
    from ghl_pools.testing import GHLEmulator

    async with GHLEmulator(tokens={"tok-1": ["ve9EPM428h8vShlRW1KT"]}) as emu:
        emu.seed_samples()
        async with AsyncGHLClient(token=emu.token, base_url=emu.url) as ghl:
            page = await ghl.pools.list(location_id="ve9EPM428h8vShlRW1KT")

Run one by hand with ``python -m ghl_pools.testing --port 8766 --samples``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pools_core._lazy import testing_exports

if TYPE_CHECKING:
    from pools_core.testing import FakeClock, Fault, FaultPlan, RecordedRequest

    from ._emulator import GHLEmulator

__all__ = ["FakeClock", "Fault", "FaultPlan", "GHLEmulator", "RecordedRequest"]


__getattr__, __dir__ = testing_exports(__name__, "GHLEmulator")

"""Test helpers for code that uses ``bland_pools``: an in-process emulator of Bland's custom
dialing pools API, with staged faults, and a pytest plugin (fixtures ``bland_emulator`` and
``bland_client``).

    from bland_pools import AsyncBlandClient
    from bland_pools.testing import BlandEmulator, Fault

    async with BlandEmulator(api_keys=["key-a"]) as emu:
        emu.inject(Fault.SERVER_ERROR, method="POST")
        async with AsyncBlandClient(api_key=emu.api_key, base_url=emu.url) as bland:
            pool = await bland.pools.create(["+12345678901"])

Run one by hand with ``python -m bland_pools.testing --port 8765 --samples``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from pools_core._lazy import testing_exports

if TYPE_CHECKING:
    from pools_core.testing import FakeClock, Fault, FaultPlan, RecordedRequest

    from ._emulator import BlandEmulator

__all__ = [
    "SAMPLE_CREDENTIALS",
    "BlandEmulator",
    "FakeClock",
    "Fault",
    "FaultPlan",
    "RecordedRequest",
]

#: The docs' example Twilio credentials (a UUID): the emulator's sample pools use them, and the
#: command lines' ``--emulator`` mode and ``python -m bland_pools.testing --samples`` accept them
#: as an ``encrypted_key``. Named here too (the emulator keeps its own copy) so that the command
#: line can say them without loading aiohttp.
SAMPLE_CREDENTIALS: Final = "550e8400-e29b-41d4-a716-446655440000"


__getattr__, __dir__ = testing_exports(__name__, "BlandEmulator")

"""What the emulators of both APIs share, and helpers for tests of code that uses the SDK.

This package holds test infrastructure only: the server machinery of the emulators (their
lifecycle, staged faults, the request log, standalone runs), a fake clock, and an emulator
served from its own thread for blocking code. It imports nothing of the SDK's rules: an
emulator is a test oracle, so each API's emulator (``bland_pools.testing``,
``ghl_pools.testing``) carries its own copy of its API's rules.
"""

from ._clock import FakeClock
from ._emulator import (
    INSPECTION_PREFIX,
    NOT_JSON,
    EmulatorBase,
    Fault,
    FaultPlan,
    RecordedRequest,
    current_payload,
)

__all__ = [
    "INSPECTION_PREFIX",
    "NOT_JSON",
    "EmulatorBase",
    "FakeClock",
    "Fault",
    "FaultPlan",
    "RecordedRequest",
    "current_payload",
]

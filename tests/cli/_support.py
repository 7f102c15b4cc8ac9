"""Helpers of the command-line tests: run a ``main`` and get its exit code, read tables."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from typing import Any

from bland_pools._cli import main as bland_main
from bland_pools.testing import BlandEmulator
from ghl_pools._cli import main as ghl_main
from ghl_pools.testing import GHLEmulator

KEY = "sk-cli-secret-9d8c7b6a5f4e"  # distinctive: a leak is found by a substring search
CRED = "550e8400-e29b-41d4-a716-446655440000"
TOKEN = "pit-cli-secret-1a2b3c4d5e"
OTHER_TOKEN = "pit-cli-other-6f7e8d"
LOCATION = "ve9EPM428h8vShlRW1KT"
OTHER_LOCATION = "otherLoc_9"

# What the command lines' embedded emulators use (bland_pools._cli, ghl_pools._cli).
SAMPLE_POOL_ID = "550e8400-e29b-41d4-a716-446655440001"
SAMPLE_CREDENTIALS = "550e8400-e29b-41d4-a716-446655440000"


Main = Callable[[Sequence[str]], int]


def run(main: Main, argv: Sequence[str]) -> int:
    """``main(argv)``'s exit code, whether it returns it or argparse exits with it."""
    try:
        return main(list(argv))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1


async def bland(*argv: str) -> int:
    """``bland-pools argv`` in a thread (it runs its own event loop) while the emulators and
    servers of the test run on the test's loop; its exit code."""
    return await asyncio.to_thread(run, bland_main, argv)


async def ghl(*argv: str) -> int:
    """``ghl-pools argv`` in a thread, as :func:`bland`."""
    return await asyncio.to_thread(run, ghl_main, argv)


_GHL_FIELDS = (
    "id",
    "name",
    "locationId",
    "numbers",
    "forwardingNumber",
    "whisper",
    "whisperMessage",
    "callRecording",
    "isActive",
    "inboundCallService",
)


def _snake(name: str) -> str:
    return re.sub(r"[A-Z]", lambda m: "_" + m.group().lower(), name)


def ghl_sdk_form(stored: dict[str, Any]) -> dict[str, Any]:
    """A stored GoHighLevel pool (camelCase, as the API sends it) in the form the command
    line's --json shows: the SDK's snake_case names, every field, a missing one as null."""
    pool = {_snake(key): stored.get(key) for key in _GHL_FIELDS}
    pool["numbers"] = [{_snake(k): v for k, v in n.items()} for n in stored.get("numbers") or []]
    service = stored.get("inboundCallService")
    pool["inbound_call_service"] = (
        None if service is None else {_snake(k): v for k, v in service.items()}
    )
    return pool


def ghl_list_json(stored: list[dict[str, Any]], total: int | None = None) -> dict[str, Any]:
    """What ``ghl-pools list --json`` prints for these stored pools."""
    return {
        "pools": [ghl_sdk_form(p) for p in stored],
        "total": len(stored) if total is None else total,
    }


def bland_list_json(stored: list[dict[str, Any]]) -> dict[str, Any]:
    """What ``bland-pools list --json`` prints (a pool's JSON is the SDK's form already)."""
    return {"pools": stored, "total": len(stored)}


def cells(line: str) -> list[str]:
    """The cells of a table line (columns are separated by two or more spaces)."""
    return re.split(r" {2,}", line.strip())


def table(text: str) -> list[list[str]]:
    return [cells(line) for line in text.splitlines() if line.strip()]


def record(text: str) -> dict[str, str]:
    """The ``name: value`` lines of a shown object."""
    fields = {}
    for line in text.splitlines():
        name, _, value = line.partition(":")
        fields[name] = value.strip()
    return fields


def error_lines(stderr: str, prog: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(f"{prog}: error:")]


class Embedded:
    """The emulators that ``--emulator`` runs started, in order (see the ``embedded``
    fixture)."""

    def __init__(self) -> None:
        self.bland: list[BlandEmulator] = []
        self.ghl: list[GHLEmulator] = []

    def only_bland(self) -> BlandEmulator:
        """The one Bland emulator the run started (a second would fail the unpacking)."""
        (emu,) = self.bland
        return emu

    def only_ghl(self) -> GHLEmulator:
        """The one GoHighLevel emulator the run started."""
        (emu,) = self.ghl
        return emu
